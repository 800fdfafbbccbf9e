/* GET-only public documents (mod_momentiq_discovery.c). */
#ifndef MOD_MOMENTIQ_DISCOVERY_H
#define MOD_MOMENTIQ_DISCOVERY_H

#include <httpd.h>

int miq_handle_discovery(request_rec *r);

#endif
