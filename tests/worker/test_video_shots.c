/* Suite "video_shots": gradual transitions (crossfade, pixel dissolve, fade
 * through black, fade out/in), black and frozen stretches, and the non-changes
 * that must stay so (a flash, slow and whip pans, a slow zoom), on fixed-GOP
 * H.264 made at test time (wtest_media_video.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <CUnit/CUnit.h>
#include "unit.h"
#include "wtest_media.h"
#include "wtest_scenes.h"
#include "wtest_media_video.h"
#include "endpoints/miq_endpoints.h"
#include "mcp/miq_schema.h"
#include "miqw_media.h"
#include "analyses/miqw_scenes.h"

static void assert_valid(json_t *r, const miqw_media *m)
{
    const char *bad;
    miq_endpoints_init();
    json_object_set_new(r, "endpoint", json_string("video/scenes"));
    json_object_set_new(r, "params", json_object());
    json_object_set_new(r, "media", json_pack("{s:f}", "duration_s", m->duration_s));
    bad = miq_schema_validate(utp,
                              miq_endpoints_result_schema(utp, miq_endpoints_find("video/scenes")),
                              r);
    if (bad)
        fprintf(stderr, "video/scenes result invalid: %s\n", bad);
    CU_ASSERT_PTR_NULL(bad);
}

static json_int_t ival(const json_t *o, const char *k)
{
    return json_integer_value(json_object_get(o, k));
}

static const char *sval(const json_t *o, const char *k)
{
    const char *v = json_string_value(json_object_get(o, k));
    return v ? v : "";
}

static void print_changes(const char *what, const json_t *cuts)
{
    size_t i;
    printf("\n    %s:", what);
    for (i = 0; i < json_array_size(cuts); i++) {
        const json_t *c = json_array_get(cuts, i);
        printf(" %s %d [%d..%d] (%.2f)", sval(c, "type"), (int)ival(c, "frame"),
               (int)ival(c, "start_frame"), (int)ival(c, "end_frame"),
               json_number_value(json_object_get(c, "score")));
    }
    printf("\n");
}

/* The five changes of the transitions file, one each, with their types and
 * spans; the flash is none. */
static void check_transitions(const json_t *cuts, int offset_frames)
{
    const int(*spans)[2] = wtv_trans_spans;
    static const char *const types[] = {"dissolve", "dissolve", "fade", "cut", "fade"};
    int i;
    CU_ASSERT_EQUAL_FATAL(json_array_size(cuts), 5);
    for (i = 0; i < 5; i++) {
        const json_t *c = json_array_get(cuts, i);
        int f = (int)ival(c, "frame") - offset_frames,
            s = (int)ival(c, "start_frame") - offset_frames,
            e = (int)ival(c, "end_frame") - offset_frames;
        CU_ASSERT_STRING_EQUAL(sval(c, "type"), types[i]);
        /* the take-over point inside the span, the span close to the true one */
        CU_ASSERT(f >= spans[i][0] && f <= spans[i][1] + 1);
        CU_ASSERT(s <= f && f <= e);
        CU_ASSERT(abs(s - spans[i][0]) <= 4);
        CU_ASSERT(abs(e - spans[i][1]) <= 4);
    }
    CU_ASSERT_EQUAL(ival(json_array_get(cuts, 3), "frame") - offset_frames, 425); /* exact */
}

static void transitions_one_change_each(void)
{
    miqw_media *m = wtest_open_media(wtv_transitions(utp));
    json_t *r = wtest_run_scenes(m, NULL), *cuts = json_object_get(r, "cuts");
    print_changes("transitions", cuts);
    check_transitions(cuts, 0);
    CU_ASSERT_EQUAL(json_array_size(json_object_get(r, "scenes")), json_array_size(cuts) + 1);
    assert_valid(r, m);
    json_decref(r);
}

/* A lower min_scene_s does not split a transition into several changes. */
static void transitions_not_split_by_low_min_scene(void)
{
    miqw_media *m = wtest_open_media(wtv_transitions(utp));
    json_t *params = json_pack("{s:f}", "min_scene_s", 0.0);
    json_t *r = wtest_run_scenes(m, params), *cuts = json_object_get(r, "cuts");
    print_changes("min_scene_s 0", cuts);
    CU_ASSERT_EQUAL(json_array_size(cuts), 5);
    json_decref(params);
    json_decref(r);
}

static void pans_zoom_whip_are_not_changes(void)
{
    miqw_media *m = wtest_open_media(wtv_no_changes(utp));
    json_t *params = json_pack("{s:f}", "min_scene_s", 0.0);
    json_t *r = wtest_run_scenes(m, params), *cuts = json_object_get(r, "cuts");
    print_changes("pans and zoom", cuts);
    CU_ASSERT_EQUAL_FATAL(json_array_size(cuts), 1);
    CU_ASSERT_STRING_EQUAL(sval(json_array_get(cuts, 0), "type"), "cut");
    CU_ASSERT_EQUAL(ival(json_array_get(cuts, 0), "frame"), WTV_PANS_CUT);
    CU_ASSERT_EQUAL(json_array_size(json_object_get(r, "black")), 0);
    CU_ASSERT_EQUAL(json_array_size(json_object_get(r, "frozen")), 0);
    json_decref(params);
    json_decref(r);
}

static void black_and_frozen_spans(void)
{
    static const int bs[2] = {WTV_BLACK_START, WTV_BLACK_END},
                     fs[2] = {WTV_FROZEN_START, WTV_FROZEN_END};
    miqw_media *m = wtest_open_media(wtv_stills(utp));
    json_t *r = wtest_run_scenes(m, NULL), *black = json_object_get(r, "black"),
           *frozen = json_object_get(r, "frozen");
    json_t *params = json_pack("{s:f,s:f}", "black_min_s", 3.0, "frozen_min_s", 3.5), *r2;
    char *bj = json_dumps(black, JSON_COMPACT), *fj = json_dumps(frozen, JSON_COMPACT);
    printf("\n    black %s\n    frozen %s\n", bj ? bj : "", fj ? fj : "");
    free(bj);
    free(fj);
    CU_ASSERT_EQUAL_FATAL(json_array_size(black), 1);
    CU_ASSERT_EQUAL_FATAL(json_array_size(frozen), 1);
    CU_ASSERT_EQUAL(ival(json_array_get(black, 0), "start_frame"), bs[0]);
    CU_ASSERT_EQUAL(ival(json_array_get(black, 0), "end_frame"), bs[1]);
    CU_ASSERT_EQUAL(ival(json_array_get(frozen, 0), "start_frame"), fs[0]);
    CU_ASSERT_EQUAL(ival(json_array_get(frozen, 0), "end_frame"), fs[1]);
    CU_ASSERT(fabs(json_number_value(json_object_get(json_array_get(black, 0), "duration")) -
                   2.52) < 0.005);
    assert_valid(r, m);
    /* the minimum durations are parameters: 2.5 s of black and 3 s frozen fall below them */
    r2 = wtest_run_scenes(m, params);
    CU_ASSERT_EQUAL(json_array_size(json_object_get(r2, "black")), 0);
    CU_ASSERT_EQUAL(json_array_size(json_object_get(r2, "frozen")), 0);
    json_decref(params);
    json_decref(r);
    json_decref(r2);
}

MIQ_SUITE("video_shots", MIQ_TEST(transitions_one_change_each),
          MIQ_TEST(transitions_not_split_by_low_min_scene),
          MIQ_TEST(pans_zoom_whip_are_not_changes), MIQ_TEST(black_and_frozen_spans))
