/* video/clips: stream copy from the keyframe before start (MP4/MOV edit list
 * hides the pre-roll), or a frame-accurate re-encode (see miqw_clips.h). */
#include <string.h>
#include <math.h>
#include <apr_strings.h>
#include <apr_file_io.h>
#include <apr_file_info.h>
#include <libavutil/opt.h>
#include <libavutil/audio_fifo.h>
#include <libswscale/swscale.h>
#include <libswresample/swresample.h>
#include "endpoints/miq_endpoints.h"
#include "analyses/miqw_clips.h"
#include "analyses/miqw_video.h"
#include "base/miq_text.h"
#include "base/miq_json.h"

typedef struct clipctx {
    miqw_media *m;
    AVFormatContext *oc;
    int ov, oa; /* output stream indexes, -1 */
    AVCodecContext *vdec, *venc, *adec, *aenc;
    struct SwsContext *sws;
    SwrContext *swr;
    AVAudioFifo *fifo;
    AVFrame *frame, *vout, *aout, *turn; /* turn: scaled, before the display rotation */
    AVPacket *pkt, *opkt;
    int64_t last_vpts, apts, frames;
    double first_t, last_t, fdur;
    int have_first;
    const char *vcodec;
} clipctx;

static void clip_close(clipctx *x)
{
    if (x->oc) {
        if (x->oc->pb)
            avio_closep(&x->oc->pb);
        avformat_free_context(x->oc);
        x->oc = NULL;
    }
    avcodec_free_context(&x->vdec);
    avcodec_free_context(&x->venc);
    avcodec_free_context(&x->adec);
    avcodec_free_context(&x->aenc);
    sws_freeContext(x->sws);
    x->sws = NULL;
    av_frame_free(&x->turn);
    swr_free(&x->swr);
    if (x->fifo)
        av_audio_fifo_free(x->fifo);
    x->fifo = NULL;
    av_frame_free(&x->frame);
    av_frame_free(&x->vout);
    av_frame_free(&x->aout);
    av_packet_free(&x->pkt);
    av_packet_free(&x->opkt);
}

static const char *out_open(clipctx *x, const char *format, const char *path)
{
    const char *mux = !strcmp(format, "mkv") ? "matroska" : format;
    if (avformat_alloc_output_context2(&x->oc, NULL, mux, path) < 0 || !x->oc)
        return "could not create the output container";
    if (!(x->pkt = av_packet_alloc()) || !(x->opkt = av_packet_alloc()) ||
        !(x->frame = av_frame_alloc()))
        return "out of memory";
    x->ov = x->oa = -1;
    return NULL;
}

static const char *out_start(clipctx *x, const char *path)
{
    if (avio_open(&x->oc->pb, path, AVIO_FLAG_WRITE) < 0)
        return "could not create the clip file";
    if (avformat_write_header(x->oc, NULL) < 0)
        return "could not write the clip header";
    return NULL;
}

/* Stream timestamp minus (stream start + shift seconds). */
static int64_t shifted(const miqw_media *m, int idx, int64_t ts, double shift)
{
    AVStream *st = m->fmt->streams[idx];
    int64_t start = st->start_time != AV_NOPTS_VALUE ? st->start_time : 0;
    return ts == AV_NOPTS_VALUE ? ts : ts - start - llround(shift / av_q2d(st->time_base));
}

#define HOLD 16

/* Writes a copied packet shifted so that `shift` seconds is time 0. */
static int copy_write(clipctx *x, AVPacket *pk, int ost, double shift)
{
    miqw_media *m = x->m;
    int ist = pk->stream_index;
    AVStream *is = m->fmt->streams[ist];
    if (ost == x->ov) {
        int64_t pts = pk->pts != AV_NOPTS_VALUE ? pk->pts : pk->dts;
        double e = miqw_ts_seconds(m, ist, pts) +
                   (pk->duration > 0 ? pk->duration * av_q2d(is->time_base) : x->fdur);
        if (e > x->last_t)
            x->last_t = e;
        x->frames++;
    }
    pk->pts = shifted(m, ist, pk->pts, shift);
    pk->dts = shifted(m, ist, pk->dts, shift);
    av_packet_rescale_ts(pk, is->time_base, x->oc->streams[ost]->time_base);
    pk->stream_index = ost;
    pk->pos = -1;
    return av_interleaved_write_frame(x->oc, pk);
}

/* Video packets shown at or after end are held until a later packet shown
 * before end proves they are references (B-frames), else dropped. */
static const char *cut_copy(clipctx *x, const char *path, double start, double end, int editlist)
{
    miqw_media *m = x->m;
    AVStream *vs = m->fmt->streams[m->video_idx], *as = NULL;
    int64_t tol = llround(0.0005 / av_q2d(vs->time_base));
    int64_t vstart = miqw_video_ts(m, start), vend = miqw_video_ts(m, end);
    int started = 0, vdone = 0, adone = m->audio_idx < 0, nhold = 0, i, bad = 0;
    double shift = start, kf_t = start;
    AVPacket *hold[HOLD];
    const char *err;
    AVStream *o;
    if (!(o = avformat_new_stream(x->oc, NULL)) ||
        avcodec_parameters_copy(o->codecpar, vs->codecpar) < 0)
        return "out of memory";
    o->codecpar->codec_tag = 0;
    o->time_base = vs->time_base;
    x->ov = o->index;
    { /* a copied stream keeps its display matrix: players turn it as the source */
        size_t dsz = 0;
        const uint8_t *dm = av_stream_get_side_data(vs, AV_PKT_DATA_DISPLAYMATRIX, &dsz);
        uint8_t *od = dm && dsz == 36 ? av_stream_new_side_data(o, AV_PKT_DATA_DISPLAYMATRIX, dsz)
                                      : NULL;
        if (od)
            memcpy(od, dm, dsz);
    }
    if (m->audio_idx >= 0) {
        as = m->fmt->streams[m->audio_idx];
        if (!(o = avformat_new_stream(x->oc, NULL)) ||
            avcodec_parameters_copy(o->codecpar, as->codecpar) < 0)
            return "out of memory";
        o->codecpar->codec_tag = 0;
        o->time_base = as->time_base;
        x->oa = o->index;
    }
    x->vcodec = avcodec_get_name(vs->codecpar->codec_id);
    if ((err = out_start(x, path)))
        return err;
    if (av_seek_frame(m->fmt, m->video_idx, vstart + tol, AVSEEK_FLAG_BACKWARD) < 0)
        return "could not seek in the media";
    while (!bad && !(vdone && adone) && av_read_frame(m->fmt, x->pkt) >= 0) {
        AVPacket *pk = x->pkt;
        int ist = pk->stream_index;
        if (ist == m->video_idx && !vdone) {
            int64_t pts = pk->pts != AV_NOPTS_VALUE ? pk->pts : pk->dts;
            if (!started) {
                if (!(pk->flags & AV_PKT_FLAG_KEY) || pts == AV_NOPTS_VALUE) {
                    av_packet_unref(pk);
                    continue;
                }
                started = 1;
                kf_t = miqw_ts_seconds(m, ist, pts);
                if (!editlist)
                    shift = kf_t;
                x->first_t = kf_t;
            }
            if (pk->dts != AV_NOPTS_VALUE && pk->dts >= vend - tol)
                vdone = 1;
            else if (pts >= vend - tol && nhold < HOLD) {
                if (!(hold[nhold] = av_packet_clone(pk)))
                    bad = 1;
                else
                    nhold++;
            }
            else {
                for (i = 0; i < nhold && !bad; i++)
                    bad = copy_write(x, hold[i], x->ov, shift) < 0;
                while (nhold > 0)
                    av_packet_free(&hold[--nhold]);
                bad = bad || copy_write(x, pk, x->ov, shift) < 0;
            }
        }
        else if (ist == m->audio_idx && !adone && started) {
            double t = miqw_ts_seconds(m, ist, pk->pts != AV_NOPTS_VALUE ? pk->pts : pk->dts);
            double d = pk->duration * av_q2d(as->time_base);
            if (t >= end - 0.0005)
                adone = 1;
            else if (t + d > (editlist ? start : kf_t))
                bad = copy_write(x, pk, x->oa, shift) < 0;
        }
        av_packet_unref(pk);
    }
    while (nhold > 0)
        av_packet_free(&hold[--nhold]);
    if (bad)
        return "could not write the clip";
    if (!started)
        return "no keyframe found before the clip end";
    if (av_write_trailer(x->oc) < 0)
        return "could not finish the clip file";
    return NULL;
}

/* ---- re-encode ---- */
static int drain_enc(clipctx *x, AVCodecContext *enc, int ost)
{
    int rv;
    while ((rv = avcodec_receive_packet(enc, x->opkt)) >= 0) {
        x->opkt->stream_index = ost;
        /* A known duration keeps the last frame inside the MP4 edit list. */
        if (x->opkt->duration <= 0 && enc == x->venc)
            x->opkt->duration = av_rescale_q(1, av_inv_q(enc->framerate), enc->time_base);
        av_packet_rescale_ts(x->opkt, enc->time_base, x->oc->streams[ost]->time_base);
        if (av_interleaved_write_frame(x->oc, x->opkt) < 0)
            return -1;
    }
    return rv == AVERROR(EAGAIN) || rv == AVERROR_EOF ? 0 : -1;
}

static const char *open_venc(clipctx *x, int width)
{
    miqw_media *m = x->m;
    AVStream *vs = m->fmt->streams[m->video_idx], *o;
    const AVCodec *c = avcodec_find_encoder_by_name("libx264");
    AVRational fr = vs->avg_frame_rate.num ? vs->avg_frame_rate : vs->r_frame_rate;
    int turned = m->rotation % 180 != 0; /* the picture is turned upright (miqw_scale_upright) */
    int w = width > 0 ? width & ~1 : turned ? m->height : m->width, h;
    AVRational sar = vs->codecpar->sample_aspect_ratio;
    const char *err = NULL;
    if (!(x->vdec = miqw_video_decoder(m, 0, &err)))
        return err;
    /* a given width: square pixels at the shown aspect; else the stored size, turned */
    h = width > 0 ? ((int)lround((double)w * m->display_height / m->display_width) + 1) & ~1
        : turned  ? m->width
                  : m->height;
    if (width > 0)
        sar = (AVRational){1, 1};
    else if (turned && sar.num > 0 && sar.den > 0)
        sar = (AVRational){sar.den, sar.num};
    if (!c)
        c = avcodec_find_encoder(AV_CODEC_ID_MPEG4);
    if (!c || !(x->venc = avcodec_alloc_context3(c)) || !(x->vout = av_frame_alloc()))
        return "no video encoder";
    if (!fr.num || !fr.den)
        fr = (AVRational){25, 1};
    x->venc->width = w;
    x->venc->height = h;
    x->venc->pix_fmt = AV_PIX_FMT_YUV420P;
    x->venc->time_base = av_inv_q(fr);
    x->venc->framerate = fr;
    x->venc->sample_aspect_ratio = sar;
    x->venc->thread_count = 2; /* bounded, as the decoders (miqw_video.c) */
    if (!strcmp(c->name, "libx264")) {
        av_opt_set(x->venc->priv_data, "preset", "veryfast", 0);
        av_opt_set(x->venc->priv_data, "crf", "20", 0);
    }
    else {
        x->venc->flags |= AV_CODEC_FLAG_QSCALE;
        x->venc->global_quality = FF_QP2LAMBDA * 3;
    }
    if (x->oc->oformat->flags & AVFMT_GLOBALHEADER)
        x->venc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    if (avcodec_open2(x->venc, c, NULL) < 0)
        return "could not open the video encoder";
    if (!(o = avformat_new_stream(x->oc, NULL)) ||
        avcodec_parameters_from_context(o->codecpar, x->venc) < 0)
        return "out of memory";
    o->time_base = x->venc->time_base;
    x->ov = o->index;
    x->vcodec = c->name;
    x->vout->format = AV_PIX_FMT_YUV420P;
    x->vout->width = w;
    x->vout->height = h;
    return av_frame_get_buffer(x->vout, 0) < 0 ? "out of memory" : NULL;
}

static const char *open_audio(clipctx *x)
{
    miqw_media *m = x->m;
    AVStream *as = m->fmt->streams[m->audio_idx], *o;
    const AVCodec *dc = avcodec_find_decoder(as->codecpar->codec_id);
    const AVCodec *ec = avcodec_find_encoder(AV_CODEC_ID_AAC);
    if (!dc || !ec)
        return "no audio codec";
    if (!(x->adec = avcodec_alloc_context3(dc)) ||
        avcodec_parameters_to_context(x->adec, as->codecpar) < 0 ||
        avcodec_open2(x->adec, dc, NULL) < 0)
        return "could not open the audio decoder";
    if (!(x->aenc = avcodec_alloc_context3(ec)) || !(x->aout = av_frame_alloc()))
        return "out of memory";
    x->aenc->sample_fmt = AV_SAMPLE_FMT_FLTP;
    x->aenc->sample_rate = x->adec->sample_rate;
    av_channel_layout_default(&x->aenc->ch_layout, x->adec->ch_layout.nb_channels);
    x->aenc->bit_rate = 128000;
    x->aenc->time_base = (AVRational){1, x->aenc->sample_rate};
    if (x->oc->oformat->flags & AVFMT_GLOBALHEADER)
        x->aenc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    if (avcodec_open2(x->aenc, ec, NULL) < 0)
        return "could not open the AAC encoder";
    if (swr_alloc_set_opts2(&x->swr, &x->aenc->ch_layout, AV_SAMPLE_FMT_FLTP, x->aenc->sample_rate,
                            &x->adec->ch_layout, x->adec->sample_fmt, x->adec->sample_rate, 0,
                            NULL) < 0 ||
        swr_init(x->swr) < 0)
        return "could not set up audio conversion";
    if (!(x->fifo = av_audio_fifo_alloc(AV_SAMPLE_FMT_FLTP, x->aenc->ch_layout.nb_channels,
                                        4 * x->aenc->frame_size)))
        return "out of memory";
    if (!(o = avformat_new_stream(x->oc, NULL)) ||
        avcodec_parameters_from_context(o->codecpar, x->aenc) < 0)
        return "out of memory";
    o->time_base = x->aenc->time_base;
    x->oa = o->index;
    return NULL;
}

static int put_video(clipctx *x, const AVFrame *f, int64_t vbase)
{
    AVStream *vs = x->m->fmt->streams[x->m->video_idx];
    int64_t pts;
    if (miqw_scale_upright(x->m, &x->sws, &x->turn, f, x->vout) < 0)
        return -1;
    pts = av_rescale_q(f->best_effort_timestamp - vbase, vs->time_base, x->venc->time_base);
    if (x->frames && pts <= x->last_vpts)
        pts = x->last_vpts + 1;
    x->vout->pts = x->last_vpts = pts;
    x->frames++;
    return avcodec_send_frame(x->venc, x->vout) < 0 ? -1 : drain_enc(x, x->venc, x->ov);
}

static int put_audio(clipctx *x, int flush)
{
    int fs = x->aenc->frame_size > 0 ? x->aenc->frame_size : 1024;
    while (av_audio_fifo_size(x->fifo) >= fs || (flush && av_audio_fifo_size(x->fifo) > 0)) {
        int n = FFMIN(fs, av_audio_fifo_size(x->fifo));
        av_frame_unref(x->aout);
        x->aout->nb_samples = n;
        x->aout->format = AV_SAMPLE_FMT_FLTP;
        x->aout->sample_rate = x->aenc->sample_rate;
        if (av_channel_layout_copy(&x->aout->ch_layout, &x->aenc->ch_layout) < 0 ||
            av_frame_get_buffer(x->aout, 0) < 0 ||
            av_audio_fifo_read(x->fifo, (void **)x->aout->data, n) < n)
            return -1;
        x->aout->pts = x->apts;
        x->apts += n;
        if (avcodec_send_frame(x->aenc, x->aout) < 0 || drain_enc(x, x->aenc, x->oa) < 0)
            return -1;
    }
    return 0;
}

/* Converts a decoded audio frame and queues the samples inside [a0, a1). */
static int take_audio(clipctx *x, const AVFrame *f, double a0, double a1, int *done)
{
    AVStream *as = x->m->fmt->streams[x->m->audio_idx];
    int64_t ts = f->best_effort_timestamp != AV_NOPTS_VALUE ? f->best_effort_timestamp : f->pts;
    double t = miqw_ts_seconds(x->m, x->m->audio_idx, ts), sr = x->aenc->sample_rate;
    int skip, keep, ch;
    (void)as;
    av_frame_unref(x->aout);
    x->aout->format = AV_SAMPLE_FMT_FLTP;
    x->aout->sample_rate = x->aenc->sample_rate;
    if (av_channel_layout_copy(&x->aout->ch_layout, &x->aenc->ch_layout) < 0 ||
        swr_convert_frame(x->swr, x->aout, f) < 0)
        return -1;
    skip = t < a0 ? (int)lround((a0 - t) * sr) : 0;
    keep = (int)lround((a1 - t) * sr);
    if (keep > x->aout->nb_samples)
        keep = x->aout->nb_samples;
    else
        *done = 1;
    if (keep > skip) {
        void *planes[AV_NUM_DATA_POINTERS];
        for (ch = 0; ch < x->aenc->ch_layout.nb_channels && ch < AV_NUM_DATA_POINTERS; ch++)
            planes[ch] = x->aout->extended_data[ch] + skip * sizeof(float);
        if (av_audio_fifo_write(x->fifo, planes, keep - skip) < keep - skip)
            return -1;
    }
    return put_audio(x, 0);
}

static const char *cut_reencode(clipctx *x, const char *path, double start, double end, int width)
{
    miqw_media *m = x->m;
    AVStream *vs = m->fmt->streams[m->video_idx];
    double eps = 0.0005, a0, a1;
    int64_t vbase = 0;
    int vdone = 0, adone = m->audio_idx < 0, eof = 0, rv;
    const char *err;
    if ((err = open_venc(x, width)) || (m->audio_idx >= 0 && (err = open_audio(x))) ||
        (err = out_start(x, path)))
        return err;
    /* Audio follows the first kept frame: the one at or after start. */
    a0 = m->fps > 0 ? ceil((start - eps) * m->fps - 1e-9) / m->fps : start;
    a1 = m->fps > 0 ? ceil((end - eps) * m->fps - 1e-9) / m->fps : end;
    if (av_seek_frame(m->fmt, m->video_idx, miqw_video_ts(m, start), AVSEEK_FLAG_BACKWARD) < 0)
        return "could not seek in the media";
    while (!(vdone && adone) && !eof) {
        AVCodecContext *dec;
        int ist;
        if (av_read_frame(m->fmt, x->pkt) < 0) {
            eof = 1;
            avcodec_send_packet(x->vdec, NULL);
            if (x->adec)
                avcodec_send_packet(x->adec, NULL);
            ist = -1;
        }
        else {
            ist = x->pkt->stream_index;
            dec = ist == m->video_idx && !vdone   ? x->vdec
                  : ist == m->audio_idx && !adone ? x->adec
                                                  : NULL;
            if (dec)
                avcodec_send_packet(dec, x->pkt);
            av_packet_unref(x->pkt);
            if (!dec)
                continue;
        }
        while ((ist < 0 || ist == m->video_idx) && !vdone &&
               avcodec_receive_frame(x->vdec, x->frame) >= 0) {
            double t = miqw_frame_seconds(m, x->frame);
            if (t >= end - eps)
                vdone = 1;
            else if (t >= start - eps) {
                if (!x->have_first) {
                    x->have_first = 1;
                    x->first_t = t;
                    vbase = x->frame->best_effort_timestamp;
                }
                x->last_t = t + x->fdur;
                if (put_video(x, x->frame, vbase) < 0)
                    return "could not encode the video";
            }
            av_frame_unref(x->frame);
        }
        while ((ist < 0 || ist == m->audio_idx) && !adone &&
               avcodec_receive_frame(x->adec, x->frame) >= 0) {
            rv = take_audio(x, x->frame, a0, a1, &adone);
            av_frame_unref(x->frame);
            if (rv < 0)
                return "could not encode the audio";
        }
    }
    (void)vs;
    if (!x->frames)
        return "no video frame inside the clip";
    if (avcodec_send_frame(x->venc, NULL) < 0 || drain_enc(x, x->venc, x->ov) < 0)
        return "could not finish the video";
    if (x->aenc && (put_audio(x, 1) < 0 || avcodec_send_frame(x->aenc, NULL) < 0 ||
                    drain_enc(x, x->aenc, x->oa) < 0))
        return "could not finish the audio";
    if (av_write_trailer(x->oc) < 0)
        return "could not finish the clip file";
    return NULL;
}

static void put_span(json_t *o, apr_pool_t *p, const miqw_media *m, double s, double e)
{
    double fps = m->fps > 0 ? m->fps : 25;
    int64_t f0 = miqw_frame_number(m, s), f1 = miqw_frame_number(m, e);
    const char *t0 = miq_text_timecode(p, f0 / fps, fps), *t1 = miq_text_timecode(p, f1 / fps, fps);
    json_object_set_new(o, "start", json_real(miqw_ms(s)));
    json_object_set_new(o, "end", json_real(miqw_ms(e)));
    json_object_set_new(o, "duration", json_real(miqw_ms(e - s)));
    json_object_set_new(o, "start_frame", json_integer(f0));
    json_object_set_new(o, "end_frame", json_integer(f1));
    json_object_set_new(o, "start_tc", json_string(t0 ? t0 : "00:00:00:00"));
    json_object_set_new(o, "end_tc", json_string(t1 ? t1 : "00:00:00:00"));
}

const char *miqw_clips_cut(apr_pool_t *p, miqw_media *m, const json_t *params, const char *out_dir,
                           json_t *result, const char **code)
{
    json_t *clips = json_object_get(params, "clips"), *jm = json_object_get(params, "mode");
    json_t *jf = json_object_get(params, "format"), *jw = json_object_get(params, "width");
    const char *mode = json_is_string(jm) ? json_string_value(jm) : "copy";
    const char *format = json_is_string(jf) ? json_string_value(jf) : "mp4";
    int width = json_is_integer(jw) ? (int)json_integer_value(jw) : 0, reenc;
    json_t *out;
    double total = 0;
    size_t i;
    *code = "unsupported_media";
    if (m->video_idx < 0)
        return MIQW_NO_VIDEO;
    *code = "invalid_request";
    reenc = !strcmp(mode, "reencode");
    if (!reenc && strcmp(mode, "copy"))
        return "mode must be copy or reencode";
    if (strcmp(format, "mp4") && strcmp(format, "mov") && strcmp(format, "mkv"))
        return "format must be mp4, mov or mkv";
    if (!json_is_array(clips) || !json_array_size(clips) || json_array_size(clips) > 100)
        return "clips must be an array of 1..100 {start,end}";
    for (i = 0; i < json_array_size(clips); i++) {
        json_t *c = json_array_get(clips, i);
        double s = json_number_value(json_object_get(c, "start"));
        double e = json_number_value(json_object_get(c, "end"));
        if (!json_is_number(json_object_get(c, "start")) ||
            !json_is_number(json_object_get(c, "end")) || s < 0 || e <= s ||
            s >= m->duration_s + 0.001)
            return apr_psprintf(p, "clips[%d] needs 0 <= start < end within the media", (int)i);
    }
    out = json_array();
    for (i = 0; i < json_array_size(clips); i++) {
        json_t *c = json_array_get(clips, i), *o, *label = json_object_get(c, "label");
        double s = json_number_value(json_object_get(c, "start"));
        double e = json_number_value(json_object_get(c, "end"));
        const char *name = apr_psprintf(p, "clip_%03d.%s", (int)i, format), *path, *err;
        int editlist = !reenc && strcmp(format, "mkv");
        clipctx x;
        apr_finfo_t fi;
        memset(&x, 0, sizeof(x));
        x.m = m;
        x.fdur = m->fps > 0 ? 1 / m->fps : 0.04;
        if (e > m->duration_s)
            e = m->duration_s;
        if (apr_filepath_merge((char **)&path, out_dir, name, 0, p) != APR_SUCCESS)
            err = "bad output directory";
        else if (!(err = out_open(&x, format, path)))
            err = reenc ? cut_reencode(&x, path, s, e, width) : cut_copy(&x, path, s, e, editlist);
        clip_close(&x);
        if (err) {
            miq_json_pool(p, out);
            apr_file_remove(path, p);
            *code = "server_error";
            return err;
        }
        o = json_object();
        json_object_set_new(o, "index", json_integer((json_int_t)i));
        put_span(o, p, m, s, e);
        json_object_set_new(o, "actual_start", json_real(miqw_ms(x.first_t)));
        json_object_set_new(o, "actual_end", json_real(miqw_ms(x.last_t)));
        json_object_set_new(o, "mode", json_string(reenc ? "reencode" : "copy"));
        json_object_set_new(o, "file", json_string(name));
        if (apr_stat(&fi, path, APR_FINFO_SIZE, p) == APR_SUCCESS)
            json_object_set_new(o, "bytes", json_integer(fi.size));
        json_object_set_new(o, "frames", json_integer(x.frames));
        json_object_set_new(o, "video_codec", json_string(x.vcodec ? x.vcodec : ""));
        json_object_set_new(o, "keyframe_aligned", json_boolean(!reenc));
        json_object_set_new(o, "edit_list", json_boolean(editlist));
        if (json_is_string(label))
            json_object_set(o, "label", label);
        json_array_append_new(out, o);
        total += e - s;
    }
    json_object_set_new(result, "clips", out);
    json_object_set_new(result, "output_total_s", json_real(miqw_ms(total)));
    *code = NULL;
    return NULL;
}
