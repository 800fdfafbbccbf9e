/* The dashboard's own services (README.md): all scoped to env->account_id,
 * the signed-in account. The glue checks the session and its CSRF token and
 * renders the miq_reply. */
#ifndef MIQ_DASHBOARD_H
#define MIQ_DASHBOARD_H

#include <apr_pools.h>
#include <apr_time.h>
#include <jansson.h>
#include "base/miq_caller.h"
#include "base/miq_reply.h"
#include "base/miq_server.h"
#include "db/miq_db.h"
#include "jobs/miq_jobs.h"

typedef struct miq_dash_env {
    apr_pool_t *pool;
    const miq_db *db;
    const miq_server *srv;          /* pricing, base URL, the secret for signed URLs */
    const char *account_id;         /* the session's account */
    const char *session_hash;       /* the SHA-256 of the session cookie (id_hash) */
    const char *storage_dir;        /* MomentIQStorageDir */
    int file_url_ttl_s;             /* signed URL lifetime (MomentIQFileURLTTL) */
    const char *default_thresholds; /* MomentIQUsageAlerts, numeric[] literal */
    apr_time_t now;
    /* The name of a client configured in httpd.conf (not in oauth_clients),
     * or NULL; NULL callback: none. */
    const char *(*client_name)(void *baton, const char *client_id);
    void *client_baton;
} miq_dash_env;

/* ---- the session's account as a caller (miq_dash_views.c) -------------------- */

/* Fills caller as a bearer token of scope "all" would (kind "session", no
 * token id) with the billing numbers, so the /v1 services (jobs, uploads,
 * estimate) serve the dashboard: 1, 0 when the account is gone, -1 database. */
int miq_dash_caller(const miq_dash_env *env, miq_caller *caller);
/* The dashboard page that fixes a readiness warning ("billing",
 * "connections", …; "overview" for codes it does not know). */
const char *miq_dash_warning_page(const char *code);
/* GET /api/dashboard/overview: account view, warnings with their page, the
 * newest jobs (jobs as jenv lists them). */
void miq_dash_overview(const miq_dash_env *env, const miq_caller *caller, const miq_jobs_env *jenv,
                       miq_reply *out);
/* GET /api/dashboard/uploads?cursor=&limit= (limit 1..100, 0: 50). */
void miq_dash_uploads(const miq_dash_env *env, const char *cursor, int limit, miq_reply *out);
/* POST /api/dashboard/uploads/{id}/playback: a signed /files/media/ URL for
 * a ready upload of the account; 404 otherwise. */
void miq_dash_playback(const miq_dash_env *env, const char *upload_id, miq_reply *out);
/* The relpath ("media/<upload_id>.<ext>") a playback URL signs for an upload
 * stored at path ("uploads/<upload_id>.<ext>"), or NULL when path is not
 * of that shape. */
const char *miq_dash_media_relpath(apr_pool_t *p, const char *upload_id, const char *path);
/* GET /api/dashboard/oauth-apps and POST …/{grant_id}/revoke. */
void miq_dash_oauth_apps(const miq_dash_env *env, miq_reply *out);
void miq_dash_oauth_app_revoke(const miq_dash_env *env, const char *grant_id, miq_reply *out);
/* GET /api/dashboard/usage/mcp?days=N (1..90, NULL: 30). */
void miq_dash_mcp_usage(const miq_dash_env *env, const char *days, miq_reply *out);
/* GET /api/dashboard/endpoints: endpoints with params schemas and prices. */
void miq_dash_endpoints(const miq_dash_env *env, miq_reply *out);

/* ---- the account's own affairs (miq_dash_account.c) ----------------------------- */

/* GET /api/dashboard/account (signed_in_with: the session's). */
void miq_dash_account(const miq_dash_env *env, const char *signed_in_with, miq_reply *out);
/* POST /api/dashboard/account/password {"current_password","new_password"}. */
void miq_dash_password_change(const miq_dash_env *env, const json_t *body, miq_reply *out);
/* GET /api/dashboard/sessions and POST /api/dashboard/sessions/revoke-all. */
void miq_dash_sessions(const miq_dash_env *env, miq_reply *out);
void miq_dash_sessions_revoke_all(const miq_dash_env *env, miq_reply *out);
/* GET /api/dashboard/account/export: 200 with *text, the JSON document. */
void miq_dash_export(const miq_dash_env *env, const char **text, miq_reply *out);
/* Whether confirm confirms deleting an account with email (NULL: none):
 * the email, compared as emails are (trimmed, case-insensitive), or, only
 * for an account without one, "DELETE". */
int miq_dash_delete_confirmed(apr_pool_t *p, const char *email, const char *confirm);
/* DELETE /api/dashboard/account {"confirm"}: 200 with what went, 400 when
 * the confirmation does not match, 401 when the account is already gone. */
void miq_dash_account_delete(const miq_dash_env *env, const json_t *body, miq_reply *out);

#endif
