/* Job services over a fake database (canned rows per catalog statement):
 * create validation, scope, outcomes, views, cursors, renderings, signed URLs
 * and the MCP tool surface. */
#include <string.h>
#include <apr_strings.h>
#include "endpoints/miq_endpoints.h"
#include "base/miq_crypto.h"
#include "jobs/miq_jobs.h"
#include "jobs/miq_jobs_int.h"
#include "base/miq_json.h"
#include "mcp/miq_mcp.h"
#include "billing/miq_pricing.h"
#include "mcp/miq_schema.h"
#include "base/miq_scope.h"
#include "fake_db.h"
#include "unit.h"
#include "jobs/miq_file_urls.h"
#include "tools/miq_server_build.h"

/* The last call of a statement, which must have run. */
static const fake_call *last(const fake_db *f, miq_sql_id_e id)
{
    const fake_call *c = fake_db_last(f, id);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    return c;
}

#define JOB_ID "job_0123456789abcdef"
#define BASE   "https://api.test"
static const unsigned char key[] = "0123456789abcdef0123456789abcdef";

/* A JOB_GET row (17 columns). */
static void can_job(fake_db *f, const char *status, const char *progress, const char *charged,
                    const char *err_code, const char *err_msg, const char *started,
                    const char *result)
{
    fake_db_can(f, MIQ_SQL_JOB_GET, 17, 1, JOB_ID, "audio/silence", "upl_1",
                "{\"min_silence_s\":0.5}", status, progress, "3", charged, "1", err_code, err_msg,
                "", "2026-01-02T03:04:05.678Z", started, "", "2026-01-02T03:04:06.000Z", result);
}

typedef struct fixture {
    miq_server *srv;
    fake_db *f;
    miq_caller caller;
    miq_jobs_env env;
} fixture;

static fixture *setup_fx(void)
{
    fixture *x = apr_pcalloc(utp, sizeof(*x));
    CU_ASSERT_PTR_NULL_FATAL(miq_server_build(utp, BASE, NULL, key, 32, 0, &x->srv));
    x->f = fake_db_new();
    x->caller.account_id = "42";
    x->caller.token_id = "tok_1";
    x->caller.scopes = MIQ_SCOPE_ALL;
    x->env.pool = utp;
    x->env.srv = x->srv;
    x->env.db = &x->f->db;
    x->env.caller = &x->caller;
    x->env.storage_dir = "/tmp/none";
    x->env.file_url_ttl_s = 600;
    x->env.now = apr_time_from_sec(1767323045); /* 2026-01-02T03:04:05Z */
    /* a ready 120.5 s upload */
    fake_db_can(x->f, MIQ_SQL_UPLOAD_GET, 10, 1, "upl_1", "a.mp3", "uploads/upl_1", "ready", "1000",
                "120.5", "null", "", "", "");
    return x;
}

static miq_reply create(fixture *x, const char *json)
{
    miq_reply r;
    json_t *req = miq_json_parse(utp, json, strlen(json), NULL);
    memset(&r, 0, sizeof(r));
    CU_ASSERT_PTR_NOT_NULL_FATAL(req);
    miq_jobs_create(&x->env, req, &r);
    return r;
}

static apr_int64_t silence_price(fixture *x, double d)
{
    miq_price_quote q;
    json_t *full = miq_endpoints_apply_defaults(utp, miq_endpoints_find("audio/silence"), NULL);
    CU_ASSERT_PTR_NULL(miq_pricing_estimate(x->srv->pricing, utp, "audio/silence", d, full, &q));
    return q.credits;
}

/* ---- create ---------------------------------------------------------------- */

static void test_create_validation(void)
{
    fixture *x = setup_fx();
    miq_reply r;
    char *long_key = apr_pcalloc(utp, 260);
    memset(long_key, 'k', 201);

    r = create(x, "{\"endpoint\":\"audio/nope\",\"upload_id\":\"upl_1\"}");
    CU_ASSERT_EQUAL(r.status, 400);
    CU_ASSERT_STRING_EQUAL(r.code, "invalid_request");
    CU_ASSERT_PTR_NOT_NULL(strstr(r.message, "audio/nope"));
    r = create(x, "{\"upload_id\":\"upl_1\"}");
    CU_ASSERT_EQUAL(r.status, 400);
    r = create(x, "{\"endpoint\":\"audio/silence\"}");
    CU_ASSERT_EQUAL(r.status, 400);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.message, "upload_id"));
    r = create(x, "{\"endpoint\":\"audio/silence\",\"upload_id\":\"upl_1\",\"params\":[1]}");
    CU_ASSERT_EQUAL(r.status, 400);
    r = create(x, "{\"endpoint\":\"audio/silence\",\"upload_id\":\"upl_1\","
                  "\"params\":{\"min_silence_s\":\"long\"}}");
    CU_ASSERT_EQUAL(r.status, 400);
    CU_ASSERT_STRING_EQUAL(r.code, "invalid_request");
    r = create(x, "{\"endpoint\":\"audio/silence\",\"upload_id\":\"upl_1\","
                  "\"params\":{\"bogus\":1}}");
    CU_ASSERT_EQUAL(r.status, 400);
    r = create(x, "{\"endpoint\":\"audio/silence\",\"upload_id\":\"upl_1\","
                  "\"idempotency_key\":\"\"}");
    CU_ASSERT_EQUAL(r.status, 400);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.message, "idempotency_key"));
    r = create(x, apr_psprintf(utp,
                               "{\"endpoint\":\"audio/silence\",\"upload_id\":\"upl_1\","
                               "\"idempotency_key\":\"%s\"}",
                               long_key));
    CU_ASSERT_EQUAL(r.status, 400);
    r = create(x, "{\"endpoint\":\"audio/silence\",\"upload_id\":\"upl_1\","
                  "\"idempotency_key\":7}");
    CU_ASSERT_EQUAL(r.status, 400);
    r = create(x, "{\"endpoint\":\"audio/silence\",\"upload_id\":\"upl_1\",\"max_credits\":-1}");
    CU_ASSERT_EQUAL(r.status, 400);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.message, "max_credits"));
    r = create(x, "{\"endpoint\":\"audio/silence\",\"upload_id\":\"upl_1\",\"max_credits\":1.5}");
    CU_ASSERT_EQUAL(r.status, 400);
    /* the guard: estimate above max_credits, with both numbers */
    r = create(x, "{\"endpoint\":\"audio/silence\",\"upload_id\":\"upl_1\",\"max_credits\":0}");
    CU_ASSERT_EQUAL(r.status, 400);
    CU_ASSERT_STRING_EQUAL(r.code, "invalid_request");
    CU_ASSERT_EQUAL(miq_json_int(r.body, "max_credits", -1), 0);
    CU_ASSERT_EQUAL(miq_json_int(r.body, "estimated_credits", -1), silence_price(x, 120.5));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.message, "above max_credits 0;"));
    /* nothing was enqueued by any of them */
    CU_ASSERT_EQUAL(x->f->calls[MIQ_SQL_JOB_CREATE], 0);
    /* anonymous */
    x->caller.account_id = NULL;
    r = create(x, "{\"endpoint\":\"audio/silence\",\"upload_id\":\"upl_1\"}");
    CU_ASSERT_EQUAL(r.status, 401);
}

static void test_create_scope(void)
{
    fixture *x = setup_fx();
    miq_reply r;
    x->caller.scopes = MIQ_SCOPE_AUDIO;
    r = create(x, "{\"endpoint\":\"video/scenes\",\"upload_id\":\"upl_1\"}");
    CU_ASSERT_EQUAL(r.status, 403);
    CU_ASSERT_STRING_EQUAL(r.code, "connector_scope_denied");
    CU_ASSERT_STRING_EQUAL(miq_json_str(r.body, "endpoint", ""), "video/scenes");
    CU_ASSERT_EQUAL(x->f->calls[MIQ_SQL_UPLOAD_GET], 0);
    CU_ASSERT_EQUAL(x->f->calls[MIQ_SQL_JOB_CREATE], 0);
    /* audio is allowed */
    fake_db_can(x->f, MIQ_SQL_JOB_CREATE, 2, 1, "created", JOB_ID);
    can_job(x->f, "queued", "0", "", "", "", "", "null");
    r = create(x, "{\"endpoint\":\"audio/silence\",\"upload_id\":\"upl_1\"}");
    CU_ASSERT_EQUAL(r.status, 201);
}

static void test_create_outcomes(void)
{
    fixture *x = setup_fx();
    miq_reply r;
    const char *const *a;
    apr_int64_t price = silence_price(x, 120.5);
    const char *req = "{\"endpoint\":\"audio/silence\",\"upload_id\":\"upl_1\","
                      "\"idempotency_key\":\"k1\",\"params\":{\"threshold_db\":-40}}";

    fake_db_can(x->f, MIQ_SQL_JOB_CREATE, 2, 1, "created", JOB_ID);
    can_job(x->f, "queued", "0", "", "", "", "", "null");
    r = create(x, req);
    CU_ASSERT_EQUAL(r.status, 201);
    CU_ASSERT_STRING_EQUAL(miq_json_str(r.body, "job_id", ""), JOB_ID);
    CU_ASSERT_STRING_EQUAL(miq_json_str(r.body, "status", ""), "queued");
    a = last(x->f, MIQ_SQL_JOB_CREATE)->args;
    CU_ASSERT_EQUAL(last(x->f, MIQ_SQL_JOB_CREATE)->nargs, 11);
    CU_ASSERT_STRING_EQUAL(a[9], "{0.5,0.8,1.0}"); /* the default alert thresholds */
    CU_ASSERT_PTR_NULL(a[10]);                     /* no traceparent sent */
    CU_ASSERT_EQUAL(strlen(a[0]), 20);
    CU_ASSERT_EQUAL(strncmp(a[0], "job_", 4), 0);
    CU_ASSERT_STRING_EQUAL(a[1], "42");
    CU_ASSERT_STRING_EQUAL(a[2], "tok_1");
    CU_ASSERT_STRING_EQUAL(a[3], "audio/silence");
    CU_ASSERT_STRING_EQUAL(a[4], "upl_1");
    /* params with defaults filled in */
    CU_ASSERT_PTR_NOT_NULL(strstr(a[5], "\"min_silence_s\":0.5"));
    CU_ASSERT_PTR_NOT_NULL(strstr(a[5], "\"threshold_db\":-40"));
    CU_ASSERT_EQUAL(strlen(a[6]), 64);
    CU_ASSERT_STRING_EQUAL(a[7], "k1");
    CU_ASSERT_STRING_EQUAL(a[8], apr_psprintf(utp, "%" APR_INT64_T_FMT, price));
    {
        /* the same request hashes the same, whatever the key order or defaults given */
        const char *h1 = apr_pstrdup(utp, a[6]);
        r = create(x, "{\"params\":{\"min_silence_s\":0.5,\"threshold_db\":-40},"
                      "\"upload_id\":\"upl_1\",\"endpoint\":\"audio/silence\","
                      "\"idempotency_key\":\"k1\"}");
        CU_ASSERT_STRING_EQUAL(last(x->f, MIQ_SQL_JOB_CREATE)->args[6], h1);
        r = create(x, "{\"endpoint\":\"audio/silence\",\"upload_id\":\"upl_1\","
                      "\"params\":{\"threshold_db\":-41}}");
        CU_ASSERT_STRING_NOT_EQUAL(last(x->f, MIQ_SQL_JOB_CREATE)->args[6], h1);
        CU_ASSERT_PTR_NULL(last(x->f, MIQ_SQL_JOB_CREATE)->args[7]);
    }

    fake_db_can(x->f, MIQ_SQL_JOB_CREATE, 2, 1, "existing", JOB_ID);
    r = create(x, req);
    CU_ASSERT_EQUAL(r.status, 200);
    CU_ASSERT_STRING_EQUAL(miq_json_str(r.body, "job_id", ""), JOB_ID);

    fake_db_can(x->f, MIQ_SQL_JOB_CREATE, 2, 1, "conflict", JOB_ID);
    r = create(x, req);
    CU_ASSERT_EQUAL(r.status, 409);
    CU_ASSERT_STRING_EQUAL(r.code, "conflict");
    CU_ASSERT_STRING_EQUAL(miq_json_str(r.body, "job_id", ""), JOB_ID);

    fake_db_can(x->f, MIQ_SQL_JOB_CREATE, 2, 1, "insufficient_credits", "1");
    r = create(x, req);
    CU_ASSERT_EQUAL(r.status, 402);
    CU_ASSERT_STRING_EQUAL(r.code, "insufficient_credits");
    CU_ASSERT_EQUAL(miq_json_int(r.body, "balance_credits", -1), 1);
    CU_ASSERT_EQUAL(miq_json_int(r.body, "estimated_credits", -1), price);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.message, "credits grant"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.message, apr_psprintf(utp,
                                                          "balance is 1 credits and this job "
                                                          "needs %" APR_INT64_T_FMT,
                                                          price)));

    fake_db_can(x->f, MIQ_SQL_JOB_CREATE, 2, 1, "not_found", "");
    r = create(x, req);
    CU_ASSERT_EQUAL(r.status, 404);
    CU_ASSERT_STRING_EQUAL(r.code, "not_found");

    fake_db_fail(x->f, MIQ_SQL_JOB_CREATE);
    r = create(x, req);
    CU_ASSERT_EQUAL(r.status, 503);
    CU_ASSERT_STRING_EQUAL(r.code, "server_error");

    /* unknown upload (or another account's): not_found before anything is created */
    x->f->by_id[MIQ_SQL_JOB_CREATE].fail = 0;
    fake_db_can(x->f, MIQ_SQL_UPLOAD_GET, 10, 0);
    x->f->calls[MIQ_SQL_JOB_CREATE] = 0;
    r = create(x, req);
    CU_ASSERT_EQUAL(r.status, 404);
    CU_ASSERT_EQUAL(x->f->calls[MIQ_SQL_JOB_CREATE], 0);
    CU_ASSERT_STRING_EQUAL(last(x->f, MIQ_SQL_UPLOAD_GET)->args[1], "42");
}

static void test_estimate(void)
{
    fixture *x = setup_fx();
    miq_reply r;
    json_t *req = miq_json_packp(utp, "{s:s,s:f}", "endpoint", "audio/silence", "duration_s", 61.0);
    memset(&r, 0, sizeof(r));
    x->caller.account_id = NULL;
    x->env.db = NULL;
    miq_jobs_estimate(&x->env, req, &r);
    CU_ASSERT_EQUAL(r.status, 200);
    CU_ASSERT_EQUAL(miq_json_int(r.body, "credits", -1), silence_price(x, 61.0));
    CU_ASSERT_TRUE(json_is_object(json_object_get(r.body, "params")));
    /* upload_id needs a token */
    req = miq_json_packp(utp, "{s:s,s:s}", "endpoint", "audio/silence", "upload_id", "upl_1");
    miq_jobs_estimate(&x->env, req, &r);
    CU_ASSERT_EQUAL(r.status, 401);
    x->caller.account_id = "42";
    x->env.db = &x->f->db;
    miq_jobs_estimate(&x->env, req, &r);
    CU_ASSERT_EQUAL(r.status, 200);
    CU_ASSERT_EQUAL(miq_json_int(r.body, "credits", -1), silence_price(x, 120.5));
    req = miq_json_packp(utp, "{s:s}", "endpoint", "audio/silence");
    miq_jobs_estimate(&x->env, req, &r);
    CU_ASSERT_EQUAL(r.status, 400);
}

/* ---- views, get, cancel ---------------------------------------------------- */

static void test_view_fields(void)
{
    fixture *x = setup_fx();
    miq_reply r;
    json_t *err;
    memset(&r, 0, sizeof(r));
    /* running for 10 s at 40 % -> 15 s left */
    can_job(x->f, "running", "40", "", "", "", "2026-01-02T03:03:55.000Z", "null");
    miq_jobs_get(&x->env, JOB_ID, 0, &r);
    CU_ASSERT_EQUAL_FATAL(r.status, 200);
    CU_ASSERT_STRING_EQUAL(miq_json_str(r.body, "job_id", ""), JOB_ID);
    CU_ASSERT_STRING_EQUAL(miq_json_str(r.body, "endpoint", ""), "audio/silence");
    CU_ASSERT_STRING_EQUAL(miq_json_str(r.body, "status", ""), "running");
    CU_ASSERT_EQUAL(miq_json_int(r.body, "progress", -1), 40);
    CU_ASSERT_STRING_EQUAL(miq_json_str(r.body, "upload_id", ""), "upl_1");
    CU_ASSERT_EQUAL(miq_json_num(json_object_get(r.body, "params"), "min_silence_s", 0), 0.5);
    CU_ASSERT_TRUE(json_is_null(json_object_get(r.body, "idempotency_key")));
    CU_ASSERT_EQUAL(miq_json_int(r.body, "estimated_credits", -1), 3);
    CU_ASSERT_TRUE(json_is_null(json_object_get(r.body, "charged_credits")));
    CU_ASSERT_EQUAL(miq_json_int(r.body, "attempts", -1), 1);
    CU_ASSERT_TRUE(json_is_null(json_object_get(r.body, "error")));
    CU_ASSERT_STRING_EQUAL(miq_json_str(r.body, "created_at", ""), "2026-01-02T03:04:05.678Z");
    CU_ASSERT_STRING_EQUAL(miq_json_str(r.body, "started_at", ""), "2026-01-02T03:03:55.000Z");
    CU_ASSERT_TRUE(json_is_null(json_object_get(r.body, "finished_at")));
    CU_ASSERT_STRING_EQUAL(miq_json_str(r.body, "updated_at", ""), "2026-01-02T03:04:06.000Z");
    CU_ASSERT_STRING_EQUAL(miq_json_str(r.body, "result_url", ""),
                           BASE "/v1/jobs/" JOB_ID "/result");
    CU_ASSERT_EQUAL(miq_json_int(r.body, "eta_s", -1), 15);
    CU_ASSERT_STRING_EQUAL(last(x->f, MIQ_SQL_JOB_GET)->args[1], "42");
    /* the view satisfies the catalog's job schema */
    {
        json_t *schema = miq_json_parse(utp, miq_endpoints_job_schema,
                                        strlen(miq_endpoints_job_schema), NULL);
        CU_ASSERT_PTR_NULL(miq_schema_validate(utp, schema, r.body));
    }

    can_job(x->f, "failed", "12", "", "unsupported_media", "the media has no audio stream", "",
            "null");
    miq_jobs_get(&x->env, JOB_ID, 0, &r);
    err = json_object_get(r.body, "error");
    CU_ASSERT_STRING_EQUAL(miq_json_str(err, "code", ""), "unsupported_media");
    CU_ASSERT_STRING_EQUAL(miq_json_str(err, "message", ""), "the media has no audio stream");
    CU_ASSERT_PTR_NULL(json_object_get(r.body, "eta_s"));

    can_job(x->f, "succeeded", "100", "2", "", "", "", "{}");
    miq_jobs_get(&x->env, JOB_ID, 45, &r); /* terminal: answers at once */
    CU_ASSERT_EQUAL(miq_json_int(r.body, "charged_credits", -1), 2);

    miq_jobs_get(&x->env, JOB_ID, 46, &r);
    CU_ASSERT_EQUAL(r.status, 400);
    fake_db_can(x->f, MIQ_SQL_JOB_GET, 17, 0);
    miq_jobs_get(&x->env, JOB_ID, 0, &r);
    CU_ASSERT_EQUAL(r.status, 404);
    miq_jobs_get(&x->env, "../etc", 0, &r);
    CU_ASSERT_EQUAL(r.status, 404);
}

static void test_cancel(void)
{
    fixture *x = setup_fx();
    miq_reply r;
    memset(&r, 0, sizeof(r));
    fake_db_can(x->f, MIQ_SQL_JOB_CANCEL, 1, 1, "canceled");
    can_job(x->f, "canceled", "0", "", "", "", "", "null");
    miq_jobs_cancel(&x->env, JOB_ID, &r);
    CU_ASSERT_EQUAL(r.status, 200);
    CU_ASSERT_STRING_EQUAL(miq_json_str(r.body, "status", ""), "canceled");
    fake_db_can(x->f, MIQ_SQL_JOB_CANCEL, 1, 1, "succeeded");
    miq_jobs_cancel(&x->env, JOB_ID, &r);
    CU_ASSERT_EQUAL(r.status, 409);
    CU_ASSERT_STRING_EQUAL(r.code, "conflict");
    CU_ASSERT_STRING_EQUAL(miq_json_str(r.body, "status", ""), "succeeded");
    fake_db_can(x->f, MIQ_SQL_JOB_CANCEL, 1, 1, "not_found");
    miq_jobs_cancel(&x->env, JOB_ID, &r);
    CU_ASSERT_EQUAL(r.status, 404);
}

/* Reads and writes of a job need its endpoint's scope, not only creation. */
static void test_scopes_on_reads_and_writes(void)
{
    fixture *x = setup_fx();
    miq_reply r;
    memset(&r, 0, sizeof(r));
    x->caller.scopes = MIQ_SCOPE_VIDEO; /* the canned job is audio/silence */
    can_job(x->f, "succeeded", "100", "3", "", "", "", "{}");
    miq_jobs_get(&x->env, JOB_ID, 0, &r);
    CU_ASSERT_EQUAL(r.status, 403);
    CU_ASSERT_STRING_EQUAL(r.code, "connector_scope_denied");
    miq_jobs_result(&x->env, JOB_ID, "json", &r, NULL, NULL);
    CU_ASSERT_EQUAL(r.status, 403);
    miq_jobs_refresh_outputs(&x->env, JOB_ID, &r);
    CU_ASSERT_EQUAL(r.status, 403);
    fake_db_can(x->f, MIQ_SQL_JOB_CANCEL, 1, 1, "canceled");
    miq_jobs_cancel(&x->env, JOB_ID, &r);
    CU_ASSERT_EQUAL(r.status, 403);
    CU_ASSERT_EQUAL(x->f->calls[MIQ_SQL_JOB_CANCEL], 0); /* refused before the write */

    fake_db_can(x->f, MIQ_SQL_JOB_LIST, 17, 0);
    miq_jobs_list(&x->env, NULL, NULL, 0, &r);
    CU_ASSERT_EQUAL(r.status, 200);
    CU_ASSERT_STRING_EQUAL(last(x->f, MIQ_SQL_JOB_LIST)->args[MIQ_JLA_FAMILIES], "{video}");
    x->caller.scopes = MIQ_SCOPE_AUDIO | MIQ_SCOPE_TIMELINE;
    miq_jobs_list(&x->env, NULL, NULL, 0, &r);
    CU_ASSERT_STRING_EQUAL(last(x->f, MIQ_SQL_JOB_LIST)->args[MIQ_JLA_FAMILIES],
                           "{audio,timeline}");

    x->caller.scopes = MIQ_SCOPE_AUDIO; /* the job's own family: allowed */
    miq_jobs_get(&x->env, JOB_ID, 0, &r);
    CU_ASSERT_EQUAL(r.status, 200);
    miq_jobs_cancel(&x->env, JOB_ID, &r);
    CU_ASSERT_EQUAL(r.status, 200);
    CU_ASSERT_EQUAL(x->f->calls[MIQ_SQL_JOB_CANCEL], 1);
    x->caller.scopes = MIQ_SCOPE_ALL;
    miq_jobs_list(&x->env, NULL, NULL, 0, &r);
    CU_ASSERT_PTR_NULL(last(x->f, MIQ_SQL_JOB_LIST)->args[MIQ_JLA_FAMILIES]);
}

/* ---- list and cursor ------------------------------------------------------- */

#define LIST_ROW(id, created, us)                                                                  \
    id, "audio/silence", "upl_1", "{}", "succeeded", "100", "3", "3", "1", "", "", "", created,    \
        "", "", created, us

static void test_cursor_round_trip(void)
{
    fixture *x = setup_fx();
    miq_reply r;
    const char *cursor;
    apr_size_t n;
    unsigned char *raw;
    memset(&r, 0, sizeof(r));
    fake_db_can(x->f, MIQ_SQL_JOB_LIST, 17, 3,
                LIST_ROW("job_c", "2026-01-02T03:00:03.000Z", "2026-01-02T03:00:03.000123Z"),
                LIST_ROW("job_b", "2026-01-02T03:00:02.000Z", "2026-01-02T03:00:02.000456Z"),
                LIST_ROW("job_a", "2026-01-02T03:00:01.000Z", "2026-01-02T03:00:01.000789Z"));
    miq_jobs_list(&x->env, NULL, NULL, 2, &r);
    CU_ASSERT_EQUAL_FATAL(r.status, 200);
    CU_ASSERT_EQUAL(json_array_size(json_object_get(r.body, "jobs")), 2);
    CU_ASSERT_STRING_EQUAL(last(x->f, MIQ_SQL_JOB_LIST)->args[MIQ_JLA_LIMIT],
                           "3"); /* one more than asked */
    CU_ASSERT_PTR_NULL(last(x->f, MIQ_SQL_JOB_LIST)->args[MIQ_JLA_CURSOR_TIME]);
    cursor = miq_json_str(r.body, "next_cursor", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(cursor);
    raw = miq_b64url_decode(utp, cursor, &n);
    CU_ASSERT_EQUAL(n, strlen("2026-01-02T03:00:02.000456Z|job_b"));
    CU_ASSERT_EQUAL(memcmp(raw, "2026-01-02T03:00:02.000456Z|job_b", n), 0);

    fake_db_can(x->f, MIQ_SQL_JOB_LIST, 17, 1,
                LIST_ROW("job_a", "2026-01-02T03:00:01.000Z", "2026-01-02T03:00:01.000789Z"));
    miq_jobs_list(&x->env, apr_pstrdup(utp, cursor), "succeeded", 2, &r);
    CU_ASSERT_EQUAL_FATAL(r.status, 200);
    CU_ASSERT_STRING_EQUAL(last(x->f, MIQ_SQL_JOB_LIST)->args[MIQ_JLA_ACCOUNT], "42");
    CU_ASSERT_STRING_EQUAL(last(x->f, MIQ_SQL_JOB_LIST)->args[MIQ_JLA_CURSOR_TIME],
                           "2026-01-02T03:00:02.000456Z");
    CU_ASSERT_STRING_EQUAL(last(x->f, MIQ_SQL_JOB_LIST)->args[MIQ_JLA_CURSOR_TIME2],
                           "2026-01-02T03:00:02.000456Z");
    CU_ASSERT_STRING_EQUAL(last(x->f, MIQ_SQL_JOB_LIST)->args[MIQ_JLA_CURSOR_ID], "job_b");
    CU_ASSERT_STRING_EQUAL(last(x->f, MIQ_SQL_JOB_LIST)->args[MIQ_JLA_STATUS], "succeeded");
    CU_ASSERT_TRUE(json_is_null(json_object_get(r.body, "next_cursor")));

    miq_jobs_list(&x->env, "not-a-cursor", NULL, 0, &r);
    CU_ASSERT_EQUAL(r.status, 400);
    miq_jobs_list(&x->env, miq_b64url_encode(utp, (const unsigned char *)"x|y", 3), NULL, 0, &r);
    CU_ASSERT_EQUAL(r.status, 400);
    miq_jobs_list(&x->env, NULL, "done", 0, &r);
    CU_ASSERT_EQUAL(r.status, 400);
    miq_jobs_list(&x->env, NULL, NULL, 101, &r);
    CU_ASSERT_EQUAL(r.status, 400);
    miq_jobs_list(&x->env, NULL, NULL, 0, &r);
    CU_ASSERT_STRING_EQUAL(last(x->f, MIQ_SQL_JOB_LIST)->args[MIQ_JLA_LIMIT], "21");
}

/* ---- results and renderings ------------------------------------------------ */

static const char audio_result[] =
    "{\"endpoint\":\"audio/silence\",\"params\":{},\"media\":{\"duration_s\":10,"
    "\"has_audio\":true,\"has_video\":false},"
    "\"silences\":[{\"start\":1.52,\"end\":2.24,\"duration\":0.72,\"score\":0.9},"
    "{\"start\":0,\"end\":0.48,\"duration\":0.48,\"score\":1}],"
    "\"peaks\":[{\"time\":5,\"rms_db\":-3,\"score\":0.8}]}";

static const char *render(fixture *x, const char *format, const char **ct)
{
    miq_reply r;
    const char *text = NULL;
    memset(&r, 0, sizeof(r));
    miq_jobs_result(&x->env, JOB_ID, format, &r, ct, &text);
    CU_ASSERT_EQUAL(r.status, 200);
    return text ? text : "";
}

static void test_renderings(void)
{
    fixture *x = setup_fx();
    const char *ct = NULL, *t;
    can_job(x->f, "succeeded", "100", "1", "", "", "", audio_result);
    t = render(x, "vtt", &ct);
    CU_ASSERT_STRING_EQUAL(ct, "text/vtt; charset=utf-8");
    CU_ASSERT_STRING_EQUAL(t, "WEBVTT\n"
                              "\n1\n00:00:00.000 --> 00:00:00.480\nSilence 1\n"
                              "\n2\n00:00:01.520 --> 00:00:02.240\nSilence 2\n"
                              "\n3\n00:00:05.000 --> 00:00:06.000\nPeak 1\n");
    t = render(x, "csv", &ct);
    CU_ASSERT_STRING_EQUAL(ct, "text/csv; charset=utf-8");
    CU_ASSERT_STRING_EQUAL(t, "type,start,end,duration,score,label\n"
                              "silence,0.000,0.480,0.480,1.000,Silence 1\n"
                              "silence,1.520,2.240,0.720,0.900,Silence 2\n"
                              "peak,5.000,5.000,0.000,0.800,Peak 1\n");
    t = render(x, "edl", &ct);
    CU_ASSERT_STRING_EQUAL(t, "TITLE: " JOB_ID " audio/silence\n"
                              "FCM: NON-DROP FRAME\n\n"
                              "001  AX       A     C        00:00:00:00 00:00:00:12 "
                              "00:00:00:00 00:00:00:12\n"
                              "* FROM CLIP NAME: Silence 1\n"
                              "002  AX       A     C        00:00:01:13 00:00:02:06 "
                              "00:00:00:12 00:00:01:05\n"
                              "* FROM CLIP NAME: Silence 2\n"
                              "003  AX       A     C        00:00:05:00 00:00:06:00 "
                              "00:00:01:05 00:00:02:05\n"
                              "* FROM CLIP NAME: Peak 1\n");

    /* video: scenes win over cuts, labels are quoted in CSV, timecodes at the media fps */
    can_job(x->f, "succeeded", "100", "1", "", "", "",
            "{\"endpoint\":\"video/scenes\",\"media\":{\"duration_s\":4,\"has_video\":true,"
            "\"fps\":25},\"cuts\":[{\"time\":2,\"frame\":50,\"timecode\":\"00:00:02:00\","
            "\"score\":0.7}],\"scenes\":[{\"index\":1,\"start\":2,\"end\":4,\"score\":0.7},"
            "{\"index\":0,\"start\":0,\"end\":2,\"score\":1}],"
            "\"clips\":[{\"index\":0,\"start\":1,\"end\":1.5,\"label\":\"a, \\\"b\\\"\","
            "\"mode\":\"copy\"}]}");
    t = render(x, "csv", &ct);
    CU_ASSERT_STRING_EQUAL(t, "type,start,end,duration,score,label\n"
                              "scene,0.000,2.000,2.000,1.000,Scene 1\n"
                              "clip,1.000,1.500,0.500,,\"a, \"\"b\"\"\"\n"
                              "scene,2.000,4.000,2.000,0.700,Scene 2\n");

    t = render(x, "edl", &ct);
    CU_ASSERT_PTR_NOT_NULL(strstr(t, "001  AX       V     C        00:00:00:00 00:00:02:00 "
                                     "00:00:00:00 00:00:02:00\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(t, "* FROM CLIP NAME: a, \"b\"\n"));
    /* a label a spreadsheet would run as a formula is defused */
    can_job(x->f, "succeeded", "100", "1", "", "", "",
            "{\"endpoint\":\"video/clips\",\"media\":{\"duration_s\":4,\"has_video\":true,"
            "\"fps\":25},\"clips\":[{\"index\":0,\"start\":1,\"end\":2,"
            "\"label\":\"=HYPERLINK(\\\"http://x\\\")\",\"mode\":\"copy\"},"
            "{\"index\":1,\"start\":2,\"end\":3,\"label\":\"@SUM(A1)\",\"mode\":\"copy\"},"
            "{\"index\":2,\"start\":3,\"end\":4,\"label\":\"-2+3\",\"mode\":\"copy\"}]}");
    t = render(x, "csv", &ct);
    CU_ASSERT_STRING_EQUAL(t, "type,start,end,duration,score,label\n"
                              "clip,1.000,2.000,1.000,,\"'=HYPERLINK(\"\"http://x\"\")\"\n"
                              "clip,2.000,3.000,1.000,,\"'@SUM(A1)\"\n"
                              "clip,3.000,4.000,1.000,,\"'-2+3\"\n");
}

static void test_result_states_and_urls(void)
{
    fixture *x = setup_fx();
    miq_reply r;
    const char *ct, *text, *url, *q, *exp, *sig, *path;
    json_t *frame, *outputs;
    memset(&r, 0, sizeof(r));
    can_job(x->f, "running", "50", "", "", "", "", "null");
    miq_jobs_result(&x->env, JOB_ID, "json", &r, &ct, &text);
    CU_ASSERT_EQUAL(r.status, 409);
    CU_ASSERT_STRING_EQUAL(r.code, "conflict");
    CU_ASSERT_STRING_EQUAL(miq_json_str(r.body, "status", ""), "running");
    can_job(x->f, "failed", "10", "", "unsupported_media", "no audio", "", "null");
    miq_jobs_result(&x->env, JOB_ID, NULL, &r, &ct, &text);
    CU_ASSERT_EQUAL(r.status, 409);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.message, "no audio"));
    CU_ASSERT_STRING_EQUAL(miq_json_str(json_object_get(r.body, "job_error"), "code", ""),
                           "unsupported_media");
    miq_jobs_refresh_outputs(&x->env, JOB_ID, &r);
    CU_ASSERT_EQUAL(r.status, 409);
    miq_jobs_result(&x->env, JOB_ID, "pdf", &r, &ct, &text);
    CU_ASSERT_EQUAL(r.status, 400);

    can_job(x->f, "succeeded", "100", "1", "", "", "",
            "{\"endpoint\":\"video/frames\",\"media\":{\"duration_s\":4},\"frames\":[{\"index\":0,"
            "\"time\":1,\"frame\":25,\"timecode\":\"00:00:01:00\",\"file\":\"frame_000.jpg\"}]}");
    miq_jobs_result(&x->env, JOB_ID, "json", &r, &ct, &text);
    CU_ASSERT_EQUAL_FATAL(r.status, 200);
    CU_ASSERT_PTR_NULL(text);
    frame = json_array_get(json_object_get(r.body, "frames"), 0);
    url = miq_json_str(frame, "url", "");
    CU_ASSERT_EQUAL(strncmp(url, BASE "/files/" JOB_ID "/frame_000.jpg?exp=",
                            strlen(BASE "/files/" JOB_ID "/frame_000.jpg?exp=")),
                    0);
    CU_ASSERT_STRING_EQUAL(miq_json_str(frame, "expires_at", ""), "2026-01-02T03:14:05Z");
    CU_ASSERT_STRING_EQUAL(miq_json_str(frame, "url_expires_at", ""), "2026-01-02T03:14:05Z");
    q = strchr(url, '?');
    exp = apr_pstrndup(utp, q + 5, (apr_size_t)(strchr(q, '&') - q - 5));
    sig = strstr(q, "&sig=") + 5;
    path = JOB_ID "/frame_000.jpg";
    CU_ASSERT_TRUE(miq_file_sig_ok(utp, x->srv, path, exp, sig, x->env.now));

    miq_jobs_refresh_outputs(&x->env, JOB_ID, &r);
    CU_ASSERT_EQUAL_FATAL(r.status, 200);
    outputs = json_object_get(r.body, "outputs");
    CU_ASSERT_EQUAL(json_array_size(outputs), 1);
    CU_ASSERT_STRING_EQUAL(miq_json_str(json_array_get(outputs, 0), "url", ""), url);
    CU_ASSERT_STRING_EQUAL(miq_json_str(json_array_get(outputs, 0), "list", ""), "frames");
}

/* ---- signed URLs ------------------------------------------------------------- */

static void test_signed_urls(void)
{
    fixture *x = setup_fx();
    apr_time_t now = x->env.now, exp_t = now + apr_time_from_sec(60);
    const char *url = miq_file_url(utp, x->srv, "job_1/a b.jpg", exp_t), *exp, *sig;
    char *bad;
    CU_ASSERT_PTR_NOT_NULL_FATAL(url);
    CU_ASSERT_PTR_NOT_NULL(strstr(url, "/files/job_1/a%20b.jpg?exp="));
    exp = apr_psprintf(utp, "%" APR_TIME_T_FMT, apr_time_sec(exp_t));
    sig = strstr(url, "&sig=") + 5;
    CU_ASSERT_TRUE(miq_file_sig_ok(utp, x->srv, "job_1/a b.jpg", exp, sig, now));
    /* tampered path, expiry, signature */
    CU_ASSERT_FALSE(miq_file_sig_ok(utp, x->srv, "job_2/a b.jpg", exp, sig, now));
    CU_ASSERT_FALSE(
        miq_file_sig_ok(utp, x->srv, "job_1/a b.jpg",
                        apr_psprintf(utp, "%" APR_TIME_T_FMT, apr_time_sec(exp_t) + 1000), sig,
                        now));
    bad = apr_pstrdup(utp, sig);
    bad[0] = bad[0] == 'A' ? 'B' : 'A';
    CU_ASSERT_FALSE(miq_file_sig_ok(utp, x->srv, "job_1/a b.jpg", exp, bad, now));
    CU_ASSERT_FALSE(miq_file_sig_ok(utp, x->srv, "job_1/a b.jpg", exp, "", now));
    CU_ASSERT_FALSE(miq_file_sig_ok(utp, x->srv, "job_1/a b.jpg", "-5", sig, now));
    /* expired */
    CU_ASSERT_FALSE(
        miq_file_sig_ok(utp, x->srv, "job_1/a b.jpg", exp, sig, exp_t + apr_time_from_sec(1)));
    CU_ASSERT_FALSE(miq_file_sig_ok(utp, x->srv, "job_1/a b.jpg", exp, sig, exp_t));
    /* traversal refused both ways */
    CU_ASSERT_PTR_NULL(miq_file_url(utp, x->srv, "../secret", exp_t));
    CU_ASSERT_PTR_NULL(miq_file_url(utp, x->srv, "job_1/../../x", exp_t));
    CU_ASSERT_PTR_NULL(miq_file_url(utp, x->srv, "/etc/passwd", exp_t));
    CU_ASSERT_PTR_NULL(miq_file_url(utp, x->srv, "job_1//a", exp_t));
    CU_ASSERT_PTR_NULL(miq_file_url(utp, x->srv, "job_1\\a", exp_t));
    CU_ASSERT_PTR_NULL(miq_file_url(utp, x->srv, "", exp_t));
    CU_ASSERT_FALSE(miq_file_sig_ok(utp, x->srv, "job_1/../a b.jpg", exp, sig, now));
}

/* ---- MCP tools ----------------------------------------------------------------- */

static json_t *tool_call(fixture *x, const char *body, json_t **events)
{
    miq_mcp_call c;
    miq_rpc_msg *msg = apr_pcalloc(utp, sizeof(*msg));
    int code;
    const char *out;
    CU_ASSERT_PTR_NULL_FATAL(miq_rpc_parse(utp, body, strlen(body), msg, &code));
    memset(&c, 0, sizeof(c));
    c.pool = utp;
    c.srv = x->srv;
    c.caller = &x->caller;
    c.msg = msg;
    c.era = MIQ_ERA_2025;
    c.protocol_version = "2025-11-25";
    c.client_caps = miq_json_pool(utp, json_object());
    c.db = &x->f->db;
    c.file_url_ttl_s = 600;
    out = miq_mcp_dispatch(&c);
    *events = c.events;
    return json_object_get(miq_json_parse(utp, out, strlen(out), NULL), "result");
}

static void test_tools(void)
{
    fixture *x = setup_fx();
    json_t *res, *events, *sc;
    x->caller.scopes = MIQ_SCOPE_AUDIO;
    res = tool_call(x,
                    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{"
                    "\"name\":\"momentiq.create_job\",\"arguments\":{\"endpoint\":"
                    "\"video/scenes\",\"upload_id\":\"upl_1\"}}}",
                    &events);
    CU_ASSERT_TRUE(json_is_true(json_object_get(res, "isError")));
    sc = json_object_get(res, "structuredContent");
    CU_ASSERT_STRING_EQUAL(miq_json_str(json_object_get(sc, "error"), "code", ""),
                           "connector_scope_denied");
    CU_ASSERT_EQUAL(json_array_size(events), 1);
    CU_ASSERT_STRING_EQUAL(miq_json_str(json_array_get(events, 0), "kind", ""),
                           "connector_scope_denied");
    CU_ASSERT_STRING_EQUAL(miq_json_str(json_array_get(events, 0), "code", ""), "video/scenes");

    fake_db_can(x->f, MIQ_SQL_JOB_CREATE, 2, 1, "insufficient_credits", "0");
    res = tool_call(x,
                    "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{"
                    "\"name\":\"momentiq.create_job\",\"arguments\":{\"endpoint\":"
                    "\"audio/silence\",\"upload_id\":\"upl_1\",\"max_credits\":100}}}",
                    &events);
    sc = json_object_get(res, "structuredContent");
    CU_ASSERT_STRING_EQUAL(miq_json_str(json_object_get(sc, "error"), "code", ""),
                           "insufficient_credits");
    CU_ASSERT_EQUAL(miq_json_int(sc, "balance_credits", -1), 0);
    CU_ASSERT_EQUAL(miq_json_int(sc, "estimated_credits", -1), silence_price(x, 120.5));

    can_job(x->f, "queued", "0", "", "", "", "", "null");
    res = tool_call(x,
                    "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{"
                    "\"name\":\"momentiq.get_job\",\"arguments\":{\"job_id\":\"" JOB_ID "\"}}}",
                    &events);
    CU_ASSERT_PTR_NULL(json_object_get(res, "isError"));
    CU_ASSERT_STRING_EQUAL(miq_json_str(json_object_get(res, "structuredContent"), "status", ""),
                           "queued");
    res = tool_call(x,
                    "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/call\",\"params\":{"
                    "\"name\":\"momentiq.get_job\",\"arguments\":{\"job_id\":\"" JOB_ID
                    "\",\"wait_s\":46}}}",
                    &events);
    CU_ASSERT_TRUE(json_is_true(json_object_get(res, "isError")));
}

MIQ_SUITE("jobs", MIQ_TEST(test_create_validation), MIQ_TEST(test_create_scope),
          MIQ_TEST(test_create_outcomes), MIQ_TEST(test_estimate), MIQ_TEST(test_view_fields),
          MIQ_TEST(test_cancel), MIQ_TEST(test_scopes_on_reads_and_writes),
          MIQ_TEST(test_cursor_round_trip), MIQ_TEST(test_renderings),
          MIQ_TEST(test_result_states_and_urls), MIQ_TEST(test_signed_urls), MIQ_TEST(test_tools))
