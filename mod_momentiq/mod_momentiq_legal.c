/* The policy pages: the facts come from this request's configuration (per
 * location directives such as MomentIQFreeCredits and MomentIQQuota apply),
 * the HTML from core/legal. */
#include <string.h>
#include <httpd.h>
#include <http_config.h>
#include <http_protocol.h>
#include <apr_strings.h>
#include "mod_momentiq_private.h"
#include "mod_momentiq_legal.h"
#include "mod_momentiq_body.h"
#include "mod_momentiq_billing_conf.h"
#include "mod_momentiq_config.h"
#include "mod_momentiq_oauth_conf.h"
#include "legal/miq_legal.h"

int miq_doc_legal(request_rec *r)
{
    miq_srv_conf *sc = miq_conf(r->server);
    miq_oauth_conf *oc = miq_oauth_cfg(r);
    miq_legal_facts f;
    apr_int64_t min_free;
    const char *page = r->uri + strlen("/legal/"), *html;
    memset(&f, 0, sizeof(f));
    f.srv = sc->mcp;
    f.free_credits = apr_atoi64(miq_free_credits(r));
    f.upload_retention_s = sc->upload_retention_s;
    f.output_retention_s = sc->output_retention_s;
    f.file_url_ttl_s = sc->file_url_ttl_s;
    f.max_upload = (apr_int64_t)sc->max_upload;
    miq_conf_quotas(r, &f.quotas, &min_free);
    f.access_token_ttl_s = oc->access_ttl_s;
    f.refresh_token_ttl_s = oc->refresh_ttl_s;
    f.session_idle_s = sc->session_idle_s;
    f.session_absolute_s = sc->session_absolute_s;
    f.record_requests = sc->record_requests;
    if (!(html = miq_legal_page(r->pool, page, &f)))
        return miq_send_error(r, HTTP_NOT_FOUND, "not_found",
                              "no such page; see /legal/privacy, /legal/terms, /legal/retention, "
                              "/legal/deletion or /legal/billing");
    apr_table_setn(r->headers_out, "Cache-Control", "no-cache");
    apr_table_setn(r->headers_out, "X-Content-Type-Options", "nosniff");
    apr_table_setn(r->headers_out, "Content-Security-Policy",
                   "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; "
                   "frame-ancestors 'none'");
    ap_set_content_type(r, "text/html; charset=utf-8");
    ap_set_content_length(r, (apr_off_t)strlen(html));
    if (!r->header_only)
        ap_rwrite(html, (int)strlen(html), r);
    return OK;
}
