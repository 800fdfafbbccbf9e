/* Reading the small files configuration names (secrets, keys): pure APR, so
 * the glue's directive files share it without depending on each other. */
#ifndef MIQ_FILE_H
#define MIQ_FILE_H

#include <apr_pools.h>
#include <apr_errno.h>

/* The largest file miq_file_read_small reads. */
#define MIQ_FILE_SMALL_MAX 65536

/* Reads the whole file into pool memory, NUL-terminated, *n its length.
 * APR_EINVAL for a file above MIQ_FILE_SMALL_MAX bytes. */
apr_status_t miq_file_read_small(char **buf, apr_size_t *n, const char *path, apr_pool_t *p);

#endif
