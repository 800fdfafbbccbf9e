/* Who is calling: the account and token a bearer token or session resolved
 * to, with the billing numbers read in the same round trip. Filled by the
 * glue (or momentiqctl), read by every service. */
#ifndef MIQ_CALLER_H
#define MIQ_CALLER_H

typedef struct miq_caller {
    const char *account_id; /* NULL: anonymous */
    const char *token_id;
    unsigned scopes;  /* MIQ_SCOPE_* */
    const char *kind; /* "api_key", "connector" */
    /* read with the token in the same round trip (miq_token_check) */
    const char *email;
    const char *account_created; /* ISO 8601 */
    long token_expires_in_s;     /* -1: never */
    /* billing, read in the same round trip (has_billing set) */
    int has_billing;
    long long balance_credits;
    long long spend_cap_credits;  /* monthly cap, -1: none */
    long long spent_credits;      /* this period */
    const char *billing_state;    /* "active" | "not_set_up" */
    const char *alert_thresholds; /* effective thresholds, "{0.5,0.8,1.0}" */
    const char *alerts_json;      /* usage alerts fired this period (JSON array text) */
    long long token_cap_credits;  /* the token's monthly cap, -1: none */
    long long token_spent_credits;
    /* the request's validated W3C traceparent (or NULL), kept with a job */
    const char *traceparent;
} miq_caller;

#endif
