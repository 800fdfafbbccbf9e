/* PostgreSQL restarts under load (issue 11, faults): httpd answers 503 while
 * the database is down and recovers by itself within seconds (its pooled
 * connections are reset and their statements prepared again), /mcp/status
 * says ok again, and the worker runs and bills a job created afterwards.
 * Runs last: it takes the database away from the whole stack. The error_log
 * lines of the outage are expected only inside the window this test records
 * in the stack's expected-outages file (tests/check_error_log.sh). */
#include <stdlib.h>
#include <signal.h>
#include <unistd.h>
#include <sys/wait.h>
#include <apr_strings.h>
#include "base/miq_json.h"
#include "itest.h"
#include "support/it_jobs.h"

#define PG_CTL "/usr/lib/postgresql/15/bin/pg_ctl"

static const char *const *bearer_hdrs(const char *token)
{
    const char **h = apr_pcalloc(itp, 3 * sizeof(char *));
    h[0] = it_bearer(token);
    return h;
}

/* Seconds since the epoch, with microseconds. */
static double now_s(void)
{
    return (double)apr_time_now() / APR_USEC_PER_SEC;
}

/* Appends "start end" to the stack's list of expected outages. */
static void note_outage(double start, double end)
{
    const char *path = it_stack_path("log/expected-outages"); /* writable by the runner */
    FILE *f = path ? fopen(path, "a") : NULL;
    if (f) {
        fprintf(f, "%.6f %.6f\n", start, end);
        fclose(f);
    }
}

static pid_t restart_postgres(void)
{
    const char *data = it_stack_path("pg/data");
    pid_t pid = fork();
    if (pid == 0) {
        execl(PG_CTL, "pg_ctl", "-D", data, "-m", "fast", "-w", "-t", "60", "restart", "-l",
              it_stack_path("pg/log/postgres.log"), (char *)NULL);
        _exit(127);
    }
    return pid;
}

static void test_postgres_restart_recovers(void)
{
    it_account *a = it_signup("pgrestart");
    const char *token = a ? it_create_token(a, "keys", "{\"name\":\"restart\"}", NULL, NULL) : NULL;
    const char *const *h;
    double t0, t_done = 0, t_back = 0;
    int ok_before = 0, unavailable = 0, other = 0, ok_after = 0, status, i;
    pid_t pg;
    it_resp *r;
    CU_ASSERT_PTR_NOT_NULL_FATAL(token);
    h = bearer_hdrs(token);
    r = it_request("GET", "/v1/account", h, NULL, 0);
    IT_ASSERT_R(r->status == 200, r);
    r = it_request("GET", "/mcp/status", NULL, NULL, 0);
    CU_ASSERT_STRING_EQUAL(miq_json_str(r->json, "status", ""), "ok");

    t0 = now_s();
    pg = restart_postgres();
    CU_ASSERT_FATAL(pg > 0);
    /* load while the database goes away and comes back: every answer is 200
     * or 503, none hangs */
    while (now_s() - t0 < 60) {
        r = it_request("GET", "/v1/account", h, NULL, 0);
        if (r->status == 200 && t_done)
            ok_after++;
        else if (r->status == 200)
            ok_before++;
        else if (r->status == 503)
            unavailable++;
        else {
            other++;
            it_show("during the restart", r);
        }
        CU_ASSERT(r->done - r->started < apr_time_from_sec(15));
        if (!t_done && waitpid(pg, &status, WNOHANG) == pg) {
            t_done = now_s();
            CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        }
        if (t_done && r->status == 200 && !t_back)
            t_back = now_s();
        if (t_back && ok_after >= 30)
            break;
        apr_sleep(apr_time_from_msec(20));
    }
    note_outage(t0, (t_back ? t_back : now_s()) + 1);
    fprintf(stderr,
            "\n  restart: %d ok before, %d unavailable, %d other, %d ok after; "
            "pg_ctl took %.1f s, service back %.2f s after it\n",
            ok_before, unavailable, other, ok_after, t_done ? t_done - t0 : -1,
            t_back && t_done ? t_back - t_done : -1);
    CU_ASSERT(t_done > 0);
    CU_ASSERT(t_back > 0 && t_back - t_done < 10);
    CU_ASSERT_EQUAL(other, 0);
    CU_ASSERT(ok_after >= 30);
    /* every child: a burst on separate connections all succeed */
    for (i = 0; i < 40; i++) {
        r = it_request("GET", "/v1/account", h, NULL, 0);
        IT_ASSERT_R(r->status == 200, r);
    }
    r = it_request("GET", "/mcp/status", NULL, NULL, 0);
    CU_ASSERT_STRING_EQUAL(miq_json_str(r->json, "status", ""), "ok");
    /* the MCP surface too */
    r = mcp_2026_call("tools/list", NULL);
    CU_ASSERT_PTR_NOT_NULL(it_result(r));
}

/* A job created after the restart is claimed, run and billed once by the
 * worker, whose connections were lost too. */
static void test_worker_survives_restart(void)
{
    it_account *a = it_signup("pgrestart-job");
    const char *token = a ? it_create_token(a, "keys", "{\"name\":\"restart-job\"}", NULL, NULL)
                          : NULL;
    const char *upload, *job, *args[1];
    json_t *done;
    CU_ASSERT_PTR_NOT_NULL_FATAL(token);
    CU_ASSERT_FATAL(jt_grant(a->account_id, 50));
    CU_ASSERT_PTR_NOT_NULL_FATAL(upload = jt_upload(token, "speech.wav"));
    CU_ASSERT_PTR_NOT_NULL_FATAL(job = jt_create_rest(token, "audio/silence", upload, NULL));
    done = jt_wait_rest(token, job, JOB_TIMEOUT_S);
    CU_ASSERT(jt_succeeded(done));
    args[0] = job;
    CU_ASSERT_STRING_EQUAL(it_db_value("SELECT count(*) FROM credit_ledger WHERE job_id = $1 AND "
                                       "kind = 'settlement'",
                                       1, args),
                           "1");
}

IT_SUITE_LAST("zy_db_restart", IT_TEST(test_postgres_restart_recovers),
              IT_TEST(test_worker_survives_restart))
