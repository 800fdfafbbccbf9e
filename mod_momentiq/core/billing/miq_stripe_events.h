/* Verified Stripe events applied over the core database, once per event id
 * (miq_stripe_event in SQL): a paid checkout session tops the account up at
 * MomentIQCreditPrice; a replay answers the first outcome and adds nothing. */
#ifndef MIQ_STRIPE_EVENTS_H
#define MIQ_STRIPE_EVENTS_H

#include <apr_pools.h>
#include "base/miq_reply.h"
#include "billing/miq_pricing.h"
#include "billing/miq_stripe.h"
#include "db/miq_db.h"

/* MIQ_SQL_STRIPE_EVENT: arguments and columns. */
enum {
    MIQ_SEA_ID,
    MIQ_SEA_TYPE,
    MIQ_SEA_ACCOUNT,
    MIQ_SEA_AMOUNT,
    MIQ_SEA_CURRENCY,
    MIQ_SEA_CREDITS,
    MIQ_SEA_N
};
enum { MIQ_SEC_OUTCOME, MIQ_SEC_BALANCE, MIQ_SEC_N };

/* Records a parsed, verified event: 200 {"received","event_id","outcome",
 * "credits","balance_credits"}, or 503 (the database; Stripe retries). */
void miq_stripe_event_apply(apr_pool_t *p, const miq_db *db, const miq_pricing *pricing,
                            const miq_stripe_event *ev, miq_reply *out);

#endif
