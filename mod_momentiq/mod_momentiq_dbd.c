/* mod_dbd glue: every catalog statement is registered with ap_dbd_prepare
 * while the configuration is processed, and run per request on the request's
 * pooled connection.
 *
 * Recovery: when PostgreSQL restarts, mod_dbd's connection check resets a
 * pooled connection (libpq PQreset) but the new backend knows none of the
 * prepared statements, and mod_dbd never prepares them again: every request
 * would fail until Apache restarts. So each connection remembers the backend
 * its statements were prepared on; on a new backend, or when a statement
 * fails because the connection was lost, the connection is reset, the catalog
 * prepared again under the same labels, and the statement run once more.
 * While the database is down, requests get 503 and nothing is retried. */
#include <string.h>
#include <libpq-fe.h>
#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <apr_optional.h>
#include <apr_strings.h>
#include "mod_momentiq_private.h"
#include "mod_momentiq_dbd.h"

static APR_OPTIONAL_FN_TYPE(ap_dbd_prepare) * dbd_prepare;
static APR_OPTIONAL_FN_TYPE(ap_dbd_acquire) * dbd_acquire;
static APR_OPTIONAL_FN_TYPE(ap_dbd_open) * dbd_open;
static APR_OPTIONAL_FN_TYPE(ap_dbd_close) * dbd_close;

void miq_db_prepare_all(server_rec *s)
{
    const miq_sql_stmt *all = miq_sql_all();
    int i;
    if (!dbd_prepare) {
        dbd_prepare = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_prepare);
        dbd_acquire = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_acquire);
        dbd_open = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_open);
        dbd_close = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_close);
    }
    if (!dbd_prepare) {
        ap_log_error(
            APLOG_MARK, APLOG_ERR, 0, s,
            MIQLOGNO(10903) "MomentIQ needs mod_dbd (LoadModule dbd_module) with DBDriver pgsql");
        return;
    }
    for (i = 0; i < MIQ_SQL_COUNT; i++)
        dbd_prepare(s, all[i].sql, all[i].label);
}

ap_dbd_t *miq_dbd(request_rec *r)
{
    ap_dbd_t *dbd = dbd_acquire ? dbd_acquire(r) : NULL;
    if (!dbd)
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      MIQLOGNO(
                          10904) "MomentIQ: no database connection (is PostgreSQL up and mod_dbd "
                                 "configured?)");
    return dbd;
}

ap_dbd_t *miq_dbd_open(request_rec *r)
{
    ap_dbd_t *dbd = dbd_open ? dbd_open(r->pool, r->server) : NULL;
    if (!dbd)
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      APLOGNO(
                          10905) "MomentIQ: no database connection (is PostgreSQL up and mod_dbd "
                                 "configured?)");
    return dbd;
}

void miq_dbd_close(request_rec *r, ap_dbd_t *dbd)
{
    if (dbd && dbd_close)
        dbd_close(r->server, dbd);
}

#define BACKEND_PID_KEY "miq_backend_pid"

/* The backend pid dbd's statements were prepared on (0: not known yet). */
static int *prepared_on(ap_dbd_t *dbd)
{
    void *v = NULL;
    apr_pool_userdata_get(&v, BACKEND_PID_KEY, dbd->pool);
    if (!v) {
        v = apr_pcalloc(dbd->pool, sizeof(int));
        apr_pool_userdata_setn(v, BACKEND_PID_KEY, NULL, dbd->pool);
    }
    return v;
}

/* Prepares the whole catalog on dbd's current backend, under mod_dbd's labels. */
static int prepare_catalog(ap_dbd_t *dbd, const char **err)
{
    const miq_sql_stmt *all = miq_sql_all();
    PGresult *cleared = PQexec(apr_dbd_native_handle(dbd->driver, dbd->handle), "DEALLOCATE ALL");
    int i, rv;
    PQclear(cleared); /* a half-prepared backend must not refuse a label as taken */
    for (i = 0; i < MIQ_SQL_COUNT; i++) {
        apr_dbd_prepared_t *ps = NULL;
        rv = apr_dbd_prepare(dbd->driver, dbd->pool, dbd->handle, all[i].sql, all[i].label, &ps);
        if (rv) {
            *err = apr_pstrcat(dbd->pool, all[i].label, ": ",
                               apr_dbd_error(dbd->driver, dbd->handle, rv), NULL);
            return -1;
        }
        apr_hash_set(dbd->prepared, all[i].label, APR_HASH_KEY_STRING, ps);
    }
    return 0;
}

/* 0 when the connection is up and its backend has the catalog prepared
 * (preparing it when libpq has meanwhile reset the connection to a new
 * backend); -1 otherwise. force: prepare again whatever the backend. */
static int ensure_prepared(ap_dbd_t *dbd, int force, const char **err)
{
    PGconn *pg = apr_dbd_native_handle(dbd->driver, dbd->handle);
    int *on = prepared_on(dbd), pid;
    if (!pg || PQstatus(pg) != CONNECTION_OK) {
        *err = "the database connection is lost";
        return -1;
    }
    pid = PQbackendPID(pg);
    if (!*on && !force) {
        *on = pid; /* mod_dbd prepared the catalog when it opened this connection */
        return 0;
    }
    if (*on == pid && !force)
        return 0;
    *on = 0;
    if (prepare_catalog(dbd, err))
        return -1;
    *on = pid;
    return 0;
}

/* Resets a lost connection (apr_dbd_check_conn: PQreset) and prepares the
 * catalog on the new backend. 0 when the connection works again. */
static int recover(ap_dbd_t *dbd, const char **err)
{
    PGconn *pg = apr_dbd_native_handle(dbd->driver, dbd->handle);
    if (!pg)
        return -1;
    if (PQstatus(pg) != CONNECTION_OK &&
        apr_dbd_check_conn(dbd->driver, dbd->pool, dbd->handle) != APR_SUCCESS) {
        *err = "the database is unavailable";
        return -1;
    }
    return ensure_prepared(dbd, 1, err);
}

/* Whether a failed statement is worth one more try on a recovered
 * connection: the connection is gone, or the backend lost the statement. */
static int lost_connection(ap_dbd_t *dbd, const char *err)
{
    PGconn *pg = apr_dbd_native_handle(dbd->driver, dbd->handle);
    return !pg || PQstatus(pg) != CONNECTION_OK ||
           (err && strstr(err, "prepared statement") && strstr(err, "does not exist"));
}

int miq_dbd_run(ap_dbd_t *dbd, apr_pool_t *p, miq_sql_id_e id, int nargs, const char *const *args,
                int *nrows, apr_dbd_results_t **res, const char **err)
{
    const miq_sql_stmt *st = miq_sql_get(id);
    int attempt, rv = -1;
    *err = NULL;
    if (!st || !dbd) {
        *err = !st ? "unknown statement" : "no database connection";
        return -1;
    }
    for (attempt = 0; attempt < 2; attempt++) {
        apr_dbd_prepared_t *ps;
        if (ensure_prepared(dbd, 0, err) && (attempt || recover(dbd, err)))
            return -1;
        ps = apr_hash_get(dbd->prepared, st->label, APR_HASH_KEY_STRING);
        if (!ps) {
            *err = "the statement is not prepared (schema not migrated?)";
            return -1;
        }
        if (res)
            rv = apr_dbd_pselect(dbd->driver, p, dbd->handle, res, ps, 1, nargs,
                                 (const char **)args);
        else
            rv = apr_dbd_pquery(dbd->driver, p, dbd->handle, nrows, ps, nargs, (const char **)args);
        if (!rv)
            return 0;
        *err = apr_pstrdup(p, apr_dbd_error(dbd->driver, dbd->handle, rv));
        if (attempt || !lost_connection(dbd, *err) || recover(dbd, err))
            return rv;
    }
    return rv;
}

int miq_db_exec(request_rec *r, ap_dbd_t *dbd, miq_sql_id_e id, int nargs, const char **args)
{
    const char *err;
    int nrows = 0;
    if (miq_dbd_run(dbd, r->pool, id, nargs, args, &nrows, NULL, &err)) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, MIQLOGNO(10906) "MomentIQ: %s failed: %s",
                      miq_sql_get(id)->label, err);
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
    const char *err;
    apr_array_header_t *rows = miq_dbd_select(dbd, r->pool, id, nargs, args, ncols, &err);
    if (!rows)
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, MIQLOGNO(10908) "MomentIQ: %s failed: %s",
                      miq_sql_get(id)->label, err);
    return rows;
}

apr_array_header_t *miq_dbd_select(ap_dbd_t *dbd, apr_pool_t *p, miq_sql_id_e id, int nargs,
                                   const char *const *args, int *ncols, const char **err)
{
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *dbrow = NULL;
    apr_array_header_t *rows;
    int i;
    *ncols = 0;
    if (miq_dbd_run(dbd, p, id, nargs, args, NULL, &res, err))
        return NULL;
    *ncols = apr_dbd_num_cols(dbd->driver, res);
    rows = apr_array_make(p, 8, sizeof(const char **));
    while (apr_dbd_get_row(dbd->driver, p, res, &dbrow, -1) == 0) {
        const char **row = apr_pcalloc(p, sizeof(char *) * (*ncols + 1));
        for (i = 0; i < *ncols; i++) {
            const char *v = apr_dbd_get_entry(dbd->driver, dbrow, i);
            row[i] = v ? apr_pstrdup(p, v) : NULL;
        }
        APR_ARRAY_PUSH(rows, const char **) = row;
    }
    return rows;
}
