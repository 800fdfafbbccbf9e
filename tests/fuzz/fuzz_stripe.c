/* Stripe webhook signatures (core/billing/miq_stripe.c). The first byte picks
 * a mode; the rest is "HEADER\nPAYLOAD".
 *   mode even: miq_stripe_verify(HEADER, PAYLOAD) as the webhook sees them;
 *   mode odd:  a genuine header for PAYLOAD (signed at a time up to 5 min
 *              either side of now, from the mode byte) with HEADER appended
 *              after a comma; without HEADER it must verify.
 * A payload that verifies then goes through miq_stripe_parse_event. */
#include "fuzz_common.h"
#include "billing/miq_stripe.h"

#define NOW 1767225600 /* 2026-01-01 */
static const unsigned char secret[] = "whsec_fuzzfuzzfuzzfuzzfuzzfuzz";

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_init();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    const char *header, *err, *payload;
    const uint8_t *rest;
    size_t rest_n;
    miq_stripe_event ev;
    if (size < 1)
        return 0;
    p = fuzz_pool();
    fuzz_split(p, data + 1, size - 1, '\n', &header, &rest, &rest_n);
    payload = apr_pstrmemdup(p, (const char *)rest, rest_n); /* an exact-size copy for ASan */
    if (data[0] & 1) {
        apr_int64_t t = NOW + (apr_int64_t)(data[0] >> 1) * 5 - 300; /* -300..+335 s */
        const char *signed_h = miq_stripe_sign(p, payload, rest_n, secret, sizeof(secret) - 1, t);
        const char *h = *header ? apr_pstrcat(p, signed_h, ",", header, NULL) : signed_h;
        err = miq_stripe_verify(h, payload, rest_n, secret, sizeof(secret) - 1, NOW,
                                MIQ_STRIPE_DEFAULT_TOLERANCE_S);
        if (!*header && (t - NOW <= MIQ_STRIPE_DEFAULT_TOLERANCE_S) != !err)
            abort();
    }
    else
        err = miq_stripe_verify(header, payload, rest_n, secret, sizeof(secret) - 1, NOW,
                                MIQ_STRIPE_DEFAULT_TOLERANCE_S);
    if (!err || (data[0] & 2))
        (void)miq_stripe_parse_event(p, payload, rest_n, &ev);
    apr_pool_destroy(p);
    return 0;
}
