/* The dashboard pages' data (issue 13) against the running stack: every
 * /api/dashboard/ route the pages use, for a signed-in user, with the hostile
 * cases: no session, no CSRF token, the wrong method, another account's ids,
 * bad query values, tampered playback signatures. Media generated here with
 * the ffmpeg CLI; jobs run on the real worker. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <apr_base64.h>
#include <apr_strings.h>
#include <apr_file_io.h>
#include <apr_file_info.h>
#include "itest.h"
#include "itest_oauth.h"
#include "base/miq_json.h"

static const char *const json_ct[] = {"Content-Type: application/json", NULL};

/* GET/DELETE/POST path as a (csrf: send the token), body may be NULL. */
static it_resp *dash(const it_account *a, const char *method, const char *path, int csrf,
                     const char *body)
{
    /* an empty body still makes a POST (curl sends a GET without one) */
    if (!body && strcmp(method, "GET"))
        return it_request(method, apr_pstrcat(itp, "/api/dashboard/", path, NULL),
                          it_session_headers(a, csrf, NULL), "", 0);
    return it_request(method, apr_pstrcat(itp, "/api/dashboard/", path, NULL),
                      it_session_headers(a, csrf, body ? json_ct : NULL), body,
                      body ? strlen(body) : 0);
}

/* Credits and billing set up, as the jobs suites do (SQL seed, no API for it). */
static int grant(const char *account, long credits)
{
    const char *args[2] = {account, apr_ltoa(itp, credits)};
    it_rows *r = it_db_query("INSERT INTO credit_ledger (account_id, kind, credits, note) "
                             "VALUES ($1::bigint, 'grant', $2::bigint, 'itest dashboard')",
                             2, args);
    it_db_query("UPDATE accounts SET billing_set_up_at = coalesce(billing_set_up_at, now()) "
                "WHERE id = $1::bigint",
                1, args);
    return !r->error;
}

/* A 3 s tone (WAV), generated once per run; its bytes in *len. */
static const char *tone(apr_size_t *len)
{
    static char path[512];
    apr_file_t *f;
    apr_finfo_t fi;
    char *buf;
    if (!path[0]) {
        const char *dir = it_tmpdir("dash");
        if (!dir)
            return NULL;
        snprintf(path, sizeof(path), "%s/tone.wav", dir);
        if (system(apr_psprintf(itp,
                                "ffmpeg -nostdin -loglevel error -y -f lavfi -i "
                                "'sine=frequency=440:duration=3' -ar 8000 -ac 1 %s",
                                path)) != 0) {
            path[0] = 0;
            return NULL;
        }
    }
    if (apr_file_open(&f, path, APR_FOPEN_READ | APR_FOPEN_BINARY, 0, itp) ||
        apr_file_info_get(&fi, APR_FINFO_SIZE, f))
        return NULL;
    buf = apr_palloc(itp, (apr_size_t)fi.size + 1);
    apr_file_read_full(f, buf, (apr_size_t)fi.size, len);
    apr_file_close(f);
    return buf;
}

/* The path part of an absolute URL of the test server. */
static const char *local(const char *url)
{
    apr_size_t n = strlen(itenv.url);
    return url && !strncmp(url, itenv.url, n) ? url + n : url;
}

/* Signs a in again: the test stack's sessions last 4 s idle, 12 s at most
 * (MomentIQSessionTimeout 4 12), shorter than a job's wait. */
static void relogin(it_account *a)
{
    const char *body = apr_psprintf(itp, "{\"email\":%s,\"password\":%s}", it_quote(a->email),
                                    it_quote(a->password));
    it_resp *r = it_request("POST", "/api/auth/login", json_ct, body, strlen(body));
    IT_ASSERT_R(r->status == 200, r);
    a->cookie = it_set_cookie(r, "miq_session", NULL);
    a->csrf = miq_json_str(r->json, "csrf_token", NULL);
    it_secret_note(a->cookie);
    it_secret_note(a->csrf);
}

/* An upload made the way the Media page makes it: a signed URL from the
 * dashboard, then the bytes PUT to it without credentials. Its id or NULL. */
static const char *dash_upload(const it_account *a)
{
    apr_size_t len = 0;
    const char *bytes = tone(&len), *url;
    const char *const h[] = {"Content-Type: application/octet-stream", NULL};
    it_resp *r = dash(a, "POST", "uploads", 1, "{\"filename\":\"tone.wav\"}");
    IT_REQUIRE_R(r->status == 201, r);
    url = miq_json_str(r->json, "upload_url", NULL);
    IT_ASSERT_STRING_EQUAL(miq_json_str(r->json, "upload_method", NULL), "PUT");
    IT_REQUIRE_R(url && bytes, r);
    r = it_request("PUT", local(url), h, bytes, len);
    IT_REQUIRE_R(r->status == 200, r);
    return miq_json_str(r->json, "upload_id", NULL);
}

static void test_password_rules_and_session_kind(void)
{
    it_account *a = it_signup("dash-kind");
    it_resp *r = it_request("GET", "/api/auth/password-rules", NULL, NULL, 0);
    IT_ASSERT_R(r->status == 200 && miq_json_int(r->json, "min_length", 0) == 10 &&
                    json_array_size(json_object_get(r->json, "rules")) >= 3,
                r);
    IT_REQUIRE_R(a != NULL, r);
    r = it_request("GET", "/api/auth/session", it_session_headers(a, 0, NULL), NULL, 0);
    IT_ASSERT_STRING_EQUAL(miq_json_str(r->json, "signed_in_with", NULL), "password");
    r = dash(a, "GET", "account", 0, NULL);
    IT_ASSERT_R(r->status == 200 && miq_json_bool(r->json, "has_password", 0), r);
    IT_ASSERT_STRING_EQUAL(miq_json_str(r->json, "email", NULL), a->email);
    IT_ASSERT_STRING_EQUAL(miq_json_str(r->json, "signed_in_with", NULL), "password");
}

static void test_session_csrf_and_methods(void)
{
    it_account *a = it_signup("dash-guard");
    static const char *const paths[] = {"overview",  "uploads",   "jobs",
                                        "sessions",  "endpoints", "oauth-apps",
                                        "usage/mcp", "account",   "account/export"};
    apr_size_t i;
    it_resp *r;
    IT_REQUIRE_R(a != NULL, NULL);
    for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        r = it_request("GET", apr_pstrcat(itp, "/api/dashboard/", paths[i], NULL), NULL, NULL, 0);
        IT_ASSERT_MSG(r->status == 401 &&
                          !strcmp(miq_json_str(json_object_get(r->json, "error"), "code", ""),
                                  "authentication_required"),
                      "%s without a session: %ld", paths[i], r->status);
    }
    /* Changes without the CSRF token are refused before anything happens. */
    r = dash(a, "POST", "uploads", 0, "{\"filename\":\"x.wav\"}");
    IT_ASSERT_R(r->status == 403, r);
    r = dash(a, "POST", "sessions/revoke-all", 0, NULL);
    IT_ASSERT_R(r->status == 403, r);
    r = dash(a, "POST", "estimate", 0, "{\"endpoint\":\"audio/silence\",\"duration_s\":60}");
    IT_ASSERT_R(r->status == 403, r);
    r = dash(a, "GET", "overview", 0, NULL);
    IT_ASSERT_R(r->status == 200, r); /* the session still works */
    /* Methods come from the route table. */
    r = dash(a, "PUT", "overview", 1, "{}");
    IT_ASSERT_R(r->status == 405, r);
    IT_ASSERT_STRING_EQUAL(it_header(r, "Allow"), "GET, HEAD");
    r = dash(a, "DELETE", "jobs", 1, NULL);
    IT_ASSERT_R(r->status == 405, r);
    r = dash(a, "GET", "jobs/job_0000000000000000/nothing", 0, NULL);
    IT_ASSERT_R(r->status == 404, r);
    r = dash(a, "GET", "usage/mcp?days=0", 0, NULL);
    IT_ASSERT_R(r->status == 400, r);
    r = dash(a, "GET", "uploads?limit=500", 0, NULL);
    IT_ASSERT_R(r->status == 400, r);
    r = dash(a, "GET", "uploads?cursor=../../etc", 0, NULL);
    IT_ASSERT_R(r->status == 400, r);
}

static void test_overview_and_endpoints(void)
{
    it_account *a = it_signup("dash-overview");
    json_t *w, *e, *silence = NULL;
    size_t i;
    it_resp *r;
    IT_REQUIRE_R(a != NULL, NULL);
    r = dash(a, "GET", "overview", 0, NULL);
    IT_REQUIRE_R(r->status == 200, r);
    IT_ASSERT_R(json_is_integer(
                    json_object_get(json_object_get(r->json, "account"), "balance_credits")),
                r);
    IT_ASSERT_R(json_is_array(json_object_get(r->json, "recent_jobs")), r);
    /* a new account has no billing: the warning sends the user to Billing */
    IT_ASSERT_R(json_array_size(json_object_get(r->json, "readiness_warnings")) > 0, r);
    json_array_foreach(json_object_get(r->json, "readiness_warnings"), i, w)
    {
        IT_ASSERT_MSG(miq_json_str(w, "page", NULL) != NULL, "warning without a page");
        if (!strcmp(miq_json_str(w, "code", ""), "billing_not_set_up"))
            IT_ASSERT_STRING_EQUAL(miq_json_str(w, "page", NULL), "billing");
    }
    r = dash(a, "GET", "endpoints", 0, NULL);
    IT_REQUIRE_R(r->status == 200, r);
    IT_ASSERT_R(json_array_size(json_object_get(r->json, "endpoints")) == 6, r);
    json_array_foreach(json_object_get(r->json, "endpoints"), i, e)
    {
        if (!strcmp(miq_json_str(e, "name", ""), "audio/silence"))
            silence = e;
    }
    IT_REQUIRE_R(silence != NULL, r);
    IT_ASSERT_R(json_is_object(json_object_get(silence, "params_schema")), r);
    IT_ASSERT_R(json_array_size(json_object_get(silence, "prices")) >= 1, r);
    IT_ASSERT_R(json_is_object(
                    json_object_get(json_object_get(r->json, "pricing"), "credit_price")),
                r);
}

static void test_media_jobs_and_other_accounts(void)
{
    apr_size_t len;
    const char *made = tone(&len);
    it_account *b = it_signup("dash-other"), *a = it_signup("dash-media");
    const char *upl, *url, *job, *const range[] = {"Range: bytes=0-99", NULL};
    json_t *u, *found = NULL;
    size_t i;
    it_resp *r;
    IT_REQUIRE_R(made && a && b && grant(a->account_id, 1000), NULL);
    relogin(a);
    IT_REQUIRE_R((upl = dash_upload(a)) != NULL, NULL);

    r = dash(a, "GET", "uploads", 0, NULL);
    IT_REQUIRE_R(r->status == 200, r);
    json_array_foreach(json_object_get(r->json, "uploads"), i, u)
    {
        if (!strcmp(miq_json_str(u, "upload_id", ""), upl))
            found = u;
    }
    IT_REQUIRE_R(found != NULL, r);
    IT_ASSERT_R(miq_json_num(found, "duration_s", 0) > 2.9, r); /* the probe facts */
    IT_ASSERT_R(json_array_size(json_object_get(found, "streams")) >= 1, r);
    r = dash(a, "GET", apr_pstrcat(itp, "uploads/", upl, NULL), 0, NULL);
    IT_ASSERT_R(r->status == 200, r);

    /* Playback: a signed URL served by httpd itself, with Range. */
    r = dash(a, "POST", apr_pstrcat(itp, "uploads/", upl, "/playback", NULL), 1, NULL);
    IT_REQUIRE_R(r->status == 200 && (url = miq_json_str(r->json, "url", NULL)), r);
    IT_ASSERT_R(strstr(url, "/files/media/") != NULL, r);
    r = it_request("GET", local(url), range, NULL, 0);
    IT_ASSERT_R(r->status == 206 && r->len == 100 && !memcmp(r->body, "RIFF", 4), r);
    r = it_request("GET", apr_pstrcat(itp, local(url), "x", NULL), NULL, NULL, 0);
    IT_ASSERT_R(r->status == 403, r); /* tampered signature */
    r = it_request("GET", apr_pstrcat(itp, "/files/media/", upl, ".wav", NULL), NULL, NULL, 0);
    IT_ASSERT_R(r->status == 403, r); /* unsigned */

    /* Another account sees none of it. */
    relogin(b);
    r = dash(b, "GET", apr_pstrcat(itp, "uploads/", upl, NULL), 0, NULL);
    IT_ASSERT_R(r->status == 404, r);
    r = dash(b, "POST", apr_pstrcat(itp, "uploads/", upl, "/playback", NULL), 1, NULL);
    IT_ASSERT_R(r->status == 404, r);
    r = dash(b, "DELETE", apr_pstrcat(itp, "uploads/", upl, NULL), 1, NULL);
    IT_ASSERT_R(r->status == 404, r);
    r = dash(b, "POST", "estimate", 1,
             apr_psprintf(itp, "{\"endpoint\":\"audio/silence\",\"upload_id\":\"%s\"}", upl));
    IT_ASSERT_R(r->status == 404, r);

    /* The estimate and a job with a max_credits guard. */
    relogin(a);
    r = dash(a, "POST", "estimate", 1,
             apr_psprintf(itp, "{\"endpoint\":\"audio/silence\",\"upload_id\":\"%s\"}", upl));
    IT_ASSERT_R(r->status == 200 && miq_json_int(r->json, "credits", -1) >= 1, r);
    r = dash(a, "POST", "jobs", 1,
             apr_psprintf(itp,
                          "{\"endpoint\":\"audio/silence\",\"upload_id\":\"%s\","
                          "\"max_credits\":0}",
                          upl));
    IT_ASSERT_R(r->status >= 400 && r->status < 500, r); /* the guard holds */
    r = dash(a, "POST", "jobs", 1,
             apr_psprintf(itp,
                          "{\"endpoint\":\"audio/silence\",\"upload_id\":\"%s\","
                          "\"max_credits\":10}",
                          upl));
    IT_REQUIRE_R(r->status == 201 && (job = miq_json_str(r->json, "job_id", NULL)), r);
    r = dash(a, "GET", "jobs", 0, NULL);
    IT_ASSERT_R(r->status == 200 && strstr(r->body, job), r);
    r = dash(a, "GET", apr_pstrcat(itp, "jobs/", job, NULL), 0, NULL);
    IT_ASSERT_R(r->status == 200 && json_is_integer(json_object_get(r->json, "progress")), r);
    relogin(b);
    r = dash(b, "GET", apr_pstrcat(itp, "jobs/", job, NULL), 0, NULL);
    IT_ASSERT_R(r->status == 404, r);
    r = dash(b, "POST", apr_pstrcat(itp, "jobs/", job, "/cancel", NULL), 1, NULL);
    IT_ASSERT_R(r->status == 404, r);
    relogin(a);
    r = dash(a, "POST", apr_pstrcat(itp, "jobs/", job, "/cancel", NULL), 0, NULL);
    IT_ASSERT_R(r->status == 403, r); /* no CSRF token */
    r = dash(a, "GET", "overview", 0, NULL);
    IT_ASSERT_R(r->status == 200 && strstr(it_dump(json_object_get(r->json, "recent_jobs")), job),
                r);

    /* Wait for the worker (or cancel when it is slow), then the result formats. */
    for (i = 0; i < 60; i++) {
        if (i % 10 == 0)
            relogin(a);
        r = dash(a, "GET", apr_pstrcat(itp, "jobs/", job, NULL), 0, NULL);
        if (!strcmp(miq_json_str(r->json, "status", ""), "succeeded"))
            break;
        usleep(500000);
    }
    IT_REQUIRE_R(!strcmp(miq_json_str(r->json, "status", ""), "succeeded"), r);
    relogin(a);
    r = dash(a, "GET", apr_pstrcat(itp, "jobs/", job, "/result", NULL), 0, NULL);
    IT_ASSERT_R(r->status == 200 && json_is_array(json_object_get(r->json, "silences")), r);
    r = dash(a, "GET", apr_pstrcat(itp, "jobs/", job, "/result?format=csv", NULL), 0, NULL);
    IT_ASSERT_R(r->status == 200 && strstr(r->ctype, "csv"), r);
    r = dash(a, "GET", apr_pstrcat(itp, "jobs/", job, "/result?format=vtt", NULL), 0, NULL);
    IT_ASSERT_R(r->status == 200 && !strncmp(r->body, "WEBVTT", 6), r);
    r = dash(a, "POST", apr_pstrcat(itp, "jobs/", job, "/outputs/refresh", NULL), 1, NULL);
    IT_ASSERT_R(r->status == 200, r);
    relogin(b);
    r = dash(b, "GET", apr_pstrcat(itp, "jobs/", job, "/result", NULL), 0, NULL);
    IT_ASSERT_R(r->status == 404, r);

    /* Delete: gone for the account, the signed URL finds nothing. */
    relogin(a);
    r = dash(a, "DELETE", apr_pstrcat(itp, "uploads/", upl, NULL), 0, NULL);
    IT_ASSERT_R(r->status == 403, r);
    r = dash(a, "DELETE", apr_pstrcat(itp, "uploads/", upl, NULL), 1, NULL);
    IT_ASSERT_R(r->status == 200, r);
    r = dash(a, "GET", apr_pstrcat(itp, "uploads/", upl, NULL), 0, NULL);
    IT_ASSERT_R(r->status == 404, r);
    r = it_request("GET", local(url), NULL, NULL, 0);
    IT_ASSERT_R(r->status == 404, r);
}

static void test_cancel_releases(void)
{
    apr_size_t len;
    const char *made = tone(&len);
    it_account *a = made ? it_signup("dash-cancel") : NULL;
    const char *upl, *job;
    it_resp *r;
    IT_REQUIRE_R(a && grant(a->account_id, 1000), NULL);
    IT_REQUIRE_R((upl = dash_upload(a)) != NULL, NULL);
    r = dash(a, "POST", "jobs", 1,
             apr_psprintf(itp, "{\"endpoint\":\"timeline/moments\",\"upload_id\":\"%s\"}", upl));
    IT_REQUIRE_R(r->status == 201 && (job = miq_json_str(r->json, "job_id", NULL)), r);
    r = dash(a, "POST", apr_pstrcat(itp, "jobs/", job, "/cancel", NULL), 1, NULL);
    IT_ASSERT_R(r->status == 200, r);
    r = dash(a, "GET", apr_pstrcat(itp, "jobs/", job, NULL), 0, NULL);
    /* canceled, unless the worker finished the 3 s file first */
    IT_ASSERT_R(!strcmp(miq_json_str(r->json, "status", ""), "canceled") ||
                    !strcmp(miq_json_str(r->json, "status", ""), "succeeded"),
                r);
    if (!strcmp(miq_json_str(r->json, "status", ""), "canceled"))
        IT_ASSERT_STRING_EQUAL(
            it_db_value("SELECT sum(credits) FROM credit_ledger WHERE job_id = $1", 1, &job), "0");
}

static void test_sessions_and_sign_out_everywhere(void)
{
    it_account *a = it_signup("dash-sessions"), second;
    json_t *s;
    size_t i;
    int current = 0;
    it_resp *r;
    IT_REQUIRE_R(a != NULL, NULL);
    /* more sign-ins: sessions of the same account (sign-up's, second's, a's) */
    second = *a;
    relogin(&second);
    relogin(a);
    r = dash(a, "GET", "sessions", 0, NULL);
    /* the others may have idled out meanwhile (4 s): live ones are listed */
    IT_REQUIRE_R(r->status == 200 && json_array_size(json_object_get(r->json, "sessions")) >= 1, r);
    json_array_foreach(json_object_get(r->json, "sessions"), i, s)
    {
        current += miq_json_bool(s, "current", 0);
        IT_ASSERT_MSG(!strstr(it_dump(s), a->cookie), "a session handle shows the cookie");
    }
    IT_ASSERT_MSG(current == 1, "one session is the caller's: %d", current);
    relogin(&second);
    r = dash(&second, "POST", "sessions/revoke-all", 1, NULL);
    /* every session of the account ends, idle or not */
    IT_ASSERT_R(r->status == 200 && miq_json_int(r->json, "revoked", 0) >= 4, r);
    IT_ASSERT_R(it_set_cookie(r, "miq_session", NULL) && !*it_set_cookie(r, "miq_session", NULL),
                r);
    IT_ASSERT_STRING_EQUAL(it_db_value("SELECT count(*) FROM auth_sessions WHERE account_id = "
                                       "$1::bigint AND revoked_at IS NULL",
                                       1, &a->account_id),
                           "0");
    r = dash(a, "GET", "overview", 0, NULL);
    IT_ASSERT_R(r->status == 401, r);
    r = dash(&second, "GET", "overview", 0, NULL);
    IT_ASSERT_R(r->status == 401, r);
}

static void test_password_change(void)
{
    it_account *a = it_signup("dash-password");
    const char *np = "a new password for dashapi tests 7", *body;
    it_resp *r;
    IT_REQUIRE_R(a != NULL, NULL);
    it_secret_note(np);
    body = apr_psprintf(itp, "{\"current_password\":%s,\"new_password\":%s}", it_quote(a->password),
                        it_quote(np));
    r = dash(a, "POST", "account/password", 0, body);
    IT_ASSERT_R(r->status == 403, r);
    r = dash(a, "POST", "account/password", 1,
             apr_psprintf(itp, "{\"current_password\":\"wrong password 123\",\"new_password\":%s}",
                          it_quote(np)));
    IT_ASSERT_R(r->status == 401, r);
    relogin(a);
    r = dash(a, "POST", "account/password", 1,
             apr_psprintf(itp, "{\"current_password\":%s,\"new_password\":\"short\"}",
                          it_quote(a->password)));
    IT_ASSERT_R(r->status == 400 && strstr(r->body, "at least"), r);
    relogin(a);
    r = dash(a, "POST", "account/password", 1, body);
    IT_ASSERT_R(r->status == 200 && miq_json_bool(r->json, "changed", 0) &&
                    miq_json_int(r->json, "other_sessions_ended", 0) >= 1,
                r);
    /* this session stays (the test stack's 4 s idle limit may end it anyway:
     * it is not revoked), the sign-up's ended */
    IT_ASSERT_STRING_EQUAL(it_db_value("SELECT count(*) FROM auth_sessions WHERE account_id = "
                                       "$1::bigint AND revoked_at IS NULL",
                                       1, &a->account_id),
                           "1");
    body = apr_psprintf(itp, "{\"email\":%s,\"password\":%s}", it_quote(a->email),
                        it_quote(a->password));
    r = it_request("POST", "/api/auth/login", json_ct, body, strlen(body));
    IT_ASSERT_R(r->status == 401, r);
    body = apr_psprintf(itp, "{\"email\":%s,\"password\":%s}", it_quote(a->email), it_quote(np));
    r = it_request("POST", "/api/auth/login", json_ct, body, strlen(body));
    IT_ASSERT_R(r->status == 200, r);
}

static void test_oauth_app_revoke(void)
{
    it_account *a, *b = it_signup("dash-oauth-other");
    flow f = {CHATGPT, CHATGPT_CB, "all", "st-d", NULL, {NULL, NULL}, NULL, NULL};
    const char *access, *refresh, *grant_id, *body;
    json_t *app;
    it_resp *r;
    a = it_signup("dash-oauth");
    IT_REQUIRE_R(a && b, NULL);
    f.k = itoa_new_pkce();
    IT_REQUIRE_R(itoa_consent(a, &f, "approve", NULL), f.last);
    body = apr_psprintf(itp,
                        "grant_type=authorization_code&code=%s&code_verifier=%s&redirect_uri=%s&"
                        "client_id=%s&resource=%s",
                        itoa_enc(f.code), itoa_enc(f.k.verifier), itoa_enc(CHATGPT_CB),
                        itoa_enc(CHATGPT), itoa_enc(itoa_mcp_url()));
    r = itoa_token_post(body, NULL);
    access = miq_json_str(r->json, "access_token", NULL);
    refresh = miq_json_str(r->json, "refresh_token", NULL);
    it_secret_note(access);
    it_secret_note(refresh);
    IT_REQUIRE_R(access && refresh, r);
    IT_ASSERT_MSG(itoa_mcp_status(access) == 200, "the access token works before the revoke");

    relogin(b);
    relogin(a);
    r = dash(a, "GET", "oauth-apps", 0, NULL);
    IT_REQUIRE_R(r->status == 200 && json_array_size(json_object_get(r->json, "apps")) == 1, r);
    app = json_array_get(json_object_get(r->json, "apps"), 0);
    IT_ASSERT_STRING_EQUAL(miq_json_str(app, "client_id", NULL), CHATGPT);
    IT_ASSERT_R(*miq_json_str(app, "client_name", "") && *miq_json_str(app, "first_used_at", ""),
                r);
    IT_ASSERT_R(!strstr(r->body, access) && !strstr(r->body, refresh), r);
    grant_id = miq_json_str(app, "grant_id", NULL);
    IT_REQUIRE_R(grant_id != NULL, r);

    r = dash(b, "POST", apr_pstrcat(itp, "oauth-apps/", grant_id, "/revoke", NULL), 1, NULL);
    IT_ASSERT_R(r->status == 404, r); /* another account's grant */
    r = dash(a, "POST", apr_pstrcat(itp, "oauth-apps/", grant_id, "/revoke", NULL), 0, NULL);
    IT_ASSERT_R(r->status == 403, r);
    IT_ASSERT_MSG(itoa_mcp_status(access) == 200, "refused revokes changed nothing");
    r = dash(a, "POST", apr_pstrcat(itp, "oauth-apps/", grant_id, "/revoke", NULL), 1, NULL);
    IT_ASSERT_R(r->status == 200, r);
    IT_ASSERT_MSG(itoa_mcp_status(access) == 401, "the access token stops at once");
    body = apr_psprintf(itp, "grant_type=refresh_token&refresh_token=%s&client_id=%s",
                        itoa_enc(refresh), itoa_enc(CHATGPT));
    r = itoa_token_post(body, NULL);
    IT_ASSERT_R(r->status == 400 && !strcmp(miq_json_str(r->json, "error", ""), "invalid_grant"),
                r);
    relogin(a);
    r = dash(a, "GET", "oauth-apps", 0, NULL);
    IT_ASSERT_R(r->status == 200 && json_array_size(json_object_get(r->json, "apps")) == 0, r);
    r = dash(a, "POST", apr_pstrcat(itp, "oauth-apps/", grant_id, "/revoke", NULL), 1, NULL);
    IT_ASSERT_R(r->status == 404, r);
}

static void test_mcp_usage_and_export(void)
{
    it_account *a = it_signup("dash-export");
    const char *tok, *tok_id;
    json_t *ex;
    it_resp *r;
    IT_REQUIRE_R(a != NULL, NULL);
    tok = it_create_token(a, "connectors", "{\"name\":\"export test\",\"scopes\":[\"all\"]}",
                          &tok_id, NULL);
    IT_REQUIRE_R(tok != NULL, NULL);
    IT_ASSERT_MSG(itoa_mcp_status(tok) == 200, "an MCP call with the account's token");
    relogin(a);
    r = dash(a, "GET", "usage/mcp?days=7", 0, NULL);
    IT_ASSERT_R(r->status == 200 && miq_json_int(r->json, "days", 0) == 7 &&
                    json_is_array(json_object_get(r->json, "by_day")),
                r);

    r = dash(a, "GET", "account/export", 0, NULL);
    IT_REQUIRE_R(r->status == 200, r);
    IT_ASSERT_R(strstr(it_header(r, "Content-Disposition") ? it_header(r, "Content-Disposition")
                                                           : "",
                       "attachment"),
                r);
    ex = r->json;
    IT_ASSERT_STRING_EQUAL(miq_json_str(json_object_get(ex, "account"), "email", NULL), a->email);
    IT_ASSERT_R(json_array_size(json_object_get(ex, "tokens")) == 1, r);
    /* no secret of any kind */
    IT_ASSERT_R(!strstr(r->body, tok) && !strstr(r->body, a->password) &&
                    !strstr(r->body, a->cookie) && !strstr(r->body, a->csrf) &&
                    !strstr(r->body, "secret_hash") && !strstr(r->body, "$scrypt$"),
                r);
}

/* Signed in with the organisation: the htpasswd user without '@' the test
 * stack's mod_auth_basic knows (MIQ_TEST_HTPASSWD_USERS, as test_remote_user.c). */
static void test_organisation_session(void)
{
    const char *all = getenv("MIQ_TEST_HTPASSWD_USERS"), *user = NULL, *pw = NULL, *plain;
    char *copy, *item, *last, *enc;
    const char *h[3];
    it_account org;
    it_resp *r;
    IT_REQUIRE_R(all && *all, NULL);
    copy = apr_pstrdup(itp, all);
    for (item = apr_strtok(copy, ",", &last); item && !user; item = apr_strtok(NULL, ",", &last)) {
        char *colon = strchr(item, ':');
        if (colon && !strchr(item, '@')) {
            *colon = 0;
            user = item;
            pw = colon + 1;
        }
    }
    IT_REQUIRE_R(user != NULL, NULL);
    it_secret_note(pw);
    plain = apr_pstrcat(itp, user, ":", pw, NULL);
    enc = apr_palloc(itp, apr_base64_encode_len((int)strlen(plain)));
    apr_base64_encode(enc, plain, (int)strlen(plain));
    it_secret_note(enc);
    h[0] = apr_pstrcat(itp, "Authorization: Basic ", enc, NULL);
    h[1] = "Accept: application/json";
    h[2] = NULL;
    r = it_request("GET", "/api/auth/remote-user", h, NULL, 0);
    IT_REQUIRE_R(r->status == 200, r);
    memset(&org, 0, sizeof(org));
    org.cookie = it_set_cookie(r, "miq_session", NULL);
    org.csrf = miq_json_str(r->json, "csrf_token", NULL);
    it_secret_note(org.cookie);
    it_secret_note(org.csrf);
    IT_ASSERT_STRING_EQUAL(miq_json_str(r->json, "signed_in_with", NULL), "organisation");
    r = dash(&org, "GET", "account", 0, NULL);
    IT_ASSERT_R(r->status == 200 && !miq_json_bool(r->json, "has_password", 1), r);
    IT_ASSERT_STRING_EQUAL(miq_json_str(r->json, "signed_in_with", NULL), "organisation");
    r = dash(
        &org, "POST", "account/password", 1,
        "{\"current_password\":\"anything at all\",\"new_password\":\"a long new password 9\"}");
    IT_ASSERT_R(r->status == 409, r); /* no password to change */
}

/* The dashboard class counts per address before the handler runs; the test
 * stack lowers it to 3 a minute for requests with X-Rate-Limit-Test. */
static void test_rate_limited(void)
{
    const char *const h[] = {"X-Rate-Limit-Test: 1", NULL};
    it_resp *r = NULL;
    int i;
    for (i = 0; i < 3; i++) {
        r = it_request("GET", "/api/dashboard/endpoints", h, NULL, 0);
        IT_ASSERT_R(r->status == 401, r);
    }
    r = it_request("GET", "/api/dashboard/endpoints", h, NULL, 0);
    IT_ASSERT_R(r->status == 429 && it_header(r, "Retry-After") &&
                    !strcmp(miq_json_str(json_object_get(r->json, "error"), "code", ""),
                            "rate_limited"),
                r);
    r = it_request("GET", "/api/dashboard/endpoints", NULL, NULL, 0);
    IT_ASSERT_R(r->status == 401, r); /* the normal limit is far away */
}

IT_SUITE("dashboard_api", IT_TEST(test_password_rules_and_session_kind),
         IT_TEST(test_session_csrf_and_methods), IT_TEST(test_overview_and_endpoints),
         IT_TEST(test_media_jobs_and_other_accounts), IT_TEST(test_cancel_releases),
         IT_TEST(test_sessions_and_sign_out_everywhere), IT_TEST(test_password_change),
         IT_TEST(test_oauth_app_revoke), IT_TEST(test_mcp_usage_and_export),
         IT_TEST(test_organisation_session), IT_TEST(test_rate_limited))
