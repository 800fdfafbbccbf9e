/* video/scenes as a consumer of the one demux pass, coarse to fine:
 *  - during the pass only keyframe packets are decoded, each into a 64x36
 *    box-filtered YUV thumbnail compared with the previous keyframe's; every
 *    non-key packet's size is watched for a spike (a cut inside a GOP makes the
 *    encoder spend intra bits on the frame after it, even when the keyframes
 *    around it look alike);
 *  - finish() seeks back and fully decodes (reduced work: no deblocking,
 *    thumbnails only) just the GOPs whose boundary keyframes differ, that had a
 *    size spike, that are longer than 10 s, or the last one, and places each
 *    cut on its exact frame: a cut is a frame whose difference to the previous
 *    frame stands out from its neighbours' differences (so fast motion, which
 *    changes every frame, does not cut). All-intra streams are decided from
 *    the pass alone. GOPs with still or black pictures (tiny packets, a
 *    black keyframe) and GOPs next to a change a dissolve may spill into are
 *    decoded too, and every decoded frame also feeds miqw_shots.h. A still
 *    GOP (keyframes frozen against each other, tiny packets) is decoded only
 *    up to its last packet that is not tiny; its later frames are copies.
 *    After a cut, the rest of its GOP is skipped when the next keyframe (read
 *    ahead, decoded alone: miqw_peek.h) is unchanged against the frame after
 *    the cut and the packets show nothing else.
 * Memory: a few thumbnails, and 40 bytes per keyframe (150 kB for 2 hours of
 * 2-second GOPs). */
#ifndef MIQW_SCENES_H
#define MIQW_SCENES_H

#include "miqw_media.h"

/* params: threshold (0.3), min_scene_s (1.0), black_min_s (2), frozen_min_s
 * (2); NULL means defaults. finish() adds "cuts" [{time, frame, timecode,
 * type (cut, dissolve, fade), start, end (+ frames, timecodes), score,
 * detector, params}] (gradual changes from miqw_shots.h), "black" and
 * "frozen" [{start, end, duration, frames, timecodes, score, ...}], "scenes"
 * [{index, start, end, duration, start_frame, end_frame, start_tc, end_tc,
 * score, detector, params}] and "stats": {"scenes": {decoded_frames,
 * still_frames (taken as copies, not decoded), keyframe_frames, total_frames,
 * decoded_ratio, keyframes, refined_gops, seeks, rest_skipped_frames (after
 * cuts, not decoded)}}.
 * NULL with *err when m has no video stream (*err is MIQW_NO_VIDEO from
 * miqw_video.h: report "unsupported_media") or the decoder cannot open
 * (server_error). */
miqw_consumer *miqw_scene_consumer(apr_pool_t *p, miqw_media *m, const json_t *params,
                                   const char **err);

#endif
