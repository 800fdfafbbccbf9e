/* Verified Stripe events over the core database (miq_stripe_events.h). */
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include "billing/miq_stripe_events.h"
#include "base/miq_json.h"
#include "base/miq_log.h"

void miq_stripe_event_apply(apr_pool_t *p, const miq_db *db, const miq_pricing *pricing,
                            const miq_stripe_event *ev, miq_reply *out)
{
    const char *args[MIQ_SEA_N], *credits = NULL, *err = NULL, **row;
    apr_array_header_t *rows;
    int ncols = 0;

    if (ev->is_checkout && ev->paid) {
        apr_int64_t c = miq_pricing_credits_for_amount(pricing, ev->amount_minor, ev->currency);
        if (c < 0)
            miq_log_perror(MIQ_LOG_MARK, MIQ_LOG_WARNING, 0, p,
                           "MIQ10986: MomentIQ: Stripe event %s pays in %s, not the "
                           "MomentIQCreditPrice currency: recorded, no credits added",
                           ev->id, ev->currency);
        else
            credits = apr_psprintf(p, "%" APR_INT64_T_FMT, c);
    }
    args[MIQ_SEA_ID] = ev->id;
    args[MIQ_SEA_TYPE] = ev->type;
    args[MIQ_SEA_ACCOUNT] = ev->is_checkout ? ev->account_id : NULL;
    args[MIQ_SEA_AMOUNT] = ev->is_checkout ? apr_psprintf(p, "%" APR_INT64_T_FMT, ev->amount_minor)
                                           : NULL;
    args[MIQ_SEA_CURRENCY] = ev->is_checkout ? ev->currency : NULL;
    args[MIQ_SEA_CREDITS] = credits;
    rows = db ? db->query(db->baton, p, MIQ_SQL_STRIPE_EVENT, MIQ_SEA_N, args, &ncols, &err) : NULL;
    if (!rows || !rows->nelts || ncols < MIQ_SEC_N) {
        miq_reply_err(out, 503, "server_error", "the database is unavailable; Stripe will retry",
                      NULL);
        return;
    }
    row = APR_ARRAY_IDX(rows, 0, const char **);
    out->status = 200;
    out->code = out->message = NULL;
    /* Only an applied event added credits; a replay answers its first outcome. */
    out->body = miq_json_packp(p, "{s:b,s:s,s:s,s:o,s:o}", "received", 1, "event_id", ev->id,
                               "outcome", row[MIQ_SEC_OUTCOME], "credits",
                               credits && !strcmp(row[MIQ_SEC_OUTCOME], "applied")
                                   ? json_integer(atoll(credits))
                                   : json_integer(0),
                               "balance_credits",
                               *row[MIQ_SEC_BALANCE] ? json_integer(atoll(row[MIQ_SEC_BALANCE]))
                                                     : json_null());
}
