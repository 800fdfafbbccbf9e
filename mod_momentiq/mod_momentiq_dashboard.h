/* /api/dashboard/...: tokens and keys, and the billing routes (mod_momentiq_dashboard.c). */
#ifndef MOD_MOMENTIQ_DASHBOARD_H
#define MOD_MOMENTIQ_DASHBOARD_H

#include <httpd.h>

int miq_handle_dashboard(request_rec *r);

#endif
