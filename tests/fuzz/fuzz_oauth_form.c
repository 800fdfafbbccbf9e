/* application/x-www-form-urlencoded parsing (core/oauth/miq_oauth_params.c):
 * miq_oauth_form_parse on the raw bytes as a body or query string, and the
 * HTTP Basic client credentials parser on the same bytes as a header. A parsed
 * table, re-encoded with miq_text_form_encode, must parse back to itself. */
#include "fuzz_common.h"
#include <apr_tables.h>
#include "oauth/miq_oauth.h"
#include "base/miq_text.h"

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
    apr_table_t *t = NULL, *t2 = NULL;
    const char *err, *id = NULL, *secret = NULL;
    err = miq_oauth_form_parse(p, (const char *)data, size, &t);
    if (!t)
        abort();
    if (!err) {
        const apr_array_header_t *a = apr_table_elts(t);
        const apr_table_entry_t *e = (const apr_table_entry_t *)a->elts;
        const char *enc = "";
        int i;
        for (i = 0; i < a->nelts; i++)
            enc = apr_pstrcat(p, enc, i ? "&" : "", miq_text_form_encode(p, e[i].key), "=",
                              miq_text_form_encode(p, e[i].val), NULL);
        if (miq_oauth_form_parse(p, enc, strlen(enc), &t2))
            abort();
        if (apr_table_elts(t2)->nelts != a->nelts)
            abort();
        for (i = 0; i < a->nelts; i++) {
            const char *v = apr_table_get(t2, e[i].key);
            if (!v || strcmp(v, e[i].val))
                abort();
        }
    }
    err = miq_oauth_basic_auth(p, fuzz_str(p, data, size), &id, &secret);
    if (!err && id && !secret)
        abort();
    apr_pool_destroy(p);
    return 0;
}
