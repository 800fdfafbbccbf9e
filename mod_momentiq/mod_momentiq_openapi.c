/* GET /v1/openapi.json. The document is docs/openapi.json, assembled into
 * the module at build time (MIQ_OPENAPI_PATH, see the Makefile), so what is
 * served is always what was tested, with no file to find at run time. Public
 * and cacheable: a strong ETag (SHA-256 of the bytes) answers revalidation. */
#include <string.h>
#include <httpd.h>
#include <http_protocol.h>
#include <apr_strings.h>
#include "mod_momentiq_private.h"
#include "mod_momentiq_openapi.h"
#include "base/miq_crypto.h"

#ifndef MIQ_OPENAPI_PATH /* the Makefile gives the absolute path */
#define MIQ_OPENAPI_PATH "docs/openapi.json"
#endif

extern const char miq_openapi_doc[]; /* NUL-terminated */

__asm__(".section .rodata\n"
        ".balign 16\n"
        ".type miq_openapi_doc, @object\n"
        "miq_openapi_doc:\n"
        ".incbin \"" MIQ_OPENAPI_PATH "\"\n"
        ".byte 0\n"
        ".size miq_openapi_doc, . - miq_openapi_doc\n"
        ".previous\n");

int miq_handle_openapi(request_rec *r)
{
    apr_size_t n = strlen(miq_openapi_doc);
    const char *etag = apr_pstrcat(r->pool, "\"", miq_sha256_hex(r->pool, miq_openapi_doc, n), "\"",
                                   NULL);
    const char *inm = apr_table_get(r->headers_in, "If-None-Match");
    apr_table_setn(r->headers_out, "Cache-Control", "public, max-age=3600");
    apr_table_setn(r->headers_out, "Access-Control-Allow-Origin", "*");
    apr_table_setn(r->headers_out, "ETag", etag);
    if (inm && (strstr(inm, etag) || !strcmp(inm, "*")))
        return HTTP_NOT_MODIFIED;
    ap_set_content_type(r, "application/json");
    ap_set_content_length(r, (apr_off_t)n);
    if (!r->header_only)
        ap_rwrite(miq_openapi_doc, (int)n, r);
    return OK;
}
