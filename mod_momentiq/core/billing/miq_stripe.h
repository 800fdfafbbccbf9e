/* Stripe, without I/O: webhook signature verification (Stripe-Signature:
 * t=TIMESTAMP,v1=HEX[,v1=HEX...], HMAC-SHA256 over "TIMESTAMP.PAYLOAD" with the
 * endpoint's signing secret), event parsing, and the form body of a Checkout
 * Session request. The glue (mod_momentiq_stripe.c) does the HTTP. */
#ifndef MIQ_STRIPE_H
#define MIQ_STRIPE_H

#include <apr_pools.h>
#include "base/miq_server.h"

#define MIQ_STRIPE_DEFAULT_TOLERANCE_S 300
#define MIQ_STRIPE_HEADER_MAX          4096

/* NULL when header carries a v1 signature of payload under secret, made
 * within tolerance_s of now_s (either side); else why not: "missing",
 * "malformed" (no t, a bad number, no v1, junk), "stale", "mismatch". Any
 * one of several v1 values may match (secret rotation); v0 and unknown
 * schemes are ignored. */
const char *miq_stripe_verify(const char *header, const char *payload, apr_size_t len,
                              const unsigned char *secret, apr_size_t secret_len, apr_int64_t now_s,
                              int tolerance_s);

/* "t=T,v1=HEX" for payload at time t (tests and the loopback tools). */
const char *miq_stripe_sign(apr_pool_t *p, const char *payload, apr_size_t len,
                            const unsigned char *secret, apr_size_t secret_len, apr_int64_t t);

typedef struct miq_stripe_event {
    const char *id;           /* evt_... */
    const char *type;         /* e.g. checkout.session.completed */
    int is_checkout;          /* checkout.session.completed or .async_payment_succeeded */
    int paid;                 /* payment_status "paid" */
    const char *session_id;   /* cs_... */
    const char *account_id;   /* client_reference_id (or metadata.account_id), digits */
    apr_int64_t amount_minor; /* amount_total, minor units */
    const char *currency;     /* lowercase */
} miq_stripe_event;

/* Parses a verified event. NULL with *ev filled, or why it is malformed (an
 * event that is not an object, without id or type, or a checkout session
 * without an account reference, amount or currency). Other event types parse
 * with is_checkout 0. */
const char *miq_stripe_parse_event(apr_pool_t *p, const char *payload, apr_size_t len,
                                   miq_stripe_event *ev);

typedef struct miq_stripe_checkout {
    const char *account_id;
    apr_int64_t credits;
    apr_int64_t amount_minor; /* what the credits cost (miq_pricing_amount_for_credits) */
    const char *currency;
    const char *success_url, *cancel_url;
    const char *email; /* customer_email, or NULL */
} miq_stripe_checkout;

/* application/x-www-form-urlencoded body for POST /v1/checkout/sessions. */
const char *miq_stripe_checkout_form(apr_pool_t *p, const miq_stripe_checkout *c);

#endif
