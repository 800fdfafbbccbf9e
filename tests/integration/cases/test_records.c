/* The MCP request log (mcp_requests): what each request leaves behind, and
 * that no secret ever reaches the database or the httpd logs. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <apr_strings.h>
#include "base/miq_crypto.h"
#include "itest.h"
#include "base/miq_json.h"

#define SECRET_TOKEN "miq_conn_FAKESECRET123"
#define SECRET_MARK  "FAKESECRET"

static const char *unique(const char *prefix)
{
    static int n;
    return apr_psprintf(itp, "%s-%d-%d-%" APR_TIME_T_FMT, prefix, (int)getpid(), ++n,
                        apr_time_now());
}

/* params for a 2026 request from client `client`. */
static json_t *as_client(const char *client, const char *params_json)
{
    json_t *p = it_json(params_json ? params_json : "{}");
    json_object_set_new(p, "_meta",
                        json_pack("{s:{s:s,s:s}}", "io.modelcontextprotocol/clientInfo", "name",
                                  client, "version", "9.9.9"));
    return p;
}

/* Rows of mcp_requests for a client (waiting for the batched writer). */
static it_rows *rows_for(const char *client, int at_least)
{
    const char *args[] = {client};
    it_rows *rows = NULL;
    int i;
    for (i = 0; i < 40; i++) {
        rows = it_db_query("SELECT era, protocol_version, http_method, rpc_method, tool, "
                           "client_name, session_id, http_status, outcome, error_code, "
                           "latency_ms, caller FROM mcp_requests WHERE client_name = $1 "
                           "ORDER BY id",
                           1, args);
        if (rows->error || rows->n >= at_least)
            break;
        usleep(150000);
    }
    return rows;
}

enum {
    C_ERA,
    C_VERSION,
    C_HTTP,
    C_RPC,
    C_TOOL,
    C_CLIENT,
    C_SID,
    C_STATUS,
    C_OUTCOME,
    C_CODE,
    C_LATENCY,
    C_CALLER
};

/* The row whose rpc method and tool match (tool NULL: any). */
static int find_row(const it_rows *rows, const char *rpc, const char *tool)
{
    int i;
    for (i = 0; i < rows->n; i++) {
        const char *m = IT_CELL(rows, i, C_RPC), *t = IT_CELL(rows, i, C_TOOL);
        if (m && !strcmp(m, rpc) && (!tool || (t && !strcmp(t, tool))))
            return i;
    }
    return -1;
}

static const char *cell(const it_rows *rows, int row, int col)
{
    const char *v = row >= 0 && row < rows->n && col < rows->cols ? IT_CELL(rows, row, col) : NULL;
    return v ? v : "";
}

static void test_records_2026(void)
{
    const char *client = unique("miq-itest-rec26");
    it_rows *rows;
    int i;
    it_resp *r;
    r = mcp_2026_call("tools/call",
                      as_client(client, "{\"name\":\"test_simple_text\",\"arguments\":{}}"));
    IT_ASSERT_R(r->status == 200 && it_result(r), r);
    r = mcp_2026_call("tools/call",
                      as_client(client, "{\"name\":\"momentiq.no_such_tool\",\"arguments\":{}}"));
    IT_ASSERT_R(it_error_code(r) == -32602, r);
    r = mcp_2026_call("tools/call", as_client(client, "{\"name\":\"momentiq.get_endpoint_schema\","
                                                      "\"arguments\":{}}"));
    IT_ASSERT_R(it_result(r) && json_is_true(json_object_get(it_result(r), "isError")), r);
    /* a progress call: its latency includes the tool's ~100 ms of steps */
    {
        json_t *p = it_json("{\"name\":\"test_tool_with_progress\",\"arguments\":{}}");
        json_object_set_new(p, "_meta",
                            json_pack("{s:{s:s,s:s},s:s}", "io.modelcontextprotocol/clientInfo",
                                      "name", client, "version", "9.9.9", "progressToken",
                                      "rec-2"));
        r = mcp_2026_call("tools/call", p);
        IT_ASSERT_R(it_result(r) != NULL, r);
    }

    rows = rows_for(client, 4);
    IT_REQUIRE_R(rows->error == NULL, NULL);
    IT_ASSERT_MSG(rows->n == 4, "%d mcp_requests rows for %s, want 4", rows->n, client);

    i = find_row(rows, "tools/call", "test_simple_text");
    IT_ASSERT_MSG(i >= 0, "no row for test_simple_text");
    IT_ASSERT_STRING_EQUAL(cell(rows, i, C_ERA), "2026");
    IT_ASSERT_STRING_EQUAL(cell(rows, i, C_VERSION), IT_V2026);
    IT_ASSERT_STRING_EQUAL(cell(rows, i, C_HTTP), "POST");
    IT_ASSERT_STRING_EQUAL(cell(rows, i, C_CLIENT), client);
    IT_ASSERT_STRING_EQUAL(cell(rows, i, C_STATUS), "200");
    IT_ASSERT_STRING_EQUAL(cell(rows, i, C_OUTCOME), "ok");
    IT_ASSERT_STRING_EQUAL(cell(rows, i, C_CODE), "");
    IT_ASSERT_STRING_EQUAL(cell(rows, i, C_SID), "");
    IT_ASSERT_MSG(i >= 0 && atof(cell(rows, i, C_LATENCY)) >= 0 &&
                      atof(cell(rows, i, C_LATENCY)) < 30000,
                  "latency %s", cell(rows, i, C_LATENCY));

    i = find_row(rows, "tools/call", "momentiq.no_such_tool");
    IT_ASSERT_MSG(i >= 0, "no row for the unknown tool");
    IT_ASSERT_STRING_EQUAL(cell(rows, i, C_OUTCOME), "rpc_error");
    IT_ASSERT_STRING_EQUAL(cell(rows, i, C_CODE), "-32602");

    i = find_row(rows, "tools/call", "momentiq.get_endpoint_schema");
    IT_ASSERT_MSG(i >= 0, "no row for the invalid call");
    IT_ASSERT_STRING_EQUAL(cell(rows, i, C_OUTCOME), "tool_error");
    IT_ASSERT_STRING_EQUAL(cell(rows, i, C_CODE), "invalid_request");
    IT_ASSERT_STRING_EQUAL(cell(rows, i, C_STATUS), "200");

    /* latency is measured: the progress tool sleeps ~100 ms when it reports */
    {
        int k, slow = 0;
        for (k = 0; k < rows->n; k++)
            if (!strcmp(cell(rows, k, C_TOOL), "test_tool_with_progress") &&
                atof(cell(rows, k, C_LATENCY)) >= 90)
                slow++;
        IT_ASSERT_MSG(slow >= 1, "no test_tool_with_progress row with latency >= 90 ms");
    }
}

static void test_records_rejected(void)
{
    const char *client = unique("miq-itest-rej");
    json_t *p = as_client(client, NULL);
    json_t *meta = json_object_get(p, "_meta");
    const char *h[] = {"MCP-Protocol-Version: v999.0.0", "Mcp-Method: tools/list", NULL};
    it_resp *r;
    it_rows *rows;
    int i;
    json_object_set_new(meta, "io.modelcontextprotocol/protocolVersion", json_string("v999.0.0"));
    json_object_set_new(meta, "io.modelcontextprotocol/clientCapabilities", json_object());
    r = it_post(h, it_rpc_body("tools/list", p, 901));
    IT_ASSERT_R(r->status == 400 && it_error_code(r) == -32022, r);
    /* a header mismatch on a well-formed request by the same client */
    {
        json_t *p2 = mcp_2026_params(as_client(client, NULL));
        const char *h2[] = {"MCP-Protocol-Version: " IT_V2026, "Mcp-Method: prompts/list", NULL};
        r = it_post(h2, it_rpc_body("tools/list", p2, 902));
        IT_ASSERT_R(r->status == 400 && it_error_code(r) == -32020, r);
    }
    rows = rows_for(client, 1);
    IT_REQUIRE_R(rows->error == NULL, NULL);
    i = find_row(rows, "tools/list", NULL);
    IT_ASSERT_MSG(i >= 0, "the -32020 rejection by %s was not recorded", client);
    IT_ASSERT_STRING_EQUAL(cell(rows, i, C_STATUS), "400");
    IT_ASSERT_STRING_EQUAL(cell(rows, i, C_OUTCOME), "http_error");
    IT_ASSERT_STRING_EQUAL(cell(rows, i, C_CODE), "-32020");
    {
        /* the unsupported-version rejection: found by its error code */
        const char *args[] = {"-32022"};
        const char *n = NULL;
        int tries;
        /* It may sit in another child's batch: wait for its writer (250 ms). */
        for (tries = 0; tries < 40; tries++) {
            n = it_db_value("SELECT count(*) FROM mcp_requests WHERE error_code = $1 "
                            "AND http_status = 400",
                            1, args);
            if (n && atoi(n) >= 1)
                break;
            usleep(100000);
        }
        IT_ASSERT_MSG(n && atoi(n) >= 1, "no -32022 row in mcp_requests");
    }
}

static void test_records_2025(void)
{
    const char *client = unique("miq-itest-rec25");
    const char *sid = mcp_2025_session_ex(NULL, client, NULL, NULL), *logged_sid;
    it_rows *rows;
    int i;
    it_resp *r;
    IT_REQUIRE_R(sid != NULL, NULL);
    /* the log keeps a 16-hex hash of the session id, never the id */
    logged_sid = apr_pstrndup(itp, miq_sha256_hex(itp, sid, strlen(sid)), 16);
    r = mcp_2025_call(sid, "tools/list", NULL);
    IT_ASSERT_R(r->status == 200, r);
    r = mcp_2025_call(sid, "tools/call",
                      it_json("{\"name\":\"momentiq.list_endpoints\",\"arguments\":{}}"));
    IT_ASSERT_R(it_result(r) != NULL, r);
    rows = rows_for(client, 3);
    IT_REQUIRE_R(rows->error == NULL, NULL);

    i = find_row(rows, "initialize", NULL);
    IT_ASSERT_MSG(i >= 0, "initialize by %s not recorded", client);
    IT_ASSERT_STRING_EQUAL(cell(rows, i, C_ERA), "2025");
    IT_ASSERT_STRING_EQUAL(cell(rows, i, C_VERSION), IT_V2025);
    IT_ASSERT_STRING_EQUAL(cell(rows, i, C_SID), logged_sid);
    IT_ASSERT_STRING_EQUAL(cell(rows, i, C_OUTCOME), "ok");

    /* later requests know the client from the session */
    i = find_row(rows, "tools/list", NULL);
    IT_ASSERT_MSG(i >= 0, "tools/list on %s's session not recorded with the client name", client);
    IT_ASSERT_STRING_EQUAL(cell(rows, i, C_SID), logged_sid);
    IT_ASSERT_STRING_EQUAL(cell(rows, i, C_VERSION), IT_V2025);

    i = find_row(rows, "tools/call", "momentiq.list_endpoints");
    IT_ASSERT_MSG(i >= 0, "tools/call momentiq.list_endpoints not recorded");
    IT_ASSERT_STRING_EQUAL(cell(rows, i, C_OUTCOME), "ok");
}

/* Requests refused before dispatch (no era yet) and notifications share the
 * child's batched writer with ordinary requests: neither may cost the others
 * their records. One keep-alive connection keeps all three in one child and
 * one 250 ms batch. */
static void test_records_survive_rejections(void)
{
    const char *client = unique("miq-itest-mix");
    const char *bad_ct[] = {"Content-Type: text/plain",
                            "Accept: application/json, text/event-stream", NULL};
    const char *ping = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}";
    it_resp *r;
    it_rows *rows;
    const char *n;
    it_keepalive(1);
    r = it_request("POST", "/mcp", bad_ct, ping, strlen(ping));
    IT_ASSERT_R(r->status == 415, r);
    r = it_post(NULL, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
    IT_ASSERT_R(r->status == 202, r);
    r = mcp_2026_call("tools/list", as_client(client, NULL));
    IT_ASSERT_R(r->status == 200, r);
    it_keepalive(0);
    rows = rows_for(client, 1);
    IT_REQUIRE_R(rows->error == NULL, NULL);
    IT_ASSERT_MSG(rows->n == 1,
                  "the tools/list by %s was not recorded (sent after a 415 and a notification "
                  "on the same connection)",
                  client);
    IT_ASSERT_STRING_EQUAL(cell(rows, 0, C_OUTCOME), "ok");
    /* the refused request is recorded too */
    n = it_db_value("SELECT count(*) FROM mcp_requests WHERE http_status = 415 "
                    "AND at > now() - interval '1 minute'",
                    0, NULL);
    IT_ASSERT_MSG(n && atoi(n) >= 1, "no 415 row in mcp_requests (%s)", n ? n : "query failed");
}

/* ---- secrets ---- */

static void test_no_secrets(void)
{
    const char *client = unique("miq-itest-secret");
    const char *auth[] = {"Authorization: Bearer " SECRET_TOKEN, NULL};
    const char *sid;
    it_resp *r;
    const char *dir, *logs[2];
    int i;

    const char *before = it_db_value("SELECT count(*) FROM auth_events WHERE kind = "
                                     "'invalid_api_key' AND surface = 'mcp'",
                                     0, NULL);
    /* 2026 with the (unknown) token: 401, the Bearer challenge, invalid_api_key */
    {
        json_t *p = mcp_2026_params(as_client(client, NULL));
        const char *www;
        r = it_post(mcp_2026_headers("tools/list", p, auth), it_rpc_body("tools/list", p, -1));
        IT_ASSERT_R(r->status == 401, r);
        IT_ASSERT_R(strstr(r->body, "invalid_api_key") != NULL, r);
        www = it_header(r, "WWW-Authenticate");
        IT_ASSERT_MSG(www && strstr(www, "Bearer resource_metadata=\"") &&
                          strstr(www, "/.well-known/oauth-protected-resource/mcp\""),
                      "WWW-Authenticate: %s", www ? www : "(none)");
        IT_ASSERT_R(strstr(r->body, SECRET_MARK) == NULL, r);
    }
    /* a 2025 session opened with the token, then used with it */
    {
        json_t *params = miq_json_packp(itp, "{s:s,s:{},s:{s:s,s:s}}", "protocolVersion", IT_V2025,
                                        "capabilities", "clientInfo", "name", client, "version",
                                        "1");
        r = it_post(auth, it_rpc_body("initialize", params, -1));
        IT_ASSERT_R(r->status != 500 && strstr(r->body, SECRET_MARK) == NULL, r);
        sid = it_header(r, "Mcp-Session-Id");
        if (sid) {
            r = mcp_2025_call_ex(sid, "tools/call",
                                 it_json("{\"name\":\"test_simple_text\",\"arguments\":{}}"), auth);
            IT_ASSERT_R(r->status != 500 && strstr(r->body, SECRET_MARK) == NULL, r);
        }
    }
    /* the secret in a query string, in arguments and in a discovery GET */
    {
        json_t *p = mcp_2026_params(
            as_client(client, "{\"name\":\"momentiq.plan_integration\",\"arguments\":{\"goal\":"
                              "\"my token is " SECRET_TOKEN ", trim silences\"}}"));
        const char *body = it_rpc_body("tools/call", p, -1);
        r = it_request("POST", "/mcp?access_token=" SECRET_TOKEN,
                       it_mcp_headers(mcp_2026_headers("tools/call", p, auth)), body, strlen(body));
        IT_ASSERT_R(r->status != 500, r);
        r = it_request("GET", "/mcp/status?token=" SECRET_TOKEN, auth, NULL, 0);
        IT_ASSERT_R(r->status == 200, r);
    }

    /* the refusals were recorded as invalid_api_key events (so the checks below
     * look at real rows), without the secret */
    {
        const char *after = NULL;
        int tries;
        for (tries = 0; tries < 40; tries++) {
            after = it_db_value("SELECT count(*) FROM auth_events WHERE kind = "
                                "'invalid_api_key' AND surface = 'mcp'",
                                0, NULL);
            if (after && before && atoi(after) >= atoi(before) + 3)
                break;
            usleep(100000);
        }
        IT_ASSERT_MSG(after && before && atoi(after) >= atoi(before) + 3,
                      "invalid_api_key events: %s before, %s after", before ? before : "?",
                      after ? after : "?");
    }
    usleep(600000); /* let every child's batch writer run */
    {
        static const char *const tables[] = {"mcp_requests", "mcp_sessions", "mcp_client_responses",
                                             "auth_events", NULL};
        for (i = 0; tables[i]; i++) {
            const char *n = it_db_value(
                apr_psprintf(itp, "SELECT count(*) FROM %s t WHERE t::text LIKE '%%%s%%'",
                             tables[i], SECRET_MARK),
                0, NULL);
            IT_ASSERT_MSG(n && !strcmp(n, "0"), "%s rows containing %s: %s", tables[i], SECRET_MARK,
                          n ? n : "(query failed)");
        }
        /* nor anywhere else in the schema */
        {
            it_rows *t = it_db_query("SELECT table_name FROM information_schema.tables WHERE "
                                     "table_schema = 'public' AND table_type = 'BASE TABLE'",
                                     0, NULL);
            int k;
            for (k = 0; k < t->n; k++) {
                const char *n = it_db_value(
                    apr_psprintf(itp, "SELECT count(*) FROM \"%s\" t WHERE t::text LIKE '%%%s%%'",
                                 IT_CELL(t, k, 0), SECRET_MARK),
                    0, NULL);
                IT_ASSERT_MSG(n && !strcmp(n, "0"), "table %s holds %s (%s rows)", IT_CELL(t, k, 0),
                              SECRET_MARK, n ? n : "?");
            }
        }
    }
    IT_REQUIRE_R(itenv.error_log != NULL, NULL);
    dir = apr_pstrndup(itp, itenv.error_log, strrchr(itenv.error_log, '/') - itenv.error_log);
    logs[0] = itenv.error_log;
    logs[1] = apr_pstrcat(itp, dir, "/access_log", NULL);
    for (i = 0; i < 2; i++) {
        const char *text = it_read_file(logs[i], 0);
        IT_ASSERT_MSG(text != NULL, "cannot read %s", logs[i]);
        IT_ASSERT_MSG(!text || !strstr(text, SECRET_MARK), "%s contains %s", logs[i], SECRET_MARK);
    }
    /* the access log did see these requests (it is the right file) */
    {
        const char *text = it_read_file(logs[1], 0);
        IT_ASSERT_MSG(text && strstr(text, "/mcp/status"), "access_log has no /mcp/status line");
    }
}

IT_SUITE("records", IT_TEST(test_records_2026), IT_TEST(test_records_rejected),
         IT_TEST(test_records_survive_rejections), IT_TEST(test_records_2025),
         IT_TEST(test_no_secrets))
