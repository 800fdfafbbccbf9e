/* What the dashboard pages read (miq_dashboard.h): the session's account as
 * a caller, the Overview, uploads and playback URLs, OAuth apps, MCP usage
 * and the endpoint catalog with prices. */
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include "base/miq_json.h"
#include "base/miq_scope.h"
#include "billing/miq_pricing.h"
#include "dashboard/miq_dash_int.h"
#include "dashboard/miq_dashboard.h"
#include "endpoints/miq_endpoints.h"
#include "jobs/miq_file_urls.h"
#include "jobs/miq_uploads.h"
#include "tools/miq_account_view.h"

apr_array_header_t *miq_dash_run(const miq_dash_env *env, miq_sql_id_e id, int nargs,
                                 const char *const *args, int min_cols)
{
    const char *err = NULL;
    int ncols = 0;
    apr_array_header_t *rows;
    if (!env->db)
        return NULL;
    rows = env->db->query(env->db->baton, env->pool, id, nargs, args, &ncols, &err);
    return rows && rows->nelts && ncols < min_cols ? NULL : rows;
}

void miq_dash_unavailable(miq_reply *out)
{
    miq_reply_err(out, 503, "server_error", "the account database is unavailable; try again", NULL);
}

#define RECENT_JOBS      5
#define UPLOADS_PAGE     50
#define MCP_USAGE_DAYS   30
#define MCP_USAGE_MAX    90
#define GRANT_ID_MAX_LEN 64

/* Columns of MIQ_SQL_DASH_CALLER. */
enum {
    DC_ID,
    DC_EMAIL,
    DC_CREATED,
    DC_BALANCE,
    DC_CAP,
    DC_SPENT,
    DC_STATE,
    DC_THRESHOLDS,
    DC_ALERTS,
    DC_N
};

static void ok(miq_reply *out, int status, json_t *body)
{
    out->status = status;
    out->code = out->message = NULL;
    out->body = body;
}

static const char *cell(const char *const *row, int i)
{
    return row[i] ? row[i] : "";
}

int miq_dash_caller(const miq_dash_env *env, miq_caller *c)
{
    const char *args[1] = {env->account_id}, *const * row;
    apr_array_header_t *rows;
    memset(c, 0, sizeof(*c));
    if (!(rows = miq_dash_run(env, MIQ_SQL_DASH_CALLER, 1, args, DC_N)))
        return -1;
    if (!rows->nelts)
        return 0;
    row = APR_ARRAY_IDX(rows, 0, const char *const *);
    c->account_id = row[DC_ID];
    c->kind = "session";
    c->scopes = MIQ_SCOPE_ALL; /* the account's owner: everything the account may do */
    c->email = *cell(row, DC_EMAIL) ? row[DC_EMAIL] : NULL;
    c->account_created = row[DC_CREATED];
    c->token_expires_in_s = -1;
    c->has_billing = 1;
    c->balance_credits = atoll(cell(row, DC_BALANCE));
    c->spend_cap_credits = *cell(row, DC_CAP) ? atoll(row[DC_CAP]) : -1;
    c->spent_credits = atoll(cell(row, DC_SPENT));
    c->billing_state = row[DC_STATE];
    c->alert_thresholds = *cell(row, DC_THRESHOLDS) ? row[DC_THRESHOLDS] : env->default_thresholds;
    c->alerts_json = row[DC_ALERTS];
    c->token_cap_credits = -1;
    return 1;
}

const char *miq_dash_warning_page(const char *code)
{
    static const struct {
        const char *code, *page;
    } pages[] = {
        {"billing_not_set_up", "billing"},   {"no_credits", "billing"},
        {"no_spend_cap", "billing"},         {"spend_cap_reached", "billing"},
        {"usage_alert", "billing"},          {"token_expiring_soon", "connections"},
        {"scope_too_narrow", "connections"},
    };
    apr_size_t i;
    for (i = 0; code && i < sizeof(pages) / sizeof(pages[0]); i++)
        if (!strcmp(code, pages[i].code))
            return pages[i].page;
    return "overview";
}

void miq_dash_overview(const miq_dash_env *env, const miq_caller *caller, const miq_jobs_env *jenv,
                       miq_reply *out)
{
    json_t *warnings = NULL, *view = miq_account_view(env->pool, caller, &warnings), *w, *body;
    miq_reply jobs;
    size_t i;
    if (!view) {
        miq_reply_err(out, 500, "server_error", "the account could not be read", NULL);
        return;
    }
    json_array_foreach(warnings, i, w)
    {
        json_object_set_new(w, "page",
                            json_string(miq_dash_warning_page(miq_json_str(w, "code", NULL))));
    }
    memset(&jobs, 0, sizeof(jobs));
    miq_jobs_list(jenv, NULL, NULL, RECENT_JOBS, &jobs);
    if (jobs.status != 200) {
        *out = jobs;
        return;
    }
    body = miq_json_packp(env->pool, "{s:O,s:O,s:O}", "account", view, "readiness_warnings",
                          warnings, "recent_jobs",
                          json_object_get(jobs.body, "jobs") ? json_object_get(jobs.body, "jobs")
                                                             : json_array());
    ok(out, 200, body);
}

void miq_dash_uploads(const miq_dash_env *env, const char *cursor, int limit, miq_reply *out)
{
    const char *args[4], *const *row;
    apr_array_header_t *rows;
    json_t *list, *body;
    int i;
    if (cursor && !miq_upload_id_ok(cursor)) {
        miq_reply_err(out, 400, "invalid_request", "cursor is not an upload id", NULL);
        return;
    }
    if (limit <= 0)
        limit = UPLOADS_PAGE;
    args[0] = env->account_id;
    args[1] = args[2] = cursor;
    args[3] = apr_itoa(env->pool, limit + 1); /* one more tells whether a next page exists */
    if (!(rows = miq_dash_run(env, MIQ_SQL_DASH_UPLOAD_LIST, 4, args, MIQ_UC_COUNT))) {
        miq_dash_unavailable(out);
        return;
    }
    body = miq_json_packp(env->pool, "{s:[],s:n}", "uploads", "next_cursor");
    list = json_object_get(body, "uploads");
    for (i = 0; i < rows->nelts && i < limit; i++) {
        row = APR_ARRAY_IDX(rows, i, const char *const *);
        json_array_append(list, miq_upload_view(env->pool, row));
    }
    if (rows->nelts > limit)
        json_object_set_new(body, "next_cursor",
                            json_string(APR_ARRAY_IDX(rows, limit - 1, const char *const *)[0]));
    ok(out, 200, body);
}

const char *miq_dash_media_relpath(apr_pool_t *p, const char *upload_id, const char *path)
{
    const char *name;
    apr_size_t n;
    if (!upload_id || !path || strncmp(path, "uploads/", 8) || !miq_upload_id_ok(upload_id))
        return NULL;
    name = path + 8;
    n = strlen(upload_id);
    if (strncmp(name, upload_id, n) || name[n] != '.' || !miq_storage_name_ok(name))
        return NULL;
    return apr_pstrcat(p, "media/", name, NULL);
}

void miq_dash_playback(const miq_dash_env *env, const char *upload_id, miq_reply *out)
{
    const char *args[2] = {upload_id, env->account_id}, *const * row, *rel, *url;
    apr_array_header_t *rows;
    apr_time_t exp = env->now + apr_time_from_sec(env->file_url_ttl_s);
    apr_time_exp_t tm;
    apr_size_t len;
    char when[32];
    if (!miq_upload_id_ok(upload_id)) {
        miq_reply_err(out, 404, "not_found", "no such upload", NULL);
        return;
    }
    if (!(rows = miq_dash_run(env, MIQ_SQL_UPLOAD_GET, 2, args, MIQ_UC_COUNT))) {
        miq_dash_unavailable(out);
        return;
    }
    if (!rows->nelts) {
        miq_reply_err(out, 404, "not_found", "no such upload", NULL);
        return;
    }
    row = APR_ARRAY_IDX(rows, 0, const char *const *);
    if (strcmp(cell(row, MIQ_UC_STATUS), "ready")) {
        miq_reply_err(out, 409, "conflict", "the upload has no media yet (its bytes were not sent)",
                      NULL);
        return;
    }
    rel = miq_dash_media_relpath(env->pool, upload_id, cell(row, MIQ_UC_PATH));
    if (!rel || !(url = miq_file_url(env->pool, env->srv, rel, exp))) {
        miq_reply_err(out, 500, "server_error", "no playback URL can be signed for this upload",
                      NULL);
        return;
    }
    apr_time_exp_gmt(&tm, exp);
    apr_strftime(when, &len, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
    ok(out, 200,
       miq_json_packp(env->pool, "{s:s,s:s,s:I,s:s}", "upload_id", upload_id, "url", url,
                      "expires_in_s", (json_int_t)env->file_url_ttl_s, "expires_at", when));
}

void miq_dash_oauth_apps(const miq_dash_env *env, miq_reply *out)
{
    const char *args[1] = {env->account_id}, *const * row, *name, *scopes;
    apr_array_header_t *rows;
    json_t *list, *sc;
    char *copy, *s, *last;
    int i;
    if (!(rows = miq_dash_run(env, MIQ_SQL_DASH_OAUTH_APPS, 1, args, 6))) {
        miq_dash_unavailable(out);
        return;
    }
    list = json_array();
    for (i = 0; i < rows->nelts; i++) {
        row = APR_ARRAY_IDX(rows, i, const char *const *);
        name = *cell(row, 2) ? row[2] : NULL;
        if (!name && env->client_name)
            name = env->client_name(env->client_baton, row[1]);
        scopes = cell(row, 3);
        sc = json_array();
        copy = apr_pstrdup(env->pool, scopes);
        for (s = apr_strtok(copy, " ", &last); s; s = apr_strtok(NULL, " ", &last))
            json_array_append_new(sc, json_string(s));
        json_array_append_new(list,
                              json_pack("{s:s,s:s,s:s,s:o,s:s,s:o}", "grant_id", row[0],
                                        "client_id", row[1], "client_name", name ? name : row[1],
                                        "scopes", sc, "first_used_at", cell(row, 4), "last_used_at",
                                        *cell(row, 5) ? json_string(row[5]) : json_null()));
    }
    ok(out, 200, miq_json_packp(env->pool, "{s:o}", "apps", list));
}

void miq_dash_oauth_app_revoke(const miq_dash_env *env, const char *grant_id, miq_reply *out)
{
    const char *args[2] = {grant_id, env->account_id};
    apr_array_header_t *rows;
    if (!grant_id || !*grant_id || strlen(grant_id) > GRANT_ID_MAX_LEN) {
        miq_reply_err(out, 404, "not_found", "no such app connection", NULL);
        return;
    }
    if (!(rows = miq_dash_run(env, MIQ_SQL_DASH_OAUTH_APP_REVOKE, 2, args, 1))) {
        miq_dash_unavailable(out);
        return;
    }
    if (!rows->nelts) {
        miq_reply_err(out, 404, "not_found", "no such app connection", NULL);
        return;
    }
    ok(out, 200, miq_json_packp(env->pool, "{s:s,s:b}", "grant_id", grant_id, "revoked", 1));
}

/* A whole number of days in 1..max, or -1. */
static int days_arg(const char *s, int dflt, int max)
{
    char *end;
    long v;
    if (!s)
        return dflt;
    v = strtol(s, &end, 10);
    return !*s || *end || v < 1 || v > max ? -1 : (int)v;
}

void miq_dash_mcp_usage(const miq_dash_env *env, const char *days, miq_reply *out)
{
    const char *args[2], *const *row;
    apr_array_header_t *rows;
    json_t *list;
    long long calls = 0, errors = 0;
    int d = days_arg(days, MCP_USAGE_DAYS, MCP_USAGE_MAX), i;
    if (d < 0) {
        miq_reply_err(out, 400, "invalid_request",
                      apr_psprintf(env->pool, "days must be a whole number from 1 to %d",
                                   MCP_USAGE_MAX),
                      NULL);
        return;
    }
    args[0] = env->account_id;
    args[1] = apr_itoa(env->pool, d);
    if (!(rows = miq_dash_run(env, MIQ_SQL_DASH_MCP_USAGE, 2, args, 6))) {
        miq_dash_unavailable(out);
        return;
    }
    list = json_array();
    for (i = 0; i < rows->nelts; i++) {
        json_t *codes = json_array();
        char *copy, *s, *last;
        row = APR_ARRAY_IDX(rows, i, const char *const *);
        copy = apr_pstrdup(env->pool, cell(row, 5));
        for (s = apr_strtok(copy, " ", &last); s; s = apr_strtok(NULL, " ", &last))
            json_array_append_new(codes, json_string(s));
        calls += atoll(cell(row, 3));
        errors += atoll(cell(row, 4));
        json_array_append_new(list,
                              json_pack("{s:s,s:s,s:o,s:I,s:I,s:o}", "day", cell(row, 0), "method",
                                        cell(row, 1), "tool",
                                        *cell(row, 2) ? json_string(row[2]) : json_null(), "calls",
                                        (json_int_t)atoll(cell(row, 3)), "errors",
                                        (json_int_t)atoll(cell(row, 4)), "error_codes", codes));
    }
    ok(out, 200,
       miq_json_packp(env->pool, "{s:i,s:I,s:I,s:o}", "days", d, "calls", (json_int_t)calls,
                      "errors", (json_int_t)errors, "by_day", list));
}

void miq_dash_endpoints(const miq_dash_env *env, miq_reply *out)
{
    apr_size_t n, i;
    const miq_endpoint *const *all = miq_endpoints_all(&n);
    json_t *table = miq_pricing_table_json(env->pool, env->srv ? env->srv->pricing : NULL);
    json_t *prices = json_object_get(table, "prices"), *list = json_array(), *e, *p, *mine;
    size_t k;
    for (i = 0; i < n; i++) {
        e = miq_endpoints_endpoint_json(env->pool, all[i], 1);
        mine = json_array();
        json_array_foreach(prices, k, p)
        {
            if (!strcmp(miq_json_str(p, "endpoint", ""), all[i]->name))
                json_array_append(mine, p);
        }
        json_object_set_new(e, "prices", mine);
        json_array_append(list, e);
    }
    ok(out, 200, miq_json_packp(env->pool, "{s:o,s:O}", "endpoints", list, "pricing", table));
}
