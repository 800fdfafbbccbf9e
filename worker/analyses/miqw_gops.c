/* Which GOPs the scene refine decodes (see miqw_gops.h). */
#include <math.h>
#include "analyses/miqw_gops.h"
#include "analyses/miqw_shots.h"

/* MIQW_SPILL: a shot that changes on its own (cells, grain, a crowd)
 * changes across the way of its neighbour's change: its keyframe sits at the
 * near end of it. */
#define SPILL MIQW_SPILL

typedef miqw_gop gop;
typedef struct gop_set {
    const gop *gops;
    int ngops;
    const miqw_media *m;
    double gain, threshold, still_min_s;
} gop_set;

static int adjacent(const gop_set *s, int j, double fdur)
{
    return j + 1 < s->ngops && miqw_ts_seconds(s->m, s->m->video_idx, s->gops[j + 1].pts) -
                                       miqw_ts_seconds(s->m, s->m->video_idx, s->gops[j].pts) <=
                                   fdur * 1.5;
}

/* GOP j needs a full decode unless its keyframes prove nothing happened. */
static int changed(const gop_set *s, int j, double fdur)
{
    const gop *g = &s->gops[j];
    double span;
    if (j == s->ngops - 1)
        return 1;
    span = miqw_ts_seconds(s->m, s->m->video_idx, s->gops[j + 1].pts) -
           miqw_ts_seconds(s->m, s->m->video_idx, g->pts);
    if (span <= fdur * 1.5)
        return 0; /* adjacent keyframes: decided without decoding (all-intra) */
    return g->diff < 0 || (g->flags & G_SUSPECT) || span > MIQW_LONG_GOP_S ||
           s->gain * g->diff >= s->threshold * 0.5;
}

/* GOP j's keyframes differ: a dissolve may be in it (a cut alone shows as a
 * packet-size spike, which no dissolve spills out of). */
static int moved(const gop_set *s, int j, double fdur)
{
    return j >= 0 && j + 1 < s->ngops && !adjacent(s, j, fdur) &&
           (s->gops[j].diff < 0 || s->gain * s->gops[j].diff >= s->threshold * 0.5);
}

/* GOP j shares keyframe j (side -1) or j + 1 (side +1) with a GOP whose
 * keyframes differ: its change along the way from the keyframe before that
 * one to the keyframe after it (the whole change when unknown). */
static double spilled(const gop_set *s, int j, int side)
{
    const gop *k = side < 0 ? &s->gops[j] : &s->gops[j + 1];
    if (isnan(k->along) || k->across < 0)
        return s->gops[j].diff;
    /* either direction: a keyframe past either end means the picture went
     * on, or turned back, within GOP j */
    return fabs(side < 0 ? 1 - k->along : k->along) * k->across;
}

/* GOP j's tiny packets hold no black or frozen stretch long enough to be
 * reported. Tiny packets cost a picture that moves uniformly (a scroll,
 * cellular automata) as little as a still one; what rules a stretch out:
 * its keyframes are not frozen against each other (G_SAME) nor black, no
 * stretch that long fits between them (the GOP is shorter than
 * still_min_s: one that long would take in a keyframe and a frame beside
 * it), and the frame after each keyframe differs from it (not G_HELD: a
 * stretch that took in keyframe j and went on, or one that began inside
 * the GOP and went on past keyframe j + 1, would have it frozen). */
static int still_ruled_out(const gop_set *s, int j)
{
    const gop *g = &s->gops[j], *n;
    if (j + 1 >= s->ngops)
        return 0;
    n = &s->gops[j + 1];
    return !(g->flags & (G_SAME | G_BLACK | G_HELD)) && (g->flags & G_PROBED) &&
           !(n->flags & (G_BLACK | G_HELD)) && (n->flags & G_PROBED) &&
           miqw_ts_seconds(s->m, s->m->video_idx, n->pts) -
                   miqw_ts_seconds(s->m, s->m->video_idx, g->pts) <
               s->still_min_s - 1e-6;
}

/* ... or it holds a still or black stretch (tiny packets, a black keyframe
 * at either end), or it borders a GOP whose keyframes differ and changed
 * enough along the way of that change for a dissolve to spill into it. */
static int candidate(const gop_set *s, int j, double fdur)
{
    const gop *g = &s->gops[j];
    if (adjacent(s, j, fdur))
        return 0;
    if (changed(s, j, fdur) || (g->flags & G_BLACK) ||
        ((g->flags & G_STILL) && !still_ruled_out(s, j)) ||
        (j + 1 < s->ngops && (s->gops[j + 1].flags & G_BLACK)))
        return 1;
    return s->gain * g->diff >= s->threshold * SPILL &&
           ((moved(s, j - 1, fdur) && s->gain * spilled(s, j, -1) >= s->threshold * SPILL) ||
            (moved(s, j + 1, fdur) && s->gain * spilled(s, j, 1) >= s->threshold * SPILL));
}

int miqw_gop_candidate(const miqw_gop *gops, int n, const miqw_media *m, double gain,
                       double threshold, int j, double fdur, double still_min_s)
{
    gop_set s = {gops, n, m, gain, threshold, still_min_s};
    return candidate(&s, j, fdur);
}

double miqw_key_along(const uint8_t *a, const uint8_t *k, const uint8_t *b)
{
    double num = 0, den = 0;
    int i;
    for (i = 0; i < MIQW_TSIZE; i++) {
        int d = b[i] - a[i];
        num += (double)(k[i] - a[i]) * d;
        den += (double)d * d;
    }
    /* alike within a grey level a sample: no direction to measure along */
    return den <= MIQW_TSIZE ? NAN : num / den;
}
