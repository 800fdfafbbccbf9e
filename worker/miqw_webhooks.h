/* The webhook delivery loop of momentiq-worker: threads of their own, each
 * with its own database connection, so a slow or dead receiver never holds a
 * job thread (core/webhooks/miq_webhook_deliver.c does one step). */
#ifndef MIQW_WEBHOOKS_H
#define MIQW_WEBHOOKS_H

#include <signal.h>
#include <apr_pools.h>
#include <apr_thread_proc.h>
#include "billing/miq_pricing.h"

typedef struct miqw_webhooks_cfg {
    const char *conninfo;
    const char *storage;
    const char *secret_file; /* MomentIQSecretFile: the webhook key derives from it */
    const char *base_url;    /* MomentIQBaseURL: output URLs in the job object */
    miq_pricing *pricing;
    int threads;         /* delivery threads (default 1) */
    int allow_private;   /* --webhook-allow-private (MomentIQWebhookAllowPrivate) */
    int retry_base_s;    /* --webhook-retry-base (default 30) */
    int timeout_s;       /* --webhook-timeout: total per attempt (default 10) */
    int file_url_ttl_s;  /* --file-url-ttl (MomentIQFileURLTTL, default 3600) */
    const char *ca_file; /* --webhook-ca-file */
} miqw_webhooks_cfg;

/* Reads the secret and starts cfg->threads delivery threads that run until
 * *stopping; NULL or why not. */
const char *miqw_webhooks_start(apr_pool_t *p, const miqw_webhooks_cfg *cfg,
                                volatile sig_atomic_t *stopping, apr_array_header_t **threads);

#endif
