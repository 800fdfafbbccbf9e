/* Integration tests: CUnit suites that talk HTTP (libcurl) to a running
 * httpd + mod_momentiq and read its PostgreSQL cluster (libpq). No mocks.
 * Each file of cases/ registers its suite with IT_SUITE; support/it_main.c
 * runs them all (or those named on the command line) and prints one final
 * line "integration: N passed, N failed". The helpers declared here are
 * defined in support/ (one file per group: it_http.c, it_sse.c, it_rpc.c,
 * it_db.c, it_files.c, it_accounts.c, it_servers.c).
 *
 * Environment (set by ./build.sh test):
 *   MIQ_TEST_URL        http://127.0.0.1:PORT (the server's MomentIQBaseURL)
 *   MIQ_TEST_DB         libpq conninfo of the test cluster
 *   MIQ_TEST_ERROR_LOG  httpd's error_log (its directory also holds access_log)
 *   MIQ_TEST_ROOT       the repository */
#ifndef MIQ_ITEST_H
#define MIQ_ITEST_H

#include <stdio.h>
#include <sys/types.h>
#include <string.h>
#include <CUnit/CUnit.h>
#include <apr_pools.h>
#include <apr_tables.h>
#include <apr_time.h>
#include <jansson.h>

typedef struct it_test {
    const char *name;
    CU_TestFunc fn;
} it_test;

void it_register(const char *suite, const it_test *tests);

#define IT_SUITE(suite, ...)                                                                       \
    static const it_test it_suite_tests_[] = {__VA_ARGS__, {NULL, NULL}};                          \
    __attribute__((constructor)) static void it_suite_register_(void)                              \
    {                                                                                              \
        it_register(suite, it_suite_tests_);                                                       \
    }
#define IT_TEST(fn)                                                                                \
    {                                                                                              \
#fn, fn                                                                                    \
    }

/* A fresh pool per test, destroyed after it. */
extern apr_pool_t *itp;

typedef struct it_env {
    const char *url;       /* no trailing slash */
    const char *db;        /* may be NULL: DB checks then fail */
    const char *error_log; /* may be NULL */
    const char *root;
    const char *tls_dir;  /* cert.pem (its own CA) + key.pem for 127.0.0.1; may be NULL */
    long error_log_start; /* error_log size when the run began */
} it_env;
extern it_env itenv;

/* ---- HTTP ------------------------------------------------------------------- */

/* One SSE event's data, parsed as JSON (NULL if it was not JSON), and when it
 * arrived at the client. */
typedef struct it_event {
    json_t *json;
    const char *data;
    const char *event; /* the "event:" field or NULL */
    apr_time_t at;
} it_event;

typedef struct it_resp {
    long status; /* 0: transport failure (see curl_error) */
    const char *curl_error;
    apr_table_t *headers; /* response headers (case-insensitive lookup) */
    const char *ctype;    /* Content-Type or "" */
    const char *body;
    apr_size_t len;
    json_t *json;               /* body parsed as JSON (any content type), or NULL */
    apr_array_header_t *events; /* it_event, when the body is text/event-stream */
    json_t *rpc;                /* the JSON-RPC response: the JSON body, or the SSE event
                                    carrying result/error */
    apr_time_t started, done;
} it_resp;

#define IT_CHUNKED 1 /* send the body with Transfer-Encoding: chunked */

/* method "GET"/"POST"/...; path relative to MIQ_TEST_URL or a full URL;
 * headers a NULL-terminated list of "Name: value" (may be NULL); body may be
 * NULL. Never follows redirects. */
it_resp *it_request(const char *method, const char *path, const char *const *headers,
                    const char *body, apr_size_t len);
it_resp *it_request_ex(const char *method, const char *path, const char *const *headers,
                       const char *body, apr_size_t len, int flags);

/* on: later it_request calls (in this test) share one connection (HTTP
 * keep-alive, so one httpd child serves them all); off: one connection each. */
void it_keepalive(int on);

/* Parses an SSE body into it_event entries (at = 0). */
apr_array_header_t *it_sse_parse(apr_pool_t *p, const char *body, apr_size_t len);

/* A response header, or NULL. */
const char *it_header(const it_resp *r, const char *name);

/* Streaming: start a request, read SSE events as they arrive, answer other
 * requests on separate connections meanwhile, then finish. */
typedef struct it_stream it_stream;
it_stream *it_stream_start(const char *method, const char *path, const char *const *headers,
                           const char *body);
/* The next SSE event (in arrival order), waiting up to timeout_ms; NULL when
 * the response ended or the time ran out. */
it_event *it_stream_next(it_stream *s, int timeout_ms);
/* Waits for the end (up to timeout_ms) and returns the whole response. */
it_resp *it_stream_finish(it_stream *s, int timeout_ms);

/* n requests at once over n connections (curl multi). */
typedef struct it_req {
    const char *method, *path;
    const char *const *headers;
    const char *body;
} it_req;
it_resp **it_parallel(int n, const it_req *reqs, int timeout_ms);

/* ---- JSON-RPC / MCP ------------------------------------------------------------ */

#define IT_V2025  "2025-11-25"
#define IT_V2026  "2026-07-28"
#define IT_CLIENT "miq-itest"

/* A JSON-RPC request body (id auto-numbered when id < 0). params may be NULL. */
const char *it_rpc_body(const char *method, const json_t *params, long id);
long it_next_id(void);

/* The headers every POST /mcp sends, plus extra (NULL-terminated). */
const char *const *it_mcp_headers(const char *const *extra);

/* POST a body to /mcp with the standard headers plus extra. */
it_resp *it_post(const char *const *extra, const char *body);

/* 2025 era. */
const char *mcp_2025_session(void); /* initialize (2025-11-25) + notifications/initialized */
/* version NULL: 2025-11-25; caps NULL: {sampling,elicitation}; init gets the
 * initialize response when not NULL. */
const char *mcp_2025_session_ex(const char *version, const char *client_name, json_t *caps,
                                it_resp **init);
it_resp *mcp_2025_call(const char *sid, const char *method, const json_t *params);
it_resp *mcp_2025_call_ex(const char *sid, const char *method, const json_t *params,
                          const char *const *extra);

/* 2026 era: adds params._meta (protocolVersion, clientCapabilities,
 * clientInfo; keys already in params._meta win) and the MCP-Protocol-Version,
 * Mcp-Method and Mcp-Name headers. */
it_resp *mcp_2026_call(const char *method, const json_t *params);
json_t *mcp_2026_params(const json_t *params); /* params with the _meta added */
/* The 2026 headers for method/params (Mcp-Name from params.name or .uri), plus
 * extra; without Content-Type/Accept (it_post adds those, it_mcp_headers too). */
const char *const *mcp_2026_headers(const char *method, const json_t *params,
                                    const char *const *extra);

/* Accessors on it_resp->rpc. */
json_t *it_result(const it_resp *r);     /* result object or NULL */
json_t *it_error(const it_resp *r);      /* error object or NULL */
long it_error_code(const it_resp *r);    /* error.code or 0 */
int it_id_is(const it_resp *r, long id); /* rpc.id == id */
long it_body_id(const char *body);       /* the id in a request body we built */

/* Pool-bound JSON from text (NULL and a message on stderr if invalid). */
json_t *it_json(const char *text);
json_t *it_jsonf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *it_dump(const json_t *v);
/* s as a JSON string literal (quoted, escaped). */
const char *it_quote(const char *s);

/* tools/list (2025 with sid, 2026 when sid is NULL): the tool named name. */
json_t *it_find_by_name(const json_t *array, const char *name);

/* ---- PostgreSQL ---------------------------------------------------------------- */

typedef struct it_rows {
    int n, cols;
    const char **cell; /* n * cols, NULL for SQL NULL */
    const char *error; /* NULL when the query ran */
} it_rows;
#define IT_CELL(rows, r, c) ((rows)->cell[(r) * (rows)->cols + (c)])

it_rows *it_db_query(const char *sql, int nparams, const char *const *params);
/* First column of the first row, or NULL. */
const char *it_db_value(const char *sql, int nparams, const char *const *params);

/* ---- files ------------------------------------------------------------------------ */

/* The file's text from offset (NULL if unreadable). */
const char *it_read_file(const char *path, long offset);
/* A path inside the test stack's directory (MOMENTIQ_VAR: the one holding
 * httpd/logs/error_log), or NULL when unknown. */
const char *it_stack_path(const char *name);
/* Writes text to path (replacing it); 0 on success. */
int it_write_file(const char *path, const char *text);
/* A new private directory NAME-XXXXXX for a test's files (media, fake
 * servers' logs), inside one directory of the run that is removed when the
 * runner exits (kept when MIQ_IT_KEEP_TMP is set); NULL on failure. The
 * returned string lives as long as the run. */
const char *it_tmpdir(const char *name);
/* Lines of error_log written since the run began that contain needle. */
const char *it_error_log_grep(const char *needle);

/* ---- assertions with context --------------------------------------------------- */

void it_show(const char *what, const it_resp *r);

/* Asserts cond; on failure prints the response. */
#define IT_ASSERT_R(cond, resp)                                                                    \
    do {                                                                                           \
        int ok_ = !!(cond);                                                                        \
        CU_assertImplementation(ok_, __LINE__, #cond, __FILE__, "", CU_FALSE);                     \
        if (!ok_)                                                                                  \
            it_show(#cond, (resp));                                                                \
    } while (0)

#define IT_ASSERT_MSG(cond, ...)                                                                   \
    do {                                                                                           \
        int ok_ = !!(cond);                                                                        \
        CU_assertImplementation(ok_, __LINE__, #cond, __FILE__, "", CU_FALSE);                     \
        if (!ok_) {                                                                                \
            fprintf(stderr, "\n  %s:%d: ", __FILE__, __LINE__);                                    \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fprintf(stderr, "\n");                                                                 \
        }                                                                                          \
    } while (0)

/* Null-safe string equality with both values printed on failure. */
#define IT_ASSERT_STRING_EQUAL(actual, expected)                                                   \
    do {                                                                                           \
        const char *a_ = (actual), *e_ = (expected);                                               \
        IT_ASSERT_MSG(a_ &&e_ && !strcmp(a_, e_), "%s: got \"%s\", want \"%s\"", #actual,          \
                      a_ ? a_ : "(null)", e_ ? e_ : "(null)");                                     \
    } while (0)

/* Fatal variant: stops the test when cond is false. */
#define IT_REQUIRE_R(cond, resp)                                                                   \
    do {                                                                                           \
        int ok_ = !!(cond);                                                                        \
        if (!ok_)                                                                                  \
            it_show(#cond, (resp));                                                                \
        CU_assertImplementation(ok_, __LINE__, #cond, __FILE__, "", CU_TRUE);                      \
    } while (0)

/* ---- accounts, sessions, secrets (issue 3) -------------------------------------- */

/* Secrets a suite created or presented (passwords, tokens, cookie values, CSRF
 * tokens, Authorization values): kept for the whole run, so the last suite
 * can check that none reached a log or a table. Copies s; NULL/"" ignored. */
void it_secret_note(const char *s);
/* Every secret noted so far (const char *), in order. */
const apr_array_header_t *it_secrets(void);

/* Like IT_SUITE, but the suite runs after every IT_SUITE suite. */
void it_register_last(const char *suite, const it_test *tests);
#define IT_SUITE_LAST(suite, ...)                                                                  \
    static const it_test it_suite_tests_[] = {__VA_ARGS__, {NULL, NULL}};                          \
    __attribute__((constructor)) static void it_suite_register_(void)                              \
    {                                                                                              \
        it_register_last(suite, it_suite_tests_);                                                  \
    }

/* A fresh address: itest-TAG-PID-N-TIME@example.com. */
const char *it_unique_email(const char *tag);
/* The value of cookie name in the response's Set-Cookie headers (the first
 * one naming it), or NULL; attrs (may be NULL) gets the whole header value. */
const char *it_set_cookie(const it_resp *r, const char *name, const char **attrs);

/* A signed-in dashboard user. */
typedef struct it_account {
    const char *email, *password, *account_id;
    const char *cookie; /* miq_session cookie value */
    const char *csrf;
} it_account;
/* POST /api/auth/signup with a unique email and a random password, then
 * POST /api/auth/login (signup starts no session); all noted as secrets, with
 * the cookie and CSRF token. NULL (response shown) unless 201 then 200. */
it_account *it_signup(const char *tag);
/* "Cookie: miq_session=..." (+ "X-CSRF-Token: ..." when csrf), then extra. */
const char *const *it_session_headers(const it_account *a, int csrf, const char *const *extra);
/* POST /api/dashboard/{connectors|keys} with body; on 201 returns the secret
 * (noted) and sets *token_id; NULL otherwise (response in *resp when not NULL). */
const char *it_create_token(const it_account *a, const char *collection, const char *body,
                            const char **token_id, it_resp **resp);
/* "Authorization: Bearer TOKEN" (the whole header value is noted as a secret). */
const char *it_bearer(const char *token);

/* A python3 http.server on a free loopback port serving dir; waits until
 * probe_file answers. Returns the base URL and *pid, or NULL. */
const char *it_file_server(const char *dir, const char *probe_file, pid_t *pid);
/* The same over https with itenv.tls_dir's certificate (which the test stack
 * trusts through MomentIQFetchCAFile), or NULL. */
const char *it_file_server_tls(const char *dir, const char *probe_file, pid_t *pid);

#endif
