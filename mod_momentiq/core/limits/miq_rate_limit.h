/* Rate limits (SPEC §9 rate_limited, §11): each class counts requests of one
 * subject (a token, or a client address) in fixed windows kept in
 * PostgreSQL, so every httpd child and node shares them. The defaults stop a
 * runaway agent loop (hundreds of calls a second from one token) and scripted
 * signups, never a person or a normal agent. */
#ifndef MIQ_RATE_LIMIT_H
#define MIQ_RATE_LIMIT_H

#include <apr_pools.h>
#include "base/miq_reply.h"
#include "db/miq_db.h"

typedef enum {
    MIQ_RATE_MCP,      /* /mcp requests, per token (anonymous: per address) */
    MIQ_RATE_API,      /* /v1 requests, per token */
    MIQ_RATE_OAUTH,    /* /api/auth/oauth/... (authorize, token, revoke, introspect), per address */
    MIQ_RATE_REGISTER, /* OAuth dynamic client registration, per address */
    MIQ_RATE_SIGNUP,   /* POST /api/auth/signup, per address */
    MIQ_RATE_LOGIN,    /* POST /api/auth/login, per address (the throttle guards accounts) */
    MIQ_RATE_ANON_SESSION, /* 2025-era initialize without a token, per address */
    MIQ_RATE_BAD_TOKEN,    /* requests with an unknown or revoked bearer token, per address */
    MIQ_RATE_DASHBOARD,    /* /api/dashboard/... requests, per address */
    MIQ_RATE_CLASSES
} miq_rate_class_e;

typedef struct miq_rate_rule {
    int count;    /* requests allowed per window; 0: no limit */
    int window_s; /* window length in seconds */
} miq_rate_rule;

/* The class's name as directives and reports spell it ("mcp", "signup"). */
const char *miq_rate_class_name(miq_rate_class_e c);
/* The class named, or -1. */
int miq_rate_class_parse(const char *name);
/* The default rule of each class (the one place the defaults are written). */
const miq_rate_rule *miq_rate_default(miq_rate_class_e c);

/* Counts one request of subject (a token id, or "ip:" + address; never a
 * secret) under rule. Returns 0 when it may go on, or the seconds to wait
 * (>= 1) when refused. When the database cannot answer, the request goes on
 * (returns 0): the database being down fails the request anyway. */
int miq_rate_hit(apr_pool_t *p, const miq_db *db, miq_rate_class_e c, const miq_rate_rule *rule,
                 const char *subject);

/* The refusal as a reply: 429 rate_limited, retry_after_s in the body. */
void miq_rate_refusal(apr_pool_t *p, miq_rate_class_e c, const miq_rate_rule *rule,
                      int retry_after_s, miq_reply *out);

#endif
