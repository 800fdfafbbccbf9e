/* Account quotas (SPEC §9 quota_exceeded, §11): how much one account may keep
 * (storage bytes) and how many long-running things it may have at once (jobs
 * queued or running, wait_s long-polls and source_url imports in flight).
 * Counted in PostgreSQL (sql/011_quotas.sql), so every httpd child and node
 * shares them. A refusal is 429 quota_exceeded with the numbers in the body:
 * {quota, limit, used[, requested]}. */
#ifndef MIQ_QUOTA_H
#define MIQ_QUOTA_H

#include <apr_pools.h>
#include "base/miq_reply.h"
#include "db/miq_db.h"

typedef enum {
    MIQ_QUOTA_STORAGE,    /* bytes of live uploads and their jobs' outputs */
    MIQ_QUOTA_JOBS,       /* jobs queued or running */
    MIQ_QUOTA_LONG_POLLS, /* GET job requests with wait_s > 0 in flight */
    MIQ_QUOTA_IMPORTS,    /* source_url imports in flight */
    MIQ_QUOTA_KINDS
} miq_quota_kind_e;

/* The limits (the glue fills them from MomentIQQuota and its defaults).
 * 0: no limit of that kind. */
typedef struct miq_quotas {
    apr_int64_t limit[MIQ_QUOTA_KINDS];
} miq_quotas;

/* The kind's name as the directive and the error body spell it ("storage",
 * "jobs", "long_polls", "imports"). */
const char *miq_quota_kind_name(miq_quota_kind_e k);
/* The kind named, or -1. */
int miq_quota_kind_parse(const char *name);
/* A limit of kind k as written in the directive: a count, for storage bytes
 * with an optional K/M/G/T suffix; "0" or "off": no limit. NULL with *v, or
 * the error. */
const char *miq_quota_parse_limit(apr_pool_t *p, miq_quota_kind_e k, const char *arg,
                                  apr_int64_t *v);

/* 1 when the account may store incoming more bytes (and, with jobs set, start
 * one more job: fewer than the jobs limit queued or running). 0 with the
 * refusal (429) or a 503 in out. q NULL: no quotas. */
int miq_quota_check(apr_pool_t *p, const miq_db *db, const miq_quotas *q, const char *account,
                    apr_int64_t incoming, int jobs, miq_reply *out);

/* A slot of kind (long_polls, imports) for ttl_s seconds at most: the lease
 * id ("" when the kind has no limit), or NULL with the refusal in out. Give it
 * back with miq_quota_release at the end of the request, on every path; a
 * lease left behind (a crashed child) stops counting after ttl_s. */
const char *miq_quota_acquire(apr_pool_t *p, const miq_db *db, const miq_quotas *q,
                              miq_quota_kind_e kind, const char *account, int ttl_s,
                              miq_reply *out);
void miq_quota_release(apr_pool_t *p, const miq_db *db, const char *lease);

/* The refusal: 429 quota_exceeded, {quota, limit, used[, requested]}. */
void miq_quota_refusal(apr_pool_t *p, miq_quota_kind_e kind, apr_int64_t limit, apr_int64_t used,
                       apr_int64_t requested, miq_reply *out);

#endif
