/* Stripe webhook signatures, events and Checkout Session bodies (see miq_stripe.h). */
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include "base/miq_crypto.h"
#include "base/miq_json.h"
#include "base/miq_text.h"
#include "billing/miq_stripe.h"

/* Constant-time comparison of a 64-hex-digit value with a 32-byte MAC. */
static int hex_matches(const char *hex, apr_size_t n, const unsigned char mac[32])
{
    unsigned diff = 0;
    apr_size_t i;
    if (n != 64)
        return 0;
    for (i = 0; i < 32; i++) {
        int hi = miq_text_hexval(hex[2 * i]), lo = miq_text_hexval(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return 0;
        diff |= (unsigned)(((hi << 4) | lo) ^ mac[i]);
    }
    return diff == 0;
}

const char *miq_stripe_verify(const char *header, const char *payload, apr_size_t len,
                              const unsigned char *secret, apr_size_t secret_len, apr_int64_t now_s,
                              int tolerance_s)
{
    const char *s, *item, *ts = NULL;
    apr_size_t ts_len = 0;
    apr_int64_t t = 0;
    int n_v1 = 0, matched = 0;
    unsigned char mac[32];
    const char *v1[16];
    apr_size_t v1_len[16];
    int i;

    if (!header || !*header)
        return "missing";
    if (strlen(header) > MIQ_STRIPE_HEADER_MAX || !secret || !secret_len)
        return "malformed";
    for (s = header; *s;) {
        const char *end = strchr(s, ','), *eq;
        apr_size_t n = end ? (apr_size_t)(end - s) : strlen(s);
        item = s;
        s += n + (end ? 1 : 0);
        while (n && *item == ' ')
            item++, n--;
        eq = memchr(item, '=', n);
        if (!eq || eq == item)
            return "malformed";
        if (eq - item == 1 && item[0] == 't') {
            if (ts)
                return "malformed";
            ts = eq + 1;
            ts_len = n - 2;
        }
        else if (eq - item == 2 && item[0] == 'v' && item[1] == '1') {
            if (n_v1 == 16)
                return "malformed";
            v1[n_v1] = eq + 1;
            v1_len[n_v1++] = n - 3;
        }
        /* v0 (test-mode legacy) and future schemes are ignored */
    }
    if (!ts || !ts_len || ts_len > 12 || !n_v1)
        return "malformed";
    for (i = 0; i < (int)ts_len; i++) {
        if (ts[i] < '0' || ts[i] > '9')
            return "malformed";
        t = t * 10 + (ts[i] - '0');
    }
    {
        /* HMAC over "t.payload" without copying the payload twice. */
        char *signed_payload = malloc(ts_len + 1 + len);
        if (!signed_payload)
            return "malformed";
        memcpy(signed_payload, ts, ts_len);
        signed_payload[ts_len] = '.';
        memcpy(signed_payload + ts_len + 1, payload, len);
        miq_hmac_sha256(secret, secret_len, signed_payload, ts_len + 1 + len, mac);
        free(signed_payload);
    }
    for (i = 0; i < n_v1; i++)
        matched |= hex_matches(v1[i], v1_len[i], mac);
    if (!matched)
        return "mismatch";
    if (tolerance_s > 0 && (t < now_s - tolerance_s || t > now_s + tolerance_s))
        return "stale";
    return NULL;
}

const char *miq_stripe_sign(apr_pool_t *p, const char *payload, apr_size_t len,
                            const unsigned char *secret, apr_size_t secret_len, apr_int64_t t)
{
    static const char hex[] = "0123456789abcdef";
    const char *ts = apr_psprintf(p, "%" APR_INT64_T_FMT, t);
    apr_size_t tl = strlen(ts), i;
    char *buf = apr_palloc(p, tl + 1 + len), out[65];
    unsigned char mac[32];
    memcpy(buf, ts, tl);
    buf[tl] = '.';
    memcpy(buf + tl + 1, payload, len);
    miq_hmac_sha256(secret, secret_len, buf, tl + 1 + len, mac);
    for (i = 0; i < 32; i++) {
        out[2 * i] = hex[mac[i] >> 4];
        out[2 * i + 1] = hex[mac[i] & 15];
    }
    out[64] = 0;
    return apr_psprintf(p, "t=%s,v1=%s", ts, out);
}

static int all_digits(const char *s, apr_size_t max)
{
    apr_size_t n = s ? strlen(s) : 0, i;
    if (!n || n > max)
        return 0;
    for (i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

static int printable_id(const char *s, apr_size_t max)
{
    apr_size_t n = s ? strlen(s) : 0, i;
    if (!n || n > max)
        return 0;
    for (i = 0; i < n; i++)
        if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
            return 0;
    return 1;
}

const char *miq_stripe_parse_event(apr_pool_t *p, const char *payload, apr_size_t len,
                                   miq_stripe_event *ev)
{
    json_t *root, *obj, *amount, *meta;
    const char *err = NULL, *cur, *acct;
    int i;
    memset(ev, 0, sizeof(*ev));
    root = miq_json_parse(p, payload, len, &err);
    if (!json_is_object(root))
        return "the event is not a JSON object";
    ev->id = miq_json_str(root, "id", NULL);
    ev->type = miq_json_str(root, "type", NULL);
    if (!printable_id(ev->id, 255) || !printable_id(ev->type, 100))
        return "the event has no id or type";
    if (strcmp(ev->type, "checkout.session.completed") &&
        strcmp(ev->type, "checkout.session.async_payment_succeeded"))
        return NULL;
    ev->is_checkout = 1;
    obj = json_object_get(json_object_get(root, "data"), "object");
    if (!json_is_object(obj))
        return "the checkout event has no data.object";
    ev->session_id = miq_json_str(obj, "id", NULL);
    meta = json_object_get(obj, "metadata");
    acct = miq_json_str(obj, "client_reference_id", NULL);
    if (!acct && json_is_object(meta))
        acct = miq_json_str(meta, "account_id", NULL);
    if (!all_digits(acct, 18))
        return "the checkout session names no account (client_reference_id)";
    ev->account_id = acct;
    amount = json_object_get(obj, "amount_total");
    if (!json_is_integer(amount) || json_integer_value(amount) < 0 ||
        json_integer_value(amount) > (json_int_t)1 << 40)
        return "the checkout session has no amount_total";
    ev->amount_minor = json_integer_value(amount);
    cur = miq_json_str(obj, "currency", NULL);
    if (!cur || strlen(cur) != 3)
        return "the checkout session has no currency";
    ev->currency = apr_pstrdup(p, cur);
    for (i = 0; i < 3; i++) {
        char c = ev->currency[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
            return "the checkout session has no currency";
        ((char *)ev->currency)[i] = (char)(c | 0x20);
    }
    ev->paid = !strcmp(miq_json_str(obj, "payment_status", ""), "paid");
    return NULL;
}

static const char *form_escape(apr_pool_t *p, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    apr_size_t n = strlen(s), i;
    char *out = apr_palloc(p, 3 * n + 1), *o = out;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.' || c == '~')
            *o++ = (char)c;
        else {
            *o++ = '%';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
        }
    }
    *o = 0;
    return out;
}

static const char *field(apr_pool_t *p, const char *body, const char *key, const char *value)
{
    return apr_pstrcat(p, body, *body ? "&" : "", form_escape(p, key), "=", form_escape(p, value),
                       NULL);
}

const char *miq_stripe_checkout_form(apr_pool_t *p, const miq_stripe_checkout *c)
{
    const char *b = "";
    const char *credits = apr_psprintf(p, "%" APR_INT64_T_FMT, c->credits);
    b = field(p, b, "mode", "payment");
    b = field(p, b, "success_url", c->success_url);
    b = field(p, b, "cancel_url", c->cancel_url);
    b = field(p, b, "client_reference_id", c->account_id);
    if (c->email && *c->email)
        b = field(p, b, "customer_email", c->email);
    b = field(p, b, "line_items[0][quantity]", "1");
    b = field(p, b, "line_items[0][price_data][currency]", c->currency);
    b = field(p, b, "line_items[0][price_data][unit_amount]",
              apr_psprintf(p, "%" APR_INT64_T_FMT, c->amount_minor));
    b = field(p, b, "line_items[0][price_data][product_data][name]",
              apr_pstrcat(p, credits, " MomentIQ credits", NULL));
    b = field(p, b, "metadata[account_id]", c->account_id);
    b = field(p, b, "metadata[credits]", credits);
    return b;
}
