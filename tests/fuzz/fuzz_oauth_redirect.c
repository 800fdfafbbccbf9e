/* OAuth redirect URI matching (core/oauth/miq_oauth_redirect.c). The input is
 * lines: every line but the last is a registered URI, the last one is the
 * presented URI. Also runs the registration check and the builder. Properties:
 * a match is an exact match or a loopback URI; whatever is registrable and
 * presented as is matches itself. */
#include "fuzz_common.h"
#include <apr_tables.h>
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
    apr_array_header_t *reg = apr_array_make(p, 4, sizeof(const char *));
    const char *line, *presented, *err;
    const uint8_t *rest = data;
    size_t n = size;
    int i, exact = 0;
    /* lines: registered..., presented (the last line; at most 8 registered) */
    for (;;) {
        const uint8_t *nl = n ? memchr(rest, '\n', n) : NULL;
        if (!nl || reg->nelts >= 8) {
            line = apr_pstrmemdup(p, (const char *)rest, n);
            break;
        }
        APR_ARRAY_PUSH(reg, const char *) = apr_pstrmemdup(p, (const char *)rest,
                                                           (size_t)(nl - rest));
        n -= (size_t)(nl - rest) + 1;
        rest = nl + 1;
    }
    presented = line;
    err = miq_oauth_redirect_match(p, reg, presented);
    for (i = 0; i < reg->nelts; i++) {
        const char *r = APR_ARRAY_IDX(reg, i, const char *);
        if (!strcmp(r, presented))
            exact = 1;
        if (!miq_oauth_redirect_registrable(p, r)) {
            apr_array_header_t *one = apr_array_make(p, 1, sizeof(const char *));
            APR_ARRAY_PUSH(one, const char *) = r;
            /* A URI we let a client register must be usable as registered. */
            if (miq_oauth_redirect_match(p, one, r))
                abort();
        }
    }
    if (!err && !exact && strncmp(presented, "http://", 7))
        abort(); /* only loopback http URIs match without being identical */
    if (!err) {
        static const char *const pairs[] = {"code", "c0de&x=1", "state", "s t#?", NULL};
        const char *built = miq_oauth_redirect_build(p, presented, pairs);
        if (!built || strncmp(built, presented, strlen(presented)) || strchr(built, '#'))
            abort();
    }
    apr_pool_destroy(p);
    return 0;
}
