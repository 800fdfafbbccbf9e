/* What every glue file shares, as mod_md's mod_md_private.h: the module, its
 * log index, and the server and directory configuration with their accessors.
 * Functions live in one header per glue file (mod_momentiq_<file>.h). */
#ifndef MOD_MOMENTIQ_PRIVATE_H
#define MOD_MOMENTIQ_PRIVATE_H

#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <apr_tables.h>
#include "base/miq_server.h"

extern module AP_MODULE_DECLARE_DATA momentiq_module;
APLOG_USE_MODULE(momentiq);

/* "Not set in this context": merges take the base's value, defaults are
 * filled at post_config (mod_momentiq_config.c). */
#include "limits/miq_rate_limit.h"

#define MIQ_UNSET (-1)

/* Our own log message numbers ("MIQnnnnn: "), stable so error_log allow
 * lists and operators can match them; httpd's AH numbers are httpd's. */
#define MIQLOGNO(n) "MIQ" #n ": "

struct miq_oauth_conf; /* mod_momentiq_oauth_conf.h */

typedef struct miq_srv_conf {
    int enabled;                 /* MomentIQEnable */
    const char *base_url;        /* MomentIQBaseURL */
    int fixtures;                /* MomentIQConformanceFixtures */
    apr_off_t max_body;          /* MomentIQMaxRequestBody */
    apr_array_header_t *origins; /* MomentIQAllowedOrigin (const char *) */
    apr_array_header_t *hosts;   /* MomentIQAllowedHost (const char *) */
    const char *secret_file;     /* MomentIQSecretFile */
    apr_array_header_t *prices;  /* MomentIQPrice: "endpoint unit credits" triples */
    int mcp_session_idle_s;      /* MomentIQSessionIdleTimeout (MCP 2025 sessions) */
    int ask_timeout_s;           /* MomentIQClientAnswerTimeout */
    int record_requests;         /* MomentIQRecordRequests */
    int trust_remote_user;       /* MomentIQTrustRemoteUser */
    int session_idle_s;          /* MomentIQSessionTimeout IDLE ABSOLUTE (dashboard) */
    int session_absolute_s;
    int throttle_account; /* MomentIQLoginThrottle ACCOUNT IP WINDOW LOCK */
    int throttle_ip;
    int throttle_window_s;
    int throttle_lock_s;
    const char *storage_dir; /* MomentIQStorageDir: uploads/ and outputs/ below it */
    apr_off_t max_upload;    /* MomentIQMaxUploadSize (bytes) */
    int upload_retention_s;  /* MomentIQRetention UPLOADS OUTPUTS (seconds) */
    int output_retention_s;
    int file_url_ttl_s;        /* MomentIQFileURLTTL */
    int import_allow_private;  /* MomentIQImportAllowPrivate */
    const char *fetch_ca_file; /* MomentIQFetchCAFile: CAs for outbound https (NULL: system) */
    const char *probe_cmd;     /* MomentIQProbeCommand: uploads are probed in this program */
    int probe_timeout_s;       /* MomentIQProbeTimeout */
    /* billing (mod_momentiq_billing_conf.c) */
    const char *credit_price; /* MomentIQCreditPrice AMOUNT CURRENCY */
    const char *credit_currency;
    const char *usage_alerts;                   /* MomentIQUsageAlerts, as a numeric[] literal */
    const char *stripe_webhook_secret_file;     /* MomentIQStripeWebhookSecretFile */
    const char *stripe_secret_key_file;         /* MomentIQStripeSecretKeyFile */
    const char *stripe_api_base;                /* MomentIQStripeAPIBase */
    int stripe_tolerance_s;                     /* MomentIQStripeWebhookTolerance */
    const unsigned char *stripe_webhook_secret; /* read at post_config, or NULL */
    apr_size_t stripe_webhook_secret_len;
    const char *stripe_secret_key; /* read at post_config, or NULL */
    struct miq_oauth_conf *oauth;  /* MomentIQOAuth* (mod_momentiq_oauth_conf.c) */
    /* the operator's identity (mod_momentiq_legal.c); NULL: miq_server_set_operator's defaults */
    const char *service_name;  /* MomentIQServiceName */
    const char *support_email; /* MomentIQSupportEmail */
    const char *privacy_url;   /* MomentIQPrivacyURL */
    const char *terms_url;     /* MomentIQTermsURL */
    miq_server *mcp;           /* built in post_config */
    int request_log_months;    /* MomentIQRequestLogMonths (0: keep all) */
} miq_srv_conf;

/* Per-directory: MomentIQRequireToken (for clients that start OAuth only on a 401). */
typedef struct miq_dir_conf {
    int require_token;
    int free_credits; /* MomentIQFreeCredits (server-wide or per location) */
    /* MomentIQRateLimit CLASS COUNT SECONDS (server-wide or per location);
     * count MIQ_UNSET: the class's default (core/limits), 0: off */
    miq_rate_rule rate[MIQ_RATE_CLASSES];
    apr_int64_t quota[4];         /* MomentIQQuota KIND LIMIT, by miq_quota_kind_e; MIQ_UNSET */
    apr_int64_t storage_min_free; /* MomentIQStorageMinFree (bytes); MIQ_UNSET */
    /* MomentIQWebhookAllowPrivate, MomentIQWebhookLowCredits,
     * MomentIQWebhookMaxEndpoints (mod_momentiq_webhooks.c); MIQ_UNSET */
    int webhook_allow_private;
    apr_int64_t webhook_low_credits;
    int webhook_max_endpoints;
    int metrics; /* MomentIQMetrics: serve OpenMetrics here */
} miq_dir_conf;

static APR_INLINE miq_srv_conf *miq_conf(const server_rec *s)
{
    return (miq_srv_conf *)ap_get_module_config(s->module_config, &momentiq_module);
}

static APR_INLINE miq_dir_conf *miq_dconf(const request_rec *r)
{
    return (miq_dir_conf *)ap_get_module_config(r->per_dir_config, &momentiq_module);
}

#endif
