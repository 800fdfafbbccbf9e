/* Database access for core services, whoever runs them: the httpd glue
 * implements it with mod_dbd, the worker and momentiqctl with apr_dbd. Only
 * statements of the SQL catalog can be run, by id. */
#ifndef MIQ_DB_H
#define MIQ_DB_H

#include <apr_pools.h>
#include <apr_tables.h>
#include "db/miq_sql.h"

typedef struct miq_db {
    void *baton;
    /* Runs catalog statement id with text args (NULL = SQL NULL). Returns the
     * rows (each a const char ** of *ncols strings, NULL for SQL NULL; an empty
     * array for statements without rows), or NULL on error with *err (logged by
     * the implementation; never shown to clients). */
    apr_array_header_t *(*query)(void *baton, apr_pool_t *p, miq_sql_id_e id, int nargs,
                                 const char *const *args, int *ncols, const char **err);
} miq_db;

#define MIQ_DB_CELL(rows, i, j) (APR_ARRAY_IDX((rows), (i), const char **)[(j)])

#endif
