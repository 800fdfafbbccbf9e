/* momentiqctl report NAME [--since DATE] [--until DATE] [--format table|csv|json]
 * momentiqctl report --list
 *
 * Runs one of the reports of sql/016_reports.sql over [since, until) (default:
 * the last 30 days) and prints it. Dates are UTC: YYYY-MM-DD or
 * YYYY-MM-DDTHH:MM[:SS]Z. docs/reporting.md says what each answers. */
#include <stdio.h>
#include <string.h>
#include <apr_strings.h>
#include <apr_time.h>
#include "miqctl_report.h"
#include "db/miq_apr_db.h"
#include "ops/miq_reports.h"

#define DEFAULT_DAYS 30

int miqctl_report_handles(const char *cmd)
{
    return cmd && !strcmp(cmd, "report");
}

static int report_usage(const char *why)
{
    if (why)
        fprintf(stderr, "momentiqctl report: %s\n", why);
    fprintf(stderr,
            "usage: momentiqctl report NAME [--since DATE] [--until DATE] "
            "[--format table|csv|json]\n"
            "       momentiqctl report --list\n"
            "  DATE: YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS]Z (UTC); the period is [since, until),\n"
            "  by default the last %d days.\n",
            DEFAULT_DAYS);
    return 2;
}

static int list(void)
{
    int i, n;
    const miq_report *r = miq_reports_all(&n);
    for (i = 0; i < n; i++)
        printf("%-20s %s\n", r[i].name, r[i].question);
    return 0;
}

int miqctl_report_run(apr_pool_t *p, const char *conninfo, int argc, const char *const *argv)
{
    const miq_report *rep = NULL;
    const char *err, *args[2];
    apr_time_t until = apr_time_now(), since = 0;
    int i, fmt = MIQ_REPORT_TABLE, have_since = 0, ncols;
    apr_array_header_t *rows;
    miq_apr_db *db;

    if (argc == 1 && !strcmp(argv[0], "--list"))
        return list();
    for (i = 0; i < argc; i++) {
        const char *a = argv[i];
        if ((!strcmp(a, "--since") || !strcmp(a, "--until") || !strcmp(a, "--format")) &&
            i + 1 >= argc)
            return report_usage(apr_psprintf(p, "%s needs a value", a));
        if (!strcmp(a, "--since")) {
            if ((err = miq_report_time_parse(argv[++i], &since)))
                return report_usage(apr_psprintf(p, "--since %s: %s", argv[i], err));
            have_since = 1;
        }
        else if (!strcmp(a, "--until")) {
            if ((err = miq_report_time_parse(argv[++i], &until)))
                return report_usage(apr_psprintf(p, "--until %s: %s", argv[i], err));
        }
        else if (!strcmp(a, "--format")) {
            if ((fmt = miq_report_format_parse(argv[++i])) < 0)
                return report_usage(
                    apr_psprintf(p, "unknown format '%s' (table, csv or json)", argv[i]));
        }
        else if (a[0] == '-' || rep)
            return report_usage(apr_psprintf(p, "unexpected argument '%s'", a));
        else if (!(rep = miq_report_find(a)))
            return report_usage(
                apr_psprintf(p, "no report named '%s' (momentiqctl report --list)", a));
    }
    if (!rep)
        return report_usage("which report? (momentiqctl report --list)");
    if (!have_since)
        since = until - apr_time_from_sec((apr_time_t)DEFAULT_DAYS * 86400);
    if (since >= until)
        return report_usage("--since must be before --until");

    if ((err = miq_apr_db_open(p, conninfo, &db)) || (err = miq_apr_db_prepare_all(db))) {
        fprintf(stderr, "momentiqctl: %s\n", err);
        return 1;
    }
    args[0] = miq_report_time_sql(p, since);
    args[1] = miq_report_time_sql(p, until);
    rows = miq_apr_db_select_stmt(db, p, rep->stmt, 2, args, &ncols, &err);
    apr_dbd_close(db->driver, db->handle);
    if (!rows) {
        fprintf(stderr, "momentiqctl: report %s failed: %s\n", rep->name, err);
        return 1;
    }
    if (rows->nelts && ncols != rep->ncols) {
        fprintf(stderr, "momentiqctl: report %s returned %d columns, expected %d\n", rep->name,
                ncols, rep->ncols);
        return 1;
    }
    fputs(miq_report_render(p, rep, rows, (miq_report_format_e)fmt), stdout);
    return 0;
}
