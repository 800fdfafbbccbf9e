/* The price table and the single estimate function billing relies on. */
#include <math.h>
#include <string.h>
#include "unit.h"
#include "endpoints/miq_endpoints.h"
#include "base/miq_json.h"
#include "billing/miq_pricing.h"
#include "mcp/miq_schema.h"

static json_t *parse(const char *s)
{
    return miq_json_parse(utp, s, strlen(s), NULL);
}

/* Credits for endpoint/duration/params with the default table; -1 on error. */
static apr_int64_t credits(const miq_pricing *pr, const char *ep, double dur, const char *params)
{
    miq_price_quote q;
    const char *err = miq_pricing_estimate(pr, utp, ep, dur, params ? parse(params) : NULL, &q);
    return err ? -1 : q.credits;
}

static void expect_error(const miq_pricing *pr, const char *ep, double dur, const char *params,
                         const char *needle)
{
    miq_price_quote q;
    const char *err = miq_pricing_estimate(pr, utp, ep, dur, params ? parse(params) : NULL, &q);
    CU_ASSERT_PTR_NOT_NULL(err);
    if (err && !strstr(err, needle))
        CU_FAIL("error message does not name the problem");
    CU_ASSERT_EQUAL(q.credits, 0);
}

static void test_pricing_started_minutes(void)
{
    miq_pricing *pr = miq_pricing_default(utp);
    miq_price_quote q;
    CU_ASSERT_EQUAL(credits(pr, "audio/silence", 0, NULL), 0);
    CU_ASSERT_EQUAL(credits(pr, "audio/silence", 0.001, NULL), 1);
    CU_ASSERT_EQUAL(credits(pr, "audio/silence", 0.0004, NULL), 1); /* any started minute */
    CU_ASSERT_EQUAL(credits(pr, "audio/silence", 60, NULL), 1);
    CU_ASSERT_EQUAL(credits(pr, "audio/silence", 60.001, NULL), 2);
    CU_ASSERT_EQUAL(credits(pr, "audio/silence", 3600, NULL), 60);
    CU_ASSERT_EQUAL(credits(pr, "audio/energy", 119.999, NULL), 2);
    CU_ASSERT_EQUAL(credits(pr, "video/scenes", 61, NULL), 4);
    CU_ASSERT_EQUAL(credits(pr, "timeline/moments", 600, NULL), 30);
    CU_ASSERT_PTR_NULL(miq_pricing_estimate(pr, utp, "video/scenes", 90, NULL, &q));
    CU_ASSERT_EQUAL(q.n_lines, 1);
    CU_ASSERT_STRING_EQUAL(q.lines[0].unit, "media_minute");
    CU_ASSERT_EQUAL(q.lines[0].units, 2);
    CU_ASSERT_DOUBLE_EQUAL(q.lines[0].unit_credits, 2.0, 1e-9);
    CU_ASSERT_EQUAL(q.credits, 4);
    CU_ASSERT_FALSE(q.upper_bound);
}

static void test_pricing_bad_inputs(void)
{
    miq_pricing *pr = miq_pricing_default(utp);
    expect_error(pr, "audio/nope", 60, NULL, "unknown endpoint");
    expect_error(pr, NULL, 60, NULL, "unknown endpoint");
    expect_error(pr, "audio/silence", -1, NULL, ">= 0");
    expect_error(pr, "audio/silence", NAN, NULL, ">= 0");
    expect_error(pr, "audio/silence", INFINITY, NULL, "maximum");
    expect_error(pr, "audio/silence", 48 * 3600 + 1, NULL, "maximum");
    expect_error(pr, "audio/silence", 60, "[1,2]", "object");
    CU_ASSERT_EQUAL(credits(pr, "audio/silence", 48 * 3600, NULL), 2880);
}

static void test_pricing_frames(void)
{
    miq_pricing *pr = miq_pricing_default(utp);
    miq_price_quote q;
    /* 0.1 credit per frame, total rounded up once */
    CU_ASSERT_EQUAL(credits(pr, "video/frames", 600, "{\"timestamps\":[1,2,3]}"), 1);
    CU_ASSERT_EQUAL(credits(pr, "video/frames", 600, "{\"timestamps\":[1,2,3,4,5,6,7,8,9,10]}"), 1);
    CU_ASSERT_EQUAL(credits(pr, "video/frames", 600, "{\"timestamps\":[1,2,3,4,5,6,7,8,9,10,11]}"),
                    2);
    /* frames at 0, 10, ..., 590 */
    CU_ASSERT_PTR_NULL(
        miq_pricing_estimate(pr, utp, "video/frames", 600, parse("{\"every_s\":10}"), &q));
    CU_ASSERT_EQUAL(q.lines[0].units, 60);
    CU_ASSERT_STRING_EQUAL(q.lines[0].unit, "frame");
    CU_ASSERT_EQUAL(q.credits, 6);
    CU_ASSERT_PTR_NULL(
        miq_pricing_estimate(pr, utp, "video/frames", 600.5, parse("{\"every_s\":10}"), &q));
    CU_ASSERT_EQUAL(q.lines[0].units, 61);
    /* capped at max_frames (default 200) */
    CU_ASSERT_PTR_NULL(
        miq_pricing_estimate(pr, utp, "video/frames", 3600, parse("{\"every_s\":1}"), &q));
    CU_ASSERT_EQUAL(q.lines[0].units, 200);
    CU_ASSERT(strstr(q.lines[0].basis, "capped") != NULL);
    /* at_scenes reserves max_frames and says it is a bound */
    CU_ASSERT_PTR_NULL(miq_pricing_estimate(pr, utp, "video/frames", 600,
                                            parse("{\"at_scenes\":true,\"max_frames\":40}"), &q));
    CU_ASSERT_EQUAL(q.lines[0].units, 40);
    CU_ASSERT_TRUE(q.upper_bound);
    CU_ASSERT_EQUAL(q.credits, 4);
    expect_error(pr, "video/frames", 600, "{\"every_s\":0}", "every_s");
    expect_error(pr, "video/frames", 600, "{\"every_s\":-5}", "every_s");
    expect_error(pr, "video/frames", 600, "{\"every_s\":\"10\"}", "every_s");
    expect_error(pr, "video/frames", 0, "{\"every_s\":10}", "duration");
    expect_error(pr, "video/frames", 600, "{}", "exactly one");
    expect_error(pr, "video/frames", 600, NULL, "exactly one");
    expect_error(pr, "video/frames", 600, "{\"every_s\":10,\"at_scenes\":true}", "exactly one");
    expect_error(pr, "video/frames", 600, "{\"timestamps\":[]}", "non-empty");
    expect_error(pr, "video/frames", 60, "{\"timestamps\":[10,61]}", "past the end");
    expect_error(pr, "video/frames", 60, "{\"timestamps\":[-1]}", "timestamps[0]");
    expect_error(pr, "video/frames", 60, "{\"at_scenes\":true,\"max_frames\":0}", "max_frames");
}

static void test_pricing_clips(void)
{
    miq_pricing *pr = miq_pricing_default(utp);
    miq_price_quote q;
    /* output minutes are summed over clips, then started minutes counted */
    CU_ASSERT_EQUAL(credits(pr, "video/clips", 600,
                            "{\"clips\":[{\"start\":0,\"end\":30},{\"start\":40,\"end\":70}]}"),
                    1);
    CU_ASSERT_EQUAL(credits(pr, "video/clips", 600,
                            "{\"clips\":[{\"start\":0,\"end\":30},{\"start\":40,\"end\":70.5}]}"),
                    2);
    CU_ASSERT_PTR_NULL(
        miq_pricing_estimate(pr, utp, "video/clips", 600,
                             parse("{\"mode\":\"reencode\",\"clips\":[{\"start\":0,\"end\":30},"
                                   "{\"start\":40,\"end\":70.5}]}"),
                             &q));
    CU_ASSERT_STRING_EQUAL(q.lines[0].unit, "reencode_output_minute");
    CU_ASSERT_EQUAL(q.lines[0].units, 2);
    CU_ASSERT_EQUAL(q.credits, 6);
    /* duration unknown (0): clips are priced without the end-of-media check */
    CU_ASSERT_EQUAL(credits(pr, "video/clips", 0, "{\"clips\":[{\"start\":100,\"end\":220}]}"), 2);
    expect_error(pr, "video/clips", 600, "{\"clips\":[{\"start\":5,\"end\":5}]}", "after start");
    expect_error(pr, "video/clips", 600, "{\"clips\":[{\"start\":5,\"end\":3}]}", "after start");
    expect_error(pr, "video/clips", 60, "{\"clips\":[{\"start\":5,\"end\":61}]}", "past the end");
    expect_error(pr, "video/clips", 600, "{\"clips\":[{\"start\":\"a\",\"end\":3}]}", "start");
    expect_error(pr, "video/clips", 600, "{\"clips\":[]}", "non-empty");
    expect_error(pr, "video/clips", 600, NULL, "clips");
    expect_error(pr, "video/clips", 600, "{\"mode\":\"fast\",\"clips\":[{\"start\":0,\"end\":1}]}",
                 "mode");
    expect_error(pr, "video/clips", 0, "{\"clips\":[{\"start\":0,\"end\":1e300}]}", "between");
}

static void test_pricing_overrides(void)
{
    miq_pricing *pr = miq_pricing_default(utp), *copy;
    CU_ASSERT_PTR_NULL(miq_pricing_set(pr, "audio/silence", NULL, 2));
    CU_ASSERT_EQUAL(credits(pr, "audio/silence", 60.001, NULL), 4);
    CU_ASSERT_PTR_NULL(miq_pricing_set(pr, "audio/silence", "media_minute", 0.5));
    CU_ASSERT_EQUAL(credits(pr, "audio/silence", 180, NULL), 2); /* 1.5 rounds up */
    CU_ASSERT_DOUBLE_EQUAL(miq_pricing_get(pr, "audio/silence", NULL), 0.5, 1e-9);
    CU_ASSERT_PTR_NULL(miq_pricing_set(pr, "video/clips", "reencode_output_minute", 10));
    CU_ASSERT_DOUBLE_EQUAL(miq_pricing_get(pr, "video/clips", "reencode_output_minute"), 10, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(miq_pricing_get(pr, "video/clips", NULL), 1, 1e-9);
    CU_ASSERT_PTR_NULL(miq_pricing_set(pr, "video/frames", "frame", 0));
    CU_ASSERT_EQUAL(credits(pr, "video/frames", 60, "{\"every_s\":1}"), 0);
    CU_ASSERT(strstr(miq_pricing_set(pr, "audio/nope", NULL, 1), "unknown endpoint") != NULL);
    CU_ASSERT(strstr(miq_pricing_set(pr, "audio/silence", "frame", 1), "unknown unit") != NULL);
    CU_ASSERT_PTR_NOT_NULL(miq_pricing_set(pr, "audio/silence", NULL, -1));
    CU_ASSERT_PTR_NOT_NULL(miq_pricing_set(pr, "audio/silence", NULL, NAN));
    CU_ASSERT_PTR_NOT_NULL(miq_pricing_set(pr, "audio/silence", NULL, 1e9));
    CU_ASSERT_EQUAL(miq_pricing_get(pr, "audio/nope", NULL), -1);
    /* a copy changes independently */
    copy = miq_pricing_copy(utp, pr);
    CU_ASSERT_PTR_NULL(miq_pricing_set(copy, "audio/silence", NULL, 7));
    CU_ASSERT_DOUBLE_EQUAL(miq_pricing_get(pr, "audio/silence", NULL), 0.5, 1e-9);
    /* maximum duration */
    CU_ASSERT_PTR_NULL(miq_pricing_set_max_duration(copy, 60));
    expect_error(copy, "audio/silence", 61, NULL, "maximum");
    CU_ASSERT_PTR_NOT_NULL(miq_pricing_set_max_duration(copy, 0));
}

static void test_pricing_json(void)
{
    miq_pricing *pr = miq_pricing_default(utp);
    miq_price_quote q;
    json_t *table = miq_pricing_table_json(utp, pr), *qj, *schema, *row;
    apr_size_t i, n;
    const miq_endpoint *const *all = miq_endpoints_all(&n);
    CU_ASSERT_EQUAL(json_array_size(json_object_get(table, "prices")), 7);
    /* every catalog endpoint has a price */
    for (i = 0; i < n; i++)
        CU_ASSERT(miq_pricing_get(pr, all[i]->name, NULL) >= 0);
    row = json_array_get(json_object_get(table, "prices"), 0);
    CU_ASSERT_STRING_EQUAL(miq_json_str(row, "endpoint", ""), "audio/silence");
    CU_ASSERT(strstr(miq_pricing_table_markdown(utp, pr), "`video/frames`") != NULL);
    CU_ASSERT_PTR_NULL(
        miq_pricing_estimate(pr, utp, "video/frames", 600, parse("{\"at_scenes\":true}"), &q));
    qj = miq_price_quote_json(utp, &q);
    schema = miq_json_parse(utp, miq_endpoints_estimate_schema,
                            strlen(miq_endpoints_estimate_schema), NULL);
    CU_ASSERT_PTR_NULL(miq_schema_validate(utp, schema, qj));
    CU_ASSERT_EQUAL(miq_json_int(qj, "credits", -1), 20);
    CU_ASSERT(json_is_true(json_object_get(qj, "upper_bound")));
    CU_ASSERT(strstr(miq_price_quote_text(utp, &q), "at most 20 credits") != NULL);
}

MIQ_SUITE("pricing", MIQ_TEST(test_pricing_started_minutes), MIQ_TEST(test_pricing_bad_inputs),
          MIQ_TEST(test_pricing_frames), MIQ_TEST(test_pricing_clips),
          MIQ_TEST(test_pricing_overrides), MIQ_TEST(test_pricing_json))
