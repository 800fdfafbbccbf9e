/* core/ops: W3C traceparent validation, report periods and output, and the
 * live counters' OpenMetrics text (attached to ordinary memory here; httpd
 * gives them a shared segment). */
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include <apr_tables.h>
#include "unit.h"
#include "ops/miq_trace.h"
#include "ops/miq_reports.h"
#include "ops/miq_metrics.h"

static void test_traceparent_valid(void)
{
    char tp[MIQ_TRACEPARENT_LEN + 1], id[33];
    CU_ASSERT_PTR_NULL(
        miq_traceparent_parse("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", tp));
    CU_ASSERT_STRING_EQUAL(tp, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
    miq_traceparent_trace_id(tp, id);
    CU_ASSERT_STRING_EQUAL(id, "0af7651916cd43dd8448eb211c80319c");
    /* upper case is normalised; a later version may carry more fields */
    CU_ASSERT_PTR_NULL(
        miq_traceparent_parse("00-0AF7651916CD43DD8448EB211C80319C-B7AD6B7169203331-00", tp));
    CU_ASSERT_STRING_EQUAL(tp, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00");
    CU_ASSERT_PTR_NULL(miq_traceparent_parse(
        "cc-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-what-the-future-holds", tp));
    CU_ASSERT_EQUAL(strlen(tp), MIQ_TRACEPARENT_LEN);
}

static void test_traceparent_invalid(void)
{
    static const char *const bad[] = {
        "",
        "00",
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-0",
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra",
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01 ",
        "ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        "00-00000000000000000000000000000000-b7ad6b7169203331-01",
        "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",
        "00-0af7651916cd43dd8448eb211c80319g-b7ad6b7169203331-01",
        "00_0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        "cc-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01x",
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\n",
    };
    char tp[MIQ_TRACEPARENT_LEN + 1];
    size_t i;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CU_ASSERT_PTR_NOT_NULL(miq_traceparent_parse(bad[i], tp));
        CU_ASSERT_STRING_EQUAL(tp, "");
    }
    CU_ASSERT_PTR_NOT_NULL(miq_traceparent_parse(NULL, tp));
}

static void test_report_dates(void)
{
    apr_time_t t;
    CU_ASSERT_PTR_NULL(miq_report_time_parse("2026-12-07", &t));
    CU_ASSERT_STRING_EQUAL(miq_report_time_sql(utp, t), "2026-12-07 00:00:00+00");
    CU_ASSERT_PTR_NULL(miq_report_time_parse("2024-02-29T23:59:58Z", &t));
    CU_ASSERT_STRING_EQUAL(miq_report_time_sql(utp, t), "2024-02-29 23:59:58+00");
    CU_ASSERT_PTR_NULL(miq_report_time_parse("2026-01-31T08:05Z", &t));
    CU_ASSERT_STRING_EQUAL(miq_report_time_sql(utp, t), "2026-01-31 08:05:00+00");
    /* now, as the default --until: its microseconds are kept */
    CU_ASSERT_STRING_EQUAL(miq_report_time_sql(utp, t + 250), "2026-01-31 08:05:00.000250+00");
    CU_ASSERT_PTR_NOT_NULL(miq_report_time_parse("2025-02-29", &t));
    CU_ASSERT_PTR_NOT_NULL(miq_report_time_parse("2026-13-01", &t));
    CU_ASSERT_PTR_NOT_NULL(miq_report_time_parse("2026-04-31", &t));
    CU_ASSERT_PTR_NOT_NULL(miq_report_time_parse("2026-12-07T24:00Z", &t));
    CU_ASSERT_PTR_NOT_NULL(miq_report_time_parse("2026-12-07T10:00", &t));
    CU_ASSERT_PTR_NOT_NULL(miq_report_time_parse("2026-12-07 10:00Z", &t));
    CU_ASSERT_PTR_NOT_NULL(miq_report_time_parse("2026-12-07'; DROP TABLE jobs; --", &t));
    CU_ASSERT_PTR_NOT_NULL(miq_report_time_parse("yesterday", &t));
    CU_ASSERT_PTR_NOT_NULL(miq_report_time_parse(NULL, &t));
}

static apr_array_header_t *rows_of(const char *const *cells, int nrows, int ncols)
{
    apr_array_header_t *a = apr_array_make(utp, nrows, sizeof(const char **));
    int i;
    for (i = 0; i < nrows; i++)
        APR_ARRAY_PUSH(a, const char **) = (const char **)cells + i * ncols;
    return a;
}

static void test_report_render(void)
{
    const miq_report *r = miq_report_find("top-spenders");
    static const char *const cells[] = {"7",  "a,\"b\"@example.com", "3", "120", "8", "=cmd()", "1",
                                        "5.5"};
    const char *out;
    int n;
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_PTR_NULL(miq_report_find("no-such-report"));
    miq_reports_all(&n);
    CU_ASSERT_EQUAL(n, 13);
    CU_ASSERT_EQUAL(miq_report_format_parse("csv"), MIQ_REPORT_CSV);
    CU_ASSERT_EQUAL(miq_report_format_parse("xml"), -1);

    out = miq_report_render(utp, r, rows_of(cells, 2, 4), MIQ_REPORT_CSV);
    CU_ASSERT_STRING_EQUAL(out, "account_id,email,jobs,credits_charged\r\n"
                                "7,\"a,\"\"b\"\"@example.com\",3,120\r\n"
                                "8,\"'=cmd()\",1,5.5\r\n");
    out = miq_report_render(utp, r, rows_of(cells, 2, 4), MIQ_REPORT_JSON);
    CU_ASSERT_STRING_EQUAL(out,
                           "[{\"account_id\":7,\"email\":\"a,\\\"b\\\"@example.com\",\"jobs\":3,"
                           "\"credits_charged\":120},{\"account_id\":8,\"email\":\"=cmd()\","
                           "\"jobs\":1,\"credits_charged\":5.5}]\n");
    out = miq_report_render(utp, r, rows_of(cells, 0, 4), MIQ_REPORT_TABLE);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "(no rows)"));
    out = miq_report_render(utp, r, rows_of(cells, 2, 4), MIQ_REPORT_TABLE);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "account_id  email"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\n8           =cmd()"));
}

static int count_of(const char *text, const char *needle)
{
    int n = 0;
    const char *c = text;
    while ((c = strstr(c, needle))) {
        n++;
        c += strlen(needle);
    }
    return n;
}

static void test_metrics_text(void)
{
    void *mem = calloc(1, miq_metrics_size());
    miq_metrics_db db;
    const char *out;
    int i;
    CU_ASSERT_PTR_NOT_NULL_FATAL(mem);
    miq_metrics_attach(mem);
    CU_ASSERT_EQUAL(miq_metrics_surface("/mcp"), MIQ_SURFACE_MCP);
    CU_ASSERT_EQUAL(miq_metrics_surface("/mcpx"), MIQ_SURFACE_OTHER);
    CU_ASSERT_EQUAL(miq_metrics_surface("/v1/jobs"), MIQ_SURFACE_API);
    CU_ASSERT_EQUAL(miq_metrics_surface("/api/auth/oauth/token"), MIQ_SURFACE_OAUTH);
    CU_ASSERT_EQUAL(miq_metrics_surface("/.well-known/oauth-authorization-server"),
                    MIQ_SURFACE_OAUTH);
    CU_ASSERT_EQUAL(miq_metrics_surface("/api/dashboard/tokens"), MIQ_SURFACE_DASHBOARD);
    CU_ASSERT_EQUAL(miq_metrics_surface("/files/x"), MIQ_SURFACE_FILES);

    miq_metrics_mcp("tools/call", "momentiq.create_job", "ok", NULL, 0.015);
    miq_metrics_mcp("tools/call", "momentiq.create_job", "tool_error", NULL, 400);
    miq_metrics_mcp("tools/call", "<script>", "rpc_error", "-32602", 0.001);
    miq_metrics_mcp("bogus\"method\n", NULL, "rpc_error", "-32601", 0.001);
    miq_metrics_request(MIQ_SURFACE_API, 402);
    miq_metrics_request(MIQ_SURFACE_API, 200);
    miq_metrics_sse(1);
    miq_metrics_sse(1);
    miq_metrics_sse(-1);
    memset(&db, 0, sizeof(db));
    out = miq_metrics_openmetrics(utp, &db);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "mcp_server_operation_duration_seconds_bucket{mcp_method_"
                                       "name=\"tools/call\",gen_ai_tool_name=\"momentiq.create_"
                                       "job\",le=\"0.02\"} 1\n"));
    /* 400 s is beyond the last bucket: only +Inf and _count hold it */
    CU_ASSERT_PTR_NOT_NULL(
        strstr(out, "gen_ai_tool_name=\"momentiq.create_job\",le=\"300.0\"} 1\n"));
    CU_ASSERT_PTR_NOT_NULL(
        strstr(out, "gen_ai_tool_name=\"momentiq.create_job\",le=\"+Inf\"} 2\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(
        out,
        "momentiq_tool_calls_total{gen_ai_tool_name=\"momentiq.create_job\",outcome=\"error\"} 1\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "gen_ai_tool_name=\"(unknown)\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "mcp_method_name=\"(unknown)\""));
    CU_ASSERT_PTR_NULL(strstr(out, "<script>"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "momentiq_http_refusals_total{code=\"402\"} 1\n"));
    CU_ASSERT_PTR_NOT_NULL(
        strstr(out, "momentiq_http_requests_total{surface=\"api\",outcome=\"ok\"} 1\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "momentiq_sse_streams 1\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "momentiq_database_up 0\n"));
    CU_ASSERT_PTR_NULL(strstr(out, "momentiq_jobs_queued"));
    CU_ASSERT_EQUAL(strcmp(out + strlen(out) - 6, "# EOF\n"), 0);

    /* names a client makes up fill the slots, then fold into "(other)" */
    for (i = 0; i < 200; i++)
        miq_metrics_mcp(apr_psprintf(utp, "notifications/x%d", i), NULL, "accepted", NULL, 0.001);
    out = miq_metrics_openmetrics(utp, &db);
    CU_ASSERT(count_of(out, "_count{") <= 64);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "mcp_method_name=\"(other)\""));

    db.ok = 1;
    db.queued = 3;
    db.oldest_queued_s = 12.5;
    out = miq_metrics_openmetrics(utp, &db);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "momentiq_jobs_queued 3\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "momentiq_queue_oldest_age_seconds 12.500\n"));
    out = miq_metrics_status(utp, &db, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "MomentIQQueueDepth: 3\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "MomentIQRefusals_402: 1\n"));

    /* attaching the same segment again (a graceful restart) keeps the counts */
    miq_metrics_attach(mem);
    CU_ASSERT_PTR_NOT_NULL(strstr(miq_metrics_openmetrics(utp, &db), "momentiq_sse_streams 1\n"));
    miq_metrics_attach(NULL);
    miq_metrics_request(MIQ_SURFACE_API, 500); /* a no-op, not a crash */
    free(mem);
}

static void add_total(apr_array_header_t *a, const char *m, const char *l1, const char *l2,
                      double v)
{
    miq_metric_total *t = apr_array_push(a);
    t->metric = m;
    t->label1 = l1;
    t->label2 = l2;
    t->value = v;
}

/* The database's counters (sql/020) printed as OpenMetrics families. */
static void test_metrics_totals(void)
{
    miq_metrics_db db;
    apr_array_header_t *totals = apr_array_make(utp, 8, sizeof(miq_metric_total));
    const char *out;
    memset(&db, 0, sizeof(db));
    db.ok = 1;
    /* without the table (an older schema) nothing is printed */
    CU_ASSERT_PTR_NULL(strstr(miq_metrics_openmetrics(utp, &db), "momentiq_jobs_created"));
    db.totals = totals;
    out = miq_metrics_openmetrics(utp, &db);
    /* every family is there before its first row; an unlabelled counter reads 0 */
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "# TYPE momentiq_jobs_finished counter\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "momentiq_credits_charged_total 0\n"));
    CU_ASSERT_PTR_NULL(strstr(out, "momentiq_jobs_finished_total"));

    add_total(totals, "credits_added", "grant", "", 500);
    add_total(totals, "credits_charged", "", "", 42);
    add_total(totals, "job_queue_wait_seconds", "0.1", "", 1);
    add_total(totals, "job_queue_wait_seconds", "+Inf", "", 3);
    add_total(totals, "job_queue_wait_seconds", "_sum", "", 7.25);
    add_total(totals, "jobs_finished", "audio/silence", "succeeded", 2);
    add_total(totals, "jobs_finished", "evil\"\n\\", "failed", 1);
    add_total(totals, "not_a_metric_we_know", "", "", 9);
    out = miq_metrics_openmetrics(utp, &db);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "momentiq_credits_added_total{kind=\"grant\"} 500\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "momentiq_credits_charged_total 42\n"));
    CU_ASSERT_PTR_NULL(strstr(out, "momentiq_credits_charged_total 0\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(
        out, "momentiq_jobs_finished_total{endpoint=\"audio/silence\",status=\"succeeded\"} 2\n"));
    /* a label value is escaped, never breaks the line */
    CU_ASSERT_PTR_NOT_NULL(
        strstr(out,
               "momentiq_jobs_finished_total{endpoint=\"evil\\\"\\n\\\\\",status=\"failed\"} 1\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "# UNIT momentiq_job_queue_wait_seconds seconds\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "momentiq_job_queue_wait_seconds_bucket{le=\"0.1\"} 1\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "momentiq_job_queue_wait_seconds_bucket{le=\"+Inf\"} 3\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "momentiq_job_queue_wait_seconds_count 3\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "momentiq_job_queue_wait_seconds_sum 7.250000\n"));
    CU_ASSERT_PTR_NULL(strstr(out, "not_a_metric_we_know"));
    CU_ASSERT_EQUAL(strcmp(out + strlen(out) - 6, "# EOF\n"), 0);
}

MIQ_SUITE("ops", MIQ_TEST(test_traceparent_valid), MIQ_TEST(test_traceparent_invalid),
          MIQ_TEST(test_report_dates), MIQ_TEST(test_report_render), MIQ_TEST(test_metrics_text),
          MIQ_TEST(test_metrics_totals))
