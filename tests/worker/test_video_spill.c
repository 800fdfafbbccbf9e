/* Suite "video_spill": a dissolve that straddles a keyframe, so that part of
 * it lies in a GOP whose own keyframes barely differ. That GOP is decoded
 * (with its neighbour, whose keyframes differ) only when the keyframe
 * between them is partway along the change; a shot that changes on its own
 * next to a cut (cells, grain) is not. Fixed 48-frame GOPs without
 * scene-cut keyframes, media made at test time. */
#include <stdio.h>
#include <stdlib.h>
#include <CUnit/CUnit.h>
#include "unit.h"
#include "wtest_media.h"
#include "wtest_scenes.h"
#include "miqw_media.h"
#include "analyses/miqw_scenes.h"

#define ENC          "-c:v libx264 -preset veryfast -g 48 -keyint_min 48 -sc_threshold 0 -bf 2 -an"
#define SHOT(src, d) src "=s=320x180:r=25:d=" #d ",format=yuv420p,setsar=1"

/* params: owned (released here). */
static json_t *scenes_with(const char *path, json_t *params)
{
    json_t *r = wtest_run_scenes(wtest_open_media(path), params);
    json_decref(params);
    return r;
}

static json_t *scenes_of(const char *path)
{
    return scenes_with(path, NULL);
}

static int ival(const json_t *o, const char *k)
{
    return (int)json_integer_value(json_object_get(o, k));
}

static void print_result(const char *what, const json_t *r)
{
    const json_t *cuts = json_object_get(r, "cuts"), *c;
    size_t i;
    printf("\n    %s:", what);
    json_array_foreach(cuts, i, c)
        printf(" %s %d [%d..%d] %.2f", json_string_value(json_object_get(c, "type")),
               ival(c, "frame"), ival(c, "start_frame"), ival(c, "end_frame"),
               json_number_value(json_object_get(c, "score")));
    printf("; decoded %d, GOPs refined %d\n", (int)wtest_scene_stat(r, "decoded_frames"),
           (int)wtest_scene_stat(r, "refined_gops"));
}

static void assert_dissolve(const json_t *d, int start, int end)
{
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(d, "type")), "dissolve");
    CU_ASSERT(abs(ival(d, "start_frame") - start) <= 3);
    CU_ASSERT(abs(ival(d, "end_frame") - end) <= 3);
    CU_ASSERT(ival(d, "frame") > start && ival(d, "frame") < end);
}

/* Two dissolves across keyframes, linear crossfades of 25 frames: 88..113
 * (a third of it before keyframe 96) and 224..249 (two thirds before
 * keyframe 240). Each is found once, as a dissolve, with its span (the
 * frames where alpha passes 0.1 and 0.9): none is lost at the keyframe
 * between the GOP whose keyframes differ most and its neighbour. */
static const char *spill_file(void)
{
    return wtest_ffmpeg(
        utp, "v2_spill.mp4",
        "-filter_complex \"" SHOT("smptehdbars", 4.52) ",noise=alls=8:allf=t[a];" SHOT(
            "testsrc2",
            6.5) ",hue=h=90[b];" SHOT("testsrc2",
                                      3) ",negate[c];"
                                         "[a][b]xfade=transition=fade:duration=1:offset=3.52[ab];"
                                         "[ab][c]xfade=transition=fade:duration=1:offset=8.96[v]\" "
                                         "-map '[v]' " ENC);
}

static void dissolves_across_keyframes(void)
{
    const char *path = spill_file();
    json_t *r = scenes_of(path), *cuts = json_object_get(r, "cuts");
    print_result("dissolves across keyframes 96 and 240", r);
    CU_ASSERT_EQUAL_FATAL(json_array_size(cuts), 2);
    assert_dissolve(json_array_get(cuts, 0), 90, 111);
    assert_dissolve(json_array_get(cuts, 1), 226, 247);
    json_decref(r);
}

/* A 2 s dissolve 86..136, a fifth of it before keyframe 96, at threshold
 * 1 (the highest): that fifth is under half the threshold (GOP 48..96 is no candidate
 * by its own keyframes) but along the change of GOP 96..144, so GOP 48..96
 * is decoded and the span starts at 91 (alpha 0.1); from keyframe 96 on it
 * would start there. */
static void dissolve_fifth_before_keyframe(void)
{
    const char *path = wtest_ffmpeg(
        utp, "v2_spill_fifth.mp4",
        "-filter_complex \"" SHOT("smptehdbars", 5.44) ",noise=alls=8:allf=t[a];" SHOT(
            "testsrc2", 4) ",hue=h=90[b];"
                           "[a][b]xfade=transition=fade:duration=2:offset=3.44[v]\" "
                           "-map '[v]' " ENC);
    json_t *r = scenes_with(path, json_pack("{s:f}", "threshold", 1.0)),
           *cuts = json_object_get(r, "cuts");
    print_result("a fifth before keyframe 96, threshold 1", r);
    CU_ASSERT_EQUAL_FATAL(json_array_size(cuts), 1);
    assert_dissolve(json_array_get(cuts, 0), 91, 131);
    json_decref(r);
}

/* A cut at 70 into cellular automata (every cell changes on its own, the
 * picture as a whole does not), then a cut at 230: GOP 96..144 next to the
 * first cut's GOP changes by the cells only, across the change rather than
 * along it, and is not decoded; both cuts are exact. */
static void own_motion_next_to_cut(void)
{
    const char *path = wtest_ffmpeg(
        utp, "v2_spill_life.mp4",
        "-filter_complex \"" SHOT(
            "testsrc2",
            2.8) "[a];"
                 "life=s=1280x720:r=25:mold=10:ratio=0.1:death_color=#C83232:life_color=#00ff00,"
                 "scale=320:180:flags=area,trim=end_frame=160,format=yuv420p,setsar=1[b];" SHOT(
                     "smptebars", 2) "[c];[a][b][c]concat=n=3:v=1:a=0[v]\" -map '[v]' " ENC);
    json_t *r = scenes_of(path), *cuts = json_object_get(r, "cuts");
    print_result("cut into cells, cut out", r);
    CU_ASSERT_EQUAL_FATAL(json_array_size(cuts), 2);
    CU_ASSERT_EQUAL(ival(json_array_get(cuts, 0), "frame"), 70);
    CU_ASSERT_EQUAL(ival(json_array_get(cuts, 1), "frame"), 230);
    CU_ASSERT((int)wtest_scene_stat(r, "decoded_frames") <= 279 - 48); /* not GOP 96..144 */
    json_decref(r);
}

MIQ_SUITE("video_spill", MIQ_TEST(dissolves_across_keyframes),
          MIQ_TEST(dissolve_fifth_before_keyframe), MIQ_TEST(own_motion_next_to_cut))
