/* The directive table and the server/directory configuration's life:
 * create, merge, finish at post_config (mod_momentiq_config.c). */
#ifndef MOD_MOMENTIQ_CONFIG_H
#define MOD_MOMENTIQ_CONFIG_H

#include "mod_momentiq_private.h"

extern const command_rec miq_directives[];
void *miq_create_srv_conf(apr_pool_t *p, server_rec *s);
void *miq_merge_srv_conf(apr_pool_t *p, void *base, void *add);
void *miq_create_dir_conf(apr_pool_t *p, char *dir);
void *miq_merge_dir_conf(apr_pool_t *p, void *base, void *add);
/* Fills defaults, reads the secret, builds the MCP server. */
const char *miq_conf_finish(apr_pool_t *p, server_rec *s, miq_srv_conf *sc);

#endif
