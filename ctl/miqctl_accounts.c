/* momentiqctl user create, token create|list|revoke, key create: the
 * administrator's way to make accounts and credentials without the dashboard.
 * Every statement comes from the SQL catalog; a secret (generated password,
 * token) is printed once on stdout and never stored or logged. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include <apr_tables.h>
#include "db/miq_apr_db.h"
#include "miqctl_accounts.h"
#include "accounts/miq_auth.h"
#include "base/miq_scope.h"

#define EXPIRES_MIN_S 60
#define EXPIRES_MAX_S (5 * 365 * 86400)
#define PASSWORD_MAX  1024

/* Parsed options of one command. */
typedef struct ctl_opts {
    const char *user, *name, *scopes, *expires_in, *positional, *free_credits;
    int password_stdin;
} ctl_opts;

static int fail(const char *fmt, const char *arg)
{
    fputs("momentiqctl: ", stderr);
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
    return 1;
}

static int usage_error(const char *what)
{
    fprintf(stderr, "momentiqctl: %s (see momentiqctl --help)\n", what);
    return 2;
}

/* The first row of a prepared query, NULL when none (*err set on error). */
static const char **select_one(miq_apr_db *db, apr_pool_t *p, miq_sql_id_e id, int nargs,
                               const char **args, const char **err)
{
    int ncols = 0;
    apr_array_header_t *rows = miq_apr_db_select_stmt(db, p, id, nargs, args, &ncols, err);
    if (rows)
        *err = NULL;
    return rows && rows->nelts ? APR_ARRAY_IDX(rows, 0, const char **) : NULL;
}

/* --user EMAIL, --name NAME, --scopes LIST, --expires-in S, --password-stdin,
 * and at most one positional argument. NULL or the usage error. */
static const char *parse_opts(int argc, const char *const *argv, ctl_opts *o)
{
    int i;
    memset(o, 0, sizeof(*o));
    for (i = 0; i < argc; i++) {
        const char *a = argv[i], **slot = NULL;
        if (!strcmp(a, "--password-stdin")) {
            o->password_stdin = 1;
            continue;
        }
        if (!strcmp(a, "--user"))
            slot = &o->user;
        else if (!strcmp(a, "--name"))
            slot = &o->name;
        else if (!strcmp(a, "--scopes"))
            slot = &o->scopes;
        else if (!strcmp(a, "--expires-in"))
            slot = &o->expires_in;
        else if (!strcmp(a, "--free-credits"))
            slot = &o->free_credits;
        else if (a[0] == '-' && a[1] == '-')
            return "unknown option";
        else if (o->positional)
            return "too many arguments";
        else {
            o->positional = a;
            continue;
        }
        if (i + 1 >= argc)
            return "an option is missing its value";
        *slot = argv[++i];
    }
    return NULL;
}

static const char *open_db(apr_pool_t *p, const char *conninfo, miq_apr_db **db)
{
    const char *err = miq_apr_db_open(p, conninfo, db);
    if (!err && (err = miq_apr_db_prepare_all(*db)))
        err = apr_pstrcat(p, "the schema does not fit the SQL catalog (run migrate): ", err, NULL);
    return err;
}

/* ---- user create -------------------------------------------------------- */

/* One line from stdin without its line end; NULL when empty or too long. */
static const char *read_password(apr_pool_t *p)
{
    char buf[PASSWORD_MAX + 3];
    size_t n;
    if (!fgets(buf, sizeof(buf), stdin))
        return NULL;
    n = strlen(buf);
    if (n == sizeof(buf) - 1 && buf[n - 1] != '\n')
        return NULL;
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        buf[--n] = 0;
    return n ? apr_pstrdup(p, buf) : NULL;
}

static int user_create(apr_pool_t *p, miq_apr_db *db, const ctl_opts *o)
{
    const char *email, *password, *why, *hash, *err, *args[4], **row;
    const char *free_credits = o->free_credits ? o->free_credits : getenv("MOMENTIQ_FREE_CREDITS");
    int generated = !o->password_stdin;
    char *end;
    long long n_free;

    /* The same free credits a sign-up gets: MomentIQFreeCredits (give it here). */
    n_free = free_credits && *free_credits ? strtoll(free_credits, &end, 10) : 0;
    if (free_credits && *free_credits && (*end || n_free < 0 || n_free > 1000000000LL))
        return fail("--free-credits '%s' must be a whole number from 0 to 1e9", free_credits);

    if (!(email = miq_email_normalize(p, o->positional)))
        return fail("'%s' is not a valid email address", o->positional);
    password = generated ? miq_session_secret(p) : read_password(p);
    if (!password)
        return fail("%s", generated ? "no random bytes for a password"
                                    : "no password on stdin (one line, at most 1024 bytes)");
    if ((why = miq_password_policy(password)))
        return fail("password refused: %s", why);
    if (!(hash = miq_password_hash(p, password, &why)))
        return fail("password hashing failed: %s", why ? why : "unknown error");
    args[0] = email;
    args[1] = hash;
    args[2] = apr_psprintf(p, "%" APR_INT64_T_FMT, (apr_int64_t)n_free);
    args[3] = args[2];
    row = select_one(db, p, MIQ_SQL_ACCOUNT_CREATE, 4, args, &err);
    if (err)
        return fail("cannot create the account: %s", err);
    if (!row || !row[0])
        return fail("an account with the email %s already exists", email);
    printf("account_id %s\nemail %s\n", row[0], email);
    if (n_free > 0)
        printf("free credits %s\n", args[2]);
    if (generated)
        printf("password %s\n(shown once: store it now)\n", password);
    return 0;
}

/* ---- tokens and keys ------------------------------------------------------ */

/* The account id of --user; NULL after printing why. */
static const char *account_of(apr_pool_t *p, miq_apr_db *db, const char *user)
{
    const char *email, *err, **row;
    if (!user) {
        usage_error("--user EMAIL is required");
        return NULL;
    }
    if (!(email = miq_email_normalize(p, user))) {
        fail("'%s' is not a valid email address", user);
        return NULL;
    }
    row = select_one(db, p, MIQ_SQL_ACCOUNT_BY_EMAIL, 1, &email, &err);
    if (err)
        fail("cannot read the account: %s", err);
    else if (!row || !row[0])
        fail("no account with the email %s", email);
    return row && row[0] ? row[0] : NULL;
}

/* Whole seconds 60..5 years, or 0 for none; -1 when malformed. */
static long parse_expires(const char *s)
{
    char *end;
    long v;
    if (!s)
        return 0;
    v = strtol(s, &end, 10);
    return *s && !*end && v >= EXPIRES_MIN_S && v <= EXPIRES_MAX_S ? v : -1;
}

static int token_create(apr_pool_t *p, miq_apr_db *db, const ctl_opts *o, miq_token_kind_e kind)
{
    const char *account, *scopes, *err, *args[10], **row;
    unsigned bits = 0;
    long exp = parse_expires(o->expires_in);
    miq_new_token nt;

    if (!o->name || !*o->name || strlen(o->name) > 100)
        return usage_error("--name NAME (1 to 100 characters) is required");
    if (!o->scopes && kind == MIQ_TOKEN_CONNECTOR)
        return usage_error("--scopes is required, e.g. --scopes all or --scopes 'audio/* video/*'");
    if ((err = miq_scope_parse(p, o->scopes ? o->scopes : "all", &bits)))
        return fail("%s", err);
    if (exp < 0)
        return fail("--expires-in must be whole seconds between 60 and %s", "157680000");
    if (!(account = account_of(p, db, o->user)))
        return o->user ? 1 : 2;
    scopes = miq_scope_format(p, bits);
    if ((err = miq_token_generate(p, kind, &nt)))
        return fail("token generation failed: %s", err);
    args[0] = nt.id;
    args[1] = account;
    args[2] = miq_token_kind_name(kind);
    args[3] = o->name;
    args[4] = nt.hash;
    args[5] = nt.prefix;
    args[6] = scopes;
    args[7] = "cli";
    args[8] = args[9] = apr_ltoa(p, exp);
    row = select_one(db, p, MIQ_SQL_TOKEN_CREATE, 10, args, &err);
    if (!row)
        return fail("cannot create the token: %s", err ? err : "no row returned");
    printf("token_id %s\nkind %s\nscopes %s\nexpires_at %s\ntoken %s\n"
           "(shown once: store it now)\n",
           nt.id, miq_token_kind_name(kind), scopes, row[1] && *row[1] ? row[1] : "never",
           nt.secret);
    return 0;
}

static const char *dash(const char *v)
{
    return v && *v ? v : "-";
}

/* Both kinds, newest first within each; never a secret or a hash. */
static int token_list(apr_pool_t *p, miq_apr_db *db, const ctl_opts *o)
{
    const char *account, *err, *args[2];
    int k, i, ncols = 0;
    if (!(account = account_of(p, db, o->user)))
        return o->user ? 1 : 2;
    printf("%-20s %-9s %-24s %-16s %-28s %-20s %-20s %-20s %s\n", "TOKEN_ID", "KIND", "NAME",
           "PREFIX", "SCOPES", "CREATED", "EXPIRES", "LAST_USED", "REVOKED");
    for (k = MIQ_TOKEN_CONNECTOR; k >= MIQ_TOKEN_API_KEY; k--) {
        apr_array_header_t *rows;
        args[0] = account;
        args[1] = miq_token_kind_name((miq_token_kind_e)k);
        if (!(rows = miq_apr_db_select_stmt(db, p, MIQ_SQL_TOKEN_LIST, 2, args, &ncols, &err)))
            return fail("cannot list tokens: %s", err);
        for (i = 0; ncols >= 9 && i < rows->nelts; i++) {
            const char **c = APR_ARRAY_IDX(rows, i, const char **);
            printf("%-20s %-9s %-24s %-16s %-28s %-20s %-20s %-20s %s\n", c[0], args[1], c[1], c[2],
                   c[3], dash(c[5]), dash(c[6]), dash(c[7]), dash(c[8]));
        }
    }
    return 0;
}

/* Revokes an active token of either kind owned by --user. */
static int token_revoke(apr_pool_t *p, miq_apr_db *db, const ctl_opts *o)
{
    const char *account, *err = NULL, *args[7];
    int k, n;
    if (!(account = account_of(p, db, o->user)))
        return o->user ? 1 : 2;
    for (k = MIQ_TOKEN_API_KEY; k <= MIQ_TOKEN_CONNECTOR; k++) {
        args[0] = args[3] = args[4] = o->positional;
        args[1] = args[5] = account;
        args[2] = args[6] = miq_token_kind_name((miq_token_kind_e)k);
        if ((n = miq_apr_db_exec(db, p, MIQ_SQL_TOKEN_REVOKE, 7, args, &err)) < 0)
            return fail("cannot revoke: %s", err);
        if (n > 0) {
            printf("revoked %s\n", o->positional);
            return 0;
        }
    }
    return fail("no active token %s on this account", o->positional);
}

/* ---- dispatch ------------------------------------------------------------ */

int miqctl_accounts_handles(const char *cmd)
{
    return cmd && (!strcmp(cmd, "user") || !strcmp(cmd, "token") || !strcmp(cmd, "key"));
}

static int run_user_create(apr_pool_t *p, miq_apr_db *db, const ctl_opts *o)
{
    return user_create(p, db, o);
}

static int run_token_create(apr_pool_t *p, miq_apr_db *db, const ctl_opts *o)
{
    return token_create(p, db, o, MIQ_TOKEN_CONNECTOR);
}

static int run_key_create(apr_pool_t *p, miq_apr_db *db, const ctl_opts *o)
{
    return token_create(p, db, o, MIQ_TOKEN_API_KEY);
}

/* Each command, with whether it takes its one positional argument. */
typedef struct ctl_action {
    const char *cmd, *sub;
    int positional; /* 1 required, 0 refused */
    int (*run)(apr_pool_t *p, miq_apr_db *db, const ctl_opts *o);
} ctl_action;

static const ctl_action actions[] = {
    {"user", "create", 1, run_user_create}, {"token", "create", 0, run_token_create},
    {"token", "list", 0, token_list},       {"token", "revoke", 1, token_revoke},
    {"key", "create", 0, run_key_create},
};

int miqctl_accounts_run(apr_pool_t *p, const char *conninfo, const char *cmd, int argc,
                        const char *const *argv)
{
    const ctl_action *a = NULL;
    ctl_opts o;
    miq_apr_db *db;
    const char *err;
    size_t i;
    int rc;

    for (i = 0; argc > 0 && i < sizeof(actions) / sizeof(actions[0]); i++)
        if (!strcmp(actions[i].cmd, cmd) && !strcmp(actions[i].sub, argv[0]))
            a = &actions[i];
    if (!a)
        return usage_error(
            apr_psprintf(p, "unknown command '%s %s'", cmd, argc > 0 ? argv[0] : ""));
    if ((err = parse_opts(argc - 1, argv + 1, &o)))
        return usage_error(err);
    if (a->positional && !o.positional)
        return usage_error(apr_psprintf(p, "%s %s needs %s", a->cmd, a->sub,
                                        *a->cmd == 'u' ? "an EMAIL" : "a TOKEN_ID"));
    if (!a->positional && o.positional)
        return usage_error(apr_psprintf(p, "unexpected argument '%s'", o.positional));
    if ((err = open_db(p, conninfo, &db)))
        return fail("%s", err);
    rc = a->run(p, db, &o);
    apr_dbd_close(db->driver, db->handle);
    return rc;
}
