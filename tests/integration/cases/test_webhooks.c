/* Webhooks end to end (docs/webhooks.md): a real receiver process
 * (support/webhook_receiver.py on loopback) records every delivery the
 * worker makes; signatures are checked with the three recipes exactly as
 * docs/webhooks.md prints them; a real job on the real worker produces
 * job.succeeded, usage.alert and credits.low; a receiver answering 500
 * gets the same event again; a hanging receiver does not hold jobs; private
 * targets are refused where the guard is on; no secret reaches a log.
 * The test stack runs the worker with --webhook-retry-base 1 and
 * --webhook-timeout 3 (build.sh). */
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/wait.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <apr_base64.h>
#include <apr_strings.h>
#include "itest.h"
#include "support/it_jobs.h"
#include "base/miq_json.h"

#define DELIVERY_WAIT_S 60 /* a delivery, retries at 1-2 s included, queue and job included */

typedef struct receiver {
    pid_t pid;
    const char *base; /* http://127.0.0.1:PORT */
    const char *dir;  /* its log.jsonl */
} receiver;

static const char *const *hdrs3(const char *a, const char *b, const char *c)
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

static int receiver_start(receiver *rc)
{
    struct sockaddr_in a;
    socklen_t n = sizeof(a);
    int fd, port = 0, i;
    const char *script = apr_pstrcat(itp, itenv.root,
                                     "/tests/integration/support/webhook_receiver.py", NULL);
    memset(rc, 0, sizeof(*rc));
    if (!(rc->dir = it_tmpdir("hooks")))
        return 0;
    fd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && !bind(fd, (struct sockaddr *)&a, sizeof(a)) &&
        !getsockname(fd, (struct sockaddr *)&a, &n))
        port = ntohs(a.sin_port);
    if (fd >= 0)
        close(fd);
    if (port <= 0)
        return 0;
    rc->pid = fork();
    if (rc->pid == 0) {
        char pbuf[16];
        snprintf(pbuf, sizeof(pbuf), "%d", port);
        if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr))
            _exit(127);
        execlp("python3", "python3", script, pbuf, rc->dir, (char *)NULL);
        _exit(127);
    }
    if (rc->pid < 0)
        return 0;
    rc->base = apr_psprintf(itp, "http://127.0.0.1:%d", port);
    for (i = 0; i < 100; i++) {
        it_resp *r = it_request("GET", apr_pstrcat(itp, rc->base, "/ready", NULL), NULL, NULL, 0);
        if (r->status == 200)
            return 1;
        apr_sleep(apr_time_from_msec(100));
    }
    return 0;
}

static void receiver_stop(receiver *rc)
{
    if (rc->pid > 0) {
        kill(rc->pid, SIGTERM);
        waitpid(rc->pid, NULL, 0);
    }
    if (rc->dir) {
        unlink(apr_pstrcat(itp, rc->dir, "/log.jsonl", NULL));
        rmdir(rc->dir);
    }
}

/* The deliveries recorded for name (the last path segment), in arrival order. */
static json_t *records(const receiver *rc, const char *name)
{
    const char *text = it_read_file(apr_pstrcat(itp, rc->dir, "/log.jsonl", NULL), 0);
    json_t *out = miq_json_pool(itp, json_array());
    char *copy, *line, *last;
    if (!text)
        return out;
    copy = apr_pstrdup(itp, text);
    for (line = apr_strtok(copy, "\n", &last); line; line = apr_strtok(NULL, "\n", &last)) {
        json_t *rec = it_json(line);
        if (rec && !strcmp(miq_json_str(rec, "name", ""), name))
            json_array_append(out, rec);
    }
    return out;
}

/* Waits (at most DELIVERY_WAIT_S) until name has n deliveries; returns them. */
static json_t *await_records(const receiver *rc, const char *name, size_t n)
{
    json_t *got = NULL;
    int i;
    for (i = 0; i < DELIVERY_WAIT_S * 5; i++) {
        got = records(rc, name);
        if (json_array_size(got) >= n)
            break;
        apr_sleep(apr_time_from_msec(200));
    }
    return got;
}

/* A recorded delivery's raw body. */
static const char *body_of(const json_t *rec, apr_size_t *len)
{
    const char *b64 = miq_json_str(rec, "body_b64", "");
    char *out = apr_palloc(itp, strlen(b64) + 1);
    *len = (apr_size_t)apr_base64_decode(out, b64);
    out[*len] = 0;
    return out;
}

/* Runs docs/webhooks.md's recipe for lang on a recorded delivery: 0
 * verified, 1 refused, other: the recipe did not run. */
static int recipe(const char *lang, const char *secret, const char *header, const char *body,
                  apr_size_t len)
{
    char path[] = "/tmp/miq-hook-body-XXXXXX";
    int fd = mkstemp(path), rv;
    const char *cmd;
    if (fd < 0)
        return -1;
    if (write(fd, body, len) != (ssize_t)len) {
        close(fd);
        unlink(path);
        return -1;
    }
    close(fd);
    cmd = apr_psprintf(itp,
                       "python3 '%s/tests/integration/support/webhook_recipes.py' "
                       "'%s/docs/webhooks.md' %s '%s' '%s' '%s' >/dev/null 2>&1",
                       itenv.root, itenv.root, lang, secret, header, path);
    rv = system(cmd);
    unlink(path);
    return WIFEXITED(rv) ? WEXITSTATUS(rv) : -1;
}

/* The test stack's sessions idle out after 4 s (MomentIQSessionTimeout 4 12):
 * a fresh one for a's next calls. */
static void relogin(it_account *a)
{
    static const char *const h[] = {"Content-Type: application/json", NULL};
    const char *body = apr_psprintf(itp, "{\"email\":%s,\"password\":%s}", it_quote(a->email),
                                    it_quote(a->password));
    it_resp *r = it_request("POST", "/api/auth/login", h, body, strlen(body));
    IT_ASSERT_R(r->status == 200, r);
    if (r->status == 200) {
        a->cookie = it_set_cookie(r, "miq_session", NULL);
        a->csrf = miq_json_str(r->json, "csrf_token", NULL);
        it_secret_note(a->cookie);
        it_secret_note(a->csrf);
    }
}

static it_resp *hooks_call(it_account *a, const char *method, const char *path, const char *body,
                           const char *extra)
{
    int attempt;
    it_resp *r = NULL;
    /* a POST without a body is sent as an empty JSON-less POST */
    for (attempt = 0; attempt < 2; attempt++) {
        r = it_request(method, apr_pstrcat(itp, "/api/dashboard/webhooks", path, NULL),
                       it_session_headers(a, 1,
                                          hdrs3(body ? "Content-Type: application/json" : NULL,
                                                extra, NULL)),
                       body ? body : "", body ? strlen(body) : 0);
        if (r->status != 401)
            break;
        relogin(a);
    }
    return r;
}

/* Creates an endpoint; its id, and its secret (noted) in *secret. */
static const char *create_endpoint(it_account *a, const char *url, const char *events,
                                   const char *extra_fields, const char **secret)
{
    it_resp *r = hooks_call(a, "POST", "",
                            apr_psprintf(itp, "{\"url\":%s,\"events\":%s%s%s}", it_quote(url),
                                         events, extra_fields ? "," : "",
                                         extra_fields ? extra_fields : ""),
                            NULL);
    IT_ASSERT_R(r->status == 201, r);
    if (r->status != 201)
        return NULL;
    *secret = miq_json_str(r->json, "secret", NULL);
    it_secret_note(*secret);
    IT_ASSERT_R(*secret && !strncmp(*secret, "whsec_", 6), r);
    return miq_json_str(r->json, "id", NULL);
}

/* Asserts one delivery's headers and that all three published recipes
 * verify it, and refuse it with another secret. Returns the parsed body. */
static json_t *assert_signed(const json_t *rec, const char *secret)
{
    apr_size_t len;
    const char *body = body_of(rec, &len), *sig = miq_json_str(rec, "signature", "");
    json_t *event = it_json(body);
    static const char *const langs[] = {"sh", "python", "js"};
    int i;
    IT_ASSERT_STRING_EQUAL(miq_json_str(rec, "user_agent", ""), "MomentIQ-Webhooks/1");
    IT_ASSERT_STRING_EQUAL(miq_json_str(rec, "content_type", ""), "application/json");
    IT_ASSERT_MSG(!strncmp(sig, "t=", 2) && strstr(sig, ",v1="), "signature header: %s", sig);
    IT_ASSERT_MSG(event != NULL, "body is not JSON: %s", body);
    if (!event)
        return NULL;
    IT_ASSERT_STRING_EQUAL(miq_json_str(event, "id", ""), miq_json_str(rec, "event_id", "-"));
    IT_ASSERT_MSG(!strncmp(miq_json_str(event, "id", ""), "evt_", 4), "event id: %s", body);
    for (i = 0; i < 3; i++) {
        IT_ASSERT_MSG(recipe(langs[i], secret, sig, body, len) == 0,
                      "the %s recipe of docs/webhooks.md did not verify %s", langs[i], body);
        IT_ASSERT_MSG(recipe(langs[i], "whsec_not-the-secret", sig, body, len) == 1,
                      "the %s recipe accepted another secret", langs[i]);
    }
    return event;
}

static json_t *deliveries(it_account *a, const char *id)
{
    it_resp *r = hooks_call(a, "GET", apr_pstrcat(itp, "/", id, "/deliveries", NULL), NULL, NULL);
    IT_ASSERT_R(r->status == 200, r);
    return r->status == 200 ? json_object_get(r->json, "deliveries") : NULL;
}

/* ---- tests ------------------------------------------------------------------------------- */

static void test_webhooks_api_validates_and_hides_secrets(void)
{
    it_account *a = it_signup("hooks-api"), *b = it_signup("hooks-api-other");
    const char *id, *secret = NULL, *url = "http://127.0.0.1:9/hooks/api";
    it_resp *r;
    IT_REQUIRE_R(a && b, NULL);
    /* no session, no CSRF */
    r = it_request("GET", "/api/dashboard/webhooks", NULL, NULL, 0);
    IT_ASSERT_R(r->status == 401, r);
    relogin(a);
    r = it_request("POST", "/api/dashboard/webhooks",
                   it_session_headers(a, 0, hdrs3("Content-Type: application/json", NULL, NULL)),
                   "{}", 2);
    IT_ASSERT_R(r->status == 403, r);
    /* bad input: each a 400 that says what */
    r = hooks_call(a, "POST", "", "{\"events\":[\"job.failed\"]}", NULL);
    IT_ASSERT_R(r->status == 400 && strstr(it_dump(r->json), "url"), r);
    r = hooks_call(a, "POST", "", "{\"url\":\"ftp://example.com/x\",\"events\":[\"job.failed\"]}",
                   NULL);
    IT_ASSERT_R(r->status == 400, r);
    r = hooks_call(a, "POST", "", apr_psprintf(itp, "{\"url\":%s,\"events\":[]}", it_quote(url)),
                   NULL);
    IT_ASSERT_R(r->status == 400 && strstr(it_dump(r->json), "events"), r);
    r = hooks_call(a, "POST", "",
                   apr_psprintf(itp, "{\"url\":%s,\"events\":[\"job.running\"]}", it_quote(url)),
                   NULL);
    IT_ASSERT_R(r->status == 400 && strstr(it_dump(r->json), "events[0]"), r);
    r = hooks_call(a, "POST", "",
                   apr_psprintf(itp, "{\"url\":%s,\"events\":[\"job.failed\",\"job.failed\"]}",
                                it_quote(url)),
                   NULL);
    IT_ASSERT_R(r->status == 400, r);
    r = hooks_call(a, "POST", "", "not json", NULL);
    IT_ASSERT_R(r->status == 400, r);
    r = hooks_call(a, "POST", "",
                   apr_psprintf(itp,
                                "{\"url\":%s,\"events\":[\"credits.low\"],"
                                "\"low_credits_threshold\":-4}",
                                it_quote(url)),
                   NULL);
    IT_ASSERT_R(r->status == 400, r);
    r = hooks_call(
        a, "POST", "",
        apr_psprintf(itp, "{\"url\":%s,\"events\":[\"job.failed\"],\"token_id\":\"tok_nope\"}",
                     it_quote(url)),
        NULL);
    IT_ASSERT_R(r->status == 404, r);
    /* create, list without the secret, the default low-credit threshold */
    id = create_endpoint(a, url, "[\"job.failed\",\"credits.low\"]", NULL, &secret);
    IT_REQUIRE_R(id && secret, NULL);
    r = hooks_call(a, "GET", "", NULL, NULL);
    IT_ASSERT_R(r->status == 200 && json_array_size(json_object_get(r->json, "endpoints")) == 1, r);
    IT_ASSERT_R(!strstr(r->body, secret) && !strstr(r->body, "secret"), r);
    IT_ASSERT_R(miq_json_int(r->json, "low_credits_threshold", -1) == 100, r);
    /* PATCH: disable, change events; nothing to change is a 400 */
    r = hooks_call(a, "PATCH", apr_pstrcat(itp, "/", id, NULL),
                   "{\"enabled\":false,\"events\":[\"job.succeeded\"]}", NULL);
    IT_ASSERT_R(r->status == 200 && json_is_false(json_object_get(r->json, "enabled")), r);
    IT_ASSERT_R(!strcmp(it_dump(json_object_get(r->json, "events")), "[\"job.succeeded\"]"), r);
    r = hooks_call(a, "PATCH", apr_pstrcat(itp, "/", id, NULL), "{}", NULL);
    IT_ASSERT_R(r->status == 400, r);
    r = hooks_call(a, "PATCH", apr_pstrcat(itp, "/", id, NULL), "{\"enabled\":\"yes\"}", NULL);
    IT_ASSERT_R(r->status == 400, r);
    /* another account sees nothing of it */
    r = hooks_call(b, "PATCH", apr_pstrcat(itp, "/", id, NULL), "{\"enabled\":true}", NULL);
    IT_ASSERT_R(r->status == 404, r);
    r = hooks_call(b, "GET", apr_pstrcat(itp, "/", id, "/deliveries", NULL), NULL, NULL);
    IT_ASSERT_R(r->status == 404, r);
    r = hooks_call(b, "POST", apr_pstrcat(itp, "/", id, "/test", NULL), NULL, NULL);
    IT_ASSERT_R(r->status == 404, r);
    r = hooks_call(b, "DELETE", apr_pstrcat(itp, "/", id, NULL), NULL, NULL);
    IT_ASSERT_R(r->status == 404, r);
    r = hooks_call(a, "GET", "/whe_nothex/deliveries", NULL, NULL);
    IT_ASSERT_R(r->status == 404, r);
    r = hooks_call(a, "PUT", apr_pstrcat(itp, "/", id, NULL), "{}", NULL);
    IT_ASSERT_R(r->status == 405 && it_header(r, "Allow"), r);
    /* delete, twice */
    r = hooks_call(a, "DELETE", apr_pstrcat(itp, "/", id, NULL), NULL, NULL);
    IT_ASSERT_R(r->status == 200, r);
    r = hooks_call(a, "DELETE", apr_pstrcat(itp, "/", id, NULL), NULL, NULL);
    IT_ASSERT_R(r->status == 404, r);
}

static void test_webhook_private_address_refused_where_the_guard_is_on(void)
{
    it_account *a = it_signup("hooks-guard");
    static const char *const urls[] = {"http://127.0.0.1:9/x", "http://localhost:9/x",
                                       "http://[::1]:9/x",     "http://169.254.169.254/latest/",
                                       "http://10.1.2.3/x",    NULL};
    const char *const *u;
    it_resp *r;
    IT_REQUIRE_R(a, NULL);
    for (u = urls; *u; u++) {
        r = hooks_call(a, "POST", "",
                       apr_psprintf(itp, "{\"url\":%s,\"events\":[\"job.succeeded\"]}",
                                    it_quote(*u)),
                       "X-Webhook-Guard-Test: 1");
        IT_ASSERT_R(r->status == 400 && strstr(it_dump(r->json), "public"), r);
    }
    IT_ASSERT_STRING_EQUAL(it_db_value("SELECT count(*) FROM webhook_endpoints WHERE account_id = "
                                       "$1::bigint",
                                       1, (const char *const[]){a->account_id}),
                           "0");
}

static void test_webhook_test_event_is_signed_and_logged(void)
{
    it_account *a = it_signup("hooks-test");
    receiver rc;
    const char *id, *secret = NULL;
    json_t *got, *event, *log;
    it_resp *r;
    IT_REQUIRE_R(a, NULL);
    IT_REQUIRE_R(receiver_start(&rc), NULL);
    id = create_endpoint(a, apr_pstrcat(itp, rc.base, "/ok/test-event", NULL), "[\"usage.alert\"]",
                         "\"description\":\"itest\"", &secret);
    if (id) {
        r = hooks_call(a, "POST", apr_pstrcat(itp, "/", id, "/test", NULL),
                       "{\"type\":\"usage.alert\"}", NULL);
        IT_ASSERT_R(r->status == 202, r);
        r = hooks_call(a, "POST", apr_pstrcat(itp, "/", id, "/test", NULL),
                       "{\"type\":\"job.running\"}", NULL);
        IT_ASSERT_R(r->status == 400, r);
        got = await_records(&rc, "test-event", 1);
        IT_ASSERT_MSG(json_array_size(got) == 1, "deliveries: %s", it_dump(got));
        if (json_array_size(got) >= 1 && (event = assert_signed(json_array_get(got, 0), secret))) {
            IT_ASSERT_STRING_EQUAL(miq_json_str(event, "type", ""), "usage.alert");
            CU_ASSERT(json_is_false(json_object_get(event, "livemode")));
            CU_ASSERT(miq_json_int(json_object_get(event, "data"), "threshold_percent", 0) > 0);
            CU_ASSERT(miq_json_int(event, "created", 0) > 1700000000);
        }
        /* the log: one delivered attempt with its status and latency */
        log = deliveries(a, id);
        IT_ASSERT_MSG(json_array_size(log) == 1, "log: %s", it_dump(log));
        if (json_array_size(log) == 1) {
            json_t *d = json_array_get(log, 0);
            IT_ASSERT_STRING_EQUAL(miq_json_str(d, "outcome", ""), "delivered");
            CU_ASSERT(miq_json_int(d, "status_code", 0) == 200);
            CU_ASSERT(json_is_integer(json_object_get(d, "latency_ms")));
            CU_ASSERT(miq_json_int(d, "attempt", 0) == 1);
        }
    }
    receiver_stop(&rc);
}

static void test_webhook_retried_after_500_with_the_same_event_id(void)
{
    it_account *a = it_signup("hooks-retry");
    receiver rc;
    const char *id, *secret = NULL;
    json_t *got, *log;
    IT_REQUIRE_R(a, NULL);
    IT_REQUIRE_R(receiver_start(&rc), NULL);
    /* the receiver handles the event, then answers 500 twice (a lost
     * acknowledgement): MomentIQ sends it again until a 2xx */
    id = create_endpoint(a, apr_pstrcat(itp, rc.base, "/fail-first/2/retry", NULL),
                         "[\"job.failed\"]", NULL, &secret);
    if (id) {
        it_resp *r = hooks_call(a, "POST", apr_pstrcat(itp, "/", id, "/test", NULL),
                                "{\"type\":\"job.failed\"}", NULL);
        IT_ASSERT_R(r->status == 202, r);
        got = await_records(&rc, "retry", 3);
        IT_ASSERT_MSG(json_array_size(got) == 3, "deliveries: %s", it_dump(got));
        if (json_array_size(got) == 3) {
            json_t *d0 = json_array_get(got, 0), *d1 = json_array_get(got, 1),
                   *d2 = json_array_get(got, 2);
            IT_ASSERT_STRING_EQUAL(miq_json_str(d1, "event_id", "1"),
                                   miq_json_str(d0, "event_id", "0"));
            IT_ASSERT_STRING_EQUAL(miq_json_str(d2, "event_id", "2"),
                                   miq_json_str(d0, "event_id", "0"));
            IT_ASSERT_STRING_EQUAL(miq_json_str(d2, "body_b64", "2"),
                                   miq_json_str(d0, "body_b64", "0"));
            IT_ASSERT_STRING_EQUAL(miq_json_str(d0, "event_id", ""),
                                   miq_json_str(r->json, "event_id", "-"));
            /* deduplication by event id: handled once, repeats recognised */
            CU_ASSERT(json_is_false(json_object_get(d0, "duplicate")));
            CU_ASSERT(json_is_true(json_object_get(d1, "duplicate")));
            CU_ASSERT(json_is_true(json_object_get(d2, "duplicate")));
            assert_signed(d2, secret);
        }
        /* the log: retry 500, retry 500, delivered 200 (newest first) */
        log = deliveries(a, id);
        IT_ASSERT_MSG(json_array_size(log) == 3, "log: %s", it_dump(log));
        if (json_array_size(log) == 3) {
            IT_ASSERT_STRING_EQUAL(miq_json_str(json_array_get(log, 0), "outcome", ""),
                                   "delivered");
            IT_ASSERT_STRING_EQUAL(miq_json_str(json_array_get(log, 2), "outcome", ""), "retry");
            CU_ASSERT(miq_json_int(json_array_get(log, 2), "status_code", 0) == 500);
            CU_ASSERT(miq_json_int(json_array_get(log, 0), "attempt", 0) == 3);
        }
    }
    receiver_stop(&rc);
}

/* A real job on the real worker: job.succeeded carries the job as GET
 * /v1/jobs/{id} shows it; its reservation crosses the account's cap alert
 * and its low-credit threshold, so usage.alert and credits.low follow. */
static void test_webhook_events_of_a_real_job(void)
{
    it_account *a = it_signup("hooks-job");
    receiver rc;
    const char *id, *secret = NULL, *key, *upload, *job = NULL, *body;
    json_t *got, *view;
    it_resp *r;
    size_t i;
    long estimate;
    int seen_job = 0, seen_alert = 0, seen_low = 0;
    IT_REQUIRE_R(a, NULL);
    IT_REQUIRE_R(receiver_start(&rc), NULL);
    key = it_create_token(a, "keys", "{\"name\":\"hooks\"}", NULL, NULL);
    IT_REQUIRE_R(key && jt_grant(a->account_id, 1000), NULL);
    upload = jt_upload(key, "speech.wav");
    IT_REQUIRE_R(upload, NULL);
    /* a cap the job's estimate reaches half of; a threshold it falls below */
    r = jt_rest(key, "POST", "/v1/estimate",
                apr_psprintf(itp, "{\"endpoint\":\"audio/silence\",\"upload_id\":%s}",
                             it_quote(upload)));
    estimate = r->status == 200 ? (long)miq_json_int(r->json, "credits", 0) : 0;
    IT_REQUIRE_R(estimate > 0, r);
    body = apr_psprintf(itp, "{\"monthly_spend_cap_credits\":%ld,\"alert_thresholds\":[0.5]}",
                        2 * estimate);
    relogin(a);
    r = it_request("PUT", "/api/dashboard/billing",
                   it_session_headers(a, 1, hdrs3("Content-Type: application/json", NULL, NULL)),
                   body, strlen(body));
    IT_ASSERT_R(r->status == 200, r);
    id = create_endpoint(a, apr_pstrcat(itp, rc.base, "/ok/job", NULL),
                         "[\"job.succeeded\",\"job.failed\",\"usage.alert\",\"credits.low\"]",
                         "\"low_credits_threshold\":1000", &secret);
    if (id)
        job = jt_create_rest(key, "audio/silence", upload, "{}");
    if (job) {
        view = jt_wait_rest(key, job, JOB_TIMEOUT_S);
        jt_succeeded(view);
        got = await_records(&rc, "job", 3);
        IT_ASSERT_MSG(json_array_size(got) == 3, "deliveries: %s", it_dump(got));
        for (i = 0; i < json_array_size(got); i++) {
            json_t *ev = assert_signed(json_array_get(got, i), secret), *data;
            const char *type = ev ? miq_json_str(ev, "type", "") : "";
            data = ev ? json_object_get(ev, "data") : NULL;
            if (!strcmp(type, "job.succeeded")) {
                json_t *j = json_object_get(data, "job");
                seen_job++;
                CU_ASSERT(json_is_true(json_object_get(ev, "livemode")));
                IT_ASSERT_STRING_EQUAL(miq_json_str(j, "job_id", ""), job);
                IT_ASSERT_STRING_EQUAL(miq_json_str(j, "status", ""), "succeeded");
                IT_ASSERT_STRING_EQUAL(miq_json_str(j, "endpoint", ""),
                                       miq_json_str(view, "endpoint", "-"));
                /* the same object as GET /v1/jobs/{id}: every field it has, and
                 * the same values but for freshly signed URLs */
                {
                    const char *k;
                    json_t *v;
                    json_object_foreach(view, k, v)
                    {
                        IT_ASSERT_MSG(json_object_get(j, k) != NULL,
                                      "data.job lacks %s (GET /v1/jobs/{id} has it)", k);
                        if (!strstr(it_dump(v), "sig="))
                            IT_ASSERT_MSG(json_equal(v, json_object_get(j, k)),
                                          "data.job.%s: %s, GET /v1/jobs/{id}: %s", k,
                                          it_dump(json_object_get(j, k)), it_dump(v));
                    }
                }
            }
            else if (!strcmp(type, "usage.alert")) {
                seen_alert++;
                CU_ASSERT(miq_json_int(data, "threshold_percent", 0) == 50);
                CU_ASSERT(miq_json_int(data, "cap_credits", 0) == 2 * estimate);
                CU_ASSERT(miq_json_int(data, "spent_credits", 0) >= estimate);
                CU_ASSERT(strlen(miq_json_str(data, "period", "")) == 7);
            }
            else if (!strcmp(type, "credits.low")) {
                seen_low++;
                CU_ASSERT(miq_json_int(data, "threshold_credits", 0) == 1000);
                CU_ASSERT(miq_json_int(data, "balance_credits", 1000) < 1000);
            }
        }
        IT_ASSERT_MSG(seen_job == 1 && seen_alert == 1 && seen_low == 1,
                      "job.succeeded %d, usage.alert %d, credits.low %d", seen_job, seen_alert,
                      seen_low);
        /* the outbox row was written with the settle */
        IT_ASSERT_STRING_EQUAL(it_db_value("SELECT status FROM webhook_events WHERE subject = $1",
                                           1, (const char *const[]){job}),
                               "delivered");
    }
    receiver_stop(&rc);
}

/* A receiver that never answers in time: its deliveries time out and are
 * retried, and a job created meanwhile still runs to the end. */
static void test_webhook_slow_receiver_does_not_hold_jobs(void)
{
    it_account *a = it_signup("hooks-slow");
    receiver rc;
    const char *id, *secret = NULL, *key, *upload, *job = NULL, *err;
    json_t *log = NULL, *view;
    int i;
    IT_REQUIRE_R(a, NULL);
    IT_REQUIRE_R(receiver_start(&rc), NULL);
    key = it_create_token(a, "keys", "{\"name\":\"hooks-slow\"}", NULL, NULL);
    IT_REQUIRE_R(key && jt_grant(a->account_id, 1000), NULL);
    upload = jt_upload(key, "speech.wav");
    id = create_endpoint(a, apr_pstrcat(itp, rc.base, "/slow/30/slow", NULL),
                         "[\"job.succeeded\",\"job.canceled\"]", NULL, &secret);
    IT_REQUIRE_R(id && upload, NULL);
    for (i = 0; i < 3; i++) {
        it_resp *r = hooks_call(a, "POST", apr_pstrcat(itp, "/", id, "/test", NULL), NULL, NULL);
        IT_ASSERT_R(r->status == 202, r);
    }
    job = jt_create_rest(key, "audio/silence", upload, "{}");
    if (job) {
        view = jt_wait_rest(key, job, JOB_TIMEOUT_S);
        CU_ASSERT(jt_succeeded(view));
    }
    /* the first attempts are logged as timed out, to be retried */
    for (i = 0; i < DELIVERY_WAIT_S * 5; i++) {
        log = deliveries(a, id);
        if (json_array_size(log) >= 1)
            break;
        apr_sleep(apr_time_from_msec(200));
    }
    IT_ASSERT_MSG(json_array_size(log) >= 1, "log: %s", it_dump(log));
    if (json_array_size(log) >= 1) {
        json_t *d = json_array_get(log, json_array_size(log) - 1);
        err = miq_json_str(d, "error", "");
        IT_ASSERT_STRING_EQUAL(miq_json_str(d, "outcome", ""), "retry");
        IT_ASSERT_MSG(strstr(err, "timed out") != NULL, "error: %s", err);
        CU_ASSERT(json_is_null(json_object_get(d, "status_code")));
    }
    /* disabling stops new events; deleting drops the queue */
    {
        it_resp *r = hooks_call(a, "DELETE", apr_pstrcat(itp, "/", id, NULL), NULL, NULL);
        IT_ASSERT_R(r->status == 200, r);
        IT_ASSERT_STRING_EQUAL(it_db_value("SELECT count(*) FROM webhook_events WHERE "
                                           "endpoint_id = $1",
                                           1, (const char *const[]){id}),
                               "0");
    }
    receiver_stop(&rc);
}

/* No signing secret in the worker's log or httpd's error_log. */
static void test_webhook_secrets_never_logged(void)
{
    const apr_array_header_t *s = it_secrets();
    const char *wlog = it_stack_path("log/worker.log"), *text, *text2;
    int i, checked = 0;
    text = wlog ? it_read_file(wlog, 0) : NULL;
    IT_ASSERT_MSG(text && strstr(text, "webhook evt_"), "the worker logged no webhook attempt");
    for (i = 0; i < s->nelts; i++) {
        const char *v = APR_ARRAY_IDX(s, i, const char *);
        if (strncmp(v, "whsec_", 6))
            continue;
        checked++;
        IT_ASSERT_MSG(!text || !strstr(text, v), "a webhook secret is in worker.log");
        text2 = it_error_log_grep(v);
        IT_ASSERT_MSG(!text2 || !*text2, "a webhook secret is in error_log");
    }
    IT_ASSERT_MSG(checked >= 4, "only %d webhook secrets were checked", checked);
}

IT_SUITE("webhooks", IT_TEST(test_webhooks_api_validates_and_hides_secrets),
         IT_TEST(test_webhook_private_address_refused_where_the_guard_is_on),
         IT_TEST(test_webhook_test_event_is_signed_and_logged),
         IT_TEST(test_webhook_retried_after_500_with_the_same_event_id),
         IT_TEST(test_webhook_events_of_a_real_job),
         IT_TEST(test_webhook_slow_receiver_does_not_hold_jobs),
         IT_TEST(test_webhook_secrets_never_logged))
