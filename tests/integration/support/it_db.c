/* Reads and writes of the test cluster (libpq): one connection for the run,
 * opened on first use, rows copied into the test's pool. */
#include <stdio.h>
#include <apr_strings.h>
#include <libpq-fe.h>
#include "it_support.h"

/* ---- PostgreSQL ---------------------------------------------------------------------- */

static PGconn *db;

static PGconn *db_conn(void)
{
    if (db && PQstatus(db) == CONNECTION_OK)
        return db;
    if (db)
        PQfinish(db);
    db = NULL;
    if (!itenv.db)
        return NULL;
    db = PQconnectdb(itenv.db);
    if (PQstatus(db) != CONNECTION_OK) {
        fprintf(stderr, "\n  PostgreSQL: %s\n", PQerrorMessage(db));
        PQfinish(db);
        db = NULL;
    }
    return db;
}

it_rows *it_db_query(const char *sql, int nparams, const char *const *params)
{
    it_rows *rows = apr_pcalloc(itp, sizeof(*rows));
    PGconn *c = db_conn();
    PGresult *res;
    int i, j;
    if (!c) {
        rows->error = "no database connection (MIQ_TEST_DB)";
        return rows;
    }
    res = PQexecParams(c, sql, nparams, NULL, params, NULL, NULL, 0);
    if (PQstatus(c) != CONNECTION_OK && (c = db_conn())) {
        /* the runner's own connection did not survive a database restart
         * (the restart suite): one more try on a new one */
        PQclear(res);
        res = PQexecParams(c, sql, nparams, NULL, params, NULL, NULL, 0);
    }
    if (PQresultStatus(res) != PGRES_TUPLES_OK && PQresultStatus(res) != PGRES_COMMAND_OK) {
        rows->error = apr_pstrdup(itp, PQresultErrorMessage(res));
        fprintf(stderr, "\n  SQL error: %s  in: %s\n", rows->error, sql);
        PQclear(res);
        return rows;
    }
    rows->n = PQntuples(res);
    rows->cols = PQnfields(res);
    rows->cell = apr_pcalloc(itp, (rows->n * rows->cols + 1) * sizeof(char *));
    for (i = 0; i < rows->n; i++)
        for (j = 0; j < rows->cols; j++)
            rows->cell[i * rows->cols + j] = PQgetisnull(res, i, j)
                                                 ? NULL
                                                 : apr_pstrdup(itp, PQgetvalue(res, i, j));
    PQclear(res);
    return rows;
}

const char *it_db_value(const char *sql, int nparams, const char *const *params)
{
    it_rows *r = it_db_query(sql, nparams, params);
    return r->n > 0 && r->cols > 0 ? IT_CELL(r, 0, 0) : NULL;
}

void it_db_close(void)
{
    if (db)
        PQfinish(db);
    db = NULL;
}
