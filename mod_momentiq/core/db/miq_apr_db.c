/* apr_dbd for the worker and momentiqctl (see miq_apr_db.h). */
#include <stdlib.h>
#include <string.h>
#include <libpq-fe.h>
#include <apr_strings.h>
#include "db/miq_apr_db.h"

const char *miq_apr_db_open(apr_pool_t *p, const char *conninfo, miq_apr_db **out)
{
    miq_apr_db *db = apr_pcalloc(p, sizeof(*db));
    const char *err = NULL;
    apr_status_t rv;
    if (!conninfo)
        conninfo = getenv("MOMENTIQ_DB");
    if (!conninfo || !*conninfo)
        return "no database: set MOMENTIQ_DB to a libpq conninfo string or pass --db";
    db->pool = p;
    apr_dbd_init(p);
    if ((rv = apr_dbd_get_driver(p, "pgsql", &db->driver)) != APR_SUCCESS)
        return "the apr_dbd pgsql driver is missing (install libaprutil1-dbd-pgsql)";
    if (apr_dbd_open_ex(db->driver, p, conninfo, &db->handle, &err) != APR_SUCCESS)
        return apr_psprintf(p, "cannot connect to PostgreSQL: %s", err ? err : "unknown error");
    *out = db;
    return NULL;
}

const char *miq_apr_db_prepare_all(miq_apr_db *db)
{
    const miq_sql_stmt *all = miq_sql_all();
    int i, rv;
    db->prepared = 1;
    for (i = 0; i < MIQ_SQL_COUNT; i++) {
        rv = apr_dbd_prepare(db->driver, db->pool, db->handle, all[i].sql, all[i].label,
                             &db->stmts[i]);
        if (rv)
            return apr_psprintf(db->pool, "%s: %s", all[i].label,
                                apr_dbd_error(db->driver, db->handle, rv));
    }
    return NULL;
}

static int connection_lost(miq_apr_db *db, const char *err)
{
    PGconn *pg = apr_dbd_native_handle(db->driver, db->handle);
    return !pg || PQstatus(pg) != CONNECTION_OK ||
           (err && strstr(err, "prepared statement") && strstr(err, "does not exist"));
}

int miq_apr_db_recover(miq_apr_db *db, const char **err)
{
    PGconn *pg = apr_dbd_native_handle(db->driver, db->handle);
    PGresult *cleared;
    const char *perr;
    if (!pg)
        return -1;
    if (PQstatus(pg) != CONNECTION_OK) {
        PQreset(pg);
        if (PQstatus(pg) != CONNECTION_OK) {
            *err = apr_pstrcat(db->pool, "the database is unavailable: ", PQerrorMessage(pg), NULL);
            return -1;
        }
    }
    db->generation++;
    if (!db->prepared)
        return 0;
    cleared = PQexec(pg, "DEALLOCATE ALL"); /* no label may be left half-taken */
    PQclear(cleared);
    if ((perr = miq_apr_db_prepare_all(db))) {
        *err = perr;
        return -1;
    }
    return 0;
}

const char *miq_apr_db_exec_text(miq_apr_db *db, const char *sql)
{
    int nrows = 0, rv = apr_dbd_query(db->driver, db->handle, &nrows, sql);
    return rv ? apr_pstrdup(db->pool, apr_dbd_error(db->driver, db->handle, rv)) : NULL;
}

int miq_apr_db_exec(miq_apr_db *db, apr_pool_t *p, miq_sql_id_e id, int nargs, const char **args,
                    const char **err)
{
    int nrows = 0, rv;
    if (!db->stmts[id]) {
        *err = "statement not prepared";
        return -1;
    }
    rv = apr_dbd_pquery(db->driver, p, db->handle, &nrows, db->stmts[id], nargs, args);
    if (rv) {
        *err = apr_pstrdup(p, apr_dbd_error(db->driver, db->handle, rv));
        if (!connection_lost(db, *err) || miq_apr_db_recover(db, err))
            return -1;
        rv = apr_dbd_pquery(db->driver, p, db->handle, &nrows, db->stmts[id], nargs, args);
        if (rv) {
            *err = apr_pstrdup(p, apr_dbd_error(db->driver, db->handle, rv));
            return -1;
        }
    }
    return nrows;
}

/* Every row of res as pool strings (NULL for SQL NULL); drains to -1 so the
 * connection is clean for the next statement. */
static apr_array_header_t *collect_rows(miq_apr_db *db, apr_pool_t *p, apr_dbd_results_t *res,
                                        int *ncols)
{
    apr_dbd_row_t *row = NULL;
    apr_array_header_t *rows;
    int i;
    *ncols = apr_dbd_num_cols(db->driver, res);
    rows = apr_array_make(p, 8, sizeof(const char **));
    while (apr_dbd_get_row(db->driver, p, res, &row, -1) == 0) {
        const char **r = apr_pcalloc(p, sizeof(char *) * (*ncols + 1));
        for (i = 0; i < *ncols; i++) {
            const char *v = apr_dbd_get_entry(db->driver, row, i);
            r[i] = v ? apr_pstrdup(p, v) : NULL;
        }
        APR_ARRAY_PUSH(rows, const char **) = r;
    }
    return rows;
}

apr_array_header_t *miq_apr_db_select_text(miq_apr_db *db, apr_pool_t *p, const char *sql,
                                           int *ncols, const char **err)
{
    apr_dbd_results_t *res = NULL;
    int rv = apr_dbd_select(db->driver, p, db->handle, &res, sql, 1);
    if (rv) {
        *err = apr_pstrdup(p, apr_dbd_error(db->driver, db->handle, rv));
        return NULL;
    }
    return collect_rows(db, p, res, ncols);
}

apr_array_header_t *miq_apr_db_select_stmt(miq_apr_db *db, apr_pool_t *p, miq_sql_id_e id,
                                           int nargs, const char **args, int *ncols,
                                           const char **err)
{
    apr_dbd_results_t *res = NULL;
    int rv;
    if (!db->stmts[id]) {
        *err = "statement not prepared";
        return NULL;
    }
    rv = apr_dbd_pselect(db->driver, p, db->handle, &res, db->stmts[id], 1, nargs, args);
    if (rv) {
        *err = apr_pstrdup(p, apr_dbd_error(db->driver, db->handle, rv));
        if (!connection_lost(db, *err) || miq_apr_db_recover(db, err))
            return NULL;
        rv = apr_dbd_pselect(db->driver, p, db->handle, &res, db->stmts[id], 1, nargs, args);
        if (rv) {
            *err = apr_pstrdup(p, apr_dbd_error(db->driver, db->handle, rv));
            return NULL;
        }
    }
    return collect_rows(db, p, res, ncols);
}
