#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include "ops/miq_reports.h"
#include "base/miq_json.h"

static const miq_report reports[] = {
    {"mcp-init-success",
     "MCP initialize and tools/list success rate per day",
     MIQ_SQL_REPORT_MCP_INIT_SUCCESS,
     5,
     {"day", "rpc_method", "calls", "ok", "success_pct"}},
    {"paid-tool-errors",
     "errors of the paid tools (momentiq.create_job), by error code",
     MIQ_SQL_REPORT_PAID_TOOL_ERRORS,
     5,
     {"tool", "error_code", "errors", "calls", "error_pct"}},
    {"refusals",
     "billing_required, connector_scope_denied and revoked-token refusals per day",
     MIQ_SQL_REPORT_REFUSALS,
     4,
     {"day", "refusal", "surface", "count"}},
    {"queue-age",
     "worker queue: queued now and the oldest's age, then wait per day",
     MIQ_SQL_REPORT_QUEUE_AGE,
     5,
     {"day", "jobs", "wait_avg_s", "wait_p95_s", "wait_max_s"}},
    {"failed-jobs",
     "failed jobs by endpoint and error code",
     MIQ_SQL_REPORT_FAILED_JOBS,
     4,
     {"endpoint", "error_code", "failed", "last_failed_at"}},
    {"connector-usage",
     "usage and revenue (credits charged) by connector",
     MIQ_SQL_REPORT_CONNECTOR_USAGE,
     5,
     {"connector", "jobs", "succeeded", "credits_charged", "accounts"}},
    {"top-spenders",
     "top MCP users (connector tokens) by credits spent",
     MIQ_SQL_REPORT_TOP_SPENDERS,
     4,
     {"account_id", "email", "jobs", "credits_charged"}},
    {"top-failed",
     "top MCP users (connector tokens) by failed jobs",
     MIQ_SQL_REPORT_TOP_FAILED,
     5,
     {"account_id", "email", "failed", "jobs", "top_error"}},
    {"top-tools",
     "most-used MCP tools, with errors and latency",
     MIQ_SQL_REPORT_TOP_TOOLS,
     6,
     {"tool", "calls", "errors", "error_pct", "avg_latency_ms", "max_latency_ms"}},
    {"readiness-warnings",
     "most common account readiness warnings",
     MIQ_SQL_REPORT_READINESS_WARNINGS,
     4,
     {"code", "times", "accounts", "last_seen"}},
    {"clip-workflows",
     "workflows (endpoints chained on one upload) that create the most clips",
     MIQ_SQL_REPORT_CLIP_WORKFLOWS,
     4,
     {"workflow", "clip_jobs", "clips", "accounts"}},
    {"rate-limit-refusals",
     "rate-limit refusals per day and class",
     MIQ_SQL_REPORT_RATE_LIMIT_REFUSALS,
     3,
     {"day", "class", "refusals"}},
    {"webhook-failures",
     "webhook deliveries that failed, per day and event type",
     MIQ_SQL_REPORT_WEBHOOK_FAILURES,
     6,
     {"day", "event_type", "failed_attempts", "events_given_up", "endpoints", "last_error"}},
};

const miq_report *miq_reports_all(int *n)
{
    *n = (int)(sizeof(reports) / sizeof(reports[0]));
    return reports;
}

const miq_report *miq_report_find(const char *name)
{
    size_t i;
    for (i = 0; name && i < sizeof(reports) / sizeof(reports[0]); i++)
        if (!strcmp(reports[i].name, name))
            return &reports[i];
    return NULL;
}

static int digits(const char *s, int n, int *out)
{
    int i, v = 0;
    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 1;
}

const char *miq_report_time_parse(const char *s, apr_time_t *out)
{
    static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    apr_time_exp_t t;
    int y, mo, d, h = 0, mi = 0, sec = 0;
    size_t n = s ? strlen(s) : 0;
    memset(&t, 0, sizeof(t));
    if (n < 10 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) || s[7] != '-' ||
        !digits(s + 8, 2, &d))
        return "a date is YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS]Z (UTC)";
    if (n > 10) {
        if (s[10] != 'T' || n < 17 || !digits(s + 11, 2, &h) || s[13] != ':' ||
            !digits(s + 14, 2, &mi))
            return "a date is YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS]Z (UTC)";
        if (n == 20 && s[16] == ':' && digits(s + 17, 2, &sec) && s[19] == 'Z')
            ;
        else if (!(n == 17 && s[16] == 'Z'))
            return "a date is YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS]Z (UTC)";
    }
    if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
        (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) || h > 23 ||
        mi > 59 || sec > 59)
        return "the date does not exist";
    t.tm_year = y - 1900;
    t.tm_mon = mo - 1;
    t.tm_mday = d;
    t.tm_hour = h;
    t.tm_min = mi;
    t.tm_sec = sec;
    if (apr_time_exp_gmt_get(out, &t) != APR_SUCCESS)
        return "the date does not exist";
    return NULL;
}

const char *miq_report_time_sql(apr_pool_t *p, apr_time_t at)
{
    apr_time_exp_t t;
    apr_time_exp_gmt(&t, at);
    /* Microseconds too: the default --until is now, and rows written in the
     * current second must fall before it. */
    if (t.tm_usec)
        return apr_psprintf(p, "%04d-%02d-%02d %02d:%02d:%02d.%06d+00", t.tm_year + 1900,
                            t.tm_mon + 1, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, t.tm_usec);
    return apr_psprintf(p, "%04d-%02d-%02d %02d:%02d:%02d+00", t.tm_year + 1900, t.tm_mon + 1,
                        t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec);
}

int miq_report_format_parse(const char *s)
{
    if (!s)
        return -1;
    if (!strcmp(s, "table"))
        return MIQ_REPORT_TABLE;
    if (!strcmp(s, "csv"))
        return MIQ_REPORT_CSV;
    if (!strcmp(s, "json"))
        return MIQ_REPORT_JSON;
    return -1;
}

static const char *cell(const apr_array_header_t *rows, int i, int c)
{
    const char *v = APR_ARRAY_IDX(rows, i, const char **)[c];
    return v ? v : "";
}

/* RFC 4180: quoted when it holds a comma, quote or line break. A cell
 * starting with = + - @ is prefixed with ' so a spreadsheet never runs it
 * (emails and tool names are user-chosen text). */
static const char *csv_field(apr_pool_t *p, const char *v)
{
    const char *lead = (*v == '=' || *v == '+' || *v == '@' ||
                        (*v == '-' && !(v[1] >= '0' && v[1] <= '9')))
                           ? "'"
                           : "";
    if (!strpbrk(v, ",\"\r\n") && !*lead)
        return v;
    {
        apr_size_t n = strlen(v);
        char *o = apr_palloc(p, 2 * n + 4), *w = o;
        const char *c;
        *w++ = '"';
        if (*lead)
            *w++ = '\'';
        for (c = v; *c; c++) {
            if (*c == '"')
                *w++ = '"';
            *w++ = *c;
        }
        *w++ = '"';
        *w = 0;
        return o;
    }
}

/* A number as JSON keeps it: -?digits(.digits)? only. */
static json_t *json_cell(const char *v)
{
    const char *c = v;
    int dot = 0;
    if (!*v)
        return json_null();
    if (*c == '-')
        c++;
    if (!*c || strlen(v) > 18)
        return json_string(v);
    for (; *c; c++) {
        if (*c == '.' && !dot && c[1])
            dot = 1;
        else if (*c < '0' || *c > '9')
            return json_string(v);
    }
    return dot ? json_real(strtod(v, NULL)) : json_integer(strtoll(v, NULL, 10));
}

/* Table cells are shown on one line: control characters become '?'. */
static const char *one_line(apr_pool_t *p, const char *v)
{
    char *o = apr_pstrdup(p, v), *c;
    for (c = o; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            *c = '?';
    return o;
}

const char *miq_report_render(apr_pool_t *p, const miq_report *r, const apr_array_header_t *rows,
                              miq_report_format_e fmt)
{
    apr_array_header_t *out = apr_array_make(p, rows->nelts + 2, sizeof(const char *));
    int i, c;
    if (fmt == MIQ_REPORT_JSON) {
        json_t *arr = miq_json_pool(p, json_array());
        for (i = 0; i < rows->nelts; i++) {
            json_t *o = json_object();
            for (c = 0; c < r->ncols; c++)
                json_object_set_new(o, r->cols[c], json_cell(cell(rows, i, c)));
            json_array_append_new(arr, o);
        }
        return apr_pstrcat(p, miq_json_dump(p, arr), "\n", NULL);
    }
    if (fmt == MIQ_REPORT_CSV) {
        const char *line = "";
        for (c = 0; c < r->ncols; c++)
            line = apr_pstrcat(p, line, c ? "," : "", r->cols[c], NULL);
        APR_ARRAY_PUSH(out, const char *) = apr_pstrcat(p, line, "\r\n", NULL);
        for (i = 0; i < rows->nelts; i++) {
            line = "";
            for (c = 0; c < r->ncols; c++)
                line = apr_pstrcat(p, line, c ? "," : "", csv_field(p, cell(rows, i, c)), NULL);
            APR_ARRAY_PUSH(out, const char *) = apr_pstrcat(p, line, "\r\n", NULL);
        }
        return apr_array_pstrcat(p, out, 0);
    }
    {
        int width[MIQ_REPORT_MAX_COLS];
        const char *line;
        for (c = 0; c < r->ncols; c++) {
            width[c] = (int)strlen(r->cols[c]);
            for (i = 0; i < rows->nelts; i++) {
                int w = (int)strlen(cell(rows, i, c));
                if (w > width[c])
                    width[c] = w > 60 ? 60 : w;
            }
        }
        for (i = -1; i < rows->nelts; i++) {
            line = "";
            for (c = 0; c < r->ncols; c++) {
                const char *v = i < 0 ? r->cols[c] : one_line(p, cell(rows, i, c));
                line = apr_psprintf(p, "%s%s%-*s", line, c ? "  " : "",
                                    c == r->ncols - 1 ? 0 : width[c], v);
            }
            APR_ARRAY_PUSH(out, const char *) = apr_pstrcat(p, line, "\n", NULL);
        }
        if (!rows->nelts)
            APR_ARRAY_PUSH(out, const char *) = "(no rows)\n";
        return apr_array_pstrcat(p, out, 0);
    }
}
