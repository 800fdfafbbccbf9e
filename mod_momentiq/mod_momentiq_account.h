/* Built-in accounts and remote-user sign-in (mod_momentiq_account.c). */
#ifndef MOD_MOMENTIQ_ACCOUNT_H
#define MOD_MOMENTIQ_ACCOUNT_H

#include <httpd.h>
#include <apr_dbd.h>
#include <mod_dbd.h>

/* Password sign-in, shared by /api/auth/login and the OAuth sign-in form:
 * throttled per account and address, one scrypt run either way. 1 with
 * *account_id; 0 refused (counted); -1 database error; -2 locked for *wait
 * seconds. No session is started. */
int miq_account_login(request_rec *r, ap_dbd_t *dbd, const char *normalized_email,
                      const char *password, const char **account_id, long *wait);
/* The account of r->user (MomentIQTrustRemoteUser), found or created, never
 * linked by email: 1 with *account_id and *email (may be NULL), -2 when the
 * email belongs to a password account not linked to this user, -1 on a
 * database error. */
int miq_account_remote(request_rec *r, ap_dbd_t *dbd, const char **account_id, const char **email);

/* Handlers of /api/auth/... (the route table, mod_momentiq_routes.c, checks
 * the method first). */
int miq_auth_signup(request_rec *r);         /* POST /api/auth/signup */
int miq_auth_login(request_rec *r);          /* POST /api/auth/login */
int miq_auth_logout(request_rec *r);         /* POST /api/auth/logout */
int miq_auth_session(request_rec *r);        /* GET /api/auth/session */
int miq_auth_remote_user(request_rec *r);    /* GET /api/auth/remote-user */
int miq_auth_remote_link(request_rec *r);    /* POST /api/auth/remote-user/link */
int miq_auth_password_rules(request_rec *r); /* GET /api/auth/password-rules */
int miq_auth_not_found(request_rec *r);      /* any other /api/auth/...: 404 */

#endif
