/* Dashboard sessions: a random id in an HttpOnly cookie (set by the glue),
 * only its SHA-256 in auth_sessions, idle and absolute expiry enforced by the
 * database, and a per-session CSRF token for state-changing calls. Nothing
 * is cached, so a logout holds on every child and node at once. */
#include <string.h>
#include <apr_strings.h>
#include "accounts/miq_accounts.h"
#include "accounts/miq_accounts_sql.h"
#include "base/miq_json.h"
#include "base/miq_log.h"

/* Renewing the idle expiry writes the row; a busy dashboard would otherwise
 * write on every call. At most once a minute, sooner for very short idle limits. */
int miq_session_renew_after(int idle_s)
{
    int quarter = idle_s / 4;
    return quarter < 60 ? (quarter > 0 ? quarter : 1) : 60;
}

int miq_session_find(const miq_accounts_env *env, const char *cookie, miq_session *s)
{
    const char *args[MIQ_SGA_N], *err = NULL, **row;
    apr_array_header_t *rows;
    int ncols = 0;

    memset(s, 0, sizeof(*s));
    if (!cookie || !*cookie)
        return 0;
    args[MIQ_SGA_ID_HASH] = miq_token_hash(env->pool, cookie);
    args[MIQ_SGA_IDLE_S] = apr_itoa(env->pool, env->session_idle_s);
    args[MIQ_SGA_RENEW_AFTER_S] = apr_itoa(env->pool, miq_session_renew_after(env->session_idle_s));
    rows = env->db->query(env->db->baton, env->pool, MIQ_SQL_AUTH_SESSION_GET, MIQ_SGA_N, args,
                          &ncols, &err);
    if (!rows)
        return -1;
    if (!rows->nelts || ncols < MIQ_SGC_N)
        return 0;
    row = APR_ARRAY_IDX(rows, 0, const char **);
    if (!row[MIQ_SGC_ACCOUNT] || !row[MIQ_SGC_CSRF])
        return 0;
    s->account_id = row[MIQ_SGC_ACCOUNT];
    s->csrf_token = row[MIQ_SGC_CSRF];
    s->email = row[MIQ_SGC_EMAIL] && *row[MIQ_SGC_EMAIL] ? row[MIQ_SGC_EMAIL] : NULL;
    s->expires_at = row[MIQ_SGC_EXPIRES];
    s->signed_in_with = row[MIQ_SGC_SIGNED_IN_WITH];
    return 1;
}

/* ISO 8601 UTC of now + seconds: the absolute expiry of a session just made. */
static const char *expiry_from(apr_pool_t *p, apr_time_t now, int seconds)
{
    apr_time_exp_t tm;
    char buf[32];
    apr_size_t n;
    apr_time_exp_gmt(&tm, now + apr_time_from_sec(seconds));
    apr_strftime(buf, &n, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
    return apr_pstrdup(p, buf);
}

const char *miq_session_create(const miq_accounts_env *env, const char *account_id,
                               const char *email, miq_session *s, const char **sid)
{
    const char *id = miq_session_secret(env->pool), *csrf = miq_session_secret(env->pool);
    const char *args[MIQ_SCA_N], *err = NULL;
    apr_array_header_t *rows;
    int ncols = 0;

    memset(s, 0, sizeof(*s));
    *sid = NULL;
    if (!id || !csrf) {
        miq_log_perror(MIQ_LOG_MARK, MIQ_LOG_ERR, 0, env->pool,
                       "MIQ10940: MomentIQ: no random bytes for a session id");
        return NULL;
    }
    /* The cookie value never reaches the database or a log: only its hash. */
    args[MIQ_SCA_ID_HASH] = miq_token_hash(env->pool, id);
    args[MIQ_SCA_ACCOUNT] = account_id;
    args[MIQ_SCA_CSRF] = csrf;
    args[MIQ_SCA_IDLE_S] = apr_itoa(env->pool, env->session_idle_s);
    args[MIQ_SCA_ABSOLUTE_S] = apr_itoa(env->pool, env->session_absolute_s);
    args[MIQ_SCA_SIGNED_IN_WITH] = env->signed_in_with ? env->signed_in_with : "password";
    rows = env->db->query(env->db->baton, env->pool, MIQ_SQL_AUTH_SESSION_CREATE, MIQ_SCA_N, args,
                          &ncols, &err);
    if (!rows || rows->nelts != 1)
        return NULL;
    s->account_id = account_id;
    s->email = email && *email ? email : NULL;
    s->csrf_token = csrf;
    s->expires_at = expiry_from(env->pool, env->now, env->session_absolute_s);
    s->signed_in_with = args[MIQ_SCA_SIGNED_IN_WITH];
    *sid = id;
    return csrf;
}

int miq_session_revoke(const miq_accounts_env *env, const char *cookie)
{
    const char *hash = miq_token_hash(env->pool, cookie), *err = NULL;
    int ncols = 0;
    return env->db->query(env->db->baton, env->pool, MIQ_SQL_AUTH_SESSION_REVOKE, 1, &hash, &ncols,
                          &err)
               ? 0
               : -1;
}

int miq_session_csrf_ok(const miq_session *s, const char *presented)
{
    return s && miq_csrf_ok(s->csrf_token, presented);
}

json_t *miq_session_json(apr_pool_t *p, const miq_session *s)
{
    return miq_json_packp(p, "{s:s,s:o,s:s,s:s,s:s}", "account_id", s->account_id, "email",
                          s->email && *s->email ? json_string(s->email) : json_null(), "csrf_token",
                          s->csrf_token, "expires_at", s->expires_at, "signed_in_with",
                          s->signed_in_with ? s->signed_in_with : "password");
}
