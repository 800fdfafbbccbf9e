/* Gradual transitions and still stretches from a stream of analysis
 * thumbnails (the 64x36 YUV 4:2:0 images the scene detector decodes):
 *  - dissolves: a run of frames that are, each, a blend of the frame before
 *    the run and the frame after it (alpha rising, small residual), with no
 *    single step carrying the change (that is a hard cut). A blend towards a
 *    black frame is a fade-out, from one a fade-in; the scene detector pairs
 *    a fade-out with the following fade-in into one "fade";
 *  - black stretches (blackdetect semantics: a picture is black when 98% of
 *    its pixels are at most 10% above video black);
 *  - frozen stretches (freezedetect semantics: every frame within -60 dB mean
 *    absolute difference of the first frame of the stretch; black excluded).
 * Frames must come in display order; miqw_shots_reset() marks a gap (the
 * next frame does not follow the previous one). Memory: a ring of 128
 * thumbnails and the events found. */
#ifndef MIQW_SHOTS_H
#define MIQW_SHOTS_H

#include <stdint.h>

#define MIQW_TW    64
#define MIQW_TH    36
#define MIQW_TY    (MIQW_TW * MIQW_TH)
#define MIQW_TC    ((MIQW_TW / 2) * (MIQW_TH / 2))
#define MIQW_TSIZE (MIQW_TY + 2 * MIQW_TC)

enum { MIQW_DISSOLVE = 1, MIQW_FADE_OUT, MIQW_FADE_IN, MIQW_BLACK, MIQW_FROZEN };

/* A transition (start: last frame of the old shot before any blending;
 * take: first frame where the new shot dominates; end: first frame of the new
 * shot alone) or a still stretch (start: first frame; end: first frame after
 * it, or the end pts of the last frame). Stream timestamps. */
typedef struct miqw_shot_event {
    int type;
    int64_t start, take, end;
    double score; /* 0..1 */
} miqw_shot_event;

typedef struct miqw_shots miqw_shots;

/* gain: score = gain x thumbnail difference (as the cut detector);
 * threshold: a transition's score must reach it. NULL when out of memory. */
miqw_shots *miqw_shots_new(double gain, double threshold);
void miqw_shots_free(miqw_shots *s);
/* Mean absolute difference of two thumbnails, luma weighted twice, 0..1. */
double miqw_thumb_diff(const uint8_t *a, const uint8_t *b);
/* The thumbnail is a black picture (the blackdetect test above). */
int miqw_thumb_black(const uint8_t *thumb);
/* thumb is frozen against ref (the freezedetect test above). */
int miqw_thumb_frozen(const uint8_t *ref, const uint8_t *thumb);
/* a and b may belong to one frozen stretch: each within the freezedetect
 * limit of its first frame puts them within twice that of each other. */
int miqw_thumb_may_share_freeze(const uint8_t *a, const uint8_t *b);
/* One decoded frame: pts and the pts after it (pts + duration). */
void miqw_shots_frame(miqw_shots *s, int64_t pts, int64_t next_pts, const uint8_t *thumb);
/* A transition or still stretch is being followed: keep decoding. */
int miqw_shots_open(const miqw_shots *s);
/* A black (MIQW_BLACK_OPEN) or a frozen stretch (MIQW_FROZEN_OPEN) of at
 * least two frames is being followed: a mask, 0 for none. */
enum { MIQW_BLACK_OPEN = 1, MIQW_FROZEN_OPEN = 2 };
int miqw_shots_still_open(const miqw_shots *s);
/* No transition is open and none can open on the frames fed so far: no
 * window that is judged only once more frames come (its far side) has ends
 * that differ enough and a blend between them. */
int miqw_shots_settled(const miqw_shots *s);
/* The frames stop here (end of a decoded run): closes what is open. */
void miqw_shots_reset(miqw_shots *s);
/* The events found so far (unsorted), and whether memory ran out. */
const miqw_shot_event *miqw_shots_events(const miqw_shots *s, int *n, int *failed);

#endif
