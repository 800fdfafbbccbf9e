/* The dashboard's API keys and connector tokens of the signed-in account:
 * create (the secret is in the reply and nowhere else, ever), list without
 * secrets, revoke. */
#include <string.h>
#include <apr_strings.h>
#include "accounts/miq_accounts.h"
#include "accounts/miq_accounts_sql.h"
#include "base/miq_json.h"
#include "base/miq_log.h"
#include "base/miq_scope.h"

#define NAME_MAX_CHARS 100
#define EXPIRES_MIN_S  60
#define EXPIRES_MAX_S  (5 * 365 * 86400)

static apr_array_header_t *run(const miq_accounts_env *env, miq_sql_id_e id, int nargs,
                               const char *const *args, int *ncols)
{
    const char *err = NULL;
    *ncols = 0;
    return env->db ? env->db->query(env->db->baton, env->pool, id, nargs, args, ncols, &err) : NULL;
}

static void ok(const miq_accounts_env *env, miq_reply *out, int status, json_t *body)
{
    out->status = status;
    out->code = out->message = NULL;
    out->body = miq_json_pool(env->pool, body);
}

/* NULL for an empty date column (never used, never revoked...). */
static json_t *date_or_null(const char *v)
{
    return v && *v ? json_string(v) : json_null();
}

/* The canonical space-separated scopes as a JSON array. */
static json_t *scopes_array(apr_pool_t *p, const char *canonical)
{
    json_t *a = json_array();
    char *copy = apr_pstrdup(p, canonical ? canonical : ""), *last, *tok;
    for (tok = apr_strtok(copy, " ", &last); tok; tok = apr_strtok(NULL, " ", &last))
        json_array_append_new(a, json_string(tok));
    return a;
}

/* ---- create ------------------------------------------------------------ */

/* 1..100 characters (UTF-8 code points), no control characters. */
static const char *check_name(const char *name)
{
    const unsigned char *s;
    int chars = 0, visible = 0;
    if (!name)
        return "\"name\" is required (a string of 1 to 100 characters)";
    for (s = (const unsigned char *)name; *s; s++) {
        if (*s < 0x20 || *s == 0x7f)
            return "\"name\" must not contain control characters";
        if ((*s & 0xc0) != 0x80)
            chars++;
        if (*s != ' ')
            visible = 1;
    }
    if (!visible || chars > NAME_MAX_CHARS)
        return "\"name\" must be 1 to 100 characters";
    return NULL;
}

/* "scopes": a non-empty array of scope names; API keys default to "all". */
static const char *parse_scopes(apr_pool_t *p, const json_t *body, miq_token_kind_e kind,
                                unsigned *bits)
{
    json_t *arr = json_object_get(body, "scopes"), *v;
    const char *list = "";
    size_t i;
    if (!arr && kind == MIQ_TOKEN_API_KEY)
        return miq_scope_parse(p, "all", bits);
    if (!json_is_array(arr) || !json_array_size(arr))
        return "\"scopes\" must be a non-empty array, e.g. [\"all\"] or "
               "[\"audio/*\",\"video/*\"]";
    json_array_foreach(arr, i, v)
    {
        if (!json_is_string(v))
            return "every scope must be a string";
        list = apr_pstrcat(p, list, i ? " " : "", json_string_value(v), NULL);
    }
    return miq_scope_parse(p, list, bits);
}

/* "expires_in": absent or null for never, else whole seconds in range. */
static const char *parse_expires(const json_t *body, long *out)
{
    json_t *v = json_object_get(body, "expires_in");
    json_int_t s;
    *out = 0;
    if (!v || json_is_null(v))
        return NULL;
    if (!json_is_integer(v))
        return "\"expires_in\" must be a whole number of seconds";
    s = json_integer_value(v);
    if (s < EXPIRES_MIN_S || s > EXPIRES_MAX_S)
        return "\"expires_in\" must be between 60 seconds and 5 years (157680000)";
    *out = (long)s;
    return NULL;
}

void miq_api_token_create(const miq_accounts_env *env, const char *account_id,
                          miq_token_kind_e kind, const json_t *body, miq_reply *out)
{
    const char *err, *name, *scopes, *exp, *args[MIQ_TKA_N], **row;
    apr_array_header_t *rows;
    unsigned bits = 0;
    long expires_in;
    int ncols;
    miq_new_token nt;

    name = miq_json_str(body, "name", NULL);
    if ((err = check_name(name)) || (err = parse_scopes(env->pool, body, kind, &bits)) ||
        (err = parse_expires(body, &expires_in))) {
        miq_reply_err(out, 400, "invalid_request", err, NULL);
        return;
    }
    scopes = miq_scope_format(env->pool, bits);
    if ((err = miq_token_generate(env->pool, kind, &nt))) {
        miq_log_perror(MIQ_LOG_MARK, MIQ_LOG_ERR, 0, env->pool,
                       "MIQ10945: MomentIQ: token generation failed: %s", err);
        miq_reply_err(out, 500, "server_error", "the token could not be created", NULL);
        return;
    }
    exp = apr_ltoa(env->pool, expires_in);
    args[MIQ_TKA_ID] = nt.id;
    args[MIQ_TKA_ACCOUNT] = account_id;
    args[MIQ_TKA_KIND] = miq_token_kind_name(kind);
    args[MIQ_TKA_NAME] = name;
    args[MIQ_TKA_HASH] = nt.hash; /* the only form of the secret that is stored */
    args[MIQ_TKA_PREFIX] = nt.prefix;
    args[MIQ_TKA_SCOPES] = scopes;
    args[MIQ_TKA_VIA] = "dashboard";
    args[MIQ_TKA_EXPIRES_IN] = exp;
    args[MIQ_TKA_EXPIRES_IN2] = exp;
    rows = run(env, MIQ_SQL_TOKEN_CREATE, MIQ_TKA_N, args, &ncols);
    if (!rows || rows->nelts != 1 || ncols < MIQ_TKC_N) {
        miq_accounts_unavailable(out);
        return;
    }
    row = APR_ARRAY_IDX(rows, 0, const char **);
    ok(env, out, 201,
       json_pack("{s:s,s:s,s:s,s:s,s:o,s:s,s:s,s:o}", "token_id", nt.id, "token", nt.secret, "kind",
                 miq_token_kind_name(kind), "name", name, "scopes", scopes_array(env->pool, scopes),
                 "prefix", nt.prefix, "created_at",
                 row[MIQ_TKC_CREATED] ? row[MIQ_TKC_CREATED] : "", "expires_at",
                 date_or_null(row[MIQ_TKC_EXPIRES])));
}

/* ---- list and revoke ------------------------------------------------------ */

void miq_api_token_list(const miq_accounts_env *env, const char *account_id, miq_token_kind_e kind,
                        miq_reply *out)
{
    const char *args[MIQ_TLA_N];
    apr_array_header_t *rows;
    json_t *list;
    int ncols, i;

    args[MIQ_TLA_ACCOUNT] = account_id;
    args[MIQ_TLA_KIND] = miq_token_kind_name(kind);
    if (!(rows = run(env, MIQ_SQL_TOKEN_LIST, MIQ_TLA_N, args, &ncols))) {
        miq_accounts_unavailable(out);
        return;
    }
    list = json_array();
    for (i = 0; ncols >= MIQ_TLC_N && i < rows->nelts; i++) {
        const char **c = APR_ARRAY_IDX(rows, i, const char **);
        json_array_append_new(list,
                              json_pack("{s:s,s:s,s:s,s:o,s:s,s:o,s:o,s:o,s:s}", "token_id",
                                        c[MIQ_TLC_ID], "name", c[MIQ_TLC_NAME], "prefix",
                                        c[MIQ_TLC_PREFIX], "scopes",
                                        scopes_array(env->pool, c[MIQ_TLC_SCOPES]), "created_at",
                                        c[MIQ_TLC_CREATED] ? c[MIQ_TLC_CREATED] : "", "expires_at",
                                        date_or_null(c[MIQ_TLC_EXPIRES]), "last_used_at",
                                        date_or_null(c[MIQ_TLC_LAST_USED]), "revoked_at",
                                        date_or_null(c[MIQ_TLC_REVOKED]), "created_via",
                                        c[MIQ_TLC_VIA] ? c[MIQ_TLC_VIA] : ""));
    }
    ok(env, out, 200, json_pack("{s:o}", "tokens", list));
}

void miq_api_token_revoke(const miq_accounts_env *env, const char *account_id,
                          miq_token_kind_e kind, const char *token_id, miq_reply *out)
{
    const char *args[MIQ_TRA_N], *kname = miq_token_kind_name(kind);
    apr_array_header_t *rows;
    int ncols;
    args[MIQ_TRA_ID] = token_id;
    args[MIQ_TRA_ACCOUNT] = account_id;
    args[MIQ_TRA_KIND] = kname;
    args[MIQ_TRA_FAMILY_EXCEPT] = token_id;
    args[MIQ_TRA_ID2] = token_id;
    args[MIQ_TRA_ACCOUNT2] = account_id;
    args[MIQ_TRA_KIND2] = kname;
    if (!(rows = run(env, MIQ_SQL_TOKEN_REVOKE, MIQ_TRA_N, args, &ncols))) {
        miq_accounts_unavailable(out);
        return;
    }
    /* Another account's token looks exactly like an unknown one. */
    if (!rows->nelts) {
        miq_reply_err(out, 404, "not_found", "no such active token on this account", NULL);
        return;
    }
    ok(env, out, 200, json_pack("{s:s,s:b}", "token_id", token_id, "revoked", 1));
}
