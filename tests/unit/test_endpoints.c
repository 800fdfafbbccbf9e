/* The endpoint catalog: schemas parse and say what SPEC §6 says, defaults,
 * param checks, result schemas against sample results, timecodes. */
#include <string.h>
#include <apr_strings.h>
#include "unit.h"
#include "endpoints/miq_endpoints.h"
#include "base/miq_json.h"
#include "mcp/miq_schema.h"
#include "base/miq_scope.h"
#include "base/miq_text.h"

static json_t *parse(const char *s)
{
    return miq_json_parse(utp, s, strlen(s), NULL);
}

static void test_catalog_lists_six_endpoints(void)
{
    static const char *const names[] = {"audio/silence", "video/scenes", "audio/energy",
                                        "video/frames",  "video/clips",  "timeline/moments"};
    apr_size_t n, i;
    const miq_endpoint *const *all = miq_endpoints_all(&n);
    CU_ASSERT_EQUAL(n, 6);
    for (i = 0; i < 6; i++) {
        const miq_endpoint *e = miq_endpoints_find(names[i]);
        CU_ASSERT_PTR_NOT_NULL_FATAL(e);
        CU_ASSERT_STRING_EQUAL(e->name, names[i]);
        CU_ASSERT_EQUAL(e->scope, miq_scope_for_endpoint(names[i]));
        CU_ASSERT(strlen(e->description) > 100);
        CU_ASSERT(strlen(e->title) > 0 && strlen(e->summary) > 0 && strlen(e->detects) > 0);
    }
    CU_ASSERT_STRING_EQUAL(all[0]->name, "audio/silence");
    CU_ASSERT_PTR_NULL(miq_endpoints_find("audio/nope"));
    CU_ASSERT_PTR_NULL(miq_endpoints_find(NULL));
    CU_ASSERT_EQUAL(json_array_size(miq_endpoints_names_json(utp)), 6);
}

static void test_catalog_schemas_parse_and_are_complete(void)
{
    apr_size_t n, i;
    const miq_endpoint *const *all = miq_endpoints_all(&n);
    for (i = 0; i < n; i++) {
        const miq_endpoint *e = all[i];
        json_t *ps = miq_endpoints_params_schema(utp, e), *rs = miq_endpoints_result_schema(utp, e);
        json_t *req, *props, *v;
        const char *key;
        char *lists = apr_pstrdup(utp, e->result_lists), *tok, *last;
        CU_ASSERT_PTR_NOT_NULL_FATAL(ps);
        CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
        CU_ASSERT_PTR_NULL(miq_schema_check(utp, ps));
        CU_ASSERT_PTR_NULL(miq_schema_check(utp, rs));
        CU_ASSERT_STRING_EQUAL(miq_json_str(ps, "type", ""), "object");
        CU_ASSERT(json_is_false(json_object_get(ps, "additionalProperties")));
        CU_ASSERT(strstr(miq_json_str(ps, "$schema", ""), "2020-12") != NULL);
        json_object_foreach(json_object_get(ps, "properties"), key, v)
            CU_ASSERT_PTR_NOT_NULL(json_object_get(v, "type"));
        /* the result names the endpoint, the params as run, the media, and its lists */
        req = json_object_get(rs, "required");
        props = json_object_get(rs, "properties");
        CU_ASSERT_STRING_EQUAL(miq_json_str(json_object_get(props, "endpoint"), "const", ""),
                               e->name);
        CU_ASSERT_PTR_NOT_NULL(
            json_object_get(json_object_get(json_object_get(props, "media"), "properties"),
                            "duration_s"));
        for (tok = apr_strtok(lists, ",", &last); tok; tok = apr_strtok(NULL, ",", &last)) {
            size_t k;
            int found = 0;
            json_array_foreach(req, k, v) found |= !strcmp(json_string_value(v), tok);
            CU_ASSERT(found);
            CU_ASSERT_STRING_EQUAL(miq_json_str(json_object_get(props, tok), "type", ""), "array");
        }
        /* example params are valid for both the full validator and the light check */
        CU_ASSERT_PTR_NULL(miq_schema_validate(utp, ps, miq_endpoints_example_params(utp, e)));
        CU_ASSERT_PTR_NULL(
            miq_endpoints_check_params(utp, e, miq_endpoints_example_params(utp, e), 600));
    }
}

static void test_catalog_defaults_match_spec(void)
{
    json_t *d = miq_endpoints_apply_defaults(utp, miq_endpoints_find("audio/silence"), NULL);
    CU_ASSERT_DOUBLE_EQUAL(miq_json_num(d, "min_silence_s", 0), 0.5, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(miq_json_num(d, "threshold_db", 0), -35, 1e-9);
    d = miq_endpoints_apply_defaults(utp, miq_endpoints_find("audio/energy"), NULL);
    CU_ASSERT_DOUBLE_EQUAL(miq_json_num(d, "window_s", 0), 0.5, 1e-9);
    CU_ASSERT_EQUAL(miq_json_int(d, "top_k", 0), 10);
    d = miq_endpoints_apply_defaults(utp, miq_endpoints_find("video/scenes"),
                                     parse("{\"threshold\":0.5}"));
    CU_ASSERT_DOUBLE_EQUAL(miq_json_num(d, "threshold", 0), 0.5, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(miq_json_num(d, "min_scene_s", 0), 1.0, 1e-9);
    d = miq_endpoints_apply_defaults(utp, miq_endpoints_find("video/frames"),
                                     parse("{\"every_s\":5}"));
    CU_ASSERT_EQUAL(miq_json_int(d, "width", 0), 640);
    CU_ASSERT_STRING_EQUAL(miq_json_str(d, "format", ""), "jpg");
    CU_ASSERT(json_is_false(json_object_get(d, "at_scenes")));
    d = miq_endpoints_apply_defaults(utp, miq_endpoints_find("video/clips"),
                                     parse("{\"clips\":[{\"start\":1,\"end\":2}]}"));
    CU_ASSERT_STRING_EQUAL(miq_json_str(d, "mode", ""), "copy");
    d = miq_endpoints_apply_defaults(utp, miq_endpoints_find("timeline/moments"),
                                     parse("{\"silence\":{\"threshold_db\":-50}}"));
    CU_ASSERT_DOUBLE_EQUAL(miq_json_num(json_object_get(d, "silence"), "threshold_db", 0), -50,
                           1e-9);
    CU_ASSERT_DOUBLE_EQUAL(miq_json_num(json_object_get(d, "silence"), "min_silence_s", 0), 0.5,
                           1e-9);
    CU_ASSERT_EQUAL(miq_json_int(json_object_get(d, "highlights"), "count", 0), 5);
    CU_ASSERT_DOUBLE_EQUAL(miq_json_num(json_object_get(d, "scenes"), "threshold", 0), 0.3, 1e-9);
    /* speech music other silence scene peak, and the video types dissolve fade black freeze */
    CU_ASSERT_EQUAL(json_array_size(json_object_get(d, "include")), 10);
}

static void expect_param_error(const char *ep, const char *params, double dur, const char *needle)
{
    const char *err = miq_endpoints_check_params(utp, miq_endpoints_find(ep), parse(params), dur);
    CU_ASSERT_PTR_NOT_NULL(err);
    if (err && !strstr(err, needle))
        CU_FAIL(apr_psprintf(utp, "'%s' does not mention '%s'", err, needle));
}

static void test_catalog_check_params_refuses_nonsense(void)
{
    const miq_endpoint *frames = miq_endpoints_find("video/frames");
    expect_param_error("audio/silence", "{\"min_silence\":1}", 0, "unknown parameter");
    expect_param_error("audio/silence", "{\"threshold_db\":\"loud\"}", 0, "must be a number");
    expect_param_error("audio/silence", "{\"threshold_db\":3}", 0, "<= 0");
    expect_param_error("audio/energy", "{\"top_k\":2.5}", 0, "integer");
    expect_param_error("video/frames", "{\"width\":640}", 0, "exactly one");
    expect_param_error("video/frames", "{\"every_s\":5,\"timestamps\":[1]}", 0, "exactly one");
    expect_param_error("video/frames", "{\"timestamps\":[1,99]}", 60, "past the end");
    expect_param_error("video/frames", "{\"every_s\":5,\"format\":\"gif\"}", 0, "one of");
    expect_param_error("video/clips", "{}", 0, "clips is required");
    expect_param_error("video/clips", "{\"clips\":[{\"start\":5,\"end\":5}]}", 0, "after start");
    expect_param_error("video/clips", "{\"clips\":[{\"start\":5,\"end\":70}]}", 60, "past the end");
    expect_param_error("video/clips", "{\"clips\":[]}", 0, "at least 1");
    expect_param_error("timeline/moments", "{\"silence\":{\"bogus\":1}}", 0, "unknown parameter");
    expect_param_error("timeline/moments", "{\"include\":[\"speech\",\"laughter\"]}", 0, "one of");
    CU_ASSERT_PTR_NULL(miq_endpoints_check_params(utp, frames, parse("{\"at_scenes\":true}"), 0));
    CU_ASSERT_PTR_NULL(
        miq_endpoints_check_params(utp, frames, parse("{\"timestamps\":[0,59.9995]}"), 60));
    CU_ASSERT_PTR_NULL(
        miq_endpoints_check_params(utp, miq_endpoints_find("audio/silence"), NULL, 0));
}

static void test_catalog_result_schema_accepts_a_real_result(void)
{
    json_t *scenes = miq_endpoints_result_schema(utp, miq_endpoints_find("video/scenes"));
    json_t *silence = miq_endpoints_result_schema(utp, miq_endpoints_find("audio/silence"));
    json_t *ok = parse(
        "{\"endpoint\":\"video/scenes\",\"params\":{\"threshold\":0.3,\"min_scene_s\":1},"
        "\"media\":{\"duration_s\":12.5,\"fps\":25,\"has_video\":true},"
        "\"cuts\":[{\"time\":4.2,\"frame\":105,\"timecode\":\"00:00:04:05\",\"detector\":\"scdet\","
        "\"params\":{\"threshold\":0.3},\"score\":0.81}],"
        "\"scenes\":[{\"index\":0,\"start\":0,\"end\":4.2,\"duration\":4.2,\"start_frame\":0,"
        "\"end_frame\":105,\"start_tc\":\"00:00:00:00\",\"end_tc\":\"00:00:04:05\","
        "\"detector\":\"scdet\",\"params\":{},\"score\":1}]}");
    json_t *bad_tc = json_deep_copy(ok);
    miq_json_pool(utp, bad_tc);
    CU_ASSERT_PTR_NULL(miq_schema_validate(utp, scenes, ok));
    json_object_set_new(json_array_get(json_object_get(bad_tc, "cuts"), 0), "timecode",
                        json_string("4.2s"));
    CU_ASSERT_PTR_NOT_NULL(miq_schema_validate(utp, scenes, bad_tc));
    /* a detection without its detector is not a valid result */
    CU_ASSERT_PTR_NOT_NULL(miq_schema_validate(
        utp, silence,
        parse("{\"endpoint\":\"audio/silence\",\"params\":{},\"media\":{\"duration_s\":3},"
              "\"speech_ratio\":0.5,\"silences\":[{\"start\":1,\"end\":2,\"duration\":1,"
              "\"params\":{},\"score\":1}]}")));
    CU_ASSERT_PTR_NULL(miq_schema_validate(
        utp, silence,
        parse("{\"endpoint\":\"audio/silence\",\"params\":{},\"media\":{\"duration_s\":3},"
              "\"speech_ratio\":0.5,\"silences\":[{\"start\":1,\"end\":2,\"duration\":1,"
              "\"detector\":\"silencedetect\",\"params\":{},\"score\":1}]}")));
}

static void test_catalog_job_schemas(void)
{
    const char *schemas[] = {miq_endpoints_job_schema, miq_endpoints_error_schema,
                             miq_endpoints_upload_schema, miq_endpoints_estimate_schema};
    json_t *job, *status_enum, *v;
    const miq_error_code *ec;
    size_t i;
    int n = 0;
    for (i = 0; i < 4; i++) {
        json_t *s = parse(schemas[i]);
        CU_ASSERT_PTR_NOT_NULL_FATAL(s);
        CU_ASSERT_PTR_NULL(miq_schema_check(utp, s));
    }
    job = parse(miq_endpoints_job_schema);
    status_enum = json_object_get(json_object_get(json_object_get(job, "properties"), "status"),
                                  "enum");
    json_array_foreach(status_enum, i, v)
        CU_ASSERT_STRING_EQUAL(json_string_value(v), miq_endpoints_job_statuses[i]);
    CU_ASSERT_EQUAL(json_array_size(status_enum), 5);
    CU_ASSERT_PTR_NULL(miq_schema_validate(
        utp, job,
        parse("{\"job_id\":\"job_1\",\"endpoint\":\"audio/silence\",\"status\":\"failed\","
              "\"progress\":40,\"created_at\":\"2026-01-02T03:04:05Z\",\"error\":"
              "{\"code\":\"unsupported_media\",\"message\":\"no audio stream\"}}")));
    CU_ASSERT_PTR_NOT_NULL(miq_schema_validate(
        utp, job,
        parse("{\"job_id\":\"j\",\"endpoint\":\"audio/silence\",\"status\":\"done\","
              "\"progress\":101,\"created_at\":\"2026-01-02T03:04:05Z\"}")));
    for (ec = miq_endpoints_error_codes; ec->code; ec++, n++)
        CU_ASSERT(ec->http_status >= 400 && ec->http_status < 600);
    CU_ASSERT_EQUAL(n, 14);
}

static void test_catalog_timecodes(void)
{
    double df = 30000.0 / 1001.0;
    CU_ASSERT_STRING_EQUAL(miq_text_timecode(utp, 0, 25), "00:00:00:00");
    CU_ASSERT_STRING_EQUAL(miq_text_timecode(utp, 3661.5, 25), "01:01:01:12");
    CU_ASSERT_STRING_EQUAL(miq_text_timecode(utp, 1.0, 24), "00:00:01:00");
    /* 23.976 counts 24 frames per timecode second, non-drop */
    CU_ASSERT_STRING_EQUAL(miq_text_timecode(utp, 1001.0 / 24000.0 * 24, 24000.0 / 1001.0),
                           "00:00:01:00");
    /* 29.97 drop-frame: frame 1799 is 00:00:59;29, frame 1800 is 00:01:00;02 */
    CU_ASSERT_STRING_EQUAL(miq_text_timecode(utp, 1799 / df, df), "00:00:59;29");
    CU_ASSERT_STRING_EQUAL(miq_text_timecode(utp, 1800 / df, df), "00:01:00;02");
    CU_ASSERT_STRING_EQUAL(miq_text_timecode(utp, 17982 / df, df), "00:10:00;00");
    CU_ASSERT_STRING_EQUAL(miq_text_timecode(utp, 107892 / df, df), "01:00:00;00");
    CU_ASSERT_STRING_EQUAL(miq_text_timecode(utp, 215784 / (2 * df), 2 * df), "01:00:00;00");
    CU_ASSERT_PTR_NULL(miq_text_timecode(utp, 1, 0));
    CU_ASSERT_PTR_NULL(miq_text_timecode(utp, -1, 25));
}

MIQ_SUITE("catalog", MIQ_TEST(test_catalog_lists_six_endpoints),
          MIQ_TEST(test_catalog_schemas_parse_and_are_complete),
          MIQ_TEST(test_catalog_defaults_match_spec),
          MIQ_TEST(test_catalog_check_params_refuses_nonsense),
          MIQ_TEST(test_catalog_result_schema_accepts_a_real_result),
          MIQ_TEST(test_catalog_job_schemas), MIQ_TEST(test_catalog_timecodes))
