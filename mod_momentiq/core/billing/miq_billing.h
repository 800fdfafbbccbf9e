/* Billing as the services see it: the job-creation refusals (billing_required,
 * insufficient_credits, spend_cap_exceeded) with their numbers and a
 * dashboard URL, usage alert thresholds, and the billing part of the account
 * view. Pure of httpd. */
#ifndef MIQ_BILLING_H
#define MIQ_BILLING_H

#include <apr_pools.h>
#include <jansson.h>
#include "base/miq_caller.h"
#include "base/miq_reply.h"
#include "base/miq_server.h"

#define MIQ_BILLING_MAX_THRESHOLDS     10
#define MIQ_BILLING_DEFAULT_THRESHOLDS "{0.5,0.8,1.0}"

/* Where a user fixes billing: base_url + "/dashboard/#billing". */
const char *miq_billing_dashboard_url(apr_pool_t *p, const miq_server *srv);

/* Maps a refusing outcome of miq_job_create (SQL) to the reply: 402 with the
 * code, a message saying what to do, and the numbers (details: the JSON
 * object the function returned, or a bare balance) plus dashboard_url in
 * out->body. Returns 0 when outcome is not a billing refusal. */
int miq_billing_refusal(apr_pool_t *p, const miq_server *srv, const char *outcome,
                        const char *details, apr_int64_t estimate, miq_reply *out);

/* Alert thresholds from JSON (an array of 1..10 fractions, each > 0 and <= 1)
 * to a numeric[] literal ("{0.5,0.8,1}", sorted, without duplicates). NULL
 * with *literal, or the error. */
const char *miq_billing_thresholds_parse(apr_pool_t *p, const json_t *arr, const char **literal);
/* The same from directive words ("0.5", "80%"). */
const char *miq_billing_thresholds_words(apr_pool_t *p, int n, const char *const *words,
                                         const char **literal);
/* A numeric[] literal as a JSON array of numbers (pool-bound); [] when empty or bad. */
json_t *miq_billing_thresholds_json(apr_pool_t *p, const char *literal);

/* The billing fields of an account view, added to view: balance_credits,
 * monthly_spend_cap_credits (null: none), spent_this_period_credits,
 * billing_state, alert_thresholds, usage_alerts, and for a token with a cap
 * token_spend_cap. Readiness warnings about billing go to warn. */
void miq_billing_view(apr_pool_t *p, const miq_caller *c, json_t *view, json_t *warn);

#endif
