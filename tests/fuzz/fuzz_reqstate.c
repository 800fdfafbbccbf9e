/* Signed, expiring request state (core/base/miq_crypto.c). The first byte
 * picks a mode, the rest is:
 *   0: a requestState token from a client, verified as is;
 *   1: a payload, base64url-encoded and signed with the key, so that
 *      verification gets past the MAC into decoding and JSON parsing;
 *   2: a JSON object, signed with miq_reqstate_sign; it must verify back to
 *      itself (plus "exp") now and fail once expired. */
#include "fuzz_common.h"
#include "base/miq_crypto.h"
#include "base/miq_json.h"

static const unsigned char key[] = "fuzz-reqstate-key-0123456789abcdef";
#define KLEN (sizeof(key) - 1)

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
    apr_time_t now = apr_time_from_sec(1767225600);
    const char *err = NULL, *tok;
    json_t *v;
    if (size < 1)
        return 0;
    p = fuzz_pool();
    switch (data[0] % 3) {
    case 0:
        v = miq_reqstate_verify(p, key, KLEN, fuzz_str(p, data + 1, size - 1), now, &err);
        if (!v && !err)
            abort();
        break;
    case 1: {
        unsigned char mac[32];
        const char *b64 = miq_b64url_encode(p, data + 1, size - 1);
        apr_size_t n = 0;
        unsigned char *back = miq_b64url_decode(p, b64, &n);
        if (!back || n != size - 1 || memcmp(back, data + 1, n))
            abort(); /* base64url must round-trip */
        miq_hmac_sha256(key, KLEN, b64, strlen(b64), mac);
        tok = apr_pstrcat(p, b64, ".", miq_b64url_encode(p, mac, sizeof(mac)), NULL);
        v = miq_reqstate_verify(p, key, KLEN, tok, now, &err);
        if (!v && !err)
            abort();
        break;
    }
    default: {
        json_t *st = miq_json_parse(p, (const char *)data + 1, size - 1, NULL);
        const char *k;
        json_t *x;
        if (!json_is_object(st))
            break;
        tok = miq_reqstate_sign(p, key, KLEN, st, now, 60);
        if (!tok)
            abort();
        v = miq_reqstate_verify(p, key, KLEN, tok, now, &err);
        if (!json_is_object(v))
            abort();
        /* compared as serialized (reals are written with 15 significant digits) */
        json_object_foreach(st, k, x) if (strcmp(k, "exp") &&
                                          strcmp(miq_json_dump(p, x),
                                                 miq_json_dump(p, json_object_get(v, k)))) abort();
        if (miq_reqstate_verify(p, key, KLEN, tok, now + apr_time_from_sec(61), &err))
            abort();
        /* Another key never verifies it. */
        if (miq_reqstate_verify(p, (const unsigned char *)"other", 5, tok, now, &err))
            abort();
        break;
    }
    }
    apr_pool_destroy(p);
    return 0;
}
