/* Suite "video": scene cuts, exact frames and clips on media generated with
 * the ffmpeg CLI (hard cuts between lavfi sources at known frames, H.264 with
 * a 48-frame GOP and no encoder scene-cut keyframes, so cuts fall inside GOPs). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <math.h>
#include <apr_strings.h>
#include <apr_file_io.h>
#include <CUnit/CUnit.h>
#include "unit.h"
#include "wtest_media.h"
#include "wtest_scenes.h"
#include "endpoints/miq_endpoints.h"
#include "mcp/miq_schema.h"
#include "miqw_media.h"
#include "analyses/miqw_scenes.h"
#include "analyses/miqw_frames.h"
#include "analyses/miqw_clips.h"

#define W 320
#define H 180

/* The sources of the cut test, one per segment (s=WxH and r=FPS appended). */
static const char *const sources[] = {
    "testsrc2=s=%dx%d:r=%s",
    "smptebars=s=%dx%d:r=%s",
    "smptehdbars=s=%dx%d:r=%s", /* looks like the previous shot */
    "mandelbrot=s=%dx%d:r=%s:maxiter=120:end_pts=60:end_scale=0.002", /* fast zoom */
    "color=c=red:s=%dx%d:r=%s,noise=alls=40:allf=t",
    "testsrc=s=1600x%d:r=%s,crop=%d:%d:x='t*420':y=0", /* fast pan, 16 px/frame */
    "testsrc2=s=%dx%d:r=%s,hue=h=90",
};
#define NSEG 7

/* Frame counts per segment: the cuts are their running sums. */
static const int seg25[NSEG] = {75, 55, 50, 110, 60, 75, 65};   /* cuts 75 130 180 290 350 425 */
static const int seg2997[NSEG] = {80, 61, 51, 124, 66, 80, 70}; /* 192 is on a keyframe */

static const char *make_file(apr_pool_t *p, const char *name, const char *fps,
                             const char *const *srcs, const int *frames, int nseg)
{
    const char *path = wtest_path(p, name), *graph = "", *inputs = "";
    int i;
    if (path && access(path, R_OK) == 0)
        return path;
    for (i = 0; i < nseg; i++) {
        const char *src = strstr(srcs[i], "crop") ? apr_psprintf(p, srcs[i], H, fps, W, H)
                                                  : apr_psprintf(p, srcs[i], W, H, fps);
        graph = apr_psprintf(p,
                             "%s%s,trim=end_frame=%d,setpts=PTS-STARTPTS,format=yuv420p,"
                             "setsar=1[v%d];",
                             graph, src, frames[i], i);
        inputs = apr_psprintf(p, "%s[v%d]", inputs, i);
    }
    graph = apr_psprintf(p, "%s%sconcat=n=%d:v=1:a=0[v]", graph, inputs, nseg);
    return wtest_ffmpeg(p, name,
                        "-filter_complex \"%s\" -f lavfi -i sine=f=440:r=48000 -map '[v]' "
                        "-map 0:a -shortest -r %s -c:v libx264 -preset veryfast -g 48 "
                        "-keyint_min 48 -sc_threshold 0 -bf 2 -c:a aac -b:a 96k",
                        graph, fps);
}

static const char *make_cut_file(apr_pool_t *p, const char *name, const char *fps,
                                 const int *frames)
{
    return make_file(p, name, fps, sources, frames, NSEG);
}

static void cut_frames(const int *seg, int *cuts)
{
    int i, sum = 0;
    for (i = 0; i + 1 < NSEG; i++)
        cuts[i] = sum += seg[i];
}

static void envelope(json_t *r, const char *ep, const miqw_media *m, const json_t *params)
{
    json_object_set_new(r, "endpoint", json_string(ep));
    json_object_set_new(r, "params", params ? json_deep_copy(params) : json_object());
    json_object_set_new(r, "media",
                        json_pack("{s:f,s:b,s:f}", "duration_s", m->duration_s, "has_video",
                                  m->video_idx >= 0, "fps", m->fps));
}

static void assert_valid(const char *ep, json_t *r)
{
    const char *bad;
    miq_endpoints_init();
    bad = miq_schema_validate(utp, miq_endpoints_result_schema(utp, miq_endpoints_find(ep)), r);
    if (bad)
        fprintf(stderr, "%s result invalid: %s\n", ep, bad);
    CU_ASSERT_PTR_NULL(bad);
}

static void check_cuts(const char *file, const char *fps, const int *seg)
{
    int want[NSEG - 1], i, exact = 0, near = 0;
    miqw_media *m = wtest_open_media(make_cut_file(utp, file, fps, seg));
    json_t *r = wtest_run_scenes(m, NULL), *cuts = json_object_get(r, "cuts");
    json_t *st = json_object_get(json_object_get(r, "stats"), "scenes");
    cut_frames(seg, want);
    printf("\n    %s: %d cuts, decoded %.1f%% of frames (%d/%d), %d GOPs refined\n    ", file,
           (int)json_array_size(cuts),
           100 * json_number_value(json_object_get(st, "decoded_ratio")),
           (int)json_integer_value(json_object_get(st, "decoded_frames")),
           (int)json_integer_value(json_object_get(st, "total_frames")),
           (int)json_integer_value(json_object_get(st, "refined_gops")));
    for (i = 0; i < (int)json_array_size(cuts); i++) {
        json_t *c = json_array_get(cuts, i);
        printf("%d(%.2f) ", (int)json_integer_value(json_object_get(c, "frame")),
               json_number_value(json_object_get(c, "score")));
    }
    printf("\n");
    CU_ASSERT_EQUAL(json_array_size(cuts), NSEG - 1);
    for (i = 0; i < NSEG - 1 && i < (int)json_array_size(cuts); i++) {
        json_int_t f = json_integer_value(json_object_get(json_array_get(cuts, i), "frame"));
        exact += f == want[i];
        near += llabs(f - want[i]) <= 1;
    }
    CU_ASSERT_EQUAL(near, NSEG - 1);
    CU_ASSERT_EQUAL(exact, NSEG - 1);
    CU_ASSERT_EQUAL(json_array_size(json_object_get(r, "scenes")), json_array_size(cuts) + 1);
    envelope(r, "video/scenes", m, NULL);
    assert_valid("video/scenes", r);
    json_decref(r);
}

static void scenes_cuts_exact_25fps_inside_gops(void)
{
    check_cuts("v1_cuts25.mp4", "25", seg25);
}

static void scenes_cuts_exact_2997fps_dropframe(void)
{
    check_cuts("v1_cuts2997.mp4", "30000/1001", seg2997);
}

/* All-intra (MJPEG in Matroska): every frame is a keyframe, decided in the pass. */
static void scenes_all_intra_from_the_pass(void)
{
    const char *src = make_cut_file(utp, "v1_cuts25.mp4", "25", seg25), *path;
    json_t *r, *cuts, *st;
    int want[NSEG - 1], i;
    path = wtest_path(utp, "v1_intra.mkv");
    if (access(path, R_OK) != 0)
        path = wtest_ffmpeg(utp, "v1_intra.mkv", "-i '%s' -an -c:v mjpeg -q:v 4", src);
    r = wtest_run_scenes(wtest_open_media(path), NULL);
    cuts = json_object_get(r, "cuts");
    st = json_object_get(json_object_get(r, "stats"), "scenes");
    cut_frames(seg25, want);
    CU_ASSERT_EQUAL_FATAL(json_array_size(cuts), NSEG - 1);
    for (i = 0; i < NSEG - 1; i++)
        CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_array_get(cuts, i), "frame")),
                        want[i]);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(st, "refined_gops")), 1); /* the last */
    json_decref(r);
}

static void scenes_min_scene_drops_close_cuts(void)
{
    miqw_media *m = wtest_open_media(make_cut_file(utp, "v1_cuts25.mp4", "25", seg25));
    json_t *params = json_pack("{s:f,s:f}", "threshold", 0.3, "min_scene_s", 2.5);
    json_t *r = wtest_run_scenes(m, params), *cuts = json_object_get(r, "cuts");
    size_t i;
    double last = 0;
    /* 75, (130: 2.2 s later, dropped), 180, 290, (350), 425 */
    CU_ASSERT_EQUAL(json_array_size(cuts), 4);
    for (i = 0; i < json_array_size(cuts); i++) {
        double t = json_number_value(json_object_get(json_array_get(cuts, i), "time"));
        CU_ASSERT(t - last >= 2.5 - 1e-6);
        last = t;
    }
    json_decref(params);
    json_decref(r);
}

/* Gray, 0.8 s of bars, gray again, all inside one GOP [48, 96): the keyframes
 * around it are identical, only the packet sizes give the GOP away. */
static void scenes_cut_between_identical_keyframes(void)
{
    static const char *const srcs[] = {"color=c=gray:s=%dx%d:r=%s", "smptebars=s=%dx%d:r=%s",
                                       "color=c=gray:s=%dx%d:r=%s"};
    static const int frames[] = {60, 20, 70};
    miqw_media *m = wtest_open_media(make_file(utp, "v1_flash.mp4", "25", srcs, frames, 3));
    json_t *params = json_pack("{s:f}", "min_scene_s", 0.5);
    json_t *r = wtest_run_scenes(m, params), *cuts = json_object_get(r, "cuts");
    CU_ASSERT_EQUAL_FATAL(json_array_size(cuts), 2);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_array_get(cuts, 0), "frame")), 60);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_array_get(cuts, 1), "frame")), 80);
    json_decref(params);
    json_decref(r);
}

static void scenes_audio_only_unsupported(void)
{
    const char *path = wtest_ffmpeg(utp, "v1_tone.m4a", "-f lavfi -i sine=d=2 -c:a aac");
    miqw_media *m = wtest_open_media(path);
    const char *err = NULL, *code = NULL;
    json_t *r = json_object(), *params = json_pack("{s:[f]}", "timestamps", 0.5);
    json_t *cp = json_pack("{s:[{s:f,s:f}]}", "clips", "start", 0.0, "end", 1.0);
    CU_ASSERT_PTR_NULL(miqw_scene_consumer(utp, m, NULL, &err));
    CU_ASSERT_STRING_EQUAL(err, MIQW_NO_VIDEO);
    err = miqw_frames_extract(utp, m, params, NULL, wtest_dir(), r, &code);
    CU_ASSERT_PTR_NOT_NULL(err);
    CU_ASSERT_STRING_EQUAL(code, "unsupported_media");
    err = miqw_clips_cut(utp, m, cp, wtest_dir(), r, &code);
    CU_ASSERT_PTR_NOT_NULL(err);
    CU_ASSERT_STRING_EQUAL(code, "unsupported_media");
    json_decref(r);
    json_decref(params);
    json_decref(cp);
}

/* Gray pixels of frame n of src (select by number: exact by construction), or
 * of an image file (n < 0), at w x h. */
static unsigned char *gray(const char *src, int n, int w, int h)
{
    char *cmd;
    unsigned char *buf = malloc((size_t)w * h);
    FILE *f;
    size_t got;
    if (n >= 0)
        cmd = apr_psprintf(
            utp,
            "ffmpeg -v error -i '%s' -vf \"select=eq(n\\,%d),scale=%d:%d,format=rgb24\" "
            "-frames:v 1 -f rawvideo -pix_fmt gray -",
            src, n, w, h);
    else
        cmd = apr_psprintf(utp,
                           "ffmpeg -v error -i '%s' -vf scale=%d:%d -f rawvideo "
                           "-pix_fmt gray -",
                           src, w, h);
    f = popen(cmd, "r");
    got = f ? fread(buf, 1, (size_t)w * h, f) : 0;
    if (f)
        pclose(f);
    if (got != (size_t)w * h) {
        free(buf);
        return NULL;
    }
    return buf;
}

static double mad(const unsigned char *a, const unsigned char *b, int n)
{
    long s = 0;
    int i;
    for (i = 0; i < n; i++)
        s += abs(a[i] - b[i]);
    return (double)s / n;
}

static void check_frames(const char *src, double fps, const double *ts, const int *want, int n,
                         const char *format)
{
    miqw_media *m = wtest_open_media(src);
    json_t *params = json_pack("{s:[],s:i,s:s}", "timestamps", "width", W, "format", format);
    json_t *r = json_object(), *frames;
    const char *code = NULL, *err;
    int i;
    double t0 = wtest_now(), tol = strcmp(format, "png") ? 12.0 : 3.0;
    for (i = 0; i < n; i++)
        json_array_append_new(json_object_get(params, "timestamps"), json_real(ts[i]));
    err = miqw_frames_extract(utp, m, params, NULL, wtest_dir(), r, &code);
    CU_ASSERT_PTR_NULL_FATAL(err);
    printf("\n    %d %s frames in %.3f s\n", n, format, wtest_now() - t0);
    frames = json_object_get(r, "frames");
    CU_ASSERT_EQUAL_FATAL(json_array_size(frames), (size_t)n);
    for (i = 0; i < n; i++) {
        json_t *o = json_array_get(frames, i);
        const char *file = json_string_value(json_object_get(o, "file"));
        unsigned char *got = gray(wtest_path(utp, file), -1, W, H), *ref = gray(src, want[i], W, H);
        unsigned char *prev = want[i] > 0 ? gray(src, want[i] - 1, W, H) : NULL;
        unsigned char *next = gray(src, want[i] + 1, W, H);
        double d = got && ref ? mad(got, ref, W * H) : 999;
        CU_ASSERT_EQUAL(json_integer_value(json_object_get(o, "frame")), want[i]);
        CU_ASSERT(fabs(json_number_value(json_object_get(o, "time")) - want[i] / fps) < 0.0011);
        /* lossless png: only colour conversion; jpg: its own loss on noise and fractals */
        if (!(d < tol))
            printf("    frame %d: mean abs diff %.2f\n", want[i], d);
        CU_ASSERT(d < tol);
        /* Closer to the asked frame than to either neighbour when they differ. */
        if (got && prev && mad(prev, ref, W * H) > 1)
            CU_ASSERT(d < mad(got, prev, W * H));
        if (got && next && mad(next, ref, W * H) > 1)
            CU_ASSERT(d < mad(got, next, W * H));
        json_object_set_new(o, "url", json_string("https://example.test/files/x"));
        free(got);
        free(ref);
        free(prev);
        free(next);
    }
    envelope(r, "video/frames", m, params);
    assert_valid("video/frames", r);
    json_decref(params);
    json_decref(r);
}

static void frames_exact_at_timestamps(void)
{
    const char *src = make_cut_file(utp, "v1_cuts25.mp4", "25", seg25);
    /* unsorted, backwards, on a cut, inside a GOP, last frame */
    double ts[] = {1.0, 0.0, 7.2, 3.0, 2.52, 17.0, 12.345, 19.56};
    int want[] = {25, 0, 180, 75, 63, 425, 308, 489};
    check_frames(src, 25, ts, want, 8, "png");
}

static void frames_exact_2997_ms_times(void)
{
    const char *src = make_cut_file(utp, "v1_cuts2997.mp4", "30000/1001", seg2997);
    /* ms-rounded times of frames 141, 316, 400 (what a cut result carries) */
    double ts[] = {4.705, 10.544, 13.347};
    int want[] = {141, 316, 400};
    check_frames(src, 30000.0 / 1001, ts, want, 3, "jpg");
}

static void frames_at_scenes_and_every_s(void)
{
    miqw_media *m = wtest_open_media(make_cut_file(utp, "v1_cuts25.mp4", "25", seg25));
    json_t *sr = wtest_run_scenes(m, NULL), *r = json_object(), *fr;
    json_t *p1 = json_pack("{s:b,s:i}", "at_scenes", 1, "width", 160);
    json_t *p2 = json_pack("{s:f,s:i,s:i}", "every_s", 2.0, "max_frames", 5, "width", 160);
    const char *code = NULL;
    int want[NSEG - 1], i;
    cut_frames(seg25, want);
    CU_ASSERT_PTR_NULL(
        miqw_frames_extract(utp, m, p1, json_object_get(sr, "cuts"), wtest_dir(), r, &code));
    fr = json_object_get(r, "frames");
    CU_ASSERT_EQUAL(json_array_size(fr), NSEG);
    for (i = 1; i < (int)json_array_size(fr) && i < NSEG; i++)
        CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_array_get(fr, i), "frame")),
                        want[i - 1]);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_array_get(fr, 0), "height")), 90);
    /* at_scenes without cuts is a caller error: frames never runs the scene detector */
    json_object_clear(r);
    CU_ASSERT_PTR_NOT_NULL(miqw_frames_extract(utp, m, p1, NULL, wtest_dir(), r, &code));
    CU_ASSERT_STRING_EQUAL(code ? code : "", "server_error");
    json_object_clear(r);
    CU_ASSERT_PTR_NULL(miqw_frames_extract(utp, m, p2, NULL, wtest_dir(), r, &code));
    fr = json_object_get(r, "frames");
    CU_ASSERT_EQUAL(json_array_size(fr), 5);
    for (i = 0; i < (int)json_array_size(fr); i++)
        CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_array_get(fr, i), "frame")),
                        i * 50);
    json_decref(sr);
    json_decref(r);
    json_decref(p1);
    json_decref(p2);
}

/* ffprobe one value of the first stream of a type ("v" or "a"). */
static double probe(const char *path, const char *sel, const char *entry, int count)
{
    char buf[128] = "";
    FILE *f = popen(apr_psprintf(utp,
                                 "ffprobe -v error %s -select_streams %s:0 -show_entries "
                                 "%s -of csv=p=0 '%s'",
                                 count ? "-count_frames" : "", sel, entry, path),
                    "r");
    if (!f)
        return -1;
    if (!fgets(buf, sizeof(buf), f))
        buf[0] = 0;
    pclose(f);
    return buf[0] ? atof(buf) : -1;
}

static const char *subdir(const char *name)
{
    const char *d = wtest_path(utp, name);
    apr_dir_make(d, APR_FPROT_OS_DEFAULT, utp);
    return d;
}

static json_t *cut_clips(miqw_media *m, const char *mode, const char *dir, const double *se, int n)
{
    json_t *params = json_pack("{s:[],s:s}", "clips", "mode", mode), *r = json_object();
    const char *code = NULL, *err;
    int i;
    for (i = 0; i < n; i++)
        json_array_append_new(json_object_get(params, "clips"),
                              json_pack("{s:f,s:f}", "start", se[2 * i], "end", se[2 * i + 1]));
    err = miqw_clips_cut(utp, m, params, subdir(dir), r, &code);
    if (err)
        fprintf(stderr, "clips: %s (%s)\n", err, code);
    CU_ASSERT_PTR_NULL(err);
    for (i = 0; i < (int)json_array_size(json_object_get(r, "clips")); i++)
        json_object_set_new(json_array_get(json_object_get(r, "clips"), i), "url",
                            json_string("https://example.test/files/x"));
    envelope(r, "video/clips", m, params);
    assert_valid("video/clips", r);
    json_decref(params);
    return r;
}

static void clips_reencode_frame_accurate(void)
{
    const char *files[2] = {"v1_cuts25.mp4", "v1_cuts2997.mp4"}, *fps[2] = {"25", "30000/1001"};
    const int *segs[2] = {seg25, seg2997};
    double se[] = {1.0, 3.0, 5.3, 7.7, 12.345, 13.0};
    int k, i;
    for (k = 0; k < 2; k++) {
        miqw_media *m = wtest_open_media(make_cut_file(utp, files[k], fps[k], segs[k]));
        json_t *r = cut_clips(m, "reencode", apr_psprintf(utp, "reenc%d", k), se, 3),
               *clips = json_object_get(r, "clips");
        for (i = 0; i < (int)json_array_size(clips); i++) {
            json_t *c = json_array_get(clips, i);
            const char *path = apr_pstrcat(utp, subdir(apr_psprintf(utp, "reenc%d", k)), "/",
                                           json_string_value(json_object_get(c, "file")), NULL);
            double nf = probe(path, "v", "stream=nb_read_frames", 1);
            double want = (se[2 * i + 1] - se[2 * i]) * m->fps;
            double ad = probe(path, "a", "stream=duration", 0);
            printf("\n    %s [%.3f,%.3f): %.0f frames (want %.1f), audio %.3f s, %s", files[k],
                   se[2 * i], se[2 * i + 1], nf, want, ad,
                   json_string_value(json_object_get(c, "video_codec")));
            CU_ASSERT(fabs(nf - want) <= 1.0);
            CU_ASSERT(fabs(ad - (se[2 * i + 1] - se[2 * i])) < 0.05);
            CU_ASSERT(fabs(json_number_value(json_object_get(c, "actual_start")) - se[2 * i]) <=
                      1 / m->fps + 1e-3);
        }
        printf("\n");
        json_decref(r);
    }
}

static void clips_copy_starts_on_keyframe(void)
{
    miqw_media *m = wtest_open_media(make_cut_file(utp, "v1_cuts25.mp4", "25", seg25));
    double se[] = {5.3, 7.7, 2.0, 4.0};
    json_t *r = cut_clips(m, "copy", "copy", se, 2), *clips = json_object_get(r, "clips");
    int i;
    for (i = 0; i < (int)json_array_size(clips); i++) {
        json_t *c = json_array_get(clips, i);
        const char *path = apr_pstrcat(utp, subdir("copy"), "/",
                                       json_string_value(json_object_get(c, "file")), NULL);
        double as = json_number_value(json_object_get(c, "actual_start"));
        long kf = lround(as * 25);
        double dur = probe(path, "v", "format=duration", 0);
        printf("\n    copy [%.2f,%.2f): actual_start %.3f (frame %ld), file duration %.3f",
               se[2 * i], se[2 * i + 1], as, kf, dur);
        CU_ASSERT(as <= se[2 * i] + 1e-6);
        CU_ASSERT(kf % 48 == 0);                      /* GOP of 48: a keyframe */
        CU_ASSERT(se[2 * i] - as < 48 / 25.0 + 1e-6); /* the previous one, not an earlier one */
        CU_ASSERT(json_is_true(json_object_get(c, "keyframe_aligned")));
        CU_ASSERT(dur > 0 && dur < se[2 * i + 1] - as + 0.2);
    }
    printf("\n");
    json_decref(r);
}

/* A 150 s 720p file: decoded-frame ratio and time against a pure decode. */
static void scenes_speed_720p_printed(void)
{
    const char *path = wtest_path(utp, "v1_bench720.mp4");
    miqw_media *m;
    json_t *r, *st;
    double t0, ours, pure;
    long hwm0 = wtest_vm_hwm_kb();
    if (access(path, R_OK) != 0)
        path = wtest_ffmpeg(utp, "v1_bench720.mp4",
                            "-filter_complex \"testsrc2=s=1280x720:r=25:d=30[a];"
                            "smptebars=s=1280x720:r=25:d=30[b];"
                            "testsrc=s=2560x720:r=25:d=30,crop=1280:720:x='t*40':y=0[c];"
                            "color=c=blue:s=1280x720:r=25:d=30,noise=alls=30:allf=t[d];"
                            "testsrc2=s=1280x720:r=25:d=30,hue=h=120[e];"
                            "[a][b][c][d][e]concat=n=5:v=1:a=0,format=yuv420p[v]\" -map '[v]' "
                            "-c:v libx264 -preset veryfast -g 50");
    m = wtest_open_media(path);
    t0 = wtest_now();
    r = wtest_run_scenes(m, NULL);
    ours = wtest_now() - t0;
    pure = wtest_ffmpeg_decode_s(path, NULL);
    st = json_object_get(json_object_get(r, "stats"), "scenes");
    printf("\n    720p 150 s: %d cuts, decoded %.1f%% of frames, %.2f s vs pure decode %.2f s "
           "(%.2fx); peak RSS %ld -> %ld kB\n",
           (int)json_array_size(json_object_get(r, "cuts")),
           100 * json_number_value(json_object_get(st, "decoded_ratio")), ours, pure,
           pure > 0 ? ours / pure : 0, hwm0, wtest_vm_hwm_kb());
    CU_ASSERT_EQUAL(json_array_size(json_object_get(r, "cuts")), 4);
    json_decref(r);
}

MIQ_SUITE("video", MIQ_TEST(scenes_cuts_exact_25fps_inside_gops),
          MIQ_TEST(scenes_cuts_exact_2997fps_dropframe),
          MIQ_TEST(scenes_min_scene_drops_close_cuts), MIQ_TEST(scenes_all_intra_from_the_pass),
          MIQ_TEST(scenes_cut_between_identical_keyframes), MIQ_TEST(scenes_audio_only_unsupported),
          MIQ_TEST(frames_exact_at_timestamps), MIQ_TEST(frames_exact_2997_ms_times),
          MIQ_TEST(frames_at_scenes_and_every_s), MIQ_TEST(clips_reencode_frame_accurate),
          MIQ_TEST(clips_copy_starts_on_keyframe), MIQ_TEST(scenes_speed_720p_printed))
