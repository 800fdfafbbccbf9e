/* The core's database interface (miq_db) over mod_dbd: catalog statements run
 * on the request's pooled connection, rows allocated in the pool the core
 * passes (so a polling loop can clear its own subpool). */
#include <string.h>
#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <apr_strings.h>
#include "mod_momentiq_private.h"
#include "mod_momentiq_dbd.h"
#include "mod_momentiq_dbd_core.h"

typedef struct dbcore {
    request_rec *r;
    ap_dbd_t *dbd;
    int per_statement; /* take a pooled connection for each statement */
} dbcore;

/* Statements without a row set: plain INSERT/UPDATE/DELETE without RETURNING. */
static int returns_rows(const char *sql)
{
    return !strncmp(sql, "SELECT", 6) || !strncmp(sql, "WITH", 4) || strstr(sql, "RETURNING");
}

static apr_array_header_t *dbcore_query(void *baton, apr_pool_t *p, miq_sql_id_e id, int nargs,
                                        const char *const *args, int *ncols, const char **err)
{
    dbcore *d = baton;
    const miq_sql_stmt *st = miq_sql_get(id);
    apr_array_header_t *rows;
    int nrows = 0;
    *ncols = 0;
    if (d->per_statement) {
        dbcore once = {d->r, miq_dbd_open(d->r), 0};
        if (!once.dbd) {
            *err = "no database connection";
            return NULL;
        }
        rows = dbcore_query(&once, p, id, nargs, args, ncols, err);
        miq_dbd_close(d->r, once.dbd);
        return rows;
    }
    if (st && !returns_rows(st->sql)) {
        if (miq_dbd_run(d->dbd, p, id, nargs, args, &nrows, NULL, err))
            rows = NULL;
        else
            rows = apr_array_make(p, 1, sizeof(const char **));
    }
    else
        rows = miq_dbd_select(d->dbd, p, id, nargs, args, ncols, err);
    if (!rows)
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, d->r, MIQLOGNO(10908) "MomentIQ: %s failed: %s",
                      st ? st->label : "?", *err);
    return rows;
}

void miq_db_bind_per_statement(request_rec *r, miq_db *out)
{
    dbcore *d = apr_pcalloc(r->pool, sizeof(*d));
    d->r = r;
    d->per_statement = 1;
    out->baton = d;
    out->query = dbcore_query;
}

void miq_db_bind(request_rec *r, ap_dbd_t *dbd, miq_db *out)
{
    dbcore *d = apr_pcalloc(r->pool, sizeof(*d));
    d->r = r;
    d->dbd = dbd;
    out->baton = d;
    out->query = dbcore_query;
}
