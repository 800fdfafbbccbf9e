/* Which GOPs the scene refine decodes (see miqw_gops.h). */
#include "analyses/miqw_gops.h"

/* A GOP next to a candidate is decoded too when its keyframes changed at
 * least this share of the threshold (a dissolve spilling over a keyframe). */
#define SPILL 0.2

typedef miqw_gop gop;
typedef struct gop_set {
    const gop *gops;
    int ngops;
    const miqw_media *m;
    double gain, threshold;
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

/* ... or it holds a still or black stretch (tiny packets, a black keyframe
 * at either end), or it borders a GOP whose keyframes differ and its own
 * keyframes moved enough for a dissolve to spill into it. */
static int candidate(const gop_set *s, int j, double fdur)
{
    const gop *g = &s->gops[j];
    if (adjacent(s, j, fdur))
        return 0;
    if (changed(s, j, fdur) || (g->flags & (G_STILL | G_BLACK)) ||
        (j + 1 < s->ngops && (s->gops[j + 1].flags & G_BLACK)))
        return 1;
    return s->gain * g->diff >= s->threshold * SPILL &&
           (moved(s, j - 1, fdur) || moved(s, j + 1, fdur));
}

int miqw_gop_candidate(const miqw_gop *gops, int n, const miqw_media *m, double gain,
                       double threshold, int j, double fdur)
{
    gop_set s = {gops, n, m, gain, threshold};
    return candidate(&s, j, fdur);
}
