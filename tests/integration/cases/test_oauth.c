/* OAuth 2.1 end to end, as real connector clients do it: a ChatGPT-style
 * pre-registered client, a Claude-style client that registers dynamically
 * with a loopback redirect on a random port, a confidential gateway client;
 * the test answers the consent screen over HTTP (session cookie from
 * it_signup, CSRF token read from the form). Refresh rotation, grace retry,
 * reuse detection, concurrent refreshes, revocation, code errors. Every
 * secret seen is noted for the zz_secrets_auth suite. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include <apr_encode.h>
#include "itest.h"
#include "itest_oauth.h"
#include "base/miq_crypto.h"
#include "base/miq_json.h"
#include "oauth/miq_oauth.h"
#include "base/miq_text.h"

const char *itoa_enc(const char *s)
{
    return miq_text_form_encode(itp, s);
}

const char *itoa_mcp_url(void)
{
    return apr_pstrcat(itp, itenv.url, "/mcp", NULL);
}

pkce itoa_new_pkce(void)
{
    unsigned char raw[32];
    pkce k;
    miq_random_bytes(raw, sizeof(raw));
    k.verifier = miq_b64url_encode(itp, raw, sizeof(raw));
    k.challenge = miq_oauth_pkce_s256(itp, k.verifier);
    it_secret_note(k.verifier);
    return k;
}

/* The value of query parameter name in a URL, decoded. */
static const char *query_param(const char *url, const char *name)
{
    const char *q = url ? strchr(url, '?') : NULL;
    apr_table_t *t;
    if (!q || miq_oauth_form_parse(itp, q + 1, strlen(q + 1), &t))
        return NULL;
    return apr_table_get(t, name);
}

static const char *html_unescape(const char *s, apr_size_t n)
{
    static const char *const ents[][2] = {
        {"&amp;", "&"}, {"&quot;", "\""}, {"&lt;", "<"}, {"&gt;", ">"}, {"&#39;", "'"}};
    char *out = apr_palloc(itp, n + 1), *o = out;
    apr_size_t i = 0, k;
    while (i < n) {
        for (k = 0; k < 5; k++)
            if (!strncmp(s + i, ents[k][0], strlen(ents[k][0])))
                break;
        if (k < 5) {
            *o++ = ents[k][1][0];
            i += strlen(ents[k][0]);
        }
        else
            *o++ = s[i++];
    }
    *o = 0;
    return out;
}

/* The form's hidden fields as a urlencoded body, and the value of one. */
static const char *hidden_fields(const char *html, const char *want, const char **value)
{
    const char *p = html, *body = "";
    if (value)
        *value = NULL;
    while (p && (p = strstr(p, "<input type=\"hidden\" name=\""))) {
        const char *n = p + 27, *ne = strchr(n, '"'), *v, *ve;
        if (!ne || !(v = strstr(ne, "value=\"")))
            break;
        v += 7;
        ve = strchr(v, '"');
        {
            const char *name = apr_pstrndup(itp, n, (apr_size_t)(ne - n));
            const char *val = html_unescape(v, (apr_size_t)(ve - v));
            body = apr_psprintf(itp, "%s%s%s=%s", body, *body ? "&" : "", itoa_enc(name),
                                itoa_enc(val));
            if (value && want && !strcmp(name, want))
                *value = val;
        }
        p = ve;
    }
    return body;
}

const char *itoa_authorize_query(const flow *f)
{
    return apr_psprintf(itp,
                        "/api/auth/oauth/authorize?response_type=code&client_id=%s"
                        "&redirect_uri=%s&code_challenge=%s&code_challenge_method=S256"
                        "&state=%s&resource=%s%s%s",
                        itoa_enc(f->client_id), itoa_enc(f->redirect), f->k.challenge,
                        itoa_enc(f->state), itoa_enc(itoa_mcp_url()), f->scope ? "&scope=" : "",
                        f->scope ? itoa_enc(f->scope) : "");
}

/* GET the consent screen, POST approve with the boxes in grants (NULL: keep
 * all); f->code on success. */
int itoa_consent(it_account *a, flow *f, const char *decision, const char *grants)
{
    it_resp *r = it_request("GET", itoa_authorize_query(f), it_session_headers(a, 0, NULL), NULL,
                            0);
    const char *body, *csrf, *loc;
    static const char *const form[] = {FORM, NULL};
    f->last = r;
    IT_ASSERT_R(r->status == 200 && strstr(r->ctype, "text/html"), r);
    if (r->status != 200)
        return 0;
    IT_ASSERT_R(strstr(r->body, "Connect ") != NULL, r);
    body = hidden_fields(r->body, "csrf_token", &csrf);
    hidden_fields(r->body, "correlation_id", &f->correlation);
    IT_ASSERT_R(csrf != NULL && f->correlation != NULL, r);
    if (!grants)
        grants = "grant_all=1&grant_video=1&grant_audio=1&grant_timeline=1";
    body = apr_psprintf(itp, "%s&decision=%s&%s", body, decision, grants);
    r = it_request("POST", "/api/auth/oauth/authorize", it_session_headers(a, 0, form), body,
                   strlen(body));
    f->last = r;
    loc = it_header(r, "Location");
    IT_ASSERT_R(r->status == 303 && loc, r);
    if (!loc)
        return 0;
    IT_ASSERT_STRING_EQUAL(query_param(loc, "state"), f->state);
    IT_ASSERT_STRING_EQUAL(query_param(loc, "iss"), itenv.url);
    IT_ASSERT_R(!strncmp(loc, f->redirect, strlen(f->redirect)) || strstr(f->redirect, "127.0.0.1"),
                r);
    f->code = query_param(loc, "code");
    it_secret_note(f->code);
    return f->code != NULL || !strcmp(decision, "deny");
}

it_resp *itoa_token_post(const char *body, const char *const *extra)
{
    const char *h[4] = {FORM, NULL, NULL, NULL};
    int i;
    for (i = 0; extra && extra[i] && i < 2; i++)
        h[i + 1] = extra[i];
    return it_request("POST", "/api/auth/oauth/token", h, body, strlen(body));
}

static it_resp *redeem(const flow *f, const char *verifier, const char *redirect,
                       const char *client, const char *resource)
{
    const char *body = apr_psprintf(
        itp,
        "grant_type=authorization_code&code=%s&code_verifier=%s&redirect_uri=%s&client_id=%s%s%s",
        itoa_enc(f->code), itoa_enc(verifier), itoa_enc(redirect), itoa_enc(client),
        resource ? "&resource=" : "", resource ? itoa_enc(resource) : "");
    it_resp *r = itoa_token_post(body, NULL);
    it_secret_note(miq_json_str(r->json, "access_token", NULL));
    it_secret_note(miq_json_str(r->json, "refresh_token", NULL));
    return r;
}

static it_resp *refresh(const char *client, const char *rt)
{
    const char *body = apr_psprintf(itp, "grant_type=refresh_token&refresh_token=%s&client_id=%s",
                                    itoa_enc(rt), itoa_enc(client));
    it_resp *r = itoa_token_post(body, NULL);
    it_secret_note(miq_json_str(r->json, "access_token", NULL));
    it_secret_note(miq_json_str(r->json, "refresh_token", NULL));
    return r;
}

long itoa_mcp_status(const char *token)
{
    const char *h[2] = {it_bearer(token), NULL};
    json_t *p = mcp_2026_params(NULL);
    it_resp *r = it_post(mcp_2026_headers("tools/list", p, h), it_rpc_body("tools/list", p, -1));
    return r->status;
}

/* A full ChatGPT flow for a fresh account: the token response. */
static it_resp *chatgpt_tokens(it_account **acct)
{
    it_account *a = it_signup("oauth");
    flow f = {CHATGPT, CHATGPT_CB, "all", "st-1", NULL, {NULL, NULL}, NULL, NULL};
    if (acct)
        *acct = a;
    if (!a)
        return NULL;
    f.k = itoa_new_pkce();
    if (!itoa_consent(a, &f, "approve", NULL))
        return NULL;
    return redeem(&f, f.k.verifier, CHATGPT_CB, CHATGPT, itoa_mcp_url());
}

static void test_oauth_metadata(void)
{
    static const char *const paths[] = {"/.well-known/oauth-authorization-server",
                                        "/.well-known/oauth-authorization-server/mcp",
                                        "/.well-known/openid-configuration", NULL};
    it_resp *r;
    int i;
    for (i = 0; paths[i]; i++) {
        r = it_request("GET", paths[i], NULL, NULL, 0);
        IT_ASSERT_R(r->status == 200, r);
        IT_ASSERT_STRING_EQUAL(miq_json_str(r->json, "issuer", NULL), itenv.url);
        IT_ASSERT_STRING_EQUAL(miq_json_str(r->json, "registration_endpoint", NULL),
                               apr_pstrcat(itp, itenv.url, "/api/auth/oauth/register", NULL));
        IT_ASSERT_R(!strcmp(it_dump(json_object_get(r->json, "code_challenge_methods_supported")),
                            "[\"S256\"]"),
                    r);
    }
    r = it_request("GET", "/.well-known/oauth-protected-resource/mcp", NULL, NULL, 0);
    IT_ASSERT_R(r->status == 200, r);
    IT_ASSERT_STRING_EQUAL(
        json_string_value(json_array_get(json_object_get(r->json, "authorization_servers"), 0)),
        itenv.url);
    r = it_request("GET", "/api/auth/oauth/clients", NULL, NULL, 0);
    IT_ASSERT_R(r->status == 200 && strstr(r->body, CHATGPT) && !strstr(r->body, "secret_hash"), r);
}

static void test_oauth_chatgpt_preregistered_flow(void)
{
    it_account *a;
    it_resp *r = chatgpt_tokens(&a);
    const char *at, *h[2] = {NULL, NULL};
    IT_REQUIRE_R(r != NULL, NULL);
    IT_ASSERT_R(r->status == 200, r);
    IT_ASSERT_STRING_EQUAL(it_header(r, "Cache-Control"), "no-store");
    IT_ASSERT_STRING_EQUAL(miq_json_str(r->json, "token_type", NULL), "Bearer");
    IT_ASSERT_STRING_EQUAL(miq_json_str(r->json, "scope", NULL), "all");
    IT_ASSERT_R(miq_json_int(r->json, "expires_in", 0) > 3000, r);
    at = miq_json_str(r->json, "access_token", NULL);
    IT_REQUIRE_R(at && !strncmp(at, "miq_conn_", 9), r);
    IT_ASSERT_R(miq_oauth_refresh_format_ok(miq_json_str(r->json, "refresh_token", NULL)), r);
    IT_ASSERT_MSG(itoa_mcp_status(at) == 200, "the access token works at /mcp");
    /* its audience is /mcp: the REST API refuses it */
    h[0] = it_bearer(at);
    r = it_request("GET", "/v1/account", h, NULL, 0);
    IT_ASSERT_R(r->status == 401, r);
    /* the token shows in the user's connector list, created via oauth */
    r = it_request("GET", "/api/dashboard/connectors", it_session_headers(a, 0, NULL), NULL, 0);
    IT_ASSERT_R(r->status == 200 && strstr(r->body, "OAuth: ChatGPT"), r);
}

static void test_oauth_claude_dcr_loopback_refresh_rotation(void)
{
    it_account *a = it_signup("oauthdcr");
    int port = 20000 + (int)(apr_time_now() % 40000);
    const char *reg_body = "{\"client_name\":\"Claude\",\"redirect_uris\":"
                           "[\"http://127.0.0.1/callback\"],\"token_endpoint_auth_method\":"
                           "\"none\",\"grant_types\":[\"authorization_code\",\"refresh_token\"],"
                           "\"response_types\":[\"code\"]}";
    const char *h[] = {"Content-Type: application/json", NULL};
    const char *client, *rt1, *at1, *rt2, *at2, *rt3, *at3;
    /* words we do not know are ignored (and noted in the trail), not fatal */
    flow f = {NULL,           NULL, "openid audio/* video/* offline_access",
              "claude-state", NULL, {NULL, NULL},
              NULL,           NULL};
    it_resp *r, *r2;
    IT_REQUIRE_R(a != NULL, NULL);
    r = it_request("POST", "/api/auth/oauth/register", h, reg_body, strlen(reg_body));
    IT_REQUIRE_R(r->status == 201, r);
    client = miq_json_str(r->json, "client_id", NULL);
    IT_REQUIRE_R(client != NULL && !json_object_get(r->json, "client_secret"), r);
    f.client_id = client;
    f.redirect = apr_psprintf(itp, "http://127.0.0.1:%d/callback", port);
    f.k = itoa_new_pkce();
    /* the user keeps audio only */
    IT_REQUIRE_R(itoa_consent(a, &f, "approve", "grant_audio=1"), f.last);
    IT_ASSERT_R(!strncmp(it_header(f.last, "Location"), f.redirect, strlen(f.redirect)), f.last);
    r = redeem(&f, f.k.verifier, f.redirect, client, NULL);
    IT_REQUIRE_R(r->status == 200, r);
    IT_ASSERT_STRING_EQUAL(miq_json_str(r->json, "scope", NULL), "audio/*");
    {
        const char *args[1] = {f.correlation};
        const char *shown = it_db_value("SELECT detail FROM oauth_trail WHERE correlation_id = $1 "
                                        "AND step = 'authorize' ORDER BY id DESC LIMIT 1",
                                        1, args);
        IT_ASSERT_MSG(shown && strstr(shown, "scopes 'video/* audio/*'") &&
                          strstr(shown, "ignored unknown 'openid'"),
                      "trail: %s", shown ? shown : "(none)");
    }
    at1 = miq_json_str(r->json, "access_token", NULL);
    rt1 = miq_json_str(r->json, "refresh_token", NULL);
    IT_ASSERT_MSG(itoa_mcp_status(at1) == 200, "first access token");
    /* rotation */
    r = refresh(client, rt1);
    IT_REQUIRE_R(r->status == 200, r);
    at2 = miq_json_str(r->json, "access_token", NULL);
    rt2 = miq_json_str(r->json, "refresh_token", NULL);
    IT_ASSERT_R(strcmp(rt2, rt1) && strcmp(at2, at1), r);
    IT_ASSERT_STRING_EQUAL(miq_json_str(r->json, "scope", NULL), "audio/*");
    IT_ASSERT_MSG(itoa_mcp_status(at2) == 200, "rotated access token");
    /* a retry of the same refresh within the grace: the same pair */
    r2 = refresh(client, rt1);
    IT_ASSERT_R(r2->status == 200, r2);
    IT_ASSERT_STRING_EQUAL(miq_json_str(r2->json, "access_token", NULL), at2);
    IT_ASSERT_STRING_EQUAL(miq_json_str(r2->json, "refresh_token", NULL), rt2);
    /* the successor is used: now the first token is reuse, and revokes the family */
    r = refresh(client, rt2);
    IT_REQUIRE_R(r->status == 200, r);
    at3 = miq_json_str(r->json, "access_token", NULL);
    rt3 = miq_json_str(r->json, "refresh_token", NULL);
    IT_ASSERT_MSG(itoa_mcp_status(at3) == 200, "third access token");
    r = refresh(client, rt1);
    IT_ASSERT_R(r->status == 400 && !strcmp(miq_json_str(r->json, "error", ""), "invalid_grant"),
                r);
    IT_ASSERT_MSG(itoa_mcp_status(at3) == 401, "family revoked: the newest access token fails");
    IT_ASSERT_MSG(itoa_mcp_status(at1) == 401, "family revoked: the first access token fails");
    r = refresh(client, rt3);
    IT_ASSERT_R(r->status == 400, r);
    /* the trail tells the story */
    {
        const char *args[1] = {f.correlation};
        it_rows *t = it_db_query("SELECT step, outcome, coalesce(error, '') FROM oauth_trail "
                                 "WHERE correlation_id = $1 ORDER BY id",
                                 1, args);
        int i, saw_reuse = 0, saw_grace = 0;
        IT_ASSERT_MSG(t->error == NULL && t->n >= 6, "trail rows: %d", t->n);
        for (i = 0; i < t->n; i++) {
            if (!strcmp(IT_CELL(t, i, 0), "refresh") && !strcmp(IT_CELL(t, i, 2), "invalid_grant"))
                saw_reuse = 1;
            if (!strcmp(IT_CELL(t, i, 0), "refresh") && !strcmp(IT_CELL(t, i, 1), "ok"))
                saw_grace++;
        }
        IT_ASSERT_MSG(saw_reuse && saw_grace >= 3, "reuse %d, ok refreshes %d", saw_reuse,
                      saw_grace);
        if (getenv("MIQ_TEST_BUILD") && itenv.db) {
            const char *cmd = apr_psprintf(itp, "MOMENTIQ_DB='%s' '%s/momentiqctl' oauth trail %s",
                                           itenv.db, getenv("MIQ_TEST_BUILD"), f.correlation);
            FILE *p = popen(cmd, "r");
            char buf[65536];
            size_t n = p ? fread(buf, 1, sizeof(buf) - 1, p) : 0;
            int rc = p ? pclose(p) : -1;
            buf[n] = 0;
            IT_ASSERT_MSG(rc == 0 && strstr(buf, "consent") && strstr(buf, "invalid_grant"),
                          "momentiqctl oauth trail: rc %d: %s", rc, buf);
        }
    }
}

static void test_oauth_concurrent_refreshes_one_outcome(void)
{
    it_resp *r = chatgpt_tokens(NULL), **rs;
    const char *rt, *body;
    static const char *const h[] = {FORM, NULL};
    it_req reqs[2];
    IT_REQUIRE_R(r && r->status == 200, r);
    rt = miq_json_str(r->json, "refresh_token", NULL);
    body = apr_psprintf(itp, "grant_type=refresh_token&refresh_token=%s&client_id=%s", itoa_enc(rt),
                        CHATGPT);
    reqs[0].method = reqs[1].method = "POST";
    reqs[0].path = reqs[1].path = "/api/auth/oauth/token";
    reqs[0].headers = reqs[1].headers = h;
    reqs[0].body = reqs[1].body = body;
    rs = it_parallel(2, reqs, 10000);
    IT_ASSERT_R(rs[0]->status == 200, rs[0]);
    IT_ASSERT_R(rs[1]->status == 200, rs[1]);
    it_secret_note(miq_json_str(rs[0]->json, "access_token", NULL));
    it_secret_note(miq_json_str(rs[0]->json, "refresh_token", NULL));
    IT_ASSERT_STRING_EQUAL(miq_json_str(rs[0]->json, "refresh_token", "a"),
                           miq_json_str(rs[1]->json, "refresh_token", "b"));
    IT_ASSERT_STRING_EQUAL(miq_json_str(rs[0]->json, "access_token", "a"),
                           miq_json_str(rs[1]->json, "access_token", "b"));
    IT_ASSERT_MSG(itoa_mcp_status(miq_json_str(rs[0]->json, "access_token", "")) == 200,
                  "the shared pair works");
}

static void test_oauth_revoke_then_mcp_401(void)
{
    it_resp *r = chatgpt_tokens(NULL);
    const char *at, *rt, *body;
    static const char *const h[] = {FORM, NULL};
    IT_REQUIRE_R(r && r->status == 200, r);
    at = miq_json_str(r->json, "access_token", NULL);
    rt = miq_json_str(r->json, "refresh_token", NULL);
    IT_ASSERT_MSG(itoa_mcp_status(at) == 200, "before revocation");
    body = apr_psprintf(itp, "token=%s&client_id=%s", itoa_enc(at), CHATGPT);
    r = it_request("POST", "/api/auth/oauth/revoke", h, body, strlen(body));
    IT_ASSERT_R(r->status == 200, r);
    IT_ASSERT_MSG(itoa_mcp_status(at) == 401, "revoked access token: 401 at the next MCP call");
    body = apr_psprintf(itp, "token=%s&token_type_hint=refresh_token&client_id=%s", itoa_enc(rt),
                        CHATGPT);
    r = it_request("POST", "/api/auth/oauth/revoke", h, body, strlen(body));
    IT_ASSERT_R(r->status == 200, r);
    r = refresh(CHATGPT, rt);
    IT_ASSERT_R(r->status == 400, r);
    /* unknown tokens: 200 too (RFC 7009) */
    body = "token=nothing-we-issued&client_id=" CHATGPT;
    r = it_request("POST", "/api/auth/oauth/revoke", h, body, strlen(body));
    IT_ASSERT_R(r->status == 200, r);
}

/* "Revoke" on the dashboard's connector list ends the connection: the app's
 * refresh token dies with its access token (or it would simply refresh). */
static void test_oauth_dashboard_revoke_ends_connection(void)
{
    it_account *a;
    it_resp *r = chatgpt_tokens(&a);
    const char *at, *at2, *rt, *id;
    IT_REQUIRE_R(r && r->status == 200 && a, r);
    at = miq_json_str(r->json, "access_token", NULL);
    rt = miq_json_str(r->json, "refresh_token", NULL);
    r = refresh(CHATGPT, rt); /* a second access token in the family */
    IT_REQUIRE_R(r->status == 200, r);
    at2 = miq_json_str(r->json, "access_token", NULL);
    rt = miq_json_str(r->json, "refresh_token", NULL);
    IT_ASSERT_MSG(itoa_mcp_status(at2) == 200, "the refreshed token works");
    {
        const char *args[1] = {miq_token_hash(itp, at)};
        id = it_db_value("SELECT id FROM api_tokens WHERE secret_hash = $1", 1, args);
    }
    IT_REQUIRE_R(id != NULL, NULL);
    r = it_request("POST", apr_psprintf(itp, "/api/dashboard/connectors/%s/revoke", id),
                   it_session_headers(a, 1, NULL), "", 0);
    IT_ASSERT_R(r->status == 200, r);
    IT_ASSERT_MSG(itoa_mcp_status(at) == 401, "the revoked token still works");
    IT_ASSERT_MSG(itoa_mcp_status(at2) == 401, "its sibling in the connection still works");
    r = refresh(CHATGPT, rt);
    IT_ASSERT_R(r->status == 400 && !strcmp(miq_json_str(r->json, "error", ""), "invalid_grant"),
                r);
    {
        const char *args[1] = {id};
        IT_ASSERT_STRING_EQUAL(it_db_value("SELECT count(*) FROM api_tokens t JOIN api_tokens o "
                                           "ON o.family_id = t.family_id WHERE t.id = $1 AND "
                                           "o.revoked_at IS NULL",
                                           1, args),
                               "0");
    }
    /* again: no such active token */
    r = it_request("POST", apr_psprintf(itp, "/api/dashboard/connectors/%s/revoke", id),
                   it_session_headers(a, 1, NULL), "", 0);
    IT_ASSERT_R(r->status == 404, r);
}

static void test_oauth_code_errors(void)
{
    it_account *a = it_signup("oauthcode");
    flow f = {CHATGPT, CHATGPT_CB, "all", "s", NULL, {NULL, NULL}, NULL, NULL};
    it_resp *r;
    const char *at, *args[1];
    IT_REQUIRE_R(a != NULL, NULL);
#define FRESH()                                                                                    \
    do {                                                                                           \
        f.k = itoa_new_pkce();                                                                     \
        IT_REQUIRE_R(itoa_consent(a, &f, "approve", NULL), f.last);                                \
    } while (0)
    FRESH(); /* wrong verifier */
    r = redeem(&f, itoa_new_pkce().verifier, CHATGPT_CB, CHATGPT, NULL);
    IT_ASSERT_R(r->status == 400 && !strcmp(miq_json_str(r->json, "error", ""), "invalid_grant"),
                r);
    r = redeem(&f, f.k.verifier, CHATGPT_CB, CHATGPT, NULL); /* consumed by that attempt */
    IT_ASSERT_R(r->status == 400, r);
    FRESH(); /* wrong redirect */
    r = redeem(&f, f.k.verifier, "https://chatgpt.com/other", CHATGPT, NULL);
    IT_ASSERT_R(r->status == 400 && strstr(r->body, "redirect_uri"), r);
    FRESH(); /* wrong resource */
    r = redeem(&f, f.k.verifier, CHATGPT_CB, CHATGPT, "https://elsewhere.example/mcp");
    IT_ASSERT_R(r->status == 400 && !strcmp(miq_json_str(r->json, "error", ""), "invalid_target"),
                r);
    FRESH(); /* wrong client: the confidential gateway cannot use chatgpt's code, and an
                unknown client is 401 invalid_client */
    r = redeem(&f, f.k.verifier, CHATGPT_CB, "no-such-client", NULL);
    IT_ASSERT_R(r->status == 401 && !strcmp(miq_json_str(r->json, "error", ""), "invalid_client"),
                r);
    FRESH(); /* expired */
    args[0] = miq_token_hash(itp, f.code);
    it_db_query("UPDATE oauth_codes SET expires_at = now() - interval '1 second' WHERE "
                "code_hash = $1",
                1, args);
    r = redeem(&f, f.k.verifier, CHATGPT_CB, CHATGPT, NULL);
    IT_ASSERT_R(r->status == 400 && strstr(r->body, "expired"), r);
    FRESH(); /* reused: the second use fails and revokes what the first issued */
    r = redeem(&f, f.k.verifier, CHATGPT_CB, CHATGPT, NULL);
    IT_REQUIRE_R(r->status == 200, r);
    at = miq_json_str(r->json, "access_token", NULL);
    IT_ASSERT_MSG(itoa_mcp_status(at) == 200, "first redemption");
    r = redeem(&f, f.k.verifier, CHATGPT_CB, CHATGPT, NULL);
    IT_ASSERT_R(r->status == 400 && strstr(r->body, "already used"), r);
    IT_ASSERT_MSG(itoa_mcp_status(at) == 401, "a replayed code revokes its tokens");
    /* codes are stored hashed, bound and short-lived */
    it_rows *rows = it_db_query("SELECT count(*) FROM oauth_codes WHERE expires_at > created_at "
                                "+ interval '61 seconds'",
                                0, NULL);
    IT_ASSERT_MSG(rows->error == NULL && !strcmp(IT_CELL(rows, 0, 0), "0"), "code lifetime");
#undef FRESH
}

static void test_oauth_authorize_screen_rules(void)
{
    it_account *a = it_signup("oauthui");
    flow f = {CHATGPT, CHATGPT_CB, "all", "deny-state", NULL, {NULL, NULL}, NULL, NULL};
    static const char *const form[] = {FORM, NULL};
    const char *q, *loc, *body, *login_cookie, *attrs = NULL;
    it_resp *r;
    IT_REQUIRE_R(a != NULL, NULL);
    f.k = itoa_new_pkce();
    /* deny */
    IT_REQUIRE_R(itoa_consent(a, &f, "deny", NULL), f.last);
    loc = it_header(f.last, "Location");
    IT_ASSERT_STRING_EQUAL(query_param(loc, "error"), "access_denied");
    IT_ASSERT_R(query_param(loc, "code") == NULL, f.last);
    /* duplicate parameters: refused, shown (not redirected) */
    q = apr_pstrcat(itp, itoa_authorize_query(&f), "&state=again", NULL);
    r = it_request("GET", q, it_session_headers(a, 0, NULL), NULL, 0);
    IT_ASSERT_R(r->status == 400 && !it_header(r, "Location"), r);
    /* plain PKCE: redirected error with state and iss */
    q = apr_psprintf(itp,
                     "/api/auth/oauth/authorize?response_type=code&client_id=%s"
                     "&redirect_uri=%s&code_challenge=%s&code_challenge_method=plain&state=p",
                     CHATGPT, itoa_enc(CHATGPT_CB), f.k.challenge);
    r = it_request("GET", q, it_session_headers(a, 0, NULL), NULL, 0);
    loc = it_header(r, "Location");
    IT_ASSERT_R(r->status == 303 && loc, r);
    IT_ASSERT_STRING_EQUAL(query_param(loc, "error"), "invalid_request");
    IT_ASSERT_STRING_EQUAL(query_param(loc, "state"), "p");
    IT_ASSERT_STRING_EQUAL(query_param(loc, "iss"), itenv.url);
    /* a redirect URI not registered: shown, never redirected */
    q = apr_psprintf(itp,
                     "/api/auth/oauth/authorize?response_type=code&client_id=%s"
                     "&redirect_uri=%s&code_challenge=%s&code_challenge_method=S256",
                     CHATGPT, itoa_enc("https://evil.example/cb"), f.k.challenge);
    r = it_request("GET", q, NULL, NULL, 0);
    IT_ASSERT_R(r->status == 400 && !it_header(r, "Location"), r);
    /* unknown client: 401 invalid_client */
    q = apr_psprintf(itp,
                     "/api/auth/oauth/authorize?response_type=code&client_id=nobody"
                     "&redirect_uri=%s&code_challenge=%s&code_challenge_method=S256",
                     itoa_enc(CHATGPT_CB), f.k.challenge);
    r = it_request("GET", q, NULL, NULL, 0);
    IT_ASSERT_R(r->status == 401 && strstr(r->body, "invalid_client"), r);
    /* consent without the CSRF token: 403 */
    r = it_request("GET", itoa_authorize_query(&f), it_session_headers(a, 0, NULL), NULL, 0);
    body = hidden_fields(r->body, NULL, NULL);
    body = apr_pstrcat(itp, body, "&decision=approve&grant_all=1", NULL);
    {
        char *c = strstr((char *)body, "csrf_token=");
        if (c)
            memcpy(c, "csrf_tokex=", 11);
    }
    r = it_request("POST", "/api/auth/oauth/authorize", it_session_headers(a, 0, form), body,
                   strlen(body));
    IT_ASSERT_R(r->status == 403 && !it_header(r, "Location"), r);
    /* not signed in: the sign-in form with its pre-session token (cookie and
     * hidden field, review #11); signing in returns to the consent screen */
    r = it_request("GET", itoa_authorize_query(&f), NULL, NULL, 0);
    IT_ASSERT_R(r->status == 200 && strstr(r->body, "name=\"password\""), r);
    login_cookie = it_set_cookie(r, "miq_oauth_login", &attrs);
    IT_REQUIRE_R(login_cookie && strstr(r->body, "name=\"login_csrf\"") && attrs &&
                     strstr(attrs, "HttpOnly") && strstr(attrs, "SameSite=Lax"),
                 r);
    body = apr_psprintf(itp, "%s&email=%s&password=%s", hidden_fields(r->body, NULL, NULL),
                        itoa_enc(a->email), itoa_enc(a->password));
    /* login CSRF: without the cookie (a cross-site form), or with a foreign
     * Origin, the sign-in is refused and no session is made */
    r = it_request("POST", "/api/auth/oauth/authorize", form, body, strlen(body));
    IT_ASSERT_R(r->status == 403 && !it_set_cookie(r, "miq_session", NULL), r);
    {
        const char *with[] = {"Content-Type: application/x-www-form-urlencoded",
                              apr_pstrcat(itp, "Cookie: miq_oauth_login=", login_cookie, NULL),
                              "Origin: https://evil.example", NULL};
        r = it_request("POST", "/api/auth/oauth/authorize", with, body, strlen(body));
        IT_ASSERT_R(r->status == 403 && !it_set_cookie(r, "miq_session", NULL), r);
        with[1] = "Cookie: miq_oauth_login=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        with[2] = NULL;
        r = it_request("POST", "/api/auth/oauth/authorize", with, body, strlen(body));
        IT_ASSERT_R(r->status == 403 && !it_set_cookie(r, "miq_session", NULL), r);
        with[1] = apr_pstrcat(itp, "Cookie: miq_oauth_login=", login_cookie, NULL);
        with[2] = apr_pstrcat(itp, "Origin: ", itenv.url, NULL);
        r = it_request("POST", "/api/auth/oauth/authorize", with, body, strlen(body));
    }
    IT_ASSERT_R(r->status == 303 && it_set_cookie(r, "miq_session", NULL), r);
    it_secret_note(it_set_cookie(r, "miq_session", NULL));
    IT_ASSERT_R(it_header(r, "Location") &&
                    !strncmp(it_header(r, "Location"), "/api/auth/oauth/authorize?", 26),
                r);
    /* a wrong password there: 401 and the form again */
    r = it_request("GET", itoa_authorize_query(&f), NULL, NULL, 0);
    body = apr_psprintf(itp, "%s&email=%s&password=wrong-password-1",
                        hidden_fields(r->body, NULL, NULL), itoa_enc(a->email));
    {
        const char *with[] = {"Content-Type: application/x-www-form-urlencoded",
                              apr_pstrcat(itp, "Cookie: miq_oauth_login=",
                                          it_set_cookie(r, "miq_oauth_login", NULL), NULL),
                              NULL};
        r = it_request("POST", "/api/auth/oauth/authorize", with, body, strlen(body));
    }
    IT_ASSERT_R(r->status == 401 && strstr(r->body, "incorrect"), r);
}

/* A desktop client with its own URI scheme (as Cursor registers): the code
 * goes back to cursor://..., PKCE binds it; a browser-run scheme is refused. */
static void test_oauth_native_app_scheme(void)
{
    it_account *a = it_signup("oauthnative");
    const char *cb = "cursor://anysphere.cursor-retrieval/oauth/user-mcp/callback";
    const char *reg = apr_psprintf(itp, "{\"client_name\":\"Cursor\",\"redirect_uris\":[\"%s\"]}",
                                   cb);
    const char *bad = "{\"client_name\":\"x\",\"redirect_uris\":[\"javascript:alert(1)\"]}";
    const char *h[] = {"Content-Type: application/json", NULL};
    flow f = {NULL, NULL, NULL, "native-1", NULL, {NULL, NULL}, NULL, NULL};
    it_resp *r;
    IT_REQUIRE_R(a != NULL, NULL);
    r = it_request("POST", "/api/auth/oauth/register", h, bad, strlen(bad));
    IT_ASSERT_R(r->status == 400 &&
                    !strcmp(miq_json_str(r->json, "error", ""), "invalid_redirect_uri"),
                r);
    r = it_request("POST", "/api/auth/oauth/register", h, reg, strlen(reg));
    IT_REQUIRE_R(r->status == 201, r);
    f.client_id = miq_json_str(r->json, "client_id", NULL);
    f.redirect = cb;
    f.k = itoa_new_pkce();
    /* review #13: a registered client's redirectable error is shown, not
     * redirected without the user (no open redirector) */
    {
        const char *q = apr_psprintf(
            itp,
            "/api/auth/oauth/authorize?response_type=code&client_id=%s&redirect_uri=%s"
            "&code_challenge=%s&code_challenge_method=plain&state=p",
            itoa_enc(f.client_id), itoa_enc(cb), f.k.challenge);
        const char *html[] = {"Accept: text/html", NULL};
        r = it_request("GET", q, html, NULL, 0);
        IT_ASSERT_R(r->status == 400 && !it_header(r, "Location") &&
                        strstr(r->body, "invalid_request"),
                    r);
    }
    IT_REQUIRE_R(itoa_consent(a, &f, "approve", NULL), f.last);
    IT_ASSERT_R(!strncmp(it_header(f.last, "Location"), cb, strlen(cb)), f.last);
    r = redeem(&f, f.k.verifier, cb, f.client_id, itoa_mcp_url());
    IT_ASSERT_R(r->status == 200, r);
}

IT_SUITE("oauth", IT_TEST(test_oauth_metadata), IT_TEST(test_oauth_native_app_scheme),
         IT_TEST(test_oauth_chatgpt_preregistered_flow),
         IT_TEST(test_oauth_claude_dcr_loopback_refresh_rotation),
         IT_TEST(test_oauth_concurrent_refreshes_one_outcome),
         IT_TEST(test_oauth_revoke_then_mcp_401),
         IT_TEST(test_oauth_dashboard_revoke_ends_connection), IT_TEST(test_oauth_code_errors),
         IT_TEST(test_oauth_authorize_screen_rules))
