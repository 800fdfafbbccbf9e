/* Dashboard accounts for the suites: sign-up with a unique address and a
 * random password, session cookies and CSRF headers, API keys and connector
 * tokens, and the list of every secret the run handled (the last suite checks
 * that none reached a log or a table). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <apr_general.h>
#include <apr_strings.h>
#include "base/miq_json.h"
#include "it_support.h"

static apr_array_header_t *secret_list;

void it_secret_note(const char *s)
{
    if (!s || !*s)
        return;
    if (!secret_list)
        secret_list = apr_array_make(it_root_pool, 64, sizeof(const char *));
    APR_ARRAY_PUSH(secret_list, const char *) = apr_pstrdup(it_root_pool, s);
}

const apr_array_header_t *it_secrets(void)
{
    if (!secret_list)
        secret_list = apr_array_make(it_root_pool, 64, sizeof(const char *));
    return secret_list;
}

const char *it_unique_email(const char *tag)
{
    static int n;
    return apr_psprintf(itp, "itest-%s-%d-%d-%" APR_TIME_T_FMT "@example.com", tag, (int)getpid(),
                        ++n, apr_time_now());
}

typedef struct cookie_find {
    const char *name, *value, *attrs;
    apr_pool_t *p;
} cookie_find;

static int find_cookie(void *baton, const char *key, const char *value)
{
    cookie_find *f = baton;
    apr_size_t n = strlen(f->name);
    const char *end;
    (void)key;
    if (strncmp(value, f->name, n) || value[n] != '=')
        return 1;
    end = strchr(value + n + 1, ';');
    f->value = end ? apr_pstrndup(f->p, value + n + 1, (apr_size_t)(end - value - n - 1))
                   : apr_pstrdup(f->p, value + n + 1);
    f->attrs = value;
    return 0;
}

const char *it_set_cookie(const it_resp *r, const char *name, const char **attrs)
{
    cookie_find f = {name, NULL, NULL, itp};
    if (r && r->headers)
        apr_table_do(find_cookie, &f, r->headers, "Set-Cookie", NULL);
    if (attrs)
        *attrs = f.attrs;
    return f.value;
}

/* A password that passes the policy: 24 random hex characters. */
static const char *random_password(void)
{
    unsigned char b[12];
    char hex[25];
    int i;
    apr_generate_random_bytes(b, sizeof(b));
    for (i = 0; i < 12; i++)
        snprintf(hex + 2 * i, 3, "%02x", b[i]);
    return apr_pstrcat(itp, "pw-", hex, NULL);
}

it_account *it_signup(const char *tag)
{
    static const char *const h[] = {"Content-Type: application/json", NULL};
    it_account *a = apr_pcalloc(itp, sizeof(*a));
    const char *body;
    it_resp *r;
    a->email = it_unique_email(tag);
    a->password = random_password();
    it_secret_note(a->password);
    body = apr_psprintf(itp, "{\"email\":%s,\"password\":%s}", it_quote(a->email),
                        it_quote(a->password));
    r = it_request("POST", "/api/auth/signup", h, body, strlen(body));
    if (r->status != 201) {
        it_show("signup failed", r);
        return NULL;
    }
    /* signup starts no session: login is the only way in */
    r = it_request("POST", "/api/auth/login", h, body, strlen(body));
    a->cookie = it_set_cookie(r, "miq_session", NULL);
    a->csrf = miq_json_str(r->json, "csrf_token", NULL);
    a->account_id = miq_json_str(r->json, "account_id", NULL);
    it_secret_note(a->cookie);
    it_secret_note(a->csrf);
    if (r->status != 200 || !a->cookie || !a->csrf || !a->account_id) {
        it_show("login after signup failed", r);
        return NULL;
    }
    return a;
}

const char *const *it_session_headers(const it_account *a, int csrf, const char *const *extra)
{
    const char *h[3] = {NULL, NULL, NULL};
    h[0] = apr_pstrcat(itp, "Cookie: miq_session=", a && a->cookie ? a->cookie : "", NULL);
    if (csrf)
        h[1] = apr_pstrcat(itp, "X-CSRF-Token: ", a && a->csrf ? a->csrf : "", NULL);
    return it_concat_headers(h, extra);
}

const char *it_create_token(const it_account *a, const char *collection, const char *body,
                            const char **token_id, it_resp **resp)
{
    static const char *const ct[] = {"Content-Type: application/json", NULL};
    it_resp *r = it_request("POST", apr_pstrcat(itp, "/api/dashboard/", collection, NULL),
                            it_session_headers(a, 1, ct), body, strlen(body));
    const char *token = miq_json_str(r->json, "token", NULL);
    if (resp)
        *resp = r;
    it_secret_note(token);
    if (token_id)
        *token_id = miq_json_str(r->json, "token_id", NULL);
    if (r->status != 201 || !token) {
        it_show("token creation failed", r);
        return NULL;
    }
    return token;
}

const char *it_bearer(const char *token)
{
    const char *h = apr_pstrcat(itp, "Authorization: Bearer ", token ? token : "", NULL);
    it_secret_note(h + strlen("Authorization: "));
    return h;
}
