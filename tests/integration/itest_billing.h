/* Helpers of the billing suites (defined in test_billing.c). */
#ifndef MIQ_ITEST_BILLING_H
#define MIQ_ITEST_BILLING_H

#include "itest.h"

/* An account, its API key and an upload of a 125 s tone (3 credits with audio/silence). */
typedef struct billed {
    it_account *a;
    const char *key, *key_id, *upload;
} billed;

billed *bt_setup(const char *tag);
/* Up to three header lines, NULL-terminated. */
const char *const *bt_hdrs(const char *a, const char *b, const char *c);
/* Runs SQL with one or two parameters (a2 NULL: one). */
void bt_sql(const char *q, const char *a1, const char *a2);
/* A number from SQL with one parameter (or none when a1 is NULL). */
long long bt_num(const char *q, const char *a1);
void bt_grant(const billed *b, const char *credits);
long long bt_balance(const billed *b);
const char *bt_job_body(const billed *b, const char *endpoint, const char *upload_id,
                        const char *extra);
it_resp *bt_rest_job(const char *token, const char *body);
const char *bt_rest_code(const it_resp *r);

#endif
