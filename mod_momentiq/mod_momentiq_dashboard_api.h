/* The dashboard pages' data under /api/dashboard/ (mod_momentiq_dashboard_api.c). */
#ifndef MOD_MOMENTIQ_DASHBOARD_API_H
#define MOD_MOMENTIQ_DASHBOARD_API_H

#include <httpd.h>
#include <apr_dbd.h>
#include <mod_dbd.h>
#include "mod_momentiq_session.h"

/* Whether path (below /api/dashboard/) is served here. */
int miq_dashboard_api_owns(const char *path);
/* DECLINED when the route table allows the request's method on r->uri; else
 * the 404 or 405 (with Allow) is sent and the handler's return value given. */
int miq_dashboard_api_refuse(request_rec *r);
/* Serves path for the signed-in session s (its CSRF token already checked
 * for a change). */
int miq_dashboard_api(request_rec *r, ap_dbd_t *dbd, const miq_web_session *s, const char *path);

#endif
