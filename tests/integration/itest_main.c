/* The integration runner and its helpers: HTTP (libcurl, easy and multi),
 * SSE parsing, JSON-RPC for both MCP eras, PostgreSQL reads (libpq). */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <apr_general.h>
#include <apr_strings.h>
#include <CUnit/Basic.h>
#include <curl/curl.h>
#include <libpq-fe.h>
#include "itest.h"
#include "base/miq_json.h"

#define MAX_SUITES 64
#define DEFAULT_TIMEOUT_MS 30000
#define IT_SHARED 0x100 /* may use the keep-alive handle */

static struct {
    const char *name;
    const it_test *tests;
} suites[MAX_SUITES];
static int n_suites;
static int suite_last[MAX_SUITES]; /* registered with it_register_last */
static apr_pool_t *root_pool;
apr_pool_t *itp;
it_env itenv;

void it_register(const char *suite, const it_test *tests)
{
    if (n_suites < MAX_SUITES) {
        suites[n_suites].name = suite;
        suites[n_suites].tests = tests;
        n_suites++;
    }
}

/* ---- SSE ---------------------------------------------------------------------- */

typedef struct sse_state {
    apr_pool_t *p;
    char *data;        /* accumulated data lines, or NULL */
    const char *event; /* event field */
    apr_array_header_t *events;
} sse_state;

static void sse_dispatch(sse_state *s, apr_time_t at)
{
    it_event *e;
    if (!s->data) {
        s->event = NULL;
        return;
    }
    e = apr_array_push(s->events);
    e->data = s->data;
    e->event = s->event;
    e->at = at;
    e->json = miq_json_parse(s->p, s->data, strlen(s->data), NULL);
    s->data = NULL;
    s->event = NULL;
}

/* One line without its terminator. */
static void sse_line(sse_state *s, const char *line, apr_size_t n, apr_time_t at)
{
    const char *colon;
    const char *field, *value;
    if (n == 0) {
        sse_dispatch(s, at);
        return;
    }
    if (line[0] == ':')
        return; /* comment */
    colon = memchr(line, ':', n);
    if (colon) {
        field = apr_pstrndup(s->p, line, colon - line);
        value = colon + 1;
        if (value < line + n && *value == ' ')
            value++;
        value = apr_pstrndup(s->p, value, line + n - value);
    }
    else {
        field = apr_pstrndup(s->p, line, n);
        value = "";
    }
    if (!strcmp(field, "data"))
        s->data = s->data ? apr_pstrcat(s->p, s->data, "\n", value, NULL) : apr_pstrdup(s->p, value);
    else if (!strcmp(field, "event"))
        s->event = value;
}

/* Feeds complete lines from buf[*off..len); advances *off. */
static void sse_feed(sse_state *s, const char *buf, apr_size_t len, apr_size_t *off, apr_time_t at)
{
    for (;;) {
        const char *start = buf + *off;
        const char *nl = memchr(start, '\n', len - *off);
        apr_size_t n;
        if (!nl)
            return;
        n = nl - start;
        if (n > 0 && start[n - 1] == '\r')
            n--;
        sse_line(s, start, n, at);
        *off = nl - buf + 1;
    }
}

apr_array_header_t *it_sse_parse(apr_pool_t *p, const char *body, apr_size_t len)
{
    sse_state s;
    apr_size_t off = 0;
    memset(&s, 0, sizeof(s));
    s.p = p;
    s.events = apr_array_make(p, 8, sizeof(it_event));
    sse_feed(&s, body, len, &off, 0);
    return s.events;
}

/* ---- one transfer ---------------------------------------------------------------- */

typedef struct xfer {
    apr_pool_t *p;
    CURL *h;
    struct curl_slist *hdrs;
    char *buf;
    apr_size_t len, cap;
    apr_table_t *headers;
    const char *req_body;
    apr_size_t req_len, req_off;
    sse_state sse;
    apr_size_t sse_off;
    int is_sse;
    int next_event;
    int done;
    CURLcode rc;
    apr_time_t started, finished;
    char errbuf[CURL_ERROR_SIZE];
} xfer;

/* it_keepalive(1): it_request reuses one handle, hence one connection. */
static CURL *shared_handle;

void it_keepalive(int on)
{
    if (on && !shared_handle)
        shared_handle = curl_easy_init();
    else if (!on && shared_handle) {
        curl_easy_cleanup(shared_handle);
        shared_handle = NULL;
    }
}

static apr_status_t xfer_cleanup(void *v)
{
    xfer *x = v;
    if (x->h && x->h != shared_handle)
        curl_easy_cleanup(x->h);
    if (x->hdrs)
        curl_slist_free_all(x->hdrs);
    x->h = NULL;
    x->hdrs = NULL;
    return APR_SUCCESS;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *baton)
{
    xfer *x = baton;
    apr_size_t n = size * nmemb;
    if (x->len + n + 1 > x->cap) {
        apr_size_t cap = x->cap ? x->cap : 4096;
        char *nb;
        while (cap < x->len + n + 1)
            cap *= 2;
        nb = apr_palloc(x->p, cap);
        if (x->len)
            memcpy(nb, x->buf, x->len);
        x->buf = nb;
        x->cap = cap;
    }
    memcpy(x->buf + x->len, data, n);
    x->len += n;
    x->buf[x->len] = 0;
    if (!x->is_sse) {
        const char *ct = apr_table_get(x->headers, "Content-Type");
        x->is_sse = ct && strstr(ct, "text/event-stream") != NULL;
    }
    if (x->is_sse)
        sse_feed(&x->sse, x->buf, x->len, &x->sse_off, apr_time_now());
    return n;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *baton)
{
    xfer *x = baton;
    apr_size_t n = size * nmemb;
    char *line = apr_pstrndup(x->p, data, n), *colon, *v, *end;
    if (!strncmp(line, "HTTP/", 5)) {
        apr_table_clear(x->headers); /* a new response (after 100 Continue) */
        return n;
    }
    colon = strchr(line, ':');
    if (!colon)
        return n;
    *colon = 0;
    v = colon + 1;
    while (*v == ' ' || *v == '\t')
        v++;
    end = v + strlen(v);
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
        *--end = 0;
    apr_table_add(x->headers, line, v);
    return n;
}

static size_t on_read(char *out, size_t size, size_t nmemb, void *baton)
{
    xfer *x = baton;
    apr_size_t room = size * nmemb, left = x->req_len - x->req_off;
    if (room > 65536)
        room = 65536; /* several chunks */
    if (left < room)
        room = left;
    memcpy(out, x->req_body + x->req_off, room);
    x->req_off += room;
    return room;
}

static const char *full_url(apr_pool_t *p, const char *path)
{
    if (!strncmp(path, "http://", 7) || !strncmp(path, "https://", 8))
        return path;
    return apr_pstrcat(p, itenv.url, path, NULL);
}

static xfer *xfer_new(apr_pool_t *p, const char *method, const char *path,
                      const char *const *headers, const char *body, apr_size_t len, int flags,
                      int timeout_ms)
{
    xfer *x = apr_pcalloc(p, sizeof(*x));
    int i;
    x->p = p;
    if ((flags & IT_SHARED) && shared_handle) {
        x->h = shared_handle;
        curl_easy_reset(x->h);
    }
    else
        x->h = curl_easy_init();
    x->headers = apr_table_make(p, 16);
    x->sse.p = p;
    x->sse.events = apr_array_make(p, 8, sizeof(it_event));
    apr_pool_cleanup_register(p, x, xfer_cleanup, apr_pool_cleanup_null);
    for (i = 0; headers && headers[i]; i++)
        x->hdrs = curl_slist_append(x->hdrs, headers[i]);
    curl_easy_setopt(x->h, CURLOPT_URL, full_url(p, path));
    curl_easy_setopt(x->h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(x->h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(x->h, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
    curl_easy_setopt(x->h, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    curl_easy_setopt(x->h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(x->h, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(x->h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(x->h, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(x->h, CURLOPT_ERRORBUFFER, x->errbuf);
    curl_easy_setopt(x->h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    if (itenv.tls_dir) /* the tests' own https servers */
        curl_easy_setopt(x->h, CURLOPT_CAINFO, apr_pstrcat(p, itenv.tls_dir, "/cert.pem", NULL));
    if (!strcmp(method, "GET"))
        curl_easy_setopt(x->h, CURLOPT_HTTPGET, 1L);
    else if (!strcmp(method, "HEAD"))
        curl_easy_setopt(x->h, CURLOPT_NOBODY, 1L);
    else {
        if (strcmp(method, "POST"))
            curl_easy_setopt(x->h, CURLOPT_CUSTOMREQUEST, method);
        if (body && (flags & IT_CHUNKED)) {
            x->req_body = body;
            x->req_len = len;
            curl_easy_setopt(x->h, CURLOPT_POST, 1L);
            curl_easy_setopt(x->h, CURLOPT_READFUNCTION, on_read);
            curl_easy_setopt(x->h, CURLOPT_READDATA, x);
            x->hdrs = curl_slist_append(x->hdrs, "Transfer-Encoding: chunked");
        }
        else if (body) {
            curl_easy_setopt(x->h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
            curl_easy_setopt(x->h, CURLOPT_POSTFIELDS, body);
        }
    }
    curl_easy_setopt(x->h, CURLOPT_HTTPHEADER, x->hdrs);
    x->started = apr_time_now();
    return x;
}

static it_resp *xfer_resp(xfer *x)
{
    it_resp *r = apr_pcalloc(x->p, sizeof(*r));
    const char *ct;
    int i;
    r->headers = x->headers;
    r->started = x->started;
    r->done = x->finished ? x->finished : apr_time_now();
    if (x->rc != CURLE_OK || !x->done) {
        r->curl_error = x->done ? apr_pstrdup(x->p, x->errbuf[0] ? x->errbuf
                                                                  : curl_easy_strerror(x->rc))
                                : "timed out (test side)";
    }
    curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &r->status);
    ct = apr_table_get(x->headers, "Content-Type");
    r->ctype = ct ? ct : "";
    r->body = x->buf ? x->buf : "";
    r->len = x->len;
    r->json = x->len ? miq_json_parse(x->p, r->body, r->len, NULL) : NULL;
    if (strstr(r->ctype, "text/event-stream")) {
        r->events = x->sse.events;
        for (i = r->events->nelts - 1; i >= 0; i--) {
            json_t *j = APR_ARRAY_IDX(r->events, i, it_event).json;
            if (json_is_object(j) && !json_object_get(j, "method") &&
                (json_object_get(j, "result") || json_object_get(j, "error"))) {
                r->rpc = j;
                break;
            }
        }
    }
    else
        r->rpc = r->json;
    return r;
}

it_resp *it_request_ex(const char *method, const char *path, const char *const *headers,
                       const char *body, apr_size_t len, int flags)
{
    xfer *x = xfer_new(itp, method, path, headers, body, len, flags | IT_SHARED,
                       DEFAULT_TIMEOUT_MS);
    it_resp *r;
    x->rc = curl_easy_perform(x->h);
    x->done = 1;
    x->finished = apr_time_now();
    r = xfer_resp(x);
    xfer_cleanup(x);
    return r;
}

it_resp *it_request(const char *method, const char *path, const char *const *headers,
                    const char *body, apr_size_t len)
{
    return it_request_ex(method, path, headers, body, len, 0);
}

const char *it_header(const it_resp *r, const char *name)
{
    return r && r->headers ? apr_table_get(r->headers, name) : NULL;
}

/* ---- streams and parallel transfers ------------------------------------------------- */

struct it_stream {
    CURLM *multi;
    xfer *x;
};

static apr_status_t stream_cleanup(void *v)
{
    it_stream *s = v;
    if (s->multi) {
        if (s->x->h)
            curl_multi_remove_handle(s->multi, s->x->h);
        curl_multi_cleanup(s->multi);
        s->multi = NULL;
    }
    return APR_SUCCESS;
}

/* Runs the multi handle until every transfer ended or the deadline passed;
 * stop (when not NULL) ends the wait early when it returns nonzero. */
static void pump(CURLM *multi, xfer **xs, int n, apr_time_t deadline,
                 int (*stop)(void *), void *baton)
{
    for (;;) {
        int running = 0, left, i;
        CURLMsg *msg;
        apr_interval_time_t wait;
        curl_multi_perform(multi, &running);
        while ((msg = curl_multi_info_read(multi, &left))) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            for (i = 0; i < n; i++)
                if (xs[i]->h == msg->easy_handle) {
                    xs[i]->done = 1;
                    xs[i]->rc = msg->data.result;
                    xs[i]->finished = apr_time_now();
                }
        }
        if (stop && stop(baton))
            return;
        for (i = 0; i < n && xs[i]->done; i++)
            ;
        if (i == n)
            return;
        wait = deadline - apr_time_now();
        if (wait <= 0)
            return;
        curl_multi_poll(multi, NULL, 0, (int)(wait / 1000 > 100 ? 100 : wait / 1000 + 1), NULL);
    }
}

it_stream *it_stream_start(const char *method, const char *path, const char *const *headers,
                           const char *body)
{
    it_stream *s = apr_pcalloc(itp, sizeof(*s));
    s->x = xfer_new(itp, method, path, headers, body, body ? strlen(body) : 0, 0, 120000);
    s->multi = curl_multi_init();
    curl_multi_add_handle(s->multi, s->x->h);
    apr_pool_cleanup_register(itp, s, stream_cleanup, apr_pool_cleanup_null);
    return s;
}

static int has_new_event(void *baton)
{
    it_stream *s = baton;
    return s->x->sse.events->nelts > s->x->next_event;
}

it_event *it_stream_next(it_stream *s, int timeout_ms)
{
    if (!has_new_event(s) && !s->x->done)
        pump(s->multi, &s->x, 1, apr_time_now() + apr_time_from_msec(timeout_ms),
             has_new_event, s);
    if (!has_new_event(s))
        return NULL;
    return &APR_ARRAY_IDX(s->x->sse.events, s->x->next_event++, it_event);
}

it_resp *it_stream_finish(it_stream *s, int timeout_ms)
{
    it_resp *r;
    if (!s->x->done)
        pump(s->multi, &s->x, 1, apr_time_now() + apr_time_from_msec(timeout_ms), NULL, NULL);
    r = xfer_resp(s->x);
    stream_cleanup(s);
    xfer_cleanup(s->x);
    return r;
}

it_resp **it_parallel(int n, const it_req *reqs, int timeout_ms)
{
    xfer **xs = apr_pcalloc(itp, n * sizeof(*xs));
    it_resp **out = apr_pcalloc(itp, n * sizeof(*out));
    CURLM *multi = curl_multi_init();
    int i;
    for (i = 0; i < n; i++) {
        xs[i] = xfer_new(itp, reqs[i].method, reqs[i].path, reqs[i].headers, reqs[i].body,
                         reqs[i].body ? strlen(reqs[i].body) : 0, 0, timeout_ms);
        curl_multi_add_handle(multi, xs[i]->h);
    }
    pump(multi, xs, n, apr_time_now() + apr_time_from_msec(timeout_ms), NULL, NULL);
    for (i = 0; i < n; i++) {
        out[i] = xfer_resp(xs[i]);
        curl_multi_remove_handle(multi, xs[i]->h);
        xfer_cleanup(xs[i]);
    }
    curl_multi_cleanup(multi);
    return out;
}

/* ---- JSON ------------------------------------------------------------------------ */

json_t *it_json(const char *text)
{
    const char *err = NULL;
    json_t *v = miq_json_parse(itp, text, strlen(text), &err);
    if (!v)
        fprintf(stderr, "\n  bad test JSON (%s): %s\n", err, text);
    return v;
}

json_t *it_jsonf(const char *fmt, ...)
{
    va_list ap;
    const char *s;
    va_start(ap, fmt);
    s = apr_pvsprintf(itp, fmt, ap);
    va_end(ap);
    return it_json(s);
}

const char *it_dump(const json_t *v)
{
    return v ? miq_json_dump(itp, v) : "(null)";
}

const char *it_quote(const char *s)
{
    return miq_json_dump(itp, miq_json_pool(itp, json_string(s)));
}

json_t *it_find_by_name(const json_t *array, const char *name)
{
    size_t i;
    json_t *t;
    json_array_foreach(array, i, t)
    {
        if (!strcmp(miq_json_str(t, "name", ""), name))
            return t;
    }
    return NULL;
}

/* ---- JSON-RPC / MCP ------------------------------------------------------------------ */

static long id_counter = 1;

long it_next_id(void)
{
    return id_counter++;
}

const char *it_rpc_body(const char *method, const json_t *params, long id)
{
    json_t *m = json_object();
    json_object_set_new(m, "jsonrpc", json_string("2.0"));
    json_object_set_new(m, "id", json_integer(id < 0 ? it_next_id() : id));
    json_object_set_new(m, "method", json_string(method));
    if (params)
        json_object_set(m, "params", (json_t *)params);
    miq_json_pool(itp, m);
    return miq_json_dump(itp, m);
}

long it_body_id(const char *body)
{
    json_t *j = it_json(body);
    return (long)miq_json_int(j, "id", -1);
}

static const char *const *concat_headers(const char *const *a, const char *const *b)
{
    int na = 0, nb = 0, i;
    const char **out;
    while (a && a[na])
        na++;
    while (b && b[nb])
        nb++;
    out = apr_pcalloc(itp, (na + nb + 1) * sizeof(*out));
    for (i = 0; i < na; i++)
        out[i] = a[i];
    for (i = 0; i < nb; i++)
        out[na + i] = b[i];
    return out;
}

const char *const *it_mcp_headers(const char *const *extra)
{
    static const char *const base[] = {"Content-Type: application/json",
                                       "Accept: application/json, text/event-stream", NULL};
    return concat_headers(base, extra);
}

it_resp *it_post(const char *const *extra, const char *body)
{
    return it_request("POST", "/mcp", it_mcp_headers(extra), body, strlen(body));
}

const char *mcp_2025_session_ex(const char *version, const char *client_name, json_t *caps,
                                it_resp **init)
{
    json_t *params = json_pack("{s:s,s:O,s:{s:s,s:s}}", "protocolVersion",
                               version ? version : IT_V2025, "capabilities",
                               caps ? caps : miq_json_packp(itp, "{s:{},s:{}}", "sampling",
                                                            "elicitation"),
                               "clientInfo", "name", client_name ? client_name : IT_CLIENT,
                               "version", "1.0.0");
    it_resp *r;
    const char *sid, *neg;
    const char *hdr[3];
    miq_json_pool(itp, params);
    r = it_post(NULL, it_rpc_body("initialize", params, -1));
    if (init)
        *init = r;
    sid = it_header(r, "Mcp-Session-Id");
    if (r->status != 200 || !sid) {
        it_show("initialize failed", r);
        return NULL;
    }
    neg = miq_json_str(it_result(r), "protocolVersion", IT_V2025);
    hdr[0] = apr_pstrcat(itp, "Mcp-Session-Id: ", sid, NULL);
    hdr[1] = apr_pstrcat(itp, "MCP-Protocol-Version: ", neg, NULL);
    hdr[2] = NULL;
    r = it_post(hdr, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
    if (r->status != 202)
        it_show("notifications/initialized was not accepted", r);
    return apr_pstrdup(itp, sid);
}

const char *mcp_2025_session(void)
{
    return mcp_2025_session_ex(NULL, NULL, NULL, NULL);
}

it_resp *mcp_2025_call_ex(const char *sid, const char *method, const json_t *params,
                          const char *const *extra)
{
    const char *hdr[3] = {NULL, "MCP-Protocol-Version: " IT_V2025, NULL};
    hdr[0] = apr_pstrcat(itp, "Mcp-Session-Id: ", sid ? sid : "", NULL);
    return it_post(concat_headers(hdr, extra), it_rpc_body(method, params, -1));
}

it_resp *mcp_2025_call(const char *sid, const char *method, const json_t *params)
{
    return mcp_2025_call_ex(sid, method, params, NULL);
}

json_t *mcp_2026_params(const json_t *params)
{
    json_t *p = params ? json_deep_copy(params) : json_object();
    json_t *meta = json_object_get(p, "_meta");
    if (!json_is_object(meta)) {
        meta = json_object();
        json_object_set_new(p, "_meta", meta);
    }
    if (!json_object_get(meta, "io.modelcontextprotocol/protocolVersion"))
        json_object_set_new(meta, "io.modelcontextprotocol/protocolVersion",
                            json_string(IT_V2026));
    if (!json_object_get(meta, "io.modelcontextprotocol/clientCapabilities"))
        json_object_set_new(meta, "io.modelcontextprotocol/clientCapabilities",
                            json_pack("{s:{},s:{},s:{s:b}}", "sampling", "elicitation", "roots",
                                      "listChanged", 1));
    if (!json_object_get(meta, "io.modelcontextprotocol/clientInfo"))
        json_object_set_new(meta, "io.modelcontextprotocol/clientInfo",
                            json_pack("{s:s,s:s}", "name", IT_CLIENT, "version", "1.0.0"));
    return miq_json_pool(itp, p);
}

const char *const *mcp_2026_headers(const char *method, const json_t *params,
                                    const char *const *extra)
{
    const char *hdr[4] = {"MCP-Protocol-Version: " IT_V2026, NULL, NULL, NULL};
    const char *name = NULL;
    hdr[1] = apr_pstrcat(itp, "Mcp-Method: ", method, NULL);
    if (!strcmp(method, "tools/call") || !strcmp(method, "prompts/get"))
        name = miq_json_str(params, "name", NULL);
    else if (!strcmp(method, "resources/read"))
        name = miq_json_str(params, "uri", NULL);
    /* "Name;" is how libcurl sends a header with an empty value */
    if (name)
        hdr[2] = *name ? apr_pstrcat(itp, "Mcp-Name: ", name, NULL) : "Mcp-Name;";
    return concat_headers(hdr, extra);
}

it_resp *mcp_2026_call(const char *method, const json_t *params)
{
    json_t *p = mcp_2026_params(params);
    return it_post(mcp_2026_headers(method, p, NULL), it_rpc_body(method, p, -1));
}

json_t *it_result(const it_resp *r)
{
    json_t *v = r ? json_object_get(r->rpc, "result") : NULL;
    return json_is_object(v) ? v : NULL;
}

json_t *it_error(const it_resp *r)
{
    json_t *v = r ? json_object_get(r->rpc, "error") : NULL;
    return json_is_object(v) ? v : NULL;
}

long it_error_code(const it_resp *r)
{
    return (long)miq_json_int(it_error(r), "code", 0);
}

int it_id_is(const it_resp *r, long id)
{
    json_t *v = r ? json_object_get(r->rpc, "id") : NULL;
    return json_is_integer(v) && json_integer_value(v) == id;
}

void it_show(const char *what, const it_resp *r)
{
    fprintf(stderr, "\n  -- %s\n", what);
    if (!r) {
        fprintf(stderr, "     (no response)\n");
        return;
    }
    fprintf(stderr, "     HTTP %ld%s%s, Content-Type: %s\n     body: %.1500s\n", r->status,
            r->curl_error ? ", curl: " : "", r->curl_error ? r->curl_error : "", r->ctype,
            r->body);
}

/* ---- PostgreSQL ---------------------------------------------------------------------- */

static PGconn *db;

static PGconn *db_conn(void)
{
    if (db && PQstatus(db) == CONNECTION_OK)
        return db;
    if (db)
        PQfinish(db);
    db = NULL;
    if (!itenv.db)
        return NULL;
    db = PQconnectdb(itenv.db);
    if (PQstatus(db) != CONNECTION_OK) {
        fprintf(stderr, "\n  PostgreSQL: %s\n", PQerrorMessage(db));
        PQfinish(db);
        db = NULL;
    }
    return db;
}

it_rows *it_db_query(const char *sql, int nparams, const char *const *params)
{
    it_rows *rows = apr_pcalloc(itp, sizeof(*rows));
    PGconn *c = db_conn();
    PGresult *res;
    int i, j;
    if (!c) {
        rows->error = "no database connection (MIQ_TEST_DB)";
        return rows;
    }
    res = PQexecParams(c, sql, nparams, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK && PQresultStatus(res) != PGRES_COMMAND_OK) {
        rows->error = apr_pstrdup(itp, PQresultErrorMessage(res));
        fprintf(stderr, "\n  SQL error: %s  in: %s\n", rows->error, sql);
        PQclear(res);
        return rows;
    }
    rows->n = PQntuples(res);
    rows->cols = PQnfields(res);
    rows->cell = apr_pcalloc(itp, (rows->n * rows->cols + 1) * sizeof(char *));
    for (i = 0; i < rows->n; i++)
        for (j = 0; j < rows->cols; j++)
            rows->cell[i * rows->cols + j] =
                PQgetisnull(res, i, j) ? NULL : apr_pstrdup(itp, PQgetvalue(res, i, j));
    PQclear(res);
    return rows;
}

const char *it_db_value(const char *sql, int nparams, const char *const *params)
{
    it_rows *r = it_db_query(sql, nparams, params);
    return r->n > 0 && r->cols > 0 ? IT_CELL(r, 0, 0) : NULL;
}

/* ---- files ------------------------------------------------------------------------------ */

const char *it_stack_path(const char *name)
{
    char *dir, *p;
    int i;
    if (!itenv.error_log)
        return NULL;
    dir = apr_pstrdup(itp, itenv.error_log); /* .../stack/httpd/logs/error_log */
    for (i = 0; i < 3 && (p = strrchr(dir, '/')); i++)
        *p = 0;
    return apr_pstrcat(itp, dir, "/", name, NULL);
}

int it_write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    size_t n = strlen(text);
    int ok = f && fwrite(text, 1, n, f) == n;
    if (f && fclose(f) != 0)
        ok = 0;
    return ok ? 0 : -1;
}

const char *it_read_file(const char *path, long offset)
{
    FILE *f = fopen(path, "rb");
    long size;
    char *buf;
    size_t n;
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    size = ftell(f);
    if (offset > size)
        offset = 0; /* rotated or truncated */
    fseek(f, offset, SEEK_SET);
    buf = apr_palloc(itp, size - offset + 1);
    n = fread(buf, 1, size - offset, f);
    buf[n] = 0;
    fclose(f);
    return buf;
}

const char *it_error_log_grep(const char *needle)
{
    const char *text, *line, *found = NULL;
    if (!itenv.error_log || !(text = it_read_file(itenv.error_log, itenv.error_log_start)))
        return NULL;
    for (line = text; *line;) {
        const char *nl = strchr(line, '\n');
        apr_size_t n = nl ? (apr_size_t)(nl - line) : strlen(line);
        char *l = apr_pstrndup(itp, line, n);
        if (strstr(l, needle))
            found = found ? apr_pstrcat(itp, found, "\n", l, NULL) : l;
        line += n + (nl ? 1 : 0);
    }
    return found;
}

/* ---- runner -------------------------------------------------------------------------------- */

static int suite_init(void)
{
    return 0;
}

static int suite_clean(void)
{
    return 0;
}

static void setup(void)
{
    apr_pool_create(&itp, root_pool);
}

static void teardown(void)
{
    it_keepalive(0);
    apr_pool_destroy(itp);
    itp = NULL;
}

static int wanted(int argc, char **argv, const char *name)
{
    int i;
    if (argc < 2)
        return 1;
    for (i = 1; i < argc; i++)
        if (!strcmp(argv[i], name))
            return 1;
    return 0;
}

static const char *env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

/* The server should already answer; give a just-started stack a few seconds. */
static int server_ready(void)
{
    int i;
    apr_pool_create(&itp, root_pool);
    for (i = 0; i < 50; i++) {
        it_resp *r = it_request("GET", "/mcp/status", NULL, NULL, 0);
        if (r->status == 200) {
            apr_pool_destroy(itp);
            itp = NULL;
            return 1;
        }
        usleep(200000);
    }
    apr_pool_destroy(itp);
    itp = NULL;
    return 0;
}

int main(int argc, char **argv)
{
    int i, j;
    unsigned passed, failed;
    const char *url = env("MIQ_TEST_URL");
    struct stat st;

    apr_initialize();
    atexit(apr_terminate);
    apr_pool_create(&root_pool, NULL);
    curl_global_init(CURL_GLOBAL_ALL);
    if (!url) {
        fprintf(stderr, "MIQ_TEST_URL is not set (run through ./build.sh test)\n");
        printf("integration: 0 passed, 1 failed\n");
        return 2;
    }
    itenv.url = apr_pstrdup(root_pool, url);
    while (*itenv.url && itenv.url[strlen(itenv.url) - 1] == '/')
        ((char *)itenv.url)[strlen(itenv.url) - 1] = 0;
    itenv.db = env("MIQ_TEST_DB");
    itenv.error_log = env("MIQ_TEST_ERROR_LOG");
    itenv.root = env("MIQ_TEST_ROOT");
    itenv.tls_dir = env("MIQ_TEST_TLS_DIR");
    if (itenv.error_log && stat(itenv.error_log, &st) == 0)
        itenv.error_log_start = (long)st.st_size;
    if (!server_ready()) {
        fprintf(stderr, "the server at %s does not answer GET /mcp/status with 200\n",
                itenv.url);
        printf("integration: 0 passed, 1 failed\n");
        return 2;
    }

    if (CU_initialize_registry() != CUE_SUCCESS)
        return 2;
    for (i = 0; i < 2 * n_suites; i++) { /* IT_SUITE suites first, then IT_SUITE_LAST ones */
        CU_pSuite s;
        int k = i % n_suites;
        if (suite_last[k] != (i >= n_suites) || !wanted(argc, argv, suites[k].name))
            continue;
        s = CU_add_suite_with_setup_and_teardown(suites[k].name, suite_init, suite_clean, setup,
                                                 teardown);
        for (j = 0; suites[k].tests[j].name; j++)
            CU_add_test(s, suites[k].tests[j].name, suites[k].tests[j].fn);
    }
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    failed = CU_get_number_of_tests_failed();
    passed = CU_get_number_of_tests_run() - failed;
    CU_cleanup_registry();
    if (db)
        PQfinish(db);
    curl_global_cleanup();
    fflush(stdout);
    fflush(stderr);
    printf("\nintegration: %u passed, %u failed\n", passed, failed);
    return failed ? 1 : 0;
}

/* ---- accounts, sessions, secrets (issue 3) ------------------------------------------ */

void it_register_last(const char *suite, const it_test *tests)
{
    if (n_suites < MAX_SUITES) {
        suite_last[n_suites] = 1;
        it_register(suite, tests);
    }
}

static apr_array_header_t *secret_list;

void it_secret_note(const char *s)
{
    if (!s || !*s)
        return;
    if (!secret_list)
        secret_list = apr_array_make(root_pool, 64, sizeof(const char *));
    APR_ARRAY_PUSH(secret_list, const char *) = apr_pstrdup(root_pool, s);
}

const apr_array_header_t *it_secrets(void)
{
    if (!secret_list)
        secret_list = apr_array_make(root_pool, 64, sizeof(const char *));
    return secret_list;
}

const char *it_unique_email(const char *tag)
{
    static int n;
    return apr_psprintf(itp, "itest-%s-%d-%d-%" APR_TIME_T_FMT "@example.com", tag,
                        (int)getpid(), ++n, apr_time_now());
}

typedef struct cookie_find {
    const char *name, *value, *attrs;
    apr_pool_t *p;
} cookie_find;

static int find_cookie(void *baton, const char *key, const char *value)
{
    cookie_find *f = baton;
    apr_size_t n = strlen(f->name);
    const char *end;
    (void)key;
    if (strncmp(value, f->name, n) || value[n] != '=')
        return 1;
    end = strchr(value + n + 1, ';');
    f->value = end ? apr_pstrndup(f->p, value + n + 1, (apr_size_t)(end - value - n - 1))
                   : apr_pstrdup(f->p, value + n + 1);
    f->attrs = value;
    return 0;
}

const char *it_set_cookie(const it_resp *r, const char *name, const char **attrs)
{
    cookie_find f = {name, NULL, NULL, itp};
    if (r && r->headers)
        apr_table_do(find_cookie, &f, r->headers, "Set-Cookie", NULL);
    if (attrs)
        *attrs = f.attrs;
    return f.value;
}

/* A password that passes the policy: 24 random hex characters. */
static const char *random_password(void)
{
    unsigned char b[12];
    char hex[25];
    int i;
    apr_generate_random_bytes(b, sizeof(b));
    for (i = 0; i < 12; i++)
        snprintf(hex + 2 * i, 3, "%02x", b[i]);
    return apr_pstrcat(itp, "pw-", hex, NULL);
}

it_account *it_signup(const char *tag)
{
    static const char *const h[] = {"Content-Type: application/json", NULL};
    it_account *a = apr_pcalloc(itp, sizeof(*a));
    const char *body;
    it_resp *r;
    a->email = it_unique_email(tag);
    a->password = random_password();
    it_secret_note(a->password);
    body = apr_psprintf(itp, "{\"email\":%s,\"password\":%s}", it_quote(a->email),
                        it_quote(a->password));
    r = it_request("POST", "/api/auth/signup", h, body, strlen(body));
    a->cookie = it_set_cookie(r, "miq_session", NULL);
    a->csrf = miq_json_str(r->json, "csrf_token", NULL);
    a->account_id = miq_json_str(r->json, "account_id", NULL);
    it_secret_note(a->cookie);
    it_secret_note(a->csrf);
    if (r->status != 201 || !a->cookie || !a->csrf || !a->account_id) {
        it_show("signup failed", r);
        return NULL;
    }
    return a;
}

const char *const *it_session_headers(const it_account *a, int csrf, const char *const *extra)
{
    const char *h[3] = {NULL, NULL, NULL};
    h[0] = apr_pstrcat(itp, "Cookie: miq_session=", a && a->cookie ? a->cookie : "", NULL);
    if (csrf)
        h[1] = apr_pstrcat(itp, "X-CSRF-Token: ", a && a->csrf ? a->csrf : "", NULL);
    return concat_headers(h, extra);
}

const char *it_create_token(const it_account *a, const char *collection, const char *body,
                            const char **token_id, it_resp **resp)
{
    static const char *const ct[] = {"Content-Type: application/json", NULL};
    it_resp *r = it_request("POST", apr_pstrcat(itp, "/api/dashboard/", collection, NULL),
                            it_session_headers(a, 1, ct), body, strlen(body));
    const char *token = miq_json_str(r->json, "token", NULL);
    if (resp)
        *resp = r;
    it_secret_note(token);
    if (token_id)
        *token_id = miq_json_str(r->json, "token_id", NULL);
    if (r->status != 201 || !token) {
        it_show("token creation failed", r);
        return NULL;
    }
    return token;
}

const char *it_bearer(const char *token)
{
    const char *h = apr_pstrcat(itp, "Authorization: Bearer ", token ? token : "", NULL);
    it_secret_note(h + strlen("Authorization: "));
    return h;
}

/* An HTTP(S) server on a free loopback port serving dir (python3's
 * http.server), for source_url imports and metadata documents. Waits until
 * probe_file answers 200. Returns the base URL and *pid (kill it when done). */
static const char *file_server(const char *dir, const char *probe_file, int tls, pid_t *pid)
{
    static const char *const serve =
        "import functools, http.server, ssl, sys\n"
        "port, d, tls = int(sys.argv[1]), sys.argv[2], sys.argv[3]\n"
        "h = functools.partial(http.server.SimpleHTTPRequestHandler, directory=d)\n"
        "s = http.server.ThreadingHTTPServer(('127.0.0.1', port), h)\n"
        "if tls:\n"
        "    c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)\n"
        "    c.load_cert_chain(tls + '/cert.pem', tls + '/key.pem')\n"
        "    s.socket = c.wrap_socket(s.socket, server_side=True)\n"
        "s.serve_forever()\n";
    struct sockaddr_in a;
    socklen_t n = sizeof(a);
    int fd, port = 0, i;
    const char *base;
    if (tls && !itenv.tls_dir)
        return NULL;
    fd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && !bind(fd, (struct sockaddr *)&a, sizeof(a)) &&
        !getsockname(fd, (struct sockaddr *)&a, &n))
        port = ntohs(a.sin_port);
    if (fd >= 0)
        close(fd);
    if (port <= 0)
        return NULL;
    *pid = fork();
    if (*pid == 0) {
        char pbuf[16];
        snprintf(pbuf, sizeof(pbuf), "%d", port);
        if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr))
            _exit(127);
        execlp("python3", "python3", "-c", serve, pbuf, dir, tls ? itenv.tls_dir : "",
               (char *)NULL);
        _exit(127);
    }
    if (*pid < 0)
        return NULL;
    base = apr_psprintf(itp, "%s://127.0.0.1:%d", tls ? "https" : "http", port);
    for (i = 0; i < 100; i++) { /* wait for it to listen */
        it_resp *r = it_request("GET", apr_pstrcat(itp, base, "/", probe_file, NULL), NULL,
                                NULL, 0);
        if (r->status == 200)
            return base;
        apr_sleep(apr_time_from_msec(100));
    }
    return NULL;
}

const char *it_file_server(const char *dir, const char *probe_file, pid_t *pid)
{
    return file_server(dir, probe_file, 0, pid);
}

const char *it_file_server_tls(const char *dir, const char *probe_file, pid_t *pid)
{
    return file_server(dir, probe_file, 1, pid);
}
