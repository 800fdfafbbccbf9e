/* HTTP with libcurl: one transfer (it_request, optionally over a kept-alive
 * connection), a stream read event by event while other requests run, and n
 * transfers at once (curl multi). Also the header-list and response-printing
 * helpers every other support file uses. */
#include <stdio.h>
#include <string.h>
#include <apr_strings.h>
#include <curl/curl.h>
#include "base/miq_json.h"
#include "it_support.h"

#define DEFAULT_TIMEOUT_MS 30000
#define IT_SHARED          0x100 /* may use the keep-alive handle */

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
    it_sse_state sse;
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
        it_sse_feed(&x->sse, x->buf, x->len, &x->sse_off, apr_time_now());
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
        r->curl_error = x->done ? apr_pstrdup(x->p,
                                              x->errbuf[0] ? x->errbuf : curl_easy_strerror(x->rc))
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
static void pump(CURLM *multi, xfer **xs, int n, apr_time_t deadline, int (*stop)(void *),
                 void *baton)
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
        pump(s->multi, &s->x, 1, apr_time_now() + apr_time_from_msec(timeout_ms), has_new_event, s);
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

const char *const *it_concat_headers(const char *const *a, const char *const *b)
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

void it_show(const char *what, const it_resp *r)
{
    fprintf(stderr, "\n  -- %s\n", what);
    if (!r) {
        fprintf(stderr, "     (no response)\n");
        return;
    }
    fprintf(stderr, "     HTTP %ld%s%s, Content-Type: %s\n     body: %.1500s\n", r->status,
            r->curl_error ? ", curl: " : "", r->curl_error ? r->curl_error : "", r->ctype, r->body);
}
