/* The operators' reports: names, questions, columns and output formats
 * (momentiqctl report). Each runs one catalog statement over [since, until). */
#ifndef MIQ_REPORTS_H
#define MIQ_REPORTS_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <apr_time.h>
#include "db/miq_sql.h"

#define MIQ_REPORT_MAX_COLS 8

typedef struct miq_report {
    const char *name;
    const char *question; /* what it answers, one line */
    miq_sql_id_e stmt;
    int ncols;
    const char *cols[MIQ_REPORT_MAX_COLS];
} miq_report;

typedef enum { MIQ_REPORT_TABLE, MIQ_REPORT_CSV, MIQ_REPORT_JSON } miq_report_format_e;

const miq_report *miq_reports_all(int *n);
const miq_report *miq_report_find(const char *name); /* NULL when unknown */

/* Parses a --since/--until value: YYYY-MM-DD (midnight UTC) or
 * YYYY-MM-DDTHH:MM[:SS]Z. NULL and *out set, or why not. */
const char *miq_report_time_parse(const char *s, apr_time_t *out);
/* A time as PostgreSQL reads it unambiguously ("2026-12-07 10:00:00+00"). */
const char *miq_report_time_sql(apr_pool_t *p, apr_time_t t);
/* "table" | "csv" | "json"; -1 when unknown. */
int miq_report_format_parse(const char *s);

/* The rows (each a const char ** of the report's columns; NULL or "" cells
 * are shown empty, null in JSON) as text in the chosen format. */
const char *miq_report_render(apr_pool_t *p, const miq_report *r, const apr_array_header_t *rows,
                              miq_report_format_e fmt);

#endif
