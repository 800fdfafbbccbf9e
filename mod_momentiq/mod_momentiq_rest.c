/* The JSON REST API under /v1 for developers (API keys or connector tokens).
 * Today: GET /v1/account. Uploads, estimates and jobs arrive with the jobs work. */
#include <string.h>
#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <http_protocol.h>
#include <apr_strings.h>
#include "mod_momentiq.h"
#include "miq_auth.h"
#include "miq_json.h"

APLOG_USE_MODULE(momentiq);

/* 401 with the Bearer challenge. */
static int rest_unauthorized(request_rec *r, const char *code, const char *message)
{
    apr_table_setn(r->err_headers_out, "WWW-Authenticate",
                   miq_auth_challenge(r, !strcmp(code, "invalid_api_key") ? "invalid_token"
                                                                          : NULL));
    return miq_send_error(r, HTTP_UNAUTHORIZED, code, message);
}

/* Every /v1 route needs a valid token; returns OK with *caller, or the response sent. */
static int rest_authenticate(request_rec *r, ap_dbd_t *dbd, miq_caller *caller, int *sent)
{
    const char *why = NULL;
    int rv = miq_auth_bearer(r, dbd, "rest", caller, &why);
    *sent = 1;
    if (rv == -2)
        return miq_send_error(r, HTTP_SERVICE_UNAVAILABLE, "server_error",
                              "the database is unavailable; try again shortly");
    if (rv == -1)
        return rest_unauthorized(r, "invalid_api_key",
                                 apr_psprintf(r->pool, "the API key or token is %s",
                                              !strcmp(why, "revoked")   ? "revoked"
                                              : !strcmp(why, "expired") ? "expired"
                                                                        : "not valid"));
    if (rv == 0)
        return rest_unauthorized(r, "authentication_required",
                                 "send Authorization: Bearer <API key or connector token>");
    *sent = 0;
    return OK;
}

static int get_account(request_rec *r, const miq_caller *caller)
{
    json_t *warnings = NULL, *view = miq_account_view(r->pool, caller, &warnings), *w;
    size_t i;
    json_array_foreach(warnings, i, w)
    {
        miq_event_push("readiness_warning", miq_json_str(w, "code", ""), caller->account_id,
                       caller->token_id, "rest", NULL);
    }
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    return miq_send_json(r, HTTP_OK, miq_json_dump(r->pool, view));
}

int miq_handle_rest(request_rec *r)
{
    ap_dbd_t *dbd = miq_dbd(r);
    miq_caller caller;
    int sent, rv = rest_authenticate(r, dbd, &caller, &sent);
    if (sent)
        return rv;
    if (!strcmp(r->uri, "/v1/account")) {
        if (r->method_number != M_GET) {
            apr_table_setn(r->headers_out, "Allow", "GET");
            return miq_send_error(r, HTTP_METHOD_NOT_ALLOWED, "invalid_request",
                                  "GET /v1/account");
        }
        return get_account(r, &caller);
    }
    return miq_send_error(r, HTTP_NOT_FOUND, "not_found",
                          apr_psprintf(r->pool, "no such route: %s %s", r->method, r->uri));
}
