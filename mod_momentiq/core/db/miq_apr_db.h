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
} miq_apr_db;

/* Connects with a libpq conninfo string (NULL: $MOMENTIQ_DB). NULL or error. */
const char *miq_apr_db_open(apr_pool_t *p, const char *conninfo, miq_apr_db **out);
/* Prepares every catalog statement; NULL, or the first one that fails and why. */
const char *miq_apr_db_prepare_all(miq_apr_db *db);
/* Runs SQL text (may hold several statements). NULL or the error. */
const char *miq_apr_db_exec_text(miq_apr_db *db, const char *sql);
/* Runs a catalog statement; returns affected rows or -1 (error in *err). */
int miq_apr_db_exec(miq_apr_db *db, apr_pool_t *p, miq_sql_id_e id, int nargs, const char **args,
                 const char **err);
/* Rows of a prepared catalog statement (each a const char ** of *ncols), or
 * NULL with *err. */
apr_array_header_t *miq_apr_db_select_stmt(miq_apr_db *db, apr_pool_t *p, miq_sql_id_e id, int nargs,
                                        const char **args, int *ncols, const char **err);
/* Runs a query; returns the rows as an array of (const char **) or NULL with *err. */
apr_array_header_t *miq_apr_db_select_text(miq_apr_db *db, apr_pool_t *p, const char *sql, int *ncols,
                                        const char **err);

#endif
