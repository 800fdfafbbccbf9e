/* Account quotas without a database: limits as written in the directive, the
 * refusal's numbers, and checks over a scripted miq_db. */
#include <string.h>
#include <apr_strings.h>
#include "unit.h"
#include "limits/miq_quota.h"
#include "base/miq_json.h"

static void test_parse_limits(void)
{
    apr_int64_t v = -1;
    CU_ASSERT_PTR_NULL(miq_quota_parse_limit(utp, MIQ_QUOTA_STORAGE, "10G", &v));
    CU_ASSERT_EQUAL(v, APR_INT64_C(10) << 30);
    CU_ASSERT_PTR_NULL(miq_quota_parse_limit(utp, MIQ_QUOTA_STORAGE, "512k", &v));
    CU_ASSERT_EQUAL(v, 512 * 1024);
    CU_ASSERT_PTR_NULL(miq_quota_parse_limit(utp, MIQ_QUOTA_JOBS, "off", &v));
    CU_ASSERT_EQUAL(v, 0);
    CU_ASSERT_PTR_NULL(miq_quota_parse_limit(utp, MIQ_QUOTA_IMPORTS, "3", &v));
    CU_ASSERT_EQUAL(v, 3);
    CU_ASSERT_PTR_NOT_NULL(miq_quota_parse_limit(utp, MIQ_QUOTA_JOBS, "3G", &v));
    CU_ASSERT_PTR_NOT_NULL(miq_quota_parse_limit(utp, MIQ_QUOTA_STORAGE, "10X", &v));
    CU_ASSERT_PTR_NOT_NULL(miq_quota_parse_limit(utp, MIQ_QUOTA_LONG_POLLS, "-1", &v));
    CU_ASSERT_PTR_NOT_NULL(miq_quota_parse_limit(utp, MIQ_QUOTA_STORAGE, "", &v));
    CU_ASSERT_EQUAL(miq_quota_kind_parse("long_polls"), MIQ_QUOTA_LONG_POLLS);
    CU_ASSERT_EQUAL(miq_quota_kind_parse("disk"), -1);
}

/* A database that answers miq_quota_usage with fixed numbers and a lease
 * with what *taken says. */
typedef struct script {
    const char *stored, *active, *taken, *in_use;
    int queries, released;
} script;

static apr_array_header_t *scripted(void *baton, apr_pool_t *p, miq_sql_id_e id, int nargs,
                                    const char *const *args, int *ncols, const char **err)
{
    script *s = baton;
    apr_array_header_t *rows = apr_array_make(p, 1, sizeof(const char **));
    const char **row = apr_pcalloc(p, 2 * sizeof(*row));
    (void)nargs, (void)args, (void)err;
    s->queries++;
    *ncols = 2;
    if (id == MIQ_SQL_QUOTA_USAGE)
        row[0] = s->stored, row[1] = s->active;
    else if (id == MIQ_SQL_QUOTA_LEASE)
        row[0] = s->taken, row[1] = s->in_use;
    else if (id == MIQ_SQL_QUOTA_RELEASE) {
        s->released++;
        *ncols = 0;
        return rows;
    }
    APR_ARRAY_PUSH(rows, const char **) = row;
    return rows;
}

static void test_checks(void)
{
    script s = {"900", "2", "f", "2", 0, 0};
    miq_db db = {&s, scripted};
    miq_quotas q;
    miq_reply out;
    const char *lease;
    memset(&q, 0, sizeof(q));
    memset(&out, 0, sizeof(out));
    /* no limits: no query at all */
    CU_ASSERT_TRUE(miq_quota_check(utp, &db, &q, "7", 1000, 1, &out));
    CU_ASSERT_STRING_EQUAL(miq_quota_acquire(utp, &db, &q, MIQ_QUOTA_IMPORTS, "7", 60, &out), "");
    CU_ASSERT_EQUAL(s.queries, 0);
    q.limit[MIQ_QUOTA_STORAGE] = 1000;
    q.limit[MIQ_QUOTA_JOBS] = 2;
    q.limit[MIQ_QUOTA_IMPORTS] = 2;
    CU_ASSERT_TRUE(miq_quota_check(utp, &db, &q, "7", 100, 0, &out));
    CU_ASSERT_FALSE(miq_quota_check(utp, &db, &q, "7", 101, 0, &out));
    CU_ASSERT_EQUAL(out.status, 429);
    CU_ASSERT_STRING_EQUAL(out.code, "quota_exceeded");
    CU_ASSERT_STRING_EQUAL(miq_json_str(out.body, "quota", ""), "storage");
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(out.body, "limit")), 1000);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(out.body, "used")), 900);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(out.body, "requested")), 101);
    memset(&out, 0, sizeof(out));
    CU_ASSERT_FALSE(miq_quota_check(utp, &db, &q, "7", 0, 1, &out));
    CU_ASSERT_STRING_EQUAL(miq_json_str(out.body, "quota", ""), "jobs");
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(out.body, "used")), 2);
    /* leases: refused with the count, or taken and given back */
    memset(&out, 0, sizeof(out));
    CU_ASSERT_PTR_NULL(miq_quota_acquire(utp, &db, &q, MIQ_QUOTA_IMPORTS, "7", 60, &out));
    CU_ASSERT_EQUAL(out.status, 429);
    CU_ASSERT_STRING_EQUAL(miq_json_str(out.body, "quota", ""), "imports");
    s.taken = "t";
    lease = miq_quota_acquire(utp, &db, &q, MIQ_QUOTA_IMPORTS, "7", 60, &out);
    CU_ASSERT_TRUE(lease && !strncmp(lease, "ql_", 3));
    miq_quota_release(utp, &db, lease);
    miq_quota_release(utp, &db, "");
    CU_ASSERT_EQUAL(s.released, 1);
    /* the database down: 503, never a pass */
    db.query = NULL;
    memset(&out, 0, sizeof(out));
    CU_ASSERT_FALSE(miq_quota_check(utp, &db, &q, "7", 0, 1, &out));
    CU_ASSERT_EQUAL(out.status, 503);
}

MIQ_SUITE("quota", MIQ_TEST(test_parse_limits), MIQ_TEST(test_checks))
