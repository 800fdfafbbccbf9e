/* HTTP header rules that do not need httpd: media types, Accept, Origin and
 * Host validation (DNS-rebinding protection). */
#ifndef MIQ_HTTP_RULES_H
#define MIQ_HTTP_RULES_H

#include <apr_pools.h>
#include <apr_tables.h>

/* Whether a Content-Type names type (parameters ignored, case-insensitive). */
int miq_http_ctype_is(const char *ctype, const char *type);
/* Whether an Accept header admits type ("a/b", "a/ *", "* / *", q>0). A missing
 * header admits everything. */
int miq_http_accepts(const char *accept, const char *type);
/* Whether an Origin header value is allowed: the origin of base_url, one of
 * allowed (exact "scheme://host[:port]" or "*"), or, when base_url is on a
 * loopback host, any loopback origin. */
int miq_http_origin_allowed(apr_pool_t *p, const char *origin, const char *base_url,
                            const apr_array_header_t *allowed);
/* Whether a Host header value names this server: base_url's host, one of
 * allowed (host names, "*" for any), or loopback when base_url is loopback. */
int miq_http_host_allowed(apr_pool_t *p, const char *host, const char *base_url,
                          const apr_array_header_t *allowed);
/* Host part of "host[:port]" or "[v6]:port", lowercased. */
const char *miq_http_host_only(apr_pool_t *p, const char *hostport);

#endif
