/* Outbound fetches with libcurl (source_url imports, Client ID Metadata
 * Documents): fetch a remote file into the
 * storage directory, safely. Pure of httpd.
 *
 * - http and https only; credentials in the URL (user:pass@) are refused.
 * - The host is resolved here (getaddrinfo) and every address is checked:
 *   private, loopback, link-local, multicast, unspecified, reserved and
 *   documentation ranges (IPv4 and IPv6, including v4-mapped, v4-compatible,
 *   NAT64 and 6to4 forms) are refused unless allow_private. The checked
 *   address is pinned (CURLOPT_RESOLVE) so a second DNS answer (rebinding)
 *   cannot switch it, and every socket curl opens is checked again.
 * - Redirects are followed by hand (at most max_redirects), each hop parsed
 *   and checked like the first.
 * - The body is streamed to a file; the transfer is aborted as soon as it
 *   passes max_bytes. No proxy.
 * - Time is bounded: name resolution (in a thread, getaddrinfo having no
 *   timeout) within MIQ_FETCH_RESOLVE_MS, each connect within
 *   connect_timeout_s, the whole fetch (every hop, resolution included)
 *   within total_timeout_s, and a transfer slower than low_speed_bytes a
 *   second for low_speed_s seconds is aborted.
 * - The URL's query string and fragment (often signatures) are never
 *   returned in messages: use miq_fetch_redact for logs. */
#ifndef MIQ_FETCH_H
#define MIQ_FETCH_H

#include <apr_pools.h>
#include <apr_file_io.h>
#include <sys/socket.h>

typedef struct miq_fetch_opts {
    apr_off_t max_bytes;   /* size cap of the body */
    int allow_private;     /* MomentIQImportAllowPrivate */
    int connect_timeout_s; /* 0: 10 */
    int total_timeout_s;   /* 0: 600 */
    int max_redirects;     /* < 0: 3 */
    int low_speed_bytes;   /* abort below this many bytes/s ... (0: 1024) */
    int low_speed_s;       /* ... for this many seconds (0: 30) */
    const char *ca_file;   /* MomentIQFetchCAFile; NULL: the system store */
} miq_fetch_opts;

typedef struct miq_fetch_result {
    apr_off_t bytes;          /* body bytes written */
    const char *url_redacted; /* the final URL without userinfo, query or fragment */
    const char *name_hint;    /* the final URL's last path segment (percent-decoded), or NULL */
    const char *content_type; /* the final response's Content-Type, or NULL */
    int redirects;
} miq_fetch_result;

/* Fetches url into dest_path (created or truncated, mode 0640). Returns NULL
 * on success, else a message for the client (without the query string) and
 * *code: "invalid_request" (bad or refused URL, unreachable source, HTTP
 * error, timeout), "payload_too_large" (over max_bytes) or "server_error"
 * (local file). On failure the caller removes dest_path. */
const char *miq_fetch_fetch(apr_pool_t *p, const char *url, const char *dest_path,
                            const miq_fetch_opts *o, miq_fetch_result *res, const char **code);

/* ---- the checks, exposed for tests --------------------------------------- */

/* 1 when the address may be reached by an import without allow_private (a
 * global unicast address), 0 otherwise. AF_INET and AF_INET6 only. */
int miq_fetch_addr_public(const struct sockaddr *sa);
/* The same for a numeric address literal (IPv4 dotted quad, IPv6 with or
 * without brackets): 1 public, 0 refused, -1 not a numeric literal. */
int miq_fetch_ip_public(const char *literal);

typedef struct miq_fetch_url {
    const char *scheme; /* "http" or "https" */
    const char *host;   /* without brackets */
    int port;
    int host_is_ip; /* a numeric literal */
} miq_fetch_url;
/* Parses and checks a URL (the same parser curl uses): scheme http/https, a
 * host, no userinfo, a valid port. NULL or why not. */
const char *miq_fetch_parse_url(apr_pool_t *p, const char *url, miq_fetch_url *out);
/* The longest a name resolution may take. */
#define MIQ_FETCH_RESOLVE_MS 10000
/* Resolves host and checks every address; on success *pinned gets the
 * address to connect to (numeric text). NULL or why not. Gives up after
 * MIQ_FETCH_RESOLVE_MS. */
const char *miq_fetch_resolve(apr_pool_t *p, const char *host, int port, int allow_private,
                              const char **pinned);
/* The same within timeout_ms. */
const char *miq_fetch_resolve_within(apr_pool_t *p, const char *host, int port, int allow_private,
                                     int timeout_ms, const char **pinned);
/* scheme://host[:port]/ of url plus, at most, the last path segment when it
 * is a plain file name ("https://cdn.example/.../clip.mp4"); never userinfo,
 * query, fragment or the rest of the path, which may carry a capability
 * ("(invalid URL)" when it does not parse). For logs, messages and
 * uploads.source_url. */
const char *miq_fetch_redact(apr_pool_t *p, const char *url);

#endif
