/* Directives (one struct, unset sentinels, one-line merges) and finishing the
 * configuration at post_config: defaults, the secret, the MCP server. */
#include <string.h>
#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <apr_strings.h>
#include <apr_file_io.h>
#include "mod_momentiq_private.h"
#include "mod_momentiq_limits.h"
#include "mod_momentiq_config.h"
#include "mod_momentiq_billing_conf.h"
#include "mod_momentiq_oauth_conf.h"
#include "mod_momentiq_worker.h"
#include "mod_momentiq_webhooks.h"
#include "base/miq_crypto.h"
#include "base/miq_file.h"
#include "billing/miq_pricing.h"
#include "billing/miq_stripe.h"
#include "limits/miq_quota.h"
#include "oauth/miq_oauth.h"
#include "tools/miq_server_build.h"

void *miq_create_srv_conf(apr_pool_t *p, server_rec *s)
{
    miq_srv_conf *sc = apr_pcalloc(p, sizeof(*sc));
    (void)s;
    sc->enabled = MIQ_UNSET;
    sc->fixtures = MIQ_UNSET;
    sc->max_body = MIQ_UNSET;
    sc->mcp_session_idle_s = MIQ_UNSET;
    sc->trust_remote_user = MIQ_UNSET;
    sc->session_idle_s = MIQ_UNSET;
    sc->session_absolute_s = MIQ_UNSET;
    sc->throttle_account = MIQ_UNSET;
    sc->throttle_ip = MIQ_UNSET;
    sc->throttle_window_s = MIQ_UNSET;
    sc->throttle_lock_s = MIQ_UNSET;
    sc->max_upload = MIQ_UNSET;
    sc->upload_retention_s = MIQ_UNSET;
    sc->output_retention_s = MIQ_UNSET;
    sc->file_url_ttl_s = MIQ_UNSET;
    sc->probe_timeout_s = MIQ_UNSET;
    sc->import_allow_private = MIQ_UNSET;
    sc->ask_timeout_s = MIQ_UNSET;
    sc->record_requests = MIQ_UNSET;
    sc->request_log_months = MIQ_UNSET;
    sc->stripe_tolerance_s = MIQ_UNSET;
    sc->origins = apr_array_make(p, 2, sizeof(const char *));
    sc->hosts = apr_array_make(p, 2, sizeof(const char *));
    sc->prices = apr_array_make(p, 4, sizeof(const char *));
    return sc;
}

#define MERGE(f)     n->f = (add->f == MIQ_UNSET) ? base->f : add->f
#define MERGE_PTR(f) n->f = add->f ? add->f : base->f

void *miq_merge_srv_conf(apr_pool_t *p, void *basev, void *addv)
{
    miq_srv_conf *base = basev, *add = addv, *n = apr_pcalloc(p, sizeof(*n));
    MERGE(enabled);
    MERGE(fixtures);
    MERGE(max_body);
    MERGE(mcp_session_idle_s);
    MERGE(trust_remote_user);
    MERGE(session_idle_s);
    MERGE(session_absolute_s);
    MERGE(throttle_account);
    MERGE(throttle_ip);
    MERGE(throttle_window_s);
    MERGE(throttle_lock_s);
    MERGE(max_upload);
    MERGE(upload_retention_s);
    MERGE(output_retention_s);
    MERGE(file_url_ttl_s);
    MERGE(import_allow_private);
    MERGE_PTR(storage_dir);
    MERGE_PTR(fetch_ca_file);
    MERGE_PTR(probe_cmd);
    MERGE(probe_timeout_s);
    MERGE(ask_timeout_s);
    MERGE(record_requests);
    MERGE(request_log_months);
    MERGE_PTR(base_url);
    MERGE_PTR(oauth);
    MERGE_PTR(secret_file);
    MERGE_PTR(credit_price);
    MERGE_PTR(credit_currency);
    MERGE_PTR(usage_alerts);
    MERGE_PTR(stripe_webhook_secret_file);
    MERGE_PTR(stripe_secret_key_file);
    MERGE_PTR(stripe_api_base);
    MERGE_PTR(service_name);
    MERGE_PTR(support_email);
    MERGE_PTR(privacy_url);
    MERGE_PTR(terms_url);
    MERGE(stripe_tolerance_s);
    n->origins = apr_array_append(p, base->origins, add->origins);
    n->hosts = apr_array_append(p, base->hosts, add->hosts);
    n->prices = apr_array_append(p, base->prices, add->prices);
    return n;
}

static const char *set_flag(cmd_parms *cmd, void *dc, int on)
{
    miq_srv_conf *sc = miq_conf(cmd->server);
    (void)dc;
    *(int *)((char *)sc + (apr_size_t)cmd->info) = on ? 1 : 0;
    return NULL;
}

static const char *set_seconds(cmd_parms *cmd, void *dc, const char *arg)
{
    miq_srv_conf *sc = miq_conf(cmd->server);
    char *end;
    long v = strtol(arg, &end, 10);
    (void)dc;
    if (*end || v < 1 || v > 86400 * 30)
        return apr_psprintf(cmd->pool, "%s: '%s' is not a number of seconds (1..2592000)",
                            cmd->cmd->name, arg);
    *(int *)((char *)sc + (apr_size_t)cmd->info) = (int)v;
    return NULL;
}

static const char *set_max_body(cmd_parms *cmd, void *dc, const char *arg)
{
    miq_srv_conf *sc = miq_conf(cmd->server);
    char *end;
    apr_int64_t v = apr_strtoi64(arg, &end, 10);
    (void)dc;
    if (*end || v < 1024 || v > APR_INT64_C(1) << 30)
        return apr_psprintf(cmd->pool, "MomentIQMaxRequestBody: '%s' must be bytes in 1024..1G",
                            arg);
    sc->max_body = (apr_off_t)v;
    return NULL;
}

static const char *set_storage_dir(cmd_parms *cmd, void *dc, const char *arg)
{
    (void)dc;
    miq_conf(cmd->server)->storage_dir = ap_server_root_relative(cmd->pool, arg);
    return NULL;
}

/* Checked now: a typo should stop httpd, not fail every fetch later. */
static const char *set_fetch_ca_file(cmd_parms *cmd, void *dc, const char *arg)
{
    const char *path = ap_server_root_relative(cmd->pool, arg);
    apr_finfo_t fi;
    (void)dc;
    if (!path || apr_stat(&fi, path, APR_FINFO_TYPE, cmd->pool) != APR_SUCCESS ||
        fi.filetype != APR_REG)
        return apr_psprintf(cmd->pool, "MomentIQFetchCAFile: '%s' is not a readable file", arg);
    miq_conf(cmd->server)->fetch_ca_file = path;
    return NULL;
}

/* Checked now: without the probe every upload would fail. */
static const char *set_probe_cmd(cmd_parms *cmd, void *dc, const char *arg)
{
    const char *path = ap_server_root_relative(cmd->pool, arg);
    apr_finfo_t fi;
    (void)dc;
    if (!path || apr_stat(&fi, path, APR_FINFO_TYPE | APR_FINFO_PROT, cmd->pool) != APR_SUCCESS ||
        fi.filetype != APR_REG || !(fi.protection & APR_FPROT_WEXECUTE))
        return apr_psprintf(cmd->pool, "MomentIQProbeCommand: '%s' is not an executable file", arg);
    miq_conf(cmd->server)->probe_cmd = path;
    return NULL;
}

static const char *set_max_upload(cmd_parms *cmd, void *dc, const char *arg)
{
    char *end;
    apr_int64_t v = apr_strtoi64(arg, &end, 10);
    (void)dc;
    if (*end == 'K' || *end == 'k')
        v <<= 10, end++;
    else if (*end == 'M' || *end == 'm')
        v <<= 20, end++;
    else if (*end == 'G' || *end == 'g')
        v <<= 30, end++;
    if (*end || v < 1024 || v > (APR_INT64_C(1) << 40))
        return "MomentIQMaxUploadSize: bytes (suffix K, M or G allowed), 1K..1T";
    miq_conf(cmd->server)->max_upload = (apr_off_t)v;
    return NULL;
}

static const char *set_retention(cmd_parms *cmd, void *dc, const char *uploads, const char *outputs)
{
    miq_srv_conf *sc = miq_conf(cmd->server);
    char *e1, *e2;
    long u = strtol(uploads, &e1, 10), o = strtol(outputs, &e2, 10);
    (void)dc;
    if (*e1 || *e2 || u < 60 || o < 60 || u > 86400L * 3650 || o > 86400L * 3650)
        return "MomentIQRetention UPLOAD_SECONDS OUTPUT_SECONDS: each 60 .. ten years";
    sc->upload_retention_s = (int)u;
    sc->output_retention_s = (int)o;
    return NULL;
}

static int printable(const char *s, size_t max)
{
    size_t n = strlen(s), i;
    if (n < 1 || n > max)
        return 0;
    for (i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return 0;
    return 1;
}

/* MomentIQServiceName, MomentIQSupportEmail, MomentIQPrivacyURL, MomentIQTermsURL
 * (cmd->info: the field's offset). Checked now, so a typo fails `httpd -t` instead of publishing a broken link. */
static const char *set_operator(cmd_parms *cmd, void *dc, const char *arg)
{
    miq_srv_conf *sc = miq_conf(cmd->server);
    const char *name = cmd->cmd->name;
    (void)dc;
    if (!strcmp(name, "MomentIQSupportEmail")) {
        const char *at = strchr(arg, '@');
        if (!printable(arg, 254) || !at || at == arg || !at[1] || strchr(at + 1, '@') ||
            strpbrk(arg, " <>\"'(),;:\\[]"))
            return apr_psprintf(cmd->pool, "MomentIQSupportEmail: '%s' is not an email address",
                                arg);
    }
    else if (!strcmp(name, "MomentIQPrivacyURL") || !strcmp(name, "MomentIQTermsURL")) {
        if (!printable(arg, 2000) || strpbrk(arg, " <>\"'") ||
            (strncmp(arg, "https://", 8) && strncmp(arg, "http://", 7)) || !arg[8])
            return apr_psprintf(cmd->pool, "%s: '%s' is not an http(s) URL", name, arg);
    }
    else if (!printable(arg, 64))
        return apr_psprintf(cmd->pool, "%s: 1 to 64 printable characters", name);
    *(const char **)((char *)sc + (apr_size_t)cmd->info) = apr_pstrdup(cmd->pool, arg);
    return NULL;
}

static const char *set_base_url(cmd_parms *cmd, void *dc, const char *arg)
{
    miq_srv_conf *sc = miq_conf(cmd->server);
    size_t n = strlen(arg);
    (void)dc;
    if (strncmp(arg, "http://", 7) && strncmp(arg, "https://", 8))
        return "MomentIQBaseURL must start with http:// or https://";
    while (n > 0 && arg[n - 1] == '/')
        n--;
    sc->base_url = apr_pstrndup(cmd->pool, arg, n);
    return NULL;
}

static const char *set_secret_file(cmd_parms *cmd, void *dc, const char *arg)
{
    (void)dc;
    miq_conf(cmd->server)->secret_file = ap_server_root_relative(cmd->pool, arg);
    return NULL;
}

static const char *add_origin(cmd_parms *cmd, void *dc, const char *arg)
{
    (void)dc;
    if (strcmp(arg, "*") && strncmp(arg, "http://", 7) && strncmp(arg, "https://", 8))
        return apr_psprintf(cmd->pool,
                            "MomentIQAllowedOrigin: '%s' is not an origin "
                            "(scheme://host[:port]) or *",
                            arg);
    APR_ARRAY_PUSH(miq_conf(cmd->server)->origins, const char *) = arg;
    return NULL;
}

static const char *add_host(cmd_parms *cmd, void *dc, const char *arg)
{
    (void)dc;
    APR_ARRAY_PUSH(miq_conf(cmd->server)->hosts, const char *) = arg;
    return NULL;
}

/* MomentIQPrice ENDPOINT [UNIT] CREDITS; checked against the pricing table now
 * so a typo fails `httpd -t`. */
static const char *add_price(cmd_parms *cmd, void *dc, const char *a1, const char *a2,
                             const char *a3)
{
    miq_srv_conf *sc = miq_conf(cmd->server);
    const char *unit = a3 ? a2 : NULL, *credits = a3 ? a3 : a2;
    char *end;
    double v = strtod(credits, &end);
    const char *err;
    (void)dc;
    if (*end || !(v >= 0))
        return apr_psprintf(cmd->pool, "MomentIQPrice: '%s' is not a number of credits", credits);
    if ((err = miq_pricing_set(miq_pricing_default(cmd->temp_pool), a1, unit, v)))
        return apr_psprintf(cmd->pool, "MomentIQPrice: %s", err);
    APR_ARRAY_PUSH(sc->prices, const char *) = a1;
    APR_ARRAY_PUSH(sc->prices, const char *) = unit;
    APR_ARRAY_PUSH(sc->prices, const char *) = credits;
    return NULL;
}

static long parse_positive(const char *arg, long max)
{
    char *end;
    long v = strtol(arg, &end, 10);
    return (*end || v < 1 || v > max) ? -1 : v;
}

static const char *set_session_timeout(cmd_parms *cmd, void *dc, const char *idle,
                                       const char *absolute)
{
    miq_srv_conf *sc = miq_conf(cmd->server);
    long i = parse_positive(idle, 86400L * 365), a = parse_positive(absolute, 86400L * 365);
    (void)dc;
    if (i < 0 || a < 0 || i > a)
        return "MomentIQSessionTimeout IDLE ABSOLUTE: seconds, 1 <= IDLE <= ABSOLUTE <= one year";
    sc->session_idle_s = (int)i;
    sc->session_absolute_s = (int)a;
    return NULL;
}

static const char *set_login_throttle(cmd_parms *cmd, void *dc, const char *line)
{
    miq_srv_conf *sc = miq_conf(cmd->server);
    const char *w;
    long v[4];
    int n = 0;
    (void)dc;
    while (*line && n < 5 && (w = ap_getword_conf(cmd->temp_pool, &line)) && *w) {
        if (n < 4)
            v[n] = parse_positive(w, 86400L * 30);
        n++;
    }
    if (n != 4 || v[0] < 0 || v[1] < 0 || v[2] < 0 || v[3] < 0)
        return "MomentIQLoginThrottle ACCOUNT_FAILURES IP_FAILURES WINDOW_SECONDS LOCK_SECONDS: "
               "four positive numbers";
    sc->throttle_account = (int)v[0];
    sc->throttle_ip = (int)v[1];
    sc->throttle_window_s = (int)v[2];
    sc->throttle_lock_s = (int)v[3];
    return NULL;
}

void *miq_create_dir_conf(apr_pool_t *p, char *dir)
{
    miq_dir_conf *dc = apr_pcalloc(p, sizeof(*dc));
    (void)dir;
    dc->require_token = MIQ_UNSET;
    dc->free_credits = MIQ_UNSET;
    miq_rate_conf_init(dc);
    dc->quota[0] = dc->quota[1] = dc->quota[2] = dc->quota[3] = MIQ_UNSET;
    dc->storage_min_free = MIQ_UNSET;
    dc->webhook_allow_private = dc->webhook_max_endpoints = MIQ_UNSET;
    dc->webhook_low_credits = MIQ_UNSET;
    dc->metrics = MIQ_UNSET;
    return dc;
}

void *miq_merge_dir_conf(apr_pool_t *p, void *basev, void *addv)
{
    miq_dir_conf *base = basev, *add = addv, *n = apr_pcalloc(p, sizeof(*n));
    MERGE(require_token);
    MERGE(free_credits);
    miq_rate_conf_merge(n, base, add);
    MERGE(quota[0]);
    MERGE(quota[1]);
    MERGE(quota[2]);
    MERGE(quota[3]);
    MERGE(storage_min_free);
    MERGE(webhook_allow_private);
    MERGE(webhook_low_credits);
    MERGE(webhook_max_endpoints);
    MERGE(metrics);
    return n;
}

static const char *set_metrics(cmd_parms *cmd, void *dcv, int on)
{
    (void)cmd;
    ((miq_dir_conf *)dcv)->metrics = on ? 1 : 0;
    return NULL;
}

/* MomentIQRequestLogMonths N: whole months of mcp_requests kept (0: all). */
static const char *set_request_log_months(cmd_parms *cmd, void *dc, const char *arg)
{
    miq_srv_conf *sc = miq_conf(cmd->server);
    char *end;
    long v = strtol(arg, &end, 10);
    (void)dc;
    if (!*arg || *end || v < 0 || v > 1200)
        return "MomentIQRequestLogMonths: a number of months from 0 (keep all) to 1200";
    sc->request_log_months = (int)v;
    return NULL;
}

static const char *set_require_token(cmd_parms *cmd, void *dcv, int on)
{
    (void)cmd;
    ((miq_dir_conf *)dcv)->require_token = on ? 1 : 0;
    return NULL;
}

/* MomentIQQuota KIND LIMIT: here and in <Location>/<If>, so a deployment
 * can give an area other limits. */
static const char *set_quota(cmd_parms *cmd, void *dcv, const char *kind, const char *limit)
{
    miq_dir_conf *dc = dcv;
    int k = miq_quota_kind_parse(kind);
    apr_int64_t v;
    const char *err;
    if (k < 0)
        return apr_psprintf(cmd->pool,
                            "MomentIQQuota: unknown kind '%s' (storage, jobs, "
                            "long_polls, imports)",
                            kind);
    if ((err = miq_quota_parse_limit(cmd->pool, (miq_quota_kind_e)k, limit, &v)))
        return apr_pstrcat(cmd->pool, "MomentIQQuota ", kind, ": ", err, NULL);
    dc->quota[k] = v;
    return NULL;
}

static const char *set_storage_min_free(cmd_parms *cmd, void *dcv, const char *arg)
{
    apr_int64_t v;
    if (miq_quota_parse_limit(cmd->pool, MIQ_QUOTA_STORAGE, arg, &v))
        return "MomentIQStorageMinFree: bytes (suffix K, M, G or T allowed); 0: no check";
    ((miq_dir_conf *)dcv)->storage_min_free = v;
    return NULL;
}

void miq_conf_quotas(request_rec *r, miq_quotas *q, apr_int64_t *min_free)
{
    static apr_int64_t defaults_q[MIQ_QUOTA_KINDS], default_free;
    static const char *const written[MIQ_QUOTA_KINDS] = {
        [MIQ_QUOTA_STORAGE] = MIQ_STR(MIQ_DEFAULT_QUOTA_STORAGE),
        [MIQ_QUOTA_JOBS] = MIQ_STR(MIQ_DEFAULT_QUOTA_JOBS),
        [MIQ_QUOTA_LONG_POLLS] = MIQ_STR(MIQ_DEFAULT_QUOTA_LONG_POLLS),
        [MIQ_QUOTA_IMPORTS] = MIQ_STR(MIQ_DEFAULT_QUOTA_IMPORTS),
    };
    miq_dir_conf *dc = miq_dconf(r);
    int k;
    if (!default_free) { /* the defaults as written (10G), parsed once; the same each time */
        for (k = 0; k < MIQ_QUOTA_KINDS; k++)
            miq_quota_parse_limit(r->pool, (miq_quota_kind_e)k, written[k], &defaults_q[k]);
        miq_quota_parse_limit(r->pool, MIQ_QUOTA_STORAGE, MIQ_STR(MIQ_DEFAULT_STORAGE_MIN_FREE),
                              &default_free);
    }
    for (k = 0; k < MIQ_QUOTA_KINDS; k++)
        q->limit[k] = dc && dc->quota[k] != MIQ_UNSET ? dc->quota[k] : defaults_q[k];
    *min_free = dc && dc->storage_min_free != MIQ_UNSET ? dc->storage_min_free : default_free;
}

#define OFF(f) (void *)APR_OFFSETOF(miq_srv_conf, f)

const command_rec miq_directives[] = {
    AP_INIT_FLAG("MomentIQEnable", set_flag, OFF(enabled), RSRC_CONF,
                 "Serve MomentIQ's routes (/mcp, /.well-known/...) on this server"),
    AP_INIT_TAKE1("MomentIQBaseURL", set_base_url, NULL, RSRC_CONF,
                  "Public origin clients use, e.g. https://api.example.com (no path)"),
    AP_INIT_TAKE1(
        "MomentIQServiceName", set_operator, OFF(service_name), RSRC_CONF,
        "The service's public name (manifest, pages, consent screen; default " MIQ_DEFAULT_SERVICE_NAME
        ")"),
    AP_INIT_TAKE1("MomentIQSupportEmail", set_operator, OFF(support_email), RSRC_CONF,
                  "The support address the pages and directory listings show"),
    AP_INIT_TAKE1("MomentIQPrivacyURL", set_operator, OFF(privacy_url), RSRC_CONF,
                  "The privacy policy's URL (default: the served /legal/privacy)"),
    AP_INIT_TAKE1("MomentIQTermsURL", set_operator, OFF(terms_url), RSRC_CONF,
                  "The terms of service's URL (default: the served /legal/terms)"),
    AP_INIT_FLAG("MomentIQConformanceFixtures", set_flag, OFF(fixtures), RSRC_CONF,
                 "Register the MCP conformance suite's fixture tools, resources and prompts "
                 "(tests only)"),
    AP_INIT_TAKE1("MomentIQMaxRequestBody", set_max_body, NULL, RSRC_CONF,
                  "Largest JSON request body accepted on /mcp, in bytes (default " MIQ_STR(
                      MIQ_DEFAULT_MAX_BODY) ")"),
    AP_INIT_ITERATE("MomentIQAllowedOrigin", add_origin, NULL, RSRC_CONF,
                    "Browser origins allowed to call /mcp besides the base URL's own"),
    AP_INIT_ITERATE("MomentIQAllowedHost", add_host, NULL, RSRC_CONF,
                    "Host header values accepted besides the base URL's host"),
    AP_INIT_TAKE1("MomentIQSecretFile", set_secret_file, NULL, RSRC_CONF,
                  "File holding the server secret (>= 32 bytes) used to sign request state"),
    AP_INIT_TAKE23("MomentIQPrice", add_price, NULL, RSRC_CONF,
                   "Override a price: MomentIQPrice ENDPOINT [UNIT] CREDITS"),
    AP_INIT_TAKE1("MomentIQSessionIdleTimeout", set_seconds, OFF(mcp_session_idle_s), RSRC_CONF,
                  "Seconds an idle MCP session lives (default " MIQ_STR(
                      MIQ_DEFAULT_MCP_SESSION_IDLE_S) ")"),
    AP_INIT_TAKE1("MomentIQClientAnswerTimeout", set_seconds, OFF(ask_timeout_s), RSRC_CONF,
                  "Seconds a tool waits for the client's answer to sampling or elicitation "
                  "(default " MIQ_STR(MIQ_DEFAULT_ASK_TIMEOUT_S) ")"),
    AP_INIT_FLAG("MomentIQRecordRequests", set_flag, OFF(record_requests), RSRC_CONF,
                 "Record every MCP request in the mcp_requests table (default " MIQ_ONOFF(
                     MIQ_DEFAULT_RECORD_REQUESTS) ")"),
    AP_INIT_FLAG("MomentIQTrustRemoteUser", set_flag, OFF(trust_remote_user), RSRC_CONF,
                 "Sign users in as the r->user another auth module set (mod_auth_openidc, "
                 "mod_auth_basic, LDAP) at /api/auth/remote-user (default " MIQ_ONOFF(
                     MIQ_DEFAULT_TRUST_REMOTE_USER) ")"),
    AP_INIT_TAKE2("MomentIQSessionTimeout", set_session_timeout, NULL, RSRC_CONF,
                  "Dashboard session lifetime: IDLE ABSOLUTE seconds (default " MIQ_STR(
                      MIQ_DEFAULT_SESSION_IDLE_S) " " MIQ_STR(MIQ_DEFAULT_SESSION_ABSOLUTE_S) ")"),
    AP_INIT_RAW_ARGS(
        "MomentIQLoginThrottle", set_login_throttle, NULL, RSRC_CONF,
        "Failed logins that lock: ACCOUNT IP WINDOW LOCK (default " MIQ_STR(MIQ_DEFAULT_THROTTLE_ACCOUNT) " " MIQ_STR(
            MIQ_DEFAULT_THROTTLE_IP) " " MIQ_STR(MIQ_DEFAULT_THROTTLE_WINDOW_S) " " MIQ_STR(MIQ_DEFAULT_THROTTLE_LOCK_S) ")"),
    AP_INIT_TAKE1("MomentIQStorageDir", set_storage_dir, NULL, RSRC_CONF,
                  "Directory for uploads and job outputs (shared by every node and worker)"),
    AP_INIT_TAKE1("MomentIQMaxUploadSize", set_max_upload, NULL, RSRC_CONF,
                  "Largest upload accepted, in bytes (K/M/G suffixes; default " MIQ_STR(
                      MIQ_DEFAULT_MAX_UPLOAD) ")"),
    AP_INIT_TAKE2("MomentIQRetention", set_retention, NULL, RSRC_CONF,
                  "How long uploads and outputs are kept: UPLOAD_SECONDS OUTPUT_SECONDS "
                  "(default " MIQ_STR(MIQ_DEFAULT_UPLOAD_RETENTION_S) " " MIQ_STR(
                      MIQ_DEFAULT_OUTPUT_RETENTION_S) ")"),
    AP_INIT_TAKE1("MomentIQFileURLTTL", set_seconds, OFF(file_url_ttl_s), RSRC_CONF,
                  "Lifetime in seconds of signed /files/ and upload URLs (default " MIQ_STR(
                      MIQ_DEFAULT_FILE_URL_TTL_S) ")"),
    AP_INIT_FLAG("MomentIQImportAllowPrivate", set_flag, OFF(import_allow_private), RSRC_CONF,
                 "Let source_url imports reach private, loopback and link-local addresses "
                 "(default " MIQ_ONOFF(MIQ_DEFAULT_IMPORT_ALLOW_PRIVATE) "; tests only)"),
    AP_INIT_TAKE1("MomentIQFetchCAFile", set_fetch_ca_file, NULL, RSRC_CONF,
                  "PEM file of the CA certificates trusted for outbound https fetches "
                  "(source_url imports, Client ID Metadata Documents); default: the system's"),
    AP_INIT_TAKE1("MomentIQProbeCommand", set_probe_cmd, NULL, RSRC_CONF,
                  "The momentiq-probe program: uploads are probed in a child process with "
                  "CPU, memory and time limits, never in httpd (default " MIQ_DEFAULT_PROBE_COMMAND
                  ")"),
    AP_INIT_TAKE1("MomentIQProbeTimeout", set_seconds, OFF(probe_timeout_s), RSRC_CONF,
                  "Seconds one probe of an upload may take before it is killed (default " MIQ_STR(
                      MIQ_DEFAULT_PROBE_TIMEOUT_S) ")"),
    AP_INIT_RAW_ARGS("MomentIQWorker", miq_set_worker, NULL, RSRC_CONF,
                     "Start the worker with httpd and restart it if it dies: "
                     "MomentIQWorker /path/momentiq-worker --db CONNINFO --storage DIR ..."),
    AP_INIT_FLAG("MomentIQRequireToken", set_require_token, NULL, ACCESS_CONF | RSRC_CONF,
                 "Answer 401 with a Bearer challenge to any request without a token here "
                 "(for clients that start OAuth only on a 401)"),
    AP_INIT_TAKE23("MomentIQRateLimit", miq_set_rate_limit, NULL, ACCESS_CONF | RSRC_CONF,
                   "MomentIQRateLimit CLASS COUNT SECONDS | CLASS off: requests allowed per "
                   "window, per token or client address, shared by every child and node "
                   "(classes and defaults: docs/directives.md)"),
    AP_INIT_TAKE2(
        "MomentIQQuota", set_quota, NULL, ACCESS_CONF | RSRC_CONF,
        "An account quota: KIND LIMIT, KIND storage (bytes, K/M/G/T; default " MIQ_STR(MIQ_DEFAULT_QUOTA_STORAGE) "), jobs (queued or running; default " MIQ_STR(
            MIQ_DEFAULT_QUOTA_JOBS) "), long_polls (wait_s requests in flight; "
                                    "default " MIQ_STR(
                                        MIQ_DEFAULT_QUOTA_LONG_POLLS) ") or imports (source_url "
                                                                      "imports in flight; default " MIQ_STR(
                                                                          MIQ_DEFAULT_QUOTA_IMPORTS) "); 0 or off: "
                                                                                                     "no limit"),
    AP_INIT_TAKE1("MomentIQStorageMinFree", set_storage_min_free, NULL, ACCESS_CONF | RSRC_CONF,
                  "Free bytes the storage disk keeps: uploads that would go below are refused "
                  "(K/M/G/T; default " MIQ_STR(MIQ_DEFAULT_STORAGE_MIN_FREE) "; 0: no check)"),
    AP_INIT_TAKE1("MomentIQFreeCredits", miq_set_free_credits, NULL, ACCESS_CONF | RSRC_CONF,
                  "Credits a new account receives (sign-up, remote-user); default 0"),
    AP_INIT_TAKE2("MomentIQCreditPrice", miq_set_credit_price, NULL, RSRC_CONF,
                  "What one credit costs: AMOUNT CURRENCY (default 0.01 USD); Stripe top-ups "
                  "turn amounts into credits with it"),
    AP_INIT_RAW_ARGS("MomentIQUsageAlerts", miq_set_usage_alerts, NULL, RSRC_CONF,
                     "Default usage alert thresholds, fractions of the monthly cap "
                     "(default 0.5 0.8 1.0)"),
    AP_INIT_TAKE1("MomentIQStripeWebhookSecretFile", miq_set_stripe_file,
                  OFF(stripe_webhook_secret_file), RSRC_CONF,
                  "File holding the Stripe webhook signing secret (whsec_...); without it the "
                  "webhook answers 503"),
    AP_INIT_TAKE1("MomentIQStripeSecretKeyFile", miq_set_stripe_file, OFF(stripe_secret_key_file),
                  RSRC_CONF,
                  "File holding the Stripe secret API key (sk_...) for Checkout Sessions"),
    AP_INIT_TAKE1("MomentIQStripeAPIBase", miq_set_stripe_api_base, NULL, RSRC_CONF,
                  "Stripe API origin (default https://api.stripe.com)"),
    AP_INIT_TAKE1("MomentIQStripeWebhookTolerance", miq_set_stripe_tolerance, NULL, RSRC_CONF,
                  "Seconds a webhook's signed timestamp may differ from now (default " MIQ_STR(
                      MIQ_STRIPE_DEFAULT_TOLERANCE_S) ")"),
    AP_INIT_RAW_ARGS("MomentIQOAuthClient", miq_oauth_set_client, NULL, RSRC_CONF,
                     "A pre-registered OAuth client: ID NAME CONNECTOR REDIRECT_URI... "
                     "(repeatable)"),
    AP_INIT_TAKE2("MomentIQOAuthClientSecret", miq_oauth_set_secret, NULL, RSRC_CONF,
                  "Make an OAuth client confidential: ID SECRET-FILE (first line is the secret)"),
    AP_INIT_FLAG("MomentIQOAuthDynamicRegistration", miq_oauth_set_flag, NULL, RSRC_CONF,
                 "Let clients register themselves at /api/auth/oauth/register (RFC 7591; "
                 "default Off)"),
    AP_INIT_FLAG("MomentIQOAuthClientMetadataDocuments", miq_oauth_set_flag, NULL, RSRC_CONF,
                 "Accept https client_id URLs naming a Client ID Metadata Document "
                 "(default Off)"),
    AP_INIT_TAKE1("MomentIQOAuthAccessTokenTTL", miq_oauth_set_ttl, NULL, RSRC_CONF,
                  "Lifetime of OAuth access tokens in seconds (default " MIQ_STR(
                      MIQ_OAUTH_ACCESS_TTL_S) ")"),
    AP_INIT_FLAG("MomentIQMetrics", set_metrics, NULL, ACCESS_CONF,
                 "Serve the live counters as OpenMetrics text here (in a <Location>; keep it "
                 "local; default Off)"),
    AP_INIT_TAKE1("MomentIQRequestLogMonths", set_request_log_months, NULL, RSRC_CONF,
                  "Months of the MCP request log kept: older monthly partitions are dropped "
                  "(default " MIQ_STR(MIQ_DEFAULT_REQUEST_LOG_MONTHS) "; 0: keep all)"),
    AP_INIT_TAKE1("MomentIQOAuthRefreshTokenTTL", miq_oauth_set_ttl, NULL, RSRC_CONF,
                  "Lifetime of OAuth refresh tokens in seconds (default " MIQ_STR(
                      MIQ_OAUTH_REFRESH_TTL_S) ")"),
    AP_INIT_FLAG("MomentIQWebhookAllowPrivate", miq_set_webhook_allow_private, NULL,
                 ACCESS_CONF | RSRC_CONF,
                 "Let webhook endpoints be registered at private, loopback and link-local "
                 "addresses (default " MIQ_ONOFF(
                     MIQ_DEFAULT_WEBHOOK_ALLOW_PRIVATE) "; tests only)"),
    AP_INIT_TAKE1("MomentIQWebhookLowCredits", miq_set_webhook_number, NULL,
                  ACCESS_CONF | RSRC_CONF,
                  "Balance below which credits.low fires, for accounts that subscribe without "
                  "choosing a threshold (default " MIQ_STR(MIQ_DEFAULT_WEBHOOK_LOW_CREDITS) ")"),
    AP_INIT_TAKE1("MomentIQWebhookMaxEndpoints", miq_set_webhook_number, NULL,
                  ACCESS_CONF | RSRC_CONF,
                  "Webhook endpoints an account may register (default " MIQ_STR(
                      MIQ_DEFAULT_WEBHOOK_MAX_ENDPOINTS) ")"),
    {NULL},
};

static const char *read_secret(apr_pool_t *p, miq_srv_conf *sc, server_rec *s,
                               const unsigned char **key, apr_size_t *len)
{
    char *buf;
    apr_size_t n;
    apr_status_t rv;
    if (!sc->secret_file) {
        unsigned char *k = apr_palloc(p, 32);
        if (miq_random_bytes(k, 32))
            return "could not draw a random secret";
        ap_log_error(
            APLOG_MARK, APLOG_NOTICE, 0, s,
            MIQLOGNO(10902) "MomentIQ: no MomentIQSecretFile; using a random secret for this run "
                            "(request state will not survive a restart or cross nodes)");
        *key = k;
        *len = 32;
        return NULL;
    }
    rv = miq_file_read_small(&buf, &n, sc->secret_file, p);
    if (rv != APR_SUCCESS)
        return apr_psprintf(p, "cannot read MomentIQSecretFile %s", sc->secret_file);
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        n--;
    if (n < 32)
        return apr_psprintf(p, "MomentIQSecretFile %s holds fewer than 32 bytes", sc->secret_file);
    *key = (const unsigned char *)buf;
    *len = n;
    return NULL;
}

/* What an unset field becomes (mod_md's defconf). */
static const miq_srv_conf defaults = {
    .fixtures = MIQ_DEFAULT_FIXTURES,
    .max_body = MIQ_DEFAULT_MAX_BODY,
    .mcp_session_idle_s = MIQ_DEFAULT_MCP_SESSION_IDLE_S,
    .ask_timeout_s = MIQ_DEFAULT_ASK_TIMEOUT_S,
    .record_requests = MIQ_DEFAULT_RECORD_REQUESTS,
    .trust_remote_user = MIQ_DEFAULT_TRUST_REMOTE_USER,
    .session_idle_s = MIQ_DEFAULT_SESSION_IDLE_S,
    .session_absolute_s = MIQ_DEFAULT_SESSION_ABSOLUTE_S,
    .throttle_account = MIQ_DEFAULT_THROTTLE_ACCOUNT,
    .throttle_ip = MIQ_DEFAULT_THROTTLE_IP,
    .throttle_window_s = MIQ_DEFAULT_THROTTLE_WINDOW_S,
    .throttle_lock_s = MIQ_DEFAULT_THROTTLE_LOCK_S,
    .max_upload = MIQ_DEFAULT_MAX_UPLOAD,
    .upload_retention_s = MIQ_DEFAULT_UPLOAD_RETENTION_S,
    .output_retention_s = MIQ_DEFAULT_OUTPUT_RETENTION_S,
    .file_url_ttl_s = MIQ_DEFAULT_FILE_URL_TTL_S,
    .import_allow_private = MIQ_DEFAULT_IMPORT_ALLOW_PRIVATE,
    .request_log_months = MIQ_DEFAULT_REQUEST_LOG_MONTHS,
};

const char *miq_conf_finish(apr_pool_t *p, server_rec *s, miq_srv_conf *sc)
{
    const unsigned char *key = NULL;
    apr_size_t klen = 0;
    miq_pricing *pricing = miq_pricing_default(p);
    const char *err;
    int i;
    if (sc->fixtures == MIQ_UNSET)
        sc->fixtures = defaults.fixtures;
    if (sc->max_body == MIQ_UNSET)
        sc->max_body = defaults.max_body;
    if (sc->mcp_session_idle_s == MIQ_UNSET)
        sc->mcp_session_idle_s = defaults.mcp_session_idle_s;
    if (sc->trust_remote_user == MIQ_UNSET)
        sc->trust_remote_user = defaults.trust_remote_user;
    if (sc->session_idle_s == MIQ_UNSET)
        sc->session_idle_s = defaults.session_idle_s;
    if (sc->session_absolute_s == MIQ_UNSET)
        sc->session_absolute_s = defaults.session_absolute_s;
    if (!sc->storage_dir)
        sc->storage_dir = ap_server_root_relative(p, "storage");
    if (!sc->probe_cmd)
        sc->probe_cmd = MIQ_DEFAULT_PROBE_COMMAND;
    if (sc->probe_timeout_s == MIQ_UNSET)
        sc->probe_timeout_s = MIQ_DEFAULT_PROBE_TIMEOUT_S;
    if (sc->max_upload == MIQ_UNSET)
        sc->max_upload = defaults.max_upload;
    if (sc->upload_retention_s == MIQ_UNSET) {
        sc->upload_retention_s = defaults.upload_retention_s;
        sc->output_retention_s = defaults.output_retention_s;
    }
    if (sc->file_url_ttl_s == MIQ_UNSET)
        sc->file_url_ttl_s = defaults.file_url_ttl_s;
    if (sc->import_allow_private == MIQ_UNSET)
        sc->import_allow_private = defaults.import_allow_private;
    if (sc->throttle_account == MIQ_UNSET) {
        sc->throttle_account = defaults.throttle_account;
        sc->throttle_ip = defaults.throttle_ip;
        sc->throttle_window_s = defaults.throttle_window_s;
        sc->throttle_lock_s = defaults.throttle_lock_s;
    }
    if (sc->ask_timeout_s == MIQ_UNSET)
        sc->ask_timeout_s = defaults.ask_timeout_s;
    if (sc->record_requests == MIQ_UNSET)
        sc->record_requests = defaults.record_requests;
    if (sc->request_log_months == MIQ_UNSET)
        sc->request_log_months = defaults.request_log_months;
    if (!sc->base_url)
        sc->base_url = apr_psprintf(p, "http://%s:%u", s->server_hostname, s->port ? s->port : 80);
    if ((err = read_secret(p, sc, s, &key, &klen)))
        return err;
    for (i = 0; i + 2 < sc->prices->nelts; i += 3) {
        err = miq_pricing_set(pricing, APR_ARRAY_IDX(sc->prices, i, const char *),
                              APR_ARRAY_IDX(sc->prices, i + 1, const char *),
                              atof(APR_ARRAY_IDX(sc->prices, i + 2, const char *)));
        if (err)
            return err;
    }
    if ((err = miq_billing_conf_finish(p, s, sc, pricing)))
        return err;
    if ((err = miq_server_build(p, sc->base_url, pricing, key, klen, sc->fixtures, &sc->mcp)))
        return err;
    sc->mcp->usage_alerts = sc->usage_alerts;
    miq_server_set_operator(sc->mcp, sc->service_name, sc->support_email, sc->privacy_url,
                            sc->terms_url);
    sc->mcp->ask_timeout_ms = sc->ask_timeout_s * 1000;
    if ((err = miq_oauth_conf_finish(p, s, sc)))
        return err;
    return NULL;
}
