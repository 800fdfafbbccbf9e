/* Jobs end to end, who pays what: bad media fails unbilled and is not
 * retried, a cancel releases the reservation, an idempotency key makes one
 * job and one reservation, and concurrent creates never overdraw a small
 * balance. Helpers and media: support/it_jobs.h. */
#include <stdlib.h>
#include <apr_strings.h>
#include <apr_file_info.h>
#include "base/miq_json.h"
#include "support/it_jobs.h"

static void test_bad_media_fails_unbilled(void)
{
    const char *job, *args[1];
    json_t *j, *err;
    it_resp *r;
    CU_ASSERT_FATAL(jt_ready());
    /* Audio-only media sent to video/scenes (undecodable bytes never get past the upload). */
    job = jt_create_rest(jt_tok, "video/scenes", jt_upl_speech, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(job);
    j = jt_wait_rest(jt_tok, job, JOB_TIMEOUT_S);
    IT_ASSERT_MSG(j && !strcmp(miq_json_str(j, "status", ""), "failed"), "job: %s",
                  j ? it_dump(j) : "");
    err = json_object_get(j, "error");
    IT_ASSERT_MSG(!strcmp(miq_json_str(err, "code", ""), "unsupported_media") &&
                      *miq_json_str(err, "message", ""),
                  "error %s", it_dump(err));
    jt_assert_not_billed(j);
    args[0] = job;
    CU_ASSERT_STRING_EQUAL(it_db_value("SELECT attempts::text FROM jobs WHERE id = $1", 1, args),
                           "1"); /* not retried */
    r = jt_rest(jt_tok, "GET", apr_psprintf(itp, "/v1/jobs/%s/result", job), NULL);
    IT_ASSERT_R(r->status == 409, r);
    /* Over MCP the same job says so, and the worker is still alive: the next job runs. */
    r = jt_tool(jt_tok, "momentiq.get_job", apr_psprintf(itp, "{\"job_id\":\"%s\"}", job));
    IT_ASSERT_R(jt_tool_ok(r) && strstr(jt_tool_text(r), "unsupported_media") &&
                    strstr(jt_tool_text(r), "Not billed"),
                r);
    job = jt_create_rest(jt_tok, "audio/silence", jt_upl_speech, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(job);
    CU_ASSERT(jt_succeeded(jt_wait_rest(jt_tok, job, JOB_TIMEOUT_S)));
}

static void test_cancel_releases(void)
{
    const char *job, *job2, *args[1];
    json_t *j;
    it_resp *r;
    CU_ASSERT_FATAL(jt_ready());
    /* Queued or running (a 55 s re-encode): canceled, released, never billed. */
    job = jt_create_rest(jt_tok, "video/clips", jt_upl_long,
                         "{\"clips\":[{\"start\":0,\"end\":55}],\"mode\":\"reencode\"}");
    CU_ASSERT_PTR_NOT_NULL_FATAL(job);
    r = jt_rest(jt_tok, "POST", apr_psprintf(itp, "/v1/jobs/%s/cancel", job), "{}");
    IT_ASSERT_R(r->status == 200 && !strcmp(miq_json_str(r->json, "status", ""), "canceled"), r);
    /* Running first, then canceled over MCP. */
    job2 = jt_create_mcp(jt_tok, "video/clips", jt_upl_long,
                         "{\"clips\":[{\"start\":0,\"end\":55}],\"mode\":\"reencode\"}");
    CU_ASSERT_PTR_NOT_NULL_FATAL(job2);
    args[0] = job2;
    {
        apr_time_t end = apr_time_now() + apr_time_from_sec(60);
        const char *st = NULL;
        while (apr_time_now() < end) {
            st = it_db_value("SELECT status FROM jobs WHERE id = $1", 1, args);
            if (!st || strcmp(st, "queued"))
                break;
            apr_sleep(apr_time_from_msec(50));
        }
        IT_ASSERT_MSG(st && !strcmp(st, "running"), "job2 is %s", st ? st : "(null)");
    }
    r = jt_tool(jt_tok, "momentiq.cancel_job", apr_psprintf(itp, "{\"job_id\":\"%s\"}", job2));
    IT_ASSERT_R(jt_tool_ok(r) && !strcmp(miq_json_str(jt_sc(r), "status", ""), "canceled"), r);
    /* Whatever the worker does next, they stay canceled and unbilled. */
    r = jt_rest(jt_tok, "GET", apr_psprintf(itp, "/v1/jobs/%s/result", job), NULL);
    IT_ASSERT_R(r->status == 409, r);
    r = jt_rest(jt_tok, "POST", apr_psprintf(itp, "/v1/jobs/%s/cancel", job), "{}");
    IT_ASSERT_R(r->status == 200, r); /* idempotent */
    {
        /* The worker stops the running one at its next heartbeat, or finishes and
         * finds it canceled: wait until nothing of ours runs. */
        apr_time_t end = apr_time_now() + apr_time_from_sec(90);
        const char *acc[1] = {jt_account_id};
        while (apr_time_now() < end) {
            const char *v = it_db_value("SELECT count(*) FROM jobs WHERE account_id = $1::bigint "
                                        "AND status IN ('queued', 'running')",
                                        1, acc);
            if (v && !strcmp(v, "0"))
                break;
            apr_sleep(apr_time_from_msec(200));
        }
        /* A job that was running is done with when its worker takes another: a short
         * one after it must run (both job threads free again eventually). */
        const char *next = jt_create_rest(jt_tok, "audio/silence", jt_upl_speech, NULL);
        CU_ASSERT_PTR_NOT_NULL_FATAL(next);
        CU_ASSERT(jt_succeeded(jt_wait_rest(jt_tok, next, JOB_TIMEOUT_S)));
    }
    j = jt_wait_rest(jt_tok, job, 5);
    IT_ASSERT_MSG(j && !strcmp(miq_json_str(j, "status", ""), "canceled"), "%s",
                  j ? it_dump(j) : "");
    jt_assert_not_billed(j);
    j = jt_wait_rest(jt_tok, job2, 5);
    IT_ASSERT_MSG(j && !strcmp(miq_json_str(j, "status", ""), "canceled"), "%s",
                  j ? it_dump(j) : "");
    jt_assert_not_billed(j);
    {
        /* The partial clip of the killed child goes too: once the worker is done
         * with job2 (its child made the output directory at start), a canceled
         * job keeps no files. 30 s at most. */
        const char *dir = it_stack_path(apr_pstrcat(itp, "storage/outputs/", job2, NULL));
        apr_finfo_t fi;
        int tries;
        for (tries = 0; tries < 150 && apr_stat(&fi, dir, APR_FINFO_TYPE, itp) == APR_SUCCESS;
             tries++)
            apr_sleep(apr_time_from_msec(200));
        IT_ASSERT_MSG(apr_stat(&fi, dir, APR_FINFO_TYPE, itp) != APR_SUCCESS,
                      "the canceled job's outputs are left: %s", dir);
    }
}

static void test_idempotent_create(void)
{
    const char *body1, *body2, *id, *args[2];
    it_resp *r;
    CU_ASSERT_FATAL(jt_ready());
    body1 = apr_psprintf(itp,
                         "{\"endpoint\":\"audio/silence\",\"upload_id\":\"%s\",\"params\":"
                         "{\"min_silence_s\":0.6},\"idempotency_key\":\"e2e-idem-%s\"}",
                         jt_upl_speech, jt_upl_speech);
    r = jt_rest(jt_tok, "POST", "/v1/jobs", body1);
    IT_REQUIRE_R(r->status == 201, r);
    id = miq_json_str(r->json, "job_id", "");
    /* Same key, same request: the same job (200), not a second one. */
    r = jt_rest(jt_tok, "POST", "/v1/jobs", body1);
    IT_ASSERT_R(r->status == 200 && !strcmp(miq_json_str(r->json, "job_id", ""), id), r);
    /* The defaults filled in make the same request. */
    r = jt_rest(jt_tok, "POST", "/v1/jobs",
                apr_psprintf(itp,
                             "{\"endpoint\":\"audio/silence\",\"upload_id\":\"%s\",\"params\":"
                             "{\"min_silence_s\":0.6,\"threshold_db\":-35},\"idempotency_key\":"
                             "\"e2e-idem-%s\"}",
                             jt_upl_speech, jt_upl_speech));
    IT_ASSERT_R(r->status == 200 && !strcmp(miq_json_str(r->json, "job_id", ""), id), r);
    /* Over MCP too. */
    r = jt_tool(jt_tok, "momentiq.create_job",
                apr_psprintf(itp,
                             "{\"endpoint\":\"audio/silence\",\"upload_id\":\"%s\",\"params\":"
                             "{\"min_silence_s\":0.6},\"idempotency_key\":\"e2e-idem-%s\"}",
                             jt_upl_speech, jt_upl_speech));
    IT_ASSERT_R(jt_tool_ok(r) && !strcmp(miq_json_str(jt_sc(r), "job_id", ""), id), r);
    /* Same key, other params: conflict. */
    body2 = apr_psprintf(itp,
                         "{\"endpoint\":\"audio/silence\",\"upload_id\":\"%s\",\"params\":"
                         "{\"min_silence_s\":0.9},\"idempotency_key\":\"e2e-idem-%s\"}",
                         jt_upl_speech, jt_upl_speech);
    r = jt_rest(jt_tok, "POST", "/v1/jobs", body2);
    IT_ASSERT_R(r->status == 409 && !strcmp(jt_err_code(r), "conflict"), r);
    r = jt_tool(jt_tok, "momentiq.create_job", body2);
    IT_ASSERT_R(!strcmp(jt_tool_err(r), "conflict"), r);
    args[0] = jt_account_id;
    args[1] = apr_psprintf(itp, "e2e-idem-%s", jt_upl_speech);
    CU_ASSERT_STRING_EQUAL(it_db_value("SELECT count(*) FROM jobs WHERE account_id = $1::bigint "
                                       "AND idempotency_key = $2",
                                       2, args),
                           "1");
    args[0] = id;
    CU_ASSERT_STRING_EQUAL(it_db_value("SELECT count(*) FROM credit_ledger WHERE job_id = $1 AND "
                                       "kind = 'reservation'",
                                       1, args),
                           "1");
    jt_assert_billed_once(jt_wait_rest(jt_tok, id, JOB_TIMEOUT_S));
}

static void test_concurrent_creates_small_balance(void)
{
    enum { N = 20 };
    it_account *a;
    const char *t, *u, *body, *acc[1];
    it_resp *r, **rs;
    it_req reqs[N];
    long est, b0, target, after;
    int i, created = 0, refused = 0, other = 0;
    const char *ids[N];
    CU_ASSERT_FATAL(jt_media("speech.wav") != NULL);
    a = it_signup("e2epar");
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    t = it_create_token(a, "keys", "{\"name\":\"par\"}", NULL, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    u = jt_upload(t, "speech.wav");
    CU_ASSERT_PTR_NOT_NULL_FATAL(u);
    body = apr_psprintf(itp, "{\"endpoint\":\"audio/silence\",\"upload_id\":\"%s\"}", u);
    r = jt_rest(t, "POST", "/v1/estimate", body);
    IT_REQUIRE_R(r->status == 200 && miq_json_int(r->json, "credits", 0) > 0, r);
    est = (long)miq_json_int(r->json, "credits", 0);
    /* A balance that covers three of them, not four. */
    b0 = jt_balance(a->account_id);
    target = 3 * est + est / 2;
    CU_ASSERT_FATAL(jt_grant(a->account_id, target - b0));
    CU_ASSERT_EQUAL_FATAL(jt_balance(a->account_id), target);
    for (i = 0; i < N; i++) {
        reqs[i].method = "POST";
        reqs[i].path = "/v1/jobs";
        reqs[i].headers = jt_hdrs(it_bearer(t), "Content-Type: application/json", NULL);
        reqs[i].body = body;
    }
    rs = it_parallel(N, reqs, 30000);
    for (i = 0; i < N; i++) {
        if (rs[i]->status == 201)
            ids[created++] = miq_json_str(rs[i]->json, "job_id", "");
        else if (rs[i]->status == 402 && !strcmp(jt_err_code(rs[i]), "insufficient_credits"))
            refused++;
        else {
            other++;
            it_show("parallel create", rs[i]);
        }
    }
    IT_ASSERT_MSG(created == 3 && refused == N - 3 && other == 0,
                  "%d created, %d insufficient_credits, %d other (estimate %ld, balance %ld)",
                  created, refused, other, est, target);
    after = jt_balance(a->account_id);
    IT_ASSERT_MSG(after == target - created * est && after >= 0, "balance %ld after %d creates",
                  after, created);
    for (i = 0; i < created; i++)
        jt_assert_billed_once(jt_wait_rest(t, ids[i], JOB_TIMEOUT_S));
    /* Never negative at any point of the ledger. */
    acc[0] = a->account_id;
    {
        const char *minv = it_db_value("SELECT min(s) FROM (SELECT sum(credits) OVER (ORDER BY "
                                       "id) AS s FROM credit_ledger WHERE account_id = "
                                       "$1::bigint) x",
                                       1, acc);
        IT_ASSERT_MSG(minv && atol(minv) >= 0, "the running balance went to %s",
                      minv ? minv : "(null)");
    }
    CU_ASSERT(jt_balance(a->account_id) >= 0);
}

IT_SUITE("jobs_billing", IT_TEST(test_bad_media_fails_unbilled), IT_TEST(test_cancel_releases),
         IT_TEST(test_idempotent_create), IT_TEST(test_concurrent_creates_small_balance))
