/* OAuth directives and their configuration (mod_momentiq_oauth_conf.c),
 * listed in the directive table of mod_momentiq_config.c. */
#ifndef MOD_MOMENTIQ_OAUTH_CONF_H
#define MOD_MOMENTIQ_OAUTH_CONF_H

#include "mod_momentiq_private.h"
#include "oauth/miq_oauth.h"

typedef struct miq_oauth_conf {
    miq_oauth_registry *declared;     /* MomentIQOAuthClient lines */
    miq_oauth_registry *reg;          /* built at post_config: declared, then the environment */
    apr_array_header_t *secret_files; /* MomentIQOAuthClientSecret: id, path pairs */
    int dcr;                          /* MomentIQOAuthDynamicRegistration */
    int cimd;                         /* MomentIQOAuthClientMetadataDocuments */
    int access_ttl_s;                 /* MomentIQOAuthAccessTokenTTL */
    int refresh_ttl_s;                /* MomentIQOAuthRefreshTokenTTL */
} miq_oauth_conf;

/* Directives (mod_momentiq_oauth_conf.c), listed in mod_momentiq_config.c. */
const char *miq_oauth_set_client(cmd_parms *cmd, void *dc, const char *line);
const char *miq_oauth_set_secret(cmd_parms *cmd, void *dc, const char *id, const char *file);
const char *miq_oauth_set_flag(cmd_parms *cmd, void *dc, int on);
const char *miq_oauth_set_ttl(cmd_parms *cmd, void *dc, const char *arg);
/* post_config: defaults, client secrets, the seed's environment variables. */
const char *miq_oauth_conf_finish(apr_pool_t *p, server_rec *s, miq_srv_conf *sc);
miq_oauth_conf *miq_oauth_cfg(request_rec *r);

#endif
