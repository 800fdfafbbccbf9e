/* The outbound POST of one event: the address guards of source_url imports
 * (base/miq_fetch: resolved here, every address checked, the checked one
 * pinned, every socket checked again), no redirect followed, no proxy,
 * short connect and total limits, and the answer read and dropped up to a
 * cap: a receiver can neither hold a delivery loop nor fill its memory. */
#include <string.h>
#include <sys/socket.h>
#include <curl/curl.h>
#include <apr_strings.h>
#include <apr_time.h>
#include "base/miq_fetch.h"
#include "webhooks/miq_webhooks.h"

#define CONNECT_S_DEFAULT  5
#define TOTAL_S_DEFAULT    10
#define RESPONSE_CAP       65536
#define RESOLVE_MS_DEFAULT 5000

typedef struct post_state {
    CURL *curl;
    apr_size_t read, max;
    int over, allow_private, refused_socket;
} post_state;

/* The answer is dropped: only its status matters. Past the cap the transfer
 * stops (the status is known by then). */
static size_t on_body(char *data, size_t size, size_t nmemb, void *baton)
{
    post_state *s = baton;
    size_t n = size * nmemb;
    (void)data;
    if (s->read + n > s->max) {
        s->over = 1;
        return 0;
    }
    s->read += n;
    return n;
}

static curl_socket_t on_open_socket(void *baton, curlsocktype purpose, struct curl_sockaddr *a)
{
    post_state *s = baton;
    (void)purpose;
    if (!s->allow_private && !miq_fetch_addr_public(&a->addr)) {
        s->refused_socket = 1;
        return CURL_SOCKET_BAD;
    }
    return socket(a->family, a->socktype, a->protocol);
}

const char *miq_webhook_url_check(apr_pool_t *p, const char *url, int allow_private)
{
    miq_fetch_url u;
    const char *err, *pinned;
    if (!url || !*url)
        return "url is required";
    if (strlen(url) > 2048)
        return "url is longer than 2048 characters";
    if ((err = miq_fetch_parse_url(p, url, &u)))
        return err;
    if ((err = miq_fetch_resolve_within(p, u.host, u.port, allow_private, RESOLVE_MS_DEFAULT,
                                        &pinned)))
        return allow_private ? err
                             : apr_psprintf(p,
                                            "the webhook host %s is not reachable as a public "
                                            "address (private, loopback and link-local targets "
                                            "are refused)",
                                            u.host);
    return NULL;
}

void miq_webhook_send(apr_pool_t *p, const char *url, const char *event_id, const char *signature,
                      const char *body, const miq_webhook_send_opts *o,
                      miq_webhook_send_result *res)
{
    apr_time_t start = apr_time_now();
    int total_s = o->total_timeout_s > 0 ? o->total_timeout_s : TOTAL_S_DEFAULT;
    miq_fetch_url u;
    const char *err, *pinned = NULL, *redacted = miq_fetch_redact(p, url);
    struct curl_slist *resolve = NULL, *headers = NULL;
    char errbuf[CURL_ERROR_SIZE];
    post_state s;
    CURLcode rc;

    memset(res, 0, sizeof(*res));
    memset(&s, 0, sizeof(s));
    s.max = o->max_response_bytes ? o->max_response_bytes : RESPONSE_CAP;
    s.allow_private = o->allow_private;
    if ((err = miq_fetch_parse_url(p, url, &u)) ||
        (err = miq_fetch_resolve_within(p, u.host, u.port, o->allow_private,
                                        total_s * 1000 < RESOLVE_MS_DEFAULT ? total_s * 1000
                                                                            : RESOLVE_MS_DEFAULT,
                                        &pinned))) {
        res->error = err;
        goto done;
    }
    if (!(s.curl = curl_easy_init())) {
        res->error = "out of memory";
        goto done;
    }
    if (!u.host_is_ip)
        resolve = curl_slist_append(NULL, apr_psprintf(p, "%s:%d:%s%s%s", u.host, u.port,
                                                       strchr(pinned, ':') ? "[" : "", pinned,
                                                       strchr(pinned, ':') ? "]" : ""));
    headers = curl_slist_append(headers, "Content-Type: application/json");
    headers = curl_slist_append(headers, apr_pstrcat(p, "MomentIQ-Event-Id: ", event_id, NULL));
    headers = curl_slist_append(headers, apr_pstrcat(p, "MomentIQ-Signature: ", signature, NULL));
    headers = curl_slist_append(headers, "Expect:"); /* no 100-continue round trip */
    errbuf[0] = 0;
    curl_easy_setopt(s.curl, CURLOPT_URL, url);
    curl_easy_setopt(s.curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(s.curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(s.curl, CURLOPT_PROXY, "");
    curl_easy_setopt(s.curl, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(s.curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(s.curl, CURLOPT_RESOLVE, resolve);
    if (o->ca_file)
        curl_easy_setopt(s.curl, CURLOPT_CAINFO, o->ca_file);
    curl_easy_setopt(s.curl, CURLOPT_CONNECTTIMEOUT,
                     (long)(o->connect_timeout_s > 0 ? o->connect_timeout_s : CONNECT_S_DEFAULT));
    {
        long left_ms = total_s * 1000L - (long)apr_time_as_msec(apr_time_now() - start);
        curl_easy_setopt(s.curl, CURLOPT_TIMEOUT_MS, left_ms > 0 ? left_ms : 1L);
    }
    curl_easy_setopt(s.curl, CURLOPT_POST, 1L);
    curl_easy_setopt(s.curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(s.curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
    curl_easy_setopt(s.curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(s.curl, CURLOPT_USERAGENT, "MomentIQ-Webhooks/1");
    curl_easy_setopt(s.curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(s.curl, CURLOPT_WRITEDATA, &s);
    curl_easy_setopt(s.curl, CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
    curl_easy_setopt(s.curl, CURLOPT_OPENSOCKETDATA, &s);
    curl_easy_setopt(s.curl, CURLOPT_ERRORBUFFER, errbuf);
    rc = curl_easy_perform(s.curl);
    curl_easy_getinfo(s.curl, CURLINFO_RESPONSE_CODE, &res->status);
    if (s.refused_socket)
        res->error = "the receiver's address is private, loopback or link-local";
    else if (rc != CURLE_OK && !(s.over && res->status))
        res->error = apr_psprintf(p, "posting to %s failed: %s", redacted,
                                  rc == CURLE_OPERATION_TIMEDOUT    ? "timed out"
                                  : *errbuf && !strstr(errbuf, "?") ? errbuf
                                                                    : curl_easy_strerror(rc));
    else if (res->status >= 300 && res->status < 400)
        res->error = apr_psprintf(p,
                                  "the receiver redirected (HTTP %ld); redirects are not "
                                  "followed",
                                  res->status);
    else if (res->status < 200 || res->status > 299)
        res->error = apr_psprintf(p, "the receiver answered HTTP %ld", res->status);
done:
    if (s.curl)
        curl_easy_cleanup(s.curl);
    curl_slist_free_all(resolve);
    curl_slist_free_all(headers);
    res->latency_ms = (int)apr_time_as_msec(apr_time_now() - start);
}
