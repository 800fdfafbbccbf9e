/* momentiqctl credits grant|show. */
#ifndef MIQW_CTL_CREDITS_H
#define MIQW_CTL_CREDITS_H

#include <apr_pools.h>

int miqw_ctl_credits_handles(const char *cmd);
int miqw_ctl_credits_run(apr_pool_t *p, const char *conninfo, int argc, const char *const *argv);

#endif
