/* Stripe over HTTP:
 *   POST /api/billing/stripe/webhook      verified events (Stripe-Signature), applied once
 *                                         by event id; a paid checkout session tops up
 *   POST /api/dashboard/billing/checkout  creates a Checkout Session with the operator's
 *                                         secret key (libcurl, MomentIQStripeAPIBase)
 * Anything unsigned, stale or malformed is refused with 400 and nothing written. */
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>
#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <http_protocol.h>
#include <apr_strings.h>
#include "mod_momentiq_private.h"
#include "mod_momentiq_stripe.h"
#include "mod_momentiq_body.h"
#include "mod_momentiq_dbd.h"
#include "mod_momentiq_dbd_core.h"
#include "mod_momentiq_session.h"
#include "base/miq_crypto.h"
#include "base/miq_json.h"
#include "billing/miq_pricing.h"
#include "billing/miq_stripe.h"
#include "billing/miq_stripe_events.h"

#define WEBHOOK_BODY_LIMIT   (256 * 1024)
#define STRIPE_REPLY_LIMIT   (256 * 1024)
#define CHECKOUT_MAX_CREDITS 10000000
#define STRIPE_TIMEOUT_S     20

/* ---- webhook ------------------------------------------------------------------ */

int miq_handle_stripe_webhook(request_rec *r)
{
    miq_srv_conf *sc = miq_conf(r->server);
    const char *body, *why;
    apr_size_t len;
    miq_stripe_event ev;
    miq_reply rep;
    miq_db db;
    int rv;

    if (r->method_number != M_POST) {
        apr_table_setn(r->headers_out, "Allow", "POST");
        return miq_send_error(r, HTTP_METHOD_NOT_ALLOWED, "invalid_request",
                              "the Stripe webhook takes POST");
    }
    if (!sc->stripe_webhook_secret)
        return miq_send_error(r, HTTP_SERVICE_UNAVAILABLE, "server_error",
                              "Stripe webhooks are not configured on this server "
                              "(MomentIQStripeWebhookSecretFile)");
    rv = miq_read_body(r, WEBHOOK_BODY_LIMIT, &body, &len);
    if (rv != OK)
        return miq_send_error(r, rv == HTTP_REQUEST_ENTITY_TOO_LARGE ? rv : HTTP_BAD_REQUEST,
                              rv == HTTP_REQUEST_ENTITY_TOO_LARGE ? "payload_too_large"
                                                                  : "invalid_request",
                              "the event body could not be read");
    why = miq_stripe_verify(apr_table_get(r->headers_in, "Stripe-Signature"), body, len,
                            sc->stripe_webhook_secret, sc->stripe_webhook_secret_len,
                            apr_time_sec(apr_time_now()), sc->stripe_tolerance_s);
    if (why) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      MIQLOGNO(10985) "MomentIQ: Stripe webhook refused: signature %s", why);
        return miq_send_error(r, HTTP_BAD_REQUEST, "invalid_request",
                              apr_psprintf(r->pool, "Stripe-Signature is %s",
                                           !strcmp(why, "stale")      ? "too old (replay window)"
                                           : !strcmp(why, "mismatch") ? "not valid"
                                                                      : why));
    }
    if ((why = miq_stripe_parse_event(r->pool, body, len, &ev)))
        return miq_send_error(r, HTTP_BAD_REQUEST, "invalid_request", why);
    /* Applied once by event id (core/billing/miq_stripe_events.c). */
    miq_db_bind(r, miq_dbd(r), &db);
    memset(&rep, 0, sizeof(rep));
    miq_stripe_event_apply(r->pool, &db, sc->mcp->pricing, &ev, &rep);
    return miq_send_reply(r, &rep);
}

/* ---- checkout -------------------------------------------------------------------- */

typedef struct reply_buf {
    apr_pool_t *p;
    char *data;
    apr_size_t len;
    int overflow;
} reply_buf;

static size_t collect(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    reply_buf *b = userdata;
    size_t n = size * nmemb;
    char *grown;
    if (b->len + n > STRIPE_REPLY_LIMIT) {
        b->overflow = 1;
        return 0;
    }
    grown = apr_palloc(b->p, b->len + n + 1);
    if (b->len)
        memcpy(grown, b->data, b->len);
    memcpy(grown + b->len, ptr, n);
    b->len += n;
    grown[b->len] = 0;
    b->data = grown;
    return n;
}

/* POSTs form to base/v1/checkout/sessions; the HTTP status (0: no answer) and the body. */
static long stripe_post(request_rec *r, const char *url, const char *key, const char *form,
                        reply_buf *out, const char **err)
{
    CURL *c;
    struct curl_slist *h = NULL;
    long status = 0;
    CURLcode rc;
    static int inited;
    if (!inited) { /* thread-safe since curl 7.84 and reference-counted */
        curl_global_init(CURL_GLOBAL_DEFAULT);
        inited = 1;
    }
    if (!(c = curl_easy_init())) {
        *err = "libcurl could not start";
        return 0;
    }
    h = curl_slist_append(h, apr_pstrcat(r->pool, "Authorization: Bearer ", key, NULL));
    h = curl_slist_append(h, "Content-Type: application/x-www-form-urlencoded");
    h = curl_slist_append(h, apr_pstrcat(r->pool, "Idempotency-Key: miq-",
                                         miq_random_hex(r->pool, 16), NULL));
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, form);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(form));
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)STRIPE_TIMEOUT_S);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 5L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    rc = curl_easy_perform(c);
    if (rc == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    else
        *err = apr_pstrdup(r->pool, curl_easy_strerror(rc));
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return status;
}

int miq_handle_stripe_checkout(request_rec *r, const miq_web_session *s, json_t *body)
{
    miq_srv_conf *sc = miq_conf(r->server);
    json_t *credits = json_object_get(body, "credits"), *reply;
    miq_stripe_checkout co;
    const char *form, *err = NULL, *url;
    reply_buf out = {r->pool, NULL, 0, 0};
    long status;

    if (!sc->stripe_secret_key)
        return miq_send_error(r, HTTP_SERVICE_UNAVAILABLE, "server_error",
                              "Stripe checkout is not configured on this server "
                              "(MomentIQStripeSecretKeyFile)");
    if (!json_is_integer(credits) || json_integer_value(credits) < 1 ||
        json_integer_value(credits) > CHECKOUT_MAX_CREDITS)
        return miq_send_error(r, HTTP_BAD_REQUEST, "invalid_request",
                              "credits must be a whole number from 1 to 10000000");
    memset(&co, 0, sizeof(co));
    co.account_id = s->account_id;
    co.email = s->email;
    co.credits = json_integer_value(credits);
    co.amount_minor = miq_pricing_amount_for_credits(sc->mcp->pricing, co.credits);
    miq_pricing_credit_price(sc->mcp->pricing, &co.currency);
    co.success_url = apr_pstrcat(r->pool, sc->base_url, "/dashboard/?checkout=success#billing",
                                 NULL);
    co.cancel_url = apr_pstrcat(r->pool, sc->base_url, "/dashboard/?checkout=canceled#billing",
                                NULL);
    if (co.amount_minor < 1)
        return miq_send_error(r, HTTP_BAD_REQUEST, "invalid_request",
                              "that many credits cannot be priced");
    form = miq_stripe_checkout_form(r->pool, &co);
    url = apr_pstrcat(r->pool, sc->stripe_api_base, "/v1/checkout/sessions", NULL);
    status = stripe_post(r, url, sc->stripe_secret_key, form, &out, &err);
    reply = out.data ? miq_json_parse(r->pool, out.data, out.len, NULL) : NULL;
    if (status < 200 || status > 299 || !json_is_object(reply) ||
        !miq_json_str(reply, "url", NULL)) {
        const char *msg = miq_json_str(json_object_get(reply, "error"), "message", NULL);
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                      MIQLOGNO(10987) "MomentIQ: Stripe checkout session failed: HTTP %ld%s%s",
                      status, err ? ", " : "", err ? err : "");
        return miq_send_error(r, HTTP_SERVICE_UNAVAILABLE, "server_error",
                              apr_psprintf(r->pool,
                                           "Stripe did not create the checkout "
                                           "session%s%s; try again shortly",
                                           msg ? ": " : "", msg ? msg : ""));
    }
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    return miq_send_json(
        r, HTTP_CREATED,
        miq_json_dump(r->pool,
                      miq_json_packp(r->pool, "{s:s?,s:s,s:I,s:I,s:s}", "session_id",
                                     miq_json_str(reply, "id", NULL), "checkout_url",
                                     miq_json_str(reply, "url", ""), "credits",
                                     (json_int_t)co.credits, "amount_minor",
                                     (json_int_t)co.amount_minor, "currency", co.currency)));
}
