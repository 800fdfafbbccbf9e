/* momentiqctl credits grant|show and billing report: add credits to an
 * account's ledger, read its balance, cap, spend and alerts, and print every
 * account's billing (the admin_billing_report view). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include "miqctl_credits.h"
#include "db/miq_apr_db.h"

int miqctl_credits_handles(const char *cmd)
{
    return cmd && (!strcmp(cmd, "credits") || !strcmp(cmd, "billing"));
}

static int credits_usage(void)
{
    fprintf(stderr, "usage: momentiqctl credits grant --email ADDRESS --credits N [--note TEXT]\n"
                    "       momentiqctl credits show --email ADDRESS\n"
                    "       momentiqctl billing report\n");
    return 2;
}

static const char *open_db(apr_pool_t *p, const char *conninfo, miq_apr_db **db)
{
    const char *err = miq_apr_db_open(p, conninfo, db);
    if (!err)
        err = miq_apr_db_prepare_all(*db);
    return err;
}

/* One line per account, then the totals. */
static int billing_report(apr_pool_t *p, const char *conninfo)
{
    const char *err;
    miq_apr_db *db;
    apr_array_header_t *rows;
    long long tot[5] = {0, 0, 0, 0, 0};
    int i, ncols;
    if ((err = open_db(p, conninfo, &db))) {
        fprintf(stderr, "momentiqctl: %s\n", err);
        return 1;
    }
    rows = miq_apr_db_select_stmt(db, p, MIQ_SQL_BILLING_REPORT, 0, NULL, &ncols, &err);
    if (!rows || (rows->nelts && ncols < 10)) {
        fprintf(stderr, "momentiqctl: %s\n", rows ? "unexpected report shape" : err);
        apr_dbd_close(db->driver, db->handle);
        return 1;
    }
    printf("%-8s %-32s %-10s %10s %10s %10s %10s %10s %12s %6s\n", "account", "email", "billing",
           "balance", "cap", "spent", "granted", "topped_up", "paid_minor", "alerts");
    for (i = 0; i < rows->nelts; i++) {
        const char **r = APR_ARRAY_IDX(rows, i, const char **);
        printf("%-8s %-32s %-10s %10s %10s %10s %10s %10s %12s %6s\n", r[0], r[1], r[2], r[3], r[4],
               r[5], r[6], r[7], r[8], r[9]);
        tot[0] += atoll(r[3]);
        tot[1] += atoll(r[5]);
        tot[2] += atoll(r[6]);
        tot[3] += atoll(r[7]);
        tot[4] += atoll(r[8]);
    }
    printf("total: %d accounts, balance %lld, spent this period %lld, granted %lld, "
           "topped up %lld credits, paid %lld (minor units)\n",
           rows->nelts, tot[0], tot[1], tot[2], tot[3], tot[4]);
    apr_dbd_close(db->driver, db->handle);
    return 0;
}

int miqctl_credits_run(apr_pool_t *p, const char *conninfo, int argc, const char *const *argv)
{
    const char *email = NULL, *credits = NULL, *note = "granted by momentiqctl", *err;
    const char *args[3], **r;
    miq_apr_db *db;
    apr_array_header_t *rows;
    int i, ncols, grant;
    char *end;
    if (argc == 1 && !strcmp(argv[0], "report"))
        return billing_report(p, conninfo);
    if (argc < 1 || (strcmp(argv[0], "grant") && strcmp(argv[0], "show")))
        return credits_usage();
    grant = !strcmp(argv[0], "grant");
    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--email") && i + 1 < argc)
            email = argv[++i];
        else if (!strcmp(argv[i], "--credits") && i + 1 < argc)
            credits = argv[++i];
        else if (!strcmp(argv[i], "--note") && i + 1 < argc)
            note = argv[++i];
        else
            return credits_usage();
    }
    if (!email || (grant && !credits))
        return credits_usage();
    if (grant) {
        long long n = strtoll(credits, &end, 10);
        if (*end || n < 1 || n > 1000000000LL) {
            fprintf(stderr, "momentiqctl: --credits must be a whole number from 1 to 1e9\n");
            return 2;
        }
    }
    if ((err = open_db(p, conninfo, &db))) {
        fprintf(stderr, "momentiqctl: %s\n", err);
        return 1;
    }
    args[0] = email;
    if (grant) {
        args[1] = credits;
        args[2] = note;
        rows = miq_apr_db_select_stmt(db, p, MIQ_SQL_CREDITS_GRANT, 3, args, &ncols, &err);
    }
    else
        rows = miq_apr_db_select_stmt(db, p, MIQ_SQL_BILLING_SHOW, 1, args, &ncols, &err);
    if (!rows) {
        fprintf(stderr, "momentiqctl: %s\n", err);
        apr_dbd_close(db->driver, db->handle);
        return 1;
    }
    if (!rows->nelts) {
        fprintf(stderr, "momentiqctl: no account with the email %s\n", email);
        apr_dbd_close(db->driver, db->handle);
        return 1;
    }
    r = APR_ARRAY_IDX(rows, 0, const char **);
    printf("account %s: balance %s credits\n", r[0], r[1]);
    if (!grant && ncols >= 7)
        printf("monthly spend cap: %s\nspent this period: %s credits\nbilling: %s\n"
               "alert thresholds: %s\nalerts this period: %s\n",
               *r[2] ? r[2] : "none", r[3], r[4], *r[5] ? r[5] : "server default", r[6]);
    apr_dbd_close(db->driver, db->handle);
    return 0;
}
