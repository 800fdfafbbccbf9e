/* The account's own affairs (miq_dashboard.h): what it is, its password, its
 * sessions, its data as one export, and its deletion. Passwords and their
 * hashes never leave this file; the deletion is one SQL statement (so one
 * transaction, sql/013) and its files go after the commit. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <apr_strings.h>
#include "accounts/miq_auth.h"
#include "base/miq_json.h"
#include "base/miq_log.h"
#include "dashboard/miq_dash_int.h"
#include "dashboard/miq_dashboard.h"
#include "jobs/miq_uploads.h"

#define SESSION_COLS 6
#define DELETE_WORD  "DELETE"
/* The retry of what the deletion could not remove waits for momentiqctl purge. */
#define REMOVALS_INLINE_MAX 100000

static void ok(miq_reply *out, json_t *body)
{
    out->status = 200;
    out->code = out->message = NULL;
    out->body = body;
}

static void gone(miq_reply *out)
{
    miq_reply_err(out, 401, "authentication_required", "this account no longer exists", NULL);
}

/* The account row (MIQ_SQL_DASH_ACCOUNT): 1 with *row, 0 gone, -1 database. */
static int account_row(const miq_dash_env *env, const char *const **row)
{
    const char *args[1] = {env->account_id};
    apr_array_header_t *rows = miq_dash_run(env, MIQ_SQL_DASH_ACCOUNT, 1, args, 4);
    if (!rows)
        return -1;
    if (!rows->nelts)
        return 0;
    *row = APR_ARRAY_IDX(rows, 0, const char *const *);
    return 1;
}

void miq_dash_account(const miq_dash_env *env, const char *signed_in_with, miq_reply *out)
{
    const char *const *row = NULL;
    int got = account_row(env, &row);
    if (got < 0) {
        miq_dash_unavailable(out);
        return;
    }
    if (!got) {
        gone(out);
        return;
    }
    ok(out,
       miq_json_packp(env->pool, "{s:s,s:o,s:s,s:s,s:b,s:b}", "account_id", env->account_id,
                      "email", row[0] && *row[0] ? json_string(row[0]) : json_null(), "created_at",
                      row[1] ? row[1] : "", "signed_in_with",
                      signed_in_with ? signed_in_with : "password", "has_password",
                      row[2] && *row[2], "linked_to_organisation", row[3] && !strcmp(row[3], "t")));
}

void miq_dash_password_change(const miq_dash_env *env, const json_t *body, miq_reply *out)
{
    const char *current = miq_json_str(body, "current_password", NULL);
    const char *next = miq_json_str(body, "new_password", NULL);
    const char *const *row = NULL;
    const char *why, *hash, *err = NULL, *args[4];
    apr_array_header_t *rows;
    int got;
    if (!current || !next) {
        miq_reply_err(out, 400, "invalid_request",
                      "the body needs \"current_password\" and \"new_password\" strings", NULL);
        return;
    }
    if ((why = miq_password_policy(next))) {
        miq_reply_err(out, 400, "invalid_request", why, NULL);
        return;
    }
    if ((got = account_row(env, &row)) <= 0) {
        if (got < 0)
            miq_dash_unavailable(out);
        else
            gone(out);
        return;
    }
    if (!row[2] || !*row[2]) {
        miq_reply_err(out, 409, "conflict",
                      "this account signs in with your organisation and has no password to change",
                      NULL);
        return;
    }
    if (!miq_password_verify(env->pool, current, row[2])) {
        miq_reply_err(out, 401, "authentication_required", "the current password is not right",
                      NULL);
        return;
    }
    if (!(hash = miq_password_hash(env->pool, next, &err))) {
        miq_reply_err(out, 500, "server_error", "the new password could not be stored", NULL);
        return;
    }
    args[0] = hash;
    args[1] = env->account_id;
    args[2] = row[2];
    args[3] = env->session_hash ? env->session_hash : "";
    if (!(rows = miq_dash_run(env, MIQ_SQL_DASH_PASSWORD_SET, 4, args, 2)) || !rows->nelts) {
        miq_dash_unavailable(out);
        return;
    }
    row = APR_ARRAY_IDX(rows, 0, const char *const *);
    if (!row[0] || strcmp(row[0], "1")) { /* changed meanwhile by another request */
        miq_reply_err(out, 409, "conflict", "the password changed meanwhile; sign in again", NULL);
        return;
    }
    ok(out, miq_json_packp(env->pool, "{s:b,s:I}", "changed", 1, "other_sessions_ended",
                           (json_int_t)atoll(row[1] ? row[1] : "0")));
}

void miq_dash_sessions(const miq_dash_env *env, miq_reply *out)
{
    const char *args[2] = {env->session_hash ? env->session_hash : "", env->account_id};
    const char *const *row;
    apr_array_header_t *rows = miq_dash_run(env, MIQ_SQL_DASH_SESSIONS, 2, args, SESSION_COLS);
    json_t *list;
    int i;
    if (!rows) {
        miq_dash_unavailable(out);
        return;
    }
    list = json_array();
    for (i = 0; i < rows->nelts; i++) {
        row = APR_ARRAY_IDX(rows, i, const char *const *);
        json_array_append_new(list, json_pack("{s:s,s:s,s:s,s:s,s:s,s:b}", "session_id", row[0],
                                              "created_at", row[1], "last_seen_at", row[2],
                                              "expires_at", row[3], "signed_in_with", row[4],
                                              "current", row[5] && !strcmp(row[5], "t")));
    }
    ok(out, miq_json_packp(env->pool, "{s:o}", "sessions", list));
}

void miq_dash_sessions_revoke_all(const miq_dash_env *env, miq_reply *out)
{
    const char *args[1] = {env->account_id};
    apr_array_header_t *rows = miq_dash_run(env, MIQ_SQL_DASH_SESSIONS_REVOKE_ALL, 1, args, 1);
    const char *n;
    if (!rows || !rows->nelts) {
        miq_dash_unavailable(out);
        return;
    }
    n = APR_ARRAY_IDX(rows, 0, const char *const *)[0];
    ok(out, miq_json_packp(env->pool, "{s:I}", "revoked", (json_int_t)atoll(n ? n : "0")));
}

void miq_dash_export(const miq_dash_env *env, const char **text, miq_reply *out)
{
    const char *args[1] = {env->account_id};
    apr_array_header_t *rows = miq_dash_run(env, MIQ_SQL_DASH_EXPORT, 1, args, 1);
    *text = NULL;
    if (!rows) {
        miq_dash_unavailable(out);
        return;
    }
    if (!rows->nelts || !APR_ARRAY_IDX(rows, 0, const char *const *)[0]) {
        gone(out);
        return;
    }
    *text = APR_ARRAY_IDX(rows, 0, const char *const *)[0];
    out->status = 200;
    out->code = out->message = NULL;
    out->body = NULL;
}

int miq_dash_delete_confirmed(apr_pool_t *p, const char *email, const char *confirm)
{
    const char *norm;
    if (!confirm || !*confirm)
        return 0;
    if (!email || !*email)
        return !strcmp(confirm, DELETE_WORD);
    norm = miq_email_normalize(p, confirm);
    return norm && !strcasecmp(norm, email);
}

/* Removes each path (relative to the storage directory) of the deletion and
 * its storage_removals row; what fails stays queued for the purge. */
static int remove_paths(const miq_dash_env *env, const json_t *paths, int *failed)
{
    size_t i;
    json_t *v;
    int removed = 0;
    *failed = 0;
    json_array_foreach(paths, i, v)
    {
        const char *rel = json_string_value(v), *args[1];
        apr_status_t rv;
        if (!rel || !env->storage_dir || strstr(rel, "..") || i >= REMOVALS_INLINE_MAX) {
            (*failed)++;
            continue;
        }
        rv = miq_storage_remove(env->pool,
                                apr_pstrcat(env->pool, env->storage_dir, "/", rel, NULL));
        if (rv != APR_SUCCESS) {
            miq_log_perror(MIQ_LOG_MARK, MIQ_LOG_WARNING, rv, env->pool,
                           "MIQ11301: MomentIQ: a deleted account's file could not be removed; "
                           "momentiqctl purge retries it");
            (*failed)++;
            continue;
        }
        args[0] = rel;
        if (miq_dash_run(env, MIQ_SQL_STORAGE_REMOVED, 1, args, 0))
            removed++;
    }
    return removed;
}

void miq_dash_account_delete(const miq_dash_env *env, const json_t *body, miq_reply *out)
{
    const char *confirm = miq_json_str(body, "confirm", NULL), *args[1];
    const char *const *row = NULL;
    const char *perr = NULL, *summary;
    apr_array_header_t *rows;
    json_t *result, *paths;
    int got, failed = 0, removed;
    if (!confirm) {
        miq_reply_err(out, 400, "invalid_request",
                      "to delete the account, send {\"confirm\": \"<the account's email>\"}", NULL);
        return;
    }
    if ((got = account_row(env, &row)) <= 0) {
        if (got < 0)
            miq_dash_unavailable(out);
        else
            gone(out);
        return;
    }
    if (!miq_dash_delete_confirmed(env->pool, row[0], confirm)) {
        miq_reply_err(out, 400, "invalid_request",
                      row[0] && *row[0]
                          ? "the confirmation does not match: type the account's email"
                          : "the confirmation does not match: type DELETE",
                      NULL);
        return;
    }
    args[0] = env->account_id;
    if (!(rows = miq_dash_run(env, MIQ_SQL_DASH_ACCOUNT_DELETE, 1, args, 1)) || !rows->nelts) {
        miq_dash_unavailable(out);
        return;
    }
    if (!(summary = APR_ARRAY_IDX(rows, 0, const char *const *)[0])) {
        gone(out); /* a concurrent deletion won */
        return;
    }
    if (!(result = miq_json_parse(env->pool, summary, strlen(summary), &perr))) {
        miq_reply_err(out, 500, "server_error", "the deletion summary could not be read", NULL);
        return;
    }
    /* Committed: the files go now; what cannot stays queued for the purge. */
    paths = json_object_get(result, "paths");
    removed = remove_paths(env, paths, &failed);
    json_object_del(result, "paths");
    json_object_set_new(result, "deleted", json_true());
    json_object_set_new(result, "files_removed", json_integer(removed));
    json_object_set_new(result, "files_pending", json_integer(failed));
    ok(out, result);
}
