/* momentiqctl: the administrator's command line (in the spirit of htpasswd
 * and a2md). Commands: migrate, status, check-sql; user, token and key
 * (miqctl_accounts.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <apr_general.h>
#include <apr_strings.h>
#include <apr_file_io.h>
#include <apr_file_info.h>
#include <apr_tables.h>
#include "db/miq_apr_db.h"
#include "miqctl_accounts.h"
#include "base/miq_server.h"
#include "miqctl_credits.h"
#include "miqctl_purge.h"
#include "miqctl_oauth.h"
#include "miqctl_report.h"
#include "limits/miq_rate_limit.h"

/* Where the Debian package installs sql/ (./build.sh package). */
#define MIQCTL_INSTALLED_SQL_DIR "/usr/share/momentiq/sql"

static int usage(void)
{
    fprintf(
        stderr,
        "usage: momentiqctl [--db CONNINFO] COMMAND\n"
        "  migrate     apply sql/NNN_*.sql not yet applied (dir: --sql DIR, $MOMENTIQ_SQL_DIR\n"
        "              or " MIQCTL_INSTALLED_SQL_DIR "), then prepare every catalog statement\n"
        "  check-sql   prepare every statement of the SQL catalog against the schema\n"
        "  status      schema version, workers, MCP requests in the last hour\n"
        "  user create EMAIL [--password-stdin] [--free-credits N]\n"
        "              create an account; the password is read from stdin (one line),\n"
        "              else a strong one is generated and printed once; N free credits\n"
        "              (default $MOMENTIQ_FREE_CREDITS or 0, like MomentIQFreeCredits)\n"
        "  token create --user EMAIL --name NAME --scopes SCOPES [--expires-in SECONDS]\n"
        "              create a connector token (miq_conn_...); the secret is printed once.\n"
        "              SCOPES: all, video/*, audio/*, timeline/* (several: 'audio/* video/*')\n"
        "  token list --user EMAIL\n"
        "              the account's connector tokens and API keys (never the secrets)\n"
        "  token revoke --user EMAIL TOKEN_ID\n"
        "              revoke a token or key; the next request using it fails\n"
        "  key create --user EMAIL --name NAME [--scopes SCOPES] [--expires-in SECONDS]\n"
        "              create an API key (miq_live_...; scopes default to all), printed once\n"
        "  credits grant --email ADDRESS --credits N [--note TEXT]\n"
        "              add credits to an account's ledger; prints the new balance\n"
        "  credits show --email ADDRESS\n"
        "              balance, monthly cap, spend this period, billing state, alerts\n"
        "  oauth trail ID\n"
        "              the OAuth diagnostic trail of an authorization (corr_...) or a client\n"
        "  billing report\n"
        "              every account's balance, cap, spend, grants, top-ups and alerts\n"
        "  purge [--storage DIR] [--uploads-older-than S] [--outputs-older-than S] [--dry-run]\n"
        "              delete expired uploads and old job outputs, printing each; DIR is\n"
        "              MomentIQStorageDir (or $MOMENTIQ_STORAGE_DIR); outputs default 2592000 s\n"
        "  rate-limits the rate limit classes and their defaults (MomentIQRateLimit)\n"
        "  report NAME [--since DATE] [--until DATE] [--format table|csv|json]\n"
        "              an operators' report over [since, until) (default: the last 30\n"
        "              days); report --list names each and what it answers\n"
        "Exit status: 0 ok, 1 failure, 2 usage.\n"
        "The database is a libpq conninfo string: --db or $MOMENTIQ_DB.\n");
    return 2;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static const char *read_file(apr_pool_t *p, const char *path, const char **err)
{
    apr_file_t *f;
    apr_finfo_t fi;
    char *buf;
    apr_size_t n;
    if (apr_file_open(&f, path, APR_FOPEN_READ, 0, p) != APR_SUCCESS ||
        apr_file_info_get(&fi, APR_FINFO_SIZE, f) != APR_SUCCESS) {
        *err = apr_psprintf(p, "cannot read %s", path);
        return NULL;
    }
    buf = apr_palloc(p, (apr_size_t)fi.size + 1);
    if (apr_file_read_full(f, buf, (apr_size_t)fi.size, &n) != APR_SUCCESS &&
        n != (apr_size_t)fi.size) {
        *err = apr_psprintf(p, "cannot read %s", path);
        apr_file_close(f);
        return NULL;
    }
    buf[n] = 0;
    apr_file_close(f);
    return buf;
}

static int migrate(apr_pool_t *p, miq_apr_db *db, const char *dir)
{
    apr_dir_t *d;
    apr_finfo_t fi;
    apr_array_header_t *files = apr_array_make(p, 16, sizeof(const char *));
    const char *err;
    int i, applied = 0, ncols;

    if (!dir)
        dir = getenv("MOMENTIQ_SQL_DIR");
    if (!dir)
        dir = MIQCTL_INSTALLED_SQL_DIR;
    if (apr_dir_open(&d, dir, p) != APR_SUCCESS) {
        fprintf(stderr, "momentiqctl: no SQL directory %s (--sql DIR or MOMENTIQ_SQL_DIR)\n", dir);
        return 1;
    }
    while (apr_dir_read(&fi, APR_FINFO_NAME | APR_FINFO_TYPE, d) == APR_SUCCESS) {
        size_t n = strlen(fi.name);
        if (fi.filetype == APR_REG && n > 8 && fi.name[0] >= '0' && fi.name[0] <= '9' &&
            !strcmp(fi.name + n - 4, ".sql"))
            APR_ARRAY_PUSH(files, const char *) = apr_pstrdup(p, fi.name);
    }
    apr_dir_close(d);
    qsort(files->elts, files->nelts, sizeof(const char *), cmp_str);

    /* One migrator at a time, whatever the number of nodes starting. */
    if ((err = miq_apr_db_exec_text(db, "SELECT pg_advisory_lock(727001)")) ||
        (err = miq_apr_db_exec_text(db, "CREATE TABLE IF NOT EXISTS schema_migrations ("
                                        "version text PRIMARY KEY, applied_at timestamptz NOT NULL "
                                        "DEFAULT now())"))) {
        fprintf(stderr, "momentiqctl: %s\n", err);
        return 1;
    }
    for (i = 0; i < files->nelts; i++) {
        const char *name = APR_ARRAY_IDX(files, i, const char *);
        const char *version = apr_pstrndup(p, name, strlen(name) - 4);
        const char *sql, *q;
        apr_array_header_t *rows;
        q = apr_psprintf(p, "SELECT 1 FROM schema_migrations WHERE version = '%s'", version);
        rows = miq_apr_db_select_text(db, p, q, &ncols, &err);
        if (!rows) {
            fprintf(stderr, "momentiqctl: %s\n", err);
            return 1;
        }
        if (rows->nelts)
            continue;
        if (!(sql = read_file(p, apr_pstrcat(p, dir, "/", name, NULL), &err))) {
            fprintf(stderr, "momentiqctl: %s\n", err);
            return 1;
        }
        if ((err = miq_apr_db_exec_text(db, "BEGIN")) || (err = miq_apr_db_exec_text(db, sql)) ||
            (err = miq_apr_db_exec_text(
                 db, apr_psprintf(p, "INSERT INTO schema_migrations (version) VALUES ('%s')",
                                  version))) ||
            (err = miq_apr_db_exec_text(db, "COMMIT"))) {
            miq_apr_db_exec_text(db, "ROLLBACK");
            fprintf(stderr, "momentiqctl: migration %s failed: %s\n", name, err);
            return 1;
        }
        printf("applied %s\n", name);
        applied++;
    }
    miq_apr_db_exec_text(db, "SELECT pg_advisory_unlock(727001)");
    if ((err = miq_apr_db_prepare_all(db))) {
        fprintf(stderr, "momentiqctl: schema does not fit the SQL catalog: %s\n", err);
        return 1;
    }
    printf("schema up to date (%d applied now, %d known); %d catalog statements prepare\n", applied,
           files->nelts, MIQ_SQL_COUNT);
    return 0;
}

static int status(apr_pool_t *p, miq_apr_db *db)
{
    const char *err;
    int ncols, i;
    apr_array_header_t *rows;
    rows = miq_apr_db_select_text(
        db, p,
        "SELECT (SELECT coalesce(max(version), 'none') FROM schema_migrations), "
        "(SELECT count(*) FROM worker_heartbeats WHERE seen_at > now() - interval '30 seconds'), "
        "(SELECT coalesce(extract(epoch FROM now() - max(seen_at))::bigint::text, 'never') FROM "
        "worker_heartbeats), "
        "(SELECT count(*) FROM mcp_requests WHERE at > now() - interval '1 hour'), "
        "(SELECT count(*) FROM mcp_sessions WHERE deleted_at IS NULL AND expires_at > now())",
        &ncols, &err);
    if (!rows || !rows->nelts) {
        fprintf(stderr, "momentiqctl: %s\n", rows ? "no answer" : err);
        return 1;
    }
    {
        const char **r = APR_ARRAY_IDX(rows, 0, const char **);
        printf("momentiq %s\nschema: %s\nworkers alive: %s (last heartbeat %s s ago)\n"
               "MCP requests in the last hour: %s\nopen MCP sessions: %s\n",
               MIQ_VERSION, r[0], r[1], r[2], r[3], r[4]);
    }
    rows = miq_apr_db_select_text(db, p,
                                  "SELECT coalesce(rpc_method, '-'), outcome, count(*) FROM "
                                  "mcp_requests WHERE at > now() - interval '1 hour' GROUP BY 1, 2 "
                                  "ORDER BY 3 DESC LIMIT 10",
                                  &ncols, &err);
    for (i = 0; rows && i < rows->nelts; i++) {
        const char **r = APR_ARRAY_IDX(rows, i, const char **);
        printf("  %-28s %-14s %s\n", r[0], r[1], r[2]);
    }
    return 0;
}

int main(int argc, char **argv)
{
    apr_pool_t *p;
    miq_apr_db *db;
    const char *conninfo = NULL, *sqldir = NULL, *cmd = NULL, *err;
    apr_array_header_t *rest;
    int i, rc;
    apr_app_initialize(&argc, (const char *const **)&argv, NULL);
    atexit(apr_terminate);
    apr_pool_create(&p, NULL);
    rest = apr_array_make(p, 8, sizeof(const char *));
    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--db") && i + 1 < argc)
            conninfo = argv[++i];
        else if (!strcmp(argv[i], "--sql") && i + 1 < argc)
            sqldir = argv[++i];
        else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
            return usage();
        else if (!cmd)
            cmd = argv[i];
        else if (miqctl_accounts_handles(cmd) || miqctl_credits_handles(cmd) ||
                 miqctl_purge_handles(cmd) || miqctl_oauth_handles(cmd) ||
                 miqctl_report_handles(cmd))
            APR_ARRAY_PUSH(rest, const char *) = argv[i];
        else
            return usage();
    }
    if (!cmd)
        return usage();
    if (!strcmp(cmd, "rate-limits")) { /* no database: the defaults compiled in */
        for (i = 0; i < MIQ_RATE_CLASSES; i++)
            printf("%s %d %d\n", miq_rate_class_name(i), miq_rate_default(i)->count,
                   miq_rate_default(i)->window_s);
        apr_pool_destroy(p);
        return 0;
    }
    if (miqctl_accounts_handles(cmd)) {
        rc = miqctl_accounts_run(p, conninfo, cmd, rest->nelts, (const char *const *)rest->elts);
        apr_pool_destroy(p);
        return rc;
    }
    if (miqctl_oauth_handles(cmd)) {
        rc = miqctl_oauth_run(p, conninfo, rest->nelts, (const char *const *)rest->elts);
        apr_pool_destroy(p);
        return rc;
    }
    if (miqctl_report_handles(cmd)) {
        rc = miqctl_report_run(p, conninfo, rest->nelts, (const char *const *)rest->elts);
        apr_pool_destroy(p);
        return rc;
    }
    if (miqctl_purge_handles(cmd)) {
        rc = miqctl_purge_run(p, conninfo, rest->nelts, (const char *const *)rest->elts);
        apr_pool_destroy(p);
        return rc;
    }
    if (miqctl_credits_handles(cmd)) {
        rc = miqctl_credits_run(p, conninfo, rest->nelts, (const char *const *)rest->elts);
        apr_pool_destroy(p);
        return rc;
    }
    if (strcmp(cmd, "migrate") && strcmp(cmd, "status") && strcmp(cmd, "check-sql")) {
        fprintf(stderr, "momentiqctl: unknown command '%s'\n", cmd);
        return usage();
    }
    if ((err = miq_apr_db_open(p, conninfo, &db))) {
        fprintf(stderr, "momentiqctl: %s\n", err);
        return 1;
    }
    if (!strcmp(cmd, "migrate"))
        rc = migrate(p, db, sqldir);
    else if (!strcmp(cmd, "check-sql")) {
        rc = (err = miq_apr_db_prepare_all(db)) ? 1 : 0;
        if (rc)
            fprintf(stderr, "momentiqctl: %s\n", err);
        else
            printf("%d catalog statements prepare\n", MIQ_SQL_COUNT);
    }
    else
        rc = status(p, db);
    apr_dbd_close(db->driver, db->handle);
    apr_pool_destroy(p);
    return rc;
}
