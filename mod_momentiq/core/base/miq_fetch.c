/* Outbound fetches with libcurl: see miq_fetch.h for the rules. */
#include <errno.h>
#include <string.h>
#include <stdlib.h>
#include <time.h>
#include <pthread.h>
#include <netdb.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include <curl/curl.h>
#include "base/miq_fetch.h"

/* ---- address classification ------------------------------------------------- */

static int v4_public(uint32_t a) /* host order */
{
    static const struct {
        uint32_t net, mask;
    } deny[] = {
        {0x00000000, 0xFF000000}, /* 0.0.0.0/8 "this network", unspecified */
        {0x0A000000, 0xFF000000}, /* 10/8 private */
        {0x64400000, 0xFFC00000}, /* 100.64/10 shared (CGNAT) */
        {0x7F000000, 0xFF000000}, /* 127/8 loopback */
        {0xA9FE0000, 0xFFFF0000}, /* 169.254/16 link-local (cloud metadata) */
        {0xAC100000, 0xFFF00000}, /* 172.16/12 private */
        {0xC0000000, 0xFFFFFF00}, /* 192.0.0/24 IETF protocol assignments */
        {0xC0000200, 0xFFFFFF00}, /* 192.0.2/24 TEST-NET-1 */
        {0xC0586300, 0xFFFFFF00}, /* 192.88.99/24 6to4 relay anycast */
        {0xC0A80000, 0xFFFF0000}, /* 192.168/16 private */
        {0xC6120000, 0xFFFE0000}, /* 198.18/15 benchmarking */
        {0xC6336400, 0xFFFFFF00}, /* 198.51.100/24 TEST-NET-2 */
        {0xCB007100, 0xFFFFFF00}, /* 203.0.113/24 TEST-NET-3 */
        {0xE0000000, 0xF0000000}, /* 224/4 multicast */
        {0xF0000000, 0xF0000000}, /* 240/4 reserved, 255.255.255.255 broadcast */
    };
    size_t i;
    for (i = 0; i < sizeof(deny) / sizeof(deny[0]); i++)
        if ((a & deny[i].mask) == deny[i].net)
            return 0;
    return 1;
}

static uint32_t v4_at(const unsigned char *b)
{
    return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
}

static int v6_public(const unsigned char *b)
{
    static const unsigned char zero[16];
    int i;
    /* ::/96 covers :: (unspecified), ::1 (loopback) and the deprecated
     * v4-compatible ::a.b.c.d: none is a public destination. */
    if (!memcmp(b, zero, 12))
        return 0;
    /* ::ffff:a.b.c.d v4-mapped, ::ffff:0:a.b.c.d (SIIT): the IPv4 rules. */
    if (!memcmp(b, zero, 10) && b[10] == 0xFF && b[11] == 0xFF)
        return v4_public(v4_at(b + 12));
    if (!memcmp(b, zero, 8) && b[8] == 0xFF && b[9] == 0xFF && !b[10] && !b[11])
        return 0;
    /* 64:ff9b::/96 NAT64 well-known prefix: the embedded IPv4 decides. */
    if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xFF && b[3] == 0x9B) {
        for (i = 4; i < 12; i++)
            if (b[i])
                return 0; /* 64:ff9b:1::/48 local-use NAT64 */
        return v4_public(v4_at(b + 12));
    }
    if (b[0] == 0x01 && b[1] == 0x00 && !b[2] && !b[3] && !b[4] && !b[5] && !b[6] && !b[7])
        return 0; /* 100::/64 discard */
    if (b[0] == 0x20 && b[1] == 0x01 && !b[2] && (b[3] & 0xFE) == 0x00)
        return 0; /* 2001::/23 IETF protocol assignments, Teredo 2001::/32 */
    if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0D && b[3] == 0xB8)
        return 0; /* 2001:db8::/32 documentation */
    if (b[0] == 0x20 && b[1] == 0x02)
        return v4_public(v4_at(b + 2)); /* 2002::/16 6to4: the embedded IPv4 */
    if (b[0] == 0x3F && b[1] == 0xFF && (b[2] & 0xF0) == 0x00)
        return 0; /* 3fff::/20 documentation */
    if ((b[0] & 0xFE) == 0xFC)
        return 0; /* fc00::/7 unique local */
    if (b[0] == 0xFE && (b[1] & 0xC0) == 0x80)
        return 0; /* fe80::/10 link-local */
    if (b[0] == 0xFE && (b[1] & 0xC0) == 0xC0)
        return 0; /* fec0::/10 site-local (deprecated) */
    if (b[0] == 0xFF)
        return 0; /* ff00::/8 multicast */
    /* Only global unicast (2000::/3) is reachable on the Internet. */
    return (b[0] & 0xE0) == 0x20;
}

int miq_fetch_addr_public(const struct sockaddr *sa)
{
    if (!sa)
        return 0;
    if (sa->sa_family == AF_INET)
        return v4_public(ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr));
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
        if (s6->sin6_scope_id)
            return 0; /* scoped (zone) addresses are local by definition */
        return v6_public(s6->sin6_addr.s6_addr);
    }
    return 0;
}

int miq_fetch_ip_public(const char *literal)
{
    unsigned char buf[16];
    char tmp[INET6_ADDRSTRLEN + 2];
    size_t n;
    if (!literal)
        return -1;
    n = strlen(literal);
    if (n >= 2 && literal[0] == '[' && literal[n - 1] == ']' && n - 2 < sizeof(tmp)) {
        memcpy(tmp, literal + 1, n - 2);
        tmp[n - 2] = 0;
        literal = tmp;
    }
    if (inet_pton(AF_INET, literal, buf) == 1)
        return v4_public(v4_at(buf));
    if (inet_pton(AF_INET6, literal, buf) == 1)
        return v6_public(buf);
    return -1;
}

/* ---- URLs ------------------------------------------------------------------------ */

static void curl_init_once(void)
{
    /* curl_global_init is thread-safe since 7.84 and counts its callers;
     * the first call does the work. */
    static int done;
    if (!done) {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        done = 1;
    }
}

static const char *url_part(apr_pool_t *p, CURLU *u, CURLUPart what)
{
    char *v = NULL;
    const char *out = NULL;
    if (curl_url_get(u, what, &v, 0) == CURLUE_OK && v)
        out = apr_pstrdup(p, v);
    curl_free(v);
    return out;
}

/* Parses into a CURLU the caller frees; NULL handle on error with *err. */
static CURLU *parse(apr_pool_t *p, const char *url, miq_fetch_url *out, const char **err)
{
    CURLU *u;
    const char *scheme, *host, *port;
    char *end;
    long pn;
    memset(out, 0, sizeof(*out));
    *err = NULL;
    curl_init_once();
    if (!url || !*url || strlen(url) > 4096) {
        *err = "source_url must be an http or https URL (at most 4096 characters)";
        return NULL;
    }
    if (strpbrk(url, " \t\r\n\\")) {
        *err = "source_url must not hold blanks, control characters or backslashes";
        return NULL;
    }
    {
        const char *sep = strstr(url, "://");
        if (!sep || sep[3] == '/' || !sep[3]) {
            *err = "source_url must be an absolute http or https URL with a host";
            return NULL;
        }
    }
    if (!(u = curl_url())) {
        *err = "out of memory";
        return NULL;
    }
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK) {
        *err = "source_url is not a valid absolute URL";
        goto bad;
    }
    scheme = url_part(p, u, CURLUPART_SCHEME);
    if (!scheme || (strcasecmp(scheme, "http") && strcasecmp(scheme, "https"))) {
        *err = "source_url must use http or https";
        goto bad;
    }
    if (url_part(p, u, CURLUPART_USER) || url_part(p, u, CURLUPART_PASSWORD) ||
        url_part(p, u, CURLUPART_OPTIONS)) {
        *err = "source_url must not carry credentials (user:password@)";
        goto bad;
    }
    if (url_part(p, u, CURLUPART_ZONEID)) {
        *err = "source_url must not name an IPv6 zone";
        goto bad;
    }
    host = url_part(p, u, CURLUPART_HOST);
    if (!host || !*host) {
        *err = "source_url has no host";
        goto bad;
    }
    if (host[0] == '[') {
        apr_size_t n = strlen(host);
        if (n < 3 || host[n - 1] != ']') {
            *err = "source_url has an invalid host";
            goto bad;
        }
        host = apr_pstrndup(p, host + 1, n - 2);
    }
    /* CURLU_DEFAULT_PORT fills 80/443 when the URL names none. */
    {
        char *v = NULL;
        if (curl_url_get(u, CURLUPART_PORT, &v, CURLU_DEFAULT_PORT) != CURLUE_OK || !v) {
            curl_free(v);
            *err = "source_url has an invalid port";
            goto bad;
        }
        port = apr_pstrdup(p, v);
        curl_free(v);
    }
    pn = strtol(port, &end, 10);
    if (*end || pn < 1 || pn > 65535) {
        *err = "source_url has an invalid port";
        goto bad;
    }
    out->scheme = apr_pstrdup(p, scheme);
    {
        char *c;
        for (c = (char *)out->scheme; *c; c++)
            *c = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
    }
    out->host = host;
    out->port = (int)pn;
    out->host_is_ip = miq_fetch_ip_public(host) >= 0;
    return u;
bad:
    curl_url_cleanup(u);
    return NULL;
}

const char *miq_fetch_parse_url(apr_pool_t *p, const char *url, miq_fetch_url *out)
{
    const char *err;
    CURLU *u = parse(p, url, out, &err);
    if (u)
        curl_url_cleanup(u);
    return err;
}

/* Whether a path segment looks like a plain file name ("clip.mp4") rather
 * than something that may be a capability: short, [A-Za-z0-9._-] only, a
 * stem of at most 64 characters and an extension of 1 to 8 letters or digits. */
static int plain_file_name(const char *s, apr_size_t n)
{
    const char *dot = NULL, *c;
    apr_size_t ext;
    if (n == 0 || n > 80 || s[0] == '.')
        return 0;
    for (c = s; c < s + n; c++) {
        if (*c == '.')
            dot = c;
        else if (!apr_isalnum(*c) && *c != '_' && *c != '-')
            return 0;
    }
    if (!dot || dot - s > 64)
        return 0;
    ext = (apr_size_t)(s + n - dot - 1);
    if (ext < 1 || ext > 8)
        return 0;
    for (c = dot + 1; c < s + n; c++)
        if (!apr_isalnum(*c))
            return 0;
    return 1;
}

const char *miq_fetch_redact(apr_pool_t *p, const char *url)
{
    CURLU *u;
    const char *scheme, *host, *port, *path, *last, *end, *kept = "";
    curl_init_once();
    if (!url || !(u = curl_url()))
        return "(invalid URL)";
    if (curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK) {
        curl_url_cleanup(u);
        return "(invalid URL)";
    }
    scheme = url_part(p, u, CURLUPART_SCHEME);
    host = url_part(p, u, CURLUPART_HOST);
    port = url_part(p, u, CURLUPART_PORT);
    path = url_part(p, u, CURLUPART_PATH);
    curl_url_cleanup(u);
    /* A path may carry a capability (Dropbox /s/<token>/..., signed CDN
     * paths): only the last segment is kept, and only when it is a plain file
     * name; the segments before it become "...". */
    if (path && *path) {
        end = path + strlen(path);
        last = end;
        while (last > path && last[-1] != '/')
            last--;
        if (plain_file_name(last, (apr_size_t)(end - last)))
            kept = apr_pstrcat(p, last - path > 1 ? ".../" : "", last, NULL);
        else if (end - path > 1)
            kept = "...";
    }
    return apr_pstrcat(p, scheme ? scheme : "?", "://", host ? host : "", port ? ":" : "",
                       port ? port : "", "/", kept, NULL);
}

/* ---- resolution ---------------------------------------------------------------- */

/* getaddrinfo has no timeout: it runs in a thread of its own, and the
 * caller waits for it until the deadline. A late answer is freed by the
 * thread, which owns the job once the caller has given up on it. */
typedef struct gai_job {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int done, abandoned, rv;
    char host[256], port[8];
    struct addrinfo hints, *res;
} gai_job;

static void gai_job_free(gai_job *j)
{
    if (j->res)
        freeaddrinfo(j->res);
    pthread_cond_destroy(&j->cv);
    pthread_mutex_destroy(&j->mu);
    free(j);
}

static void *gai_thread(void *arg)
{
    gai_job *j = arg;
    int abandoned;
    j->rv = getaddrinfo(j->host, j->port, &j->hints, &j->res);
    pthread_mutex_lock(&j->mu);
    j->done = 1;
    abandoned = j->abandoned;
    pthread_cond_signal(&j->cv);
    pthread_mutex_unlock(&j->mu);
    if (abandoned)
        gai_job_free(j);
    return NULL;
}

#define GAI_TIMED_OUT (-100000)

/* getaddrinfo within deadline (absolute, CLOCK_REALTIME): its result, or
 * GAI_TIMED_OUT. */
static int gai_within(const char *host, const char *port, const struct addrinfo *hints,
                      struct addrinfo **res, const struct timespec *deadline)
{
    gai_job *j = calloc(1, sizeof(*j));
    pthread_attr_t attr;
    pthread_t t;
    int rv;
    *res = NULL;
    if (!j)
        return EAI_MEMORY;
    if (strlen(host) >= sizeof(j->host)) {
        free(j);
        return EAI_NONAME;
    }
    strcpy(j->host, host);
    snprintf(j->port, sizeof(j->port), "%s", port);
    j->hints = *hints;
    pthread_mutex_init(&j->mu, NULL);
    pthread_cond_init(&j->cv, NULL);
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    rv = pthread_create(&t, &attr, gai_thread, j);
    pthread_attr_destroy(&attr);
    if (rv) {
        gai_job_free(j);
        return EAI_AGAIN;
    }
    pthread_mutex_lock(&j->mu);
    while (!j->done)
        if (pthread_cond_timedwait(&j->cv, &j->mu, deadline) == ETIMEDOUT)
            break;
    if (!j->done) {
        j->abandoned = 1; /* the thread frees the job when getaddrinfo returns */
        pthread_mutex_unlock(&j->mu);
        return GAI_TIMED_OUT;
    }
    pthread_mutex_unlock(&j->mu);
    rv = j->rv;
    *res = j->res;
    j->res = NULL;
    gai_job_free(j);
    return rv;
}

const char *miq_fetch_resolve(apr_pool_t *p, const char *host, int port, int allow_private,
                              const char **pinned)
{
    return miq_fetch_resolve_within(p, host, port, allow_private, MIQ_FETCH_RESOLVE_MS, pinned);
}

const char *miq_fetch_resolve_within(apr_pool_t *p, const char *host, int port, int allow_private,
                                     int timeout_ms, const char **pinned)
{
    struct addrinfo hints, *res = NULL, *ai;
    char portstr[8], addr[INET6_ADDRSTRLEN];
    const char *first = NULL;
    struct timespec deadline;
    int rv;
    *pinned = NULL;
    clock_gettime(CLOCK_REALTIME, &deadline);
    if (timeout_ms <= 0)
        timeout_ms = 1;
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_ADDRCONFIG;
    snprintf(portstr, sizeof(portstr), "%d", port);
    rv = gai_within(host, portstr, &hints, &res, &deadline);
    if (rv == EAI_ADDRFAMILY || rv == EAI_NONAME || rv == EAI_NODATA) {
        /* AI_ADDRCONFIG hides loopback-only answers on hosts without a
         * configured address of that family: ask again without it. */
        hints.ai_flags = 0;
        rv = gai_within(host, portstr, &hints, &res, &deadline);
    }
    if (rv == GAI_TIMED_OUT)
        return apr_psprintf(p, "the source host %s could not be resolved in time", host);
    if (rv) {
        return apr_psprintf(p, "the source host %s could not be resolved (%s)", host,
                            gai_strerror(rv));
    }
    for (ai = res; ai; ai = ai->ai_next) {
        if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
            continue;
        if (!allow_private && !miq_fetch_addr_public(ai->ai_addr)) {
            freeaddrinfo(res);
            return apr_psprintf(p,
                                "the source host %s resolves to a private, loopback, "
                                "link-local or reserved address; imports may only reach "
                                "public addresses",
                                host);
        }
        if (!first &&
            inet_ntop(ai->ai_family,
                      ai->ai_family == AF_INET
                          ? (const void *)&((const struct sockaddr_in *)ai->ai_addr)->sin_addr
                          : (const void *)&((const struct sockaddr_in6 *)ai->ai_addr)->sin6_addr,
                      addr, sizeof(addr)))
            first = apr_pstrdup(p, addr);
    }
    freeaddrinfo(res);
    if (!first)
        return apr_psprintf(p, "the source host %s has no IPv4 or IPv6 address", host);
    *pinned = first;
    return NULL;
}

/* ---- the transfer ----------------------------------------------------------------- */

typedef struct xfer {
    CURL *curl;
    apr_file_t *f;
    apr_off_t bytes, max;
    int over, write_failed, allow_private, refused_socket;
    long status;
} xfer;

static size_t on_body(char *data, size_t size, size_t nmemb, void *baton)
{
    xfer *x = baton;
    apr_size_t n = size * nmemb;
    if (!x->status)
        curl_easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, &x->status);
    if (x->status < 200 || x->status > 299)
        return n; /* error pages and redirect bodies are dropped */
    if (x->bytes + (apr_off_t)n > x->max) {
        x->over = 1;
        return 0; /* aborts the transfer */
    }
    if (apr_file_write_full(x->f, data, n, NULL) != APR_SUCCESS) {
        x->write_failed = 1;
        return 0;
    }
    x->bytes += (apr_off_t)n;
    return n;
}

/* Every socket curl opens is checked again (defence in depth behind the pin). */
static curl_socket_t on_open_socket(void *baton, curlsocktype purpose, struct curl_sockaddr *a)
{
    xfer *x = baton;
    (void)purpose;
    if (!x->allow_private && !miq_fetch_addr_public(&a->addr)) {
        x->refused_socket = 1;
        return CURL_SOCKET_BAD;
    }
    return socket(a->family, a->socktype, a->protocol);
}

/* Content-Length is checked as the headers arrive: no byte of an oversize body is read. */
static size_t on_header(char *data, size_t size, size_t nmemb, void *baton)
{
    xfer *x = baton;
    size_t n = size * nmemb;
    x->status = 0; /* re-read for each response (1xx, then the final one) */
    if (n > 15 && !strncasecmp(data, "content-length:", 15)) {
        long code = 0;
        char *end;
        apr_int64_t v;
        curl_easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, &code);
        if (code >= 200 && code <= 299) {
            char buf[32];
            size_t m = n - 15 < sizeof(buf) - 1 ? n - 15 : sizeof(buf) - 1;
            memcpy(buf, data + 15, m);
            buf[m] = 0;
            v = apr_strtoi64(buf, &end, 10);
            if (v > x->max) {
                x->over = 1;
                return 0;
            }
        }
    }
    return n;
}

const char *miq_fetch_fetch(apr_pool_t *p, const char *url, const char *dest_path,
                            const miq_fetch_opts *o, miq_fetch_result *res, const char **code)
{
    int hops, max_redirects = o->max_redirects < 0 ? 3 : o->max_redirects;
    const char *current = url, *err = NULL;
    /* One bound for the whole import, redirects and name resolution included. */
    apr_time_t deadline = apr_time_now() +
                          apr_time_from_sec(o->total_timeout_s > 0 ? o->total_timeout_s : 600);
    xfer x;
    memset(res, 0, sizeof(*res));
    memset(&x, 0, sizeof(x));
    *code = "invalid_request";
    x.max = o->max_bytes > 0 ? o->max_bytes : APR_INT64_MAX;
    x.allow_private = o->allow_private;
    if (apr_file_open(&x.f, dest_path,
                      APR_FOPEN_WRITE | APR_FOPEN_CREATE | APR_FOPEN_TRUNCATE | APR_FOPEN_BINARY,
                      APR_FPROT_UREAD | APR_FPROT_UWRITE | APR_FPROT_GREAD, p) != APR_SUCCESS) {
        *code = "server_error";
        return "the import could not be stored";
    }
    for (hops = 0;; hops++) {
        miq_fetch_url pu;
        const char *pinned = NULL, *redacted = miq_fetch_redact(p, current);
        CURLU *u = parse(p, current, &pu, &err);
        struct curl_slist *resolve = NULL;
        char errbuf[CURL_ERROR_SIZE];
        CURLcode rc;
        char *location = NULL, *ctype = NULL;
        apr_time_t left = deadline - apr_time_now();
        long left_ms = (long)apr_time_as_msec(left);
        if (left_ms <= 0) {
            if (u)
                curl_url_cleanup(u);
            err = apr_psprintf(p, "fetching %s failed: timed out", redacted);
            break;
        }
        if (!u) {
            if (hops)
                err = apr_psprintf(p, "redirect %d: %s", hops, err);
            break;
        }
        if ((err = miq_fetch_resolve_within(
                 p, pu.host, pu.port, o->allow_private,
                 (int)(left_ms < MIQ_FETCH_RESOLVE_MS ? left_ms : MIQ_FETCH_RESOLVE_MS),
                 &pinned))) {
            curl_url_cleanup(u);
            break;
        }
        if (!(x.curl = curl_easy_init())) {
            curl_url_cleanup(u);
            err = "out of memory";
            *code = "server_error";
            break;
        }
        if (!pu.host_is_ip)
            resolve = curl_slist_append(NULL, apr_psprintf(p, "%s:%d:%s%s%s", pu.host, pu.port,
                                                           strchr(pinned, ':') ? "[" : "", pinned,
                                                           strchr(pinned, ':') ? "]" : ""));
        apr_file_trunc(x.f, 0);
        x.bytes = 0;
        x.status = 0;
        errbuf[0] = 0;
        curl_easy_setopt(x.curl, CURLOPT_CURLU, u);
        curl_easy_setopt(x.curl, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(x.curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
        if (o->ca_file)
            curl_easy_setopt(x.curl, CURLOPT_CAINFO, o->ca_file);
        curl_easy_setopt(x.curl, CURLOPT_FOLLOWLOCATION, 0L);
        curl_easy_setopt(x.curl, CURLOPT_PROXY, "");
        curl_easy_setopt(x.curl, CURLOPT_NOPROXY, "*");
        curl_easy_setopt(x.curl, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(x.curl, CURLOPT_RESOLVE, resolve);
        curl_easy_setopt(x.curl, CURLOPT_CONNECTTIMEOUT,
                         (long)(o->connect_timeout_s > 0 ? o->connect_timeout_s : 10));
        left_ms = (long)apr_time_as_msec(deadline - apr_time_now());
        curl_easy_setopt(x.curl, CURLOPT_TIMEOUT_MS, left_ms > 0 ? left_ms : 1L);
        /* A source trickling bytes would hold the request thread for the
         * whole total bound: give up when it stays this slow this long. */
        curl_easy_setopt(x.curl, CURLOPT_LOW_SPEED_LIMIT,
                         (long)(o->low_speed_bytes > 0 ? o->low_speed_bytes : 1024));
        curl_easy_setopt(x.curl, CURLOPT_LOW_SPEED_TIME,
                         (long)(o->low_speed_s > 0 ? o->low_speed_s : 30));
        if (o->max_bytes > 0)
            curl_easy_setopt(x.curl, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)o->max_bytes);
        curl_easy_setopt(x.curl, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(x.curl, CURLOPT_WRITEDATA, &x);
        curl_easy_setopt(x.curl, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(x.curl, CURLOPT_HEADERDATA, &x);
        curl_easy_setopt(x.curl, CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
        curl_easy_setopt(x.curl, CURLOPT_OPENSOCKETDATA, &x);
        curl_easy_setopt(x.curl, CURLOPT_ERRORBUFFER, errbuf);
        curl_easy_setopt(x.curl, CURLOPT_USERAGENT, "MomentIQ-import/1");
        curl_easy_setopt(x.curl, CURLOPT_ACCEPT_ENCODING,
                         NULL); /* identity: the cap is on bytes stored */
        rc = curl_easy_perform(x.curl);
        curl_easy_getinfo(x.curl, CURLINFO_RESPONSE_CODE, &x.status);
        if (rc == CURLE_OK && x.status >= 300 && x.status < 400 &&
            curl_easy_getinfo(x.curl, CURLINFO_REDIRECT_URL, &location) == CURLE_OK && location)
            location = strdup(location);
        else
            location = NULL;
        if (curl_easy_getinfo(x.curl, CURLINFO_CONTENT_TYPE, &ctype) == CURLE_OK && ctype)
            res->content_type = apr_pstrdup(p, ctype);
        curl_easy_cleanup(x.curl);
        x.curl = NULL;
        curl_slist_free_all(resolve);
        curl_url_cleanup(u);
        res->url_redacted = redacted;
        if (x.over || rc == CURLE_FILESIZE_EXCEEDED) {
            err = apr_psprintf(p,
                               "the source is larger than the upload limit (%" APR_OFF_T_FMT
                               " bytes)",
                               x.max);
            *code = "payload_too_large";
            free(location);
            break;
        }
        if (x.write_failed) {
            err = "the import could not be stored";
            *code = "server_error";
            free(location);
            break;
        }
        if (x.refused_socket) {
            err = "the source address is private, loopback or link-local";
            free(location);
            break;
        }
        if (rc != CURLE_OK) {
            err = apr_psprintf(p, "fetching %s failed: %s", redacted,
                               rc == CURLE_OPERATION_TIMEDOUT    ? "timed out"
                               : *errbuf && !strstr(errbuf, "?") ? errbuf
                                                                 : curl_easy_strerror(rc));
            free(location);
            break;
        }
        if (location) {
            current = apr_pstrdup(p, location);
            free(location);
            if (hops >= max_redirects) {
                err = apr_psprintf(p, "the source redirected more than %d times", max_redirects);
                break;
            }
            res->redirects = hops + 1;
            continue;
        }
        if (x.status < 200 || x.status > 299) {
            err = apr_psprintf(p, "the source answered HTTP %ld for %s", x.status, redacted);
            break;
        }
        res->bytes = x.bytes;
        {
            const char *slash = strrchr(redacted, '/');
            if (slash && slash[1]) {
                char *dec = curl_easy_unescape(NULL, slash + 1, 0, NULL);
                if (dec) {
                    res->name_hint = apr_pstrdup(p, dec);
                    curl_free(dec);
                }
            }
        }
        break;
    }
    if (apr_file_close(x.f) != APR_SUCCESS && !err) {
        err = "the import could not be stored";
        *code = "server_error";
    }
    if (!err)
        *code = NULL;
    return err;
}
