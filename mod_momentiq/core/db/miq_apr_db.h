/* apr_dbd for the worker and momentiqctl: one connection, the same SQL
 * catalog as httpd, prepared under the same labels. */
#ifndef MIQ_APR_DB_H
#define MIQ_APR_DB_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <apr_dbd.h>
#include "db/miq_sql.h"

typedef struct miq_apr_db {
    apr_pool_t *pool;
    const apr_dbd_driver_t *driver;
    apr_dbd_t *handle;
    apr_dbd_prepared_t *stmts[MIQ_SQL_COUNT];
    int prepared;        /* miq_apr_db_prepare_all has run */
    unsigned generation; /* bumped each time a lost connection is restored: a
                          * LISTEN must then be issued again */
} miq_apr_db;

/* Connects with a libpq conninfo string (NULL: $MOMENTIQ_DB). NULL or error. */
const char *miq_apr_db_open(apr_pool_t *p, const char *conninfo, miq_apr_db **out);
/* Prepares every catalog statement; NULL, or the first one that fails and why. */
const char *miq_apr_db_prepare_all(miq_apr_db *db);
/* Runs SQL text (may hold several statements). NULL or the error. */
const char *miq_apr_db_exec_text(miq_apr_db *db, const char *sql);
/* Restores a connection PostgreSQL lost (a restart): libpq reset, and the
 * catalog prepared again when it was. 0 when the connection works (again),
 * -1 with *err while the database is unavailable. */
int miq_apr_db_recover(miq_apr_db *db, const char **err);
/* Runs a catalog statement; returns affected rows or -1 (error in *err). A
 * statement that fails because the connection was lost is run once more on
 * the restored connection. */
int miq_apr_db_exec(miq_apr_db *db, apr_pool_t *p, miq_sql_id_e id, int nargs, const char **args,
                    const char **err);
/* Rows of a prepared catalog statement (each a const char ** of *ncols), or
 * NULL with *err. */
apr_array_header_t *miq_apr_db_select_stmt(miq_apr_db *db, apr_pool_t *p, miq_sql_id_e id,
                                           int nargs, const char **args, int *ncols,
                                           const char **err);
/* Runs a query; returns the rows as an array of (const char **) or NULL with *err. */
apr_array_header_t *miq_apr_db_select_text(miq_apr_db *db, apr_pool_t *p, const char *sql,
                                           int *ncols, const char **err);

#endif
