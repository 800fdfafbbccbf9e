/* Request and response bodies, Origin and Host checks (mod_momentiq_body.c). */
#ifndef MOD_MOMENTIQ_BODY_H
#define MOD_MOMENTIQ_BODY_H

#include <httpd.h>
#include <jansson.h>
#include "mod_momentiq_private.h"

/* Reads a JSON object body (Content-Type application/json, <= limit bytes).
 * Returns OK with *out, or an HTTP status with *err set. */
int miq_read_json_body(request_rec *r, apr_off_t limit, json_t **out, const char **err);
/* Writes a JSON body with status; body NULL sends only the status. */
int miq_send_json(request_rec *r, int status, const char *body);
/* {"error":{"code","message"}} with status. */
int miq_send_error(request_rec *r, int status, const char *code, const char *message);
/* Reads the request body up to limit bytes; returns OK, HTTP_REQUEST_ENTITY_TOO_LARGE
 * or HTTP_BAD_REQUEST. */
int miq_read_body(request_rec *r, apr_off_t limit, const char **body, apr_size_t *len);
/* Whether Origin (if present) and Host are acceptable for this server. */
int miq_origin_ok(request_rec *r, const miq_srv_conf *sc);
int miq_host_ok(request_rec *r, const miq_srv_conf *sc);

/* A core service's reply as HTTP (the body, or {"error":{code,message}}
 * with the reply's extra fields next to "error"; Cache-Control: no-store),
 * and the 503 of a missing database ("the <what> database is unavailable;
 * try again shortly"; what may be NULL). */
struct miq_reply;
int miq_send_reply(request_rec *r, const struct miq_reply *rep);
int miq_send_db_unavailable(request_rec *r, const char *what);

/* The value of a query parameter, decoded ("" when it does not decode), NULL
 * when absent; a decimal integer in [lo, hi] from such a value, -1 when not. */
const char *miq_query_arg(request_rec *r, const char *name);
int miq_query_int(const char *s, int lo, int hi);

#endif
