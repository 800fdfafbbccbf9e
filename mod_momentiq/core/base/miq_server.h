/* What the MCP server knows about itself: identity, URLs, registry, pricing
 * and secrets. Built once at startup (the glue's post_config, or a test),
 * read-only while serving. */
#ifndef MIQ_SERVER_H
#define MIQ_SERVER_H

#include <apr_pools.h>

#define MIQ_VERSION "0.1.0"

typedef struct miq_pricing miq_pricing;   /* billing/miq_pricing.h */
typedef struct miq_registry miq_registry; /* mcp/miq_registry.h */

typedef struct miq_server {
    apr_pool_t *pool;
    const char *name;         /* serverInfo.name */
    const char *title;        /* serverInfo.title */
    const char *version;      /* serverInfo.version */
    const char *base_url;     /* public origin, no trailing slash: https://api.example.com */
    const char *mcp_url;      /* canonical MCP URL: base_url + "/mcp" */
    const char *instructions; /* InitializeResult.instructions */
    miq_registry *registry;
    miq_pricing *pricing;
    const unsigned char *state_key; /* the server secret (MomentIQSecretFile); sign with keys */
    apr_size_t state_key_len;
    /* One key per purpose, derived from the secret (miq_server_set_secret), so
     * a signature made for one purpose never verifies for another. */
    struct {
        unsigned char file_urls[32];     /* signed /files/ URLs */
        unsigned char upload_urls[32];   /* signed upload PUT URLs */
        unsigned char request_state[32]; /* 2026 requestState */
        unsigned char oauth[32];         /* OAuth token pair derivation */
        unsigned char webhooks[32];      /* webhook signing secrets (core/webhooks) */
    } keys;
    int fixtures;             /* conformance fixtures registered */
    int ask_timeout_ms;       /* 2025 era: how long a tool waits for the client's answer */
    const char *usage_alerts; /* default alert thresholds, numeric[] literal "{0.5,0.8,1.0}" */
    /* The operator's public identity, shown by the manifest, the server card,
     * the legal pages and the consent screen (miq_server_set_operator). */
    const char *service_name;  /* MomentIQServiceName; also serverInfo.title */
    const char *support_email; /* MomentIQSupportEmail */
    const char *privacy_url;   /* MomentIQPrivacyURL */
    const char *terms_url;     /* MomentIQTermsURL */
} miq_server;

/* The defaults of the operator directives, written once here. */
#define MIQ_DEFAULT_SERVICE_NAME "MomentIQ.dev"

/* Sets the operator's identity; NULL takes the default: MIQ_DEFAULT_SERVICE_NAME,
 * support@ + the base URL's host, base_url + /legal/privacy and /legal/terms. */
void miq_server_set_operator(miq_server *srv, const char *name, const char *support_email,
                             const char *privacy_url, const char *terms_url);

/* Sets the server secret and derives the per-purpose keys from it
 * (HMAC-SHA256 of the secret over "MomentIQ key v1 " + purpose). */
void miq_server_set_secret(miq_server *srv, const unsigned char *secret, apr_size_t len);

#endif
