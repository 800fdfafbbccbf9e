/* The ledger of every account, after every other suite (IT_SUITE_LAST):
 * balances equal grants minus charges and reservations and never go below
 * zero, every finished job is released and settled at most once, the running
 * totals and token spend equal the ledger, and the ledger is append-only. */
#include <stdlib.h>
#include "base/miq_json.h"
#include "support/it_jobs.h"

static void test_ledger_check_all_accounts(void)
{
    it_rows *r = it_db_query("SELECT account_id, balance, granted, charged, reserved FROM "
                             "admin_ledger_check WHERE balance <> granted - charged - reserved "
                             "OR balance < 0",
                             0, NULL);
    int i;
    IT_ASSERT_MSG(!r->error, "%s", r->error ? r->error : "");
    IT_ASSERT_MSG(r->n == 0, "%d accounts whose ledger does not add up", r->n);
    for (i = 0; i < r->n && i < 10; i++)
        fprintf(stderr, "\n  account %s: balance %s, granted %s, charged %s, reserved %s",
                IT_CELL(r, i, 0), IT_CELL(r, i, 1), IT_CELL(r, i, 2), IT_CELL(r, i, 3),
                IT_CELL(r, i, 4));
    /* Every finished job has its ledger: failed and canceled ones released,
     * succeeded ones settled once. */
    r = it_db_query("SELECT j.id, j.status FROM jobs j WHERE j.estimated_credits > 0 AND "
                    "j.status IN ('succeeded', 'failed', 'canceled') AND ("
                    "(SELECT count(*) FROM credit_ledger l WHERE l.job_id = j.id AND l.kind = "
                    "'release') <> 1 OR (SELECT count(*) FROM credit_ledger l WHERE l.job_id = "
                    "j.id AND l.kind = 'settlement') <> CASE WHEN j.status = 'succeeded' AND "
                    "j.charged_credits > 0 THEN 1 ELSE 0 END)",
                    0, NULL);
    IT_ASSERT_MSG(!r->error && r->n == 0, "%d finished jobs with a wrong ledger (first: %s %s)",
                  r->n, r->n ? IT_CELL(r, 0, 0) : "", r->n ? IT_CELL(r, 0, 1) : "");
    /* The running totals (sql/007) equal the ledger for every account and token. */
    r = it_db_query("SELECT account_id, balance_credits, ledger_balance, spend_this_period, "
                    "ledger_spend_this_period FROM admin_credit_totals_check WHERE balance_credits "
                    "<> ledger_balance OR spend_this_period <> ledger_spend_this_period",
                    0, NULL);
    IT_ASSERT_MSG(!r->error && r->n == 0,
                  "%d accounts whose totals differ from the ledger "
                  "(first: %s: %s vs %s, spend %s vs %s)",
                  r->n, r->n ? IT_CELL(r, 0, 0) : "", r->n ? IT_CELL(r, 0, 1) : "",
                  r->n ? IT_CELL(r, 0, 2) : "", r->n ? IT_CELL(r, 0, 3) : "",
                  r->n ? IT_CELL(r, 0, 4) : "");
    r = it_db_query("SELECT t.token_id FROM token_spend t WHERE t.period = miq_period() AND "
                    "t.credits <> (SELECT -coalesce(sum(l.credits), 0) FROM credit_ledger l JOIN "
                    "jobs j ON j.id = l.job_id WHERE j.token_id = t.token_id AND l.kind IN "
                    "('reservation', 'release', 'settlement') AND l.created_at >= "
                    "miq_period_start())",
                    0, NULL);
    IT_ASSERT_MSG(!r->error && r->n == 0, "%d tokens whose spend differs from the ledger", r->n);
    r = it_db_query("SELECT count(*) FROM token_spend", 0, NULL);
    IT_ASSERT_MSG(!r->error && r->n == 1 && atoi(IT_CELL(r, 0, 0)) > 0,
                  "no token spend recorded at all");
    /* and the ledger cannot be rewritten */
    r = it_db_query("UPDATE credit_ledger SET credits = credits + 1 WHERE id = (SELECT min(id) "
                    "FROM credit_ledger)",
                    0, NULL);
    IT_ASSERT_MSG(r->error && strstr(r->error, "append-only"), "a ledger row was changed: %s",
                  r->error ? r->error : "no error");
}

IT_SUITE_LAST("jobs_ledger", IT_TEST(test_ledger_check_all_accounts))
