/* The scene changes of video/scenes (see miqw_changes.h). */
#include <stdlib.h>
#include <string.h>
#include "analyses/miqw_changes.h"
#include "analyses/miqw_video.h"

/* A fade-out and a fade-in at most this far apart are one fade. */
#define FADE_PAIR_S 3.0

void miqw_changes_add(miqw_changes *c, int type, int64_t start, int64_t pts, int64_t end,
                      double score)
{
    if (c->n == c->cap) {
        int cap = c->cap ? c->cap * 2 : 32;
        miqw_change *n = realloc(c->v, cap * sizeof(*n));
        if (!n) {
            c->failed = 1;
            return;
        }
        c->v = n;
        c->cap = cap;
    }
    c->v[c->n].pts = pts;
    c->v[c->n].start = start;
    c->v[c->n].end = end;
    c->v[c->n].type = type;
    c->v[c->n].score = score > 1 ? 1 : score;
    c->n++;
}

void miqw_changes_free(miqw_changes *c)
{
    free(c->v);
    c->v = NULL;
    c->n = c->cap = 0;
}

static double secs(const miqw_media *m, int64_t pts)
{
    return miqw_ts_seconds(m, m->video_idx, pts);
}

/* A black or frozen stretch as JSON (frame-snapped like the scenes). */
static json_t *still_json(const miqw_media *m, const miqw_scene_params *sp, apr_pool_t *p,
                          const miqw_shot_event *e)
{
    return miqw_stretch_item(m, sp, p, miqw_frame_number(m, secs(m, e->start)),
                             miqw_frame_number(m, secs(m, e->end)), e->score);
}

static int event_cmp(const void *a, const void *b)
{
    const miqw_shot_event *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

/* A lone half of a fade is the start or end of the media, or a black
 * stretch ended by a cut, which the cut test reports. */
int miqw_changes_join(miqw_changes *c, const miqw_media *m, const miqw_scene_params *sp,
                      apr_pool_t *p, miqw_shots *const *shots, int nshots, int64_t frame_ts,
                      json_t *black, json_t *frozen)
{
    int i, j, k, n = 0, failed = 0;
    miqw_shot_event *ev;
    for (k = 0; k < nshots; k++) {
        int nk, fk;
        miqw_shots_events(shots[k], &nk, &fk);
        n += nk;
        failed |= fk;
    }
    if (failed || !(ev = malloc(sizeof(*ev) * (n + 1))))
        return -1;
    for (k = 0, n = 0; k < nshots; k++) {
        int nk, fk;
        const miqw_shot_event *ek = miqw_shots_events(shots[k], &nk, &fk);
        if (nk)
            memcpy(ev + n, ek, sizeof(*ev) * nk);
        n += nk;
    }
    qsort(ev, n, sizeof(*ev), event_cmp);
    for (i = 0; i < n; i++) {
        miqw_shot_event *e = &ev[i];
        double len = secs(m, e->end) - secs(m, e->start);
        if (e->type == MIQW_BLACK && len >= sp->black_min_s - 1e-6)
            json_array_append_new(black, still_json(m, sp, p, e));
        else if (e->type == MIQW_FROZEN && len >= sp->frozen_min_s - 1e-6)
            json_array_append_new(frozen, still_json(m, sp, p, e));
        else if (e->type == MIQW_DISSOLVE)
            miqw_changes_add(c, MIQW_DISSOLVE, e->start, e->take, e->end, e->score);
        else if (e->type == MIQW_FADE_OUT)
            for (j = i + 1; j < n; j++) {
                miqw_shot_event *f = &ev[j];
                if (secs(m, f->start) - secs(m, e->end) > FADE_PAIR_S)
                    break;
                if (f->type == MIQW_FADE_IN && f->start >= e->end) {
                    /* the new shot starts with the first frame after the black */
                    miqw_changes_add(c, MIQW_FADE_OUT, e->start, f->start + frame_ts, f->end,
                                     e->score > f->score ? e->score : f->score);
                    f->type = 0;
                    break;
                }
            }
    }
    free(ev);
    if (c->failed)
        return -1;
    /* Hard cuts inside a gradual span (a frame of it that jumps) are that change. */
    for (i = 0; i < c->n; i++)
        if (c->v[i].type)
            for (j = 0; j < c->n; j++)
                if (!c->v[j].type && c->v[j].pts >= c->v[i].start && c->v[j].pts <= c->v[i].end)
                    c->v[j].score = -1;
    for (i = j = 0; i < c->n; i++)
        if (c->v[i].score >= 0)
            c->v[j++] = c->v[i];
    c->n = j;
    return 0;
}

static int change_cmp(const void *a, const void *b)
{
    const miqw_change *x = a, *y = b;
    return x->pts < y->pts ? -1 : x->pts > y->pts;
}

static json_t *change_json(const miqw_media *m, const miqw_scene_params *sp, apr_pool_t *p,
                           const miqw_change *c, int64_t fr)
{
    const char *type = c->type == MIQW_DISSOLVE ? "dissolve" : c->type ? "fade" : "cut";
    return miqw_change_item(m, sp, p, type, fr,
                            c->type ? miqw_frame_number(m, secs(m, c->start)) : fr,
                            c->type ? miqw_frame_number(m, secs(m, c->end)) : fr, c->score);
}

void miqw_changes_lists(miqw_changes *c, const miqw_media *m, const miqw_scene_params *sp,
                        apr_pool_t *p, int64_t end_frame, json_t *scenes, json_t *cuts)
{
    double last_t = 0, prev_score = 1;
    int64_t f0 = 0;
    int i, idx = 0;
    if (c->n > 1) /* no changes: c->v is NULL, which qsort must not get */
        qsort(c->v, c->n, sizeof(*c->v), change_cmp);
    for (i = 0; i < c->n; i++) {
        double t = secs(m, c->v[i].pts);
        int64_t fr = miqw_frame_number(m, t);
        if (fr <= f0 || t - last_t < sp->min_scene_s - 1e-6 || fr >= end_frame)
            continue;
        json_array_append_new(scenes, miqw_scene_item(m, sp, p, idx++, f0, fr, prev_score));
        json_array_append_new(cuts, change_json(m, sp, p, &c->v[i], fr));
        f0 = fr;
        last_t = t;
        prev_score = c->v[i].score;
    }
    if (end_frame > f0)
        json_array_append_new(scenes, miqw_scene_item(m, sp, p, idx, f0, end_frame, prev_score));
}
