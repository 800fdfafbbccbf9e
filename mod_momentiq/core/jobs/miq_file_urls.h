/* Signed /files/ URLs for job outputs (served by httpd, checked here). */
#ifndef MIQ_FILE_URLS_H
#define MIQ_FILE_URLS_H

#include <apr_pools.h>
#include <apr_time.h>
#include "base/miq_server.h"

/* Signed output URLs: base_url + "/files/" + relpath + "?exp=&sig=", HMAC-SHA256
 * with the server secret over "relpath\nexp". relpath is below outputs/. */
const char *miq_file_url(apr_pool_t *p, const miq_server *srv, const char *relpath,
                         apr_time_t expires);
/* 1 when sig is valid for relpath and exp is in the future. */
int miq_file_sig_ok(apr_pool_t *p, const miq_server *srv, const char *relpath, const char *exp,
                    const char *sig, apr_time_t now);

#endif
