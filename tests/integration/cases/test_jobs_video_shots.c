/* Jobs end to end on phone-like video: a file stored landscape with a
 * 90-degree display matrix, a crossfade, a fade through black and a black
 * stretch, made with the ffmpeg CLI at test time. timeline/moments must
 * report the shown (upright) size, one dissolve and one fade segment with
 * their spans, and the black stretch; video/scenes the same changes typed;
 * both on the real worker. Helpers: support/it_jobs.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include "base/miq_json.h"
#include "support/it_jobs.h"

#define SHOTS_FILE "shots_rot90.mp4"

/* 14 s at 25 fps, 320x180 stored, shown 180x320: a slow pan, a crossfade over
 * 4..5 s into grainy bars, a fade through black over 8..9 s into a slow pan,
 * a hard cut at 11 s into 3 s of black. */
static const char *shots_upload(void)
{
    static char *upload;
    const char *dir, *cmd, *u;
    if (upload)
        return upload;
    if (!jt_ready() || !(dir = jt_media("")))
        return NULL;
    cmd = apr_psprintf(
        itp,
        "cd %s && ffmpeg -nostdin -loglevel error -y -filter_complex \""
        "testsrc=s=640x180:r=25:d=5,crop=320:180:x='t*20':y=0,format=yuv420p,setsar=1[a];"
        "smptehdbars=s=320x180:r=25:d=5,noise=alls=8:allf=t,format=yuv420p,setsar=1[b];"
        "testsrc=s=1200x180:r=25:d=3,crop=320:180:x='t*30':y=0,format=yuv420p,setsar=1[c];"
        "color=c=black:s=320x180:r=25:d=3,format=yuv420p,setsar=1[d];"
        "[a][b]xfade=transition=fade:duration=1:offset=4[x];"
        "[x][c]xfade=transition=fadeblack:duration=1:offset=8[y];[y][d]concat=n=2:v=1:a=0[v]\" "
        "-map '[v]' -c:v libx264 -preset veryfast -g 48 -keyint_min 48 -sc_threshold 0 -bf 2 "
        "shots_upright.mp4 && ffmpeg -nostdin -loglevel error -y -i shots_upright.mp4 -c copy "
        /* the rotate tag survives a stream copy only (an encode drops it) */
        "-metadata:s:v:0 rotate=90 " SHOTS_FILE,
        dir);
    if (system(cmd) != 0) {
        fprintf(stderr, "\n  ffmpeg could not generate " SHOTS_FILE "\n");
        return NULL;
    }
    if ((u = jt_upload(jt_tok, SHOTS_FILE)))
        upload = strdup(u);
    return upload;
}

/* The first segment of a type, or NULL. */
static json_t *first_of(const json_t *segs, const char *type, int *count)
{
    json_t *x, *found = NULL;
    size_t i;
    *count = 0;
    json_array_foreach(segs, i, x)
    {
        if (!strcmp(miq_json_str(x, "type", ""), type)) {
            if (!found)
                found = x;
            (*count)++;
        }
    }
    return found;
}

static void assert_span(const json_t *s, const char *what, double start, double end, double tol)
{
    IT_ASSERT_MSG(s && fabs(miq_json_num(s, "start", -1) - start) <= tol &&
                      fabs(miq_json_num(s, "end", -1) - end) <= tol,
                  "%s: want [%.2f, %.2f] +-%.2f, got %s", what, start, end, tol,
                  s ? it_dump(s) : "nothing");
}

static void test_moments_rotated_transitions_black(void)
{
    const char *upl = shots_upload(), *job;
    json_t *j, *res, *media, *segs, *s;
    int n;
    CU_ASSERT_PTR_NOT_NULL_FATAL(upl);
    job = jt_create_rest(jt_tok, "timeline/moments", upl, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(job);
    j = jt_wait_rest(jt_tok, job, JOB_TIMEOUT_S);
    if (!jt_succeeded(j))
        return;
    res = jt_result_rest(jt_tok, job);
    CU_ASSERT_PTR_NOT_NULL_FATAL(res);
    media = json_object_get(res, "media");
    IT_ASSERT_MSG(miq_json_int(media, "width", 0) == 180 && miq_json_int(media, "height", 0) == 320,
                  "media as shown, want 180x320: %s", it_dump(media));
    IT_ASSERT_MSG(miq_json_int(media, "rotation", -1) == 90, "rotation: %s", it_dump(media));
    segs = json_object_get(res, "segments");
    s = first_of(segs, "dissolve", &n);
    IT_ASSERT_MSG(n == 1, "%d dissolve segments: %s", n, it_dump(segs));
    assert_span(s, "dissolve", 4.0, 5.0, 0.2);
    s = first_of(segs, "fade", &n);
    IT_ASSERT_MSG(n == 1, "%d fade segments: %s", n, it_dump(segs));
    assert_span(s, "fade", 8.0, 9.0, 0.2);
    s = first_of(segs, "black", &n);
    IT_ASSERT_MSG(n == 1, "%d black segments: %s", n, it_dump(segs));
    assert_span(s, "black", 11.0, 14.0, 0.05);
    jt_assert_billed_once(j);
}

static void test_scenes_typed_changes_and_upright_frame(void)
{
    const char *upl = shots_upload(), *job;
    json_t *j, *res, *cuts, *fr;
    static const char *const types[] = {"dissolve", "fade", "cut"};
    static const double at[] = {4.5, 8.5, 11.0};
    size_t i;
    CU_ASSERT_PTR_NOT_NULL_FATAL(upl);
    job = jt_create_mcp(jt_tok, "video/scenes", upl, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(job);
    j = jt_wait_mcp(jt_tok, job, JOB_TIMEOUT_S);
    if (!jt_succeeded(j))
        return;
    res = jt_result_mcp(jt_tok, job);
    CU_ASSERT_PTR_NOT_NULL_FATAL(res);
    cuts = json_object_get(res, "cuts");
    IT_ASSERT_MSG(json_array_size(cuts) == 3, "changes: %s", it_dump(cuts));
    for (i = 0; i < 3 && i < json_array_size(cuts); i++) {
        json_t *c = json_array_get(cuts, i);
        IT_ASSERT_MSG(!strcmp(miq_json_str(c, "type", ""), types[i]) &&
                          fabs(miq_json_num(c, "time", -1) - at[i]) <= 0.3,
                      "change %d: want %s near %.1f s, got %s", (int)i, types[i], at[i],
                      it_dump(c));
    }
    IT_ASSERT_MSG(json_array_size(json_object_get(res, "black")) == 1, "black: %s",
                  it_dump(json_object_get(res, "black")));
    jt_assert_billed_once(j);
    /* a frame of it comes out upright: 90 px wide is 160 high */
    job = jt_create_rest(jt_tok, "video/frames", upl, "{\"timestamps\":[2.0],\"width\":90}");
    CU_ASSERT_PTR_NOT_NULL_FATAL(job);
    j = jt_wait_rest(jt_tok, job, JOB_TIMEOUT_S);
    if (!jt_succeeded(j))
        return;
    res = jt_result_rest(jt_tok, job);
    fr = res ? json_array_get(json_object_get(res, "frames"), 0) : NULL;
    IT_ASSERT_MSG(fr && miq_json_int(fr, "width", 0) == 90 && miq_json_int(fr, "height", 0) == 160,
                  "frame: %s", fr ? it_dump(fr) : "none");
    jt_assert_billed_once(j);
}

IT_SUITE("jobs_video_shots", IT_TEST(test_moments_rotated_transitions_black),
         IT_TEST(test_scenes_typed_changes_and_upright_frame))
