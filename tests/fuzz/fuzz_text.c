/* UTF-8 and text helpers (core/base/miq_text.c) on arbitrary bytes:
 * validity, code point counts, sequence lengths (never past the buffer: the
 * input is copied to an exact-size allocation), form encoding round-tripped
 * through the OAuth form parser, and the number/timecode formatters on doubles
 * taken from the first 16 bytes. */
#include "fuzz_common.h"
#include <math.h>
#include <apr_tables.h>
#include "base/miq_text.h"
#include "oauth/miq_oauth.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_init();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    char *buf = malloc(size ? size : 1);
    const char *s;
    apr_size_t i, chars, seqs = 0;
    int valid;
    memcpy(buf, data, size);
    valid = miq_text_utf8_valid(buf, size);
    chars = miq_text_utf8_chars(buf, size);
    if (chars > size)
        abort();
    if (valid) {
        /* valid UTF-8: walking by sequence lengths counts the same characters */
        for (i = 0; i < size; seqs++) {
            int k = miq_text_utf8_seq((const unsigned char *)buf + i);
            if (k < 1)
                abort();
            i += (apr_size_t)k;
        }
        if (i != size || seqs != chars)
            abort();
    }
    for (i = 0; i < size; i++)
        (void)miq_text_hexval(buf[i]);
    free(buf);

    s = fuzz_str(p, data, size);
    if (*s) {
        apr_table_t *t = NULL;
        const char *enc = apr_pstrcat(p, "v=", miq_text_form_encode(p, s), NULL), *back;
        if (miq_oauth_form_parse(p, enc, strlen(enc), &t) || !(back = apr_table_get(t, "v")) ||
            strcmp(back, s))
            abort();
    }
    if (size >= 16) {
        double a, b;
        const char *num;
        memcpy(&a, data, 8);
        memcpy(&b, data + 8, 8);
        num = miq_text_num(p, a);
        if (isfinite(a)) {
            /* at most 3 decimals, and the value it stands for */
            double back = strtod(num, NULL);
            if (fabs(back - a) > 0.0005 + fabs(a) * 1e-15)
                abort();
        }
        (void)miq_text_timecode(p, a, b);
        (void)miq_text_timecode(p, fabs(a), 25);
        (void)miq_text_timecode(p, fabs(a), 30000.0 / 1001.0);
    }
    apr_pool_destroy(p);
    return 0;
}
