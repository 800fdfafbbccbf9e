/* timeline/moments: merges the analyses of one pass (silences, loudness
 * peaks, scenes) into one typed timeline and ranks highlight clips. Pure:
 * JSON in, JSON out; deterministic for the same input. */
#ifndef MIQ_TIMELINE_H
#define MIQ_TIMELINE_H

#include <apr_pools.h>
#include <jansson.h>

/* analysis: the merged results of the pass ("silences", "speech_ratio",
 * "peaks", "energy_window_s", "integrated_lufs", "scenes", "cuts"; any may be
 * absent). params: timeline/moments params with defaults applied.
 * fps: video frame rate (0 without video) for frame numbers and timecodes.
 * Returns {segments:[...], highlights:[...], speech_ratio?, integrated_lufs?}. */
json_t *miq_timeline_merge(apr_pool_t *p, const json_t *analysis, const json_t *params,
                           double duration_s, double fps);

/* Adds start_frame/end_frame/start_tc/end_tc to a {start,end} item (fps > 0). */
void miq_timeline_frames(apr_pool_t *p, json_t *item, double fps);

#endif
