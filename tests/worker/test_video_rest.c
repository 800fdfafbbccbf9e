/* Suite "video_rest": the rest of a GOP after a cut, which the refine may
 * take from the next keyframe (read ahead, decoded alone) instead of decoding
 * it: skipped when nothing changes there, decoded when something does (a
 * dissolve after the cut in the same GOP), given as copies when it is a
 * still picture; the same after a packet spike that held no cut; and GOPs
 * of tiny packets that cannot hold a still stretch.
 * Fixed 48-frame GOPs without scene-cut keyframes, made at test time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <CUnit/CUnit.h>
#include "unit.h"
#include "wtest_media.h"
#include "wtest_scenes.h"
#include "miqw_media.h"
#include "analyses/miqw_scenes.h"

#define ENC "-c:v libx264 -preset veryfast -g 48 -keyint_min 48 -sc_threshold 0 -bf 2 -an"
#define PAN "testsrc=s=640x180:r=25,crop=320:180:x='t*40':y=0,format=yuv420p,setsar=1"

static json_t *scenes_of(const char *path)
{
    return wtest_run_scenes(wtest_open_media(path), NULL);
}

static json_int_t ival(const json_t *o, const char *k)
{
    return json_integer_value(json_object_get(o, k));
}

static void print_result(const char *what, const json_t *r)
{
    const json_t *cuts = json_object_get(r, "cuts"), *c;
    size_t i;
    printf("\n    %s:", what);
    json_array_foreach(cuts, i, c)
        printf(" %s %d [%d..%d]", json_string_value(json_object_get(c, "type")),
               (int)ival(c, "frame"), (int)ival(c, "start_frame"), (int)ival(c, "end_frame"));
    printf("; frozen %zu; decoded %d, copies %d, rest skipped %d\n",
           json_array_size(json_object_get(r, "frozen")),
           (int)wtest_scene_stat(r, "decoded_frames"), (int)wtest_scene_stat(r, "still_frames"),
           (int)wtest_scene_stat(r, "rest_skipped_frames"));
}

/* A pan, a cut at 52 into noisy bars that last past the next keyframe (96),
 * a cut at 130 into another shot: the rest of the first cut's GOP is the
 * same picture as the keyframe after it, and is not decoded. */
static void rest_after_cut_skipped(void)
{
    const char *path = wtest_ffmpeg(
        utp, "v2_rest_same.mp4",
        "-filter_complex \"" PAN ",trim=end_frame=52[a];"
        "smptehdbars=s=320x180:r=25,noise=alls=8:allf=t,format=yuv420p,setsar=1,"
        "trim=end_frame=78,setpts=PTS-STARTPTS[b];"
        "testsrc2=s=320x180:r=25:d=3,format=yuv420p,setsar=1[c];"
        "[a][b][c]concat=n=3:v=1:a=0[v]\" -map '[v]' " ENC);
    json_t *r = scenes_of(path), *cuts = json_object_get(r, "cuts");
    print_result("cut, same rest", r);
    CU_ASSERT_EQUAL_FATAL(json_array_size(cuts), 2);
    CU_ASSERT_EQUAL(ival(json_array_get(cuts, 0), "frame"), 52);
    CU_ASSERT_EQUAL(ival(json_array_get(cuts, 1), "frame"), 130);
    CU_ASSERT(wtest_scene_stat(r, "rest_skipped_frames") >= 20); /* most of frames 54..95 */
    json_decref(r);
}

/* The same start, but the bars dissolve into another shot at frames 77..92,
 * before the next keyframe: the keyframe differs from the frame after the
 * cut, the rest is decoded and the dissolve found with its span. */
static void rest_after_cut_with_dissolve(void)
{
    const char *path = wtest_ffmpeg(
        utp, "v2_rest_dissolve.mp4",
        "-filter_complex \"" PAN ",trim=end_frame=52[a];"
        "smptehdbars=s=320x180:r=25:d=1.6,noise=alls=8:allf=t,format=yuv420p,setsar=1[b];"
        "testsrc2=s=320x180:r=25:d=3,hue=h=90,format=yuv420p,setsar=1[c];"
        "[b][c]xfade=transition=fade:duration=0.6:offset=1.0[bc];"
        "[a][bc]concat=n=2:v=1:a=0[v]\" -map '[v]' " ENC);
    json_t *r = scenes_of(path), *cuts = json_object_get(r, "cuts"), *d;
    print_result("cut, dissolve in the rest", r);
    CU_ASSERT_EQUAL_FATAL(json_array_size(cuts), 2);
    CU_ASSERT_EQUAL(ival(json_array_get(cuts, 0), "frame"), 52);
    d = json_array_get(cuts, 1);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(d, "type")), "dissolve");
    CU_ASSERT(ival(d, "frame") >= 77 && ival(d, "frame") <= 93);
    CU_ASSERT(abs((int)ival(d, "start_frame") - 77) <= 4);
    CU_ASSERT(abs((int)ival(d, "end_frame") - 92) <= 4);
    CU_ASSERT_EQUAL(wtest_scene_stat(r, "rest_skipped_frames"), 0);
    json_decref(r);
}

/* A pan, a cut at 70 into a still picture (flat bars: the frames after the
 * cut and the next keyframe are the same picture within freezedetect's
 * -60 dB), a cut at 170: the still rest of the GOP holding the first cut is
 * taken as copies of its frame (the next keyframe, read ahead, is frozen
 * against it) and the frozen stretch starts at the cut. */
static void cut_into_still(void)
{
    const char *path = wtest_ffmpeg(
        utp, "v2_cut_still.mp4",
        "-filter_complex \"" PAN ",trim=end_frame=70[a];"
        "smptebars=s=320x180:r=25,trim=start_frame=10:end_frame=11,setpts=PTS-STARTPTS,"
        "loop=loop=99:size=1,format=yuv420p,setsar=1[b];"
        "testsrc2=s=320x180:r=25:d=2.4,hue=h=90,format=yuv420p,setsar=1[c];"
        "[a][b][c]concat=n=3:v=1:a=0[v]\" -map '[v]' " ENC);
    json_t *r = scenes_of(path), *cuts = json_object_get(r, "cuts"),
           *frozen = json_object_get(r, "frozen");
    print_result("cut into a still", r);
    CU_ASSERT_EQUAL_FATAL(json_array_size(cuts), 2);
    CU_ASSERT_EQUAL(ival(json_array_get(cuts, 0), "frame"), 70);
    CU_ASSERT_EQUAL(ival(json_array_get(cuts, 1), "frame"), 170);
    CU_ASSERT_EQUAL_FATAL(json_array_size(frozen), 1);
    CU_ASSERT_EQUAL(ival(json_array_get(frozen, 0), "start_frame"), 70);
    CU_ASSERT_EQUAL(ival(json_array_get(frozen, 0), "end_frame"), 170);
    /* GOP 96..144 is still throughout (its keyframes frozen against each
     * other); the rest of 48..96 after the cut's P-frame (72) adds 23 */
    CU_ASSERT(wtest_scene_stat(r, "still_frames") >= 60);
    json_decref(r);
}

/* A fixed noise picture scrolling 2 px a frame (tiny packets against its
 * keyframes, as cellular automata at 720p: uniform motion costs the encoder
 * as little as a still picture) for 150 frames, a cut into a still picture
 * that lasts 55 frames (past the keyframe at 192), a cut at 205. The
 * scrolling GOPs 0..144 are shorter than frozen_min_s and the frame after
 * each of their keyframes moved: no frozen stretch can be in them, and they
 * are not decoded; the still stretch, which starts inside GOP 144..192, is
 * found whole. */
static void scroll_of_tiny_packets_not_decoded(void)
{
    const char *path = wtest_ffmpeg(
        utp, "v2_scroll_still.mp4",
        "-filter_complex \"color=c=gray:s=1280x360:r=25,noise=alls=100:allf=u,"
        "crop=640:360:x='2*n':y=0,trim=end_frame=150,format=yuv420p,setsar=1[a];"
        "smptebars=s=640x360:r=25,trim=start_frame=10:end_frame=11,setpts=PTS-STARTPTS,"
        "loop=loop=54:size=1,format=yuv420p,setsar=1[b];"
        "testsrc2=s=640x360:r=25:d=2,format=yuv420p,setsar=1[c];"
        "[a][b][c]concat=n=3:v=1:a=0[v]\" -map '[v]' " ENC);
    json_t *r = scenes_of(path), *cuts = json_object_get(r, "cuts"),
           *frozen = json_object_get(r, "frozen");
    print_result("scroll of tiny packets, cut into a still", r);
    CU_ASSERT_EQUAL_FATAL(json_array_size(cuts), 2);
    CU_ASSERT_EQUAL(ival(json_array_get(cuts, 0), "frame"), 150);
    CU_ASSERT_EQUAL(ival(json_array_get(cuts, 1), "frame"), 205);
    CU_ASSERT_EQUAL_FATAL(json_array_size(frozen), 1);
    CU_ASSERT_EQUAL(ival(json_array_get(frozen, 0), "start_frame"), 150);
    CU_ASSERT_EQUAL(ival(json_array_get(frozen, 0), "end_frame"), 205);
    CU_ASSERT_EQUAL(wtest_scene_stat(r, "refined_gops"), 3); /* 144, 192 and the last */
    json_decref(r);
}

/* Grainy bars with a one-frame white flash at 60: a packet spike in GOP
 * 48..96, whose keyframes look alike, and no cut (the flash changes and
 * changes back). Once the frames past the spike are decoded, the rest of
 * the GOP (the next keyframe, read ahead, is the same picture) is not. */
static void rest_after_spike_skipped(void)
{
    const char *path = wtest_ffmpeg(
        utp, "v2_flash_spike.mp4",
        "-filter_complex \"smptehdbars=s=320x180:r=25:d=6,noise=alls=8:allf=t,"
        "format=yuv420p,setsar=1,drawbox=enable='eq(n,60)':c=white:t=fill[v]\" "
        "-map '[v]' " ENC);
    json_t *r = scenes_of(path);
    print_result("flash, rest after the spike", r);
    CU_ASSERT_EQUAL(json_array_size(json_object_get(r, "cuts")), 0);
    CU_ASSERT_EQUAL(wtest_scene_stat(r, "refined_gops"), 2);     /* 48 (the spike) and the last */
    CU_ASSERT(wtest_scene_stat(r, "rest_skipped_frames") >= 20); /* most of frames 64..95 */
    json_decref(r);
}

MIQ_SUITE("video_rest", MIQ_TEST(rest_after_cut_skipped), MIQ_TEST(rest_after_cut_with_dissolve),
          MIQ_TEST(cut_into_still), MIQ_TEST(scroll_of_tiny_packets_not_decoded),
          MIQ_TEST(rest_after_spike_skipped))
