/* The small video helpers the analyses share: a decoder for the media's video
 * stream (with the worker's decode limits) and time <-> frame number. Used by
 * scenes, frames and clips; uses nothing of theirs, so the analyses depend on
 * it one way. */
#ifndef MIQW_VIDEO_H
#define MIQW_VIDEO_H

#include "miqw_media.h"

/* Message for media without a video stream (code "unsupported_media"). */
#define MIQW_NO_VIDEO "the media has no video stream"

/* A decoder for m's video stream, freed with avcodec_free_context(). fast
 * (flags): MIQW_DEC_FAST skips the in-loop deblocking filter (cheaper; fine
 * for analysis thumbnails, never for output images); MIQW_DEC_ONE_THREAD
 * decodes in the caller's thread (for single keyframes: no frame-thread
 * buffers). NULL with *err on failure. */
enum { MIQW_DEC_FAST = 1, MIQW_DEC_ONE_THREAD = 2 };
AVCodecContext *miqw_video_decoder(const miqw_media *m, int fast, const char **err);

/* An analysis thumbnail of f: tw x th YUV 4:2:0 (tw, th even), area
 * averaged, planes one after the other in out. 8-bit 4:2:0 frames are
 * averaged directly (cheaper than swscale's area filter, the same boxes);
 * other formats go through *sws (cached; free with sws_freeContext). 0 or -1. */
#define MIQW_VIDEO_MAX_W 8192
struct SwsContext;
int miqw_video_thumb(struct SwsContext **sws, const AVFrame *f, uint8_t *out, int tw, int th);
/* Seconds of a video frame's best-effort timestamp (0 = first frame), -1 if none. */
double miqw_frame_seconds(const miqw_media *m, const AVFrame *f);
/* Frame number (0-based) of a time in seconds at the media's frame rate. */
int64_t miqw_frame_number(const miqw_media *m, double t);
/* Stream timestamp of t seconds in the video stream (adds the stream start). */
int64_t miqw_video_ts(const miqw_media *m, double t);
/* Scales src into dst (allocated; its size and pixel format are the upright
 * output's), turned clockwise by m->rotation as the file asks: frames and
 * clips come out as the picture is shown. *sws and *tmp are cached between
 * calls (free with sws_freeContext / av_frame_free). 0 or -1. */
struct SwsContext;
int miqw_scale_upright(const miqw_media *m, struct SwsContext **sws, AVFrame **tmp,
                       const AVFrame *src, AVFrame *dst);
/* Seconds rounded to the millisecond (what results carry). */
double miqw_ms(double t);

#endif
