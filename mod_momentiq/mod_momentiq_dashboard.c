/* /api/dashboard/...: connector tokens and API keys of the signed-in account
 * (create with the secret shown once, list without secrets, revoke), and the
 * billing routes (mod_momentiq_billing.c). Every route needs a session; every
 * state change also needs the session's CSRF token. */
#include <string.h>
#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <http_protocol.h>
#include <apr_strings.h>
#include "mod_momentiq_private.h"
#include "mod_momentiq_dashboard.h"
#include "mod_momentiq_billing.h"
#include "mod_momentiq_body.h"
#include "mod_momentiq_dbd.h"
#include "mod_momentiq_session.h"
#include "accounts/miq_auth.h"
#include "base/miq_json.h"
#include "base/miq_scope.h"

#define DASH_BODY_LIMIT 65536
#define NAME_MAX_CHARS  100
#define EXPIRES_MIN_S   60
#define EXPIRES_MAX_S   (5 * 365 * 86400)
#define TOKEN_ID_MAX    64

/* A parsed dashboard route: which collection, and the token id for a revoke. */
typedef struct dash_route {
    miq_token_kind_e kind;
    const char *token_id; /* NULL: the collection itself */
} dash_route;

static int db_unavailable(request_rec *r)
{
    return miq_send_error(r, HTTP_SERVICE_UNAVAILABLE, "server_error",
                          "the account database is unavailable; try again shortly");
}

static int bad_request(request_rec *r, const char *message)
{
    return miq_send_error(r, HTTP_BAD_REQUEST, "invalid_request", message);
}

/* "connectors", "keys", "connectors/{id}/revoke", "keys/{id}/revoke". */
static int parse_route(apr_pool_t *p, const char *path, dash_route *out)
{
    const char *rest, *slash;
    if (!strncmp(path, "connectors", 10)) {
        out->kind = MIQ_TOKEN_CONNECTOR;
        rest = path + 10;
    } else if (!strncmp(path, "keys", 4)) {
        out->kind = MIQ_TOKEN_API_KEY;
        rest = path + 4;
    } else
        return 0;
    out->token_id = NULL;
    if (!*rest)
        return 1;
    if (*rest++ != '/' || !(slash = strchr(rest, '/')) || strcmp(slash, "/revoke"))
        return 0;
    if (slash == rest || slash - rest > TOKEN_ID_MAX)
        return 0;
    out->token_id = apr_pstrndup(p, rest, (apr_size_t)(slash - rest));
    return 1;
}

/* NULL for an empty date column (never used, never revoked...). */
static json_t *date_or_null(const char *v)
{
    return v && *v ? json_string(v) : json_null();
}

/* The canonical space-separated scopes as a JSON array. */
static json_t *scopes_array(apr_pool_t *p, const char *canonical)
{
    json_t *a = json_array();
    char *copy = apr_pstrdup(p, canonical ? canonical : ""), *last, *tok;
    for (tok = apr_strtok(copy, " ", &last); tok; tok = apr_strtok(NULL, " ", &last))
        json_array_append_new(a, json_string(tok));
    return a;
}

/* ---- create ------------------------------------------------------------ */

/* 1..100 characters (UTF-8 code points), no control characters. */
static const char *check_name(const char *name)
{
    const unsigned char *s;
    int chars = 0, visible = 0;
    if (!name)
        return "\"name\" is required (a string of 1 to 100 characters)";
    for (s = (const unsigned char *)name; *s; s++) {
        if (*s < 0x20 || *s == 0x7f)
            return "\"name\" must not contain control characters";
        if ((*s & 0xc0) != 0x80)
            chars++;
        if (*s != ' ')
            visible = 1;
    }
    if (!visible || chars > NAME_MAX_CHARS)
        return "\"name\" must be 1 to 100 characters";
    return NULL;
}

/* "scopes": a non-empty array of scope names; API keys default to "all". */
static const char *parse_scopes(request_rec *r, json_t *body, miq_token_kind_e kind, unsigned *bits)
{
    json_t *arr = json_object_get(body, "scopes"), *v;
    const char *list = "";
    size_t i;
    if (!arr && kind == MIQ_TOKEN_API_KEY)
        return miq_scope_parse(r->pool, "all", bits);
    if (!json_is_array(arr) || !json_array_size(arr))
        return "\"scopes\" must be a non-empty array, e.g. [\"all\"] or "
               "[\"audio/*\",\"video/*\"]";
    json_array_foreach(arr, i, v)
    {
        if (!json_is_string(v))
            return "every scope must be a string";
        list = apr_pstrcat(r->pool, list, i ? " " : "", json_string_value(v), NULL);
    }
    return miq_scope_parse(r->pool, list, bits);
}

/* "expires_in": absent or null for never, else whole seconds in range. */
static const char *parse_expires(json_t *body, long *out)
{
    json_t *v = json_object_get(body, "expires_in");
    json_int_t s;
    *out = 0;
    if (!v || json_is_null(v))
        return NULL;
    if (!json_is_integer(v))
        return "\"expires_in\" must be a whole number of seconds";
    s = json_integer_value(v);
    if (s < EXPIRES_MIN_S || s > EXPIRES_MAX_S)
        return "\"expires_in\" must be between 60 seconds and 5 years (157680000)";
    *out = (long)s;
    return NULL;
}

static int create_token(request_rec *r, ap_dbd_t *dbd, const miq_web_session *s,
                        miq_token_kind_e kind)
{
    json_t *body, *out;
    const char *err, *name, *scopes, *exp, *args[10], **row = NULL;
    unsigned bits = 0;
    long expires_in;
    int rv, ncols = 0;
    miq_new_token nt;

    rv = miq_read_json_body(r, DASH_BODY_LIMIT, &body, &err);
    if (rv != OK)
        return rv == HTTP_REQUEST_ENTITY_TOO_LARGE ? miq_send_error(r, rv, "payload_too_large", err)
                                                   : bad_request(r, err);
    name = miq_json_str(body, "name", NULL);
    if ((err = check_name(name)) || (err = parse_scopes(r, body, kind, &bits)) ||
        (err = parse_expires(body, &expires_in)))
        return bad_request(r, err);
    scopes = miq_scope_format(r->pool, bits);
    if ((err = miq_token_generate(r->pool, kind, &nt))) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      APLOGNO(10945) "MomentIQ: token generation failed: %s", err);
        return miq_send_error(r, HTTP_INTERNAL_SERVER_ERROR, "server_error",
                              "the token could not be created");
    }
    exp = apr_ltoa(r->pool, expires_in);
    args[0] = nt.id;
    args[1] = s->account_id;
    args[2] = miq_token_kind_name(kind);
    args[3] = name;
    args[4] = nt.hash; /* the only form of the secret that is stored */
    args[5] = nt.prefix;
    args[6] = scopes;
    args[7] = "dashboard";
    args[8] = exp;
    args[9] = exp;
    if (miq_db_row(r, dbd, MIQ_SQL_TOKEN_CREATE, 10, args, &row, &ncols) != 1 || ncols < 2)
        return db_unavailable(r);
    out = miq_json_packp(r->pool, "{s:s,s:s,s:s,s:s,s:o,s:s,s:s,s:o}", "token_id", nt.id, "token",
                         nt.secret, "kind", miq_token_kind_name(kind), "name", name, "scopes",
                         scopes_array(r->pool, scopes), "prefix", nt.prefix, "created_at",
                         row[0] ? row[0] : "", "expires_at", date_or_null(row[1]));
    /* The secret is in this body and nowhere else, ever. */
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    return miq_send_json(r, HTTP_CREATED, miq_json_dump(r->pool, out));
}

/* ---- list and revoke ------------------------------------------------------ */

static int list_tokens(request_rec *r, ap_dbd_t *dbd, const miq_web_session *s,
                       miq_token_kind_e kind)
{
    const char *args[2] = {s->account_id, miq_token_kind_name(kind)};
    apr_array_header_t *rows;
    json_t *list, *out;
    int ncols = 0, i;

    if (!(rows = miq_db_rows(r, dbd, MIQ_SQL_TOKEN_LIST, 2, args, &ncols)))
        return db_unavailable(r);
    list = json_array();
    out = miq_json_packp(r->pool, "{s:o}", "tokens", list);
    /* Columns: id, name, prefix, scopes, created_via, created, expires, last used, revoked. */
    for (i = 0; ncols >= 9 && i < rows->nelts; i++) {
        const char **c = APR_ARRAY_IDX(rows, i, const char **);
        json_array_append_new(list, json_pack("{s:s,s:s,s:s,s:o,s:s,s:o,s:o,s:o,s:s}", "token_id",
                                              c[0], "name", c[1], "prefix", c[2], "scopes",
                                              scopes_array(r->pool, c[3]), "created_at",
                                              c[5] ? c[5] : "", "expires_at", date_or_null(c[6]),
                                              "last_used_at", date_or_null(c[7]), "revoked_at",
                                              date_or_null(c[8]), "created_via", c[4] ? c[4] : ""));
    }
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    return miq_send_json(r, HTTP_OK, miq_json_dump(r->pool, out));
}

static int revoke_token(request_rec *r, ap_dbd_t *dbd, const miq_web_session *s,
                        const dash_route *rt)
{
    const char *kind = miq_token_kind_name(rt->kind);
    const char *args[7] = {rt->token_id, s->account_id, kind, rt->token_id,
                           rt->token_id, s->account_id, kind};
    int n = miq_db_exec(r, dbd, MIQ_SQL_TOKEN_REVOKE, 7, args);
    if (n < 0)
        return db_unavailable(r);
    /* Another account's token looks exactly like an unknown one. */
    if (n == 0)
        return miq_send_error(r, HTTP_NOT_FOUND, "not_found",
                              "no such active token on this account");
    return miq_send_json(r, HTTP_OK,
                         miq_json_dump(r->pool, miq_json_packp(r->pool, "{s:s,s:b}", "token_id",
                                                               rt->token_id, "revoked", 1)));
}

/* ---- routing ---------------------------------------------------------------- */

/* billing, billing/ledger, billing/checkout, usage (mod_momentiq_billing.c):
 * a session, and its CSRF token for anything but a read. */
static int billing_route(request_rec *r, const char *path)
{
    miq_web_session s;
    ap_dbd_t *dbd;
    int got;
    if (!(dbd = miq_dbd(r)))
        return db_unavailable(r);
    if ((got = miq_session_current(r, dbd, &s)) < 0)
        return db_unavailable(r);
    if (!got)
        return miq_send_error(r, HTTP_UNAUTHORIZED, "authentication_required",
                              "sign in first: this call needs a dashboard session");
    if (r->method_number != M_GET && !miq_csrf_valid(r, &s))
        return miq_send_error(r, HTTP_FORBIDDEN, "csrf_required",
                              "this call needs the session's CSRF token in X-CSRF-Token "
                              "(from login or GET /api/auth/session)");
    got = miq_dashboard_billing(r, dbd, &s, path);
    return got == DECLINED ? miq_send_error(r, HTTP_NOT_FOUND, "not_found", "no such resource")
                           : got;
}

int miq_handle_dashboard(request_rec *r)
{
    const char *path = r->uri + sizeof("/api/dashboard/") - 1;
    dash_route rt;
    miq_web_session s;
    ap_dbd_t *dbd;
    int got, is_post = r->method_number == M_POST;

    if (!strcmp(path, "billing") || !strncmp(path, "billing/", 8) || !strcmp(path, "usage"))
        return billing_route(r, path);
    if (!parse_route(r->pool, path, &rt))
        return miq_send_error(r, HTTP_NOT_FOUND, "not_found", "no such resource");
    if (rt.token_id ? !is_post : (!is_post && r->method_number != M_GET)) {
        apr_table_setn(r->headers_out, "Allow", rt.token_id ? "POST" : "GET, HEAD, POST");
        return miq_send_error(r, HTTP_METHOD_NOT_ALLOWED, "invalid_request",
                              "method not allowed on this resource");
    }
    if (!(dbd = miq_dbd(r)))
        return db_unavailable(r);
    if ((got = miq_session_current(r, dbd, &s)) < 0)
        return db_unavailable(r);
    if (!got)
        return miq_send_error(r, HTTP_UNAUTHORIZED, "authentication_required",
                              "sign in first: this call needs a dashboard session");
    if (is_post && !miq_csrf_valid(r, &s))
        return miq_send_error(r, HTTP_FORBIDDEN, "csrf_required",
                              "this call needs the session's CSRF token in X-CSRF-Token "
                              "(from login or GET /api/auth/session)");
    if (rt.token_id)
        return revoke_token(r, dbd, &s, &rt);
    return is_post ? create_token(r, dbd, &s, rt.kind) : list_tokens(r, dbd, &s, rt.kind);
}
