/* The OAuth services over a fake database (canned rows per catalog
 * statement, every call recorded in order): codes, the authorization_code
 * and refresh_token grants with their refusals (expired, reused, wrong PKCE,
 * wrong client, reuse of a rotated token, revoked), revocation,
 * introspection, finding and authenticating clients, dynamic registration
 * and the trail. Each test asserts the statements run, their named
 * arguments and the outcome. */
#include <stdarg.h>
#include <string.h>
#include <apr_strings.h>
#include "unit.h"
#include "accounts/miq_auth.h"
#include "base/miq_json.h"
#include "base/miq_scope.h"
#include "oauth/miq_oauth.h"
#include "oauth/miq_oauth_grants.h"

/* ---- the fake database ------------------------------------------------------------ */

#define MAX_CALLS 16
#define MAX_ARGS  16

typedef struct canned {
    int fail, ncols, nrows;
    const char *row[MAX_ARGS]; /* one row at most: the OAuth statements answer one */
} canned;

typedef struct call {
    miq_sql_id_e id;
    int nargs;
    const char *args[MAX_ARGS];
} call;

typedef struct fake_db {
    canned by_id[MIQ_SQL_COUNT];
    call calls[MAX_CALLS];
    int ncalls;
} fake_db;

static apr_array_header_t *fake_query(void *baton, apr_pool_t *p, miq_sql_id_e id, int nargs,
                                      const char *const *args, int *ncols, const char **err)
{
    fake_db *f = baton;
    canned *c = &f->by_id[id];
    apr_array_header_t *rows = apr_array_make(p, 1, sizeof(const char **));
    int i;
    if (f->ncalls < MAX_CALLS) {
        call *k = &f->calls[f->ncalls++];
        k->id = id;
        k->nargs = nargs;
        for (i = 0; i < nargs && i < MAX_ARGS; i++)
            k->args[i] = args[i] ? apr_pstrdup(p, args[i]) : NULL;
    }
    if (c->fail) {
        *err = "fake failure";
        return NULL;
    }
    *ncols = c->ncols;
    if (c->nrows) {
        const char **row = apr_pcalloc(p, sizeof(char *) * (c->ncols + 1));
        for (i = 0; i < c->ncols; i++)
            row[i] = c->row[i] ? apr_pstrdup(p, c->row[i]) : NULL;
        APR_ARRAY_PUSH(rows, const char **) = row;
    }
    return rows;
}

/* The one row statement id answers (ncols values). */
static void can(fake_db *f, miq_sql_id_e id, int ncols, ...)
{
    canned *c = &f->by_id[id];
    va_list ap;
    int j;
    c->fail = 0;
    c->ncols = ncols;
    c->nrows = 1;
    va_start(ap, ncols);
    for (j = 0; j < ncols; j++)
        c->row[j] = va_arg(ap, const char *);
    va_end(ap);
}

static void can_none(fake_db *f, miq_sql_id_e id)
{
    memset(&f->by_id[id], 0, sizeof(canned));
}

static void can_fail(fake_db *f, miq_sql_id_e id)
{
    f->by_id[id].fail = 1;
}

/* Asserts the statements run since the last reset, in order (-1 ends the list). */
static void expect_calls(fake_db *f, ...)
{
    va_list ap;
    int i = 0, id;
    va_start(ap, f);
    while ((id = va_arg(ap, int)) >= 0) {
        CU_ASSERT_TRUE_FATAL(i < f->ncalls);
        CU_ASSERT_EQUAL(f->calls[i].id, (miq_sql_id_e)id);
        i++;
    }
    va_end(ap);
    CU_ASSERT_EQUAL(f->ncalls, i);
}

static const call *last_call(fake_db *f, miq_sql_id_e id)
{
    int i;
    for (i = f->ncalls - 1; i >= 0; i--)
        if (f->calls[i].id == id)
            return &f->calls[i];
    CU_FAIL_FATAL("statement not called");
    return NULL;
}

static void reset(fake_db *f)
{
    f->ncalls = 0;
}

/* Asserts the last trail step: step, outcome ok/error, error code, account. */
static void expect_trail(fake_db *f, const char *step, const char *error, const char *account)
{
    const call *t = last_call(f, MIQ_SQL_OAUTH_TRAIL_ADD);
    CU_ASSERT_EQUAL(t->nargs, MIQ_OTR_NARGS);
    CU_ASSERT_STRING_EQUAL(t->args[MIQ_OTR_STEP], step);
    CU_ASSERT_STRING_EQUAL(t->args[MIQ_OTR_OUTCOME], error ? "error" : "ok");
    if (error) {
        CU_ASSERT_STRING_EQUAL(t->args[MIQ_OTR_ERROR], error);
    }
    else {
        CU_ASSERT_PTR_NULL(t->args[MIQ_OTR_ERROR]);
    }
    if (account) {
        CU_ASSERT_STRING_EQUAL(t->args[MIQ_OTR_ACCOUNT], account);
    }
    else {
        CU_ASSERT_PTR_NULL(t->args[MIQ_OTR_ACCOUNT]);
    }
    CU_ASSERT_TRUE(miq_oauth_correlation_ok(t->args[MIQ_OTR_CORRELATION]));
}

/* ---- fixture ---------------------------------------------------------------------- */

#define CLIENT    "itest-chatgpt"
#define REDIRECT  "https://chatgpt.com/connector_platform_oauth_redirect"
#define GATEWAY   "itest-gateway"
#define GW_SECRET "gateway-secret-0123456789"
#define CORR      "corr_0123456789abcdef"
#define MCP_URL   "https://api.test/mcp"
#define VERIFIER  "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
#define CHALLENGE "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"

static const unsigned char state_key[] = "0123456789abcdef0123456789abcdef";

typedef struct fixture {
    fake_db *f;
    miq_db db;
    miq_oauth_settings set;
    miq_oauth_client client;  /* public, one redirect URI */
    miq_oauth_client gateway; /* confidential */
    miq_oauth_outcome out;
} fixture;

static apr_array_header_t *uris(const char *first, const char *second)
{
    apr_array_header_t *a = apr_array_make(utp, 2, sizeof(const char *));
    APR_ARRAY_PUSH(a, const char *) = first;
    if (second)
        APR_ARRAY_PUSH(a, const char *) = second;
    return a;
}

static fixture *setup_fx(void)
{
    fixture *x = apr_pcalloc(utp, sizeof(*x));
    miq_oauth_registry *reg = miq_oauth_registry_make(utp);
    CU_ASSERT_PTR_NULL_FATAL(miq_oauth_registry_add(reg, CLIENT, "ChatGPT", "chatgpt",
                                                    uris(REDIRECT, NULL), "directive"));
    CU_ASSERT_PTR_NULL_FATAL(miq_oauth_registry_add(reg, GATEWAY, "Test gateway", "gateway",
                                                    uris("https://gateway.example/cb", NULL),
                                                    "directive"));
    CU_ASSERT_PTR_NULL_FATAL(miq_oauth_registry_set_secret(reg, GATEWAY, GW_SECRET));
    x->f = apr_pcalloc(utp, sizeof(fake_db));
    x->db.baton = x->f;
    x->db.query = fake_query;
    x->set.reg = reg;
    x->set.dcr = 1;
    x->set.cimd = 1;
    x->set.access_ttl_s = 3600;
    x->set.refresh_ttl_s = 86400;
    x->set.state_key = state_key;
    x->set.state_key_len = 32;
    x->set.issuer = "https://api.test";
    x->client = *miq_oauth_registry_find(reg, CLIENT);
    x->gateway = *miq_oauth_registry_find(reg, GATEWAY);
    return x;
}

/* A redeem/refresh row: outcome, account, scopes, resource, correlation, expires_in, family. */
static void can_grant(fixture *x, miq_sql_id_e id, const char *outcome)
{
    if (id == MIQ_SQL_OAUTH_CODE_REDEEM)
        can(x->f, id, MIQ_OGC_REDEEM_COLS, outcome, "42", "audio/* timeline/*", MCP_URL, CORR,
            "3600");
    else
        can(x->f, id, MIQ_OGC_REFRESH_COLS, outcome, "42", "audio/* timeline/*", MCP_URL, CORR,
            "3600", "fam_0011");
}

static json_t *body_of(const miq_oauth_outcome *out)
{
    json_t *b;
    CU_ASSERT_PTR_NULL_FATAL(out->error);
    CU_ASSERT_PTR_NOT_NULL_FATAL(out->body);
    b = miq_json_parse(utp, out->body, strlen(out->body), NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    return b;
}

/* ---- codes -------------------------------------------------------------------------- */

static void test_code_issue_stores_the_hash_and_trails(void)
{
    fixture *x = setup_fx();
    miq_oauth_authz q;
    const char *code;
    const call *k;
    memset(&q, 0, sizeof(q));
    q.client_id = CLIENT;
    q.redirect_uri = REDIRECT;
    q.challenge = CHALLENGE;
    q.resource = MCP_URL;
    code = miq_oauth_code_issue(utp, &x->db, &q, "42", MIQ_SCOPE_AUDIO | MIQ_SCOPE_TIMELINE, CORR,
                                &x->out);
    CU_ASSERT_PTR_NOT_NULL_FATAL(code);
    CU_ASSERT_PTR_NULL(x->out.error);
    CU_ASSERT_EQUAL(strlen(code), 43);
    expect_calls(x->f, MIQ_SQL_OAUTH_CODE_CREATE, MIQ_SQL_OAUTH_TRAIL_ADD, -1);
    k = last_call(x->f, MIQ_SQL_OAUTH_CODE_CREATE);
    CU_ASSERT_EQUAL(k->nargs, MIQ_OCC_NARGS);
    CU_ASSERT_STRING_EQUAL(k->args[MIQ_OCC_CODE_HASH], miq_token_hash(utp, code));
    CU_ASSERT_STRING_EQUAL(k->args[MIQ_OCC_CLIENT], CLIENT);
    CU_ASSERT_STRING_EQUAL(k->args[MIQ_OCC_REDIRECT], REDIRECT);
    CU_ASSERT_STRING_EQUAL(k->args[MIQ_OCC_ACCOUNT], "42");
    CU_ASSERT_STRING_EQUAL(k->args[MIQ_OCC_SCOPES],
                           miq_scope_format(utp, MIQ_SCOPE_AUDIO | MIQ_SCOPE_TIMELINE));
    CU_ASSERT_STRING_EQUAL(k->args[MIQ_OCC_RESOURCE], MCP_URL);
    CU_ASSERT_STRING_EQUAL(k->args[MIQ_OCC_CHALLENGE], CHALLENGE);
    CU_ASSERT_STRING_EQUAL(k->args[MIQ_OCC_CORRELATION], CORR);
    CU_ASSERT_STRING_EQUAL(k->args[MIQ_OCC_TTL_S], "60");
    expect_trail(x->f, "consent", NULL, "42");
    CU_ASSERT_STRING_EQUAL(last_call(x->f, MIQ_SQL_OAUTH_TRAIL_ADD)->args[MIQ_OTR_CORRELATION],
                           CORR);

    /* not stored: temporarily_unavailable, in the trail, no code */
    reset(x->f);
    can_fail(x->f, MIQ_SQL_OAUTH_CODE_CREATE);
    CU_ASSERT_PTR_NULL(miq_oauth_code_issue(utp, &x->db, &q, "42", MIQ_SCOPE_ALL, CORR, &x->out));
    CU_ASSERT_STRING_EQUAL(x->out.error, "temporarily_unavailable");
    CU_ASSERT_STRING_EQUAL(x->out.description, "the code could not be stored");
    expect_calls(x->f, MIQ_SQL_OAUTH_CODE_CREATE, MIQ_SQL_OAUTH_TRAIL_ADD, -1);
    expect_trail(x->f, "consent", "temporarily_unavailable", "42");
}

/* ---- authorization_code grant ------------------------------------------------------ */

static void test_code_redeem_issues_the_first_pair(void)
{
    fixture *x = setup_fx();
    const char *access, *refresh;
    const call *k;
    json_t *b;
    can_grant(x, MIQ_SQL_OAUTH_CODE_REDEEM, "ok");
    CU_ASSERT_EQUAL(miq_oauth_code_redeem(utp, &x->db, &x->set, &x->client, "the-code", VERIFIER,
                                          NULL, MCP_URL, &x->out),
                    0);
    b = body_of(&x->out);
    access = miq_json_str(b, "access_token", "");
    refresh = miq_json_str(b, "refresh_token", "");
    CU_ASSERT_TRUE(miq_token_format_ok(access));
    CU_ASSERT_TRUE(miq_oauth_refresh_format_ok(refresh));
    CU_ASSERT_STRING_EQUAL(miq_json_str(b, "token_type", ""), "Bearer");
    CU_ASSERT_EQUAL(miq_json_int(b, "expires_in", -1), 3600);
    CU_ASSERT_STRING_EQUAL(miq_json_str(b, "scope", ""), "audio/* timeline/*");
    expect_calls(x->f, MIQ_SQL_OAUTH_CODE_REDEEM, MIQ_SQL_OAUTH_TRAIL_ADD, -1);
    k = last_call(x->f, MIQ_SQL_OAUTH_CODE_REDEEM);
    CU_ASSERT_EQUAL(k->nargs, MIQ_ORD_NARGS);
    CU_ASSERT_STRING_EQUAL(k->args[MIQ_ORD_CODE_HASH], miq_token_hash(utp, "the-code"));
    CU_ASSERT_STRING_EQUAL(k->args[MIQ_ORD_CLIENT], CLIENT);
    /* no redirect_uri: the client's only one */
    CU_ASSERT_STRING_EQUAL(k->args[MIQ_ORD_REDIRECT], REDIRECT);
    CU_ASSERT_STRING_EQUAL(k->args[MIQ_ORD_CHALLENGE], CHALLENGE);
    CU_ASSERT_STRING_EQUAL(k->args[MIQ_ORD_RESOURCE], MCP_URL);
    CU_ASSERT_EQUAL(strncmp(k->args[MIQ_ORD_FAMILY], "fam_", 4), 0);
    CU_ASSERT_STRING_EQUAL(k->args[MIQ_ORD_ACCESS_HASH], miq_token_hash(utp, access));
    CU_ASSERT_EQUAL(strncmp(access, k->args[MIQ_ORD_ACCESS_PREFIX],
                            strlen(k->args[MIQ_ORD_ACCESS_PREFIX])),
                    0);
    CU_ASSERT_EQUAL(strncmp(k->args[MIQ_ORD_ACCESS_ID], "tok_", 4), 0);
    CU_ASSERT_STRING_EQUAL(k->args[MIQ_ORD_TOKEN_NAME], "OAuth: ChatGPT");
    CU_ASSERT_STRING_EQUAL(k->args[MIQ_ORD_ACCESS_TTL_S], "3600");
    CU_ASSERT_STRING_EQUAL(k->args[MIQ_ORD_REFRESH_HASH], miq_token_hash(utp, refresh));
    CU_ASSERT_STRING_EQUAL(k->args[MIQ_ORD_REFRESH_TTL_S], "86400");
    /* the trail: under the authorization's correlation id, for the account */
    expect_trail(x->f, "token", NULL, "42");
    k = last_call(x->f, MIQ_SQL_OAUTH_TRAIL_ADD);
    CU_ASSERT_STRING_EQUAL(k->args[MIQ_OTR_CORRELATION], CORR);
    CU_ASSERT_STRING_EQUAL(k->args[MIQ_OTR_CLIENT], CLIENT);
    CU_ASSERT_PTR_NOT_NULL(strstr(k->args[MIQ_OTR_DETAIL], "code redeemed"));
    /* never a secret in the trail */
    CU_ASSERT_PTR_NULL(strstr(k->args[MIQ_OTR_DETAIL], access));
}

/* Redeems with the canned outcome; asserts error and description. */
static void refused_code(fixture *x, const char *outcome, const char *error, const char *text)
{
    reset(x->f);
    can_grant(x, MIQ_SQL_OAUTH_CODE_REDEEM, outcome);
    CU_ASSERT_EQUAL(miq_oauth_code_redeem(utp, &x->db, &x->set, &x->client, "the-code", VERIFIER,
                                          REDIRECT, NULL, &x->out),
                    -1);
    CU_ASSERT_STRING_EQUAL(x->out.error, error);
    CU_ASSERT_STRING_EQUAL(x->out.description,
                           apr_pstrcat(utp, "authorization code: ", text, NULL));
    CU_ASSERT_PTR_NULL(x->out.body);
    expect_calls(x->f, MIQ_SQL_OAUTH_CODE_REDEEM, MIQ_SQL_OAUTH_TRAIL_ADD, -1);
    expect_trail(x->f, "token", error, "42");
    CU_ASSERT_STRING_EQUAL(last_call(x->f, MIQ_SQL_OAUTH_TRAIL_ADD)->args[MIQ_OTR_CORRELATION],
                           CORR);
}

static void test_code_redeem_refusals(void)
{
    fixture *x = setup_fx();
    refused_code(x, "expired", "invalid_grant", "expired");
    /* a reused code: the SQL revoked the family; the client is told */
    refused_code(x, "used", "invalid_grant",
                 "the code was already used; the tokens it issued are revoked");
    refused_code(x, "verifier_mismatch", "invalid_grant",
                 "code_verifier does not match the code_challenge");
    refused_code(x, "client_mismatch", "invalid_grant", "issued to another client");
    refused_code(x, "redirect_mismatch", "invalid_grant",
                 "redirect_uri differs from the authorization request");
    refused_code(x, "resource_mismatch", "invalid_target",
                 "resource differs from the authorization");
    refused_code(x, "unknown", "invalid_grant", "unknown code or token");

    /* an unknown code has no correlation id: the trail gets a new one */
    reset(x->f);
    can(x->f, MIQ_SQL_OAUTH_CODE_REDEEM, MIQ_OGC_REDEEM_COLS, "unknown", "", "", "", "", "0");
    CU_ASSERT_EQUAL(miq_oauth_code_redeem(utp, &x->db, &x->set, &x->client, "x", VERIFIER, NULL,
                                          NULL, &x->out),
                    -1);
    expect_trail(x->f, "token", "invalid_grant", NULL);

    /* a malformed verifier never matches a stored challenge */
    reset(x->f);
    can_grant(x, MIQ_SQL_OAUTH_CODE_REDEEM, "verifier_mismatch");
    miq_oauth_code_redeem(utp, &x->db, &x->set, &x->client, "the-code", "short!", NULL, NULL,
                          &x->out);
    CU_ASSERT_STRING_EQUAL(last_call(x->f, MIQ_SQL_OAUTH_CODE_REDEEM)->args[MIQ_ORD_CHALLENGE],
                           "(malformed verifier)");
    CU_ASSERT_STRING_EQUAL(x->out.error, "invalid_grant");
}

static void test_code_redeem_request_and_database_errors(void)
{
    fixture *x = setup_fx();
    miq_oauth_client two = x->client;
    /* no verifier: refused before the database, in the trail */
    CU_ASSERT_EQUAL(miq_oauth_code_redeem(utp, &x->db, &x->set, &x->client, "the-code", NULL, NULL,
                                          NULL, &x->out),
                    -1);
    CU_ASSERT_STRING_EQUAL(x->out.error, "invalid_request");
    CU_ASSERT_STRING_EQUAL(x->out.description, "code and code_verifier are required (PKCE S256)");
    expect_calls(x->f, MIQ_SQL_OAUTH_TRAIL_ADD, -1);
    expect_trail(x->f, "token", "invalid_request", NULL);
    /* several redirect URIs: redirect_uri is required */
    reset(x->f);
    two.redirect_uris = uris(REDIRECT, "https://chatgpt.com/other");
    CU_ASSERT_EQUAL(miq_oauth_code_redeem(utp, &x->db, &x->set, &two, "the-code", VERIFIER, NULL,
                                          NULL, &x->out),
                    -1);
    CU_ASSERT_STRING_EQUAL(x->out.description, "redirect_uri is required");
    expect_calls(x->f, MIQ_SQL_OAUTH_TRAIL_ADD, -1);
    /* the database fails, or answers no row: 503, no trail */
    reset(x->f);
    can_fail(x->f, MIQ_SQL_OAUTH_CODE_REDEEM);
    CU_ASSERT_EQUAL(miq_oauth_code_redeem(utp, &x->db, &x->set, &x->client, "the-code", VERIFIER,
                                          NULL, NULL, &x->out),
                    -1);
    CU_ASSERT_STRING_EQUAL(x->out.error, "temporarily_unavailable");
    CU_ASSERT_STRING_EQUAL(x->out.description, "the authorization database is unavailable");
    expect_calls(x->f, MIQ_SQL_OAUTH_CODE_REDEEM, -1);
    reset(x->f);
    can_none(x->f, MIQ_SQL_OAUTH_CODE_REDEEM);
    CU_ASSERT_EQUAL(miq_oauth_code_redeem(utp, &x->db, &x->set, &x->client, "the-code", VERIFIER,
                                          NULL, NULL, &x->out),
                    -1);
    CU_ASSERT_STRING_EQUAL(x->out.error, "temporarily_unavailable");
    expect_calls(x->f, MIQ_SQL_OAUTH_CODE_REDEEM, -1);
}

/* ---- refresh_token grant ------------------------------------------------------------ */

static void test_refresh_rotation_is_derived_and_repeatable(void)
{
    fixture *x = setup_fx();
    miq_oauth_pair first;
    const char *rt, *access, *refresh;
    const call *k;
    json_t *b;
    CU_ASSERT_PTR_NULL_FATAL(miq_oauth_pair_new(utp, &first));
    rt = first.refresh;
    can_grant(x, MIQ_SQL_OAUTH_REFRESH, "rotated");
    CU_ASSERT_EQUAL(miq_oauth_refresh_rotate(utp, &x->db, &x->set, &x->client, rt, MCP_URL,
                                             &x->out),
                    0);
    b = body_of(&x->out);
    access = miq_json_str(b, "access_token", "");
    refresh = miq_json_str(b, "refresh_token", "");
    CU_ASSERT_STRING_NOT_EQUAL(refresh, rt);
    CU_ASSERT_EQUAL(miq_json_int(b, "expires_in", -1), 3600);
    expect_calls(x->f, MIQ_SQL_OAUTH_REFRESH, MIQ_SQL_OAUTH_TRAIL_ADD, -1);
    k = last_call(x->f, MIQ_SQL_OAUTH_REFRESH);
    CU_ASSERT_EQUAL(k->nargs, MIQ_ORF_NARGS);
    CU_ASSERT_STRING_EQUAL(k->args[MIQ_ORF_REFRESH_HASH], miq_token_hash(utp, rt));
    CU_ASSERT_STRING_EQUAL(k->args[MIQ_ORF_CLIENT], CLIENT);
    CU_ASSERT_STRING_EQUAL(k->args[MIQ_ORF_RESOURCE], MCP_URL);
    CU_ASSERT_STRING_EQUAL(k->args[MIQ_ORF_NEXT_REFRESH_HASH], miq_token_hash(utp, refresh));
    CU_ASSERT_STRING_EQUAL(k->args[MIQ_ORF_ACCESS_HASH], miq_token_hash(utp, access));
    CU_ASSERT_STRING_EQUAL(k->args[MIQ_ORF_TOKEN_NAME], "OAuth: ChatGPT");
    CU_ASSERT_STRING_EQUAL(k->args[MIQ_ORF_ACCESS_TTL_S], "3600");
    CU_ASSERT_STRING_EQUAL(k->args[MIQ_ORF_REFRESH_TTL_S], "86400");
    CU_ASSERT_STRING_EQUAL(k->args[MIQ_ORF_GRACE_S], "30");
    expect_trail(x->f, "refresh", NULL, "42");
    CU_ASSERT_PTR_NOT_NULL(
        strstr(last_call(x->f, MIQ_SQL_OAUTH_TRAIL_ADD)->args[MIQ_OTR_DETAIL], "family fam_0011"));

    /* a retry within the grace period gets the same pair */
    reset(x->f);
    can_grant(x, MIQ_SQL_OAUTH_REFRESH, "grace");
    CU_ASSERT_EQUAL(miq_oauth_refresh_rotate(utp, &x->db, &x->set, &x->client, rt, MCP_URL,
                                             &x->out),
                    0);
    b = body_of(&x->out);
    CU_ASSERT_STRING_EQUAL(miq_json_str(b, "access_token", ""), access);
    CU_ASSERT_STRING_EQUAL(miq_json_str(b, "refresh_token", ""), refresh);
    expect_trail(x->f, "refresh", NULL, "42");
    CU_ASSERT_PTR_NOT_NULL(strstr(last_call(x->f, MIQ_SQL_OAUTH_TRAIL_ADD)->args[MIQ_OTR_DETAIL],
                                  "retry within the grace period"));
}

static void test_refresh_refusals(void)
{
    fixture *x = setup_fx();
    miq_oauth_pair first;
    static const struct {
        const char *outcome, *error, *text;
    } cases[] = {
        {"reuse", "invalid_grant",
         "the refresh token was already used; every token of this authorization is revoked"},
        {"revoked", "invalid_grant", "the authorization was revoked"},
        {"expired", "invalid_grant", "expired"},
        {"client_mismatch", "invalid_grant", "issued to another client"},
        {"resource_mismatch", "invalid_target", "resource differs from the authorization"},
    };
    apr_size_t i;
    CU_ASSERT_PTR_NULL_FATAL(miq_oauth_pair_new(utp, &first));
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        reset(x->f);
        can_grant(x, MIQ_SQL_OAUTH_REFRESH, cases[i].outcome);
        CU_ASSERT_EQUAL(miq_oauth_refresh_rotate(utp, &x->db, &x->set, &x->client, first.refresh,
                                                 NULL, &x->out),
                        -1);
        CU_ASSERT_STRING_EQUAL(x->out.error, cases[i].error);
        CU_ASSERT_STRING_EQUAL(x->out.description,
                               apr_pstrcat(utp, "refresh token: ", cases[i].text, NULL));
        expect_calls(x->f, MIQ_SQL_OAUTH_REFRESH, MIQ_SQL_OAUTH_TRAIL_ADD, -1);
        expect_trail(x->f, "refresh", cases[i].error, "42");
    }
    /* missing, or not a refresh token at all: refused before the database */
    reset(x->f);
    CU_ASSERT_EQUAL(miq_oauth_refresh_rotate(utp, &x->db, &x->set, &x->client, NULL, NULL, &x->out),
                    -1);
    CU_ASSERT_STRING_EQUAL(x->out.error, "invalid_request");
    CU_ASSERT_STRING_EQUAL(x->out.description, "refresh_token is required");
    reset(x->f);
    CU_ASSERT_EQUAL(miq_oauth_refresh_rotate(utp, &x->db, &x->set, &x->client, "miq_rt_short", NULL,
                                             &x->out),
                    -1);
    CU_ASSERT_STRING_EQUAL(x->out.error, "invalid_grant");
    CU_ASSERT_STRING_EQUAL(x->out.description, "unknown refresh token");
    expect_calls(x->f, MIQ_SQL_OAUTH_TRAIL_ADD, -1);
    /* the database fails: 503 without a trail */
    reset(x->f);
    can_fail(x->f, MIQ_SQL_OAUTH_REFRESH);
    CU_ASSERT_EQUAL(miq_oauth_refresh_rotate(utp, &x->db, &x->set, &x->client, first.refresh, NULL,
                                             &x->out),
                    -1);
    CU_ASSERT_STRING_EQUAL(x->out.error, "temporarily_unavailable");
    expect_calls(x->f, MIQ_SQL_OAUTH_REFRESH, -1);
}

/* ---- revocation and introspection --------------------------------------------------- */

/* A TOKEN_FIND row. */
static void can_token(fixture *x, const char *kind, const char *client, const char *state)
{
    can(x->f, MIQ_SQL_OAUTH_TOKEN_FIND, MIQ_OTK_COLS, kind,
        !strcmp(kind, "access") ? "tok_0011" : "", "fam_0011", client, "42", "audio/*", MCP_URL,
        state, "1767326645", "1767323045");
}

static void test_revoke(void)
{
    fixture *x = setup_fx();
    const call *k;
    /* an access token of the client: that token only */
    can_token(x, "access", CLIENT, "active");
    CU_ASSERT_EQUAL(miq_oauth_token_revoke(utp, &x->db, &x->client, "miq_conn_x", &x->out), 0);
    CU_ASSERT_PTR_NULL(x->out.error);
    CU_ASSERT_PTR_NULL(x->out.body);
    expect_calls(x->f, MIQ_SQL_OAUTH_TOKEN_FIND, MIQ_SQL_OAUTH_ACCESS_REVOKE,
                 MIQ_SQL_OAUTH_TRAIL_ADD, -1);
    k = last_call(x->f, MIQ_SQL_OAUTH_TOKEN_FIND);
    CU_ASSERT_STRING_EQUAL(k->args[0], miq_token_hash(utp, "miq_conn_x"));
    CU_ASSERT_STRING_EQUAL(k->args[1], k->args[0]);
    CU_ASSERT_STRING_EQUAL(last_call(x->f, MIQ_SQL_OAUTH_ACCESS_REVOKE)->args[0], "tok_0011");
    expect_trail(x->f, "revoke", NULL, "42");
    /* a refresh token: its whole family */
    reset(x->f);
    can_token(x, "refresh", CLIENT, "active");
    CU_ASSERT_EQUAL(miq_oauth_token_revoke(utp, &x->db, &x->client, "miq_rt_x", &x->out), 0);
    expect_calls(x->f, MIQ_SQL_OAUTH_TOKEN_FIND, MIQ_SQL_OAUTH_FAMILY_REVOKE,
                 MIQ_SQL_OAUTH_TRAIL_ADD, -1);
    k = last_call(x->f, MIQ_SQL_OAUTH_FAMILY_REVOKE);
    CU_ASSERT_EQUAL(k->nargs, MIQ_OFR_NARGS);
    CU_ASSERT_STRING_EQUAL(k->args[MIQ_OFR_FAMILY], "fam_0011");
    CU_ASSERT_STRING_EQUAL(k->args[MIQ_OFR_REASON], "revoked");
    /* another client's token, or an unknown one: 200, nothing revoked */
    reset(x->f);
    can_token(x, "access", GATEWAY, "active");
    CU_ASSERT_EQUAL(miq_oauth_token_revoke(utp, &x->db, &x->client, "miq_conn_x", &x->out), 0);
    CU_ASSERT_PTR_NULL(x->out.error);
    expect_calls(x->f, MIQ_SQL_OAUTH_TOKEN_FIND, MIQ_SQL_OAUTH_TRAIL_ADD, -1);
    expect_trail(x->f, "revoke", NULL, NULL);
    CU_ASSERT_STRING_EQUAL(last_call(x->f, MIQ_SQL_OAUTH_TRAIL_ADD)->args[MIQ_OTR_DETAIL],
                           "token of another client: nothing revoked");
    reset(x->f);
    can_none(x->f, MIQ_SQL_OAUTH_TOKEN_FIND);
    CU_ASSERT_EQUAL(miq_oauth_token_revoke(utp, &x->db, &x->client, "miq_conn_x", &x->out), 0);
    expect_calls(x->f, MIQ_SQL_OAUTH_TOKEN_FIND, MIQ_SQL_OAUTH_TRAIL_ADD, -1);
    CU_ASSERT_STRING_EQUAL(last_call(x->f, MIQ_SQL_OAUTH_TRAIL_ADD)->args[MIQ_OTR_DETAIL],
                           "unknown token: nothing revoked");
    /* database errors: 503 */
    reset(x->f);
    can_fail(x->f, MIQ_SQL_OAUTH_TOKEN_FIND);
    CU_ASSERT_EQUAL(miq_oauth_token_revoke(utp, &x->db, &x->client, "miq_conn_x", &x->out), -1);
    CU_ASSERT_STRING_EQUAL(x->out.error, "temporarily_unavailable");
    CU_ASSERT_STRING_EQUAL(x->out.description, "the database is unavailable");
    expect_calls(x->f, MIQ_SQL_OAUTH_TOKEN_FIND, -1);
    reset(x->f);
    can_token(x, "access", CLIENT, "active");
    can_fail(x->f, MIQ_SQL_OAUTH_ACCESS_REVOKE);
    CU_ASSERT_EQUAL(miq_oauth_token_revoke(utp, &x->db, &x->client, "miq_conn_x", &x->out), -1);
    CU_ASSERT_STRING_EQUAL(x->out.error, "temporarily_unavailable");
    expect_calls(x->f, MIQ_SQL_OAUTH_TOKEN_FIND, MIQ_SQL_OAUTH_ACCESS_REVOKE, -1);
}

static void test_introspect(void)
{
    fixture *x = setup_fx();
    json_t *b;
    can_token(x, "access", CLIENT, "active");
    CU_ASSERT_EQUAL(miq_oauth_token_introspect(utp, &x->db, &x->set, &x->client, "miq_conn_x",
                                               &x->out),
                    0);
    b = body_of(&x->out);
    CU_ASSERT_TRUE(json_is_true(json_object_get(b, "active")));
    CU_ASSERT_STRING_EQUAL(miq_json_str(b, "client_id", ""), CLIENT);
    CU_ASSERT_STRING_EQUAL(miq_json_str(b, "scope", ""), "audio/*");
    CU_ASSERT_STRING_EQUAL(miq_json_str(b, "token_type", ""), "Bearer");
    CU_ASSERT_STRING_EQUAL(miq_json_str(b, "sub", ""), "42");
    CU_ASSERT_STRING_EQUAL(miq_json_str(b, "aud", ""), MCP_URL);
    CU_ASSERT_STRING_EQUAL(miq_json_str(b, "iss", ""), "https://api.test");
    CU_ASSERT_EQUAL(miq_json_int(b, "exp", -1), 1767326645);
    CU_ASSERT_EQUAL(miq_json_int(b, "iat", -1), 1767323045);
    expect_calls(x->f, MIQ_SQL_OAUTH_TOKEN_FIND, -1);
    /* a refresh token */
    can_token(x, "refresh", CLIENT, "active");
    miq_oauth_token_introspect(utp, &x->db, &x->set, &x->client, "miq_rt_x", &x->out);
    CU_ASSERT_STRING_EQUAL(miq_json_str(body_of(&x->out), "token_type", ""), "refresh_token");
    /* a public client learns nothing about another client's token; a gateway does */
    can_token(x, "access", GATEWAY, "active");
    miq_oauth_token_introspect(utp, &x->db, &x->set, &x->client, "miq_conn_x", &x->out);
    CU_ASSERT_STRING_EQUAL(x->out.body, "{\"active\":false}");
    can_token(x, "access", CLIENT, "active");
    miq_oauth_token_introspect(utp, &x->db, &x->set, &x->gateway, "miq_conn_x", &x->out);
    CU_ASSERT_TRUE(json_is_true(json_object_get(body_of(&x->out), "active")));
    /* review #13: a dynamically registered client with a secret is no gateway */
    {
        miq_oauth_client dcr = x->gateway;
        dcr.client_id = "mcp_00112233445566778899aabbccddeeff";
        dcr.source = "dcr";
        can_token(x, "access", CLIENT, "active");
        miq_oauth_token_introspect(utp, &x->db, &x->set, &dcr, "miq_conn_x", &x->out);
        CU_ASSERT_STRING_EQUAL(x->out.body, "{\"active\":false}");
        dcr.source = "cimd";
        miq_oauth_token_introspect(utp, &x->db, &x->set, &dcr, "miq_conn_x", &x->out);
        CU_ASSERT_STRING_EQUAL(x->out.body, "{\"active\":false}");
        /* its own tokens, yes */
        can_token(x, "access", dcr.client_id, "active");
        miq_oauth_token_introspect(utp, &x->db, &x->set, &dcr, "miq_conn_x", &x->out);
        CU_ASSERT_TRUE(json_is_true(json_object_get(body_of(&x->out), "active")));
    }
    /* revoked or expired, unknown */
    can_token(x, "access", CLIENT, "inactive");
    miq_oauth_token_introspect(utp, &x->db, &x->set, &x->client, "miq_conn_x", &x->out);
    CU_ASSERT_STRING_EQUAL(x->out.body, "{\"active\":false}");
    can_none(x->f, MIQ_SQL_OAUTH_TOKEN_FIND);
    miq_oauth_token_introspect(utp, &x->db, &x->set, &x->client, "miq_conn_x", &x->out);
    CU_ASSERT_STRING_EQUAL(x->out.body, "{\"active\":false}");
    can_fail(x->f, MIQ_SQL_OAUTH_TOKEN_FIND);
    CU_ASSERT_EQUAL(miq_oauth_token_introspect(utp, &x->db, &x->set, &x->client, "miq_conn_x",
                                               &x->out),
                    -1);
    CU_ASSERT_STRING_EQUAL(x->out.error, "temporarily_unavailable");
}

/* ---- clients ------------------------------------------------------------------------ */

#define DCR_ID  "mcp_00112233445566778899aabbccddeeff"
#define CIMD_ID "https://app.example/oauth/client.json"

static void test_client_find(void)
{
    fixture *x = setup_fx();
    miq_oauth_client c;
    const char *why;
    /* pre-registered: no database */
    CU_ASSERT_EQUAL(miq_oauth_client_find(utp, &x->db, &x->set, CLIENT, &c, &why), 1);
    CU_ASSERT_STRING_EQUAL(c.name, "ChatGPT");
    CU_ASSERT_EQUAL(x->f->ncalls, 0);
    /* registered (dcr) */
    can(x->f, MIQ_SQL_OAUTH_CLIENT_GET, MIQ_OCL_COLS, "dcr", "Inspector", "mcp",
        "[\"http://127.0.0.1/cb\"]", "client_secret_basic", "abcdef", "fresh");
    CU_ASSERT_EQUAL(miq_oauth_client_find(utp, &x->db, &x->set, DCR_ID, &c, &why), 1);
    CU_ASSERT_STRING_EQUAL(c.client_id, DCR_ID);
    CU_ASSERT_STRING_EQUAL(c.name, "Inspector");
    CU_ASSERT_STRING_EQUAL(c.auth_method, "client_secret_basic");
    CU_ASSERT_STRING_EQUAL(c.secret_hash, "abcdef");
    CU_ASSERT_EQUAL(c.redirect_uris->nelts, 1);
    expect_calls(x->f, MIQ_SQL_OAUTH_CLIENT_GET, -1);
    CU_ASSERT_STRING_EQUAL(last_call(x->f, MIQ_SQL_OAUTH_CLIENT_GET)->args[0], DCR_ID);
    /* an mcp_ id whose row is a metadata document's is not a registered client */
    can(x->f, MIQ_SQL_OAUTH_CLIENT_GET, MIQ_OCL_COLS, "cimd", "X", "mcp", "[\"https://a.b/c\"]",
        "none", "", "fresh");
    CU_ASSERT_EQUAL(miq_oauth_client_find(utp, &x->db, &x->set, DCR_ID, &c, &why), 0);
    /* a fresh cached metadata document: no fetch, no write */
    reset(x->f);
    CU_ASSERT_EQUAL(miq_oauth_client_find(utp, &x->db, &x->set, CIMD_ID, &c, &why), 1);
    CU_ASSERT_STRING_EQUAL(c.client_id, CIMD_ID);
    CU_ASSERT_PTR_NULL(c.secret_hash);
    expect_calls(x->f, MIQ_SQL_OAUTH_CLIENT_GET, -1);
    /* unknown; registration disabled; not an mcp_ id; the database fails */
    reset(x->f);
    can_none(x->f, MIQ_SQL_OAUTH_CLIENT_GET);
    CU_ASSERT_EQUAL(miq_oauth_client_find(utp, &x->db, &x->set, DCR_ID, &c, &why), 0);
    CU_ASSERT_PTR_NULL(why);
    CU_ASSERT_EQUAL(miq_oauth_client_find(utp, &x->db, &x->set, "someone", &c, &why), 0);
    CU_ASSERT_EQUAL(miq_oauth_client_find(utp, &x->db, &x->set, NULL, &c, &why), 0);
    x->set.dcr = 0;
    CU_ASSERT_EQUAL(miq_oauth_client_find(utp, &x->db, &x->set, DCR_ID, &c, &why), 0);
    expect_calls(x->f, MIQ_SQL_OAUTH_CLIENT_GET, -1);
    x->set.dcr = 1;
    can_fail(x->f, MIQ_SQL_OAUTH_CLIENT_GET);
    CU_ASSERT_EQUAL(miq_oauth_client_find(utp, &x->db, &x->set, DCR_ID, &c, &why), -1);
    CU_ASSERT_EQUAL(miq_oauth_client_find(utp, &x->db, &x->set, CIMD_ID, &c, &why), -1);
}

static void test_client_check(void)
{
    fixture *x = setup_fx();
    miq_oauth_client c;
    CU_ASSERT_EQUAL(miq_oauth_client_check(utp, &x->db, &x->set, CLIENT, "none", NULL, &c, &x->out),
                    0);
    CU_ASSERT_STRING_EQUAL(c.client_id, CLIENT);
    CU_ASSERT_EQUAL(miq_oauth_client_check(utp, &x->db, &x->set, GATEWAY, "client_secret_basic",
                                           GW_SECRET, &c, &x->out),
                    0);
    CU_ASSERT_STRING_EQUAL(c.client_id, GATEWAY);
    /* wrong secret, missing secret, a secret for a public client */
    CU_ASSERT_EQUAL(miq_oauth_client_check(utp, &x->db, &x->set, GATEWAY, "client_secret_post",
                                           "wrong", &c, &x->out),
                    -1);
    CU_ASSERT_STRING_EQUAL(x->out.error, "invalid_client");
    CU_ASSERT_STRING_EQUAL(x->out.description, "client authentication failed");
    CU_ASSERT_PTR_NULL(c.client_id);
    CU_ASSERT_EQUAL(miq_oauth_client_check(utp, &x->db, &x->set, GATEWAY, "none", NULL, &c,
                                           &x->out),
                    -1);
    CU_ASSERT_STRING_EQUAL(x->out.error, "invalid_client");
    CU_ASSERT_EQUAL(miq_oauth_client_check(utp, &x->db, &x->set, CLIENT, "client_secret_post", "s",
                                           &c, &x->out),
                    -1);
    CU_ASSERT_PTR_NULL(c.client_id);
    /* unknown, database down */
    can_none(x->f, MIQ_SQL_OAUTH_CLIENT_GET);
    CU_ASSERT_EQUAL(miq_oauth_client_check(utp, &x->db, &x->set, DCR_ID, "none", NULL, &c, &x->out),
                    -1);
    CU_ASSERT_STRING_EQUAL(x->out.error, "invalid_client");
    CU_ASSERT_STRING_EQUAL(x->out.description, "unknown client: register again");
    can_fail(x->f, MIQ_SQL_OAUTH_CLIENT_GET);
    CU_ASSERT_EQUAL(miq_oauth_client_check(utp, &x->db, &x->set, DCR_ID, "none", NULL, &c, &x->out),
                    -1);
    CU_ASSERT_STRING_EQUAL(x->out.error, "temporarily_unavailable");
    CU_ASSERT_STRING_EQUAL(x->out.description, "the authorization database is unavailable");
    CU_ASSERT_PTR_NULL(c.client_id);
}

static void test_client_register(void)
{
    fixture *x = setup_fx();
    miq_oauth_client c;
    const char *rq = "{\"client_name\":\"Inspector\",\"redirect_uris\":[\"http://127.0.0.1/cb\"],"
                     "\"token_endpoint_auth_method\":\"none\",\"client_secret\":\"leak\"}";
    json_t *req = miq_json_parse(utp, rq, strlen(rq), NULL), *b, *meta;
    const call *k;
    const char *id, *secret;
    memset(&c, 0, sizeof(c));
    c.name = "Inspector";
    c.connector = "mcp";
    c.redirect_uris = uris("http://127.0.0.1/cb", NULL);
    c.auth_method = "none";
    can(x->f, MIQ_SQL_OAUTH_CLIENT_PUT, 1, "1");
    CU_ASSERT_EQUAL(miq_oauth_client_register(utp, &x->db, &c, req, &x->out), 0);
    b = body_of(&x->out);
    id = miq_json_str(b, "client_id", "");
    CU_ASSERT_EQUAL(strncmp(id, "mcp_", 4), 0);
    CU_ASSERT_EQUAL(strlen(id), 36);
    CU_ASSERT_PTR_NULL(json_object_get(b, "client_secret"));
    CU_ASSERT_STRING_EQUAL(miq_json_str(b, "token_endpoint_auth_method", ""), "none");
    CU_ASSERT_STRING_EQUAL(miq_json_str(b, "client_name", ""), "Inspector");
    CU_ASSERT_EQUAL(json_array_size(json_object_get(b, "redirect_uris")), 1);
    expect_calls(x->f, MIQ_SQL_OAUTH_CLIENT_PUT, MIQ_SQL_OAUTH_TRAIL_ADD, -1);
    k = last_call(x->f, MIQ_SQL_OAUTH_CLIENT_PUT);
    CU_ASSERT_EQUAL(k->nargs, MIQ_OCP_NARGS);
    CU_ASSERT_STRING_EQUAL(k->args[MIQ_OCP_ID], id);
    CU_ASSERT_STRING_EQUAL(k->args[MIQ_OCP_SOURCE], "dcr");
    CU_ASSERT_STRING_EQUAL(k->args[MIQ_OCP_NAME], "Inspector");
    CU_ASSERT_STRING_EQUAL(k->args[MIQ_OCP_REDIRECTS], "[\"http://127.0.0.1/cb\"]");
    CU_ASSERT_STRING_EQUAL(k->args[MIQ_OCP_AUTH_METHOD], "none");
    CU_ASSERT_PTR_NULL(k->args[MIQ_OCP_SECRET_HASH]);
    CU_ASSERT_STRING_EQUAL(k->args[MIQ_OCP_CACHE_S], "0");
    CU_ASSERT_STRING_EQUAL(k->args[MIQ_OCP_CACHE_S_AGAIN], "0");
    /* the stored metadata never holds what looks secret */
    meta = miq_json_parse(utp, k->args[MIQ_OCP_METADATA], strlen(k->args[MIQ_OCP_METADATA]), NULL);
    CU_ASSERT_PTR_NULL(json_object_get(meta, "client_secret"));
    CU_ASSERT_STRING_EQUAL(miq_json_str(meta, "client_name", ""), "Inspector");
    expect_trail(x->f, "register", NULL, NULL);
    CU_ASSERT_STRING_EQUAL(last_call(x->f, MIQ_SQL_OAUTH_TRAIL_ADD)->args[MIQ_OTR_CLIENT], id);

    /* a confidential client gets a secret, shown once, stored as its hash */
    reset(x->f);
    c.auth_method = "client_secret_basic";
    CU_ASSERT_EQUAL(miq_oauth_client_register(utp, &x->db, &c, req, &x->out), 0);
    b = body_of(&x->out);
    secret = miq_json_str(b, "client_secret", "");
    CU_ASSERT_EQUAL(strncmp(secret, MIQ_OAUTH_SECRET_PREFIX, strlen(MIQ_OAUTH_SECRET_PREFIX)), 0);
    CU_ASSERT_EQUAL(miq_json_int(b, "client_secret_expires_at", -1), 0);
    CU_ASSERT_STRING_EQUAL(last_call(x->f, MIQ_SQL_OAUTH_CLIENT_PUT)->args[MIQ_OCP_SECRET_HASH],
                           miq_token_hash(utp, secret));

    /* not stored (no row, or the database fails): 503, no trail */
    reset(x->f);
    can_none(x->f, MIQ_SQL_OAUTH_CLIENT_PUT);
    CU_ASSERT_EQUAL(miq_oauth_client_register(utp, &x->db, &c, req, &x->out), -1);
    CU_ASSERT_STRING_EQUAL(x->out.error, "temporarily_unavailable");
    CU_ASSERT_STRING_EQUAL(x->out.description, "the client was not stored");
    expect_calls(x->f, MIQ_SQL_OAUTH_CLIENT_PUT, -1);
    reset(x->f);
    can_fail(x->f, MIQ_SQL_OAUTH_CLIENT_PUT);
    CU_ASSERT_EQUAL(miq_oauth_client_register(utp, &x->db, &c, req, &x->out), -1);
    CU_ASSERT_STRING_EQUAL(x->out.error, "temporarily_unavailable");
}

/* ---- the trail -------------------------------------------------------------------- */

static void test_trail_add(void)
{
    fixture *x = setup_fx();
    const call *k;
    char *long_id = apr_pcalloc(utp, 300);
    memset(long_id, 'c', 256);
    CU_ASSERT_EQUAL(miq_oauth_trail_add(utp, &x->db, CORR, long_id, "", "authorize",
                                        "invalid_client", "unknown client"),
                    0);
    k = last_call(x->f, MIQ_SQL_OAUTH_TRAIL_ADD);
    CU_ASSERT_STRING_EQUAL(k->args[MIQ_OTR_CORRELATION], CORR);
    CU_ASSERT_PTR_NULL(k->args[MIQ_OTR_CLIENT]); /* over 255 characters */
    CU_ASSERT_PTR_NULL(k->args[MIQ_OTR_ACCOUNT]);
    CU_ASSERT_STRING_EQUAL(k->args[MIQ_OTR_STEP], "authorize");
    CU_ASSERT_STRING_EQUAL(k->args[MIQ_OTR_OUTCOME], "error");
    CU_ASSERT_STRING_EQUAL(k->args[MIQ_OTR_ERROR], "invalid_client");
    CU_ASSERT_STRING_EQUAL(k->args[MIQ_OTR_DETAIL], "unknown client");
    /* without a correlation id or a database: nothing */
    reset(x->f);
    CU_ASSERT_EQUAL(miq_oauth_trail_add(utp, &x->db, NULL, CLIENT, "42", "token", NULL, NULL), 0);
    CU_ASSERT_EQUAL(miq_oauth_trail_add(utp, NULL, CORR, CLIENT, "42", "token", NULL, NULL), 0);
    CU_ASSERT_EQUAL(x->f->ncalls, 0);
    can_fail(x->f, MIQ_SQL_OAUTH_TRAIL_ADD);
    CU_ASSERT_EQUAL(miq_oauth_trail_add(utp, &x->db, CORR, CLIENT, "42", "token", NULL, NULL), -1);
}

MIQ_SUITE("oauth_grants", MIQ_TEST(test_code_issue_stores_the_hash_and_trails),
          MIQ_TEST(test_code_redeem_issues_the_first_pair), MIQ_TEST(test_code_redeem_refusals),
          MIQ_TEST(test_code_redeem_request_and_database_errors),
          MIQ_TEST(test_refresh_rotation_is_derived_and_repeatable),
          MIQ_TEST(test_refresh_refusals), MIQ_TEST(test_revoke), MIQ_TEST(test_introspect),
          MIQ_TEST(test_client_find), MIQ_TEST(test_client_check), MIQ_TEST(test_client_register),
          MIQ_TEST(test_trail_add))
