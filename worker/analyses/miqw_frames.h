/* video/frames: exact frames at timestamps (seek to the keyframe before, decode
 * forward to the frame shown at that time), scaled and encoded as JPEG, PNG or
 * WebP with libavcodec. Also the small video helpers the scene detector and the
 * clip cutter share (decoder setup, time <-> frame number). */
#ifndef MIQW_FRAMES_H
#define MIQW_FRAMES_H

#include "miqw_media.h"

/* Message for media without a video stream (code "unsupported_media"). */
#define MIQW_NO_VIDEO "the media has no video stream"

/* A decoder for m's video stream, freed with avcodec_free_context(). fast: skip
 * the in-loop deblocking filter (cheaper; fine for analysis thumbnails, never
 * for output images). NULL with *err on failure. */
AVCodecContext *miqw_video_decoder(const miqw_media *m, int fast, const char **err);

/* Seconds of a video frame's best-effort timestamp (0 = first frame), -1 if none. */
double miqw_frame_seconds(const miqw_media *m, const AVFrame *f);
/* Frame number (0-based) of a time in seconds at the media's frame rate. */
int64_t miqw_frame_number(const miqw_media *m, double t);
/* Stream timestamp of t seconds in the video stream (adds the stream start). */
int64_t miqw_video_ts(const miqw_media *m, double t);
/* Seconds rounded to the millisecond (what results carry). */
double miqw_ms(double t);

/* Extracts frames per params (timestamps | every_s | at_scenes, max_frames,
 * width, format) into out_dir (which must exist). at_scenes uses
 * scene_cuts_or_NULL (the "cuts" array of a video/scenes result); when NULL it
 * runs the scene detector itself (one pass, scene_threshold). Adds
 * "frames": [{index, time, requested_time, frame, timecode, file, width,
 * height, format, bytes, detector, params, score}] to result; "file" is the
 * name relative to out_dir (the job layer adds URLs). NULL, or an error with
 * *code ("unsupported_media", "invalid_request", "server_error"). */
const char *miqw_frames_extract(apr_pool_t *p, miqw_media *m, const json_t *params,
                                const json_t *scene_cuts_or_NULL, const char *out_dir,
                                json_t *result, const char **code);

#endif
