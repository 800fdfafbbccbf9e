/* Runs after every other suite (IT_SUITE_LAST): no secret the run created or
 * presented (passwords, token secrets, session cookie values, CSRF tokens,
 * Authorization header values; noted with it_secret_note) may appear in any
 * log file of the stack or in any row of any table. The one exception is
 * by design: auth_sessions.csrf_token holds each session's CSRF token (the
 * synchronizer token is compared server-side; it is worthless without the
 * cookie, whose value is stored only as a hash). */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <apr_strings.h>
#include "itest.h"
#include "base/miq_json.h"

/* A credential of every kind, so the checks below never run on nothing
 * (this suite alone, or before other suites note anything). */
static void test_secrets_generate(void)
{
    it_account *a = it_signup("secrets");
    const char *key, *id, *h[2] = {NULL, NULL}, *body;
    const char *ct[] = {"Content-Type: application/json", NULL};
    it_resp *r;
    IT_REQUIRE_R(a != NULL, NULL);
    body = apr_psprintf(itp, "{\"email\":%s,\"password\":%s}", it_quote(a->email),
                        it_quote(a->password));
    r = it_request("POST", "/api/auth/login", ct, body, strlen(body));
    IT_ASSERT_R(r->status == 200, r);
    it_secret_note(it_set_cookie(r, "miq_session", NULL));
    it_secret_note(miq_json_str(r->json, "csrf_token", NULL));
    key = it_create_token(a, "keys", "{\"name\":\"secrets\"}", &id, NULL);
    IT_REQUIRE_R(key != NULL, NULL);
    h[0] = it_bearer(key);
    IT_ASSERT_R(it_request("GET", "/v1/account", h, NULL, 0)->status == 200, NULL);
    r = it_request("POST", apr_psprintf(itp, "/api/dashboard/keys/%s/revoke", id),
                   it_session_headers(a, 1, NULL), "", 0);
    IT_ASSERT_R(r->status == 200, r);
    IT_ASSERT_R(it_request("GET", "/v1/account", h, NULL, 0)->status == 401, NULL);
    {
        json_t *p = mcp_2026_params(NULL);
        r = it_post(mcp_2026_headers("tools/list", p, h), it_rpc_body("tools/list", p, -1));
        IT_ASSERT_R(r->status == 401, r);
    }
    IT_ASSERT_MSG(it_secrets()->nelts >= 6, "%d secrets noted", it_secrets()->nelts);
}

/* The secrets found in text, as "name: secret..." lines (NULL: none). */
static const char *leaks(const char *where, const char *text)
{
    const apr_array_header_t *s = it_secrets();
    const char *found = NULL;
    int i;
    for (i = 0; text && i < s->nelts; i++) {
        const char *secret = APR_ARRAY_IDX(s, i, const char *);
        if (strstr(text, secret))
            found = apr_psprintf(itp, "%s\n    %s: %.12s... (secret #%d)", found ? found : "",
                                 where, secret, i);
    }
    return found;
}

/* Every regular file under dir (recursively): "path" list of what was read. */
static int scan_dir(const char *dir, const char **report, int *files)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    if (!d)
        return 0;
    while ((e = readdir(d))) {
        const char *path, *text, *l;
        struct stat st;
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        path = apr_pstrcat(itp, dir, "/", e->d_name, NULL);
        if (stat(path, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            scan_dir(path, report, files);
            continue;
        }
        if (!S_ISREG(st.st_mode))
            continue;
        text = it_read_file(path, 0);
        IT_ASSERT_MSG(text != NULL, "cannot read %s", path);
        (*files)++;
        if ((l = leaks(path, text)))
            *report = apr_pstrcat(itp, *report ? *report : "", l, NULL);
    }
    closedir(d);
    return 1;
}

/* The detector itself: a noted secret inside other text is found. */
static void test_secrets_detector(void)
{
    const apr_array_header_t *s = it_secrets();
    const char *last;
    IT_REQUIRE_R(s->nelts > 0, NULL);
    last = APR_ARRAY_IDX(s, s->nelts - 1, const char *);
    IT_ASSERT_R(leaks("probe", apr_pstrcat(itp, "GET /x?", last, " HTTP/1.1", NULL)) != NULL, NULL);
    IT_ASSERT_R(leaks("probe", "nothing secret here") == NULL, NULL);
}

static void test_secrets_not_in_logs(void)
{
    const char *logs, *stack, *report = NULL;
    int files = 0;
    IT_REQUIRE_R(itenv.error_log != NULL, NULL);
    IT_REQUIRE_R(it_secrets()->nelts > 0, NULL);
    logs = apr_pstrdup(itp, itenv.error_log);
    *strrchr((char *)logs, '/') = 0; /* httpd/logs */
    IT_ASSERT_MSG(scan_dir(logs, &report, &files), "cannot open %s", logs);
    /* the stack's other logs: the worker's and PostgreSQL's */
    stack = apr_pstrdup(itp, logs);
    *strrchr((char *)stack, '/') = 0;
    *strrchr((char *)stack, '/') = 0;
    scan_dir(apr_pstrcat(itp, stack, "/log", NULL), &report, &files);
    scan_dir(apr_pstrcat(itp, stack, "/pg/log", NULL), &report, &files);
    IT_ASSERT_MSG(files >= 2, "only %d log files found under %s", files, stack);
    IT_ASSERT_MSG(report == NULL, "secrets in log files:%s", report);
    fprintf(stderr, "\n  %d secrets checked against %d log files\n", it_secrets()->nelts, files);
}

static void test_secrets_not_in_tables(void)
{
    it_rows *tables = it_db_query("SELECT table_name FROM information_schema.tables WHERE "
                                  "table_schema = 'public' AND table_type = 'BASE TABLE' "
                                  "ORDER BY 1",
                                  0, NULL);
    const char *report = NULL;
    long rows_seen = 0;
    int t;
    IT_REQUIRE_R(tables->error == NULL && tables->n >= 5, NULL);
    IT_REQUIRE_R(it_secrets()->nelts > 0, NULL);
    for (t = 0; t < tables->n; t++) {
        const char *name = IT_CELL(tables, t, 0);
        int csrf_col = !strcmp(name, "auth_sessions");
        const char *sql = apr_psprintf(itp, "SELECT %s FROM public.\"%s\" t",
                                       csrf_col ? "(to_jsonb(t) - 'csrf_token')::text" : "t::text",
                                       name);
        it_rows *rows = it_db_query(sql, 0, NULL);
        int i;
        IT_ASSERT_MSG(rows->error == NULL, "%s: %s", name, rows->error);
        for (i = 0; i < rows->n; i++) {
            const char *l = leaks(name, IT_CELL(rows, i, 0));
            if (l)
                report = apr_pstrcat(itp, report ? report : "", l, NULL);
        }
        rows_seen += rows->n;
    }
    /* the CSRF column holds CSRF tokens and nothing else we noted: a secret
     * there must be the whole value (a CSRF token), never part of one */
    {
        it_rows *rows = it_db_query("SELECT csrf_token FROM auth_sessions", 0, NULL);
        const apr_array_header_t *s = it_secrets();
        int i, j;
        for (i = 0; !rows->error && i < rows->n; i++)
            for (j = 0; j < s->nelts; j++) {
                const char *secret = APR_ARRAY_IDX(s, j, const char *);
                const char *v = IT_CELL(rows, i, 0);
                if (v && strstr(v, secret) && strcmp(v, secret))
                    report = apr_psprintf(itp, "%s\n    auth_sessions.csrf_token: %.12s...",
                                          report ? report : "", secret);
            }
    }
    IT_ASSERT_MSG(report == NULL, "secrets in tables:%s", report);
    fprintf(stderr, "\n  %d secrets checked against %ld rows of %d tables\n", it_secrets()->nelts,
            rows_seen, tables->n);
}

IT_SUITE_LAST("zz_secrets_auth", IT_TEST(test_secrets_generate), IT_TEST(test_secrets_detector),
              IT_TEST(test_secrets_not_in_logs), IT_TEST(test_secrets_not_in_tables))
