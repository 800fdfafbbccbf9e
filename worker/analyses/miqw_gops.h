/* The GOPs of the scene pass (miqw_scenes.c) and which of them the refine
 * decodes: what the pass learnt of each GOP from its packets and its
 * keyframes, and the rules that make a GOP a candidate. */
#ifndef MIQW_GOPS_H
#define MIQW_GOPS_H

#include <stdint.h>
#include "miqw_media.h"

/* GOPs longer than this are always decoded. */
#define MIQW_LONG_GOP_S 10.0

/* A GOP next to one whose keyframes differ is decoded too when its own
 * change along the way of that change (a dissolve spilling over the keyframe
 * between them) reaches this share of the threshold (miqw_gops.c). */
#define MIQW_SPILL 0.2

/* G_SAME: the next keyframe is frozen against this one (freezedetect test).
 * G_PROBED: the pass decoded the frame after this keyframe (done in and
 * after a GOP of tiny packets shorter than the shortest still stretch
 * reported); G_HELD: that frame may share a frozen stretch with the
 * keyframe (miqw_thumb_may_share_freeze). */
enum { G_SUSPECT = 1, G_STILL = 2, G_BLACK = 4, G_SAME = 8, G_PROBED = 16, G_HELD = 32 };

typedef struct miqw_gop {
    int64_t pts;        /* keyframe pts, stream time base */
    int64_t last_pts;   /* latest pts of the GOP's packets */
    int64_t last_big;   /* latest pts of a packet that is not tiny, INT64_MIN none */
    int64_t last_spike; /* latest pts of a packet-size spike, INT64_MIN none */
    int64_t last_still; /* latest pts of a packet in a run of TINY_RUN tiny ones, INT64_MIN */
    double diff;        /* thumbnail difference to the next keyframe, -1 unknown */
    double along;       /* where this keyframe lies from the previous to the next (least
                         * squares, 0: the previous, 1: the next), NAN unknown */
    double across;      /* thumbnail difference from the previous keyframe to the next, -1 */
    int flags, packets;
} miqw_gop;

/* GOP j of gops[0..n) needs a full decode: its keyframes differ (gain x
 * difference >= threshold / 2), a packet-size spike, longer than
 * MIQW_LONG_GOP_S, the last one, still (unless no stretch still_min_s long
 * can be in it: see miqw_gops.c) or black, or next to one whose keyframes
 * differ while its own moved along the way of that change (a dissolve
 * spilling over). fdur: one frame in seconds; still_min_s: the shorter of
 * the shortest black and frozen stretches reported. */
int miqw_gop_candidate(const miqw_gop *gops, int n, const miqw_media *m, double gain,
                       double threshold, int j, double fdur, double still_min_s);

/* Where thumbnail k lies on the way from a to b (64x36 YUV, MIQW_TSIZE
 * bytes): the least-squares alpha of k = a + alpha (b - a); NAN when a and
 * b are alike (no way to measure it). */
double miqw_key_along(const uint8_t *a, const uint8_t *k, const uint8_t *b);

#endif
