/* momentiqctl oauth trail ID. */
#ifndef MIQW_CTL_OAUTH_H
#define MIQW_CTL_OAUTH_H

#include <apr_pools.h>

int miqw_ctl_oauth_handles(const char *cmd);
int miqw_ctl_oauth_run(apr_pool_t *p, const char *conninfo, int argc, const char *const *argv);

#endif
