/* The SQL catalog: one statement per enum value in order, unique labels,
 * and the text[] literal builder. */
#include "unit.h"
#include "db/miq_sql.h"

static void test_sql_catalog(void)
{
    const miq_sql_stmt *all = miq_sql_all();
    const char *vals[] = {"plain", "with \"quote\" and \\", "", NULL, "{braces},comma"};
    int i, j;
    for (i = 0; i < MIQ_SQL_COUNT; i++) {
        CU_ASSERT_EQUAL(all[i].id, (miq_sql_id_e)i); /* table order matches the enum */
        CU_ASSERT_PTR_NOT_NULL(all[i].sql);
        for (j = 0; j < i; j++)
            CU_ASSERT_STRING_NOT_EQUAL(all[i].label, all[j].label);
    }
    CU_ASSERT_STRING_EQUAL(miq_sql_array_literal(utp, vals, 5),
                           "{\"plain\",\"with \\\"quote\\\" and \\\\\",NULL,NULL,"
                           "\"{braces},comma\"}");
    CU_ASSERT_STRING_EQUAL(miq_sql_array_literal(utp, vals, 0), "{}");
}

MIQ_SUITE("sql_catalog", MIQ_TEST(test_sql_catalog))
