#include <apr_file_io.h>
#include "base/miq_file.h"

apr_status_t miq_file_read_small(char **buf, apr_size_t *n, const char *path, apr_pool_t *p)
{
    apr_file_t *f;
    apr_finfo_t fi;
    apr_status_t rv = apr_file_open(&f, path, APR_FOPEN_READ, 0, p);
    if (rv != APR_SUCCESS)
        return rv;
    if ((rv = apr_file_info_get(&fi, APR_FINFO_SIZE, f)) == APR_SUCCESS) {
        if (fi.size > MIQ_FILE_SMALL_MAX) {
            apr_file_close(f);
            return APR_EINVAL;
        }
        *buf = apr_palloc(p, (apr_size_t)fi.size + 1);
        rv = apr_file_read_full(f, *buf, (apr_size_t)fi.size, n);
        (*buf)[*n] = 0;
    }
    apr_file_close(f);
    return rv;
}
