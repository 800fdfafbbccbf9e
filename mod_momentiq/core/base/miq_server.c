/* The server's identity and keys (see miq_server.h). */
#include <string.h>
#include "base/miq_crypto.h"
#include <apr_strings.h>
#include "base/miq_server.h"

static void derive(const unsigned char *secret, apr_size_t len, const char *purpose,
                   unsigned char out[32])
{
    const char *prefix = "MomentIQ key v1 ";
    char label[64];
    apr_size_t n = strlen(prefix), m = strlen(purpose);
    memcpy(label, prefix, n);
    memcpy(label + n, purpose, m);
    miq_hmac_sha256(secret, len, label, n + m, out);
}

void miq_server_set_secret(miq_server *srv, const unsigned char *secret, apr_size_t len)
{
    srv->state_key = secret;
    srv->state_key_len = len;
    memset(&srv->keys, 0, sizeof(srv->keys));
    if (!secret || !len)
        return;
    derive(secret, len, "file urls", srv->keys.file_urls);
    derive(secret, len, "upload urls", srv->keys.upload_urls);
    derive(secret, len, "request state", srv->keys.request_state);
    derive(secret, len, "oauth", srv->keys.oauth);
    derive(secret, len, "webhooks", srv->keys.webhooks);
}

/* The host of an origin "scheme://host[:port]", without the port. */
static const char *origin_host(apr_pool_t *p, const char *base_url)
{
    const char *h = base_url ? strstr(base_url, "://") : NULL, *end;
    if (!h)
        return "localhost";
    h += 3;
    if (*h == '[') /* an IPv6 literal keeps its brackets */
        end = strchr(h, ']') ? strchr(h, ']') + 1 : h + strlen(h);
    else
        end = h + strcspn(h, ":/");
    return end > h ? apr_pstrndup(p, h, end - h) : "localhost";
}

void miq_server_set_operator(miq_server *srv, const char *name, const char *support_email,
                             const char *privacy_url, const char *terms_url)
{
    apr_pool_t *p = srv->pool;
    const char *base = srv->base_url ? srv->base_url : "";
    srv->service_name = apr_pstrdup(p, name ? name : MIQ_DEFAULT_SERVICE_NAME);
    srv->title = srv->service_name;
    srv->support_email = support_email
                             ? apr_pstrdup(p, support_email)
                             : apr_pstrcat(p, "support@", origin_host(p, srv->base_url), NULL);
    srv->privacy_url = privacy_url ? apr_pstrdup(p, privacy_url)
                                   : apr_pstrcat(p, base, "/legal/privacy", NULL);
    srv->terms_url = terms_url ? apr_pstrdup(p, terms_url)
                               : apr_pstrcat(p, base, "/legal/terms", NULL);
}
