/* OAuth directives and the seed's environment variables, read at post_config:
 *   MomentIQOAuthClient ID NAME CONNECTOR REDIRECT_URI...   (repeatable)
 *   MomentIQOAuthClientSecret ID SECRET-FILE
 *   MomentIQOAuthDynamicRegistration On|Off
 *   MomentIQOAuthClientMetadataDocuments On|Off
 *   MomentIQOAuthAccessTokenTTL SECONDS, MomentIQOAuthRefreshTokenTTL SECONDS
 *   MOMENTIQ_CONNECTOR_OAUTH_CLIENTS, or _CLIENT_ID, _CLIENT_NAME, _CONNECTOR,
 *   _REDIRECT_URIS. */
#include <stdlib.h>
#include <string.h>
#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <apr_strings.h>
#include <apr_file_io.h>
#include "mod_momentiq_private.h"
#include "mod_momentiq_oauth_conf.h"

static miq_oauth_conf *oconf(cmd_parms *cmd)
{
    miq_srv_conf *sc = miq_conf(cmd->server);
    if (!sc->oauth) {
        miq_oauth_conf *oc = apr_pcalloc(cmd->pool, sizeof(*oc));
        oc->declared = miq_oauth_registry_make(cmd->pool);
        oc->secret_files = apr_array_make(cmd->pool, 2, sizeof(const char *));
        oc->dcr = oc->cimd = oc->access_ttl_s = oc->refresh_ttl_s = MIQ_UNSET;
        sc->oauth = oc;
    }
    return sc->oauth;
}

miq_oauth_conf *miq_oauth_cfg(request_rec *r)
{
    return miq_conf(r->server)->oauth;
}

const char *miq_oauth_set_client(cmd_parms *cmd, void *dc, const char *line)
{
    const char *w[3], *err;
    apr_array_header_t *uris = apr_array_make(cmd->temp_pool, 4, sizeof(const char *));
    int i;
    (void)dc;
    for (i = 0; i < 3; i++)
        w[i] = *line ? ap_getword_conf(cmd->pool, &line) : "";
    while (*line) {
        const char *u = ap_getword_conf(cmd->pool, &line);
        if (*u)
            APR_ARRAY_PUSH(uris, const char *) = u;
    }
    if (!*w[0] || !*w[1] || !*w[2] || !uris->nelts)
        return "MomentIQOAuthClient ID NAME CONNECTOR REDIRECT_URI...: an id, a name, a "
               "connector and at least one redirect URI";
    if ((err = miq_oauth_registry_add(oconf(cmd)->declared, w[0], w[1], w[2], uris, "directive")))
        return apr_pstrcat(cmd->pool, "MomentIQOAuthClient: ", err, NULL);
    return NULL;
}

const char *miq_oauth_set_secret(cmd_parms *cmd, void *dc, const char *id, const char *file)
{
    miq_oauth_conf *oc = oconf(cmd);
    (void)dc;
    APR_ARRAY_PUSH(oc->secret_files, const char *) = id;
    APR_ARRAY_PUSH(oc->secret_files, const char *) = ap_server_root_relative(cmd->pool, file);
    return NULL;
}

const char *miq_oauth_set_flag(cmd_parms *cmd, void *dc, int on)
{
    miq_oauth_conf *oc = oconf(cmd);
    (void)dc;
    if (!strcmp(cmd->cmd->name, "MomentIQOAuthDynamicRegistration"))
        oc->dcr = on ? 1 : 0;
    else
        oc->cimd = on ? 1 : 0;
    return NULL;
}

const char *miq_oauth_set_ttl(cmd_parms *cmd, void *dc, const char *arg)
{
    miq_oauth_conf *oc = oconf(cmd);
    int access = !strcmp(cmd->cmd->name, "MomentIQOAuthAccessTokenTTL");
    long max = access ? 86400L : 86400L * 365, v;
    char *end;
    (void)dc;
    v = strtol(arg, &end, 10);
    if (*end || v < 60 || v > max)
        return apr_psprintf(cmd->pool, "%s: '%s' is not a number of seconds (60..%ld)",
                            cmd->cmd->name, arg, max);
    *(access ? &oc->access_ttl_s : &oc->refresh_ttl_s) = (int)v;
    return NULL;
}

/* The secret is the file's first line; only its hash is kept. */
static const char *read_secret(apr_pool_t *p, const char *path, const char **secret)
{
    apr_file_t *f;
    char buf[1024];
    apr_size_t n = sizeof(buf) - 1;
    if (apr_file_open(&f, path, APR_FOPEN_READ, 0, p) != APR_SUCCESS)
        return apr_psprintf(p, "cannot read the OAuth client secret file %s", path);
    if (apr_file_read(f, buf, &n) != APR_SUCCESS)
        n = 0;
    apr_file_close(f);
    buf[n] = 0;
    buf[strcspn(buf, "\r\n")] = 0;
    *secret = apr_pstrdup(p, buf);
    memset(buf, 0, sizeof(buf));
    return NULL;
}

const char *miq_oauth_conf_finish(apr_pool_t *p, server_rec *s, miq_srv_conf *sc)
{
    miq_oauth_conf *oc = sc->oauth;
    const char *err, *secret;
    int i;
    if (!oc) {
        oc = apr_pcalloc(p, sizeof(*oc));
        oc->secret_files = apr_array_make(p, 1, sizeof(const char *));
        oc->dcr = oc->cimd = oc->access_ttl_s = oc->refresh_ttl_s = MIQ_UNSET;
        sc->oauth = oc;
    }
    /* A fresh registry per start: directive clients, then the environment. */
    {
        miq_oauth_registry *reg = miq_oauth_registry_make(p);
        for (i = 0; oc->declared && i < oc->declared->clients->nelts; i++) {
            const miq_oauth_client *c = APR_ARRAY_IDX(oc->declared->clients, i, miq_oauth_client *);
            if ((err = miq_oauth_registry_add(reg, c->client_id, c->name, c->connector,
                                              c->redirect_uris, c->source)))
                return err;
        }
        if ((err = miq_oauth_registry_env(reg, getenv("MOMENTIQ_CONNECTOR_OAUTH_CLIENTS"),
                                          getenv("MOMENTIQ_CONNECTOR_OAUTH_CLIENT_ID"),
                                          getenv("MOMENTIQ_CONNECTOR_OAUTH_CLIENT_NAME"),
                                          getenv("MOMENTIQ_CONNECTOR_OAUTH_CONNECTOR"),
                                          getenv("MOMENTIQ_CONNECTOR_OAUTH_REDIRECT_URIS"))))
            return err;
        oc->reg = reg;
    }
    for (i = 0; i + 1 < oc->secret_files->nelts; i += 2) {
        const char *id = APR_ARRAY_IDX(oc->secret_files, i, const char *);
        if ((err = read_secret(p, APR_ARRAY_IDX(oc->secret_files, i + 1, const char *), &secret)) ||
            (err = miq_oauth_registry_set_secret(oc->reg, id, secret)))
            return apr_pstrcat(p, "MomentIQOAuthClientSecret: ", err, NULL);
    }
    if (oc->dcr == MIQ_UNSET)
        oc->dcr = 0;
    if (oc->cimd == MIQ_UNSET)
        oc->cimd = 0;
    if (oc->access_ttl_s == MIQ_UNSET)
        oc->access_ttl_s = MIQ_OAUTH_ACCESS_TTL_S;
    if (oc->refresh_ttl_s == MIQ_UNSET)
        oc->refresh_ttl_s = MIQ_OAUTH_REFRESH_TTL_S;
    oc->reg->dcr = oc->dcr;
    oc->reg->cimd = oc->cimd;
    if (!miq_oauth_configured(oc->reg))
        ap_log_error(
            APLOG_MARK, APLOG_INFO, 0, s,
            MIQLOGNO(10970) "MomentIQ: no OAuth client is configured; connectors can use tokens "
                            "from the dashboard only");
    else
        ap_log_error(
            APLOG_MARK, APLOG_INFO, 0, s,
            MIQLOGNO(
                10971) "MomentIQ: OAuth: %d pre-registered client(s), dynamic registration %s, "
                       "metadata documents %s",
            oc->reg->clients->nelts, oc->dcr ? "on" : "off", oc->cimd ? "on" : "off");
    return NULL;
}
