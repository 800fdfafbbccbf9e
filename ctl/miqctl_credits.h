/* momentiqctl credits grant|show. */
#ifndef MIQCTL_CREDITS_H
#define MIQCTL_CREDITS_H

#include <apr_pools.h>

int miqctl_credits_handles(const char *cmd);
int miqctl_credits_run(apr_pool_t *p, const char *conninfo, int argc, const char *const *argv);

#endif
