/* Shared by the libFuzzer targets: APR is initialised once, and every input
 * gets a fresh subpool of one root pool, destroyed after the input (so pool
 * cleanups, which drop the Jansson references, run per input and a leak shows
 * up under LeakSanitizer). Helpers split an input into NUL-terminated parts. */
#ifndef MIQ_FUZZ_COMMON_H
#define MIQ_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static apr_pool_t *fuzz_root;

/* APR and the root pool, once per process. */
static inline void fuzz_init(void)
{
    if (fuzz_root)
        return;
    if (apr_initialize() != APR_SUCCESS || apr_pool_create(&fuzz_root, NULL) != APR_SUCCESS)
        abort();
    /* Destroys fuzz_root before LeakSanitizer's exit check: what the targets
     * build once (a server, a registry) lives in APR's mmap'ed blocks, which
     * LeakSanitizer does not scan, so it would count as leaked. */
    atexit(apr_terminate);
}

/* A fresh subpool for one input; destroy it with apr_pool_destroy. */
static inline apr_pool_t *fuzz_pool(void)
{
    apr_pool_t *p = NULL;
    fuzz_init();
    if (apr_pool_create(&p, fuzz_root) != APR_SUCCESS)
        abort();
    return p;
}

/* The input as a NUL-terminated string (stops at the first NUL byte). */
static inline const char *fuzz_str(apr_pool_t *p, const uint8_t *d, size_t n)
{
    return apr_pstrndup(p, (const char *)d, n);
}

/* Splits d[0..n) at the first byte sep: *head gets the part before it
 * (NUL-terminated copy), *rest and *rest_n the part after. Without sep the
 * whole input is head and rest is empty. */
static inline void fuzz_split(apr_pool_t *p, const uint8_t *d, size_t n, int sep, const char **head,
                              const uint8_t **rest, size_t *rest_n)
{
    const uint8_t *s = n ? memchr(d, sep, n) : NULL;
    size_t hn = s ? (size_t)(s - d) : n;
    *head = apr_pstrmemdup(p, (const char *)d, hn);
    *rest = s ? s + 1 : d + n;
    *rest_n = s ? n - hn - 1 : 0;
}

#endif
