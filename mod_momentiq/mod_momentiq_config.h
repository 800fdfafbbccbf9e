/* The directive table and the server/directory configuration's life:
 * create, merge, finish at post_config (mod_momentiq_config.c). */
#ifndef MOD_MOMENTIQ_CONFIG_H
#define MOD_MOMENTIQ_CONFIG_H

#include "mod_momentiq_private.h"
#include "ops/miq_request_log.h" /* MIQ_DEFAULT_REQUEST_LOG_MONTHS */

/* Directive defaults, each written once: miq_conf_finish fills unset fields
 * from them, the help texts quote them (MIQ_STR, MIQ_ONOFF) and
 * tests/check_config.sh compares docs/directives.md with the help texts. */
#define MIQ_DEFAULT_FIXTURES             0
#define MIQ_DEFAULT_MAX_BODY             1048576
#define MIQ_DEFAULT_MCP_SESSION_IDLE_S   3600
#define MIQ_DEFAULT_ASK_TIMEOUT_S        60
#define MIQ_DEFAULT_RECORD_REQUESTS      1
#define MIQ_DEFAULT_TRUST_REMOTE_USER    0
#define MIQ_DEFAULT_SESSION_IDLE_S       86400
#define MIQ_DEFAULT_SESSION_ABSOLUTE_S   2592000
#define MIQ_DEFAULT_THROTTLE_ACCOUNT     5
#define MIQ_DEFAULT_THROTTLE_IP          50
#define MIQ_DEFAULT_THROTTLE_WINDOW_S    900
#define MIQ_DEFAULT_THROTTLE_LOCK_S      900
#define MIQ_DEFAULT_MAX_UPLOAD           2147483648
#define MIQ_DEFAULT_UPLOAD_RETENTION_S   604800
#define MIQ_DEFAULT_OUTPUT_RETENTION_S   2592000
#define MIQ_DEFAULT_FILE_URL_TTL_S       3600
#define MIQ_DEFAULT_PROBE_COMMAND        "/usr/sbin/momentiq-probe"
#define MIQ_DEFAULT_PROBE_TIMEOUT_S      30
#define MIQ_DEFAULT_IMPORT_ALLOW_PRIVATE 0
#define MIQ_DEFAULT_QUOTA_STORAGE        10G
#define MIQ_DEFAULT_QUOTA_JOBS           20
#define MIQ_DEFAULT_QUOTA_LONG_POLLS     10
#define MIQ_DEFAULT_QUOTA_IMPORTS        3
#define MIQ_DEFAULT_STORAGE_MIN_FREE     1G

/* A default as help text: MIQ_STR(MIQ_DEFAULT_MAX_BODY) is "1048576",
 * MIQ_ONOFF(MIQ_DEFAULT_RECORD_REQUESTS) is "On". */
#define MIQ_STR_(x)   #x
#define MIQ_STR(x)    MIQ_STR_(x)
#define MIQ_ONOFF_0   "Off"
#define MIQ_ONOFF_1   "On"
#define MIQ_ONOFF_(v) MIQ_ONOFF_##v
#define MIQ_ONOFF(v)  MIQ_ONOFF_(v)

extern const command_rec miq_directives[];
void *miq_create_srv_conf(apr_pool_t *p, server_rec *s);
void *miq_merge_srv_conf(apr_pool_t *p, void *base, void *add);
void *miq_create_dir_conf(apr_pool_t *p, char *dir);
void *miq_merge_dir_conf(apr_pool_t *p, void *base, void *add);
/* This request's quotas (MomentIQQuota, per directory, defaults filled) and
 * the free space the storage disk keeps (MomentIQStorageMinFree). */
struct miq_quotas;
void miq_conf_quotas(request_rec *r, struct miq_quotas *q, apr_int64_t *min_free);
/* Fills defaults, reads the secret, builds the MCP server. */
const char *miq_conf_finish(apr_pool_t *p, server_rec *s, miq_srv_conf *sc);

#endif
