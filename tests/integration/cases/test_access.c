/* Access on every read and write (issue 11): a connector's scopes guard a
 * job's reads, result, refresh and cancel, and the job list, in REST and MCP
 * alike; deleting an upload needs the all scope and cancels its live jobs,
 * releasing their reservations. Helpers and media: support/it_jobs.h. */
#include <stdlib.h>
#include <signal.h>
#include <apr_strings.h>
#include "base/miq_json.h"
#include "itest.h"
#include "support/it_jobs.h"

static long worker_pid(void)
{
    const char *t = it_read_file(it_stack_path("log/worker.pid"), 0);
    return t ? atol(t) : 0;
}

static void test_scopes_guard_job_reads_and_writes(void)
{
    it_account *a = it_signup("scopes");
    const char *all, *video, *audio, *upl, *job;
    json_t *done;
    it_resp *r;
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    all = it_create_token(a, "keys", "{\"name\":\"all\"}", NULL, NULL);
    video = it_create_token(a, "connectors", "{\"name\":\"video only\",\"scopes\":[\"video/*\"]}",
                            NULL, NULL);
    audio = it_create_token(a, "connectors", "{\"name\":\"audio only\",\"scopes\":[\"audio/*\"]}",
                            NULL, NULL);
    CU_ASSERT_FATAL(all && video && audio && jt_grant(a->account_id, 1000));
    CU_ASSERT_PTR_NOT_NULL_FATAL(upl = jt_upload(all, "speech.wav"));
    CU_ASSERT_PTR_NOT_NULL_FATAL(job = jt_create_rest(all, "audio/silence", upl, NULL));
    done = jt_wait_rest(all, job, JOB_TIMEOUT_S);
    CU_ASSERT_FATAL(jt_succeeded(done));

    /* a video-only connector sees nothing of an audio job */
    r = jt_rest(video, "GET", apr_pstrcat(itp, "/v1/jobs/", job, NULL), NULL);
    IT_ASSERT_R(r->status == 403 && !strcmp(jt_err_code(r), "connector_scope_denied"), r);
    r = jt_rest(video, "GET", apr_pstrcat(itp, "/v1/jobs/", job, "/result", NULL), NULL);
    IT_ASSERT_R(r->status == 403, r);
    r = jt_rest(video, "GET", apr_pstrcat(itp, "/v1/jobs/", job, "/result?format=csv", NULL), NULL);
    IT_ASSERT_R(r->status == 403, r);
    r = jt_rest(video, "POST", apr_pstrcat(itp, "/v1/jobs/", job, "/outputs/refresh", NULL), "{}");
    IT_ASSERT_R(r->status == 403, r);
    r = jt_rest(video, "POST", apr_pstrcat(itp, "/v1/jobs/", job, "/cancel", NULL), "{}");
    IT_ASSERT_R(r->status == 403, r);
    r = jt_rest(video, "GET", "/v1/jobs", NULL);
    IT_ASSERT_R(r->status == 200 && json_array_size(json_object_get(r->json, "jobs")) == 0, r);
    r = jt_tool(video, "momentiq.get_job", apr_psprintf(itp, "{\"job_id\":\"%s\"}", job));
    CU_ASSERT_STRING_EQUAL(jt_tool_err(r), "connector_scope_denied");
    r = jt_tool(video, "momentiq.get_job_result", apr_psprintf(itp, "{\"job_id\":\"%s\"}", job));
    CU_ASSERT_STRING_EQUAL(jt_tool_err(r), "connector_scope_denied");
    r = jt_rest(video, "DELETE", apr_pstrcat(itp, "/v1/uploads/", upl, NULL), NULL);
    IT_ASSERT_R(r->status == 403 && !strcmp(jt_err_code(r), "connector_scope_denied"), r);

    /* the job's own family may read it, and lists it */
    r = jt_rest(audio, "GET", apr_pstrcat(itp, "/v1/jobs/", job, NULL), NULL);
    IT_ASSERT_R(r->status == 200, r);
    r = jt_rest(audio, "GET", "/v1/jobs", NULL);
    IT_ASSERT_R(r->status == 200 && json_array_size(json_object_get(r->json, "jobs")) == 1, r);
    r = jt_tool(audio, "momentiq.get_job_result", apr_psprintf(itp, "{\"job_id\":\"%s\"}", job));
    CU_ASSERT(jt_tool_ok(r));
    /* but not delete the upload other connectors use */
    r = jt_rest(audio, "DELETE", apr_pstrcat(itp, "/v1/uploads/", upl, NULL), NULL);
    IT_ASSERT_R(r->status == 403, r);
    r = jt_rest(all, "GET", apr_pstrcat(itp, "/v1/uploads/", upl, NULL), NULL);
    IT_ASSERT_R(r->status == 200, r);
}

/* The worker is paused (SIGSTOP) so the job is still queued when its upload
 * goes: the deletion cancels it and releases its reservation. */
static void test_delete_upload_cancels_live_jobs(void)
{
    it_account *a = it_signup("delupl");
    const char *all, *upl, *job = NULL, *args[1];
    long pid = worker_pid(), before = 0, during = 0, after = 0;
    it_resp *r;
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    all = it_create_token(a, "keys", "{\"name\":\"all\"}", NULL, NULL);
    CU_ASSERT_FATAL(all && jt_grant(a->account_id, 1000));
    CU_ASSERT_PTR_NOT_NULL_FATAL(upl = jt_upload(all, "speech.wav"));
    CU_ASSERT_FATAL(pid > 0 && kill((pid_t)pid, SIGSTOP) == 0);
    before = jt_balance(a->account_id);
    job = jt_create_rest(all, "audio/silence", upl, NULL);
    during = jt_balance(a->account_id);
    r = jt_rest(all, "DELETE", apr_pstrcat(itp, "/v1/uploads/", upl, NULL), NULL);
    after = jt_balance(a->account_id);
    kill((pid_t)pid, SIGCONT);
    IT_ASSERT_R(r->status == 200, r);
    CU_ASSERT_EQUAL(miq_json_int(r->json, "jobs_canceled", -1), 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(job);
    CU_ASSERT(during < before);     /* the job reserved credits */
    CU_ASSERT_EQUAL(after, before); /* and the deletion gave them back */
    r = jt_rest(all, "GET", apr_pstrcat(itp, "/v1/jobs/", job, NULL), NULL);
    IT_ASSERT_R(r->status == 200 && !strcmp(miq_json_str(r->json, "status", ""), "canceled"), r);
    args[0] = job;
    CU_ASSERT_STRING_EQUAL(it_db_value("SELECT count(*) FROM credit_ledger WHERE job_id = $1 "
                                       "AND kind = 'settlement'",
                                       1, args),
                           "0");
    r = jt_rest(all, "GET", apr_pstrcat(itp, "/v1/uploads/", upl, NULL), NULL);
    IT_ASSERT_R(r->status == 404, r);
    /* the worker, running again, never runs the canceled job */
    apr_sleep(apr_time_from_sec(2));
    r = jt_rest(all, "GET", apr_pstrcat(itp, "/v1/jobs/", job, NULL), NULL);
    CU_ASSERT_STRING_EQUAL(miq_json_str(r->json, "status", ""), "canceled");
}

IT_SUITE("access", IT_TEST(test_scopes_guard_job_reads_and_writes),
         IT_TEST(test_delete_upload_cancels_live_jobs))
