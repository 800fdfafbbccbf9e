/* mod_dbd glue: every catalog statement is registered with ap_dbd_prepare
 * while the configuration is processed, and run per request on the request's
 * pooled connection. */
#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <apr_optional.h>
#include <apr_strings.h>
#include "mod_momentiq_private.h"
#include "mod_momentiq_dbd.h"

static APR_OPTIONAL_FN_TYPE(ap_dbd_prepare) *dbd_prepare;
static APR_OPTIONAL_FN_TYPE(ap_dbd_acquire) *dbd_acquire;

void miq_db_prepare_all(server_rec *s)
{
    const miq_sql_stmt *all = miq_sql_all();
    int i;
    if (!dbd_prepare) {
        dbd_prepare = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_prepare);
        dbd_acquire = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_acquire);
    }
    if (!dbd_prepare) {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, APLOGNO(10903)
                     "MomentIQ needs mod_dbd (LoadModule dbd_module) with DBDriver pgsql");
        return;
    }
    for (i = 0; i < MIQ_SQL_COUNT; i++)
        dbd_prepare(s, all[i].sql, all[i].label);
}

ap_dbd_t *miq_dbd(request_rec *r)
{
    ap_dbd_t *dbd = dbd_acquire ? dbd_acquire(r) : NULL;
    if (!dbd)
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, APLOGNO(10904)
                      "MomentIQ: no database connection (is PostgreSQL up and mod_dbd "
                      "configured?)");
    return dbd;
}

static apr_dbd_prepared_t *stmt(request_rec *r, ap_dbd_t *dbd, miq_sql_id_e id)
{
    const miq_sql_stmt *st = miq_sql_get(id);
    apr_dbd_prepared_t *ps = apr_hash_get(dbd->prepared, st->label, APR_HASH_KEY_STRING);
    if (!ps)
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, APLOGNO(10905)
                      "MomentIQ: statement %s is not prepared (schema not migrated?)", st->label);
    return ps;
}

int miq_db_exec(request_rec *r, ap_dbd_t *dbd, miq_sql_id_e id, int nargs, const char **args)
{
    apr_dbd_prepared_t *ps;
    int nrows = 0, rv;
    if (!dbd || !(ps = stmt(r, dbd, id)))
        return -1;
    rv = apr_dbd_pquery(dbd->driver, r->pool, dbd->handle, &nrows, ps, nargs, args);
    if (rv) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, APLOGNO(10906) "MomentIQ: %s failed: %s",
                      miq_sql_get(id)->label, apr_dbd_error(dbd->driver, dbd->handle, rv));
        return -1;
    }
    return nrows;
}

int miq_db_row(request_rec *r, ap_dbd_t *dbd, miq_sql_id_e id, int nargs, const char **args,
               const char ***row, int *ncols)
{
    apr_array_header_t *rows = miq_db_rows(r, dbd, id, nargs, args, ncols);
    if (!rows)
        return -1;
    if (!rows->nelts)
        return 0;
    *row = APR_ARRAY_IDX(rows, 0, const char **);
    return 1;
}

apr_array_header_t *miq_db_rows(request_rec *r, ap_dbd_t *dbd, miq_sql_id_e id, int nargs,
                                const char **args, int *ncols)
{
    apr_dbd_prepared_t *ps;
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *dbrow = NULL;
    apr_array_header_t *rows;
    int rv, i;
    if (!dbd || !(ps = stmt(r, dbd, id)))
        return NULL;
    rv = apr_dbd_pselect(dbd->driver, r->pool, dbd->handle, &res, ps, 1, nargs, args);
    if (rv) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, APLOGNO(10908) "MomentIQ: %s failed: %s",
                      miq_sql_get(id)->label, apr_dbd_error(dbd->driver, dbd->handle, rv));
        return NULL;
    }
    *ncols = apr_dbd_num_cols(dbd->driver, res);
    rows = apr_array_make(r->pool, 8, sizeof(const char **));
    while (apr_dbd_get_row(dbd->driver, r->pool, res, &dbrow, -1) == 0) {
        const char **row = apr_pcalloc(r->pool, sizeof(char *) * (*ncols + 1));
        for (i = 0; i < *ncols; i++) {
            const char *v = apr_dbd_get_entry(dbd->driver, dbrow, i);
            row[i] = v ? apr_pstrdup(r->pool, v) : NULL;
        }
        APR_ARRAY_PUSH(rows, const char **) = row;
    }
    return rows;
}
