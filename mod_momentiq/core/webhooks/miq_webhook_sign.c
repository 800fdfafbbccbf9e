/* The webhook contract: event types, the derived signing secret, the
 * signature header and its check, the retry schedule, the event body. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include "base/miq_crypto.h"
#include "base/miq_json.h"
#include "webhooks/miq_webhooks.h"

const char *const miq_webhook_event_types[] = {"job.succeeded", "job.failed",  "job.canceled",
                                               "usage.alert",   "credits.low", NULL};

int miq_webhook_event_type_known(const char *type)
{
    const char *const *t;
    if (!type)
        return 0;
    for (t = miq_webhook_event_types; *t; t++)
        if (!strcmp(*t, type))
            return 1;
    return 0;
}

const char *miq_webhook_secret(apr_pool_t *p, const unsigned char key[32], const char *endpoint_id,
                               const char *salt)
{
    unsigned char mac[32];
    const char *msg = apr_pstrcat(p, endpoint_id, ":", salt, NULL);
    miq_hmac_sha256(key, 32, msg, strlen(msg), mac);
    return apr_pstrcat(p, MIQ_WEBHOOK_SECRET_PREFIX, miq_b64url_encode(p, mac, sizeof(mac)), NULL);
}

static const char *v1_hex(apr_pool_t *p, const char *secret, const char *t, const char *body,
                          apr_size_t len)
{
    static const char hexd[] = "0123456789abcdef";
    unsigned char mac[32];
    apr_size_t tl = strlen(t), i;
    char *msg = apr_palloc(p, tl + 1 + len + 1), *hex = apr_palloc(p, 65);
    memcpy(msg, t, tl);
    msg[tl] = '.';
    memcpy(msg + tl + 1, body, len);
    miq_hmac_sha256((const unsigned char *)secret, strlen(secret), msg, tl + 1 + len, mac);
    for (i = 0; i < 32; i++) {
        hex[2 * i] = hexd[mac[i] >> 4];
        hex[2 * i + 1] = hexd[mac[i] & 15];
    }
    hex[64] = 0;
    return hex;
}

const char *miq_webhook_signature(apr_pool_t *p, const char *secret, long long t, const char *body,
                                  apr_size_t len)
{
    const char *ts = apr_psprintf(p, "%" APR_INT64_T_FMT, (apr_int64_t)t);
    return apr_pstrcat(p, "t=", ts, ",v1=", v1_hex(p, secret, ts, body, len), NULL);
}

const char *miq_webhook_verify(apr_pool_t *p, const char *header, const char *secret,
                               const char *body, apr_size_t len, long long now, int tolerance_s)
{
    char *copy, *part, *last;
    const char *t = NULL, *want;
    int matched = 0;
    long long tv;
    if (!header || !secret || !*secret)
        return "no signature header";
    copy = apr_pstrdup(p, header);
    for (part = apr_strtok(copy, ",", &last); part; part = apr_strtok(NULL, ",", &last)) {
        while (*part == ' ')
            part++;
        if (!strncmp(part, "t=", 2) && !t)
            t = part + 2;
    }
    if (!t || !*t || strspn(t, "0123456789") != strlen(t) || strlen(t) > 12)
        return "no valid timestamp in the signature header";
    tv = atoll(t);
    if (tv < now - tolerance_s || tv > now + tolerance_s)
        return "the signature's timestamp is outside the tolerance";
    want = v1_hex(p, secret, t, body, len);
    copy = apr_pstrdup(p, header);
    for (part = apr_strtok(copy, ",", &last); part; part = apr_strtok(NULL, ",", &last)) {
        while (*part == ' ')
            part++;
        if (!strncmp(part, "v1=", 3) && miq_secure_streq(part + 3, want))
            matched = 1;
    }
    return matched ? NULL : "no v1 signature matches";
}

int miq_webhook_retry_delay_s(int attempt, int base_s, unsigned rnd)
{
    double d, jitter;
    int i;
    if (attempt >= MIQ_WEBHOOK_MAX_ATTEMPTS)
        return -1;
    if (attempt < 1)
        attempt = 1;
    if (base_s < 1)
        base_s = 30;
    d = base_s;
    for (i = 1; i < attempt && d < (double)base_s * MIQ_WEBHOOK_RETRY_CAP; i++)
        d *= 2;
    if (d > (double)base_s * MIQ_WEBHOOK_RETRY_CAP)
        d = (double)base_s * MIQ_WEBHOOK_RETRY_CAP;
    /* Jitter spreads the retries of many events that failed together. */
    jitter = 0.8 + 0.4 * ((double)rnd / 4294967296.0);
    d *= jitter;
    return d < 1 ? 1 : (int)d;
}

const char *miq_webhook_body(apr_pool_t *p, const char *event_id, const char *type,
                             long long created, int livemode, json_t *data)
{
    json_t *o;
    if (!data)
        data = miq_json_pool(p, json_object());
    o = miq_json_packp(p, "{s:s, s:s, s:I, s:b, s:O}", "id", event_id, "type", type, "created",
                       (json_int_t)created, "livemode", livemode, "data", data);
    return o ? miq_json_dump(p, o) : NULL;
}
