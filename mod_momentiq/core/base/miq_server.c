/* The server's identity and keys (see miq_server.h). */
#include <string.h>
#include "base/miq_crypto.h"
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
