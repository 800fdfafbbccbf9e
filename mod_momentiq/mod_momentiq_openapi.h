/* GET /v1/openapi.json: the OpenAPI 3.1 description of /v1 and of the
 * webhook events (docs/openapi.json, built into the module). */
#ifndef MOD_MOMENTIQ_OPENAPI_H
#define MOD_MOMENTIQ_OPENAPI_H

#include <httpd.h>

int miq_handle_openapi(request_rec *r);

#endif
