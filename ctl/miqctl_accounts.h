/* momentiqctl account commands: user create, token create|list|revoke,
 * key create. Same SQL catalog as httpd; secrets are printed once and never
 * stored (only their SHA-256). */
#ifndef MIQCTL_ACCOUNTS_H
#define MIQCTL_ACCOUNTS_H

#include <apr_pools.h>

/* Whether cmd ("user", "token", "key") is one of these commands. */
int miqctl_accounts_handles(const char *cmd);
/* Runs cmd with its arguments (argv[0] is the subcommand); conninfo NULL
 * means $MOMENTIQ_DB. Returns the exit code: 0 ok, 1 failure, 2 usage. */
int miqctl_accounts_run(apr_pool_t *p, const char *conninfo, const char *cmd, int argc,
                        const char *const *argv);

#endif
