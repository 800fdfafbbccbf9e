#include <math.h>
#include <string.h>
#include <apr_file_io.h>
#include <apr_strings.h>
#include "endpoints/miq_endpoints.h"
#include "base/miq_json.h"
#include "billing/miq_pricing.h"
#include "jobs/miq_timeline.h"
#include "analyses/miqw_audio.h"
#include "analyses/miqw_clips.h"
#include "analyses/miqw_frames.h"
#include "miqw_jobrun.h"
#include "analyses/miqw_scenes.h"

#define DETECTOR_VERSION "momentiq-worker/" MIQ_VERSION

static json_t *media_json(const miqw_media *m)
{
    json_t *o = json_pack("{s:f,s:b,s:b}", "duration_s", floor(m->duration_s * 1000 + 0.5) / 1000,
                          "has_audio", m->audio_idx >= 0, "has_video", m->video_idx >= 0);
    if (m->video_idx >= 0) {
        double fr = m->fps;
        json_object_set_new(o, "fps", json_real(floor(fr * 1000 + 0.5) / 1000));
        json_object_set_new(o, "drop_frame",
                            json_boolean(fabs(fr - 29.97) < 0.01 || fabs(fr - 59.94) < 0.01));
        json_object_set_new(o, "frame_count", json_integer((json_int_t)floor(m->duration_s * fr)));
        /* as shown: upright, square pixels (the upload probe's display size) */
        json_object_set_new(o, "width", json_integer(m->display_width));
        json_object_set_new(o, "height", json_integer(m->display_height));
        if (m->rotation)
            json_object_set_new(o, "rotation", json_integer((360 - m->rotation) % 360));
    }
    if (m->audio_idx >= 0)
        json_object_set_new(o, "sample_rate", json_integer(m->sample_rate));
    return o;
}

/* Moves every key of src into dst. */
static void merge_into(json_t *dst, json_t *src)
{
    json_object_update(dst, src);
}

static const char *need(int ok, const char *what, const char **code)
{
    if (ok)
        return NULL;
    *code = "unsupported_media";
    return what;
}

const char *miqw_job_run(apr_pool_t *p, const miqw_job *job, const miq_pricing *pricing,
                         miqw_progress_fn *progress, void *baton, json_t **result,
                         apr_int64_t *cost_credits, const char **code)
{
    const miq_endpoint *ep = miq_endpoints_find(job->endpoint);
    const char *err, *e = job->endpoint;
    miqw_media *m = NULL;
    json_t *params, *res, *analysis;
    miqw_consumer *cs[2];
    int n = 0;
    double bill_s;
    miq_price_quote q;

    *code = "invalid_request";
    if (!ep)
        return apr_psprintf(p, "unknown endpoint %s", e);
    params = miq_endpoints_apply_defaults(p, ep, job->params);
    if ((err = miq_endpoints_check_params(p, ep, params, 0)))
        return err;
    if ((err = miqw_media_open(p, job->input_path, &m, code)))
        return err;
    if (job->reserved_s > 0)
        m->limit_s = job->reserved_s + MIQW_LIMIT_SLACK_S(job->reserved_s);
    if (apr_dir_make_recursive(job->out_dir, APR_FPROT_OS_DEFAULT, p) != APR_SUCCESS) {
        *code = "server_error";
        return "cannot create the output directory";
    }
    bill_s = m->duration_s;
    res = miq_json_pool(p, json_object());
    json_object_set_new(res, "endpoint", json_string(e));
    json_object_set_new(res, "job_id", json_string(job->id));
    json_object_set(res, "params", params);
    json_object_set_new(res, "detector_version", json_string(DETECTOR_VERSION));
    json_object_set_new(res, "media", media_json(m));
    analysis = miq_json_pool(p, json_object());

    if (!strcmp(e, "audio/silence") || !strcmp(e, "audio/energy")) {
        int sil = !strcmp(e, "audio/silence");
        if ((err = need(m->audio_idx >= 0, "the media has no audio stream", code)))
            return err;
        cs[n] = miqw_audio_consumer(p, m, sil ? params : NULL, sil ? NULL : params, &err);
        if (!cs[n])
            return (*code = "unsupported_media"), err;
        n++;
        if ((err = miqw_pass_run(m, cs, n, progress, baton, analysis, code)))
            return err;
        merge_into(res, analysis);
    }
    else if (!strcmp(e, "video/scenes")) {
        if ((err = need(m->video_idx >= 0, "the media has no video stream", code)))
            return err;
        if (!(cs[n] = miqw_scene_consumer(p, m, params, &err)))
            return err;
        n++;
        if ((err = miqw_pass_run(m, cs, n, progress, baton, analysis, code)))
            return err;
        merge_into(res, analysis);
    }
    else if (!strcmp(e, "video/frames")) {
        const json_t *cuts = NULL;
        if ((err = need(m->video_idx >= 0, "the media has no video stream", code)))
            return err;
        if (json_is_true(json_object_get(params, "at_scenes"))) {
            /* The scene pass runs here, not inside frames: frames never builds a scene consumer. */
            json_t *sp = miq_json_pool(p, json_object());
            json_t *th = json_object_get(params, "scene_threshold");
            if (th)
                json_object_set(sp, "threshold", th);
            if (!(cs[n] = miqw_scene_consumer(p, m, sp, &err)))
                return (*code = "unsupported_media"), err;
            n++;
            if ((err = miqw_pass_run(m, cs, n, progress, baton, analysis, code)))
                return err;
            cuts = json_object_get(analysis, "cuts");
        }
        if ((err = miqw_frames_extract(p, m, params, cuts, job->out_dir, res, code)))
            return err;
    }
    else if (!strcmp(e, "video/clips")) {
        if ((err = miqw_clips_cut(p, m, params, job->out_dir, res, code)))
            return err;
    }
    else if (!strcmp(e, "timeline/moments")) {
        json_t *merged;
        if (m->audio_idx >= 0) {
            cs[n] = miqw_audio_consumer(p, m, json_object_get(params, "silence"),
                                        json_object_get(params, "energy"), &err);
            if (!cs[n])
                return (*code = "unsupported_media"), err;
            miqw_audio_no_windows(cs[n]);
            n++;
        }
        if (m->video_idx >= 0) {
            if (!(cs[n] = miqw_scene_consumer(p, m, json_object_get(params, "scenes"), &err)))
                return (*code = "unsupported_media"), err;
            n++;
        }
        if ((err = miqw_pass_run(m, cs, n, progress, baton, analysis, code)))
            return err;
        merged = miq_timeline_merge(p, analysis, params,
                                    m->truncated ? m->covered_s : m->duration_s,
                                    m->video_idx >= 0 ? m->fps : 0);
        /* The analyses' own lists (silences, audio_classes, scenes...) are
         * in the segments now: free them rather than keep both until the
         * job ends (what merged shares, it holds a reference to). */
        json_object_clear(analysis);
        merge_into(res, merged);
    }
    else
        return apr_psprintf(p, "endpoint %s has no analysis", e);

    /* What the pass really read: the result says so, and the bill follows it. */
    if (n > 0) {
        json_t *mj = json_object_get(res, "media");
        if (m->truncated || m->limited) {
            json_object_set_new(mj, "covered_s",
                                json_real(floor(m->covered_s * 1000 + 0.5) / 1000));
            json_object_set_new(mj, m->truncated ? "truncated" : "limited", json_true());
            if (m->truncated && m->video_idx >= 0) /* frames the file really holds */
                json_object_set_new(mj, "frame_count",
                                    json_integer((json_int_t)floor(m->covered_s * m->fps)));
        }
        if (m->covered_s > 0 && m->covered_s < bill_s)
            bill_s = m->covered_s;
    }
    if (job->reserved_s > 0 && bill_s > job->reserved_s)
        bill_s = job->reserved_s;
    /* The bill: the same pricing function as the estimate, on what was done. */
    {
        json_t *priced = miq_json_pool(p, json_deep_copy(params));
        json_t *frames = json_object_get(res, "frames");
        if (!strcmp(e, "video/frames") && json_is_array(frames)) {
            json_t *ts = json_array(), *f;
            size_t i;
            json_array_foreach(frames, i, f)
            {
                json_array_append_new(ts, json_real(miq_json_num(f, "time", 0)));
            }
            json_object_del(priced, "every_s");
            json_object_del(priced, "at_scenes");
            json_object_set_new(priced, "timestamps", ts);
        }
        err = miq_pricing_estimate(pricing, p, e, bill_s, priced, &q);
        if (err) {
            *code = "server_error";
            return apr_psprintf(p, "pricing the result failed: %s", err);
        }
        *cost_credits = q.credits;
    }
    *result = res;
    *code = NULL;
    return NULL;
}
