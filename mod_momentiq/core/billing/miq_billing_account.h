/* The dashboard's billing services for a signed-in account, over the core
 * database: the billing view (balance, cap, spend, thresholds, alerts, token
 * caps, price), its settings (cap, alert thresholds, connector caps), the
 * ledger page by page and usage by day, endpoint and connector. The glue
 * reads the session, the body and the query and renders the miq_reply. */
#ifndef MIQ_BILLING_ACCOUNT_H
#define MIQ_BILLING_ACCOUNT_H

#include <apr_pools.h>
#include <jansson.h>
#include "base/miq_reply.h"
#include "base/miq_server.h"
#include "db/miq_db.h"

#define MIQ_BILLING_CAP_MAX        1000000000000LL
#define MIQ_BILLING_MAX_TOKEN_CAPS 100
#define MIQ_LEDGER_DEFAULT         50
#define MIQ_LEDGER_MAX             200
#define MIQ_USAGE_DAYS_DEFAULT     30
#define MIQ_USAGE_DAYS_MAX         366

typedef struct miq_billing_env {
    apr_pool_t *pool;
    const miq_db *db;               /* NULL: the database is unavailable */
    const miq_server *srv;          /* pricing and the dashboard URL */
    const char *default_thresholds; /* MomentIQUsageAlerts, numeric[] literal */
    int checkout_available;         /* MomentIQStripeSecretKeyFile is set */
} miq_billing_env;

/* MIQ_SQL_BILLING_GET: argument, and the columns. */
enum { MIQ_BGA_ACCOUNT, MIQ_BGA_N };
enum {
    MIQ_BGC_BALANCE,
    MIQ_BGC_CAP,
    MIQ_BGC_SPENT,
    MIQ_BGC_STATE,
    MIQ_BGC_THRESHOLDS,
    MIQ_BGC_ALERTS,
    MIQ_BGC_PERIOD,
    MIQ_BGC_TOKENS,
    MIQ_BGC_N
};
/* MIQ_SQL_BILLING_SET: arguments (no rows). */
enum {
    MIQ_BSA_SET_CAP,
    MIQ_BSA_CAP,
    MIQ_BSA_SET_THRESHOLDS,
    MIQ_BSA_THRESHOLDS,
    MIQ_BSA_ACCOUNT,
    MIQ_BSA_N
};
/* MIQ_SQL_TOKEN_CAP_SET: arguments; one row when the token was set. */
enum { MIQ_BTA_CAP, MIQ_BTA_TOKEN, MIQ_BTA_ACCOUNT, MIQ_BTA_N };
/* MIQ_SQL_LEDGER_PAGE: arguments and columns. */
enum { MIQ_BLA_ACCOUNT, MIQ_BLA_BEFORE, MIQ_BLA_BEFORE2, MIQ_BLA_LIMIT, MIQ_BLA_N };
enum {
    MIQ_BLC_ID,
    MIQ_BLC_KIND,
    MIQ_BLC_CREDITS,
    MIQ_BLC_JOB,
    MIQ_BLC_NOTE,
    MIQ_BLC_CREATED,
    MIQ_BLC_N
};
/* MIQ_SQL_USAGE: arguments and columns (dimension day | endpoint | connector). */
enum { MIQ_BUA_ACCOUNT, MIQ_BUA_DAYS, MIQ_BUA_N };
enum { MIQ_BUC_DIM, MIQ_BUC_KEY, MIQ_BUC_NAME, MIQ_BUC_JOBS, MIQ_BUC_CREDITS, MIQ_BUC_N };

/* GET /api/dashboard/billing: 200 with the view, 404 (no such account), 503. */
void miq_billing_account_get(const miq_billing_env *env, const char *account_id, miq_reply *out);
/* PUT /api/dashboard/billing with a parsed JSON object body
 * {"monthly_spend_cap_credits","alert_thresholds","connector_caps"}: the
 * view as GET answers it, 400 (nothing to set, a bad cap, thresholds or
 * connector_caps), 404 (a token not live on the account: nothing else is
 * changed), 503. */
void miq_billing_account_set(const miq_billing_env *env, const char *account_id, const json_t *body,
                             miq_reply *out);
/* GET /api/dashboard/billing/ledger?before=ID&limit=N, newest first, the
 * query values as given (NULL: absent): 200 {"entries","next_before"}
 * (null on the last page), 400, 503. */
void miq_billing_ledger(const miq_billing_env *env, const char *account_id, const char *before,
                        const char *limit, miq_reply *out);
/* GET /api/dashboard/usage?days=N (NULL: 30): 200 {"days","by_day",
 * "by_endpoint","by_connector"}, 400, 503. */
void miq_billing_usage(const miq_billing_env *env, const char *account_id, const char *days,
                       miq_reply *out);
/* The 503 every billing service answers when the database fails. */
void miq_billing_unavailable(miq_reply *out);

#endif
