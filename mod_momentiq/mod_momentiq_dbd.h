/* The database through mod_dbd (mod_momentiq_dbd.c): every catalog statement
 * prepared at post_config, a pooled connection per request. */
#ifndef MOD_MOMENTIQ_DBD_H
#define MOD_MOMENTIQ_DBD_H

#include <httpd.h>
#include <apr_dbd.h>
#include <mod_dbd.h>
#include "db/miq_sql.h"

void miq_db_prepare_all(server_rec *s);
ap_dbd_t *miq_dbd(request_rec *r);
/* A pooled connection taken for a moment (ap_dbd_open), not tied to the
 * request: give it back with miq_dbd_close as soon as the statement is done.
 * For requests that wait long (wait_s), so they never pin one of DBDMax. */
ap_dbd_t *miq_dbd_open(request_rec *r);
void miq_dbd_close(request_rec *r, ap_dbd_t *dbd);
/* Runs a catalog statement that returns no rows; NULL args are SQL NULL.
 * Returns the affected row count, or -1 on error (logged). */
int miq_db_exec(request_rec *r, ap_dbd_t *dbd, miq_sql_id_e id, int nargs, const char **args);
/* Runs a catalog query; *row gets the first row's columns (pool strings,
 * NULL for SQL NULL), ncols set. Returns 1 with a row, 0 without, -1 on error. */
int miq_db_row(request_rec *r, ap_dbd_t *dbd, miq_sql_id_e id, int nargs, const char **args,
               const char ***row, int *ncols);
/* All rows (each a const char ** of ncols pool strings); NULL on error. */
apr_array_header_t *miq_db_rows(request_rec *r, ap_dbd_t *dbd, miq_sql_id_e id, int nargs,
                                const char **args, int *ncols);

/* Runs a catalog statement on dbd, recovering a connection PostgreSQL lost
 * (reset, statements prepared again, one more try). res NULL: no row set,
 * *nrows the affected rows. 0, or -1/an apr_dbd error with *err. */
int miq_dbd_run(ap_dbd_t *dbd, apr_pool_t *p, miq_sql_id_e id, int nargs, const char *const *args,
                int *nrows, apr_dbd_results_t **res, const char **err);
/* The rows of a catalog statement, allocated in p, or NULL with *err. */
apr_array_header_t *miq_dbd_select(ap_dbd_t *dbd, apr_pool_t *p, miq_sql_id_e id, int nargs,
                                   const char *const *args, int *ncols, const char **err);

#endif
