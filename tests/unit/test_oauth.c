/* The OAuth authorization server's pure parts: PKCE (RFC 7636 Appendix B),
 * redirect URI rules against the attack corpus, parameters and errors, the
 * authorize checks, clients (directives, environment, DCR, metadata
 * documents), token derivation, metadata documents and pages. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <apr_strings.h>
#include "unit.h"
#include "accounts/miq_auth.h"
#include "base/miq_json.h"
#include "oauth/miq_oauth.h"
#include "base/miq_scope.h"

static apr_array_header_t *list(const char *first, ...)
{
    apr_array_header_t *a = apr_array_make(utp, 4, sizeof(const char *));
    va_list ap;
    const char *s;
    va_start(ap, first);
    for (s = first; s; s = va_arg(ap, const char *))
        APR_ARRAY_PUSH(a, const char *) = s;
    va_end(ap);
    return a;
}

static apr_array_header_t *registered(void)
{
    return list("https://chatgpt.com/connector_platform_oauth_redirect",
                "https://claude.ai/api/mcp/auth_callback", "http://127.0.0.1/callback",
                "http://localhost/callback", "http://[::1]/callback",
                "com.example.app:/oauth/callback", NULL);
}

static void test_pkce_rfc7636_appendix_b(void)
{
    const char *v = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const char *c = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
    CU_ASSERT_STRING_EQUAL(miq_oauth_pkce_s256(utp, v), c);
    CU_ASSERT_TRUE(miq_oauth_pkce_verify(utp, v, c));
    CU_ASSERT_FALSE(miq_oauth_pkce_verify(utp, v, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cN"));
    CU_ASSERT_FALSE(miq_oauth_pkce_verify(utp, "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXj", c));
    CU_ASSERT_FALSE(miq_oauth_pkce_verify(utp, v, v)); /* "plain" never verifies */
    CU_ASSERT_FALSE(miq_oauth_pkce_verifier_ok("short"));
    CU_ASSERT_FALSE(miq_oauth_pkce_verifier_ok("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjX!"));
    CU_ASSERT_TRUE(miq_oauth_pkce_verifier_ok(apr_psprintf(utp, "%0128d", 7)));
    CU_ASSERT_FALSE(miq_oauth_pkce_verifier_ok(apr_psprintf(utp, "%0129d", 7)));
    CU_ASSERT_PTR_NULL(miq_oauth_pkce_s256(utp, NULL));
    CU_ASSERT_FALSE(miq_oauth_pkce_challenge_ok("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-c"));
}

/* Decodes the corpus escapes \r \n \t \s \\ . */
static const char *unescape(const char *line)
{
    char *out = apr_palloc(utp, strlen(line) + 1), *o = out;
    for (; *line; line++) {
        if (*line == '\\' && line[1]) {
            char c = line[1];
            if (c == 'r' || c == 'n' || c == 't' || c == 's' || c == '\\') {
                *o++ = c == 'r' ? '\r' : c == 'n' ? '\n' : c == 't' ? '\t' : c == 's' ? ' ' : '\\';
                line++;
                continue;
            }
        }
        *o++ = *line;
    }
    *o = 0;
    return out;
}

static void test_redirect_attack_corpus_all_refused(void)
{
    const char *path = apr_pstrcat(utp, __FILE__, NULL);
    apr_array_header_t *reg = registered();
    char line[4096];
    FILE *f;
    int n = 0, accepted = 0;
    *strrchr((char *)path, '/') = 0;
    path = apr_pstrcat(utp, path, "/oauth_redirect_attacks.txt", NULL);
    f = fopen(path, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    while (fgets(line, sizeof(line), f)) {
        const char *u;
        line[strcspn(line, "\n")] = 0;
        if (!*line || !strncmp(line, "# ", 2) || !strcmp(line, "#"))
            continue;
        u = unescape(line);
        n++;
        if (!miq_oauth_redirect_match(utp, reg, u)) {
            accepted++;
            fprintf(stderr, "\n  ACCEPTED attack redirect: %s", line);
        }
    }
    fclose(f);
    CU_ASSERT_TRUE(n >= 100);
    CU_ASSERT_EQUAL(accepted, 0);
}

static void test_redirect_exact_and_loopback_any_port(void)
{
    apr_array_header_t *reg = registered();
    CU_ASSERT_PTR_NULL(
        miq_oauth_redirect_match(utp, reg,
                                 "https://chatgpt.com/connector_platform_oauth_redirect"));
    CU_ASSERT_PTR_NULL(
        miq_oauth_redirect_match(utp, reg, "https://claude.ai/api/mcp/auth_callback"));
    CU_ASSERT_PTR_NULL(miq_oauth_redirect_match(utp, reg, "http://127.0.0.1:53682/callback"));
    CU_ASSERT_PTR_NULL(miq_oauth_redirect_match(utp, reg, "http://127.0.0.1/callback"));
    CU_ASSERT_PTR_NULL(miq_oauth_redirect_match(utp, reg, "http://localhost:8080/callback"));
    CU_ASSERT_PTR_NULL(miq_oauth_redirect_match(utp, reg, "http://[::1]:65535/callback"));
    CU_ASSERT_PTR_NULL(miq_oauth_redirect_match(utp, reg, "com.example.app:/oauth/callback"));
    /* loopback with a query registered: the same query, any port */
    CU_ASSERT_PTR_NULL(miq_oauth_redirect_match(utp, list("http://127.0.0.1:9/cb?a=1", NULL),
                                                "http://127.0.0.1:4000/cb?a=1"));
    CU_ASSERT_PTR_NOT_NULL(miq_oauth_redirect_match(utp, list("http://127.0.0.1:9/cb?a=1", NULL),
                                                    "http://127.0.0.1:4000/cb?a=2"));
    /* the loopback rule does not cross hosts */
    CU_ASSERT_PTR_NOT_NULL(miq_oauth_redirect_match(utp, list("http://localhost/cb", NULL),
                                                    "http://127.0.0.1:4000/cb"));
    CU_ASSERT_PTR_NOT_NULL(miq_oauth_redirect_match(utp, reg, NULL));
    CU_ASSERT_PTR_NOT_NULL(miq_oauth_redirect_match(utp, reg, ""));
}

static void test_redirect_registrable(void)
{
    static const char *const good[] = {
        "https://chatgpt.com/connector_platform_oauth_redirect", "https://a.example/cb?x=1",
        "http://127.0.0.1/callback", "http://localhost:3000/cb", "http://[::1]/cb",
        "com.example.app:/oauth/callback", "https://xn--bcher-kva.example/cb",
        /* desktop clients' own schemes (Cursor, VS Code) */
        "cursor://anysphere.cursor-retrieval/oauth/user-mcp/callback",
        "vscode://vscode.github-authentication/did-authenticate", NULL};
    static const char *const bad[] = {"http://example.com/cb",
                                      "https://a.example/cb#f",
                                      "javascript:alert(1)",
                                      "data:text/html,x",
                                      "file:///etc/passwd",
                                      "HTTPS://a.example/cb",
                                      "https://A.example/cb",
                                      "https://user@a.example/cb",
                                      "https://a.example./cb",
                                      "https://a.example/../cb",
                                      "https://bücher.example/cb",
                                      "https://a.example/cb%2f..",
                                      "https:///cb",
                                      "",
                                      "cb",
                                      "https://a.example/c b",
                                      "https://a.example\\@b.example/",
                                      "about:blank",
                                      "blob:https://a.example/x",
                                      "vbscript:x",
                                      "intent://x#Intent;end",
                                      "ws://a.example/cb",
                                      "mailto:a@b.example",
                                      "view-source:https://a.example/",
                                      "Cursor://x/cb",
                                      NULL};
    int i;
    for (i = 0; good[i]; i++)
        CU_ASSERT_PTR_NULL(miq_oauth_redirect_registrable(utp, good[i]));
    for (i = 0; bad[i]; i++) {
        const char *e = miq_oauth_redirect_registrable(utp, bad[i]);
        CU_ASSERT_PTR_NOT_NULL(e);
        if (!e)
            fprintf(stderr, "\n  registrable: %s", bad[i]);
    }
}

static void test_redirect_build_and_audience(void)
{
    const char *p1[] = {"code", "a b&c", "state", "x=y", NULL};
    CU_ASSERT_STRING_EQUAL(miq_oauth_redirect_build(utp, "https://a.example/cb", p1),
                           "https://a.example/cb?code=a%20b%26c&state=x%3Dy");
    CU_ASSERT_STRING_EQUAL(miq_oauth_redirect_build(utp, "https://a.example/cb?k=v", p1),
                           "https://a.example/cb?k=v&code=a%20b%26c&state=x%3Dy");
    CU_ASSERT_TRUE(miq_oauth_audience_ok("https://h.example/mcp", "https://h.example/mcp"));
    CU_ASSERT_TRUE(miq_oauth_audience_ok("https://h.example/mcp/", "https://h.example/mcp"));
    CU_ASSERT_TRUE(miq_oauth_audience_ok("https://h.example/mcp", "https://h.example/mcp/"));
    CU_ASSERT_FALSE(miq_oauth_audience_ok("https://h.example/mcpx", "https://h.example/mcp"));
    CU_ASSERT_FALSE(miq_oauth_audience_ok("https://h.example", "https://h.example/mcp"));
    CU_ASSERT_FALSE(miq_oauth_audience_ok("", "https://h.example/mcp"));
    CU_ASSERT_FALSE(miq_oauth_audience_ok("/", "/"));
    CU_ASSERT_FALSE(miq_oauth_audience_ok(NULL, "https://h.example/mcp"));
}

static void test_form_parse_duplicates_refused(void)
{
    apr_table_t *t;
    const char *q = "a=1&b=x+y%21&c=&d&e=%41";
    CU_ASSERT_PTR_NULL(miq_oauth_form_parse(utp, q, strlen(q), &t));
    CU_ASSERT_STRING_EQUAL(apr_table_get(t, "a"), "1");
    CU_ASSERT_STRING_EQUAL(apr_table_get(t, "b"), "x y!");
    CU_ASSERT_PTR_NULL(apr_table_get(t, "c")); /* no value: omitted */
    CU_ASSERT_PTR_NULL(apr_table_get(t, "d"));
    CU_ASSERT_STRING_EQUAL(apr_table_get(t, "e"), "A");
    q = "code=1&redirect_uri=x&code=2";
    CU_ASSERT_PTR_NOT_NULL(miq_oauth_form_parse(utp, q, strlen(q), &t));
    q = "scope=all&SCOPE=video%2F*"; /* case variants are ambiguous: refused too */
    CU_ASSERT_PTR_NOT_NULL(miq_oauth_form_parse(utp, q, strlen(q), &t));
    q = "a=%4";
    CU_ASSERT_PTR_NOT_NULL(miq_oauth_form_parse(utp, q, strlen(q), &t));
    q = "a=%zz";
    CU_ASSERT_PTR_NOT_NULL(miq_oauth_form_parse(utp, q, strlen(q), &t));
    q = "a=x%00y";
    CU_ASSERT_PTR_NOT_NULL(miq_oauth_form_parse(utp, q, strlen(q), &t));
    CU_ASSERT_PTR_NULL(miq_oauth_form_parse(utp, NULL, 0, &t));
    CU_ASSERT_EQUAL(apr_table_elts(t)->nelts, 0);
}

static void test_errors_and_basic_auth(void)
{
    const char *id, *secret;
    const char *body = miq_oauth_error_body(utp, "invalid_grant", "expired");
    json_t *e = miq_json_parse(utp, body, strlen(body), NULL);
    CU_ASSERT_STRING_EQUAL(miq_json_str(e, "error", ""), "invalid_grant");
    CU_ASSERT_STRING_EQUAL(miq_json_str(e, "error_description", ""), "expired");
    CU_ASSERT_EQUAL(miq_oauth_error_status("invalid_client"), 401);
    CU_ASSERT_EQUAL(miq_oauth_error_status("server_error"), 500);
    CU_ASSERT_EQUAL(miq_oauth_error_status("invalid_grant"), 400);
    /* base64("my%20id:se%3Acret") */
    CU_ASSERT_PTR_NULL(miq_oauth_basic_auth(utp, "Basic bXklMjBpZDpzZSUzQWNyZXQ=", &id, &secret));
    CU_ASSERT_STRING_EQUAL(id, "my id");
    CU_ASSERT_STRING_EQUAL(secret, "se:cret");
    CU_ASSERT_PTR_NULL(miq_oauth_basic_auth(utp, "Bearer abc", &id, &secret));
    CU_ASSERT_PTR_NULL(id);
    CU_ASSERT_PTR_NULL(miq_oauth_basic_auth(utp, NULL, &id, &secret));
    CU_ASSERT_PTR_NOT_NULL(miq_oauth_basic_auth(utp, "Basic bm9jb2xvbg==", &id, &secret));
    CU_ASSERT_PTR_NOT_NULL(miq_oauth_basic_auth(utp, "Basic ", &id, &secret));
}

static miq_oauth_client *test_client(void)
{
    miq_oauth_registry *reg = miq_oauth_registry_make(utp);
    CU_ASSERT_PTR_NULL(
        miq_oauth_registry_add(reg, "c1", "ChatGPT", "chatgpt",
                               list("https://chatgpt.com/connector_platform_oauth_redirect",
                                    "http://127.0.0.1/cb", NULL),
                               "directive"));
    return (miq_oauth_client *)miq_oauth_registry_find(reg, "c1");
}

#define MCP  "https://api.example/mcp"
#define CHAL "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"

static const char *check(miq_oauth_client *c, const char *query, miq_oauth_authz *q,
                         const char **error, int *redirectable)
{
    apr_table_t *t;
    CU_ASSERT_PTR_NULL(miq_oauth_form_parse(utp, query, strlen(query), &t));
    return miq_oauth_authorize_check(utp, c, t, MCP, q, error, redirectable);
}

static void test_authorize_check(void)
{
    miq_oauth_client *c = test_client();
    miq_oauth_authz q;
    const char *error = NULL, *base;
    int red;
    base = "response_type=code&redirect_uri=http%3A%2F%2F127.0.0.1%3A4567%2Fcb"
           "&code_challenge=" CHAL "&code_challenge_method=S256&state=xyz";
    CU_ASSERT_PTR_NULL(check(c, base, &q, &error, &red));
    CU_ASSERT_STRING_EQUAL(q.scope, "all");
    CU_ASSERT_STRING_EQUAL(q.resource, MCP);
    CU_ASSERT_STRING_EQUAL(q.state, "xyz");
    CU_ASSERT_STRING_EQUAL(q.redirect_uri, "http://127.0.0.1:4567/cb");
    CU_ASSERT_PTR_NULL(check(c,
                             apr_pstrcat(utp, base,
                                         "&scope=audio%2F*+offline_access"
                                         "&resource=https%3A%2F%2Fapi.example%2Fmcp%2F",
                                         NULL),
                             &q, &error, &red));
    CU_ASSERT_EQUAL(q.scopes, MIQ_SCOPE_AUDIO);
    CU_ASSERT_STRING_EQUAL(q.resource, MCP);
    /* not redirectable: the redirect URI is wrong or missing with two registered */
    CU_ASSERT_PTR_NOT_NULL(check(c, "response_type=code&redirect_uri=https%3A%2F%2Fevil.example%2F",
                                 &q, &error, &red));
    CU_ASSERT_EQUAL(red, 0);
    CU_ASSERT_STRING_EQUAL(error, "invalid_request");
    CU_ASSERT_PTR_NOT_NULL(check(c, "response_type=code", &q, &error, &red));
    CU_ASSERT_EQUAL(red, 0);
    /* redirectable errors */
    CU_ASSERT_PTR_NOT_NULL(
        check(c, "redirect_uri=http%3A%2F%2F127.0.0.1%2Fcb&response_type=token", &q, &error, &red));
    CU_ASSERT_EQUAL(red, 1);
    CU_ASSERT_STRING_EQUAL(error, "unsupported_response_type");
    CU_ASSERT_PTR_NOT_NULL(check(c,
                                 "redirect_uri=http%3A%2F%2F127.0.0.1%2Fcb&response_type=code"
                                 "&code_challenge=" CHAL,
                                 &q, &error, &red));
    CU_ASSERT_STRING_EQUAL(error, "invalid_request"); /* no method: plain by default, refused */
    CU_ASSERT_PTR_NOT_NULL(check(c,
                                 "redirect_uri=http%3A%2F%2F127.0.0.1%2Fcb&response_type=code"
                                 "&code_challenge=" CHAL "&code_challenge_method=plain",
                                 &q, &error, &red));
    CU_ASSERT_STRING_EQUAL(error, "invalid_request");
    CU_ASSERT_PTR_NOT_NULL(
        check(c, "redirect_uri=http%3A%2F%2F127.0.0.1%2Fcb&response_type=code", &q, &error, &red));
    CU_ASSERT_STRING_EQUAL(error, "invalid_request");
    /* unknown scope words are ignored, not fatal; nothing known left means all */
    CU_ASSERT_PTR_NULL(check(c, apr_pstrcat(utp, base, "&scope=root", NULL), &q, &error, &red));
    CU_ASSERT_STRING_EQUAL(q.scope, "all");
    CU_ASSERT_STRING_EQUAL(q.ignored_scope, "root");
    CU_ASSERT_PTR_NULL(
        check(c, apr_pstrcat(utp, base, "&scope=openid+audio%2F*+offline_access+profile", NULL), &q,
              &error, &red));
    CU_ASSERT_STRING_EQUAL(q.scope, "audio/*");
    CU_ASSERT_STRING_EQUAL(q.ignored_scope, "openid profile");
    CU_ASSERT_PTR_NOT_NULL(
        check(c, apr_pstrcat(utp, base, "&resource=https%3A%2F%2Fother.example%2Fmcp", NULL), &q,
              &error, &red));
    CU_ASSERT_STRING_EQUAL(error, "invalid_target");
    CU_ASSERT_EQUAL(red, 1);
}

static void test_consent_scopes_narrow_only(void)
{
    apr_table_t *t = apr_table_make(utp, 4);
    apr_table_set(t, "grant_audio", "1");
    apr_table_set(t, "grant_all", "1");
    CU_ASSERT_EQUAL(miq_oauth_consent_scopes(MIQ_SCOPE_AUDIO | MIQ_SCOPE_VIDEO, t),
                    MIQ_SCOPE_AUDIO); /* "all" was not requested: cannot be widened */
    CU_ASSERT_EQUAL(miq_oauth_consent_scopes(MIQ_SCOPE_ALL, t), MIQ_SCOPE_ALL);
    CU_ASSERT_EQUAL(miq_oauth_consent_scopes(MIQ_SCOPE_VIDEO, t), 0u);
}

static void test_registry_directives_and_env(void)
{
    miq_oauth_registry *reg = miq_oauth_registry_make(utp);
    const miq_oauth_client *c;
    json_t *pub;
    CU_ASSERT_FALSE(miq_oauth_configured(reg)); /* nothing: "not configured" */
    reg->dcr = 1;
    CU_ASSERT_TRUE(miq_oauth_configured(reg));
    reg->dcr = 0;
    CU_ASSERT_PTR_NULL(miq_oauth_registry_env(
        reg,
        "[{\"client_id\":\"gpt\",\"name\":\"ChatGPT\",\"connector\":\"chatgpt\","
        "\"redirect_uris\":[\"https://chatgpt.com/connector_platform_oauth_redirect\"]},"
        "{\"client_id\":\"cl\",\"name\":\"Claude\",\"connector\":\"claude\","
        "\"redirect_uris\":[\"https://claude.ai/api/mcp/auth_callback\"]}]",
        "ignored", NULL, NULL, NULL));
    CU_ASSERT_TRUE(miq_oauth_configured(reg));
    CU_ASSERT_PTR_NULL(miq_oauth_registry_find(reg, "ignored"));
    c = miq_oauth_registry_find(reg, "cl");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_STRING_EQUAL(c->connector, "claude");
    CU_ASSERT_STRING_EQUAL(c->source, "env");
    /* the single-client form, comma-separated URIs */
    reg = miq_oauth_registry_make(utp);
    CU_ASSERT_PTR_NULL(miq_oauth_registry_env(
        reg, NULL, "one", "ChatGPT", "chatgpt",
        "https://example.com/callback,https://example.com/another-callback"));
    c = miq_oauth_registry_find(reg, "one");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_EQUAL(c->redirect_uris->nelts, 2);
    /* a duplicate, a bad list, a bad URI */
    CU_ASSERT_PTR_NOT_NULL(
        miq_oauth_registry_env(reg, NULL, "one", "x", "y", "https://a.example/"));
    CU_ASSERT_PTR_NOT_NULL(
        miq_oauth_registry_env(reg, "{\"client_id\":1}", NULL, NULL, NULL, NULL));
    CU_ASSERT_PTR_NOT_NULL(miq_oauth_registry_env(reg,
                                                  "[{\"client_id\":\"z\",\"redirect_uris\":"
                                                  "[\"http://evil.example/cb\"]}]",
                                                  NULL, NULL, NULL, NULL));
    /* secrets: hashed, never listed; authentication rules */
    CU_ASSERT_PTR_NULL(miq_oauth_registry_set_secret(reg, "one", "a-long-enough-secret"));
    CU_ASSERT_PTR_NOT_NULL(miq_oauth_registry_set_secret(reg, "one", "short"));
    c = miq_oauth_registry_find(reg, "one");
    CU_ASSERT_STRING_EQUAL(c->secret_hash, miq_token_hash(utp, "a-long-enough-secret"));
    CU_ASSERT_PTR_NULL(
        miq_oauth_client_authenticate(utp, c, "client_secret_basic", "a-long-enough-secret"));
    CU_ASSERT_PTR_NOT_NULL(miq_oauth_client_authenticate(utp, c, "client_secret_post", "wrong"));
    CU_ASSERT_PTR_NOT_NULL(miq_oauth_client_authenticate(utp, c, "none", NULL));
    pub = miq_oauth_clients_public(utp, reg);
    CU_ASSERT_EQUAL(json_array_size(pub), 1);
    CU_ASSERT_PTR_NULL(strstr(miq_json_dump(utp, pub), c->secret_hash));
    CU_ASSERT_PTR_NOT_NULL(miq_oauth_client_authenticate(utp, NULL, "none", NULL));
}

static void test_dcr_and_metadata_documents(void)
{
    miq_oauth_client c;
    const char *error, *url = "https://app.example/oauth/client.json";
    json_t *req;
    const char *txt = "{\"client_name\":\"Claude\",\"redirect_uris\":[\"http://127.0.0.1:33418/"
                      "callback\"],\"grant_types\":[\"authorization_code\",\"refresh_token\"],"
                      "\"response_types\":[\"code\"],\"token_endpoint_auth_method\":\"none\"}";
    json_t *doc;
    req = miq_json_parse(utp, txt, strlen(txt), NULL);
    CU_ASSERT_PTR_NULL(miq_oauth_dcr_parse(utp, req, &c, &error));
    CU_ASSERT_STRING_EQUAL(c.name, "Claude");
    CU_ASSERT_STRING_EQUAL(c.auth_method, "none");
    txt = "{\"redirect_uris\":[\"http://evil.example/cb\"]}";
    req = miq_json_parse(utp, txt, strlen(txt), NULL);
    CU_ASSERT_PTR_NOT_NULL(miq_oauth_dcr_parse(utp, req, &c, &error));
    CU_ASSERT_STRING_EQUAL(error, "invalid_redirect_uri");
    txt = "{\"redirect_uris\":[\"https://a.example/cb\"],\"grant_types\":[\"implicit\"]}";
    req = miq_json_parse(utp, txt, strlen(txt), NULL);
    CU_ASSERT_PTR_NOT_NULL(miq_oauth_dcr_parse(utp, req, &c, &error));
    CU_ASSERT_STRING_EQUAL(error, "invalid_client_metadata");
    txt = "{\"redirect_uris\":[\"https://a.example/cb\"],\"token_endpoint_auth_method\":"
          "\"private_key_jwt\"}";
    req = miq_json_parse(utp, txt, strlen(txt), NULL);
    CU_ASSERT_PTR_NOT_NULL(miq_oauth_dcr_parse(utp, req, &c, &error));
    /* metadata documents */
    CU_ASSERT_TRUE(miq_oauth_cimd_id(url));
    CU_ASSERT_FALSE(miq_oauth_cimd_id("https://app.example"));
    CU_ASSERT_FALSE(miq_oauth_cimd_id("http://app.example/x"));
    CU_ASSERT_FALSE(miq_oauth_cimd_id("mcp_123"));
    doc = miq_json_packp(utp, "{s:s,s:s,s:[s]}", "client_id", url, "client_name", "App",
                         "redirect_uris", "https://app.example/cb");
    CU_ASSERT_PTR_NULL(miq_oauth_cimd_parse(utp, url, doc, &c));
    CU_ASSERT_STRING_EQUAL(c.client_id, url);
    CU_ASSERT_PTR_NOT_NULL(miq_oauth_cimd_parse(utp, "https://other.example/c.json", doc, &c));
    json_object_set_new(doc, "token_endpoint_auth_method", json_string("client_secret_basic"));
    CU_ASSERT_PTR_NOT_NULL(miq_oauth_cimd_parse(utp, url, doc, &c));
    /* the fetch refuses private addresses before connecting */
    CU_ASSERT_PTR_NOT_NULL(
        miq_oauth_cimd_fetch(utp, "https://127.0.0.1/client.json", 0, NULL, &doc));
    CU_ASSERT_PTR_NOT_NULL(
        miq_oauth_cimd_fetch(utp, "https://10.1.2.3/client.json", 0, NULL, &doc));
    CU_ASSERT_PTR_NOT_NULL(miq_oauth_cimd_fetch(utp, "http://app.example/c.json", 0, NULL, &doc));
}

static void test_tokens_derivation(void)
{
    const unsigned char key[] = "0123456789abcdef0123456789abcdef";
    miq_oauth_pair a, b, c, first;
    CU_ASSERT_PTR_NULL(miq_oauth_pair_new(utp, &first));
    CU_ASSERT_TRUE(miq_token_format_ok(first.access.secret));
    CU_ASSERT_TRUE(miq_oauth_refresh_format_ok(first.refresh));
    CU_ASSERT_EQUAL(strncmp(first.family, "fam_", 4), 0);
    CU_ASSERT_PTR_NULL(miq_oauth_pair_derive(utp, key, 32, first.refresh, &a));
    CU_ASSERT_PTR_NULL(miq_oauth_pair_derive(utp, key, 32, first.refresh, &b));
    /* a retry computes the same pair */
    CU_ASSERT_STRING_EQUAL(a.access.secret, b.access.secret);
    CU_ASSERT_STRING_EQUAL(a.access.id, b.access.id);
    CU_ASSERT_STRING_EQUAL(a.refresh, b.refresh);
    CU_ASSERT_TRUE(miq_token_format_ok(a.access.secret));
    CU_ASSERT_TRUE(miq_oauth_refresh_format_ok(a.refresh));
    CU_ASSERT_STRING_EQUAL(a.refresh_hash, miq_token_hash(utp, a.refresh));
    /* another token or key: another pair */
    CU_ASSERT_PTR_NULL(miq_oauth_pair_derive(utp, key, 32, a.refresh, &c));
    CU_ASSERT_STRING_NOT_EQUAL(c.refresh, a.refresh);
    CU_ASSERT_PTR_NULL(miq_oauth_pair_derive(utp,
                                             (const unsigned char *)"another key of 32 bytes "
                                                                    "........",
                                             32, first.refresh, &c));
    CU_ASSERT_STRING_NOT_EQUAL(c.access.secret, a.access.secret);
    CU_ASSERT_PTR_NOT_NULL(miq_oauth_pair_derive(utp, key, 32, "miq_rt_short", &c));
    CU_ASSERT_FALSE(miq_oauth_refresh_format_ok(first.access.secret));
    CU_ASSERT_EQUAL(strlen(miq_oauth_code_new(utp)), 43);
    CU_ASSERT_TRUE(miq_oauth_correlation_ok(miq_oauth_correlation_new(utp)));
    CU_ASSERT_FALSE(miq_oauth_correlation_ok("corr_<script>aaaaaaaa"));
}

static void test_metadata_lists_exactly_what_is_supported(void)
{
    json_t *m = miq_oauth_as_metadata(utp, "https://api.example", 0, 0), *pr;
    CU_ASSERT_STRING_EQUAL(miq_json_str(m, "issuer", ""), "https://api.example");
    CU_ASSERT_STRING_EQUAL(miq_json_str(m, "authorization_endpoint", ""),
                           "https://api.example/api/auth/oauth/authorize");
    CU_ASSERT_STRING_EQUAL(miq_json_str(m, "token_endpoint", ""),
                           "https://api.example/api/auth/oauth/token");
    CU_ASSERT_PTR_NULL(json_object_get(m, "registration_endpoint"));
    CU_ASSERT_STRING_EQUAL(miq_json_dump(utp,
                                         json_object_get(m, "code_challenge_methods_supported")),
                           "[\"S256\"]");
    CU_ASSERT_STRING_EQUAL(miq_json_dump(utp, json_object_get(m, "response_types_supported")),
                           "[\"code\"]");
    CU_ASSERT_STRING_EQUAL(miq_json_dump(utp, json_object_get(m, "grant_types_supported")),
                           "[\"authorization_code\",\"refresh_token\"]");
    CU_ASSERT_TRUE(
        json_is_true(json_object_get(m, "authorization_response_iss_parameter_supported")));
    CU_ASSERT_TRUE(json_is_false(json_object_get(m, "client_id_metadata_document_supported")));
    m = miq_oauth_as_metadata(utp, "https://api.example", 1, 1);
    CU_ASSERT_STRING_EQUAL(miq_json_str(m, "registration_endpoint", ""),
                           "https://api.example/api/auth/oauth/register");
    CU_ASSERT_TRUE(json_is_true(json_object_get(m, "client_id_metadata_document_supported")));
    pr = miq_oauth_pr_metadata(utp, "https://api.example/mcp", "https://api.example", "MomentIQ");
    CU_ASSERT_STRING_EQUAL(miq_json_str(pr, "resource", ""), "https://api.example/mcp");
    CU_ASSERT_STRING_EQUAL(miq_json_dump(utp, json_object_get(pr, "authorization_servers")),
                           "[\"https://api.example\"]");
}

static void test_pages_escape_and_label(void)
{
    miq_oauth_authz q;
    miq_oauth_page pg;
    const char *html;
    memset(&q, 0, sizeof(q));
    memset(&pg, 0, sizeof(pg));
    q.client_id = "c\"1";
    q.redirect_uri = "https://a.example/cb";
    q.challenge = CHAL;
    q.scope = "audio/* video/*";
    q.scopes = MIQ_SCOPE_AUDIO | MIQ_SCOPE_VIDEO;
    q.resource = MCP;
    q.state = "<s>";
    pg.req = &q;
    pg.client_name = "<script>alert(1)</script>";
    pg.connector = "claude";
    pg.csrf = "CSRF";
    pg.correlation_id = "corr_0123456789abcdef";
    html = miq_oauth_page_consent(utp, &pg);
    CU_ASSERT_PTR_NULL(strstr(html, "<script>"));
    CU_ASSERT_PTR_NOT_NULL(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt;"));
    CU_ASSERT_PTR_NOT_NULL(strstr(html, "value=\"c&quot;1\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(html, "value=\"&lt;s&gt;\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(html, "name=\"grant_audio\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(html, "name=\"grant_video\""));
    CU_ASSERT_PTR_NULL(strstr(html, "name=\"grant_all\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(html, "<html lang=\"en\">"));
    CU_ASSERT_PTR_NOT_NULL(strstr(html, "<legend>"));
    CU_ASSERT_PTR_NOT_NULL(strstr(html, "value=\"approve\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(html, "value=\"deny\""));
    CU_ASSERT_PTR_NULL(strstr(html, "<script"));
    html = miq_oauth_page_login(utp, &pg);
    CU_ASSERT_PTR_NOT_NULL(strstr(html, "<label for=\"email\">"));
    CU_ASSERT_PTR_NOT_NULL(strstr(html, "<label for=\"password\">"));
    CU_ASSERT_PTR_NULL(strstr(html, "CSRF"));
}

MIQ_SUITE("oauth", MIQ_TEST(test_pkce_rfc7636_appendix_b),
          MIQ_TEST(test_redirect_attack_corpus_all_refused),
          MIQ_TEST(test_redirect_exact_and_loopback_any_port), MIQ_TEST(test_redirect_registrable),
          MIQ_TEST(test_redirect_build_and_audience), MIQ_TEST(test_form_parse_duplicates_refused),
          MIQ_TEST(test_errors_and_basic_auth), MIQ_TEST(test_authorize_check),
          MIQ_TEST(test_consent_scopes_narrow_only), MIQ_TEST(test_registry_directives_and_env),
          MIQ_TEST(test_dcr_and_metadata_documents), MIQ_TEST(test_tokens_derivation),
          MIQ_TEST(test_metadata_lists_exactly_what_is_supported),
          MIQ_TEST(test_pages_escape_and_label))
