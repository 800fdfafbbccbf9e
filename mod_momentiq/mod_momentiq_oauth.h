/* The OAuth 2.1 authorization server's glue (SPEC §5, issue #4), shared by
 * mod_momentiq_oauth*.c: request parsing and rendering. The protocol logic
 * is in core/oauth/miq_oauth*.c, the services over the database (clients,
 * codes, grants, revocation, introspection, trail) in miq_oauth_grants.h. */
#ifndef MOD_MOMENTIQ_OAUTH_H
#define MOD_MOMENTIQ_OAUTH_H

#include <apr_dbd.h>
#include <mod_dbd.h>
#include "mod_momentiq_oauth_conf.h"
#include "oauth/miq_oauth.h"
#include "oauth/miq_oauth_grants.h"

/* /api/auth/oauth/... endpoints, listed in the route table (mod_momentiq_routes.c),
 * which checks the method and answers the CORS preflight first. */
int miq_oauth_authorize(request_rec *r); /* mod_momentiq_oauth_authorize.c */
int miq_oauth_token(request_rec *r);     /* mod_momentiq_oauth_token.c */
int miq_oauth_revoke(request_rec *r);    /* mod_momentiq_oauth_revoke.c */
int miq_oauth_introspect(request_rec *r);
int miq_oauth_clients(request_rec *r); /* mod_momentiq_oauth_register.c */
int miq_oauth_register(request_rec *r);

/* ---- shared helpers (mod_momentiq_oauth.c) ------------------------------------- */

/* RFC 6749 error body with the status for the code; Cache-Control: no-store. */
int miq_oauth_send_error(request_rec *r, const char *error, const char *description);
/* A JSON body with Cache-Control: no-store. */
int miq_oauth_send_json(request_rec *r, int status, const char *body);
/* The form body (application/x-www-form-urlencoded, <= 64 KiB), duplicates
 * refused. OK with *form, or an error already sent. */
int miq_oauth_read_form(request_rec *r, apr_table_t **form);
/* What the core's OAuth services need of this request: its settings, and
 * its database connection as a miq_db (dbd NULL: every statement fails). */
const miq_oauth_settings *miq_oauth_settings_of(request_rec *r);
const miq_db *miq_oauth_db(request_rec *r, ap_dbd_t *dbd);
/* A service's outcome: its RFC 6749 error, else its body with status. */
int miq_oauth_send_outcome(request_rec *r, int status, const miq_oauth_outcome *out);
/* Client authentication (none, client_secret_basic, client_secret_post) of a
 * token/revoke/introspect request. client->client_id is set when it passed;
 * else it is NULL and the error was sent (401 invalid_client for an unknown
 * client or a wrong secret). Returns what the handler returns. */
int miq_oauth_authenticate_client(request_rec *r, ap_dbd_t *dbd, apr_table_t *form,
                                  miq_oauth_client *client);
/* One step of the diagnostic trail (never a secret; miq_oauth_trail_add).
 * NULL args are SQL NULL; nothing without dbd. */
void miq_oauth_trail(request_rec *r, ap_dbd_t *dbd, const char *correlation_id,
                     const char *client_id, const char *account_id, const char *step,
                     const char *error, const char *detail);

#endif
