/* momentiqctl purge and the short-lived state in the database
 * (sql/006_retention.sql): rows aged by hand (backdated with SQL, since the
 * real lifetimes are days) go, their fresh and in-use neighbours stay, and a
 * dry run removes nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include "itest.h"

static const char *sql1(const char *sql, const char *arg)
{
    const char *args[1] = {arg};
    return it_db_value(sql, arg ? 1 : 0, arg ? args : NULL);
}

static int exists(const char *table_where, const char *arg)
{
    const char *v = sql1(apr_pstrcat(itp, "SELECT count(*) FROM ", table_where, NULL), arg);
    return v && atoi(v) > 0;
}

/* Runs momentiqctl purge with extra arguments; its output, or NULL when it failed. */
static const char *purge(const char *extra)
{
    const char *build = getenv("MIQ_TEST_BUILD"), *storage = it_stack_path("storage");
    char buf[4096];
    size_t n;
    FILE *f;
    if (!build || !storage || !itenv.db)
        return NULL;
    f = popen(apr_psprintf(itp, "MOMENTIQ_DB='%s' '%s/momentiqctl' purge --storage '%s' %s 2>&1",
                           itenv.db, build, storage, extra),
              "r");
    if (!f)
        return NULL;
    n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = 0;
    return pclose(f) == 0 ? apr_pstrdup(itp, buf) : (fprintf(stderr, "\n%s", buf), NULL);
}

/* Settled webhook events past the request log's age go with their delivery
 * log; a pending one of the same age and a fresh delivered one stay. */
static void test_purge_webhook_events(void)
{
    it_account *a = it_signup("retention-hooks");
    const char *acct, *out;
    IT_REQUIRE_R(a != NULL && itenv.db != NULL, NULL);
    acct = a->account_id;
    IT_REQUIRE_R(
        sql1("INSERT INTO webhook_endpoints (id, account_id, url, events, enabled, "
             "secret_salt) VALUES ('whe_retention0001', $1::bigint, 'https://hooks.example/x', "
             "ARRAY['job.succeeded'], false, 'salt') RETURNING id",
             acct) != NULL,
        NULL);
    IT_REQUIRE_R(
        sql1("INSERT INTO webhook_events (id, endpoint_id, account_id, type, status, "
             "created_at, finished_at) VALUES "
             "('evt_ret_old_delivered', 'whe_retention0001', $1::bigint, 'job.succeeded', "
             "'delivered', now() - interval '100 days', now() - interval '100 days'), "
             "('evt_ret_old_failed', 'whe_retention0001', $1::bigint, 'job.failed', 'failed', "
             "now() - interval '100 days', now() - interval '99 days'), "
             "('evt_ret_old_pending', 'whe_retention0001', $1::bigint, 'job.failed', 'pending', "
             "now() - interval '100 days', NULL), "
             "('evt_ret_new_delivered', 'whe_retention0001', $1::bigint, 'job.succeeded', "
             "'delivered', now() - interval '1 day', now() - interval '1 day') "
             "RETURNING id",
             acct) != NULL,
        NULL);
    IT_REQUIRE_R(sql1("INSERT INTO webhook_deliveries (event_id, endpoint_id, attempt, outcome, "
                      "latency_ms, created_at) VALUES ('evt_ret_old_delivered', "
                      "'whe_retention0001', 1, 'delivered', 5, now() - interval '100 days') "
                      "RETURNING id",
                      NULL) != NULL,
                 NULL);
    out = purge("--requests-older-than 7776000");
    IT_REQUIRE_R(out != NULL, NULL);
    IT_ASSERT_MSG(strstr(out, "webhook events") != NULL, "purge: %s", out);
    IT_ASSERT_MSG(!exists("webhook_events WHERE id = 'evt_ret_old_delivered'", NULL), "purge: %s",
                  out);
    IT_ASSERT_MSG(!exists("webhook_events WHERE id = 'evt_ret_old_failed'", NULL), "purge: %s",
                  out);
    IT_ASSERT_MSG(!exists("webhook_deliveries WHERE event_id = 'evt_ret_old_delivered'", NULL),
                  "purge: %s", out);
    IT_ASSERT_MSG(exists("webhook_events WHERE id = 'evt_ret_old_pending'", NULL), "purge: %s",
                  out);
    IT_ASSERT_MSG(exists("webhook_events WHERE id = 'evt_ret_new_delivered'", NULL), "purge: %s",
                  out);
    sql1("DELETE FROM webhook_endpoints WHERE id = 'whe_retention0001' RETURNING id", NULL);
}

static void test_purge_expired_state(void)
{
    it_account *a = it_signup("retention");
    const char *tag, *out, *acct;
    IT_REQUIRE_R(a != NULL, NULL);
    acct = a->account_id;
    tag = apr_psprintf(itp, "ret%lx", (unsigned long)apr_time_now());
    /* codes: one expired two days ago, one live */
    sql1(apr_psprintf(itp,
                      "INSERT INTO oauth_codes (code_hash, client_id, redirect_uri, account_id, "
                      "scopes, resource, code_challenge, correlation_id, created_at, expires_at) "
                      "VALUES ('%s-old', 'c', 'r', $1::bigint, 'all', 'x', 'ch', 'corr', "
                      "now() - interval '2 days', now() - interval '2 days'), ('%s-new', 'c', "
                      "'r', $1::bigint, 'all', 'x', 'ch', 'corr', now(), now() + interval '60 "
                      "seconds') RETURNING 1",
                      tag, tag),
         acct);
    /* registrations: unused for 8 days, used (a family) for 8 days, unused but new */
    sql1(apr_psprintf(itp,
                      "INSERT INTO oauth_clients (client_id, source, name, redirect_uris, "
                      "created_at) VALUES ('mcp_%s_unused', 'dcr', 'u', '[]', now() - interval "
                      "'8 days'), ('mcp_%s_used', 'dcr', 'u', '[]', now() - interval '8 days'), "
                      "('mcp_%s_new', 'dcr', 'u', '[]', now()) RETURNING 1",
                      tag, tag, tag),
         NULL);
    sql1(apr_psprintf(itp,
                      "INSERT INTO oauth_families (id, client_id, account_id, scopes, resource, "
                      "correlation_id) VALUES ('fam_%s', 'mcp_%s_used', $1::bigint, 'all', 'x', "
                      "'corr') RETURNING 1",
                      tag, tag),
         acct);
    sql1(apr_psprintf(itp,
                      "INSERT INTO oauth_refresh_tokens (token_hash, family_id, access_token_id, "
                      "expires_at) VALUES ('%s-rt', 'fam_%s', 'tok_x', now() + interval '30 "
                      "days') RETURNING 1",
                      tag, tag),
         NULL);
    /* trail steps 100 days old and new; an MCP session expired two days ago */
    sql1(apr_psprintf(itp,
                      "INSERT INTO oauth_trail (at, correlation_id, step, outcome) VALUES "
                      "(now() - interval '100 days', 'corr_%s_old', 'authorize', 'ok'), (now(), "
                      "'corr_%s_new', 'authorize', 'ok') RETURNING 1",
                      tag, tag),
         NULL);
    sql1(apr_psprintf(itp,
                      "INSERT INTO mcp_sessions (id, protocol_version, caller, expires_at) VALUES "
                      "('%s-sess', '2025-11-25', '', now() - interval '2 days') RETURNING 1",
                      tag),
         NULL);

    /* a dry run lists and keeps */
    out = purge("--dry-run");
    IT_REQUIRE_R(out != NULL, NULL);
    IT_ASSERT_MSG(strstr(out, "would remove") && strstr(out, "oauth codes"), "dry run: %s", out);
    IT_ASSERT_MSG(exists("oauth_codes WHERE code_hash = $1", apr_pstrcat(itp, tag, "-old", NULL)),
                  "the dry run removed a code");
    IT_ASSERT_MSG(exists("mcp_sessions WHERE id = $1", apr_pstrcat(itp, tag, "-sess", NULL)),
                  "the dry run removed a session");

    out = purge("");
    IT_REQUIRE_R(out != NULL, NULL);
    IT_ASSERT_MSG(strstr(out, "database row(s) of expired state removed") != NULL, "%s", out);
    CU_ASSERT(!exists("oauth_codes WHERE code_hash = $1", apr_pstrcat(itp, tag, "-old", NULL)));
    CU_ASSERT(exists("oauth_codes WHERE code_hash = $1", apr_pstrcat(itp, tag, "-new", NULL)));
    CU_ASSERT(!exists("oauth_clients WHERE client_id = $1",
                      apr_pstrcat(itp, "mcp_", tag, "_unused", NULL)));
    CU_ASSERT(
        exists("oauth_clients WHERE client_id = $1", apr_pstrcat(itp, "mcp_", tag, "_used", NULL)));
    CU_ASSERT(
        exists("oauth_clients WHERE client_id = $1", apr_pstrcat(itp, "mcp_", tag, "_new", NULL)));
    CU_ASSERT(exists("oauth_families WHERE id = $1", apr_pstrcat(itp, "fam_", tag, NULL)));
    CU_ASSERT(!exists("oauth_trail WHERE correlation_id = $1",
                      apr_pstrcat(itp, "corr_", tag, "_old", NULL)));
    CU_ASSERT(exists("oauth_trail WHERE correlation_id = $1",
                     apr_pstrcat(itp, "corr_", tag, "_new", NULL)));
    CU_ASSERT(!exists("mcp_sessions WHERE id = $1", apr_pstrcat(itp, tag, "-sess", NULL)));

    /* once its refresh token has expired too, the family and then its client go */
    sql1("UPDATE oauth_refresh_tokens SET expires_at = now() - interval '2 days' "
         "WHERE token_hash = $1 RETURNING 1",
         apr_pstrcat(itp, tag, "-rt", NULL));
    sql1("UPDATE oauth_families SET created_at = now() - interval '40 days' WHERE id = $1 "
         "RETURNING 1",
         apr_pstrcat(itp, "fam_", tag, NULL));
    out = purge("");
    IT_REQUIRE_R(out != NULL, NULL);
    CU_ASSERT(!exists("oauth_families WHERE id = $1", apr_pstrcat(itp, "fam_", tag, NULL)));
    out = purge("");
    CU_ASSERT(!exists("oauth_clients WHERE client_id = $1",
                      apr_pstrcat(itp, "mcp_", tag, "_used", NULL)));
    /* bad arguments: usage, exit 2 */
    CU_ASSERT(purge("--trail-older-than soon") == NULL);
}

/* The request log and the auth events (review #7): rows older than
 * --requests-older-than go, newer ones stay; the default keeps 90 days. */
static void test_purge_request_log(void)
{
    const char *tag = apr_psprintf(itp, "rlog%lx", (unsigned long)apr_time_now()), *out;
    const char *old_ = apr_pstrcat(itp, tag, "-old", NULL),
               *mid = apr_pstrcat(itp, tag, "-mid", NULL),
               *new_ = apr_pstrcat(itp, tag, "-new", NULL);
    sql1(apr_psprintf(itp,
                      "INSERT INTO mcp_requests (at, era, http_method, caller, http_status, "
                      "outcome, latency_ms) VALUES (now() - interval '100 days', '2025', 'POST', "
                      "'%s', 200, 'ok', 1), (now() - interval '10 days', '2025', 'POST', '%s', "
                      "200, 'ok', 1), (now(), '2025', 'POST', '%s', 200, 'ok', 1) RETURNING 1",
                      old_, mid, new_),
         NULL);
    sql1(apr_psprintf(itp,
                      "INSERT INTO auth_events (at, kind, code, detail) VALUES (now() - interval "
                      "'100 days', 'invalid_api_key', 'unknown', '%s'), (now() - interval '10 "
                      "days', 'invalid_api_key', 'unknown', '%s'), (now(), 'invalid_api_key', "
                      "'unknown', '%s') RETURNING 1",
                      old_, mid, new_),
         NULL);
    out = purge("--dry-run");
    IT_REQUIRE_R(out != NULL, NULL);
    IT_ASSERT_MSG(strstr(out, "mcp request log rows") && strstr(out, "auth events"), "dry run: %s",
                  out);
    CU_ASSERT(exists("mcp_requests WHERE caller = $1", old_));
    /* the default: 90 days */
    out = purge("");
    IT_REQUIRE_R(out != NULL, NULL);
    CU_ASSERT(!exists("mcp_requests WHERE caller = $1", old_));
    CU_ASSERT(!exists("auth_events WHERE detail = $1", old_));
    CU_ASSERT(exists("mcp_requests WHERE caller = $1", mid));
    CU_ASSERT(exists("auth_events WHERE detail = $1", mid));
    /* a shorter retention: a week */
    out = purge("--requests-older-than 604800");
    IT_REQUIRE_R(out != NULL, NULL);
    CU_ASSERT(!exists("mcp_requests WHERE caller = $1", mid));
    CU_ASSERT(!exists("auth_events WHERE detail = $1", mid));
    CU_ASSERT(exists("mcp_requests WHERE caller = $1", new_));
    CU_ASSERT(exists("auth_events WHERE detail = $1", new_));
    CU_ASSERT(purge("--requests-older-than -1") == NULL);
}

IT_SUITE("retention", IT_TEST(test_purge_expired_state), IT_TEST(test_purge_request_log),
         IT_TEST(test_purge_webhook_events))
