/* API keys and connector tokens (SPEC §2–4, §9, issue 3): created from the
 * dashboard (secret shown once, stored as SHA-256), used on GET /v1/account
 * and on MCP (momentiq.get_account, both eras), refused when unknown, revoked
 * or expired (401 + Bearer challenge + invalid_api_key, recorded with the
 * token id), revocation holding on the very next request even under 200
 * parallel calls, last_used_at written at most once a minute,
 * MomentIQRequireToken, and 2025 sessions bound to their account. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <apr_strings.h>
#include <curl/curl.h>
#include "itest.h"
#include "accounts/miq_auth.h"
#include "base/miq_json.h"

static const char *const json_ct[] = {"Content-Type: application/json", NULL};

static const char *err_code(const it_resp *r)
{
    return miq_json_str(json_object_get(r->json, "error"), "code", "");
}

/* The JSON-RPC error's data.code (MCP 401s). */
static const char *rpc_data_code(const it_resp *r)
{
    return miq_json_str(json_object_get(it_error(r), "data"), "code", "");
}

static const char *challenge_url(void)
{
    return apr_pstrcat(itp, "resource_metadata=\"", itenv.url,
                       "/.well-known/oauth-protected-resource/mcp\"", NULL);
}

/* WWW-Authenticate is a Bearer challenge pointing at our RFC 9728 metadata. */
static int bearer_challenge(const it_resp *r)
{
    const char *w = it_header(r, "WWW-Authenticate");
    return w && !strncmp(w, "Bearer ", 7) && strstr(w, challenge_url());
}

static const char *const *with(const char *a, const char *b, const char *c)
{
    const char **h = apr_pcalloc(itp, 4 * sizeof(*h));
    int n = 0;
    if (a)
        h[n++] = a;
    if (b)
        h[n++] = b;
    if (c)
        h[n++] = c;
    return h;
}

static it_resp *rest_account(const char *token)
{
    return it_request("GET", "/v1/account", token ? with(it_bearer(token), NULL, NULL) : NULL, NULL,
                      0);
}

/* A 2026 request (token may be NULL; extra may be NULL). */
static it_resp *mcp26(const char *token, const char *method, const char *params_json,
                      const char *extra)
{
    json_t *p = mcp_2026_params(it_json(params_json ? params_json : "{}"));
    return it_post(mcp_2026_headers(method, p, with(token ? it_bearer(token) : NULL, extra, NULL)),
                   it_rpc_body(method, p, -1));
}

static it_resp *get_account26(const char *token)
{
    return mcp26(token, "tools/call", "{\"name\":\"momentiq.get_account\",\"arguments\":{}}", NULL);
}

/* initialize (2025-11-25) + notifications/initialized with the token. */
static const char *session25(const char *token, it_resp **init)
{
    json_t *params = it_json(
        "{\"protocolVersion\":\"" IT_V2025 "\",\"capabilities\":{},"
        "\"clientInfo\":{\"name\":\"miq-itest-tokens\",\"version\":\"1.0.0\"}}");
    const char *auth = token ? it_bearer(token) : NULL, *sid;
    it_resp *r = it_post(with(auth, NULL, NULL), it_rpc_body("initialize", params, -1));
    if (init)
        *init = r;
    sid = it_header(r, "Mcp-Session-Id");
    if (r->status != 200 || !sid)
        return NULL;
    r = it_post(with(auth, apr_pstrcat(itp, "Mcp-Session-Id: ", sid, NULL),
                     "MCP-Protocol-Version: " IT_V2025),
                "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
    if (r->status != 202)
        it_show("notifications/initialized", r);
    return apr_pstrdup(itp, sid);
}

static it_resp *call25(const char *sid, const char *token, const char *tool)
{
    json_t *p = it_jsonf("{\"name\":%s,\"arguments\":{}}", it_quote(tool));
    return mcp_2025_call_ex(sid, "tools/call", p,
                            token ? with(it_bearer(token), NULL, NULL) : NULL);
}

static json_t *structured(const it_resp *r)
{
    return json_object_get(it_result(r), "structuredContent");
}

static int is_tool_error(const it_resp *r)
{
    return json_is_true(json_object_get(it_result(r), "isError"));
}

/* Whether the warnings array has one with this code. */
static int has_warning(const json_t *view, const char *code)
{
    json_t *w;
    size_t i;
    json_array_foreach(json_object_get(view, "readiness_warnings"), i, w)
    {
        if (!strcmp(miq_json_str(w, "code", ""), code))
            return 1;
    }
    return 0;
}

/* A well-formed token nobody issued. */
static const char *unknown_token(const char *prefix)
{
    unsigned char b[22];
    char s[45];
    int i;
    apr_generate_random_bytes(b, sizeof(b));
    for (i = 0; i < 22; i++)
        snprintf(s + 2 * i, 3, "%02x", b[i]);
    s[43] = 0;
    return apr_pstrcat(itp, prefix, s, NULL);
}

static int token_shape(const char *t, const char *prefix)
{
    size_t i, n = strlen(prefix);
    if (!t || strncmp(t, prefix, n) || strlen(t) != n + 43)
        return 0;
    for (i = n; t[i]; i++) {
        char c = t[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return 0;
    }
    return 1;
}

/* auth_events rows (kind, code, surface) for a token, waiting for the batched writer
 * until at least `want` match kind/code. */
static int count_events(const char *token_id, const char *kind, const char *code,
                        const char *surface, int want)
{
    const char *args[] = {token_id, kind, code ? code : "", surface ? surface : ""};
    int i, n = 0;
    for (i = 0; i < 40; i++) {
        const char *v = it_db_value("SELECT count(*) FROM auth_events WHERE token_id = $1 AND "
                                    "kind = $2 AND ($3 = '' OR code = $3) AND "
                                    "($4 = '' OR surface = $4)",
                                    4, args);
        n = v ? atoi(v) : 0;
        if (n >= want)
            break;
        usleep(150000);
    }
    return n;
}

static it_resp *revoke_token(const it_account *a, const char *collection, const char *token_id)
{
    return it_request("POST",
                      apr_psprintf(itp, "/api/dashboard/%s/%s/revoke", collection, token_id),
                      it_session_headers(a, 1, NULL), "", 0);
}

/* ---- dashboard: create, list, revoke ------------------------------------------------ */

static void test_create_and_list(void)
{
    it_account *a = it_signup("tokens");
    const char *conn, *conn_id, *key, *key_id, *args[1], *hash;
    it_resp *r;
    IT_REQUIRE_R(a != NULL, NULL);
    conn = it_create_token(a, "connectors",
                           "{\"name\":\"Claude\",\"scopes\":[\"audio/*\",\"video/*\"]}", &conn_id,
                           &r);
    IT_REQUIRE_R(conn != NULL, r);
    IT_ASSERT_MSG(token_shape(conn, "miq_conn_"), "connector token shape: %s", conn);
    IT_ASSERT_R(conn_id && !strncmp(conn_id, "tok_", 4), r);
    IT_ASSERT_STRING_EQUAL(miq_json_str(r->json, "kind", NULL), "connector");
    IT_ASSERT_STRING_EQUAL(miq_json_str(r->json, "name", NULL), "Claude");
    IT_ASSERT_R(json_array_size(json_object_get(r->json, "scopes")) == 2, r);
    IT_ASSERT_R(json_is_null(json_object_get(r->json, "expires_at")), r);
    IT_ASSERT_MSG(it_header(r, "Cache-Control") &&
                      strstr(it_header(r, "Cache-Control"), "no-store"),
                  "Cache-Control: %s", it_header(r, "Cache-Control"));
    {
        const char *prefix = miq_json_str(r->json, "prefix", "");
        IT_ASSERT_MSG(*prefix && !strncmp(conn, prefix, strlen(prefix)) &&
                          strlen(prefix) < strlen(conn) - 30,
                      "prefix %s of %s", prefix, conn);
    }
    key = it_create_token(a, "keys", "{\"name\":\"ci key\",\"expires_in\":86400}", &key_id, &r);
    IT_REQUIRE_R(key != NULL, r);
    IT_ASSERT_MSG(token_shape(key, "miq_live_"), "API key shape: %s", key);
    IT_ASSERT_STRING_EQUAL(miq_json_str(r->json, "kind", NULL), "api_key");
    IT_ASSERT_R(json_array_size(json_object_get(r->json, "scopes")) == 1 &&
                    !strcmp(json_string_value(
                                json_array_get(json_object_get(r->json, "scopes"), 0)),
                            "all"),
                r);
    IT_ASSERT_R(json_is_string(json_object_get(r->json, "expires_at")), r);
    IT_ASSERT_MSG(strcmp(conn, key) && strcmp(conn + 9, key + 9), "two tokens share a secret");

    /* stored only as SHA-256 */
    args[0] = conn_id;
    hash = it_db_value("SELECT secret_hash FROM api_tokens WHERE id = $1", 1, args);
    IT_ASSERT_STRING_EQUAL(hash, miq_token_hash(itp, conn));

    /* lists: never the secret, never the hash */
    r = it_request("GET", "/api/dashboard/connectors", it_session_headers(a, 0, NULL), NULL, 0);
    IT_REQUIRE_R(r->status == 200, r);
    IT_ASSERT_R(json_array_size(json_object_get(r->json, "tokens")) == 1, r);
    IT_ASSERT_STRING_EQUAL(miq_json_str(json_array_get(json_object_get(r->json, "tokens"), 0),
                                        "token_id", NULL),
                           conn_id);
    IT_ASSERT_R(!strstr(r->body, conn) && !strstr(r->body, conn + 9), r);
    IT_ASSERT_R(!hash || !strstr(r->body, hash), r);
    IT_ASSERT_R(!strstr(r->body, "\"token\""), r);
    r = it_request("GET", "/api/dashboard/keys", it_session_headers(a, 0, NULL), NULL, 0);
    IT_REQUIRE_R(r->status == 200, r);
    IT_ASSERT_R(json_array_size(json_object_get(r->json, "tokens")) == 1, r);
    IT_ASSERT_R(!strstr(r->body, key) && !strstr(r->body, key + 9), r);
    /* a key is not revoked through the connectors route */
    r = revoke_token(a, "connectors", key_id);
    IT_ASSERT_R(r->status == 404, r);
    /* another account sees none of them (signed up last: its scrypt run must
     * not let a's session pass the test stack's 4 s idle limit) */
    {
        it_account *b = it_signup("tokens-other");
        IT_REQUIRE_R(b != NULL, NULL);
        r = it_request("GET", "/api/dashboard/connectors", it_session_headers(b, 0, NULL), NULL, 0);
        IT_ASSERT_R(r->status == 200 && json_array_size(json_object_get(r->json, "tokens")) == 0,
                    r);
        r = revoke_token(b, "connectors", conn_id);
        IT_ASSERT_R(r->status == 404 && !strcmp(err_code(r), "not_found"), r);
    }
}

static void test_create_rejects(void)
{
    it_account *a = it_signup("tokens-bad");
    static const char *const bodies[] = {
        "{\"scopes\":[\"all\"]}",
        "{\"name\":\"\",\"scopes\":[\"all\"]}",
        "{\"name\":\"x\"}",
        "{\"name\":\"x\",\"scopes\":[]}",
        "{\"name\":\"x\",\"scopes\":[\"root/*\"]}",
        "{\"name\":\"x\",\"scopes\":[1]}",
        "{\"name\":\"x\",\"scopes\":[\"all\"],\"expires_in\":10}",
        "{\"name\":\"x\",\"scopes\":[\"all\"],\"expires_in\":\"60\"}",
        "[1,2]",
        "not json",
    };
    apr_size_t i;
    it_resp *r;
    IT_REQUIRE_R(a != NULL, NULL);
    for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        r = it_request("POST", "/api/dashboard/connectors", it_session_headers(a, 1, json_ct),
                       bodies[i], strlen(bodies[i]));
        IT_ASSERT_MSG(r->status == 400 && !strcmp(err_code(r), "invalid_request"),
                      "body %s: HTTP %ld %s", bodies[i], r->status, r->body);
    }
    /* CSRF: missing or wrong on create and revoke */
    {
        const char *body = "{\"name\":\"x\",\"scopes\":[\"all\"]}";
        const char *wrong[] = {"Content-Type: application/json", "X-CSRF-Token: nope", NULL};
        r = it_request("POST", "/api/dashboard/connectors", it_session_headers(a, 0, json_ct), body,
                       strlen(body));
        IT_ASSERT_R(r->status == 403 && !strcmp(err_code(r), "csrf_required"), r);
        r = it_request("POST", "/api/dashboard/keys", it_session_headers(a, 0, wrong), body,
                       strlen(body));
        IT_ASSERT_R(r->status == 403 && !strcmp(err_code(r), "csrf_required"), r);
        r = it_request("POST", "/api/dashboard/connectors/tok_0123456789abcdef/revoke",
                       it_session_headers(a, 0, NULL), "", 0);
        IT_ASSERT_R(r->status == 403, r);
    }
    r = it_request("GET", "/api/dashboard/connectors", it_session_headers(a, 0, NULL), NULL, 0);
    IT_ASSERT_R(r->status == 200 && json_array_size(json_object_get(r->json, "tokens")) == 0, r);
    r = revoke_token(a, "keys", "tok_0123456789abcdef");
    IT_ASSERT_R(r->status == 404, r);
}

/* ---- using a token ---------------------------------------------------------------------- */

static void test_rest_account(void)
{
    it_account *a = it_signup("rest");
    const char *key, *key_id;
    json_t *tok;
    it_resp *r;
    IT_REQUIRE_R(a != NULL, NULL);
    key = it_create_token(a, "keys", "{\"name\":\"rest\"}", &key_id, NULL);
    IT_REQUIRE_R(key != NULL, NULL);
    r = rest_account(key);
    IT_REQUIRE_R(r->status == 200, r);
    IT_ASSERT_STRING_EQUAL(miq_json_str(json_object_get(r->json, "account"), "id", NULL),
                           a->account_id);
    IT_ASSERT_STRING_EQUAL(miq_json_str(json_object_get(r->json, "account"), "email", NULL),
                           a->email);
    IT_ASSERT_R(json_is_integer(json_object_get(r->json, "balance_credits")) &&
                    json_integer_value(json_object_get(r->json, "balance_credits")) == 0,
                r);
    IT_ASSERT_R(json_object_get(r->json, "monthly_spend_cap_credits") != NULL, r);
    IT_ASSERT_R(json_is_integer(json_object_get(r->json, "spent_this_period_credits")), r);
    IT_ASSERT_R(json_is_array(json_object_get(r->json, "readiness_warnings")), r);
    IT_ASSERT_R(has_warning(r->json, "billing_not_set_up") && has_warning(r->json, "no_spend_cap"),
                r);
    IT_ASSERT_R(!has_warning(r->json, "token_expiring_soon") &&
                    !has_warning(r->json, "scope_too_narrow"),
                r);
    tok = json_object_get(r->json, "token");
    IT_ASSERT_STRING_EQUAL(miq_json_str(tok, "id", NULL), key_id);
    IT_ASSERT_STRING_EQUAL(miq_json_str(tok, "kind", NULL), "api_key");
    IT_ASSERT_R(json_is_null(json_object_get(tok, "expires_in_s")), r);
    IT_ASSERT_R(!strstr(r->body, key), r);
    IT_ASSERT_MSG(it_header(r, "Cache-Control") &&
                      strstr(it_header(r, "Cache-Control"), "no-store"),
                  "Cache-Control: %s", it_header(r, "Cache-Control"));
    /* the scheme is case-insensitive */
    {
        const char *h[] = {apr_pstrcat(itp, "Authorization: bearer ", key, NULL), NULL};
        r = it_request("GET", "/v1/account", h, NULL, 0);
        IT_ASSERT_R(r->status == 200, r);
    }
    /* unknown /v1 routes need the token first, then 404 */
    r = it_request("GET", "/v1/nope", with(it_bearer(key), NULL, NULL), NULL, 0);
    IT_ASSERT_R(r->status == 404 && !strcmp(err_code(r), "not_found"), r);
    r = it_request("GET", "/v1/nope", NULL, NULL, 0);
    IT_ASSERT_R(r->status == 401, r);
}

static void test_mcp_account_and_warnings(void)
{
    it_account *a = it_signup("mcp");
    const char *conn, *conn_id, *sid;
    json_t *sc;
    it_resp *r, *init = NULL;
    IT_REQUIRE_R(a != NULL, NULL);
    conn = it_create_token(a, "connectors",
                           "{\"name\":\"narrow\",\"scopes\":[\"audio/*\"],\"expires_in\":3600}",
                           &conn_id, NULL);
    IT_REQUIRE_R(conn != NULL, NULL);

    /* 2026 */
    r = get_account26(conn);
    IT_REQUIRE_R(r->status == 200 && it_result(r) && !is_tool_error(r), r);
    sc = structured(r);
    IT_ASSERT_STRING_EQUAL(miq_json_str(json_object_get(sc, "account"), "id", NULL), a->account_id);
    IT_ASSERT_STRING_EQUAL(miq_json_str(json_object_get(sc, "token"), "id", NULL), conn_id);
    IT_ASSERT_STRING_EQUAL(miq_json_str(json_object_get(sc, "token"), "kind", NULL), "connector");
    {
        json_t *scopes = json_object_get(json_object_get(sc, "token"), "scopes");
        long exp = (long)miq_json_int(json_object_get(sc, "token"), "expires_in_s", -1);
        IT_ASSERT_R(json_array_size(scopes) == 1 &&
                        !strcmp(json_string_value(json_array_get(scopes, 0)), "audio/*"),
                    r);
        IT_ASSERT_MSG(exp > 3500 && exp <= 3600, "expires_in_s %ld", exp);
    }
    IT_ASSERT_R(has_warning(sc, "billing_not_set_up"), r);
    IT_ASSERT_R(has_warning(sc, "no_spend_cap"), r);
    IT_ASSERT_R(has_warning(sc, "token_expiring_soon"), r);
    IT_ASSERT_R(has_warning(sc, "scope_too_narrow"), r);
    IT_ASSERT_R(json_is_array(json_object_get(it_result(r), "content")), r);
    IT_ASSERT_R(!strstr(r->body, conn), r);

    /* 2025: initialize and call with the token */
    sid = session25(conn, &init);
    IT_REQUIRE_R(sid != NULL, init);
    r = call25(sid, conn, "momentiq.get_account");
    IT_REQUIRE_R(r->status == 200 && it_result(r) && !is_tool_error(r), r);
    sc = structured(r);
    IT_ASSERT_STRING_EQUAL(miq_json_str(json_object_get(sc, "token"), "id", NULL), conn_id);
    IT_ASSERT_R(has_warning(sc, "scope_too_narrow"), r);

    /* REST gives the same view */
    r = rest_account(conn);
    IT_ASSERT_R(r->status == 200 && has_warning(r->json, "token_expiring_soon"), r);

    /* tools/list with the token still offers get_account */
    r = mcp26(conn, "tools/list", NULL, NULL);
    IT_ASSERT_R(it_find_by_name(json_object_get(it_result(r), "tools"), "momentiq.get_account") !=
                    NULL,
                r);

    /* every warning is recorded (each one at most once per token per 10 minutes
     * and httpd child, so at least once here, whichever surface came first) */
    IT_ASSERT_MSG(count_events(conn_id, "readiness_warning", "scope_too_narrow", NULL, 1) >= 1,
                  "scope_too_narrow events for %s", conn_id);
    IT_ASSERT_MSG(count_events(conn_id, "readiness_warning", "token_expiring_soon", NULL, 1) >= 1,
                  "token_expiring_soon events for %s", conn_id);
    IT_ASSERT_MSG(count_events(conn_id, "readiness_warning", "billing_not_set_up", NULL, 1) >= 1,
                  "billing_not_set_up events for %s", conn_id);
}

/* ---- refusals ------------------------------------------------------------------------------ */

static void test_unknown_token(void)
{
    const char *bad = unknown_token("miq_conn_"), *bad_key = unknown_token("miq_live_");
    it_resp *r, *init = NULL;
    const char *sid;
    const char *w;
    it_secret_note(bad);
    it_secret_note(bad_key);

    r = rest_account(bad);
    IT_ASSERT_R(r->status == 401 && !strcmp(err_code(r), "invalid_api_key"), r);
    IT_ASSERT_R(bearer_challenge(r), r);
    w = it_header(r, "WWW-Authenticate");
    IT_ASSERT_MSG(w && strstr(w, "error=\"invalid_token\""), "WWW-Authenticate: %s", w);
    r = rest_account(bad_key);
    IT_ASSERT_R(r->status == 401 && !strcmp(err_code(r), "invalid_api_key"), r);
    /* malformed and non-Bearer credentials */
    r = it_request("GET", "/v1/account", with("Authorization: Bearer miq_conn_short", NULL, NULL),
                   NULL, 0);
    IT_ASSERT_R(r->status == 401 && !strcmp(err_code(r), "invalid_api_key") && bearer_challenge(r),
                r);

    /* MCP 2026 */
    r = get_account26(bad);
    IT_ASSERT_R(r->status == 401 && bearer_challenge(r), r);
    IT_ASSERT_R(it_error(r) && !strcmp(rpc_data_code(r), "invalid_api_key"), r);
    /* even a public tool: a presented token is always verified */
    r = mcp26(bad, "tools/call",
              "{\"name\":\"momentiq.estimate_cost\",\"arguments\":{\"endpoint\":\"video/scenes\","
              "\"duration_s\":60}}",
              NULL);
    IT_ASSERT_R(r->status == 401 && !strcmp(rpc_data_code(r), "invalid_api_key"), r);

    /* MCP 2025: initialize, and a call on an open session */
    sid = session25(bad, &init);
    IT_ASSERT_R(sid == NULL && init->status == 401 && bearer_challenge(init) &&
                    !strcmp(rpc_data_code(init), "invalid_api_key"),
                init);
    sid = session25(NULL, &init);
    IT_REQUIRE_R(sid != NULL, init);
    r = call25(sid, bad, "momentiq.list_endpoints");
    IT_ASSERT_R(r->status == 401 && bearer_challenge(r) &&
                    !strcmp(rpc_data_code(r), "invalid_api_key"),
                r);
    /* GET /mcp verifies a presented token too */
    r = it_request("GET", "/mcp", with(it_bearer(bad), NULL, NULL), NULL, 0);
    IT_ASSERT_R(r->status == 401 && bearer_challenge(r), r);

    /* recorded without a token id (unknown) and never with the secret */
    {
        const char *n = NULL;
        int i;
        for (i = 0; i < 40; i++) {
            n = it_db_value("SELECT count(*) FROM auth_events WHERE kind = 'invalid_api_key' AND "
                            "code = 'unknown' AND surface = 'mcp'",
                            0, NULL);
            if (n && atoi(n) >= 4)
                break;
            usleep(150000);
        }
        IT_ASSERT_MSG(n && atoi(n) >= 4, "invalid_api_key/unknown events on mcp: %s", n);
    }
}

static void test_no_token(void)
{
    it_resp *r = it_request("GET", "/v1/account", NULL, NULL, 0);
    const char *sid, *w;
    json_t *meta;
    IT_ASSERT_R(r->status == 401 && !strcmp(err_code(r), "authentication_required"), r);
    IT_ASSERT_R(bearer_challenge(r), r);
    w = it_header(r, "WWW-Authenticate");
    IT_ASSERT_MSG(w && !strstr(w, "error="), "no token is not an invalid token: %s", w);

    /* anonymous MCP: an authenticated tool answers with a tool error + challenge */
    r = get_account26(NULL);
    IT_REQUIRE_R(r->status == 200 && it_result(r) && is_tool_error(r), r);
    meta = json_object_get(it_result(r), "_meta");
    {
        json_t *ch = json_object_get(meta, "mcp/www_authenticate");
        const char *c = json_is_array(ch) ? json_string_value(json_array_get(ch, 0))
                                          : json_string_value(ch);
        IT_ASSERT_MSG(c && !strncmp(c, "Bearer ", 7) && strstr(c, challenge_url()),
                      "_meta[mcp/www_authenticate]: %s", it_dump(ch));
    }
    IT_ASSERT_R(strstr(it_dump(it_result(r)), "authentication_required") != NULL, r);
    sid = session25(NULL, NULL);
    IT_REQUIRE_R(sid != NULL, NULL);
    r = call25(sid, NULL, "momentiq.get_account");
    IT_ASSERT_R(r->status == 200 && is_tool_error(r) &&
                    json_object_get(json_object_get(it_result(r), "_meta"), "mcp/www_authenticate"),
                r);
    /* public tools need nothing */
    r = mcp26(NULL, "tools/call", "{\"name\":\"momentiq.list_endpoints\",\"arguments\":{}}", NULL);
    IT_ASSERT_R(r->status == 200 && it_result(r) && !is_tool_error(r), r);
    /* RFC 9728 metadata */
    r = it_request("GET", "/.well-known/oauth-protected-resource/mcp", NULL, NULL, 0);
    IT_ASSERT_R(r->status == 200 && !strcmp(miq_json_str(r->json, "resource", ""),
                                            apr_pstrcat(itp, itenv.url, "/mcp", NULL)),
                r);
    r = it_request("GET", "/.well-known/oauth-protected-resource", NULL, NULL, 0);
    IT_ASSERT_R(r->status == 200 && json_is_object(r->json), r);
}

static void test_revoke(void)
{
    it_account *a = it_signup("revoke");
    const char *conn, *conn_id, *sid;
    it_resp *r;
    IT_REQUIRE_R(a != NULL, NULL);
    conn = it_create_token(a, "connectors", "{\"name\":\"to revoke\",\"scopes\":[\"all\"]}",
                           &conn_id, NULL);
    IT_REQUIRE_R(conn != NULL, NULL);
    IT_ASSERT_R(rest_account(conn)->status == 200, NULL);
    IT_ASSERT_R(get_account26(conn)->status == 200, NULL);
    sid = session25(conn, NULL);
    IT_REQUIRE_R(sid != NULL, NULL);
    IT_ASSERT_R(call25(sid, conn, "momentiq.get_account")->status == 200, NULL);

    r = revoke_token(a, "connectors", conn_id);
    IT_REQUIRE_R(r->status == 200 && json_is_true(json_object_get(r->json, "revoked")), r);
    /* the very next request, on every surface */
    r = rest_account(conn);
    IT_ASSERT_R(r->status == 401 && !strcmp(err_code(r), "invalid_api_key") && bearer_challenge(r),
                r);
    r = get_account26(conn);
    IT_ASSERT_R(r->status == 401 && !strcmp(rpc_data_code(r), "invalid_api_key") &&
                    bearer_challenge(r),
                r);
    r = call25(sid, conn, "momentiq.get_account");
    IT_ASSERT_R(r->status == 401 && !strcmp(rpc_data_code(r), "invalid_api_key"), r);
    {
        it_resp *init = NULL;
        const char *s2 = session25(conn, &init);
        IT_ASSERT_R(s2 == NULL && init->status == 401 && bearer_challenge(init), init);
    }
    /* twice: 404; the list shows it revoked */
    r = revoke_token(a, "connectors", conn_id);
    IT_ASSERT_R(r->status == 404, r);
    r = it_request("GET", "/api/dashboard/connectors", it_session_headers(a, 0, NULL), NULL, 0);
    IT_ASSERT_R(r->status == 200 &&
                    json_is_string(
                        json_object_get(json_array_get(json_object_get(r->json, "tokens"), 0),
                                        "revoked_at")),
                r);
    IT_ASSERT_MSG(count_events(conn_id, "invalid_api_key", "revoked", "rest", 1) >= 1,
                  "no invalid_api_key/revoked event on rest for %s", conn_id);
    IT_ASSERT_MSG(count_events(conn_id, "invalid_api_key", "revoked", "mcp", 3) >= 3,
                  "invalid_api_key/revoked events on mcp for %s", conn_id);
    {
        /* with the account too */
        const char *args[] = {conn_id, a->account_id};
        const char *n = it_db_value("SELECT count(*) FROM auth_events WHERE token_id = $1 AND "
                                    "kind = 'invalid_api_key' AND account_id = $2::bigint",
                                    2, args);
        IT_ASSERT_MSG(n && atoi(n) >= 4, "revoked events with the account id: %s", n);
    }
}

static void test_expired(void)
{
    it_account *a = it_signup("expired");
    const char *key, *key_id, *args[1];
    it_resp *r;
    IT_REQUIRE_R(a != NULL, NULL);
    key = it_create_token(a, "keys", "{\"name\":\"short\",\"expires_in\":60}", &key_id, NULL);
    IT_REQUIRE_R(key != NULL, NULL);
    r = rest_account(key);
    IT_REQUIRE_R(r->status == 200, r);
    IT_ASSERT_R(has_warning(r->json, "token_expiring_soon"), r);
    args[0] = key_id;
    {
        it_rows *u = it_db_query("UPDATE api_tokens SET expires_at = now() - interval '1 second' "
                                 "WHERE id = $1",
                                 1, args);
        IT_REQUIRE_R(u->error == NULL, NULL);
    }
    r = rest_account(key);
    IT_ASSERT_R(r->status == 401 && !strcmp(err_code(r), "invalid_api_key") && bearer_challenge(r),
                r);
    r = get_account26(key);
    IT_ASSERT_R(r->status == 401 && !strcmp(rpc_data_code(r), "invalid_api_key"), r);
    IT_ASSERT_MSG(count_events(key_id, "invalid_api_key", "expired", NULL, 2) >= 2,
                  "invalid_api_key/expired events for %s", key_id);
}

static void test_last_used(void)
{
    it_account *a = it_signup("lastused");
    const char *key, *key_id, *args[1], *first = NULL, *second;
    it_resp *r;
    int i;
    IT_REQUIRE_R(a != NULL, NULL);
    key = it_create_token(a, "keys", "{\"name\":\"last used\"}", &key_id, NULL);
    IT_REQUIRE_R(key != NULL, NULL);
    args[0] = key_id;
    IT_ASSERT_R(it_db_value("SELECT last_used_at FROM api_tokens WHERE id = $1", 1, args) == NULL,
                NULL);
    r = rest_account(key);
    IT_ASSERT_R(r->status == 200, r);
    for (i = 0; i < 20 && !first; i++) {
        first = it_db_value("SELECT last_used_at::text FROM api_tokens WHERE id = $1", 1, args);
        if (!first)
            usleep(100000);
    }
    IT_REQUIRE_R(first != NULL, NULL);
    /* not rewritten within a minute, on either surface */
    usleep(1200000);
    IT_ASSERT_R(rest_account(key)->status == 200, NULL);
    IT_ASSERT_R(get_account26(key)->status == 200, NULL);
    second = it_db_value("SELECT last_used_at::text FROM api_tokens WHERE id = $1", 1, args);
    IT_ASSERT_STRING_EQUAL(second, first);
    r = it_request("GET", "/api/dashboard/keys", it_session_headers(a, 0, NULL), NULL, 0);
    IT_ASSERT_R(r->status == 200 &&
                    json_is_string(
                        json_object_get(json_array_get(json_object_get(r->json, "tokens"), 0),
                                        "last_used_at")),
                r);
    /* older than a minute: written again on the next use */
    IT_REQUIRE_R(it_db_query("UPDATE api_tokens SET last_used_at = now() - interval '2 minutes' "
                             "WHERE id = $1",
                             1, args)
                         ->error == NULL,
                 NULL);
    IT_ASSERT_R(get_account26(key)->status == 200, NULL);
    second = it_db_value("SELECT (last_used_at > now() - interval '30 seconds')::text FROM "
                         "api_tokens WHERE id = $1",
                         1, args);
    IT_ASSERT_STRING_EQUAL(second, "true");
}

static void test_session_bound_to_account(void)
{
    /* each account's tokens made right after its signup: a signup costs a
     * scrypt run, which must not let the other's session pass the test
     * stack's 4 s idle limit */
    it_account *a = it_signup("bound"), *b;
    const char *ta, *ta2, *tb, *id, *sid, *anon;
    it_resp *r;
    IT_REQUIRE_R(a != NULL, NULL);
    ta = it_create_token(a, "connectors", "{\"name\":\"A\",\"scopes\":[\"all\"]}", &id, NULL);
    /* another token of the same account (an OAuth client after a refresh) */
    ta2 = it_create_token(a, "connectors", "{\"name\":\"A2\",\"scopes\":[\"all\"]}", &id, NULL);
    b = it_signup("bound-b");
    IT_REQUIRE_R(b != NULL, NULL);
    tb = it_create_token(b, "connectors", "{\"name\":\"B\",\"scopes\":[\"all\"]}", &id, NULL);
    IT_REQUIRE_R(ta && ta2 && tb, NULL);
    sid = session25(ta, NULL);
    IT_REQUIRE_R(sid != NULL, NULL);
    r = call25(sid, ta, "momentiq.get_account");
    IT_ASSERT_R(r->status == 200 && !is_tool_error(r), r);
    /* another token of the same account keeps it */
    r = call25(sid, ta2, "momentiq.get_account");
    IT_ASSERT_R(r->status == 200 && !is_tool_error(r), r);
    r = call25(sid, tb, "momentiq.get_account");
    IT_ASSERT_R(r->status == 404, r);
    r = call25(sid, NULL, "momentiq.list_endpoints");
    IT_ASSERT_R(r->status == 404, r);
    /* the other way round: an anonymous session cannot be taken over with a token */
    anon = session25(NULL, NULL);
    IT_REQUIRE_R(anon != NULL, NULL);
    r = call25(anon, ta, "momentiq.get_account");
    IT_ASSERT_R(r->status == 404, r);
    /* DELETE with another token: 404, the session lives on */
    r = it_request("DELETE", "/mcp",
                   with(apr_pstrcat(itp, "Mcp-Session-Id: ", sid, NULL), it_bearer(tb),
                        "MCP-Protocol-Version: " IT_V2025),
                   NULL, 0);
    IT_ASSERT_R(r->status == 404, r);
    r = call25(sid, ta, "momentiq.get_account");
    IT_ASSERT_R(r->status == 200, r);
}

static void test_require_token(void)
{
    it_account *a = it_signup("require");
    const char *conn, *id;
    const char *call = "{\"name\":\"momentiq.list_endpoints\",\"arguments\":{}}";
    it_resp *r;
    IT_REQUIRE_R(a != NULL, NULL);
    conn = it_create_token(a, "connectors", "{\"name\":\"req\",\"scopes\":[\"all\"]}", &id, NULL);
    IT_REQUIRE_R(conn != NULL, NULL);
    /* the test stack sets MomentIQRequireToken On for requests with this header */
    r = mcp26(NULL, "tools/call", call, "X-Require-Token-Test: 1");
    IT_ASSERT_R(r->status == 401 && bearer_challenge(r), r);
    IT_ASSERT_R(!strcmp(rpc_data_code(r), "authentication_required"), r);
    r = it_request("GET", "/mcp", with("X-Require-Token-Test: 1", NULL, NULL), NULL, 0);
    IT_ASSERT_R(r->status == 401 && bearer_challenge(r), r);
    r = mcp26(conn, "tools/call", call, "X-Require-Token-Test: 1");
    IT_ASSERT_R(r->status == 200 && it_result(r) && !is_tool_error(r), r);
    /* without the directive a public call needs no token */
    r = mcp26(NULL, "tools/call", call, NULL);
    IT_ASSERT_R(r->status == 200 && it_result(r) && !is_tool_error(r), r);
}

/* ---- 200 parallel calls with a revoke in the middle ------------------------------------------ */

#define PAR_N            200
#define PAR_WINDOW       25
#define PAR_REVOKE_AFTER 60 /* completed calls before the revoke is sent */

typedef struct par_call {
    CURL *h;
    struct curl_slist *hdrs;
    char body[2048];
    size_t len;
    apr_time_t added;
    int phase; /* 0: added before the revoke was sent, 1: while in flight, 2: after it returned */
    int mcp;
    long status;
    int done;
} par_call;

static size_t par_write(char *data, size_t size, size_t nmemb, void *baton)
{
    par_call *c = baton;
    size_t n = size * nmemb, room = sizeof(c->body) - 1 - c->len;
    memcpy(c->body + c->len, data, n < room ? n : room);
    c->len += n < room ? n : room;
    c->body[c->len] = 0;
    return n;
}

static CURL *par_handle(par_call *c, const char *url, const char *post, const char *const *headers)
{
    int i;
    c->h = curl_easy_init();
    for (i = 0; headers[i]; i++)
        c->hdrs = curl_slist_append(c->hdrs, headers[i]);
    curl_easy_setopt(c->h, CURLOPT_URL, url);
    curl_easy_setopt(c->h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c->h, CURLOPT_TIMEOUT_MS, 30000L);
    curl_easy_setopt(c->h, CURLOPT_HTTPHEADER, c->hdrs);
    curl_easy_setopt(c->h, CURLOPT_WRITEFUNCTION, par_write);
    curl_easy_setopt(c->h, CURLOPT_WRITEDATA, c);
    curl_easy_setopt(c->h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    if (post) {
        curl_easy_setopt(c->h, CURLOPT_POSTFIELDS, post);
        curl_easy_setopt(c->h, CURLOPT_POSTFIELDSIZE, (long)strlen(post));
    }
    return c->h;
}

static void test_parallel_revoke(void)
{
    it_account *a = it_signup("parallel");
    const char *conn, *conn_id, *auth, *mcp_body;
    const char *const *mcp_hdrs;
    par_call *calls, rv;
    CURLM *multi;
    int next = 0, active = 0, completed = 0, revoke_state = 0, during_added = 0, i;
    int ok_before = 0, after = 0, after_401 = 0, other = 0, in_flight_401 = 0;
    apr_time_t revoked_at = 0, deadline;
    IT_REQUIRE_R(a != NULL, NULL);
    conn = it_create_token(a, "connectors", "{\"name\":\"parallel\",\"scopes\":[\"all\"]}",
                           &conn_id, NULL);
    IT_REQUIRE_R(conn != NULL, NULL);
    auth = it_bearer(conn);
    {
        json_t *p = mcp_2026_params(
            it_json("{\"name\":\"momentiq.get_account\",\"arguments\":{}}"));
        mcp_body = it_rpc_body("tools/call", p, 7);
        mcp_hdrs = it_mcp_headers(mcp_2026_headers("tools/call", p, with(auth, NULL, NULL)));
    }
    calls = apr_pcalloc(itp, PAR_N * sizeof(*calls));
    memset(&rv, 0, sizeof(rv));
    multi = curl_multi_init();
    deadline = apr_time_now() + apr_time_from_sec(60);
    while ((completed < PAR_N || revoke_state == 1) && apr_time_now() < deadline) {
        int running = 0, left;
        CURLMsg *msg;
        if (revoke_state == 0 && completed >= PAR_REVOKE_AFTER) {
            /* from a separate connection, through the dashboard */
            par_handle(&rv,
                       apr_psprintf(itp, "%s/api/dashboard/connectors/%s/revoke", itenv.url,
                                    conn_id),
                       "", it_session_headers(a, 1, NULL));
            curl_easy_setopt(rv.h, CURLOPT_FRESH_CONNECT, 1L);
            curl_easy_setopt(rv.h, CURLOPT_FORBID_REUSE, 1L);
            rv.added = apr_time_now();
            curl_multi_add_handle(multi, rv.h);
            revoke_state = 1;
        }
        /* while the revoke is in flight, at most one window more: then wait for it,
         * so that a good part of the calls start after it returned */
        while (active < PAR_WINDOW && next < PAR_N &&
               (revoke_state != 1 || during_added < PAR_WINDOW)) {
            par_call *c = &calls[next];
            c->mcp = next % 2;
            if (c->mcp)
                par_handle(c, apr_pstrcat(itp, itenv.url, "/mcp", NULL), mcp_body, mcp_hdrs);
            else
                par_handle(c, apr_pstrcat(itp, itenv.url, "/v1/account", NULL), NULL,
                           with(auth, NULL, NULL));
            c->phase = revoke_state;
            during_added += revoke_state == 1;
            c->added = apr_time_now();
            curl_multi_add_handle(multi, c->h);
            next++;
            active++;
        }
        curl_multi_perform(multi, &running);
        while ((msg = curl_multi_info_read(multi, &left))) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            if (msg->easy_handle == rv.h) {
                curl_easy_getinfo(rv.h, CURLINFO_RESPONSE_CODE, &rv.status);
                revoked_at = apr_time_now();
                revoke_state = 2;
                continue;
            }
            for (i = 0; i < next; i++)
                if (calls[i].h == msg->easy_handle && !calls[i].done) {
                    calls[i].done = 1;
                    curl_easy_getinfo(calls[i].h, CURLINFO_RESPONSE_CODE, &calls[i].status);
                    completed++;
                    active--;
                }
        }
        curl_multi_poll(multi, NULL, 0, 50, NULL);
    }
    IT_ASSERT_MSG(completed == PAR_N, "only %d of %d calls completed", completed, PAR_N);
    IT_ASSERT_MSG(revoke_state == 2 && rv.status == 200, "revoke: state %d, HTTP %ld %s",
                  revoke_state, rv.status, rv.body);
    for (i = 0; i < next; i++) {
        par_call *c = &calls[i];
        int is_ok = c->status == 200 && (!c->mcp || !strstr(c->body, "\"isError\":true")) &&
                    strstr(c->body, "balance_credits");
        int is_401 = c->status == 401 && strstr(c->body, "invalid_api_key");
        if (c->phase == 2) {
            after++;
            if (is_401)
                after_401++;
            else
                IT_ASSERT_MSG(0,
                              "call %d (%s) started %.1f ms after the revoke returned: HTTP "
                              "%ld %.300s",
                              i, c->mcp ? "MCP" : "REST", (double)(c->added - revoked_at) / 1000.0,
                              c->status, c->body);
        }
        else if (is_ok && c->phase == 0)
            ok_before++;
        else if (is_401)
            in_flight_401++;
        else if (!is_ok)
            other++;
    }
    IT_ASSERT_MSG(ok_before > 0, "no successful call before the revoke");
    IT_ASSERT_MSG(after > 0, "no call started after the revoke returned");
    IT_ASSERT_MSG(after_401 == after, "%d of %d calls after the revoke got 401", after_401, after);
    IT_ASSERT_MSG(other == 0, "%d calls before the revoke failed otherwise", other);
    fprintf(stderr,
            "\n  parallel revoke: %d ok before, %d 401 around the revoke (which took %.1f ms), "
            "%d/%d 401 after\n",
            ok_before, in_flight_401, (double)(revoked_at - rv.added) / 1000.0, after_401, after);
    for (i = 0; i < next; i++) {
        curl_multi_remove_handle(multi, calls[i].h);
        curl_easy_cleanup(calls[i].h);
        curl_slist_free_all(calls[i].hdrs);
    }
    if (rv.h) {
        curl_multi_remove_handle(multi, rv.h);
        curl_easy_cleanup(rv.h);
        curl_slist_free_all(rv.hdrs);
    }
    curl_multi_cleanup(multi);
}

IT_SUITE("tokens", IT_TEST(test_create_and_list), IT_TEST(test_create_rejects),
         IT_TEST(test_rest_account), IT_TEST(test_mcp_account_and_warnings),
         IT_TEST(test_unknown_token), IT_TEST(test_no_token), IT_TEST(test_revoke),
         IT_TEST(test_expired), IT_TEST(test_last_used), IT_TEST(test_session_bound_to_account),
         IT_TEST(test_require_token), IT_TEST(test_parallel_revoke))
