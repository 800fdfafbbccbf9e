/* The core's database interface (miq_db) over mod_dbd: catalog statements run
 * on the request's pooled connection, rows allocated in the pool the core
 * passes (so a polling loop can clear its own subpool). */
#include <string.h>
#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <apr_strings.h>
#include "mod_momentiq_private.h"
#include "mod_momentiq_dbd_core.h"

typedef struct dbcore {
    request_rec *r;
    ap_dbd_t *dbd;
} dbcore;

/* Statements without a row set: plain INSERT/UPDATE/DELETE without RETURNING. */
static int returns_rows(const char *sql)
{
    return !strncmp(sql, "SELECT", 6) || !strncmp(sql, "WITH", 4) || strstr(sql, "RETURNING");
}

static apr_array_header_t *dbcore_query(void *baton, apr_pool_t *p, miq_sql_id_e id, int nargs,
                                        const char *const *args, int *ncols, const char **err)
{
    dbcore *d = baton;
    const miq_sql_stmt *st = miq_sql_get(id);
    apr_dbd_prepared_t *ps;
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *dbrow = NULL;
    apr_array_header_t *rows;
    int rv, i, nrows = 0;
    *ncols = 0;
    if (!st || !d->dbd) {
        *err = !st ? "unknown statement" : "no database connection";
        return NULL;
    }
    ps = apr_hash_get(d->dbd->prepared, st->label, APR_HASH_KEY_STRING);
    if (!ps) {
        *err = "statement not prepared";
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, d->r,
                      "MomentIQ: statement %s is not prepared (schema not migrated?)", st->label);
        return NULL;
    }
    rows = apr_array_make(p, 8, sizeof(const char **));
    if (!returns_rows(st->sql)) {
        rv = apr_dbd_pquery(d->dbd->driver, p, d->dbd->handle, &nrows, ps, nargs,
                            (const char **)args);
    }
    else {
        rv = apr_dbd_pselect(d->dbd->driver, p, d->dbd->handle, &res, ps, 1, nargs,
                             (const char **)args);
    }
    if (rv) {
        *err = apr_pstrdup(p, apr_dbd_error(d->dbd->driver, d->dbd->handle, rv));
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, d->r, "MomentIQ: %s failed: %s", st->label, *err);
        return NULL;
    }
    if (!res)
        return rows;
    *ncols = apr_dbd_num_cols(d->dbd->driver, res);
    while (apr_dbd_get_row(d->dbd->driver, p, res, &dbrow, -1) == 0) {
        const char **row = apr_pcalloc(p, sizeof(char *) * (*ncols + 1));
        for (i = 0; i < *ncols; i++) {
            const char *v = apr_dbd_get_entry(d->dbd->driver, dbrow, i);
            row[i] = v ? apr_pstrdup(p, v) : NULL;
        }
        APR_ARRAY_PUSH(rows, const char **) = row;
    }
    return rows;
}

void miq_db_bind(request_rec *r, ap_dbd_t *dbd, miq_db *out)
{
    dbcore *d = apr_pcalloc(r->pool, sizeof(*d));
    d->r = r;
    d->dbd = dbd;
    out->baton = d;
    out->query = dbcore_query;
}
