/* The policy pages (privacy, terms, retention, deletion, billing) as HTML,
 * built from the configuration the server runs with, so a page can never
 * state a number the server does not enforce. */
#ifndef MIQ_LEGAL_H
#define MIQ_LEGAL_H

#include <apr_pools.h>
#include "base/miq_server.h"
#include "limits/miq_quota.h"

/* Everything a page states, read from the running configuration by the glue. */
typedef struct miq_legal_facts {
    const miq_server *srv;    /* name, support address, policy URLs, prices */
    apr_int64_t free_credits; /* MomentIQFreeCredits for this request */
    int upload_retention_s;   /* MomentIQRetention */
    int output_retention_s;
    int file_url_ttl_s;      /* MomentIQFileURLTTL */
    apr_int64_t max_upload;  /* MomentIQMaxUploadSize (bytes) */
    miq_quotas quotas;       /* MomentIQQuota for this request (0: none) */
    int access_token_ttl_s;  /* MomentIQOAuthAccessTokenTTL */
    int refresh_token_ttl_s; /* MomentIQOAuthRefreshTokenTTL */
    int session_idle_s;      /* MomentIQSessionTimeout */
    int session_absolute_s;
    int record_requests; /* MomentIQRecordRequests */
} miq_legal_facts;

/* The page names, in the order the index lists them; NULL-terminated. */
extern const char *const miq_legal_pages[];

/* The page's HTML, or NULL when there is no such page. */
const char *miq_legal_page(apr_pool_t *p, const char *page, const miq_legal_facts *f);

/* The absolute URL of a page: base_url + "/legal/" + page. */
const char *miq_legal_url(apr_pool_t *p, const miq_server *srv, const char *page);

#endif
