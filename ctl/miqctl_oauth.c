/* momentiqctl oauth trail ID: the diagnostic trail of one authorization (ID
 * is the correlation id the consent screen and error descriptions show,
 * "corr_..."), or the latest 200 steps of a client (ID is a client_id), so a
 * failed connector setup can be explained. No secret is ever in the trail. */
#include <stdio.h>
#include <string.h>
#include <apr_strings.h>
#include "miqctl_oauth.h"
#include "db/miq_apr_db.h"

int miqctl_oauth_handles(const char *cmd)
{
    return cmd && !strcmp(cmd, "oauth");
}

static int oauth_usage(void)
{
    fprintf(stderr, "usage: momentiqctl oauth trail ID\n"
                    "       ID: a correlation id (corr_...) or a client_id\n");
    return 2;
}

int miqctl_oauth_run(apr_pool_t *p, const char *conninfo, int argc, const char *const *argv)
{
    const char *err, *args[2];
    apr_array_header_t *rows;
    miq_apr_db *db;
    int i, ncols;
    if (argc != 2 || strcmp(argv[0], "trail") || !*argv[1])
        return oauth_usage();
    if ((err = miq_apr_db_open(p, conninfo, &db)) || (err = miq_apr_db_prepare_all(db))) {
        fprintf(stderr, "momentiqctl: %s\n", err);
        return 1;
    }
    args[0] = argv[1];
    args[1] = argv[1];
    rows = miq_apr_db_select_stmt(db, p, MIQ_SQL_OAUTH_TRAIL_GET, 2, args, &ncols, &err);
    apr_dbd_close(db->driver, db->handle);
    if (!rows) {
        fprintf(stderr, "momentiqctl: %s\n", err);
        return 1;
    }
    if (!rows->nelts) {
        fprintf(stderr, "momentiqctl: no OAuth trail for %s\n", argv[1]);
        return 1;
    }
    printf("%-24s %-21s %-10s %-6s %-22s %s\n", "at", "correlation", "step", "result", "error",
           "detail");
    for (i = 0; i < rows->nelts; i++) {
        const char **r = APR_ARRAY_IDX(rows, i, const char **);
        printf("%-24s %-21s %-10s %-6s %-22s %s [client %s%s%s]\n", r[0], r[1], r[4], r[5],
               *r[6] ? r[6] : "-", r[7], *r[2] ? r[2] : "-", *r[3] ? ", account " : "", r[3]);
    }
    return 0;
}
