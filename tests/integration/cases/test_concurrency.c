/* Many requests at once (curl multi, one connection each): all are served,
 * and sessions do not leak into each other. */
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include "itest.h"
#include "base/miq_json.h"

#define N_PARALLEL 50
#define N_SESSIONS 16

static void check_all_lists(it_resp **rs, int n, size_t *ntools)
{
    int i, ok = 0;
    *ntools = 0;
    for (i = 0; i < n; i++) {
        json_t *tools = json_object_get(it_result(rs[i]), "tools");
        if (rs[i]->status == 200 && json_is_array(tools)) {
            ok++;
            if (!*ntools)
                *ntools = json_array_size(tools);
            else
                IT_ASSERT_MSG(json_array_size(tools) == *ntools,
                              "request %d listed %zu tools, another %zu", i, json_array_size(tools),
                              *ntools);
        }
        else
            it_show(apr_psprintf(itp, "parallel request %d", i), rs[i]);
    }
    IT_ASSERT_MSG(ok == n, "%d of %d parallel tools/list succeeded", ok, n);
    IT_ASSERT_MSG(*ntools >= 7, "parallel tools/list returned %zu tools", *ntools);
}

static void test_parallel_2026(void)
{
    it_req reqs[N_PARALLEL];
    it_resp **rs;
    json_t *p = mcp_2026_params(NULL);
    const char *const *h = it_mcp_headers(mcp_2026_headers("tools/list", p, NULL));
    size_t ntools;
    int i;
    for (i = 0; i < N_PARALLEL; i++) {
        reqs[i].method = "POST";
        reqs[i].path = "/mcp";
        reqs[i].headers = h;
        reqs[i].body = it_rpc_body("tools/list", p, 1000 + i);
    }
    rs = it_parallel(N_PARALLEL, reqs, 60000);
    check_all_lists(rs, N_PARALLEL, &ntools);
    /* each answer carries its own request's id */
    for (i = 0; i < N_PARALLEL; i++)
        IT_ASSERT_R(it_id_is(rs[i], 1000 + i), rs[i]);
}

static void test_parallel_2025_one_session(void)
{
    const char *sid = mcp_2025_session();
    const char *h[] = {"Content-Type: application/json",
                       "Accept: application/json, text/event-stream", NULL,
                       "MCP-Protocol-Version: " IT_V2025, NULL};
    it_req reqs[N_PARALLEL];
    it_resp **rs;
    size_t ntools;
    int i;
    IT_REQUIRE_R(sid != NULL, NULL);
    h[2] = apr_pstrcat(itp, "Mcp-Session-Id: ", sid, NULL);
    for (i = 0; i < N_PARALLEL; i++) {
        reqs[i].method = "POST";
        reqs[i].path = "/mcp";
        reqs[i].headers = h;
        reqs[i].body = it_rpc_body("tools/list", NULL, 2000 + i);
    }
    rs = it_parallel(N_PARALLEL, reqs, 60000);
    check_all_lists(rs, N_PARALLEL, &ntools);
    for (i = 0; i < N_PARALLEL; i++)
        IT_ASSERT_R(it_id_is(rs[i], 2000 + i), rs[i]);
}

static void test_parallel_mixed(void)
{
    /* 2026 calls, 2025 initializes and discovery GETs interleaved */
    it_req reqs[N_PARALLEL];
    it_resp **rs;
    json_t *p = mcp_2026_params(it_json("{\"name\":\"test_simple_text\",\"arguments\":{}}"));
    const char *const *h26 = it_mcp_headers(mcp_2026_headers("tools/call", p, NULL));
    json_t *init = it_json("{\"protocolVersion\":\"" IT_V2025 "\",\"capabilities\":{},"
                           "\"clientInfo\":{\"name\":\"miq-itest-mixed\",\"version\":\"1\"}}");
    int i, ok = 0;
    for (i = 0; i < N_PARALLEL; i++) {
        reqs[i].path = "/mcp";
        switch (i % 3) {
        case 0:
            reqs[i].method = "POST";
            reqs[i].headers = h26;
            reqs[i].body = it_rpc_body("tools/call", p, 3000 + i);
            break;
        case 1:
            reqs[i].method = "POST";
            reqs[i].headers = it_mcp_headers(NULL);
            reqs[i].body = it_rpc_body("initialize", init, 3000 + i);
            break;
        default:
            reqs[i].method = "GET";
            reqs[i].path = "/mcp/status";
            reqs[i].headers = NULL;
            reqs[i].body = NULL;
        }
    }
    rs = it_parallel(N_PARALLEL, reqs, 60000);
    for (i = 0; i < N_PARALLEL; i++) {
        int good = rs[i]->status == 200 &&
                   (i % 3 == 2 ? json_is_true(json_object_get(rs[i]->json, "database_reachable"))
                               : it_result(rs[i]) != NULL && it_id_is(rs[i], 3000 + i));
        if (i % 3 == 1)
            good = good && it_header(rs[i], "Mcp-Session-Id") != NULL;
        if (good)
            ok++;
        else
            it_show(apr_psprintf(itp, "mixed request %d", i), rs[i]);
    }
    IT_ASSERT_MSG(ok == N_PARALLEL, "%d of %d mixed requests succeeded", ok, N_PARALLEL);
}

static void test_parallel_sessions_independent(void)
{
    static const char *const levels[] = {"debug", "info",     "notice", "warning",
                                         "error", "critical", "alert",  "emergency"};
    it_req reqs[N_SESSIONS];
    it_resp **rs;
    const char *sids[N_SESSIONS];
    const char *hdrs[N_SESSIONS][5];
    json_t *init = it_json("{\"protocolVersion\":\"" IT_V2025 "\",\"capabilities\":{},"
                           "\"clientInfo\":{\"name\":\"miq-itest-par\",\"version\":\"1\"}}");
    int i, j;

    /* open N sessions at once */
    for (i = 0; i < N_SESSIONS; i++) {
        reqs[i].method = "POST";
        reqs[i].path = "/mcp";
        reqs[i].headers = it_mcp_headers(NULL);
        reqs[i].body = it_rpc_body("initialize", init, 4000 + i);
    }
    rs = it_parallel(N_SESSIONS, reqs, 60000);
    for (i = 0; i < N_SESSIONS; i++) {
        sids[i] = it_header(rs[i], "Mcp-Session-Id");
        IT_REQUIRE_R(rs[i]->status == 200 && sids[i] != NULL, rs[i]);
        for (j = 0; j < i; j++)
            IT_ASSERT_MSG(strcmp(sids[i], sids[j]), "sessions %d and %d share id %s", i, j,
                          sids[i]);
        hdrs[i][0] = "Content-Type: application/json";
        hdrs[i][1] = "Accept: application/json, text/event-stream";
        hdrs[i][2] = apr_pstrcat(itp, "Mcp-Session-Id: ", sids[i], NULL);
        hdrs[i][3] = "MCP-Protocol-Version: " IT_V2025;
        hdrs[i][4] = NULL;
    }
    /* a different logging level on each, set at once */
    for (i = 0; i < N_SESSIONS; i++) {
        reqs[i].headers = hdrs[i];
        reqs[i].body = it_rpc_body("logging/setLevel",
                                   it_jsonf("{\"level\":\"%s\"}", levels[i % 8]), 4100 + i);
    }
    rs = it_parallel(N_SESSIONS, reqs, 60000);
    for (i = 0; i < N_SESSIONS; i++) {
        const char *args[] = {sids[i]};
        const char *lvl;
        IT_ASSERT_R(rs[i]->status == 200 && it_result(rs[i]), rs[i]);
        lvl = it_db_value("SELECT log_level FROM mcp_sessions WHERE id = $1", 1, args);
        IT_ASSERT_MSG(lvl && atoi(lvl) == i % 8, "session %d: log_level %s, want %d", i,
                      lvl ? lvl : "(none)", i % 8);
    }
    /* progress streams at once, each with its own token: no cross-talk */
    for (i = 0; i < N_SESSIONS; i++)
        reqs[i].body = it_rpc_body(
            "tools/call",
            it_jsonf("{\"name\":\"test_tool_with_progress\",\"arguments\":{},\"_meta\":{"
                     "\"progressToken\":\"tok-%d\"}}",
                     i),
            4200 + i);
    rs = it_parallel(N_SESSIONS, reqs, 60000);
    for (i = 0; i < N_SESSIONS; i++) {
        const char *mine = apr_psprintf(itp, "tok-%d", i);
        int k, n = 0, foreign = 0;
        for (k = 0; rs[i]->events && k < rs[i]->events->nelts; k++) {
            json_t *e = APR_ARRAY_IDX(rs[i]->events, k, it_event).json;
            const char *tok = miq_json_str(json_object_get(e, "params"), "progressToken", NULL);
            if (!tok)
                continue;
            if (!strcmp(tok, mine))
                n++;
            else
                foreign++;
        }
        IT_ASSERT_R(n >= 3 && foreign == 0 && it_id_is(rs[i], 4200 + i), rs[i]);
    }
    /* delete the even sessions at once; the odd ones live on */
    for (i = 0; i < N_SESSIONS; i++) {
        reqs[i].method = i % 2 ? "POST" : "DELETE";
        reqs[i].body = i % 2 ? it_rpc_body("ping", NULL, 4300 + i) : NULL;
    }
    rs = it_parallel(N_SESSIONS, reqs, 60000);
    for (i = 0; i < N_SESSIONS; i++)
        IT_ASSERT_R(rs[i]->status == 200, rs[i]);
    for (i = 0; i < N_SESSIONS; i++) {
        reqs[i].method = "POST";
        reqs[i].body = it_rpc_body("ping", NULL, 4400 + i);
    }
    rs = it_parallel(N_SESSIONS, reqs, 60000);
    for (i = 0; i < N_SESSIONS; i++)
        IT_ASSERT_R(rs[i]->status == (i % 2 ? 200 : 404), rs[i]);
}

IT_SUITE("concurrency", IT_TEST(test_parallel_2026), IT_TEST(test_parallel_2025_one_session),
         IT_TEST(test_parallel_mixed), IT_TEST(test_parallel_sessions_independent))
