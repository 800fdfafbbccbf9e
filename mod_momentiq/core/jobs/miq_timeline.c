#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <apr_hash.h>
#include <apr_strings.h>
#include <apr_tables.h>
#include "endpoints/miq_endpoints.h"
#include "base/miq_json.h"
#include "jobs/miq_timeline.h"
#include "base/miq_text.h"

#define DETECTOR "momentiq.timeline/1"

static double r3(double v)
{
    return floor(v * 1000.0 + 0.5) / 1000.0;
}

void miq_timeline_frames(apr_pool_t *p, json_t *item, double fps)
{
    double s = miq_json_num(item, "start", 0), e = miq_json_num(item, "end", 0);
    /* media may declare any rate or time: frame numbers must fit an integer
     * (the same bounds as miq_text_timecode, which answers NULL past them) */
    if (!(fps > 0) || fps > 10000 || !(s >= 0) || !(e >= 0) || s > 1e9 || e > 1e9)
        return;
    json_object_set_new(item, "start_frame", json_integer((json_int_t)floor(s * fps + 1e-6)));
    json_object_set_new(item, "end_frame", json_integer((json_int_t)floor(e * fps + 1e-6)));
    json_object_set_new(item, "start_tc", json_string(miq_text_timecode(p, s, fps)));
    json_object_set_new(item, "end_tc", json_string(miq_text_timecode(p, e, fps)));
}

/* What every segment of one result shares: one json string per distinct
 * type and one for the detector (a long result holds thousands of segments,
 * each with its own copies otherwise), and the empty params object. Each is
 * bound to the pool; segments hold references of their own ("O"). */
typedef struct {
    apr_pool_t *p;
    apr_hash_t *types; /* type name -> json string */
    json_t *detector, *no_params;
    double fps;
} seg_shared;

static json_t *shared_type(seg_shared *ss, const char *type)
{
    json_t *v = apr_hash_get(ss->types, type, APR_HASH_KEY_STRING);
    if (!v) {
        v = miq_json_pool(ss->p, json_string(type));
        apr_hash_set(ss->types, apr_pstrdup(ss->p, type), APR_HASH_KEY_STRING, v);
    }
    return v;
}

static json_t *segment(seg_shared *ss, const char *type, int index, double s, double e,
                       double score, const json_t *params)
{
    json_t *o = json_pack("{s:O,s:i,s:f,s:f,s:f,s:O,s:O,s:f}", "type", shared_type(ss, type),
                          "index", index, "start", r3(s), "end", r3(e), "duration", r3(e - s),
                          "detector", ss->detector, "params", params ? params : ss->no_params,
                          "score",
                          score < 0   ? 0
                          : score > 1 ? 1
                                      : r3(score));
    miq_timeline_frames(ss->p, o, ss->fps);
    return o;
}

static int by_start(const void *a, const void *b)
{
    const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    double d = miq_json_num(x, "start", 0) - miq_json_num(y, "start", 0);
    if (d != 0)
        return d < 0 ? -1 : 1;
    return strcmp(miq_json_str(x, "type", ""), miq_json_str(y, "type", ""));
}

static int wants(const json_t *params, const char *type)
{
    json_t *inc = json_object_get(params, "include"), *v;
    size_t i;
    if (!json_is_array(inc))
        return 1;
    json_array_foreach(inc, i, v)
    {
        if (json_is_string(v) && !strcmp(json_string_value(v), type))
            return 1;
    }
    return 0;
}

/* Seconds of [s,e] covered by silences (to score speech in a highlight). */
static double silent_within(const json_t *silences, double s, double e)
{
    json_t *x;
    size_t i;
    double t = 0;
    json_array_foreach(silences, i, x)
    {
        double a = miq_json_num(x, "start", 0), b = miq_json_num(x, "end", 0);
        if (b > s && a < e)
            t += (b < e ? b : e) - (a > s ? a : s);
    }
    return t;
}

/* The latest scene boundary in [lo, hi], or -1. */
static double cut_between(const json_t *scenes, double lo, double hi)
{
    json_t *x;
    size_t i;
    double best = -1;
    json_array_foreach(scenes, i, x)
    {
        double b = miq_json_num(x, "start", -1);
        if (b > 0 && b >= lo && b <= hi && b > best)
            best = b;
    }
    return best;
}

static json_t *highlights(apr_pool_t *p, const json_t *analysis, const json_t *hparams,
                          double duration, double fps)
{
    const json_t *peaks = json_object_get(analysis, "peaks");
    const json_t *silences = json_object_get(analysis, "silences");
    const json_t *scenes = json_object_get(analysis, "scenes");
    int count = (int)miq_json_int(hparams, "count", 5);
    double clip = miq_json_num(hparams, "clip_s", 20);
    json_t *out = json_array(), *pk;
    size_t i, n = json_array_size(peaks);
    double *taken_s = apr_pcalloc(p, sizeof(double) * (n + 1));
    double *taken_e = apr_pcalloc(p, sizeof(double) * (n + 1));
    int ntaken = 0;
    if (clip > duration)
        clip = duration;
    /* Peaks come loudest first: each one anchors a clip that starts a little
     * before it (on a scene cut when one is near) and does not overlap an
     * earlier pick. */
    json_array_foreach(peaks, i, pk)
    {
        double t = miq_json_num(pk, "time", 0), s, e, cut, speech, score;
        int k, overlap = 0;
        json_t *h, *reasons;
        if (ntaken >= count)
            break;
        s = t - clip * 0.3;
        cut = cut_between(scenes, t - clip * 0.5, t);
        if (cut >= 0)
            s = cut;
        if (s < 0)
            s = 0;
        e = s + clip;
        if (e > duration) {
            e = duration;
            s = e - clip < 0 ? 0 : e - clip;
        }
        for (k = 0; k < ntaken; k++)
            if (s < taken_e[k] && e > taken_s[k])
                overlap = 1;
        if (overlap || e - s <= 0)
            continue;
        speech = e > s ? 1.0 - silent_within(silences, s, e) / (e - s) : 0;
        score = 0.6 * miq_json_num(pk, "score", 0.5) + 0.25 * speech + (cut >= 0 ? 0.15 : 0);
        reasons = json_array();
        json_array_append_new(reasons, json_string("peak"));
        if (cut >= 0)
            json_array_append_new(reasons, json_string("scene"));
        if (speech > 0.5)
            json_array_append_new(reasons, json_string("speech"));
        h = json_pack("{s:i,s:f,s:f,s:f,s:f,s:o}", "rank", 0, "start", r3(s), "end", r3(e),
                      "duration", r3(e - s), "score", r3(score > 1 ? 1 : score), "reasons",
                      reasons);
        miq_timeline_frames(p, h, fps);
        json_array_append_new(out, h);
        taken_s[ntaken] = s;
        taken_e[ntaken] = e;
        ntaken++;
    }
    /* Rank by score, best first (ties: earlier first). */
    {
        size_t m = json_array_size(out), a, b;
        for (a = 0; a + 1 < m; a++)
            for (b = a + 1; b < m; b++) {
                json_t *x = json_array_get(out, a), *y = json_array_get(out, b);
                double sx = miq_json_num(x, "score", 0), sy = miq_json_num(y, "score", 0);
                if (sy > sx ||
                    (sy == sx && miq_json_num(y, "start", 0) < miq_json_num(x, "start", 0))) {
                    json_incref(x);
                    json_array_set(out, a, y);
                    json_array_set_new(out, b, x);
                }
            }
        for (a = 0; a < m; a++)
            json_object_set_new(json_array_get(out, a), "rank", json_integer((json_int_t)a + 1));
    }
    return out;
}

static const char *const sound_types[] = {"speech", "music", "other"};

static void sound_piece(seg_shared *ss, apr_array_header_t *segs, const json_t *params,
                        const json_t *sp, int type, double a, double b, double conf, int *counts)
{
    if (wants(params, sound_types[type]))
        APR_ARRAY_PUSH(segs, json_t *) = segment(ss, sound_types[type], counts[type]++, a, b, conf,
                                                 sp);
}

static int sound_type(const json_t *run)
{
    const char *t = miq_json_str(run, "type", "");
    return !strcmp(t, "music") ? 1 : !strcmp(t, "other") ? 2 : 0;
}

typedef struct {
    int type;
    double a, b, csum; /* csum: confidence x seconds */
} sound_run;

/* A non-silent stretch [a,b] typed by the audio classifier's runs
 * ("audio_classes": speech / music / other with a confidence): the runs'
 * pieces inside it, neighbours of one type merged and pieces under 0.1 s
 * joined to the one before (or after), the score the confidence weighted by
 * time. Without runs (results from before the classifier) it is speech, as it
 * always was; a stretch no run covers takes the type of the run nearest to its
 * middle. Gaps between runs belong to the piece before. */
static void sound_pieces(seg_shared *ss, apr_array_header_t *segs, const json_t *classes,
                         const json_t *params, const json_t *sp, double a, double b, int *counts)
{
    apr_array_header_t *runs = apr_array_make(ss->p, 8, sizeof(sound_run));
    double best = 1e300, mid = (a + b) / 2;
    const json_t *x, *near = NULL;
    sound_run *r;
    size_t i;
    int k, n;
    json_array_foreach(classes, i, x)
    {
        double s = miq_json_num(x, "start", 0), e = miq_json_num(x, "end", 0);
        double d = mid < s ? s - mid : mid > e ? mid - e : 0;
        if (d < best)
            best = d, near = x;
        if (e <= a || s >= b)
            continue;
        s = s < a ? a : s;
        e = e > b ? b : e;
        r = apr_array_push(runs);
        r->type = sound_type(x), r->a = s, r->b = e;
        r->csum = (e - s) * miq_json_num(x, "confidence", 0.5);
    }
    if (!runs->nelts) {
        r = apr_array_push(runs);
        r->type = near ? sound_type(near) : 0, r->a = a, r->b = b;
        r->csum = (b - a) * (near ? miq_json_num(near, "confidence", 0.5) : 1.0);
    }
    r = (sound_run *)runs->elts;
    r[0].a = a; /* the stretch is covered end to end */
    r[runs->nelts - 1].b = b;
    for (n = 0, k = 0; k < runs->nelts; k++) { /* short pieces and equal neighbours merge */
        int join = n > 0 && (r[k].type == r[n - 1].type || r[k].b - r[k].a < 0.1);
        if (n == 1 && r[0].b - r[0].a < 0.1 && !join) { /* a short first piece joins the next */
            r[k].csum += r[0].csum, r[k].a = r[0].a;
            r[0] = r[k];
            continue;
        }
        if (join)
            r[n - 1].b = r[k].b, r[n - 1].csum += r[k].csum;
        else
            r[n++] = r[k];
    }
    for (k = 0; k < n; k++) {
        double len = r[k].b - r[k].a, conf = len > 0 ? r[k].csum / len : 0.5;
        if (k + 1 < n)
            r[k].b = r[k + 1].a;
        sound_piece(ss, segs, params, sp, r[k].type, r[k].a, r[k].b, conf > 1 ? 1 : conf, counts);
    }
}

json_t *miq_timeline_merge(apr_pool_t *p, const json_t *analysis, const json_t *params,
                           double duration_s, double fps)
{
    const json_t *silences = json_object_get(analysis, "silences");
    const json_t *peaks = json_object_get(analysis, "peaks");
    const json_t *scenes = json_object_get(analysis, "scenes");
    double win = miq_json_num(analysis, "energy_window_s",
                              miq_json_num(json_object_get(params, "energy"), "window_s", 0.5));
    apr_array_header_t *segs = apr_array_make(p, 64, sizeof(json_t *));
    json_t *out = json_object(), *arr = json_array(), *x;
    seg_shared ss = {p, apr_hash_make(p), miq_json_pool(p, json_string(DETECTOR)),
                     miq_json_pool(p, json_object()), fps};
    size_t i;
    int k, idx;

    if (wants(params, "silence")) {
        idx = 0;
        json_array_foreach(silences, i, x)
        {
            APR_ARRAY_PUSH(segs, json_t *) = segment(&ss, "silence", idx++,
                                                     miq_json_num(x, "start", 0),
                                                     miq_json_num(x, "end", 0),
                                                     miq_json_num(x, "score", 0.5),
                                                     json_object_get(params, "silence"));
        }
    }
    if (wants(params, "speech") || wants(params, "music") || wants(params, "other")) {
        /* Sound: what is not silence, where the media has audio. */
        const json_t *classes = json_object_get(analysis, "audio_classes");
        const json_t *sp = json_object_get(params, "silence");
        double t = 0;
        int counts[3] = {0, 0, 0};
        if (json_is_array(silences) || json_object_get(analysis, "speech_ratio")) {
            json_array_foreach(silences, i, x)
            {
                double s = miq_json_num(x, "start", 0);
                if (s - t >= 0.1)
                    sound_pieces(&ss, segs, classes, params, sp, t, s, counts);
                t = miq_json_num(x, "end", t);
            }
            if (duration_s - t >= 0.1)
                sound_pieces(&ss, segs, classes, params, sp, t, duration_s, counts);
        }
    }
    if (wants(params, "scene")) {
        idx = 0;
        json_array_foreach(scenes, i, x)
        {
            APR_ARRAY_PUSH(segs, json_t *) = segment(&ss, "scene", idx++,
                                                     miq_json_num(x, "start", 0),
                                                     miq_json_num(x, "end", 0),
                                                     miq_json_num(x, "score", 1.0),
                                                     json_object_get(params, "scenes"));
        }
    }
    /* Video: gradual scene changes as spans (time: where the new shot takes
     * over), black and frozen stretches (segment types black, freeze). */
    idx = 0;
    json_array_foreach(json_object_get(analysis, "cuts"), i, x)
    {
        const char *t = miq_json_str(x, "type", "cut");
        if (strcmp(t, "cut") && wants(params, t)) {
            json_t *sg = segment(&ss, t, idx++, miq_json_num(x, "start", 0),
                                 miq_json_num(x, "end", 0), miq_json_num(x, "score", 1.0),
                                 json_object_get(params, "scenes"));
            json_object_set_new(sg, "time", json_real(r3(miq_json_num(x, "time", 0))));
            APR_ARRAY_PUSH(segs, json_t *) = sg;
        }
    }
    for (k = 0; k < 2; k++) {
        const char *t = k ? "freeze" : "black";
        idx = 0;
        if (wants(params, t))
            json_array_foreach(json_object_get(analysis, t), i, x)
            {
                APR_ARRAY_PUSH(segs, json_t *) = segment(&ss, t, idx++, miq_json_num(x, "start", 0),
                                                         miq_json_num(x, "end", 0),
                                                         miq_json_num(x, "score", 1.0),
                                                         json_object_get(params, "scenes"));
            }
    }
    if (wants(params, "peak")) {
        idx = 0;
        json_array_foreach(peaks, i, x)
        {
            double t = miq_json_num(x, "time", 0), s = t - win / 2, e = t + win / 2;
            json_t *sg = segment(&ss, "peak", idx++, s < 0 ? 0 : s, e > duration_s ? duration_s : e,
                                 miq_json_num(x, "score", 0.5), json_object_get(params, "energy"));
            json_object_set_new(sg, "time", json_real(r3(t)));
            json_object_set(sg, "rms_db", json_object_get(x, "rms_db"));
            APR_ARRAY_PUSH(segs, json_t *) = sg;
        }
    }
    qsort(segs->elts, segs->nelts, sizeof(json_t *), by_start);
    for (k = 0; k < segs->nelts; k++)
        json_array_append_new(arr, APR_ARRAY_IDX(segs, k, json_t *));
    json_object_set_new(out, "segments", arr);
    json_object_set_new(out, "highlights",
                        highlights(p, analysis, json_object_get(params, "highlights"), duration_s,
                                   fps));
    if (json_object_get(analysis, "speech_ratio"))
        json_object_set(out, "speech_ratio", json_object_get(analysis, "speech_ratio"));
    if (json_object_get(analysis, "integrated_lufs"))
        json_object_set(out, "integrated_lufs", json_object_get(analysis, "integrated_lufs"));
    { /* the loudness figures and the compact short-term curve travel with the moments */
        static const char *const keep[] = {"loudness_range_lu", "true_peak_dbtp", "short_term"};
        for (k = 0; k < 3; k++)
            if (json_object_get(analysis, keep[k]))
                json_object_set(out, keep[k], json_object_get(analysis, keep[k]));
    }
    return miq_json_pool(p, out);
}
