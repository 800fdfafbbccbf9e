/* Video test media for the transition, still, rotation, timestamp and
 * truncation suites, made with the ffmpeg CLI at test time (see
 * wtest_media.h for where files go). Every file is H.264 at 25 fps with fixed
 * 48-frame GOPs and no encoder scene-cut keyframes (`-g 48 -keyint_min 48
 * -sc_threshold 0`), so changes fall inside GOPs, unless said otherwise.
 * Each returns the path (cached: made once per directory) or NULL. */
#ifndef WTEST_MEDIA_VIDEO_H
#define WTEST_MEDIA_VIDEO_H

#include <apr_pools.h>

#define WTV_W   320
#define WTV_H   180
#define WTV_FPS 25

/* 25.8 s, five scene changes (frames at 25 fps):
 *  crossfade (xfade=fade)      frames 100..125, new shot takes over ~112
 *  pixel dissolve (xfade=dissolve) 200..225, ~212
 *  fade through black (xfade=fadeblack) 300..325, new shot from ~313
 *  hard cut                    425
 *  fade out (0.8 s) then fade in (0.8 s): black at 545, new shot from 546
 * plus a one-frame white flash at frame 50 (not a change). */
/* first and last frame of each change */
extern const int wtv_trans_spans[5][2];
const char *wtv_transitions(apr_pool_t *p);

/* 20 s, one hard cut at frame 300: a pan over one picture, slow (2 px/frame)
 * with a 0.6 s whip (40 px/frame) in the middle, then a slow zoom. */
#define WTV_PANS_CUT 300
const char *wtv_no_changes(apr_pool_t *p);

/* 14.5 s: moving 3 s, black 2.52 s [75, 138), moving 3 s, frozen 3 s
 * [213, 288) (one frame held), moving 3 s. */
#define WTV_BLACK_START  75
#define WTV_BLACK_END    138
#define WTV_FROZEN_START 213
#define WTV_FROZEN_END   288
const char *wtv_stills(apr_pool_t *p);

/* The transitions file with a display matrix of 90 degrees (stored 320x180,
 * shown 180x320). */
const char *wtv_rotated(apr_pool_t *p);

/* 720x576 with a sample aspect ratio of 64:45 (shown 1024x576), 4 s. */
const char *wtv_anamorphic(apr_pool_t *p);

/* The transitions file as MPEG-TS whose timestamps start at 10 s
 * (-output_ts_offset 10). */
const char *wtv_ts_offset(apr_pool_t *p);

/* The first fraction of the TS file's bytes (cut mid-packet). */
const char *wtv_truncated_ts(apr_pool_t *p, double fraction, const char *name);

/* The first bytes of src (head -c) as dir/name. */
const char *wtv_head(apr_pool_t *p, const char *src, const char *name, long bytes);

#endif
