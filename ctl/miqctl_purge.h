/* momentiqctl purge: expired uploads and old job outputs. */
#ifndef MIQCTL_PURGE_H
#define MIQCTL_PURGE_H

#include <apr_pools.h>

int miqctl_purge_handles(const char *cmd);
/* argv[0] is "purge"'s first option. Returns the exit code (0, 1, 2). */
int miqctl_purge_run(apr_pool_t *p, const char *conninfo, int argc, const char *const *argv);

#endif
