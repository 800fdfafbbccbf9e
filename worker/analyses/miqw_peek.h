/* Read-ahead for the scene refine (miqw_scenes.c): the video packets up to a
 * keyframe are queued, and the keyframe alone is decoded by a decoder of its
 * own into a thumbnail, so that the refine can decide whether to decode the
 * frames before it or to skip them, without a seek and without decoding
 * anything twice. The refine then takes its packets from the queue first.
 * Memory: the queued packets (at most MIQW_PEEK_MAX_BYTES). */
#ifndef MIQW_PEEK_H
#define MIQW_PEEK_H

#include <stdint.h>
#include <libavcodec/avcodec.h>
#include <libswscale/swscale.h>
#include "miqw_media.h"

/* A GOP of more is decoded rather than read ahead: its packets would raise
 * the job's peak memory (noise at 720p: 13 MB a GOP) for one keyframe. */
#define MIQW_PEEK_MAX_BYTES (4 << 20)

typedef struct miqw_peek {
    AVPacket **q; /* ring of queued video packets */
    int head, n, cap;
    size_t bytes;
    AVCodecContext *dec; /* the keyframe decoder, opened on first use */
    AVFrame *frame;
    int64_t decoded; /* keyframes decoded */
} miqw_peek;

/* The next video packet: the queue's first, else the demuxer's; other
 * streams' packets are dropped. av_read_frame's result (< 0: the end). */
int miqw_peek_read(miqw_peek *pk, miqw_media *m, AVPacket *pkt);
/* Queues the video packets up to the keyframe whose pts is key and decodes
 * it into thumb (64x36 YUV, miqw_video_thumb). -1 when it is not reached
 * (the end, a bigger pts first, the byte limit) or does not decode; what was
 * read stays queued either way. */
int miqw_peek_key(miqw_peek *pk, miqw_media *m, int64_t key, struct SwsContext **sws,
                  uint8_t *thumb);
/* Empties the queue (before a seek). */
void miqw_peek_clear(miqw_peek *pk);
void miqw_peek_free(miqw_peek *pk);

#endif
