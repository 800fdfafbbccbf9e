/* video/frames: exact frames at timestamps (seek to the keyframe before, decode
 * forward to the frame shown at that time), scaled and encoded as JPEG, PNG or
 * WebP with libavcodec. Uses the shared helpers of miqw_video.h, never the
 * scene detector: at_scenes takes the cuts of a scene pass its caller ran. */
#ifndef MIQW_FRAMES_H
#define MIQW_FRAMES_H

#include "miqw_media.h"
#include "analyses/miqw_video.h"

/* Extracts frames per params (timestamps | every_s | at_scenes, max_frames,
 * width, format) into out_dir (which must exist). at_scenes uses
 * scene_cuts (the "cuts" array of a video/scenes result, which the caller
 * runs first: miqw_jobrun.c); at_scenes without cuts is a caller error. Adds
 * "frames": [{index, time, requested_time, frame, timecode, file, width,
 * height, format, bytes, detector, params, score}] to result; "file" is the
 * name relative to out_dir (the job layer adds URLs). NULL, or an error with
 * *code ("unsupported_media", "invalid_request", "server_error"). */
const char *miqw_frames_extract(apr_pool_t *p, miqw_media *m, const json_t *params,
                                const json_t *scene_cuts, const char *out_dir, json_t *result,
                                const char **code);

#endif
