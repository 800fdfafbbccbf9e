/* The items of video/scenes' result (see miqw_scenes_json.h). */
#include "analyses/miqw_scenes_json.h"
#include "analyses/miqw_video.h"
#include "base/miq_text.h"

#define DETECTOR "keyframe-gop-refine"

static json_t *det_params(const miqw_scene_params *sp)
{
    return json_pack("{s:f,s:f,s:f,s:f}", "threshold", sp->threshold, "min_scene_s",
                     sp->min_scene_s, "black_min_s", sp->black_min_s, "frozen_min_s",
                     sp->frozen_min_s);
}

static void put_point(json_t *o, const miqw_media *m, apr_pool_t *p, const char *tkey,
                      const char *fkey, const char *tckey, int64_t frame)
{
    double t = m->fps > 0 ? frame / m->fps : 0;
    const char *tc = miq_text_timecode(p, t, m->fps > 0 ? m->fps : 25);
    json_object_set_new(o, tkey, json_real(miqw_ms(t)));
    json_object_set_new(o, fkey, json_integer(frame));
    json_object_set_new(o, tckey, json_string(tc ? tc : "00:00:00:00"));
}

/* score, detector, params: the tail of every item */
static json_t *finish_item(json_t *o, const miqw_scene_params *sp, double score)
{
    json_object_set_new(o, "score", json_real(miqw_ms(score)));
    json_object_set_new(o, "detector", json_string(DETECTOR));
    json_object_set_new(o, "params", det_params(sp));
    return o;
}

json_t *miqw_scene_item(const miqw_media *m, const miqw_scene_params *sp, apr_pool_t *p, int idx,
                        int64_t f0, int64_t f1, double score)
{
    json_t *o = json_object();
    json_object_set_new(o, "index", json_integer(idx));
    put_point(o, m, p, "start", "start_frame", "start_tc", f0);
    put_point(o, m, p, "end", "end_frame", "end_tc", f1);
    json_object_set_new(o, "duration", json_real(miqw_ms(m->fps > 0 ? (f1 - f0) / m->fps : 0)));
    return finish_item(o, sp, score);
}

json_t *miqw_change_item(const miqw_media *m, const miqw_scene_params *sp, apr_pool_t *p,
                         const char *type, int64_t fr, int64_t f0, int64_t f1, double score)
{
    json_t *o = json_object();
    put_point(o, m, p, "time", "frame", "timecode", fr);
    json_object_set_new(o, "type", json_string(type));
    put_point(o, m, p, "start", "start_frame", "start_tc", f0);
    put_point(o, m, p, "end", "end_frame", "end_tc", f1);
    return finish_item(o, sp, score);
}

json_t *miqw_stretch_item(const miqw_media *m, const miqw_scene_params *sp, apr_pool_t *p,
                          int64_t f0, int64_t f1, double score)
{
    json_t *o = json_object();
    put_point(o, m, p, "start", "start_frame", "start_tc", f0);
    put_point(o, m, p, "end", "end_frame", "end_tc", f1);
    json_object_set_new(o, "duration", json_real(miqw_ms(m->fps > 0 ? (f1 - f0) / m->fps : 0)));
    return finish_item(o, sp, score);
}
