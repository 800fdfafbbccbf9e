/* Rate limits in the glue (mod_momentiq_limits.c): the MomentIQRateLimit
 * directive, and the checks the route table, /mcp and /v1 run. The counting
 * is the core's (core/limits/miq_rate_limit.c). */
#ifndef MOD_MOMENTIQ_LIMITS_H
#define MOD_MOMENTIQ_LIMITS_H

#include <httpd.h>
#include <http_config.h>
#include <apr_dbd.h>
#include <mod_dbd.h>
#include "mod_momentiq_private.h"

void miq_rate_conf_init(miq_dir_conf *dc);
void miq_rate_conf_merge(miq_dir_conf *n, const miq_dir_conf *base, const miq_dir_conf *add);
const char *miq_set_rate_limit(cmd_parms *cmd, void *dcv, const char *cls, const char *count,
                               const char *seconds);

/* Counts this request in class c for subject (a token id; NULL: the client
 * address). 0 to go on, or the seconds the client must wait. */
int miq_rate_hit_request(request_rec *r, ap_dbd_t *dbd, miq_rate_class_e c, const char *subject);
/* The 429 rate_limited answer (JSON error, Retry-After). */
int miq_rate_send_refusal(request_rec *r, miq_rate_class_e c, int retry_after_s);
/* The route's per-address limit (MIQ_ROUTE_LIMIT_* flags): OK to go on,
 * DONE when the 429 was sent, or an HTTP status. */
int miq_rate_route(request_rec *r, unsigned route_flags);

#endif
