/* A fake core database (miq_db) for unit tests of services: canned rows per
 * catalog statement, a failure switch per statement, and a log of the calls
 * in order with their arguments. */
#ifndef MIQ_FAKE_DB_H
#define MIQ_FAKE_DB_H

#include "db/miq_db.h"

#define FAKE_MAX_ROWS  8
#define FAKE_MAX_COLS  20
#define FAKE_MAX_ARGS  16
#define FAKE_MAX_CALLS 32

typedef struct fake_canned {
    int fail, ncols, nrows;
    const char *rows[FAKE_MAX_ROWS][FAKE_MAX_COLS];
} fake_canned;

typedef struct fake_call {
    miq_sql_id_e id;
    int nargs;
    const char *args[FAKE_MAX_ARGS];
} fake_call;

typedef struct fake_db {
    fake_canned by_id[MIQ_SQL_COUNT];
    int calls[MIQ_SQL_COUNT];
    fake_call last[MIQ_SQL_COUNT]; /* each statement's last call, however many ran */
    int has_last[MIQ_SQL_COUNT];
    fake_call log[FAKE_MAX_CALLS]; /* the first FAKE_MAX_CALLS calls, in order */
    int nlog;
    miq_db db;
} fake_db;

/* A fresh fake (in utp) whose db answers no rows to everything. */
fake_db *fake_db_new(void);
/* Cans nrows rows of ncols strings (row-major varargs) for a statement. */
void fake_db_can(fake_db *f, miq_sql_id_e id, int ncols, int nrows, ...);
/* Makes a statement fail (a database error). */
void fake_db_fail(fake_db *f, miq_sql_id_e id);
/* The last call of a statement, or NULL when it was not run. */
const fake_call *fake_db_last(const fake_db *f, miq_sql_id_e id);
/* The statements run, in order, as "ID,ID,..." of their catalog labels
 * (the first FAKE_MAX_CALLS of them). */
const char *fake_db_trace(const fake_db *f);

#endif
