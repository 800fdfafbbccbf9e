/* timeline/moments (miq_timeline_merge): silences, speech (what is not
 * silence), scenes and peaks merged into one timeline ordered by start, and
 * highlight clips anchored on peaks that never overlap, snap to a scene cut
 * and stay inside the media. Analyses are written by hand here, so every
 * expected boundary is known exactly. */
#include <stdio.h>
#include <string.h>
#include <apr_strings.h>
#include "unit.h"
#include "base/miq_json.h"
#include "endpoints/miq_endpoints.h"
#include "jobs/miq_timeline.h"
#include "base/miq_text.h"

#define EPS 1e-9

static json_t *J(const char *text)
{
    const char *err = NULL;
    json_t *v = miq_json_parse(utp, text, strlen(text), &err);
    if (!v)
        fprintf(stderr, "bad test JSON: %s: %s\n", err, text);
    return v;
}

static json_t *merge(const char *analysis, const char *params, double duration, double fps)
{
    json_t *out = miq_timeline_merge(utp, J(analysis), J(params), duration, fps);
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    return out;
}

static json_t *segments(const json_t *out)
{
    return json_object_get(out, "segments");
}

/* The segments of one type, in timeline order. */
static json_t *of_type(const json_t *out, const char *type)
{
    json_t *r = miq_json_pool(utp, json_array()), *s;
    size_t i;
    json_array_foreach(segments(out), i, s)
    {
        if (!strcmp(miq_json_str(s, "type", ""), type))
            json_array_append(r, s);
    }
    return r;
}

/* Whether item i of arr spans [s, e] (to the millisecond the timeline rounds to). */
static int spans(const json_t *arr, size_t i, double s, double e)
{
    json_t *x = json_array_get(arr, i);
    double a = miq_json_num(x, "start", -1), b = miq_json_num(x, "end", -1);
    if (!x || a < s - 5e-4 || a > s + 5e-4 || b < e - 5e-4 || b > e + 5e-4) {
        fprintf(stderr, "\n  item %d: %s, want [%.3f, %.3f]\n", (int)i,
                x ? miq_json_dump(utp, x) : "(none)", s, e);
        return 0;
    }
    return 1;
}

/* Whether [a,b) and [c,d) share more than a millisecond. */
static int overlap(const json_t *x, const json_t *y)
{
    double a = miq_json_num(x, "start", 0), b = miq_json_num(x, "end", 0);
    double c = miq_json_num(y, "start", 0), d = miq_json_num(y, "end", 0);
    return (b < d ? b : d) - (a > c ? a : c) > 1e-3;
}

#define SILENCES4                                                                                  \
    "[{\"start\":0,\"end\":0.7},{\"start\":4.5,\"end\":5.3},{\"start\":7.5,\"end\":9},{\"start\":" \
    "11,\"end\":12}]"

/* ---- segments ------------------------------------------------------------------- */

static void test_timeline_empty_analysis(void)
{
    json_t *out = merge("{}", "{}", 10, 25);
    CU_ASSERT_EQUAL(json_array_size(segments(out)), 0);
    CU_ASSERT(json_is_array(json_object_get(out, "highlights")));
    CU_ASSERT_EQUAL(json_array_size(json_object_get(out, "highlights")), 0);
    /* nothing invented: no audio, no speech_ratio or loudness */
    CU_ASSERT_PTR_NULL(json_object_get(out, "speech_ratio"));
    CU_ASSERT_PTR_NULL(json_object_get(out, "integrated_lufs"));
    /* empty lists and a media of no length are no different */
    out = merge("{\"silences\":[],\"peaks\":[],\"scenes\":[]}", "{}", 0, 0);
    CU_ASSERT_EQUAL(json_array_size(segments(out)), 0);
    CU_ASSERT_EQUAL(json_array_size(json_object_get(out, "highlights")), 0);
}

static void test_timeline_speech_is_what_is_not_silence(void)
{
    json_t *out = merge("{\"silences\":" SILENCES4 ",\"speech_ratio\":0.64}", "{}", 12, 0);
    json_t *sil = of_type(out, "silence"), *sp = of_type(out, "speech"), *s;
    size_t i;
    CU_ASSERT_EQUAL_FATAL(json_array_size(sil), 4);
    CU_ASSERT(spans(sil, 0, 0, 0.7) && spans(sil, 3, 11, 12));
    /* the gaps between silences; none after the last one (it ends the media) */
    CU_ASSERT_EQUAL_FATAL(json_array_size(sp), 3);
    CU_ASSERT(spans(sp, 0, 0.7, 4.5));
    CU_ASSERT(spans(sp, 1, 5.3, 7.5));
    CU_ASSERT(spans(sp, 2, 9, 11));
    CU_ASSERT_EQUAL(json_array_size(segments(out)), 7);
    /* each segment is whole: type, its index among its type, duration, detector, score */
    json_array_foreach(sp, i, s)
    {
        CU_ASSERT_EQUAL(miq_json_int(s, "index", -1), (json_int_t)i);
        CU_ASSERT_DOUBLE_EQUAL(miq_json_num(s, "duration", -1),
                               miq_json_num(s, "end", 0) - miq_json_num(s, "start", 0), 1e-6);
        CU_ASSERT_STRING_EQUAL(miq_json_str(s, "detector", ""), "momentiq.timeline/1");
        CU_ASSERT(json_is_object(json_object_get(s, "params")));
    }
    /* speech and silence tile the media: no overlap, no hole */
    {
        double covered = 0;
        json_array_foreach(segments(out), i, s)
        {
            covered += miq_json_num(s, "duration", 0);
            if (i > 0)
                CU_ASSERT(!overlap(json_array_get(segments(out), i - 1), s));
        }
        CU_ASSERT_DOUBLE_EQUAL(covered, 12, 1e-6);
    }
    CU_ASSERT_DOUBLE_EQUAL(miq_json_num(out, "speech_ratio", -1), 0.64, EPS);
}

static void test_timeline_speech_at_the_edges(void)
{
    json_t *out, *sp;
    /* audio without a single silence: speech from start to end */
    out = merge("{\"silences\":[]}", "{}", 8, 0);
    sp = of_type(out, "speech");
    CU_ASSERT_EQUAL_FATAL(json_array_size(sp), 1);
    CU_ASSERT(spans(sp, 0, 0, 8));
    /* only a speech ratio (the silences absent): still audio, all speech */
    out = merge("{\"speech_ratio\":1}", "{}", 8, 0);
    CU_ASSERT_EQUAL(json_array_size(of_type(out, "speech")), 1);
    /* no audio analysis at all (a silent video): no speech either */
    out = merge("{\"scenes\":[{\"start\":0,\"end\":8}]}", "{}", 8, 0);
    CU_ASSERT_EQUAL(json_array_size(of_type(out, "speech")), 0);
    CU_ASSERT_EQUAL(json_array_size(of_type(out, "scene")), 1);
    /* a silence inside: speech before and after it, up to the media's end */
    out = merge("{\"silences\":[{\"start\":2,\"end\":3}]}", "{}", 8, 0);
    sp = of_type(out, "speech");
    CU_ASSERT_EQUAL_FATAL(json_array_size(sp), 2);
    CU_ASSERT(spans(sp, 0, 0, 2) && spans(sp, 1, 3, 8));
    /* a silence that runs past the given duration leaves no negative speech */
    out = merge("{\"silences\":[{\"start\":6,\"end\":8.5}]}", "{}", 8, 0);
    sp = of_type(out, "speech");
    CU_ASSERT_EQUAL_FATAL(json_array_size(sp), 1);
    CU_ASSERT(spans(sp, 0, 0, 6));
}

static void test_timeline_adjacent_and_overlapping_silences(void)
{
    json_t *out, *sp, *sil;
    /* 50 ms between two silences is not speech (no sliver segment), and the
     * silences are kept as the detector found them */
    out = merge("{\"silences\":[{\"start\":1,\"end\":2},{\"start\":2.05,\"end\":3}]}", "{}", 5, 0);
    sp = of_type(out, "speech");
    sil = of_type(out, "silence");
    CU_ASSERT_EQUAL(json_array_size(sil), 2);
    CU_ASSERT_EQUAL_FATAL(json_array_size(sp), 2);
    CU_ASSERT(spans(sp, 0, 0, 1) && spans(sp, 1, 3, 5));
    /* touching silences: nothing between them */
    out = merge("{\"silences\":[{\"start\":1,\"end\":2},{\"start\":2,\"end\":3}]}", "{}", 5, 0);
    CU_ASSERT_EQUAL(json_array_size(of_type(out, "speech")), 2);
    /* 250 ms between them is speech */
    out = merge("{\"silences\":[{\"start\":1,\"end\":2},{\"start\":2.25,\"end\":3}]}", "{}", 5, 0);
    sp = of_type(out, "speech");
    CU_ASSERT_EQUAL_FATAL(json_array_size(sp), 3);
    CU_ASSERT(spans(sp, 1, 2, 2.25));
    /* overlapping silences: no speech inside their union */
    out = merge("{\"silences\":[{\"start\":1,\"end\":3},{\"start\":2,\"end\":4}]}", "{}", 6, 0);
    sp = of_type(out, "speech");
    CU_ASSERT_EQUAL_FATAL(json_array_size(sp), 2);
    CU_ASSERT(spans(sp, 0, 0, 1) && spans(sp, 1, 4, 6));
    /* a speech tail under 100 ms is dropped */
    out = merge("{\"silences\":[{\"start\":1,\"end\":4.95}]}", "{}", 5, 0);
    sp = of_type(out, "speech");
    CU_ASSERT_EQUAL_FATAL(json_array_size(sp), 1);
    CU_ASSERT(spans(sp, 0, 0, 1));
}

static void test_timeline_order_and_ties(void)
{
    json_t *out = merge("{\"silences\":[{\"start\":0,\"end\":1},{\"start\":6,\"end\":7}],"
                        "\"scenes\":[{\"start\":0,\"end\":6,\"score\":1},{\"start\":6,\"end\":10,"
                        "\"score\":0.7}],\"peaks\":[{\"time\":8,\"score\":0.9,\"rms_db\":-12},"
                        "{\"time\":3,\"score\":0.4,\"rms_db\":-20}],\"energy_window_s\":1}",
                        "{}", 10, 0);
    json_t *seg = segments(out), *s;
    size_t i;
    /* by start, then by type name at the same start */
    static const char *const want[][2] = {{"0", "scene"},  {"0", "silence"}, {"1", "speech"},
                                          {"2.5", "peak"}, {"6", "scene"},   {"6", "silence"},
                                          {"7", "speech"}, {"7.5", "peak"}};
    CU_ASSERT_EQUAL_FATAL(json_array_size(seg), 8);
    json_array_foreach(seg, i, s)
    {
        CU_ASSERT_STRING_EQUAL(miq_json_str(s, "type", ""), want[i][1]);
        CU_ASSERT_STRING_EQUAL(miq_text_num(utp, miq_json_num(s, "start", -1)), want[i][0]);
        if (i > 0)
            CU_ASSERT(miq_json_num(json_array_get(seg, i - 1), "start", 0) <=
                      miq_json_num(s, "start", 0));
    }
    /* peaks keep the order they came in (loudest first) as their index, and carry
     * their time, level and a window of energy_window_s around the time */
    s = json_array_get(seg, 7);
    CU_ASSERT_EQUAL(miq_json_int(s, "index", -1), 0);
    CU_ASSERT_DOUBLE_EQUAL(miq_json_num(s, "time", -1), 8, EPS);
    CU_ASSERT_DOUBLE_EQUAL(miq_json_num(s, "rms_db", 0), -12, EPS);
    CU_ASSERT(spans(seg, 7, 7.5, 8.5));
    CU_ASSERT_EQUAL(miq_json_int(json_array_get(seg, 3), "index", -1), 1);
    /* scores are kept, within [0, 1] */
    CU_ASSERT_DOUBLE_EQUAL(miq_json_num(json_array_get(seg, 4), "score", -1), 0.7, EPS);
}

static void test_timeline_peak_windows_stay_inside(void)
{
    json_t *out, *pk;
    /* the window comes from the analysis, else from params.energy, else 0.5 s */
    out = merge("{\"peaks\":[{\"time\":0.1},{\"time\":9.9}]}", "{}", 10, 0);
    pk = of_type(out, "peak");
    CU_ASSERT_EQUAL_FATAL(json_array_size(pk), 2);
    CU_ASSERT(spans(pk, 0, 0, 0.35));
    CU_ASSERT(spans(pk, 1, 9.65, 10));
    out = merge("{\"peaks\":[{\"time\":5}]}", "{\"energy\":{\"window_s\":2}}", 10, 0);
    CU_ASSERT(spans(of_type(out, "peak"), 0, 4, 6));
    out = merge("{\"peaks\":[{\"time\":5}],\"energy_window_s\":1}", "{\"energy\":{\"window_s\":2}}",
                10, 0);
    CU_ASSERT(spans(of_type(out, "peak"), 0, 4.5, 5.5));
    /* a score out of range is clamped */
    out = merge("{\"peaks\":[{\"time\":5,\"score\":7}],\"scenes\":[{\"start\":0,\"end\":10,"
                "\"score\":-1}]}",
                "{}", 10, 0);
    CU_ASSERT_DOUBLE_EQUAL(miq_json_num(json_array_get(of_type(out, "peak"), 0), "score", -1), 1,
                           EPS);
    CU_ASSERT_DOUBLE_EQUAL(miq_json_num(json_array_get(of_type(out, "scene"), 0), "score", -1), 0,
                           EPS);
}

static void test_timeline_include_filters_types(void)
{
    const char *a = "{\"silences\":" SILENCES4 ",\"scenes\":[{\"start\":0,\"end\":12}],"
                    "\"peaks\":[{\"time\":3,\"score\":0.9}]}";
    json_t *out = merge(a, "{\"include\":[\"scene\",\"peak\"]}", 12, 0), *s;
    size_t i;
    CU_ASSERT_EQUAL(json_array_size(segments(out)), 2);
    json_array_foreach(segments(out), i, s)
    {
        const char *t = miq_json_str(s, "type", "");
        CU_ASSERT(!strcmp(t, "scene") || !strcmp(t, "peak"));
    }
    /* highlights do not depend on include */
    CU_ASSERT_EQUAL(json_array_size(json_object_get(out, "highlights")), 1);
    out = merge(a, "{\"include\":[\"speech\"]}", 12, 0);
    CU_ASSERT_EQUAL(json_array_size(segments(out)), 3);
    CU_ASSERT_EQUAL(json_array_size(of_type(out, "speech")), 3);
    /* include absent: every type */
    out = merge(a, "{}", 12, 0);
    CU_ASSERT_EQUAL(json_array_size(segments(out)), 4 + 3 + 1 + 1);
}

static void test_timeline_frames_and_rounding(void)
{
    json_t *out, *s, *item;
    out = merge("{\"silences\":[{\"start\":1.23456,\"end\":2.5}]}", "{\"include\":[\"silence\"]}",
                10, 25);
    s = json_array_get(segments(out), 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    /* seconds to the millisecond */
    CU_ASSERT_DOUBLE_EQUAL(miq_json_num(s, "start", -1), 1.235, EPS);
    CU_ASSERT_DOUBLE_EQUAL(miq_json_num(s, "duration", -1), 1.265, EPS);
    /* frames at 25 fps, floored; SMPTE timecodes */
    CU_ASSERT_EQUAL(miq_json_int(s, "start_frame", -1), 30);
    CU_ASSERT_EQUAL(miq_json_int(s, "end_frame", -1), 62);
    CU_ASSERT_STRING_EQUAL(miq_json_str(s, "start_tc", ""), "00:00:01:05");
    CU_ASSERT_STRING_EQUAL(miq_json_str(s, "end_tc", ""), "00:00:02:12");
    /* and highlights too */
    out = merge("{\"peaks\":[{\"time\":5}]}", "{\"highlights\":{\"clip_s\":4}}", 10, 25);
    item = json_array_get(json_object_get(out, "highlights"), 0);
    CU_ASSERT_EQUAL(miq_json_int(item, "start_frame", -1), 95); /* 3.8 s */
    CU_ASSERT_EQUAL(miq_json_int(item, "end_frame", -1), 195);  /* 7.8 s */
    /* without video: no frames, no timecodes */
    out = merge("{\"silences\":[{\"start\":1,\"end\":2}]}", "{}", 10, 0);
    s = json_array_get(segments(out), 0);
    CU_ASSERT_PTR_NULL(json_object_get(s, "start_frame"));
    CU_ASSERT_PTR_NULL(json_object_get(s, "end_tc"));
    /* miq_timeline_frames on its own, at a frame boundary */
    item = miq_json_packp(utp, "{s:f,s:f}", "start", 2.0, "end", 60.0);
    miq_timeline_frames(utp, item, 25);
    CU_ASSERT_EQUAL(miq_json_int(item, "start_frame", -1), 50);
    CU_ASSERT_EQUAL(miq_json_int(item, "end_frame", -1), 1500);
    CU_ASSERT_STRING_EQUAL(miq_json_str(item, "end_tc", ""), "00:01:00:00");
    item = miq_json_packp(utp, "{s:f,s:f}", "start", 2.0, "end", 3.0);
    miq_timeline_frames(utp, item, 0);
    CU_ASSERT_EQUAL(json_object_size(item), 2);
}

/* ---- highlights ----------------------------------------------------------------- */

static void test_highlights_never_overlap_and_rank_by_score(void)
{
    json_t *out = merge("{\"peaks\":[{\"time\":10,\"score\":0.9},{\"time\":11,\"score\":0.8},"
                        "{\"time\":30,\"score\":0.5},{\"time\":45,\"score\":0.95}]}",
                        "{\"highlights\":{\"count\":5,\"clip_s\":4}}", 60, 0);
    json_t *hl = json_object_get(out, "highlights"), *h;
    size_t i, k;
    /* the peak at 11 falls in the clip of the louder one at 10: skipped */
    CU_ASSERT_EQUAL_FATAL(json_array_size(hl), 3);
    json_array_foreach(hl, i, h)
    {
        CU_ASSERT_EQUAL(miq_json_int(h, "rank", 0), (json_int_t)i + 1);
        CU_ASSERT_DOUBLE_EQUAL(miq_json_num(h, "duration", 0), 4, 1e-6);
        CU_ASSERT(miq_json_num(h, "score", -1) >= 0 && miq_json_num(h, "score", 2) <= 1);
        if (i > 0)
            CU_ASSERT(miq_json_num(json_array_get(hl, i - 1), "score", 0) >=
                      miq_json_num(h, "score", 0));
        for (k = 0; k < i; k++)
            CU_ASSERT(!overlap(json_array_get(hl, k), h));
        CU_ASSERT_STRING_EQUAL(json_string_value(json_array_get(json_object_get(h, "reasons"), 0)),
                               "peak");
    }
    /* a clip starts 30 % of its length before its peak */
    CU_ASSERT(spans(hl, 0, 43.8, 47.8));
    CU_ASSERT(spans(hl, 1, 8.8, 12.8));
    CU_ASSERT(spans(hl, 2, 28.8, 32.8));
    /* count caps the number of clips (the loudest peaks win) */
    out = merge("{\"peaks\":[{\"time\":10,\"score\":0.9},{\"time\":30,\"score\":0.5}]}",
                "{\"highlights\":{\"count\":1,\"clip_s\":4}}", 60, 0);
    hl = json_object_get(out, "highlights");
    CU_ASSERT_EQUAL_FATAL(json_array_size(hl), 1);
    CU_ASSERT(spans(hl, 0, 8.8, 12.8));
    out = merge("{\"peaks\":[{\"time\":10}]}", "{\"highlights\":{\"count\":0}}", 60, 0);
    CU_ASSERT_EQUAL(json_array_size(json_object_get(out, "highlights")), 0);
}

static void test_highlights_stay_inside_the_media(void)
{
    json_t *hl;
    /* near the end: moved back to end at the end, full length */
    hl = json_object_get(merge("{\"peaks\":[{\"time\":59.5}]}", "{\"highlights\":{\"clip_s\":4}}",
                               60, 0),
                         "highlights");
    CU_ASSERT(spans(hl, 0, 56, 60));
    /* near the start: from 0 */
    hl = json_object_get(merge("{\"peaks\":[{\"time\":0.5}]}", "{\"highlights\":{\"clip_s\":4}}",
                               60, 0),
                         "highlights");
    CU_ASSERT(spans(hl, 0, 0, 4));
    /* a clip longer than the media: the whole media (default clip_s 20) */
    hl = json_object_get(merge("{\"peaks\":[{\"time\":3}]}", "{}", 5, 0), "highlights");
    CU_ASSERT_EQUAL_FATAL(json_array_size(hl), 1);
    CU_ASSERT(spans(hl, 0, 0, 5));
    /* a media of no length has no clip */
    hl = json_object_get(merge("{\"peaks\":[{\"time\":0}]}", "{}", 0, 0), "highlights");
    CU_ASSERT_EQUAL(json_array_size(hl), 0);
}

static void test_highlights_snap_to_scenes_and_score_speech(void)
{
    json_t *out, *hl, *h, *reasons;
    /* a cut within half a clip before the peak starts the clip */
    out = merge("{\"peaks\":[{\"time\":10,\"score\":0.5}],\"scenes\":[{\"start\":0,\"end\":8},"
                "{\"start\":8,\"end\":30}]}",
                "{\"highlights\":{\"clip_s\":10}}", 30, 0);
    hl = json_object_get(out, "highlights");
    CU_ASSERT_EQUAL_FATAL(json_array_size(hl), 1);
    CU_ASSERT(spans(hl, 0, 8, 18));
    h = json_array_get(hl, 0);
    reasons = json_object_get(h, "reasons");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_array_get(reasons, 1)), "scene");
    /* no silences: all speech; 0.6 x 0.5 + 0.25 x 1 + 0.15 for the cut */
    CU_ASSERT_STRING_EQUAL(json_string_value(json_array_get(reasons, 2)), "speech");
    CU_ASSERT_DOUBLE_EQUAL(miq_json_num(h, "score", -1), 0.7, 1e-6);
    /* a cut further back than half a clip is not used, nor the start of the media */
    out = merge("{\"peaks\":[{\"time\":10,\"score\":0.5}],\"scenes\":[{\"start\":0,\"end\":2},"
                "{\"start\":2,\"end\":30}]}",
                "{\"highlights\":{\"clip_s\":10}}", 30, 0);
    hl = json_object_get(out, "highlights");
    CU_ASSERT(spans(hl, 0, 7, 17));
    reasons = json_object_get(json_array_get(hl, 0), "reasons");
    CU_ASSERT_EQUAL(json_array_size(reasons), 2); /* peak, speech: no scene */
    CU_ASSERT_STRING_EQUAL(json_string_value(json_array_get(reasons, 1)), "speech");
    /* the start of the media is no cut */
    out = merge("{\"peaks\":[{\"time\":3,\"score\":0.5}],\"scenes\":[{\"start\":0,\"end\":20}]}",
                "{\"highlights\":{\"clip_s\":10}}", 20, 0);
    h = json_array_get(json_object_get(out, "highlights"), 0);
    CU_ASSERT(spans(json_object_get(out, "highlights"), 0, 0, 10));
    CU_ASSERT_EQUAL(json_array_size(json_object_get(h, "reasons")), 2);
    CU_ASSERT_DOUBLE_EQUAL(miq_json_num(h, "score", -1), 0.55, 1e-6);
    /* a clip mostly silent is not "speech" and scores lower */
    out = merge("{\"peaks\":[{\"time\":10,\"score\":0.5}],\"silences\":[{\"start\":6,\"end\":"
                "14}]}",
                "{\"highlights\":{\"clip_s\":10}}", 30, 0);
    h = json_array_get(json_object_get(out, "highlights"), 0);
    CU_ASSERT(spans(json_object_get(out, "highlights"), 0, 7, 17));
    CU_ASSERT_EQUAL(json_array_size(json_object_get(h, "reasons")), 1);
    /* 0.6 x 0.5 + 0.25 x (1 - 7/10) */
    CU_ASSERT_DOUBLE_EQUAL(miq_json_num(h, "score", -1), 0.375, 1e-3);
}

static void test_highlights_equal_scores_rank_earlier_first(void)
{
    json_t *hl = json_object_get(merge("{\"peaks\":[{\"time\":40,\"score\":0.5},{\"time\":10,"
                                       "\"score\":0.5},{\"time\":25,\"score\":0.5}]}",
                                       "{\"highlights\":{\"clip_s\":4}}", 60, 0),
                                 "highlights");
    CU_ASSERT_EQUAL_FATAL(json_array_size(hl), 3);
    CU_ASSERT(spans(hl, 0, 8.8, 12.8));
    CU_ASSERT(spans(hl, 1, 23.8, 27.8));
    CU_ASSERT(spans(hl, 2, 38.8, 42.8));
}

static void test_timeline_is_deterministic(void)
{
    const char *a = "{\"silences\":" SILENCES4 ",\"scenes\":[{\"start\":0,\"end\":5},{\"start\":"
                    "5,\"end\":12}],\"peaks\":[{\"time\":3,\"score\":0.9},{\"time\":8,\"score\":"
                    "0.9}],\"speech_ratio\":0.6,\"integrated_lufs\":-23.5}";
    json_t *in = J(a), *x, *y;
    const char *before = miq_json_dump(utp, in);
    x = miq_timeline_merge(utp, in, J("{}"), 12, 25);
    y = merge(a, "{}", 12, 25);
    CU_ASSERT_PTR_NOT_NULL_FATAL(x);
    CU_ASSERT(json_equal(x, y));
    CU_ASSERT_STRING_EQUAL(miq_json_dump(utp, x), miq_json_dump(utp, y));
    CU_ASSERT_DOUBLE_EQUAL(miq_json_num(x, "integrated_lufs", 0), -23.5, EPS);
    /* the analysis is not changed */
    CU_ASSERT_STRING_EQUAL(miq_json_dump(utp, in), before);
}

MIQ_SUITE("timeline", MIQ_TEST(test_timeline_empty_analysis),
          MIQ_TEST(test_timeline_speech_is_what_is_not_silence),
          MIQ_TEST(test_timeline_speech_at_the_edges),
          MIQ_TEST(test_timeline_adjacent_and_overlapping_silences),
          MIQ_TEST(test_timeline_order_and_ties), MIQ_TEST(test_timeline_peak_windows_stay_inside),
          MIQ_TEST(test_timeline_include_filters_types),
          MIQ_TEST(test_timeline_frames_and_rounding),
          MIQ_TEST(test_highlights_never_overlap_and_rank_by_score),
          MIQ_TEST(test_highlights_stay_inside_the_media),
          MIQ_TEST(test_highlights_snap_to_scenes_and_score_speech),
          MIQ_TEST(test_highlights_equal_scores_rank_earlier_first),
          MIQ_TEST(test_timeline_is_deterministic))
