/* The OAuth 2.1 authorization server's glue (SPEC §5, issue #4), shared by
 * mod_momentiq_oauth*.c. The protocol logic is in core/miq_oauth*.c. */
#ifndef MOD_MOMENTIQ_OAUTH_H
#define MOD_MOMENTIQ_OAUTH_H

#include <apr_dbd.h>
#include <mod_dbd.h>
#include "mod_momentiq_oauth_conf.h"
#include "oauth/miq_oauth.h"

/* /api/auth/oauth/... endpoints, listed in the route table (mod_momentiq_routes.c),
 * which checks the method and answers the CORS preflight first. */
int miq_oauth_authorize(request_rec *r);  /* mod_momentiq_oauth_authorize.c */
int miq_oauth_token(request_rec *r);      /* mod_momentiq_oauth_token.c */
int miq_oauth_revoke(request_rec *r);     /* mod_momentiq_oauth_misc.c */
int miq_oauth_introspect(request_rec *r);
int miq_oauth_clients(request_rec *r);
int miq_oauth_register(request_rec *r);

/* ---- shared helpers (mod_momentiq_oauth.c) ------------------------------------- */

/* RFC 6749 error body with the status for the code; Cache-Control: no-store. */
int miq_oauth_send_error(request_rec *r, const char *error, const char *description);
/* A JSON body with Cache-Control: no-store. */
int miq_oauth_send_json(request_rec *r, int status, const char *body);
/* The form body (application/x-www-form-urlencoded, <= 64 KiB), duplicates
 * refused. OK with *form, or an error already sent. */
int miq_oauth_read_form(request_rec *r, apr_table_t **form);
/* Finds a client: pre-registered, then (when enabled) a metadata document
 * (cached in oauth_clients), then a registered one. 1 found, 0 unknown, -1
 * database error; *why says why a metadata document was refused. */
int miq_oauth_find_client(request_rec *r, ap_dbd_t *dbd, const char *id,
                          miq_oauth_client *out, const char **why);
/* Client authentication (none, client_secret_basic, client_secret_post) of a
 * token/revoke/introspect request. client->client_id is set when it passed;
 * else it is NULL and the error was sent (401 invalid_client for an unknown
 * client or a wrong secret). Returns what the handler returns. */
int miq_oauth_authenticate_client(request_rec *r, ap_dbd_t *dbd, apr_table_t *form,
                                  miq_oauth_client *client);
/* One step of the diagnostic trail (never a secret). NULL args are SQL NULL. */
void miq_oauth_trail(request_rec *r, ap_dbd_t *dbd, const char *correlation_id,
                     const char *client_id, const char *account_id, const char *step,
                     const char *error, const char *detail);

#endif
