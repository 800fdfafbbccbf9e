/* Bearer tokens (mod_momentiq_auth.c). */
#ifndef MOD_MOMENTIQ_AUTH_H
#define MOD_MOMENTIQ_AUTH_H

#include <httpd.h>
#include <apr_dbd.h>
#include <mod_dbd.h>
#include "base/miq_caller.h"

/* Verifies the Authorization header on every call, with no cache: 0 no
 * credentials presented; 1 valid (*caller filled); -1 invalid (unknown,
 * malformed, expired, revoked: recorded as an invalid_api_key event; *why says
 * which); -2 database unavailable. */
int miq_auth_bearer(request_rec *r, ap_dbd_t *dbd, const char *surface, miq_caller *caller,
                    const char **why);
/* The WWW-Authenticate challenge value pointing at the protected resource metadata. */
const char *miq_auth_challenge(request_rec *r, const char *error);

#endif
