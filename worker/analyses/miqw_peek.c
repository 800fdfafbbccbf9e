/* Read-ahead to a keyframe for the scene refine (see miqw_peek.h). */
#include <stdlib.h>
#include <string.h>
#include "analyses/miqw_peek.h"
#include "analyses/miqw_video.h"
#include "analyses/miqw_shots.h"

static int push(miqw_peek *pk, AVPacket *p)
{
    if (pk->n == pk->cap) {
        int cap = pk->cap ? pk->cap * 2 : 64, i;
        AVPacket **q = malloc(sizeof(*q) * cap);
        if (!q)
            return -1;
        for (i = 0; i < pk->n; i++)
            q[i] = pk->q[(pk->head + i) % pk->cap];
        free(pk->q);
        pk->q = q;
        pk->head = 0;
        pk->cap = cap;
    }
    pk->q[(pk->head + pk->n) % pk->cap] = p;
    pk->n++;
    pk->bytes += p->size;
    return 0;
}

int miqw_peek_read(miqw_peek *pk, miqw_media *m, AVPacket *pkt)
{
    int rv;
    if (pk->n) {
        AVPacket *p = pk->q[pk->head];
        pk->head = (pk->head + 1) % pk->cap;
        pk->n--;
        pk->bytes -= p->size;
        av_packet_move_ref(pkt, p);
        av_packet_free(&p);
        return 0;
    }
    while ((rv = av_read_frame(m->fmt, pkt)) >= 0 && pkt->stream_index != m->video_idx)
        av_packet_unref(pkt);
    return rv;
}

/* The keyframe alone through the keyframe decoder. */
static int decode_key(miqw_peek *pk, miqw_media *m, const AVPacket *key, struct SwsContext **sws,
                      uint8_t *thumb)
{
    const char *err = NULL;
    int rv = -1;
    if (!pk->dec && !(pk->dec = miqw_video_decoder(m, MIQW_DEC_FAST | MIQW_DEC_ONE_THREAD, &err)))
        return -1;
    if (!pk->frame && !(pk->frame = av_frame_alloc()))
        return -1;
    if (avcodec_send_packet(pk->dec, key) < 0)
        return -1;
    avcodec_send_packet(pk->dec, NULL); /* drain: the one frame */
    if (avcodec_receive_frame(pk->dec, pk->frame) >= 0) {
        pk->decoded++;
        rv = miqw_video_thumb(sws, pk->frame, thumb, MIQW_TW, MIQW_TH);
        av_frame_unref(pk->frame);
    }
    avcodec_flush_buffers(pk->dec);
    return rv;
}

int miqw_peek_key(miqw_peek *pk, miqw_media *m, int64_t key, struct SwsContext **sws,
                  uint8_t *thumb)
{
    int i;
    /* already queued? */
    for (i = 0; i < pk->n; i++) {
        const AVPacket *p = pk->q[(pk->head + i) % pk->cap];
        if ((p->flags & AV_PKT_FLAG_KEY) && p->pts == key)
            return decode_key(pk, m, p, sws, thumb);
    }
    while (pk->bytes < MIQW_PEEK_MAX_BYTES) {
        AVPacket *p = av_packet_alloc();
        int64_t pts;
        int rv = -1;
        if (!p)
            return -1;
        while ((rv = av_read_frame(m->fmt, p)) >= 0 && p->stream_index != m->video_idx)
            av_packet_unref(p);
        if (rv < 0 || push(pk, p) < 0) { /* the end (or out of memory) */
            av_packet_free(&p);
            return -1;
        }
        pts = p->pts != AV_NOPTS_VALUE ? p->pts : p->dts;
        if ((p->flags & AV_PKT_FLAG_KEY) && pts == key)
            return decode_key(pk, m, p, sws, thumb);
        if ((p->flags & AV_PKT_FLAG_KEY) && pts != AV_NOPTS_VALUE && pts > key)
            return -1;
    }
    return -1;
}

void miqw_peek_clear(miqw_peek *pk)
{
    while (pk->n) {
        AVPacket *p = pk->q[pk->head];
        pk->head = (pk->head + 1) % pk->cap;
        pk->n--;
        av_packet_free(&p);
    }
    pk->head = 0;
    pk->bytes = 0;
}

void miqw_peek_free(miqw_peek *pk)
{
    miqw_peek_clear(pk);
    free(pk->q);
    pk->q = NULL;
    pk->cap = 0;
    avcodec_free_context(&pk->dec);
    av_frame_free(&pk->frame);
}
