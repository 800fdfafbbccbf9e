/* Helpers shared by the OAuth integration suites (test_oauth*.c). */
#ifndef MIQ_ITEST_OAUTH_H
#define MIQ_ITEST_OAUTH_H

#include "itest.h"

#define CHATGPT    "itest-chatgpt"
#define CHATGPT_CB "https://chatgpt.com/connector_platform_oauth_redirect"
#define FORM       "Content-Type: application/x-www-form-urlencoded"

typedef struct pkce {
    const char *verifier, *challenge;
} pkce;

typedef struct flow {
    const char *client_id, *redirect, *scope, *state, *correlation;
    pkce k;
    const char *code;
    it_resp *last;
} flow;

/* Form-urlencoded s. */
const char *itoa_enc(const char *s);
/* The canonical MCP URL of the test server. */
const char *itoa_mcp_url(void);
/* The authorization URL (path and query) for f. */
const char *itoa_authorize_query(const flow *f);
/* tools/list at /mcp (2026 era) with the token: the HTTP status. */
long itoa_mcp_status(const char *token);
/* A fresh verifier (noted as a secret) and its S256 challenge. */
pkce itoa_new_pkce(void);
/* GET the consent screen as a, POST decision with the boxes in grants (NULL:
 * all); on approve f->code (noted). 1 when the redirect came back. */
int itoa_consent(it_account *a, flow *f, const char *decision, const char *grants);
/* POST a form to the token endpoint with up to two extra headers. */
it_resp *itoa_token_post(const char *body, const char *const *extra);

#endif
