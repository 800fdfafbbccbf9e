/* Suite "video_media": files that are not plain: a display matrix (phone
 * video), an anamorphic sample aspect ratio, MPEG-TS timestamps that start at
 * 10 s, and files cut short in the middle of a packet (wtest_media_video.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <apr_strings.h>
#include <apr_file_io.h>
#include <CUnit/CUnit.h>
#include "unit.h"
#include "wtest_media.h"
#include "wtest_scenes.h"
#include "wtest_media_video.h"
#include "jobs/miq_probe.h"
#include "miqw_media.h"
#include "analyses/miqw_scenes.h"
#include "analyses/miqw_frames.h"
#include "analyses/miqw_clips.h"

static json_t *run_scenes(miqw_media *m, const char **err, const char **code)
{
    miqw_consumer *c = miqw_scene_consumer(utp, m, NULL, err);
    json_t *r = json_object();
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    *err = miqw_pass_run(m, &c, 1, NULL, NULL, r, code);
    return r;
}

/* Gray w x h pixels of an image file, or of frame n of a video as the
 * ffmpeg CLI shows it (it applies the display matrix). */
static unsigned char *gray(const char *src, int n, int w, int h)
{
    char *cmd;
    unsigned char *buf = malloc((size_t)w * h);
    FILE *f;
    size_t got;
    if (n >= 0)
        cmd = apr_psprintf(utp,
                           "ffmpeg -v error -i '%s' -vf \"select=eq(n\\,%d),scale=%d:%d\" "
                           "-frames:v 1 -f rawvideo -pix_fmt gray -",
                           src, n, w, h);
    else
        cmd = apr_psprintf(utp,
                           "ffmpeg -v error -i '%s' -vf scale=%d:%d -f rawvideo -pix_fmt gray -",
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
    if (!a || !b)
        return 999;
    for (i = 0; i < n; i++)
        s += abs(a[i] - b[i]);
    return (double)s / n;
}

/* ffprobe one entry of the first video stream, as text. */
static const char *probe_text(const char *path, const char *entry)
{
    char buf[256] = "";
    FILE *f = popen(apr_psprintf(utp,
                                 "ffprobe -v error -select_streams v:0 -show_entries %s "
                                 "-of csv=p=0 '%s'",
                                 entry, path),
                    "r");
    if (f) {
        if (!fgets(buf, sizeof(buf), f))
            buf[0] = 0;
        pclose(f);
    }
    buf[strcspn(buf, "\r\n")] = 0;
    return apr_pstrdup(utp, buf);
}

static const char *subdir(const char *name)
{
    const char *d = wtest_path(utp, name);
    apr_dir_make(d, APR_FPROT_OS_DEFAULT, utp);
    return d;
}

static void rotated_frames_upright_display_size(void)
{
    const char *src = wtv_rotated(utp), *code = NULL, *file;
    miqw_media *m = wtest_open_media(src);
    json_t *params = json_pack("{s:[f],s:i,s:s}", "timestamps", 1.0, "width", 180, "format", "png");
    json_t *r = json_object(), *fr, *pj, *st;
    unsigned char *got, *want;
    double d;
    CU_ASSERT_EQUAL(m->rotation, 270); /* the turn applied: ffprobe's "rotation=90" */
    CU_ASSERT_EQUAL(m->display_width, WTV_H);
    CU_ASSERT_EQUAL(m->display_height, WTV_W);
    /* the worker's probe and the upload probe say the same */
    pj = miqw_media_probe_json(utp, m);
    st = json_array_get(json_object_get(pj, "streams"), m->video_idx);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(st, "display_width")), WTV_H);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(st, "rotation")), 90);
    json_decref(pj);
    CU_ASSERT_PTR_NULL_FATAL(miqw_frames_extract(utp, m, params, NULL, wtest_dir(), r, &code));
    fr = json_array_get(json_object_get(r, "frames"), 0);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(fr, "width")), 180);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(fr, "height")), 320);
    file = wtest_path(utp, json_string_value(json_object_get(fr, "file")));
    got = gray(file, -1, 180, 320);
    want = gray(src, 25, 180, 320); /* ffmpeg turns it upright */
    d = mad(got, want, 180 * 320);
    printf("\n    rotated frame vs ffmpeg upright: mean abs diff %.2f\n", d);
    CU_ASSERT(d < 3.0);
    free(got);
    free(want);
    json_decref(params);
    json_decref(r);
}

static void rotated_clips_upright(void)
{
    const char *src = wtv_rotated(utp), *code = NULL, *dir = subdir("rotclips"), *path;
    miqw_media *m = wtest_open_media(src);
    json_t *params = json_pack("{s:[{s:f,s:f}],s:s}", "clips", "start", 1.0, "end", 2.0, "mode",
                               "reencode");
    json_t *r = json_object();
    unsigned char *got, *want;
    double d;
    CU_ASSERT_PTR_NULL_FATAL(miqw_clips_cut(utp, m, params, dir, r, &code));
    path = apr_pstrcat(utp, dir, "/",
                       json_string_value(
                           json_object_get(json_array_get(json_object_get(r, "clips"), 0), "file")),
                       NULL);
    CU_ASSERT_STRING_EQUAL(probe_text(path, "stream=width,height"), "180,320");
    got = gray(path, 0, 180, 320);
    want = gray(src, 25, 180, 320);
    d = mad(got, want, 180 * 320);
    printf("\n    rotated clip's first frame vs ffmpeg upright: mean abs diff %.2f\n", d);
    CU_ASSERT(d < 4.0);
    free(got);
    free(want);
    /* copy mode keeps the display matrix, so players turn it as the source */
    json_object_set_new(params, "mode", json_string("copy"));
    json_object_clear(r);
    dir = subdir("rotcopy");
    CU_ASSERT_PTR_NULL_FATAL(miqw_clips_cut(utp, m, params, dir, r, &code));
    path = apr_pstrcat(utp, dir, "/",
                       json_string_value(
                           json_object_get(json_array_get(json_object_get(r, "clips"), 0), "file")),
                       NULL);
    CU_ASSERT_STRING_EQUAL(probe_text(path, "stream_side_data=rotation"), "90");
    json_decref(params);
    json_decref(r);
}

static void anamorphic_display_size(void)
{
    const char *src = wtv_anamorphic(utp), *code = NULL;
    miqw_media *m = wtest_open_media(src);
    json_t *probe = NULL, *st;
    double dur;
    CU_ASSERT_EQUAL(m->width, 720);
    CU_ASSERT_EQUAL(m->display_width, 1024);
    CU_ASSERT_EQUAL(m->display_height, 576);
    CU_ASSERT_PTR_NULL_FATAL(miq_probe_file(utp, src, &probe, &dur, &code));
    st = json_array_get(json_object_get(probe, "streams"), 0);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(st, "display_width")), 1024);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(st, "display_height")), 576);
    json_decref(probe);
}

/* MPEG-TS starting at 10 s: the same changes on the same frames as the MP4,
 * times from the start of the file. */
static void ts_offset_same_changes(void)
{
    const char *err = NULL, *code = NULL;
    miqw_media *mp4 = wtest_open_media(wtv_transitions(utp)),
               *ts = wtest_open_media(wtv_ts_offset(utp));
    json_t *a = run_scenes(mp4, &err, &code), *b;
    size_t i;
    CU_ASSERT_PTR_NULL(err);
    b = run_scenes(ts, &err, &code);
    CU_ASSERT_PTR_NULL(err);
    printf("\n    ts: %s\n", err ? err : "");
    CU_ASSERT_EQUAL_FATAL(json_array_size(json_object_get(b, "cuts")),
                          json_array_size(json_object_get(a, "cuts")));
    for (i = 0; i < json_array_size(json_object_get(a, "cuts")); i++) {
        json_t *x = json_array_get(json_object_get(a, "cuts"), i);
        json_t *y = json_array_get(json_object_get(b, "cuts"), i);
        printf("    mp4 %d %s ts %d %s\n", (int)json_integer_value(json_object_get(x, "frame")),
               json_string_value(json_object_get(x, "type")),
               (int)json_integer_value(json_object_get(y, "frame")),
               json_string_value(json_object_get(y, "type")));
        CU_ASSERT_EQUAL(json_integer_value(json_object_get(x, "frame")),
                        json_integer_value(json_object_get(y, "frame")));
        CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(x, "type")),
                               json_string_value(json_object_get(y, "type")));
        CU_ASSERT(fabs(json_number_value(json_object_get(x, "time")) -
                       json_number_value(json_object_get(y, "time"))) < 0.0011);
    }
    json_decref(a);
    json_decref(b);
}

/* Cut mid-packet: what is there is analysed and the pass says how far it
 * got; a file with nothing decodable fails with a code, never succeeds. */
static void truncated_ts_partial_or_clean_failure(void)
{
    const char *err = NULL, *code = NULL, *path = wtv_truncated_ts(utp, 0.5, "v2_half.ts");
    miqw_media *m = wtest_open_media(path);
    json_t *r = run_scenes(m, &err, &code), *cuts = json_object_get(r, "cuts");
    miqw_media *tiny = NULL;
    printf("\n    half TS: duration %.2f covered %.2f truncated %d, %d changes\n", m->duration_s,
           m->covered_s, m->truncated, (int)json_array_size(cuts));
    CU_ASSERT_PTR_NULL(err);
    CU_ASSERT(m->covered_s > 5 && m->covered_s < 20);
    CU_ASSERT(json_array_size(cuts) >= 1);
    json_decref(r);
    /* headers and a piece of the first picture: nothing to analyse */
    path = wtv_head(utp, wtv_ts_offset(utp), "v2_600b.ts", 600);
    err = miqw_media_open(utp, path, &tiny, &code);
    if (!err) {
        r = run_scenes(tiny, &err, &code);
        json_decref(r);
    }
    printf("    600 B TS: %s (%s)\n", err ? err : "success", code ? code : "");
    CU_ASSERT_PTR_NOT_NULL(err);
    CU_ASSERT_STRING_EQUAL(code ? code : "", "unsupported_media");
}

/* An MP4 with its index first (faststart), cut in half: the index promises
 * 25.8 s, the pass reads what is there and says truncated. Without its index
 * (at the end, cut off) it is refused at open with a code. */
static void truncated_mp4_says_so(void)
{
    const char *err = NULL, *code = NULL, *src = wtv_transitions(utp), *fs, *path;
    miqw_media *m;
    json_t *r;
    fs = wtest_ffmpeg(utp, "v2_faststart.mp4", "-i '%s' -c copy -movflags +faststart", src);
    path = wtest_truncated(utp, fs, "v2_half_fs.mp4", 0.5);
    m = wtest_open_media(path);
    r = run_scenes(m, &err, &code);
    printf("\n    half MP4: duration %.2f covered %.2f truncated %d, %d changes\n", m->duration_s,
           m->covered_s, m->truncated, (int)json_array_size(json_object_get(r, "cuts")));
    CU_ASSERT_PTR_NULL(err);
    CU_ASSERT_EQUAL(m->truncated, 1);
    CU_ASSERT(m->covered_s > 5 && m->covered_s < 20);
    json_decref(r);
    m = NULL;
    path = wtest_truncated(utp, src, "v2_half_noidx.mp4", 0.5);
    err = miqw_media_open(utp, path, &m, &code);
    CU_ASSERT_PTR_NOT_NULL(err);
    CU_ASSERT_STRING_EQUAL(code ? code : "", "unsupported_media");
}

MIQ_SUITE("video_media", MIQ_TEST(rotated_frames_upright_display_size),
          MIQ_TEST(rotated_clips_upright), MIQ_TEST(anamorphic_display_size),
          MIQ_TEST(ts_offset_same_changes), MIQ_TEST(truncated_ts_partial_or_clean_failure),
          MIQ_TEST(truncated_mp4_says_so))
