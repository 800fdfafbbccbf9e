/* Account quotas, the free-space check and long-polls that hold no database
 * connection (issue 11, security review #5 and #6). Small limits come from
 * the test stack's <If "%{HTTP:X-Quota-Test} == 'small'"> (jobs 2, long_polls
 * 2, imports 1); X-Disk-Full-Test asks for a free-space margin no disk has. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <apr_strings.h>
#include "itest.h"
#include "support/it_jobs.h"
#include "base/miq_json.h"

static const char *sqlv(const char *sql, const char *a, const char *b)
{
    const char *args[2] = {a, b};
    return it_db_value(sql, b ? 2 : a ? 1 : 0, args);
}

/* A new account with credits and an API key; *account its id. */
static const char *new_key(const char *tag, const char **account)
{
    it_account *a = it_signup(tag);
    const char *t = a ? it_create_token(a, "keys", "{\"name\":\"quota\"}", NULL, NULL) : NULL;
    if (!t || !jt_grant(a->account_id, 100000))
        return NULL;
    *account = a->account_id;
    return t;
}

/* A job that stays running for the test (a lease no worker will take over). */
static const char *running_job(const char *account)
{
    const char *id = apr_pstrcat(itp, "job_q", apr_psprintf(itp, "%011lx", (unsigned long)random()),
                                 NULL);
    return sqlv("INSERT INTO jobs (id, account_id, endpoint, params, request_hash, "
                "estimated_credits, status, worker_id, lease_until, started_at) VALUES ($1, "
                "$2::bigint, 'audio/silence', '{}', 'itest', 0, 'running', 'itest-none', now() + "
                "interval '1 hour', now()) RETURNING id",
                id, account);
}

static void end_jobs(const char *account)
{
    sqlv("UPDATE jobs SET status = 'canceled', finished_at = now(), lease_until = NULL WHERE "
         "account_id = $1::bigint AND worker_id = 'itest-none' RETURNING 1",
         account, NULL);
}

static it_resp *post_json(const char *token, const char *path, const char *extra, const char *json)
{
    return it_request("POST", path,
                      jt_hdrs(it_bearer(token), "Content-Type: application/json", extra), json,
                      strlen(json));
}

static it_resp *get_q(const char *token, const char *path, const char *quota_hdr)
{
    return it_request("GET", path, jt_hdrs(it_bearer(token), quota_hdr, NULL), NULL, 0);
}

static void assert_quota_body(const it_resp *r, const char *kind, long limit, long used)
{
    json_t *e = json_object_get(r->json, "error");
    IT_ASSERT_R(r->status == 429 && !strcmp(jt_err_code(r), "quota_exceeded"), r);
    if (!e)
        e = r->json;
    IT_ASSERT_MSG(!strcmp(miq_json_str(r->json, "quota", miq_json_str(e, "quota", "")), kind),
                  "quota kind: %s", it_dump(r->json));
    IT_ASSERT_MSG(json_integer_value(json_object_get(r->json, "limit")) == limit ||
                      json_integer_value(json_object_get(e, "limit")) == limit,
                  "limit %ld: %s", limit, it_dump(r->json));
    if (used >= 0)
        IT_ASSERT_MSG(json_integer_value(json_object_get(r->json, "used")) == used ||
                          json_integer_value(json_object_get(e, "used")) == used,
                      "used %ld: %s", used, it_dump(r->json));
}

/* Storage: the default quota (10 GiB) counts live uploads; a full account
 * cannot upload, import or ask for a signed URL, and gets the numbers. */
static void test_storage_quota(void)
{
    const char *acct, *tok = new_key("quota-storage", &acct), *up;
    it_resp *r;
    apr_size_t len;
    const char *body;
    IT_REQUIRE_R(tok && jt_ready(), NULL);
    IT_REQUIRE_R((up = jt_upload(tok, "speech.wav")) != NULL, NULL);
    /* a backdated giant upload of the account's fills it */
    sqlv("INSERT INTO uploads (id, account_id, filename, path, status, size_bytes) VALUES "
         "($1, $2::bigint, 'big', 'uploads/none', 'ready', 10737418240) RETURNING 1",
         apr_pstrcat(itp, "upl_", apr_psprintf(itp, "%016lx", (unsigned long)random()), NULL),
         acct);
    body = jt_read_bin(jt_media("speech.wav"), &len);
    r = it_request("POST", "/v1/uploads?filename=a.wav",
                   jt_hdrs(it_bearer(tok), "Content-Type: application/octet-stream", NULL), body,
                   len);
    assert_quota_body(r, "storage", 10737418240L, -1);
    IT_ASSERT_MSG(json_integer_value(json_object_get(r->json, "requested")) == (long)len ||
                      strstr(r->body ? r->body : "", apr_psprintf(itp, "%lu", (unsigned long)len)),
                  "requested bytes: %s", it_dump(r->json));
    r = post_json(tok, "/v1/uploads", NULL, "{\"filename\":\"x.wav\",\"signed_url\":true}");
    IT_ASSERT_R(r->status == 429 && !strcmp(jt_err_code(r), "quota_exceeded"), r);
    r = post_json(tok, "/v1/uploads", NULL, "{\"source_url\":\"http://127.0.0.1:9/x.wav\"}");
    IT_ASSERT_R(r->status == 429 && !strcmp(jt_err_code(r), "quota_exceeded"), r);
    /* nothing was left behind by the refusals */
    IT_ASSERT_MSG(atoi(sqlv("SELECT count(*) FROM uploads WHERE account_id = $1::bigint AND "
                            "deleted_at IS NULL",
                            acct, NULL)) == 2,
                  "uploads of the account changed");
    /* room again once the big one is deleted */
    sqlv("UPDATE uploads SET deleted_at = now(), status = 'deleted' WHERE account_id = "
         "$1::bigint AND filename = 'big' RETURNING 1",
         acct, NULL);
    CU_ASSERT(jt_upload(tok, "speech.wav") != NULL);
}

/* Concurrent jobs: with two running, a third is refused with the numbers. */
static void test_jobs_quota(void)
{
    const char *acct, *tok = new_key("quota-jobs", &acct), *up;
    it_resp *r;
    IT_REQUIRE_R(tok && jt_ready(), NULL);
    IT_REQUIRE_R((up = jt_upload(tok, "speech.wav")) != NULL, NULL);
    IT_REQUIRE_R(running_job(acct) && running_job(acct), NULL);
    r = post_json(tok, "/v1/jobs", "X-Quota-Test: small",
                  apr_psprintf(itp, "{\"endpoint\":\"audio/silence\",\"upload_id\":\"%s\"}", up));
    assert_quota_body(r, "jobs", 2, 2);
    end_jobs(acct);
    r = post_json(tok, "/v1/jobs", "X-Quota-Test: small",
                  apr_psprintf(itp, "{\"endpoint\":\"audio/silence\",\"upload_id\":\"%s\"}", up));
    IT_ASSERT_R(r->status == 201, r);
}

/* Long-polls in flight: two wait, the third is refused at once; their slots
 * are given back when they end, and a crashed child's lease expires. */
static void test_long_poll_quota(void)
{
    const char *acct, *tok = new_key("quota-polls", &acct), *job;
    const char *const *h;
    it_req reqs[3];
    it_resp **rs, *r;
    int i, ok = 0, refused = 0;
    apr_time_t t0;
    IT_REQUIRE_R(tok && (job = running_job(acct)), NULL);
    h = jt_hdrs(it_bearer(tok), "X-Quota-Test: small", NULL);
    for (i = 0; i < 3; i++) {
        reqs[i].method = "GET";
        reqs[i].path = apr_pstrcat(itp, "/v1/jobs/", job, "?wait_s=3", NULL);
        reqs[i].headers = h;
        reqs[i].body = NULL;
    }
    t0 = apr_time_now();
    rs = it_parallel(3, reqs, 20000);
    for (i = 0; i < 3; i++) {
        if (rs[i]->status == 200)
            ok++;
        else if (rs[i]->status == 429) {
            refused++;
            assert_quota_body(rs[i], "long_polls", 2, 2);
        }
        else
            it_show("long-poll", rs[i]);
    }
    IT_ASSERT_MSG(ok == 2 && refused == 1, "%d waited, %d refused (of 3, limit 2)", ok, refused);
    CU_ASSERT(apr_time_now() - t0 >= apr_time_from_sec(2));
    /* every slot is back */
    IT_ASSERT_MSG(atoi(sqlv("SELECT count(*) FROM quota_leases WHERE account_id = $1::bigint", acct,
                            NULL)) == 0,
                  "leases left after the long-polls ended");
    r = get_q(tok, apr_pstrcat(itp, "/v1/jobs/", job, "?wait_s=1", NULL), "X-Quota-Test: small");
    IT_ASSERT_R(r->status == 200, r);
    /* two leases of a crashed child: live ones count, expired ones do not */
    sqlv("INSERT INTO quota_leases (id, account_id, kind, expires_at) VALUES ('ql_itest_a', "
         "$1::bigint, 'long_polls', now() + interval '1 minute'), ('ql_itest_b', $1::bigint, "
         "'long_polls', now() + interval '1 minute') RETURNING 1",
         acct, NULL);
    r = get_q(tok, apr_pstrcat(itp, "/v1/jobs/", job, "?wait_s=1", NULL), "X-Quota-Test: small");
    assert_quota_body(r, "long_polls", 2, 2);
    sqlv("UPDATE quota_leases SET expires_at = now() - interval '1 second' WHERE account_id = "
         "$1::bigint RETURNING 1",
         acct, NULL);
    r = get_q(tok, apr_pstrcat(itp, "/v1/jobs/", job, "?wait_s=1", NULL), "X-Quota-Test: small");
    IT_ASSERT_R(r->status == 200, r);
    /* a plain GET (no wait) is never counted */
    sqlv("UPDATE quota_leases SET expires_at = now() + interval '1 minute' WHERE account_id = "
         "$1::bigint RETURNING 1",
         acct, NULL);
    r = get_q(tok, apr_pstrcat(itp, "/v1/jobs/", job, NULL), "X-Quota-Test: small");
    IT_ASSERT_R(r->status == 200, r);
    sqlv("DELETE FROM quota_leases WHERE account_id = $1::bigint RETURNING 1", acct, NULL);
    end_jobs(acct);
}

#define N_POLLS 40 /* more than the stack's DBDMax (25) */

/* More concurrent long-polls than DBDMax connections: they sleep without a
 * database connection, so a normal request is served at once meanwhile. */
static void test_long_polls_hold_no_connection(void)
{
    const char *acct, *tok = new_key("quota-dbd", &acct), *job;
    it_resp *r;
    apr_time_t t0, took;
    pid_t pid;
    int st = 0, n;
    IT_REQUIRE_R(tok && (job = running_job(acct)), NULL);
    fflush(NULL);
    pid = fork();
    if (pid == 0) { /* N_POLLS waits of 6 s at once */
        it_req reqs[N_POLLS];
        it_resp **rs;
        int i, good = 0;
        const char *const *h = jt_hdrs(it_bearer(tok), "X-Quota-Test: none", NULL);
        for (i = 0; i < N_POLLS; i++) {
            reqs[i].method = "GET";
            reqs[i].path = apr_pstrcat(itp, "/v1/jobs/", job, "?wait_s=6", NULL);
            reqs[i].headers = h;
            reqs[i].body = NULL;
        }
        rs = it_parallel(N_POLLS, reqs, 30000);
        for (i = 0; i < N_POLLS; i++)
            good += rs[i]->status == 200;
        _exit(good == N_POLLS ? 0 : 1);
    }
    IT_REQUIRE_R(pid > 0, NULL);
    apr_sleep(apr_time_from_msec(2500)); /* all are waiting now */
    n = atoi(sqlv("SELECT count(*) FROM quota_leases WHERE account_id = $1::bigint", acct, NULL));
    t0 = apr_time_now();
    r = get_q(tok, "/v1/account", NULL);
    took = apr_time_now() - t0;
    IT_ASSERT_R(r->status == 200, r);
    IT_ASSERT_MSG(took < apr_time_from_msec(1500),
                  "a normal request took %ld ms while %d long-polls waited",
                  (long)apr_time_as_msec(took), N_POLLS);
    fprintf(stderr,
            "\n    [%d long-polls in flight (no quota), DBDMax 25: GET /v1/account took "
            "%ld ms]\n",
            N_POLLS, (long)apr_time_as_msec(took));
    (void)n;
    IT_ASSERT_MSG(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
                  "not every long-poll was answered 200 (status %d)", st);
    end_jobs(acct);
}

/* A free-space margin larger than the disk: uploads and imports are refused
 * cleanly (503 storage full) and nothing is left in storage/uploads. */
static void test_disk_full_refuses_cleanly(void)
{
    const char *acct, *tok = new_key("quota-disk", &acct), *dir = it_stack_path("storage/uploads");
    const char *before, *after;
    apr_size_t len;
    const char *body = jt_read_bin(jt_media("speech.wav"), &len);
    it_resp *r;
    FILE *f;
    char buf[64];
    IT_REQUIRE_R(tok && body && dir, NULL);
    f = popen(apr_psprintf(itp, "ls '%s' | wc -l", dir), "r");
    before = f && fgets(buf, sizeof(buf), f) ? apr_pstrdup(itp, buf) : "";
    if (f)
        pclose(f);
    r = it_request("POST", "/v1/uploads?filename=a.wav",
                   jt_hdrs(it_bearer(tok), "Content-Type: application/octet-stream",
                           "X-Disk-Full-Test: 1"),
                   body, len);
    IT_ASSERT_R(r->status == 503 && !strcmp(jt_err_code(r), "server_error") &&
                    strstr(r->body, "storage full"),
                r);
    r = post_json(tok, "/v1/uploads", "X-Disk-Full-Test: 1",
                  "{\"source_url\":\"http://127.0.0.1:9/x.wav\"}");
    IT_ASSERT_R(r->status == 503 && strstr(r->body, "storage full"), r);
    f = popen(apr_psprintf(itp, "ls '%s' | wc -l", dir), "r");
    after = f && fgets(buf, sizeof(buf), f) ? apr_pstrdup(itp, buf) : "";
    if (f)
        pclose(f);
    IT_ASSERT_MSG(!strcmp(before, after), "files in storage/uploads: %s before, %s after", before,
                  after);
    IT_ASSERT_MSG(atoi(sqlv("SELECT count(*) FROM uploads WHERE account_id = $1::bigint", acct,
                            NULL)) == 0,
                  "a refused upload was recorded");
    /* the same request without the margin goes through */
    CU_ASSERT(jt_upload(tok, "speech.wav") != NULL);
}

IT_SUITE("quotas", IT_TEST(test_storage_quota), IT_TEST(test_jobs_quota),
         IT_TEST(test_long_poll_quota), IT_TEST(test_long_polls_hold_no_connection),
         IT_TEST(test_disk_full_refuses_cleanly))
