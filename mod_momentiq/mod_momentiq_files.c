/* GET /files/<job_id>/<name>?exp=&sig=: job outputs served by httpd's own
 * file handling (default handler, sendfile when EnableSendfile is on, ranges,
 * conditional requests). A translate_name hook checks the URL's expiring
 * HMAC (miq_file_sig_ok) and maps the URI onto storage/outputs/, or
 * /files/media/<upload_id>.<ext> onto storage/uploads/ (the dashboard's signed
 * playback URLs); nothing else under the storage directory is reachable. Tampered or expired → 403; a
 * missing file → 404 from httpd. The access log format logs %U (no query),
 * so signatures never reach it. */
#include <string.h>
#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <http_protocol.h>
#include <apr_strings.h>
#include "mod_momentiq_private.h"
#include "mod_momentiq_files.h"
#include "jobs/miq_jobs.h"
#include "jobs/miq_uploads.h"
#include "jobs/miq_file_urls.h"

/* The value of key in a query string (not decoded: exp is digits, sig base64url). */
static const char *query_arg(apr_pool_t *p, const char *args, const char *key)
{
    apr_size_t klen = strlen(key);
    const char *s = args;
    while (s && *s) {
        const char *end = strchr(s, '&');
        apr_size_t n = end ? (apr_size_t)(end - s) : strlen(s);
        if (n > klen && !strncmp(s, key, klen) && s[klen] == '=')
            return apr_pstrndup(p, s + klen + 1, n - klen - 1);
        s = end ? end + 1 : NULL;
    }
    return NULL;
}

int miq_files_translate(request_rec *r)
{
    miq_srv_conf *sc = miq_conf(r->server);
    const char *relpath, *exp, *sig;
    if (sc->enabled != 1 || !r->uri || strncmp(r->uri, "/files/", 7))
        return DECLINED;
    relpath = r->uri + 7;
    /* Exactly <job_id>/<name> of [A-Za-z0-9_.-]; no "..", "//", backslash or NUL
     * (the decoded URI is a C string: an encoded NUL never gets this far). */
    if (!miq_files_relpath_ok(relpath) || strstr(relpath, "..") || strstr(relpath, "//") ||
        strchr(relpath, '\\') || !sc->storage_dir || !sc->mcp) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                      MIQLOGNO(10965) "MomentIQ: /files/ path refused");
        return HTTP_FORBIDDEN;
    }
    exp = query_arg(r->pool, r->args, "exp");
    sig = query_arg(r->pool, r->args, "sig");
    if (!miq_file_sig_ok(r->pool, sc->mcp, relpath, exp, sig, apr_time_now())) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                      MIQLOGNO(10966) "MomentIQ: /files/ signature invalid or expired");
        return HTTP_FORBIDDEN;
    }
    /* media/<upload_id>.<ext>: an upload's media for the dashboard's player
     * (the playback URLs of core/dashboard); job ids never are "media". */
    if (!strncmp(relpath, "media/", 6))
        r->filename = apr_pstrcat(r->pool, sc->storage_dir, "/uploads/", relpath + 6, NULL);
    else
        r->filename = apr_pstrcat(r->pool, sc->storage_dir, "/outputs/", relpath, NULL);
    r->canonical_filename = r->filename;
    apr_table_setn(r->headers_out, "X-Content-Type-Options", "nosniff");
    apr_table_setn(r->err_headers_out, "Cache-Control", "private, no-transform");
    return OK; /* r->handler unset: the default handler serves the file */
}
