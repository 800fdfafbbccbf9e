/* Billing (issue 6) against the running stack: free credits at sign-up, each
 * gate and its code over REST and MCP 2026 (billing_required,
 * insufficient_credits, spend_cap_exceeded for the account and a connector
 * token), 100 parallel creations against a cap and against a balance from
 * several connections, refunds on failure and cancel, usage alerts firing
 * once, the dashboard billing API (CSRF, ledger, usage), the Stripe webhook
 * (valid, replay, unsigned, stale, wrong secret, malformed) and Checkout
 * Sessions sent to a fake Stripe API on loopback, momentiqctl, and the ledger check after
 * every suite. The test stack sets MomentIQFreeCredits 0 (25 with the header
 * X-Free-Credits-Test: 1 on sign-up) and the Stripe secrets (build.sh). */
#include <stdlib.h>
#include <unistd.h>
#include <signal.h>
#include <sys/wait.h>
#include <apr_strings.h>
#include <apr_file_io.h>
#include <apr_file_info.h>
#include "itest.h"
#include "base/miq_json.h"
#include "itest_billing.h"

static char *media_dir;

static const char *bt_media(const char *name)
{
    if (!media_dir) {
        const char *dir = it_tmpdir("billing"), *cmd;
        if (!dir)
            return NULL;
        cmd = apr_psprintf(itp,
                           "cd %s && ffmpeg -nostdin -loglevel error -y -f lavfi -i "
                           "'sine=frequency=440:duration=125' -ar 8000 -ac 1 tone.wav && "
                           "ffmpeg -nostdin -loglevel error -y -f lavfi -i "
                           "'testsrc=duration=2:size=160x120:rate=10' -pix_fmt yuv420p "
                           "-c:v libx264 -preset ultrafast clip.mp4",
                           dir);
        if (system(cmd) != 0)
            return NULL;
        media_dir = strdup(dir);
    }
    return apr_pstrcat(itp, media_dir, "/", name, NULL);
}

const char *const *bt_hdrs(const char *a, const char *b, const char *c)
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

/* An account, its API key and an upload of the 125 s tone (3 credits with audio/silence). */

static const char *bt_upload(const char *key, const char *file)
{
    apr_file_t *f;
    apr_finfo_t fi;
    apr_size_t len = 0;
    char *buf;
    it_resp *r;
    const char *path = bt_media(file);
    if (!path || apr_file_open(&f, path, APR_FOPEN_READ | APR_FOPEN_BINARY, 0, itp) ||
        apr_file_info_get(&fi, APR_FINFO_SIZE, f))
        return NULL;
    buf = apr_palloc(itp, (apr_size_t)fi.size + 1);
    apr_file_read_full(f, buf, (apr_size_t)fi.size, &len);
    apr_file_close(f);
    r = it_request("POST", apr_pstrcat(itp, "/v1/uploads?filename=", file, NULL),
                   bt_hdrs(it_bearer(key), "Content-Type: application/octet-stream", NULL), buf,
                   len);
    return r->status == 201 ? miq_json_str(r->json, "upload_id", NULL) : NULL;
}

billed *bt_setup(const char *tag)
{
    billed *b = apr_pcalloc(itp, sizeof(*b));
    if (!(b->a = it_signup(tag)) ||
        !(b->key = it_create_token(b->a, "keys", "{\"name\":\"billing\"}", &b->key_id, NULL)) ||
        !(b->upload = bt_upload(b->key, "tone.wav")))
        return NULL;
    return b;
}

void bt_sql(const char *q, const char *a1, const char *a2)
{
    const char *args[2] = {a1, a2};
    it_rows *r = it_db_query(q, a2 ? 2 : 1, args);
    IT_ASSERT_MSG(!r->error, "%s: %s", q, r->error ? r->error : "");
}

long long bt_num(const char *q, const char *a1)
{
    const char *args[1] = {a1}, *v = it_db_value(q, a1 ? 1 : 0, args);
    return v ? atoll(v) : -999999;
}

void bt_grant(const billed *b, const char *credits)
{
    bt_sql("INSERT INTO credit_ledger (account_id, kind, credits, note) VALUES ($1, 'grant', "
           "$2::bigint, 'itest')",
           b->a->account_id, credits);
}

static void bt_billing_on(const billed *b)
{
    bt_sql("UPDATE accounts SET billing_set_up_at = now() WHERE id = $1", b->a->account_id, NULL);
}

long long bt_balance(const billed *b)
{
    return bt_num("SELECT miq_balance($1)", b->a->account_id);
}

static long long bt_jobs_of(const billed *b)
{
    return bt_num("SELECT count(*) FROM jobs WHERE account_id = $1", b->a->account_id);
}

const char *bt_job_body(const billed *b, const char *endpoint, const char *upload_id,
                        const char *extra)
{
    (void)b;
    return apr_psprintf(itp, "{\"endpoint\":\"%s\",\"upload_id\":\"%s\"%s%s}", endpoint, upload_id,
                        extra ? "," : "", extra ? extra : "");
}

it_resp *bt_rest_job(const char *token, const char *body)
{
    return it_request("POST", "/v1/jobs",
                      bt_hdrs(it_bearer(token), "Content-Type: application/json", NULL), body,
                      strlen(body));
}

/* tools/call momentiq.create_job over MCP 2026 (stateless). */
static json_t *bt_mcp_params(const char *args_json)
{
    return mcp_2026_params(
        it_jsonf("{\"name\":\"momentiq.create_job\",\"arguments\":%s}", args_json));
}

static it_resp *bt_mcp_job(const char *token, const char *args_json)
{
    json_t *p = bt_mcp_params(args_json);
    return it_post(mcp_2026_headers("tools/call", p, bt_hdrs(it_bearer(token), NULL, NULL)),
                   it_rpc_body("tools/call", p, -1));
}

const char *bt_rest_code(const it_resp *r)
{
    return miq_json_str(json_object_get(r->json, "error"), "code", "");
}

static json_t *bt_sc_of(const it_resp *r)
{
    json_t *res = it_result(r);
    return json_is_true(json_object_get(res, "isError")) ? json_object_get(res, "structuredContent")
                                                         : NULL;
}

static const char *bt_mcp_code(const it_resp *r)
{
    return miq_json_str(json_object_get(bt_sc_of(r), "error"), "code", "");
}

/* One gate over both surfaces: REST 402 + code + numbers + dashboard_url; the
 * MCP isError result carries the same in structuredContent; nothing enqueued. */
static void bt_expect_gate(const billed *b, const char *token, const char *code, const char *extra)
{
    long long before = bt_jobs_of(b);
    it_resp *r = bt_rest_job(token, bt_job_body(b, "audio/silence", b->upload, extra));
    json_t *sc;
    IT_ASSERT_R(r->status == 402 && !strcmp(bt_rest_code(r), code), r);
    IT_ASSERT_R(miq_json_int(r->json, "estimated_credits", -1) == 3, r);
    IT_ASSERT_R(json_is_integer(json_object_get(r->json, "balance_credits")), r);
    IT_ASSERT_R(strstr(miq_json_str(r->json, "dashboard_url", ""), "/dashboard/#billing"), r);
    r = bt_mcp_job(token, bt_job_body(b, "audio/silence", b->upload, extra));
    sc = bt_sc_of(r);
    IT_ASSERT_R(r->status == 200 && sc && !strcmp(bt_mcp_code(r), code), r);
    IT_ASSERT_R(miq_json_int(sc, "estimated_credits", -1) == 3, r);
    IT_ASSERT_R(strstr(miq_json_str(sc, "dashboard_url", ""), "/dashboard/#billing"), r);
    IT_ASSERT_MSG(bt_jobs_of(b) == before, "a refused job was enqueued (%s)", code);
}

static it_resp *bt_put_billing(const it_account *a, const char *body, int csrf)
{
    return it_request("PUT", "/api/dashboard/billing",
                      it_session_headers(a, csrf,
                                         bt_hdrs("Content-Type: application/json", NULL, NULL)),
                      body, strlen(body));
}

/* ---- tests ------------------------------------------------------------------------------- */

static void test_free_credits(void)
{
    const char *email = it_unique_email("free"), *body;
    it_resp *r;
    it_account *plain = it_signup("nofree");
    IT_REQUIRE_R(plain != NULL, NULL);
    IT_ASSERT_MSG(bt_num("SELECT miq_balance($1)", plain->account_id) == 0,
                  "the test stack grants no free credits by default");
    body = apr_psprintf(itp, "{\"email\":\"%s\",\"password\":\"Correct-Horse-9-battery\"}", email);
    it_secret_note("Correct-Horse-9-battery");
    r = it_request("POST", "/api/auth/signup",
                   bt_hdrs("Content-Type: application/json", "X-Free-Credits-Test: 1", NULL), body,
                   strlen(body));
    IT_REQUIRE_R(r->status == 201, r);
    {
        const char *args[1] = {email};
        it_rows *g = it_db_query("SELECT l.kind, l.credits FROM credit_ledger l JOIN accounts a "
                                 "ON a.id = l.account_id WHERE a.email = $1",
                                 1, args);
        IT_ASSERT_MSG(g->n == 1 && !strcmp(IT_CELL(g, 0, 0), "grant") &&
                          !strcmp(IT_CELL(g, 0, 1), "25"),
                      "free credits: %d ledger rows", g->n);
    }
    if (getenv("MIQ_TEST_BUILD") && itenv.db) {
        const char *u = it_unique_email("ctlfree"), *cmd, *args[1] = {u};
        cmd = apr_psprintf(itp,
                           "MOMENTIQ_DB='%s' '%s/momentiqctl' user create %s "
                           "--free-credits 7 >/dev/null 2>&1",
                           itenv.db, getenv("MIQ_TEST_BUILD"), u);
        IT_ASSERT_MSG(system(cmd) == 0, "momentiqctl user create --free-credits failed");
        IT_ASSERT_MSG(atoll(it_db_value("SELECT miq_balance(id) FROM accounts WHERE email = $1", 1,
                                        args)
                                ? it_db_value("SELECT miq_balance(id) FROM accounts WHERE "
                                              "email = $1",
                                              1, args)
                                : "0") == 7,
                      "momentiqctl's free credits");
    }
}

static void test_gates(void)
{
    billed *b = bt_setup("gates");
    const char *conn, *conn_id;
    it_resp *r;
    IT_REQUIRE_R(b != NULL, NULL);
    /* no billing, nothing left: billing_required */
    bt_expect_gate(b, b->key, "billing_required", NULL);
    /* free credits left but not enough: still billing_required */
    bt_grant(b, "2");
    bt_expect_gate(b, b->key, "billing_required", NULL);
    /* billing set up, balance short: insufficient_credits */
    bt_billing_on(b);
    bt_expect_gate(b, b->key, "insufficient_credits", NULL);
    /* enough credits, a monthly cap of 2: spend_cap_exceeded */
    bt_grant(b, "100");
    r = bt_put_billing(b->a, "{\"monthly_spend_cap_credits\":2}", 0);
    IT_ASSERT_R(r->status == 403, r); /* CSRF */
    r = bt_put_billing(b->a, "{\"monthly_spend_cap_credits\":2}", 1);
    IT_ASSERT_R(r->status == 200 && miq_json_int(r->json, "monthly_spend_cap_credits", -1) == 2, r);
    bt_expect_gate(b, b->key, "spend_cap_exceeded", NULL);
    r = bt_rest_job(b->key, bt_job_body(b, "audio/silence", b->upload, NULL));
    IT_ASSERT_R(miq_json_int(r->json, "monthly_spend_cap_credits", -1) == 2 &&
                    !strcmp(miq_json_str(r->json, "cap_scope", ""), "account"),
                r);
    /* max_credits below the estimate */
    r = bt_rest_job(b->key, bt_job_body(b, "audio/silence", b->upload, "\"max_credits\":2"));
    IT_ASSERT_R(r->status == 400 && !strcmp(bt_rest_code(r), "invalid_request"), r);
    /* a connector token's own cap, the account's cap lifted */
    conn = it_create_token(b->a, "connectors", "{\"name\":\"capped\",\"scopes\":[\"all\"]}",
                           &conn_id, NULL);
    IT_REQUIRE_R(conn != NULL, NULL);
    r = bt_put_billing(b->a,
                       apr_psprintf(itp,
                                    "{\"monthly_spend_cap_credits\":null,\"connector_caps\":[{"
                                    "\"token_id\":\"%s\",\"monthly_spend_cap_credits\":1}]}",
                                    conn_id),
                       1);
    IT_ASSERT_R(r->status == 200 &&
                    json_is_null(json_object_get(r->json, "monthly_spend_cap_credits")),
                r);
    bt_expect_gate(b, conn, "spend_cap_exceeded", NULL);
    r = bt_mcp_job(conn, bt_job_body(b, "audio/silence", b->upload, NULL));
    IT_ASSERT_R(!strcmp(miq_json_str(bt_sc_of(r), "cap_scope", ""), "connector") &&
                    !strcmp(miq_json_str(bt_sc_of(r), "token_id", ""), conn_id),
                r);
    r = bt_put_billing(b->a,
                       "{\"connector_caps\":[{\"token_id\":\"tok_0000000000000000\","
                       "\"monthly_spend_cap_credits\":1}]}",
                       1);
    IT_ASSERT_R(r->status == 404, r);
    r = bt_put_billing(b->a, "{\"alert_thresholds\":[0.5,2]}", 1);
    IT_ASSERT_R(r->status == 400, r);
    /* the API key (no token cap) is fine: created, and the MCP one too */
    r = bt_rest_job(b->key, bt_job_body(b, "audio/silence", b->upload, NULL));
    IT_ASSERT_R(r->status == 201, r);
    r = bt_mcp_job(b->key, bt_job_body(b, "audio/silence", b->upload, NULL));
    IT_ASSERT_R(it_result(r) && !json_is_true(json_object_get(it_result(r), "isError")), r);
    IT_ASSERT_MSG(bt_balance(b) == 102 - 6, "balance %lld", bt_balance(b));
}

/* n parallel creations (half REST, half MCP, two tokens, n connections). */
static void bt_burst(const billed *b, const char *conn, int n, int *created, int *refused,
                     const char *want_code)
{
    it_req *reqs = apr_pcalloc(itp, n * sizeof(*reqs));
    it_resp **rs;
    int i;
    *created = *refused = 0;
    for (i = 0; i < n; i++) {
        const char *tok = i % 4 < 2 ? b->key : conn;
        const char *body = bt_job_body(b, "audio/silence", b->upload,
                                       apr_psprintf(itp, "\"idempotency_key\":\"burst-%d-%d\"", i,
                                                    (int)getpid()));
        reqs[i].method = "POST";
        if (i % 2) {
            json_t *p = bt_mcp_params(body);
            reqs[i].path = "/mcp";
            reqs[i].headers = it_mcp_headers(
                mcp_2026_headers("tools/call", p, bt_hdrs(it_bearer(tok), NULL, NULL)));
            reqs[i].body = it_rpc_body("tools/call", p, 1000 + i);
        }
        else {
            reqs[i].path = "/v1/jobs";
            reqs[i].headers = bt_hdrs(it_bearer(tok), "Content-Type: application/json", NULL);
            reqs[i].body = body;
        }
    }
    rs = it_parallel(n, reqs, 60000);
    for (i = 0; i < n; i++) {
        it_resp *r = rs[i];
        if (i % 2 == 0 && r->status == 201)
            (*created)++;
        else if (i % 2 == 0 && r->status == 402 && !strcmp(bt_rest_code(r), want_code))
            (*refused)++;
        else if (i % 2 && it_result(r) && !bt_sc_of(r))
            (*created)++;
        else if (i % 2 && !strcmp(bt_mcp_code(r), want_code))
            (*refused)++;
        else
            IT_ASSERT_R(0 && "unexpected answer in the burst", r);
    }
}

static void test_concurrency_cap_and_balance(void)
{
    billed *b = bt_setup("burst");
    const char *conn;
    int created, refused;
    long long spent;
    IT_REQUIRE_R(b != NULL, NULL);
    conn = it_create_token(b->a, "connectors", "{\"name\":\"burst\",\"scopes\":[\"all\"]}", NULL,
                           NULL);
    IT_REQUIRE_R(conn != NULL, NULL);
    bt_billing_on(b);
    bt_grant(b, "100000");
    IT_REQUIRE_R(bt_put_billing(b->a, "{\"monthly_spend_cap_credits\":100}", 1)->status == 200,
                 NULL);
    bt_burst(b, conn, 100, &created, &refused, "spend_cap_exceeded");
    spent = bt_num("SELECT miq_spent($1)", b->a->account_id);
    IT_ASSERT_MSG(created + refused == 100, "created %d refused %d", created, refused);
    IT_ASSERT_MSG(created >= 33 && spent <= 100, "created %d, spent %lld of a cap of 100", created,
                  spent);
    /* one statement, one snapshot: the worker settles jobs meanwhile, and a
     * job read as queued and then as succeeded would count twice */
    IT_ASSERT_MSG(bt_num("SELECT coalesce(sum(estimated_credits) FILTER (WHERE status IN "
                         "('queued', 'running')), 0) + coalesce(sum(charged_credits) FILTER "
                         "(WHERE status = 'succeeded'), 0) FROM jobs WHERE account_id = $1",
                         b->a->account_id) <= 100,
                  "reserved + charged above the cap");

    /* the balance: 60 credits, no cap, 20 jobs of 3 fit */
    b = bt_setup("burstbal");
    IT_REQUIRE_R(b != NULL, NULL);
    conn = it_create_token(b->a, "connectors", "{\"name\":\"burst\",\"scopes\":[\"all\"]}", NULL,
                           NULL);
    IT_REQUIRE_R(conn != NULL, NULL);
    bt_billing_on(b);
    bt_grant(b, "60");
    bt_burst(b, conn, 100, &created, &refused, "insufficient_credits");
    IT_ASSERT_MSG(created + refused == 100 && created >= 20, "created %d refused %d", created,
                  refused);
    IT_ASSERT_MSG(bt_balance(b) >= 0, "balance went negative: %lld", bt_balance(b));
    IT_ASSERT_MSG(bt_num("SELECT min(s) FROM (SELECT sum(credits) OVER (ORDER BY id) AS s FROM "
                         "credit_ledger WHERE account_id = $1) x",
                         b->a->account_id) >= 0,
                  "the running balance went below 0");
}

static const char *bt_wait_job(const char *key, const char *id)
{
    it_resp *r = it_request("GET", apr_pstrcat(itp, "/v1/jobs/", id, "?wait_s=30", NULL),
                            bt_hdrs(it_bearer(key), NULL, NULL), NULL, 0);
    return miq_json_str(r->json, "status", "");
}

static void test_refunds(void)
{
    billed *b = bt_setup("refund");
    const char *clip, *id;
    it_resp *r;
    int i, canceled = 0;
    IT_REQUIRE_R(b != NULL, NULL);
    bt_billing_on(b);
    bt_grant(b, "50");
    /* failure: an audio endpoint on a video without audio fails and is not billed */
    clip = bt_upload(b->key, "clip.mp4");
    IT_REQUIRE_R(clip != NULL, NULL);
    r = bt_rest_job(b->key, bt_job_body(b, "audio/silence", clip, NULL));
    IT_REQUIRE_R(r->status == 201, r);
    id = miq_json_str(r->json, "job_id", "");
    IT_ASSERT_STRING_EQUAL(bt_wait_job(b->key, id), "failed");
    IT_ASSERT_MSG(bt_balance(b) == 50, "balance after a failed job: %lld", bt_balance(b));
    IT_ASSERT_MSG(bt_num("SELECT count(*) FROM credit_ledger WHERE job_id = $1 AND kind = "
                         "'release'",
                         id) == 1,
                  "one release for the failed job");
    /* cancel: twelve jobs at once; those the worker has not claimed yet are held
     * as running by a stand-in worker (a live lease), then canceled: not billed */
    {
        it_req reqs[12];
        it_resp **rs;
        it_rows *held;
        const char *args[1] = {b->a->account_id};
        for (i = 0; i < 12; i++) {
            reqs[i].method = "POST";
            reqs[i].path = "/v1/jobs";
            reqs[i].headers = bt_hdrs(it_bearer(b->key), "Content-Type: application/json", NULL);
            reqs[i].body = bt_job_body(b, "audio/silence", b->upload, NULL);
        }
        rs = it_parallel(12, reqs, 30000);
        for (i = 0; i < 12; i++)
            IT_ASSERT_R(rs[i]->status == 201, rs[i]);
        held = it_db_query("UPDATE jobs SET status = 'running', worker_id = 'itest-hold', "
                           "attempts = attempts + 1, started_at = now(), lease_until = now() + "
                           "interval '10 minutes' WHERE account_id = $1 AND status = 'queued' "
                           "RETURNING id",
                           1, args);
        IT_REQUIRE_R(!held->error, NULL);
        for (i = 0; i < held->n; i++) {
            const char *jid = IT_CELL(held, i, 0);
            r = it_request("POST", apr_pstrcat(itp, "/v1/jobs/", jid, "/cancel", NULL),
                           bt_hdrs(it_bearer(b->key), NULL, NULL), "", 0);
            IT_ASSERT_R(r->status == 200 &&
                            !strcmp(miq_json_str(r->json, "status", ""), "canceled"),
                        r);
            canceled += r->status == 200;
            IT_ASSERT_MSG(bt_num("SELECT count(*) FROM credit_ledger WHERE job_id = $1 AND kind "
                                 "= 'release'",
                                 jid) == 1 &&
                              bt_num("SELECT count(*) FROM credit_ledger WHERE job_id = $1 AND "
                                     "kind = 'settlement'",
                                     jid) == 0,
                          "a canceled job: one release, no settlement");
        }
        IT_ASSERT_MSG(canceled >= 1, "the worker took all twelve jobs before the hold");
        for (i = 0; i < 12; i++)
            bt_wait_job(b->key, miq_json_str(rs[i]->json, "job_id", ""));
    }
    IT_ASSERT_MSG(bt_balance(b) == 50 - 3 * (12 - canceled), "balance %lld after %d canceled",
                  bt_balance(b), canceled);
    /* a retry of the same idempotent request is billed once */
    r = bt_rest_job(b->key,
                    bt_job_body(b, "audio/silence", b->upload, "\"idempotency_key\":\"once\""));
    IT_ASSERT_R(r->status == 201, r);
    r = bt_rest_job(b->key,
                    bt_job_body(b, "audio/silence", b->upload, "\"idempotency_key\":\"once\""));
    IT_ASSERT_R(r->status == 200, r);
    IT_ASSERT_MSG(bt_balance(b) == 50 - 3 * (13 - canceled), "billed twice? %lld", bt_balance(b));
}

static void test_alerts_once(void)
{
    billed *b = bt_setup("alerts");
    it_resp *r;
    int i;
    IT_REQUIRE_R(b != NULL, NULL);
    bt_billing_on(b);
    bt_grant(b, "1000");
    IT_REQUIRE_R(bt_put_billing(b->a, "{\"monthly_spend_cap_credits\":10}", 1)->status == 200,
                 NULL);
    for (i = 0; i < 3; i++) /* spend 3, 6 (50 % fires), 9 (80 % fires; 50 % not again) */
        IT_REQUIRE_R(
            bt_rest_job(b->key, bt_job_body(b, "audio/silence", b->upload, NULL))->status == 201,
            NULL);
    IT_ASSERT_MSG(bt_num("SELECT count(*) FROM usage_alerts WHERE account_id = $1",
                         b->a->account_id) == 2 &&
                      bt_num("SELECT count(*) FROM usage_alerts WHERE account_id = $1 AND "
                             "threshold IN (0.5, 0.8)",
                             b->a->account_id) == 2,
                  "0.5 and 0.8 fired, once each");
    /* a larger cap: 12 of 20 is past 50 % again, but it fired this period already */
    IT_REQUIRE_R(bt_put_billing(b->a, "{\"monthly_spend_cap_credits\":20}", 1)->status == 200,
                 NULL);
    IT_REQUIRE_R(bt_rest_job(b->key, bt_job_body(b, "audio/silence", b->upload, NULL))->status ==
                     201,
                 NULL);
    IT_ASSERT_MSG(bt_num("SELECT count(*) FROM usage_alerts WHERE account_id = $1",
                         b->a->account_id) == 2,
                  "an alert fired twice in one period");
    /* visible over REST, MCP and the dashboard */
    r = it_request("GET", "/v1/account", bt_hdrs(it_bearer(b->key), NULL, NULL), NULL, 0);
    IT_ASSERT_R(r->status == 200 && json_array_size(json_object_get(r->json, "usage_alerts")) == 2,
                r);
    IT_ASSERT_R(miq_json_int(r->json, "monthly_spend_cap_credits", -1) == 20 &&
                    miq_json_int(r->json, "spent_this_period_credits", -1) == 12 &&
                    !strcmp(miq_json_str(r->json, "billing_state", ""), "active"),
                r);
    {
        json_t *p = mcp_2026_params(
            it_json("{\"name\":\"momentiq.get_account\",\"arguments\":{}}"));
        json_t *sc;
        r = it_post(mcp_2026_headers("tools/call", p, bt_hdrs(it_bearer(b->key), NULL, NULL)),
                    it_rpc_body("tools/call", p, -1));
        sc = json_object_get(it_result(r), "structuredContent");
        IT_ASSERT_R(json_array_size(json_object_get(sc, "usage_alerts")) == 2 &&
                        miq_json_int(sc, "balance_credits", -1) == 1000 - 12,
                    r);
    }
    r = it_request("GET", "/api/dashboard/billing", it_session_headers(b->a, 0, NULL), NULL, 0);
    IT_ASSERT_R(r->status == 200 && json_array_size(json_object_get(r->json, "usage_alerts")) == 2,
                r);
    IT_ASSERT_R(json_array_size(json_object_get(r->json, "alert_thresholds")) == 3, r);
    r = bt_put_billing(b->a, "{\"alert_thresholds\":[0.25,0.9]}", 1);
    IT_ASSERT_R(r->status == 200 &&
                    json_is_true(json_object_get(r->json, "alert_thresholds_custom")),
                r);
}

static void test_dashboard_ledger_usage(void)
{
    billed *b = bt_setup("ledger");
    it_resp *r;
    json_t *e;
    long long first;
    int i;
    IT_REQUIRE_R(b != NULL, NULL);
    bt_billing_on(b);
    bt_grant(b, "30");
    for (i = 0; i < 2; i++)
        IT_REQUIRE_R(
            bt_rest_job(b->key, bt_job_body(b, "audio/silence", b->upload, NULL))->status == 201,
            NULL);
    r = it_request("GET", "/api/dashboard/billing/ledger?limit=2",
                   it_session_headers(b->a, 0, NULL), NULL, 0);
    e = json_object_get(r->json, "entries");
    IT_REQUIRE_R(r->status == 200 && json_array_size(e) == 2, r);
    IT_ASSERT_R(json_is_integer(json_object_get(r->json, "next_before")), r);
    first = miq_json_int(json_array_get(e, 0), "id", 0);
    r = it_request("GET",
                   apr_psprintf(itp, "/api/dashboard/billing/ledger?before=%" APR_INT64_T_FMT,
                                (apr_int64_t)miq_json_int(r->json, "next_before", 0)),
                   it_session_headers(b->a, 0, NULL), NULL, 0);
    IT_ASSERT_R(r->status == 200 && json_array_size(json_object_get(r->json, "entries")) >= 1 &&
                    miq_json_int(json_array_get(json_object_get(r->json, "entries"), 0), "id",
                                 first) < first,
                r);
    r = it_request("GET", "/api/dashboard/billing/ledger?limit=0",
                   it_session_headers(b->a, 0, NULL), NULL, 0);
    IT_ASSERT_R(r->status == 400, r);
    r = it_request("GET", "/api/dashboard/usage?days=7", it_session_headers(b->a, 0, NULL), NULL,
                   0);
    IT_ASSERT_R(r->status == 200 && json_array_size(json_object_get(r->json, "by_day")) >= 1, r);
    e = json_array_get(json_object_get(r->json, "by_endpoint"), 0);
    IT_ASSERT_R(!strcmp(miq_json_str(e, "endpoint", ""), "audio/silence") &&
                    miq_json_int(e, "jobs", 0) == 2 && miq_json_int(e, "credits", 0) == 6,
                r);
    e = json_array_get(json_object_get(r->json, "by_connector"), 0);
    IT_ASSERT_R(!strcmp(miq_json_str(e, "token_id", ""), b->key_id), r);
    r = it_request("GET", "/api/dashboard/usage", NULL, NULL, 0);
    IT_ASSERT_R(r->status == 401, r);
}

IT_SUITE("billing", IT_TEST(test_free_credits), IT_TEST(test_gates),
         IT_TEST(test_concurrency_cap_and_balance), IT_TEST(test_refunds),
         IT_TEST(test_alerts_once), IT_TEST(test_dashboard_ledger_usage))
