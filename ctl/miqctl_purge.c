/* momentiqctl purge: deletes what retention says may go, printing each item.
 *
 *   uploads  past their expires_at (set at upload time from httpd's
 *            MomentIQRetention), or created more than --uploads-older-than S
 *            seconds ago when given: the file goes, the row is marked deleted,
 *            and the outputs of every job derived from it go too (as DELETE
 *            /v1/uploads/{id} does). Stray *.part files (interrupted
 *            receptions) older than a day go as well.
 *   deleted  files of deleted accounts that httpd could not remove right
 *            after the deletion (storage_removals, sql/013).
 *   outputs  storage/outputs/<job_id>/ of jobs finished more than
 *            --outputs-older-than S seconds ago (default 2592000, the
 *            MomentIQRetention default), and directories of jobs that no
 *            longer exist once older than that.
 *   state    expired OAuth codes and refresh tokens, finished token families,
 *            sessions and sign-in counters, cached metadata documents, OAuth
 *            trail steps older than --trail-older-than S (default 90 days), and
 *            dynamic registrations with no code or token family left, older
 *            than --unused-clients-older-than S (default 7 days); see
 *            sql/006_retention.sql.
 *   logs     the MCP request log (mcp_requests) and authentication events
 *            (auth_events) older than --requests-older-than S (default 90
 *            days): both grow by a row per request, anonymous ones included
 *            (sql/011_quotas.sql); webhook events delivered or failed before
 *            then, with their delivery log (sql/017_webhook_retention.sql).
 *   months   the request log's monthly partitions: this month's and the next
 *            ones are made before a row needs them, and whole months past
 *            --request-log-months N (default MIQ_DEFAULT_REQUEST_LOG_MONTHS,
 *            as httpd's MomentIQRequestLogMonths; 0 keeps all) are dropped.
 *            httpd's request-log writer does the same hourly; purge does it
 *            too so a site whose httpd nodes log no MCP calls for a while,
 *            or that runs only workers somewhere, still keeps the window.
 *
 * momentiqctl does not read httpd.conf: pass the storage directory (--storage
 * or $MOMENTIQ_STORAGE_DIR) and the retention the server uses. Run it from
 * cron or a systemd timer as the user owning the storage directory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include <apr_file_io.h>
#include <apr_file_info.h>
#include <apr_tables.h>
#include "miqctl_purge.h"
#include "db/miq_apr_db.h"
#include "db/miq_sql.h"
#include "jobs/miq_uploads.h"
#include "ops/miq_request_log.h"

#define DEFAULT_OUTPUTS_S  2592000
#define PART_MAX_AGE_S     86400
#define DEFAULT_TRAIL_S    7776000
#define DEFAULT_CLIENTS_S  604800
#define DEFAULT_REQUESTS_S 7776000

int miqctl_purge_handles(const char *cmd)
{
    return cmd && !strcmp(cmd, "purge");
}

static int purge_usage(void)
{
    fprintf(stderr,
            "usage: momentiqctl purge [--storage DIR] [--uploads-older-than SECONDS]\n"
            "                         [--outputs-older-than SECONDS] [--trail-older-than SECONDS]\n"
            "                         [--unused-clients-older-than SECONDS]\n"
            "                         [--requests-older-than SECONDS]\n"
            "                         [--request-log-months N] [--dry-run]\n"
            "  DIR defaults to $MOMENTIQ_STORAGE_DIR (httpd's MomentIQStorageDir).\n"
            "  Uploads go when past their expiry (MomentIQRetention at upload time) or,\n"
            "  with --uploads-older-than, when older than that. Job outputs go when the job\n"
            "  finished more than --outputs-older-than seconds ago (default %d).\n"
            "  Expired sign-in and OAuth state goes too; OAuth trail steps after\n"
            "  --trail-older-than (default %d), dynamic registrations unused after\n"
            "  --unused-clients-older-than (default %d). The MCP request log, the\n"
            "  authentication events and settled webhook events go after\n"
            "  --requests-older-than (default %d). Whole months of the request log past\n"
            "  --request-log-months go (default %d, as MomentIQRequestLogMonths; 0 keeps\n"
            "  all).\n",
            DEFAULT_OUTPUTS_S, DEFAULT_TRAIL_S, DEFAULT_CLIENTS_S, DEFAULT_REQUESTS_S,
            MIQ_DEFAULT_REQUEST_LOG_MONTHS);
    return 2;
}

static int parse_count(const char *s, long max, long *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < 0 || v > max)
        return 0;
    *out = v;
    return 1;
}

static int parse_secs(const char *s, long *out)
{
    return parse_count(s, 100L * 365 * 86400, out);
}

static int remove_path(apr_pool_t *p, const char *path, int dry_run, const char *what)
{
    apr_status_t rv = dry_run ? APR_SUCCESS : miq_storage_remove(p, path);
    char buf[120];
    if (rv != APR_SUCCESS) {
        fprintf(stderr, "momentiqctl: could not remove %s: %s\n", path,
                apr_strerror(rv, buf, sizeof(buf)));
        return 0;
    }
    printf("%s %s: %s\n", dry_run ? "would remove" : "removed", what, path);
    return 1;
}

/* Names in dir (entries that are safe storage names), with their mtime. */
static apr_array_header_t *list_dir(apr_pool_t *p, const char *dir, apr_array_header_t **mtimes)
{
    apr_array_header_t *names = apr_array_make(p, 64, sizeof(const char *));
    apr_dir_t *d;
    apr_finfo_t fi;
    *mtimes = apr_array_make(p, 64, sizeof(apr_time_t));
    if (apr_dir_open(&d, dir, p) != APR_SUCCESS)
        return names;
    for (;;) {
        apr_status_t rv = apr_dir_read(&fi, APR_FINFO_NAME | APR_FINFO_MTIME | APR_FINFO_LINK, d);
        if ((rv != APR_SUCCESS && rv != APR_INCOMPLETE) || !fi.name)
            break;
        if (!miq_storage_name_ok(fi.name))
            continue;
        APR_ARRAY_PUSH(names, const char *) = apr_pstrdup(p, fi.name);
        APR_ARRAY_PUSH(*mtimes, apr_time_t) = fi.mtime;
    }
    apr_dir_close(d);
    return names;
}

int miqctl_purge_run(apr_pool_t *p, const char *conninfo, int argc, const char *const *argv)
{
    const char *storage = getenv("MOMENTIQ_STORAGE_DIR"), *err, *args[3];
    long uploads_s = -1, outputs_s = DEFAULT_OUTPUTS_S, trail_s = DEFAULT_TRAIL_S,
         clients_s = DEFAULT_CLIENTS_S, requests_s = DEFAULT_REQUESTS_S;
    long n_state = 0, log_months = MIQ_DEFAULT_REQUEST_LOG_MONTHS;
    int i, j, ncols, dry_run = 0, n_uploads = 0, n_outputs = 0, n_parts = 0, failed = 0;
    int n_removals = 0;
    apr_array_header_t *rows, *names, *mtimes;
    apr_time_t now = apr_time_now();
    miq_apr_db *db;
    for (i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--storage") && i + 1 < argc)
            storage = argv[++i];
        else if (!strcmp(argv[i], "--uploads-older-than") && i + 1 < argc) {
            if (!parse_secs(argv[++i], &uploads_s))
                return purge_usage();
        }
        else if (!strcmp(argv[i], "--outputs-older-than") && i + 1 < argc) {
            if (!parse_secs(argv[++i], &outputs_s))
                return purge_usage();
        }
        else if (!strcmp(argv[i], "--trail-older-than") && i + 1 < argc) {
            if (!parse_secs(argv[++i], &trail_s))
                return purge_usage();
        }
        else if (!strcmp(argv[i], "--unused-clients-older-than") && i + 1 < argc) {
            if (!parse_secs(argv[++i], &clients_s))
                return purge_usage();
        }
        else if (!strcmp(argv[i], "--requests-older-than") && i + 1 < argc) {
            if (!parse_secs(argv[++i], &requests_s))
                return purge_usage();
        }
        else if (!strcmp(argv[i], "--request-log-months") && i + 1 < argc) {
            if (!parse_count(argv[++i], 1200, &log_months))
                return purge_usage();
        }
        else if (!strcmp(argv[i], "--dry-run"))
            dry_run = 1;
        else
            return purge_usage();
    }
    if (!storage || !*storage) {
        fprintf(stderr, "momentiqctl: purge needs the storage directory (--storage DIR or "
                        "$MOMENTIQ_STORAGE_DIR)\n");
        return 2;
    }
    if ((err = miq_apr_db_open(p, conninfo, &db)) || (err = miq_apr_db_prepare_all(db))) {
        fprintf(stderr, "momentiqctl: %s\n", err);
        return 1;
    }

    /* 1. Uploads past expiry (rows marked deleted first: no new job can use them). */
    if (!dry_run) {
        args[0] = args[1] = uploads_s >= 0 ? apr_ltoa(p, uploads_s) : NULL;
        rows = miq_apr_db_select_stmt(db, p, MIQ_SQL_UPLOAD_PURGE, 2, args, &ncols, &err);
        if (!rows) {
            fprintf(stderr, "momentiqctl: %s\n", err);
            return 1;
        }
        for (i = 0; i < rows->nelts; i++) {
            const char **r = APR_ARRAY_IDX(rows, i, const char **), *upload = r[0];
            const char *path = r[2];
            apr_array_header_t *jobs;
            printf("upload %s (account %s) expired\n", upload, r[1]);
            n_uploads++;
            if (path && !strncmp(path, "uploads/", 8) && miq_storage_name_ok(path + 8) &&
                !remove_path(p, apr_pstrcat(p, storage, "/", path, NULL), 0, "upload"))
                failed++;
            jobs = miq_apr_db_select_stmt(db, p, MIQ_SQL_UPLOAD_JOB_IDS, 1, &upload, &ncols, &err);
            for (j = 0; jobs && j < jobs->nelts; j++) {
                const char *job = APR_ARRAY_IDX(jobs, j, const char **)[0];
                const char *dir = apr_pstrcat(p, storage, "/outputs/", job, NULL);
                apr_finfo_t fi;
                if (!miq_storage_name_ok(job) ||
                    apr_stat(&fi, dir, APR_FINFO_TYPE | APR_FINFO_LINK, p) != APR_SUCCESS)
                    continue;
                if (remove_path(p, dir, 0, apr_pstrcat(p, "outputs of job ", job, NULL)))
                    n_outputs++;
                else
                    failed++;
            }
        }
    }
    else
        printf("(dry run: expired uploads are listed by the real run only)\n");

    /* 1b. Files of deleted accounts that httpd could not remove after the
     * deletion's commit (sql/013 storage_removals), oldest first. */
    if (!dry_run) {
        args[0] = "1000";
        rows = miq_apr_db_select_stmt(db, p, MIQ_SQL_STORAGE_REMOVALS, 1, args, &ncols, &err);
        if (!rows) {
            fprintf(stderr, "momentiqctl: %s\n", err);
            return 1;
        }
        for (i = 0; i < rows->nelts; i++) {
            const char *rel = APR_ARRAY_IDX(rows, i, const char **)[0];
            if (!rel || strstr(rel, "..") ||
                !remove_path(p, apr_pstrcat(p, storage, "/", rel, NULL), 0,
                             "file of a deleted account")) {
                failed++;
                continue;
            }
            n_removals++;
            miq_apr_db_select_stmt(db, p, MIQ_SQL_STORAGE_REMOVED, 1, &rel, &ncols, &err);
        }
    }

    /* 2. Interrupted receptions. */
    names = list_dir(p, apr_pstrcat(p, storage, "/uploads", NULL), &mtimes);
    for (i = 0; i < names->nelts; i++) {
        const char *name = APR_ARRAY_IDX(names, i, const char *);
        apr_size_t n = strlen(name);
        if (n > 5 && !strcmp(name + n - 5, ".part") &&
            APR_ARRAY_IDX(mtimes, i, apr_time_t) < now - apr_time_from_sec(PART_MAX_AGE_S)) {
            if (remove_path(p, apr_pstrcat(p, storage, "/uploads/", name, NULL), dry_run,
                            "partial upload"))
                n_parts++;
            else
                failed++;
        }
    }

    /* 3. Outputs of jobs finished before now - retention, and orphans as old. */
    names = list_dir(p, apr_pstrcat(p, storage, "/outputs", NULL), &mtimes);
    if (names->nelts) {
        args[0] = miq_sql_array_literal(p, (const char *const *)names->elts, names->nelts);
        args[1] = apr_ltoa(p, outputs_s);
        rows = miq_apr_db_select_stmt(db, p, MIQ_SQL_OUTPUTS_PURGEABLE, 2, args, &ncols, &err);
        if (!rows) {
            fprintf(stderr, "momentiqctl: %s\n", err);
            return 1;
        }
        for (i = 0; i < rows->nelts; i++) {
            const char **r = APR_ARRAY_IDX(rows, i, const char **);
            int orphan = !strcmp(r[1], "orphan");
            if (orphan) { /* no job row: only once as old as the retention */
                for (j = 0; j < names->nelts; j++)
                    if (!strcmp(APR_ARRAY_IDX(names, j, const char *), r[0]))
                        break;
                if (j == names->nelts ||
                    APR_ARRAY_IDX(mtimes, j, apr_time_t) >= now - apr_time_from_sec(outputs_s))
                    continue;
            }
            if (remove_path(p, apr_pstrcat(p, storage, "/outputs/", r[0], NULL), dry_run,
                            apr_pstrcat(p, orphan ? "outputs of deleted job " : "outputs of job ",
                                        r[0], NULL)))
                n_outputs++;
            else
                failed++;
        }
    }
    /* 4. Short-lived state in the database: one function, rolled back on a dry run. */
    if (dry_run && (err = miq_apr_db_exec_text(db, "BEGIN"))) {
        fprintf(stderr, "momentiqctl: %s\n", err);
        return 1;
    }
    args[0] = apr_ltoa(p, trail_s);
    args[1] = apr_ltoa(p, clients_s);
    args[2] = apr_ltoa(p, requests_s);
    rows = miq_apr_db_select_stmt(db, p, MIQ_SQL_PURGE_TRANSIENT, 3, args, &ncols, &err);
    if (!rows) {
        if (dry_run)
            miq_apr_db_exec_text(db, "ROLLBACK");
        fprintf(stderr, "momentiqctl: %s\n", err);
        return 1;
    }
    for (i = 0; i < rows->nelts; i++) {
        const char **r = APR_ARRAY_IDX(rows, i, const char **);
        long n = atol(r[1]);
        n_state += n;
        if (n > 0)
            printf("%s %ld %s\n", dry_run ? "would remove" : "removed", n, r[0]);
    }
    /* 5. The request log's months (in the same dry-run transaction). */
    args[0] = apr_itoa(p, MIQ_REQUEST_LOG_MONTHS_AHEAD);
    args[1] = apr_ltoa(p, log_months);
    rows = miq_apr_db_select_stmt(db, p, MIQ_SQL_REQUESTS_MAINTAIN, 2, args, &ncols, &err);
    if (dry_run)
        miq_apr_db_exec_text(db, "ROLLBACK");
    if (!rows) {
        fprintf(stderr, "momentiqctl: request log partitions: %s\n", err);
        return 1;
    }
    for (i = 0; ncols >= 2 && i < rows->nelts; i++) {
        const char **r = APR_ARRAY_IDX(rows, i, const char **);
        printf("%s request log partition %s (%s)\n", dry_run ? "would change" : "changed", r[1],
               r[0]);
    }
    printf("purge: %d upload(s), %d output directorie(s), %d partial file(s), %d file(s) of "
           "deleted accounts, %ld database row(s) of expired state %s%s\n",
           n_uploads, n_outputs, n_parts, n_removals, n_state, dry_run ? "to remove" : "removed",
           failed ? apr_psprintf(p, "; %d failure(s)", failed) : "");
    apr_dbd_close(db->driver, db->handle);
    return failed ? 1 : 0;
}
