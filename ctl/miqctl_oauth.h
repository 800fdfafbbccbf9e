/* momentiqctl oauth trail ID. */
#ifndef MIQCTL_OAUTH_H
#define MIQCTL_OAUTH_H

#include <apr_pools.h>

int miqctl_oauth_handles(const char *cmd);
int miqctl_oauth_run(apr_pool_t *p, const char *conninfo, int argc, const char *const *argv);

#endif
