/* momentiqctl credits grant|show: add credits to an account's ledger, read
 * its balance. (Caps, free credits and Stripe top-ups come with billing.) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include "miqw_ctl_credits.h"
#include "miqw_db.h"

int miqw_ctl_credits_handles(const char *cmd)
{
    return cmd && !strcmp(cmd, "credits");
}

static int credits_usage(void)
{
    fprintf(stderr, "usage: momentiqctl credits grant --email ADDRESS --credits N [--note TEXT]\n"
                    "       momentiqctl credits show --email ADDRESS\n");
    return 2;
}

int miqw_ctl_credits_run(apr_pool_t *p, const char *conninfo, int argc, const char *const *argv)
{
    const char *email = NULL, *credits = NULL, *note = "granted by momentiqctl", *err;
    const char *args[3];
    miqw_db *db;
    apr_array_header_t *rows;
    int i, ncols, grant;
    char *end;
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
    if ((err = miqw_db_open(p, conninfo, &db)) || (err = miqw_db_prepare_all(db))) {
        fprintf(stderr, "momentiqctl: %s\n", err);
        return 1;
    }
    if (grant) {
        args[0] = email;
        args[1] = credits;
        args[2] = note;
        rows = miqw_db_select_stmt(db, p, MIQ_SQL_CREDITS_GRANT, 3, args, &ncols, &err);
    }
    else {
        args[0] = email;
        rows = miqw_db_select_stmt(db, p, MIQ_SQL_BALANCE_BY_EMAIL, 1, args, &ncols, &err);
    }
    if (!rows) {
        fprintf(stderr, "momentiqctl: %s\n", err);
        return 1;
    }
    if (!rows->nelts) {
        fprintf(stderr, "momentiqctl: no account with the email %s\n", email);
        return 1;
    }
    printf("account %s: balance %s credits\n", APR_ARRAY_IDX(rows, 0, const char **)[0],
           APR_ARRAY_IDX(rows, 0, const char **)[1]);
    apr_dbd_close(db->driver, db->handle);
    return 0;
}
