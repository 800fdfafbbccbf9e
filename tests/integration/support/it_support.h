/* What the helper files of support/ share among themselves (not for suites:
 * they include itest.h). */
#ifndef MIQ_IT_SUPPORT_H
#define MIQ_IT_SUPPORT_H

#include "itest.h"

/* The run's pool (it_main.c): outlives every test. */
extern apr_pool_t *it_root_pool;

/* ---- SSE (it_sse.c) --------------------------------------------------------------- */

typedef struct it_sse_state {
    apr_pool_t *p;
    char *data;        /* accumulated data lines, or NULL */
    const char *event; /* event field */
    apr_array_header_t *events;
} it_sse_state;

/* Feeds complete lines from buf[*off..len); advances *off. */
void it_sse_feed(it_sse_state *s, const char *buf, apr_size_t len, apr_size_t *off, apr_time_t at);

/* ---- HTTP (it_http.c) --------------------------------------------------------------- */

/* a, then b (either may be NULL), NULL-terminated, in itp. */
const char *const *it_concat_headers(const char *const *a, const char *const *b);

/* ---- PostgreSQL (it_db.c) ------------------------------------------------------------ */

/* Closes the connection it_db_query opened, if any. */
void it_db_close(void);

#endif
