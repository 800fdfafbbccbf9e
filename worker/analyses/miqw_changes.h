/* The scene changes video/scenes finds (see miqw_scenes.h): hard cuts from
 * the spike test, dissolves and paired fades from the shot detectors, and
 * how they become the result's lists of scenes and changes. */
#ifndef MIQW_CHANGES_H
#define MIQW_CHANGES_H

#include <stdint.h>
#include <apr_pools.h>
#include <jansson.h>
#include "miqw_media.h"
#include "analyses/miqw_scenes_json.h"
#include "analyses/miqw_shots.h"

/* pts is where the new shot takes over; gradual ones span [start, end] (a
 * hard cut: start = end = pts). type: 0 = cut, else MIQW_DISSOLVE or
 * MIQW_FADE_OUT (a paired fade). */
typedef struct miqw_change {
    int64_t pts, start, end;
    double score;
    int type;
} miqw_change;

/* A growing list (zeroed to start); failed once a growth failed. */
typedef struct miqw_changes {
    miqw_change *v;
    int n, cap, failed;
} miqw_changes;

void miqw_changes_add(miqw_changes *c, int type, int64_t start, int64_t pts, int64_t end,
                      double score);

/* The shot detectors' events (shots[0..nshots)): dissolves and paired fades
 * join the changes, black and frozen stretches of at least their minimum go
 * to the lists; a hard cut inside a gradual span is dropped as part of it.
 * frame_ts: one frame in stream units. -1 when out of memory. */
int miqw_changes_join(miqw_changes *c, const miqw_media *m, const miqw_scene_params *sp,
                      apr_pool_t *p, miqw_shots *const *shots, int nshots, int64_t frame_ts,
                      json_t *black, json_t *frozen);

/* The changes in time order as the result's scenes and changes, frame-snapped:
 * changes less than min_scene_s after the one before, or at or past
 * end_frame, are left out. */
void miqw_changes_lists(miqw_changes *c, const miqw_media *m, const miqw_scene_params *sp,
                        apr_pool_t *p, int64_t end_frame, json_t *scenes, json_t *cuts);

void miqw_changes_free(miqw_changes *c);

#endif
