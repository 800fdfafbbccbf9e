/* Billing (issue 6), part two: the Stripe webhook (valid, replay, unsigned,
 * stale, wrong secret, malformed header or body, several v1 values) and
 * Checkout Sessions sent to a fake Stripe API on loopback (MomentIQStripeAPIBase, started
 * here), momentiqctl credits show and billing report, and the ledger check
 * run after every suite. Helpers are in test_billing.c. */
#include <stdlib.h>
#include <unistd.h>
#include <signal.h>
#include <sys/wait.h>
#include <apr_strings.h>
#include "itest.h"
#include "itest_billing.h"
#include "base/miq_json.h"
#include "billing/miq_stripe.h"

/* ---- Stripe ---------------------------------------------------------------------- */

static it_resp *webhook(const char *payload, const char *sig)
{
    return it_request("POST", "/api/billing/stripe/webhook",
                      bt_hdrs("Content-Type: application/json",
                              sig ? apr_pstrcat(itp, "Stripe-Signature: ", sig, NULL) : NULL, NULL),
                      payload, strlen(payload));
}

static const char *sign(const char *payload, const char *secret, apr_int64_t t)
{
    return miq_stripe_sign(itp, payload, strlen(payload), (const unsigned char *)secret,
                           strlen(secret), t);
}

static void test_stripe_webhook(void)
{
    const char *secret = getenv("MIQ_TEST_STRIPE_WEBHOOK_SECRET"), *ev, *evid, *p;
    billed *b = bt_setup("stripe");
    apr_int64_t now = apr_time_sec(apr_time_now());
    long long entries;
    it_resp *r;
    IT_REQUIRE_R(b != NULL && secret != NULL, NULL);
    it_secret_note(secret);
    evid = apr_psprintf(itp, "evt_itest_%s_%d", b->a->account_id, (int)getpid());
    ev = apr_psprintf(itp,
                      "{\"id\":\"%s\",\"type\":\"checkout.session.completed\",\"data\":{\"object\":"
                      "{\"id\":\"cs_test_1\",\"client_reference_id\":\"%s\",\"amount_total\":1234,"
                      "\"currency\":\"usd\",\"payment_status\":\"paid\"}}}",
                      evid, b->a->account_id);
    entries = bt_num("SELECT count(*) FROM credit_ledger WHERE account_id = $1", b->a->account_id);
    /* refused, nothing written: unsigned, wrong secret, stale, malformed header, bad body */
    IT_ASSERT_R(webhook(ev, NULL)->status == 400, NULL);
    r = webhook(ev, sign(ev, "whsec_not_the_right_one_000", now));
    IT_ASSERT_R(r->status == 400 && !strcmp(bt_rest_code(r), "invalid_request"), r);
    IT_ASSERT_R(webhook(ev, sign(ev, secret, now - 1000))->status == 400, NULL);
    IT_ASSERT_R(webhook(ev, apr_psprintf(itp, "t=%" APR_INT64_T_FMT, now))->status == 400, NULL);
    IT_ASSERT_R(webhook(ev, "v1=,t=")->status == 400, NULL);
    p = "{\"id\":\"evt_x\",\"type\":\"checkout.session.completed\",\"data\":{}}";
    IT_ASSERT_R(webhook(p, sign(p, secret, now))->status == 400, NULL);
    IT_ASSERT_R(webhook("not json", sign("not json", secret, now))->status == 400, NULL);
    IT_ASSERT_MSG(bt_num("SELECT count(*) FROM stripe_events WHERE event_id IN ($1, 'evt_x')",
                         evid) == 0 &&
                      bt_num("SELECT count(*) FROM credit_ledger WHERE account_id = $1",
                             b->a->account_id) == entries,
                  "a refused webhook wrote something");
    IT_ASSERT_R(it_request("GET", "/api/billing/stripe/webhook", NULL, NULL, 0)->status == 405,
                NULL);
    /* valid: 1234 cents at 0.01 a credit, billing set up */
    r = webhook(ev, sign(ev, secret, now));
    IT_ASSERT_R(r->status == 200 && !strcmp(miq_json_str(r->json, "outcome", ""), "applied") &&
                    miq_json_int(r->json, "credits", 0) == 1234,
                r);
    IT_ASSERT_MSG(bt_balance(b) == 1234, "balance after the top-up: %lld", bt_balance(b));
    IT_ASSERT_MSG(bt_num("SELECT count(*) FROM accounts WHERE id = $1 AND billing_set_up_at IS NOT "
                         "NULL",
                         b->a->account_id) == 1,
                  "billing marked set up");
    /* replay (even re-signed later): a no-op */
    r = webhook(ev, sign(ev, secret, now + 5));
    IT_ASSERT_R(r->status == 200 && !strcmp(miq_json_str(r->json, "outcome", ""), "duplicate"), r);
    IT_ASSERT_MSG(bt_balance(b) == 1234, "a replay added credits: %lld", bt_balance(b));
    IT_ASSERT_MSG(bt_num("SELECT count(*) FROM stripe_events WHERE event_id = $1", evid) == 1,
                  "one event row");
    /* several v1 values, one of them right */
    p = apr_psprintf(itp, "{\"id\":\"%s_ping\",\"type\":\"customer.created\"}", evid);
    r = webhook(p, apr_psprintf(itp, "t=%" APR_INT64_T_FMT ",v1=%064d,%s", now, 0,
                                strstr(sign(p, secret, now), "v1=")));
    IT_ASSERT_R(r->status == 200 && !strcmp(miq_json_str(r->json, "outcome", ""), "ignored"), r);
    /* and now jobs go through: billing is active */
    r = bt_rest_job(b->key, bt_job_body(b, "audio/silence", b->upload, NULL));
    IT_ASSERT_R(r->status == 201, r);
}

static void test_stripe_checkout(void)
{
    const char *port = getenv("MIQ_TEST_STRIPE_PORT"), *sk = getenv("MIQ_TEST_STRIPE_SECRET_KEY");
    const char *log, *body = "{\"credits\":500}";
    const char *dir = it_tmpdir("stripe");
    it_account *a = it_signup("checkout");
    it_resp *r = NULL;
    pid_t pid;
    int i;
    IT_REQUIRE_R(a && port && sk && dir, NULL);
    it_secret_note(sk);
    log = apr_pstrcat(itp, dir, "/request.txt", NULL);
    pid = fork();
    if (pid == 0) {
        static const char fake_stripe[] =
            "import http.server,sys\n"
            "class H(http.server.BaseHTTPRequestHandler):\n"
            "  def do_POST(s):\n"
            "    b=s.rfile.read(int(s.headers['Content-Length'])).decode()\n"
            "    open(sys.argv[2],'w').write(s.path+'\\n'+s.headers.get('Authorization','')+"
            "'\\n'+b)\n"
            "    out=b'{\"id\":\"cs_test_fake\",\"url\":\"https://checkout.stripe.test/c/pay/cs_test_fake\"}'\n"
            "    s.send_response(200);s.send_header('Content-Type','application/json');"
            "s.send_header('Content-Length',str(len(out)));s.end_headers();s.wfile.write(out)\n"
            "  def do_GET(s):\n"
            "    s.send_response(204);s.end_headers()\n"
            "  def log_message(s,*a): pass\n"
            "http.server.HTTPServer(('127.0.0.1',int(sys.argv[1])),H).serve_forever()\n";
        if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr))
            _exit(127);
        execlp("python3", "python3", "-c", fake_stripe, port, log, (char *)NULL);
        _exit(127);
    }
    IT_REQUIRE_R(pid > 0, NULL);
    for (i = 0; i < 50; i++) {
        r = it_request("GET", apr_psprintf(itp, "http://127.0.0.1:%s/ready", port), NULL, NULL, 0);
        if (r->status == 204)
            break;
        apr_sleep(apr_time_from_msec(100));
    }
    r = it_request("POST", "/api/dashboard/billing/checkout",
                   it_session_headers(a, 0, bt_hdrs("Content-Type: application/json", NULL, NULL)),
                   body, strlen(body));
    IT_ASSERT_R(r->status == 403, r);
    r = it_request("POST", "/api/dashboard/billing/checkout",
                   it_session_headers(a, 1, bt_hdrs("Content-Type: application/json", NULL, NULL)),
                   "{\"credits\":0}", 13);
    IT_ASSERT_R(r->status == 400, r);
    r = it_request("POST", "/api/dashboard/billing/checkout",
                   it_session_headers(a, 1, bt_hdrs("Content-Type: application/json", NULL, NULL)),
                   body, strlen(body));
    IT_ASSERT_R(r->status == 201 &&
                    !strcmp(miq_json_str(r->json, "checkout_url", ""),
                            "https://checkout.stripe.test/c/pay/cs_test_fake") &&
                    miq_json_int(r->json, "amount_minor", 0) == 500,
                r);
    {
        const char *req = it_read_file(log, 0);
        IT_ASSERT_MSG(req && strstr(req, "/v1/checkout/sessions\n") &&
                          strstr(req, apr_pstrcat(itp, "Bearer ", sk, NULL)) &&
                          strstr(req, apr_pstrcat(itp, "client_reference_id=", a->account_id, "&",
                                                  NULL)) &&
                          strstr(req, "unit_amount%5D=500") && strstr(req, "mode=payment"),
                      "the fake Stripe API saw: %s", req ? req : "(nothing)");
    }
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    unlink(log);
    rmdir(dir);
}

static void test_momentiqctl_billing(void)
{
    billed *b = bt_setup("ctl");
    const char *build = getenv("MIQ_TEST_BUILD"), *out;
    FILE *f;
    char buf[4096];
    size_t n;
    IT_REQUIRE_R(b != NULL && build && itenv.db, NULL);
    bt_grant(b, "9");
    f = popen(apr_psprintf(itp,
                           "MOMENTIQ_DB='%s' '%s/momentiqctl' credits show --email %s; "
                           "MOMENTIQ_DB='%s' '%s/momentiqctl' billing report | tail -n 1",
                           itenv.db, build, b->a->email, itenv.db, build),
              "r");
    IT_REQUIRE_R(f != NULL, NULL);
    n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = 0;
    pclose(f);
    out = buf;
    IT_ASSERT_MSG(strstr(out, "balance 9 credits") && strstr(out, "billing: not_set_up") &&
                      strstr(out, "monthly spend cap: none") && strstr(out, "total: "),
                  "momentiqctl printed: %s", out);
}

/* After every other suite: the ledger sums to every balance, none is negative. */
static void test_ledger_check(void)
{
    it_rows *r = it_db_query("SELECT account_id, balance, granted, charged, reserved FROM "
                             "admin_ledger_check WHERE balance <> granted - charged - reserved "
                             "OR balance < 0",
                             0, NULL);
    IT_ASSERT_MSG(!r->error && r->n == 0,
                  "ledger check: %s%d accounts off (first %s: balance "
                  "%s, granted %s, charged %s, reserved %s)",
                  r->error ? r->error : "", r->n, r->n ? IT_CELL(r, 0, 0) : "-",
                  r->n ? IT_CELL(r, 0, 1) : "-", r->n ? IT_CELL(r, 0, 2) : "-",
                  r->n ? IT_CELL(r, 0, 3) : "-", r->n ? IT_CELL(r, 0, 4) : "-");
}

IT_SUITE_LAST("billing_ledger", IT_TEST(test_stripe_webhook), IT_TEST(test_stripe_checkout),
              IT_TEST(test_momentiqctl_billing), IT_TEST(test_ledger_check))
