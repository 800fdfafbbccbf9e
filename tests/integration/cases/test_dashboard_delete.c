/* DELETE /api/dashboard/account (SPEC §2, issue 13) against the running stack
 * and the real worker: refused without the CSRF token or the typed
 * confirmation; while jobs are queued and running it cancels them
 * (reservations released), removes media, outputs, tokens, sessions and
 * personal data, keeps the ledger anonymised, records that a deletion
 * happened and nothing of what was in it; afterwards the old token answers
 * 401, the login fails, a second DELETE changes nothing, and the email can
 * sign up again. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <apr_strings.h>
#include <apr_file_io.h>
#include <apr_file_info.h>
#include "itest.h"
#include "base/miq_json.h"

#define JOBS 4

static const char *const json_ct[] = {"Content-Type: application/json", NULL};

static it_resp *del(const it_account *a, int csrf, const char *body)
{
    return it_request("DELETE", "/api/dashboard/account",
                      it_session_headers(a, csrf, body ? json_ct : NULL), body,
                      body ? strlen(body) : 0);
}

static void relogin(it_account *a)
{
    const char *body = apr_psprintf(itp, "{\"email\":%s,\"password\":%s}", it_quote(a->email),
                                    it_quote(a->password));
    it_resp *r = it_request("POST", "/api/auth/login", json_ct, body, strlen(body));
    IT_ASSERT_R(r->status == 200, r);
    a->cookie = it_set_cookie(r, "miq_session", NULL);
    a->csrf = miq_json_str(r->json, "csrf_token", NULL);
    it_secret_note(a->cookie);
    it_secret_note(a->csrf);
}

/* A 60 s tone, uploaded with the API key: its id, and its stored path in *path. */
static const char *upload(const char *key, const char **path)
{
    const char *dir = it_tmpdir("del"), *file, *h[3], *id;
    apr_file_t *f;
    apr_finfo_t fi;
    apr_size_t len = 0;
    char *buf;
    it_resp *r;
    if (!dir)
        return NULL;
    file = apr_pstrcat(itp, dir, "/tone.wav", NULL);
    if (system(apr_psprintf(itp,
                            "ffmpeg -nostdin -loglevel error -y -f lavfi -i "
                            "'sine=frequency=330:duration=60' -ar 16000 -ac 1 %s",
                            file)) != 0 ||
        apr_file_open(&f, file, APR_FOPEN_READ | APR_FOPEN_BINARY, 0, itp) ||
        apr_file_info_get(&fi, APR_FINFO_SIZE, f))
        return NULL;
    buf = apr_palloc(itp, (apr_size_t)fi.size + 1);
    apr_file_read_full(f, buf, (apr_size_t)fi.size, &len);
    apr_file_close(f);
    apr_file_remove(file, itp);
    apr_dir_remove(dir, itp);
    h[0] = it_bearer(key);
    h[1] = "Content-Type: application/octet-stream";
    h[2] = NULL;
    r = it_request("POST", "/v1/uploads?filename=tone.wav", h, buf, len);
    IT_REQUIRE_R(r->status == 201, r);
    id = miq_json_str(r->json, "upload_id", NULL);
    *path = it_db_value("SELECT path FROM uploads WHERE id = $1", 1, &id);
    return id;
}

static int file_exists(const char *path)
{
    apr_finfo_t fi;
    return apr_stat(&fi, path, APR_FINFO_TYPE, itp) == APR_SUCCESS;
}

/* Whether the worker's log shows it done with job id: never started it, or
 * wrote the line that ends a run (the outputs of an ended run are removed
 * just after that line). */
static int worker_done_with(const char *log, const char *id)
{
    static const char *const ends[] = {" succeeded (",    " failed (",    " stopped: ",
                                       ": finished, but", " handed back", NULL};
    const char *start = apr_psprintf(itp, "job %s (", id);
    int i;
    if (!log || !strstr(log, start))
        return 1;
    for (i = 0; ends[i]; i++)
        if (strstr(log, apr_pstrcat(itp, "job ", id, ends[i], NULL)))
            return 1;
    return 0;
}

static void test_refused_without_csrf_or_confirmation(void)
{
    it_account *a = it_signup("del-refused");
    const char *key, *h[2];
    it_resp *r;
    IT_REQUIRE_R(a != NULL, NULL);
    key = it_create_token(a, "keys", "{\"name\":\"k\",\"scopes\":[\"all\"]}", NULL, NULL);
    IT_REQUIRE_R(key != NULL, NULL);
    relogin(a);
    r = del(a, 0, apr_psprintf(itp, "{\"confirm\":%s}", it_quote(a->email)));
    IT_ASSERT_R(r->status == 403, r);
    r = del(a, 1, "{\"confirm\":\"someone-else@example.com\"}");
    IT_ASSERT_R(r->status == 400, r);
    r = del(a, 1, "{\"confirm\":\"DELETE\"}"); /* the word is for accounts without an email */
    IT_ASSERT_R(r->status == 400, r);
    r = del(a, 1, "{}");
    IT_ASSERT_R(r->status == 400, r);
    r = del(a, 1, "not json");
    IT_ASSERT_R(r->status == 400, r);
    r = del(a, 1, NULL);
    IT_ASSERT_R(r->status == 400, r);
    /* nothing happened */
    h[0] = it_bearer(key);
    h[1] = NULL;
    r = it_request("GET", "/v1/account", h, NULL, 0);
    IT_ASSERT_R(r->status == 200, r);
    IT_ASSERT_STRING_EQUAL(it_db_value("SELECT count(*) FROM account_deletions WHERE account_ref "
                                       "= $1::bigint",
                                       1, &a->account_id),
                           "0");
}

static void test_delete_while_jobs_run(void)
{
    it_account *a = it_signup("del-running");
    const char *key, *conn, *upl, *path = NULL, *h[3], *body, *old_email, *id;
    const char *ids[JOBS];
    json_t *sum;
    it_resp *r;
    int i, held;
    IT_REQUIRE_R(a != NULL, NULL);
    id = a->account_id;
    old_email = a->email;
    it_db_query("INSERT INTO credit_ledger (account_id, kind, credits, note) VALUES "
                "($1::bigint, 'grant', 1000, 'itest delete')",
                1, &id);
    it_db_query("UPDATE accounts SET billing_set_up_at = now() WHERE id = $1::bigint", 1, &id);
    key = it_create_token(a, "keys", "{\"name\":\"k\",\"scopes\":[\"all\"]}", NULL, NULL);
    conn = it_create_token(a, "connectors", "{\"name\":\"c\",\"scopes\":[\"all\"]}", NULL, NULL);
    IT_REQUIRE_R(key && conn, NULL);
    IT_REQUIRE_R((upl = upload(key, &path)) != NULL && path, NULL);
    path = it_stack_path(apr_pstrcat(itp, "storage/", path, NULL));
    IT_ASSERT_MSG(file_exists(path), "the upload is on disk: %s", path);

    /* Jobs, one of them held as running by a worker that is mid-job (its
     * lease taken in the database the way miq_job_claim takes it, so the
     * real worker leaves it alone): the deletion meets a running job
     * whatever the worker's speed. */
    h[0] = it_bearer(key);
    h[1] = "Content-Type: application/json";
    h[2] = NULL;
    body = apr_psprintf(itp, "{\"endpoint\":\"timeline/moments\",\"upload_id\":\"%s\"}", upl);
    for (i = 0, held = 0; i < JOBS; i++) {
        r = it_request("POST", "/v1/jobs", h, body, strlen(body));
        IT_REQUIRE_R(r->status == 201, r);
        ids[i] = miq_json_str(r->json, "job_id", NULL);
        if (!held && it_db_value("UPDATE jobs SET status = 'running', worker_id = "
                                 "'itest-mid-job', attempts = 1, started_at = now(), "
                                 "lease_until = now() + interval '10 minutes' WHERE id = $1 AND "
                                 "status = 'queued' RETURNING id",
                                 1, &ids[i]))
            held = 1;
    }
    IT_REQUIRE_R(held, NULL);
    relogin(a);
    r = del(a, 1, apr_psprintf(itp, "{\"confirm\":\"  %s \"}", old_email));
    IT_REQUIRE_R(r->status == 200 && miq_json_bool(r->json, "deleted", 0), r);
    sum = r->json;
    IT_ASSERT_R(miq_json_int(sum, "jobs_canceled", 0) >= 1, r);
    IT_ASSERT_R(miq_json_int(sum, "jobs_removed", 0) == JOBS, r);
    IT_ASSERT_R(miq_json_int(sum, "uploads_removed", 0) == 1, r);
    IT_ASSERT_R(miq_json_int(sum, "tokens_removed", 0) == 2, r);
    IT_ASSERT_R(miq_json_int(sum, "files_pending", -1) == 0, r);
    IT_ASSERT_R(!strstr(r->body, old_email) && !strstr(r->body, "uploads/"), r);
    IT_ASSERT_R(it_set_cookie(r, "miq_session", NULL) && !*it_set_cookie(r, "miq_session", NULL),
                r);

    /* The old credentials answer 401; the login fails. */
    h[1] = NULL;
    r = it_request("GET", "/v1/account", h, NULL, 0);
    IT_ASSERT_R(r->status == 401 && strstr(r->body, "invalid_api_key"), r);
    h[0] = it_bearer(conn);
    r = it_request("GET", apr_pstrcat(itp, "/v1/jobs/", ids[0], NULL), h, NULL, 0);
    IT_ASSERT_R(r->status == 401, r);
    body = apr_psprintf(itp, "{\"email\":%s,\"password\":%s}", it_quote(old_email),
                        it_quote(a->password));
    r = it_request("POST", "/api/auth/login", json_ct, body, strlen(body));
    IT_ASSERT_R(r->status == 401, r);
    r = it_request("GET", "/api/dashboard/overview", it_session_headers(a, 0, NULL), NULL, 0);
    IT_ASSERT_R(r->status == 401, r);
    /* a second DELETE: nothing to delete, nothing recorded twice */
    r = del(a, 1, apr_psprintf(itp, "{\"confirm\":%s}", it_quote(old_email)));
    IT_ASSERT_R(r->status == 401, r);

    /* What stays: an anonymised ledger that nets out, an operator record. */
    IT_ASSERT_STRING_EQUAL(it_db_value("SELECT coalesce(email, '-') || coalesce(password_hash, "
                                       "'-') || (deleted_at IS NOT NULL)::text FROM accounts "
                                       "WHERE id = $1::bigint",
                                       1, &id),
                           "--true");
    IT_ASSERT_STRING_EQUAL(it_db_value("SELECT count(*) FROM account_deletions WHERE account_ref "
                                       "= $1::bigint AND jobs_canceled >= 1 AND uploads_removed "
                                       "= 1",
                                       1, &id),
                           "1");
    IT_ASSERT_STRING_EQUAL(it_db_value("SELECT count(*) FILTER (WHERE kind = 'reservation') - "
                                       "count(*) FILTER (WHERE kind = 'release') FROM "
                                       "credit_ledger WHERE account_id = $1::bigint",
                                       1, &id),
                           "0");
    IT_ASSERT_STRING_EQUAL(it_db_value("SELECT count(*) FROM credit_ledger WHERE account_id = "
                                       "$1::bigint AND (note IS NOT NULL OR job_id IS NOT NULL)",
                                       1, &id),
                           "0");
    IT_ASSERT_STRING_EQUAL(it_db_value("SELECT (SELECT count(*) FROM uploads WHERE account_id = "
                                       "$1::bigint) + (SELECT count(*) FROM jobs WHERE "
                                       "account_id = $1::bigint) + (SELECT count(*) FROM "
                                       "api_tokens WHERE account_id = $1::bigint) + (SELECT "
                                       "count(*) FROM auth_sessions WHERE account_id = "
                                       "$1::bigint) + (SELECT count(*) FROM auth_events WHERE "
                                       "account_id = $1::bigint)",
                                       1, &id),
                           "0");
    IT_ASSERT_MSG(!file_exists(path), "the upload's file is gone: %s", path);
    /* A job the real worker was running when the account went: its child is
     * killed within seconds, and may have made the output directory again
     * meanwhile; the worker removes it once the child is gone. So: once the
     * worker is done with every job (30 s at most), no outputs are left. */
    {
        const char *wlog = it_stack_path("log/worker.log"), *left = NULL;
        int tries, done;
        for (tries = 0; tries < 150; tries++) {
            const char *text = wlog ? it_read_file(wlog, 0) : NULL;
            for (i = 0, done = 1, left = NULL; i < JOBS; i++) {
                const char *dir = it_stack_path(apr_pstrcat(itp, "storage/outputs/", ids[i], NULL));
                if (!worker_done_with(text, ids[i]))
                    done = 0;
                else if (file_exists(dir))
                    left = dir;
            }
            if (done && !left)
                break;
            usleep(200000);
        }
        IT_ASSERT_MSG(done, "the worker is still running a job of the deleted account after 30 s");
        IT_ASSERT_MSG(!left, "outputs of a job of the deleted account are left: %s", left);
    }

    /* The email is free again: a new, empty account. */
    r = it_request("POST", "/api/auth/signup", json_ct, body, strlen(body));
    IT_ASSERT_R(r->status == 201, r);
    r = it_request("POST", "/api/auth/login", json_ct, body, strlen(body));
    IT_ASSERT_R(r->status == 200 && strcmp(miq_json_str(r->json, "account_id", ""), id), r);
    it_secret_note(it_set_cookie(r, "miq_session", NULL));
    it_secret_note(miq_json_str(r->json, "csrf_token", NULL));
}

IT_SUITE("dashboard_delete", IT_TEST(test_refused_without_csrf_or_confirmation),
         IT_TEST(test_delete_while_jobs_run))
