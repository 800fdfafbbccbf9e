/* The dashboard's billing and usage routes (mod_momentiq_billing.c). */
#ifndef MOD_MOMENTIQ_BILLING_H
#define MOD_MOMENTIQ_BILLING_H

#include <httpd.h>
#include <apr_dbd.h>
#include <mod_dbd.h>
#include "mod_momentiq_session.h"

/* /api/dashboard/billing..., /api/dashboard/usage for a signed-in session
 * (CSRF already checked for state changes); DECLINED for other paths. */
int miq_dashboard_billing(request_rec *r, ap_dbd_t *dbd, const miq_web_session *s,
                          const char *path);

#endif
