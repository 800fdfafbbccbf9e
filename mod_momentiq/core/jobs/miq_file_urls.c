/* Signed, expiring output URLs: base_url/files/RELPATH?exp=UNIX&sig=B64URL where
 * sig = HMAC-SHA256(server secret, RELPATH "\n" EXP). The /files/ hook calls
 * miq_file_sig_ok with the decoded path before Apache serves the file. */
#include <string.h>
#include <apr_strings.h>
#include "base/miq_crypto.h"
#include "jobs/miq_jobs.h"
#include "jobs/miq_file_urls.h"

/* A path below outputs/ that cannot climb out of it. */
static int relpath_ok(const char *relpath)
{
    if (!relpath || !*relpath || relpath[0] == '/')
        return 0;
    if (strstr(relpath, "..") || strstr(relpath, "//") || strchr(relpath, '\\'))
        return 0;
    return 1;
}

static const char *file_sig(apr_pool_t *p, const miq_server *srv, const char *relpath,
                            const char *exp)
{
    unsigned char mac[32];
    const char *msg = apr_pstrcat(p, relpath, "\n", exp, NULL);
    miq_hmac_sha256(srv->keys.file_urls, sizeof(srv->keys.file_urls), msg, strlen(msg), mac);
    return miq_b64url_encode(p, mac, sizeof(mac));
}

/* Percent-encodes everything but unreserved characters and '/'. */
static const char *path_escape(apr_pool_t *p, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    char *out = apr_palloc(p, strlen(s) * 3 + 1), *o = out;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.' || c == '~' || c == '/')
            *o++ = (char)c;
        else {
            *o++ = '%';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
        }
    }
    *o = 0;
    return out;
}

const char *miq_file_url(apr_pool_t *p, const miq_server *srv, const char *relpath,
                         apr_time_t expires)
{
    const char *exp;
    if (!srv || !srv->state_key || !relpath_ok(relpath))
        return NULL;
    exp = apr_psprintf(p, "%" APR_TIME_T_FMT, apr_time_sec(expires));
    return apr_pstrcat(p, srv->base_url ? srv->base_url : "", "/files/", path_escape(p, relpath),
                       "?exp=", exp, "&sig=", file_sig(p, srv, relpath, exp), NULL);
}

int miq_file_sig_ok(apr_pool_t *p, const miq_server *srv, const char *relpath, const char *exp,
                    const char *sig, apr_time_t now)
{
    if (!srv || !srv->state_key || !relpath_ok(relpath) || !sig || !miq_expiry_ok(exp, now))
        return 0;
    return miq_secure_streq(file_sig(p, srv, relpath, exp), sig);
}
