/* Request I/O shared by every MomentIQ handler. */
#include <string.h>
#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <http_protocol.h>
#include <apr_strings.h>
#include "mod_momentiq_private.h"
#include "mod_momentiq_body.h"
#include "base/miq_http_rules.h"
#include "base/miq_json.h"
#include "base/miq_reply.h"

int miq_send_json(request_rec *r, int status, const char *body)
{
    r->status = status;
    if (!body) {
        ap_set_content_length(r, 0);
        return OK;
    }
    ap_set_content_type(r, "application/json");
    ap_set_content_length(r, (apr_off_t)strlen(body));
    if (!r->header_only)
        ap_rwrite(body, (int)strlen(body), r);
    return OK;
}

int miq_send_error(request_rec *r, int status, const char *code, const char *message)
{
    json_t *e = miq_json_packp(r->pool, "{s:{s:s,s:s}}", "error", "code", code, "message", message);
    return miq_send_json(r, status, miq_json_dump(r->pool, e));
}

int miq_send_reply(request_rec *r, const miq_reply *rep)
{
    json_t *e;
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    if (rep->status < 400)
        return miq_send_json(r, rep->status, rep->body ? miq_json_dump(r->pool, rep->body) : "{}");
    e = miq_json_packp(r->pool, "{s:{s:s,s:s}}", "error", "code",
                       rep->code ? rep->code : "server_error", "message",
                       rep->message ? rep->message : "error");
    if (json_is_object(rep->body))
        json_object_update_missing(e, rep->body);
    return miq_send_json(r, rep->status, miq_json_dump(r->pool, e));
}

int miq_send_db_unavailable(request_rec *r, const char *what)
{
    return miq_send_error(r, HTTP_SERVICE_UNAVAILABLE, "server_error",
                          apr_pstrcat(r->pool, "the ", what ? what : "", what ? " " : "",
                                      "database is unavailable; try again shortly", NULL));
}

int miq_read_body(request_rec *r, apr_off_t limit, const char **body, apr_size_t *len)
{
    const char *cl = apr_table_get(r->headers_in, "Content-Length");
    char *buf;
    apr_size_t cap, n = 0;
    long got;
    int rv;
    *body = NULL;
    *len = 0;
    if (cl) {
        char *end;
        apr_int64_t v = apr_strtoi64(cl, &end, 10);
        if (*end || v < 0)
            return HTTP_BAD_REQUEST;
        if (v > limit)
            return HTTP_REQUEST_ENTITY_TOO_LARGE;
    }
    if ((rv = ap_setup_client_block(r, REQUEST_CHUNKED_DECHUNK)) != OK)
        return HTTP_BAD_REQUEST;
    if (!ap_should_client_block(r))
        return OK;
    cap = cl ? (apr_size_t)apr_atoi64(cl) + 1 : 8192;
    buf = apr_palloc(r->pool, cap);
    for (;;) {
        if (n + 1 >= cap) {
            char *nb;
            if ((apr_off_t)cap > limit + 1)
                return HTTP_REQUEST_ENTITY_TOO_LARGE;
            nb = apr_palloc(r->pool, cap * 2);
            memcpy(nb, buf, n);
            buf = nb;
            cap *= 2;
        }
        got = ap_get_client_block(r, buf + n, cap - n - 1);
        if (got < 0)
            return HTTP_BAD_REQUEST;
        if (got == 0)
            break;
        n += (apr_size_t)got;
        if ((apr_off_t)n > limit)
            return HTTP_REQUEST_ENTITY_TOO_LARGE;
    }
    buf[n] = 0;
    *body = buf;
    *len = n;
    return OK;
}

int miq_origin_ok(request_rec *r, const miq_srv_conf *sc)
{
    return miq_http_origin_allowed(r->pool, apr_table_get(r->headers_in, "Origin"), sc->base_url,
                                   sc->origins);
}

int miq_host_ok(request_rec *r, const miq_srv_conf *sc)
{
    const char *host = apr_table_get(r->headers_in, "Host");
    if (!host) /* HTTP/1.0 without Host: httpd already chose the server */
        return 1;
    return miq_http_host_allowed(r->pool, host, sc->base_url, sc->hosts);
}

int miq_read_json_body(request_rec *r, apr_off_t limit, json_t **out, const char **err)
{
    const char *body, *perr = NULL;
    apr_size_t len;
    int rv;
    *out = NULL;
    if (!miq_http_ctype_is(apr_table_get(r->headers_in, "Content-Type"), "application/json")) {
        *err = "Content-Type must be application/json";
        return HTTP_UNSUPPORTED_MEDIA_TYPE;
    }
    rv = miq_read_body(r, limit, &body, &len);
    if (rv == HTTP_REQUEST_ENTITY_TOO_LARGE) {
        *err = apr_psprintf(r->pool, "the body is larger than %" APR_OFF_T_FMT " bytes", limit);
        return rv;
    }
    if (rv != OK) {
        *err = "could not read the request body";
        return HTTP_BAD_REQUEST;
    }
    *out = body && len ? miq_json_parse(r->pool, body, len, &perr) : NULL;
    if (!json_is_object(*out)) {
        *err = perr ? apr_psprintf(r->pool, "the body is not valid JSON: %s", perr)
                    : "the body must be a JSON object";
        *out = NULL;
        return HTTP_BAD_REQUEST;
    }
    return OK;
}

const char *miq_query_arg(request_rec *r, const char *name)
{
    char *args, *pair, *last = NULL;
    apr_size_t n = strlen(name);
    if (!r->args)
        return NULL;
    args = apr_pstrdup(r->pool, r->args);
    for (pair = apr_strtok(args, "&", &last); pair; pair = apr_strtok(NULL, "&", &last)) {
        if (!strncmp(pair, name, n) && (pair[n] == '=' || !pair[n])) {
            char *v = pair[n] ? pair + n + 1 : pair + n;
            return ap_unescape_urlencoded(v) == OK ? v : "";
        }
    }
    return NULL;
}

int miq_query_int(const char *s, int lo, int hi)
{
    int v = 0;
    const char *c;
    if (!s || !*s || strlen(s) > 6)
        return -1;
    for (c = s; *c; c++) {
        if (*c < '0' || *c > '9')
            return -1;
        v = v * 10 + (*c - '0');
    }
    return v < lo || v > hi ? -1 : v;
}
