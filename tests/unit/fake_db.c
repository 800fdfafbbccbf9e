/* The fake core database of the service tests (fake_db.h). */
#include <stdarg.h>
#include <string.h>
#include <apr_strings.h>
#include "fake_db.h"
#include "unit.h"

static apr_array_header_t *fake_query(void *baton, apr_pool_t *p, miq_sql_id_e id, int nargs,
                                      const char *const *args, int *ncols, const char **err)
{
    fake_db *f = baton;
    fake_canned *c = &f->by_id[id];
    apr_array_header_t *rows = apr_array_make(p, 4, sizeof(const char **));
    int i, j;
    fake_call *l = &f->last[id];
    f->calls[id]++;
    CU_ASSERT(nargs <= FAKE_MAX_ARGS); /* raise FAKE_MAX_ARGS: a test would miss arguments */
    memset(l, 0, sizeof(*l));
    l->id = id;
    l->nargs = nargs;
    for (i = 0; i < nargs && i < FAKE_MAX_ARGS; i++)
        l->args[i] = args[i] ? apr_pstrdup(utp, args[i]) : NULL;
    f->has_last[id] = 1;
    if (f->nlog < FAKE_MAX_CALLS)
        f->log[f->nlog++] = *l;
    *ncols = 0;
    if (c->fail) {
        *err = "fake failure";
        return NULL;
    }
    *ncols = c->ncols;
    for (i = 0; i < c->nrows; i++) {
        const char **row = apr_pcalloc(p, sizeof(char *) * (c->ncols + 1));
        for (j = 0; j < c->ncols; j++)
            row[j] = c->rows[i][j] ? apr_pstrdup(p, c->rows[i][j]) : NULL;
        APR_ARRAY_PUSH(rows, const char **) = row;
    }
    return rows;
}

fake_db *fake_db_new(void)
{
    fake_db *f = apr_pcalloc(utp, sizeof(*f));
    f->db.baton = f;
    f->db.query = fake_query;
    return f;
}

void fake_db_can(fake_db *f, miq_sql_id_e id, int ncols, int nrows, ...)
{
    fake_canned *c = &f->by_id[id];
    va_list ap;
    int i, j;
    c->ncols = ncols;
    c->nrows = nrows;
    va_start(ap, nrows);
    for (i = 0; i < nrows; i++)
        for (j = 0; j < ncols; j++)
            c->rows[i][j] = va_arg(ap, const char *);
    va_end(ap);
}

void fake_db_fail(fake_db *f, miq_sql_id_e id)
{
    f->by_id[id].fail = 1;
}

const fake_call *fake_db_last(const fake_db *f, miq_sql_id_e id)
{
    return f->has_last[id] ? &f->last[id] : NULL;
}

const char *fake_db_trace(const fake_db *f)
{
    const char *t = "";
    int i;
    for (i = 0; i < f->nlog; i++)
        t = apr_pstrcat(utp, t, i ? "," : "", miq_sql_get(f->log[i].id)->label, NULL);
    return t;
}
