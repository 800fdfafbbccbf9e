/* The core's miq_db over this request's connection (mod_momentiq_dbd_core.c). */
#ifndef MOD_MOMENTIQ_DBD_CORE_H
#define MOD_MOMENTIQ_DBD_CORE_H

#include <httpd.h>
#include <apr_dbd.h>
#include <mod_dbd.h>
#include "db/miq_db.h"

/* Statements run on dbd, rows in the pool the core passes. dbd NULL: every
 * query fails (the core answers 503). *out must outlive its use. */
void miq_db_bind(request_rec *r, ap_dbd_t *dbd, miq_db *out);
/* The same, each statement on a pooled connection taken for it and given
 * back at once (miq_dbd_open): nothing is held between statements, so a
 * request that sleeps between them (a wait_s long-poll) holds no connection. */
void miq_db_bind_per_statement(request_rec *r, miq_db *out);

#endif
