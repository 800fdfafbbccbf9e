/* /v1/uploads and below (mod_momentiq_upload.c). */
#ifndef MOD_MOMENTIQ_UPLOAD_H
#define MOD_MOMENTIQ_UPLOAD_H

#include <httpd.h>
#include "base/miq_caller.h"
#include "mod_momentiq_private.h"

/* Called by miq_handle_rest after the bearer check: an invalid token was
 * already answered 401; caller is authenticated, except for a PUT without
 * credentials (the signed upload URL: caller->account_id NULL, the handler
 * checks the signature). */
int miq_handle_uploads(request_rec *r, const miq_caller *caller);
/* PUT /v1/uploads/{id}/bytes?exp=&sig= (signed upload URL, no API key needed):
 * DECLINED for any other URI, else the response was sent (other methods get
 * 405). miq_handle_uploads calls it first too, so either order works. */
int miq_upload_put_route(request_rec *r);
/* The upload services' configuration (jobs/miq_uploads.h) for r: the
 * server's, with the quotas and free-space margin of r's location. */
struct miq_upload_conf;
void miq_upload_conf_of(request_rec *r, struct miq_upload_conf *c);

#endif
