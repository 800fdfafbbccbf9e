/* /v1/...: the JSON REST API (mod_momentiq_rest.c). */
#ifndef MOD_MOMENTIQ_REST_H
#define MOD_MOMENTIQ_REST_H

#include <httpd.h>

int miq_handle_rest(request_rec *r);

#endif
