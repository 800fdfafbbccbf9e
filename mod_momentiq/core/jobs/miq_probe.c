/* Media probing with libavformat: what an upload holds (container, duration,
 * streams) and whether it can be decoded at all (a first frame is decoded
 * from the main stream). Only files, only the allowed demuxers. */
#include <math.h>
#include <string.h>
#include <apr_strings.h>
#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libavutil/avutil.h>
#include <libavutil/display.h>
#include "jobs/miq_probe.h"

#define PROBE_MAX_PACKETS 2000 /* packets read while looking for a first frame */

static const char *av_err(apr_pool_t *p, int rv)
{
    char buf[AV_ERROR_MAX_STRING_SIZE];
    av_strerror(rv, buf, sizeof(buf));
    return apr_pstrdup(p, buf);
}

static const char *stream_type(enum AVMediaType t)
{
    switch (t) {
    case AVMEDIA_TYPE_AUDIO:
        return "audio";
    case AVMEDIA_TYPE_VIDEO:
        return "video";
    case AVMEDIA_TYPE_SUBTITLE:
        return "subtitle";
    default:
        return "data";
    }
}

/* Decodes frames of stream idx until one comes out. 1 decoded, 0 not. */
static int first_frame_decodes(AVFormatContext *fmt, int idx)
{
    const AVCodecParameters *cp = fmt->streams[idx]->codecpar;
    const AVCodec *dec = avcodec_find_decoder(cp->codec_id);
    AVCodecContext *cc = NULL;
    AVPacket *pkt = NULL;
    AVFrame *frame = NULL;
    int ok = 0, n = 0, rv;
    if (!dec || !(cc = avcodec_alloc_context3(dec)) || avcodec_parameters_to_context(cc, cp) < 0)
        goto done;
    cc->thread_count = 1;
    cc->codec_whitelist = av_strdup(MIQ_PROBE_CODECS);
    cc->max_pixels = MIQ_PROBE_MAX_PIXELS;
    if (avcodec_open2(cc, dec, NULL) < 0 || !(pkt = av_packet_alloc()) ||
        !(frame = av_frame_alloc()))
        goto done;
    while (!ok && n++ < PROBE_MAX_PACKETS && (rv = av_read_frame(fmt, pkt)) >= 0) {
        if (pkt->stream_index == idx && avcodec_send_packet(cc, pkt) >= 0 &&
            avcodec_receive_frame(cc, frame) >= 0)
            ok = 1;
        av_packet_unref(pkt);
    }
    if (!ok && avcodec_send_packet(cc, NULL) >= 0 && avcodec_receive_frame(cc, frame) >= 0)
        ok = 1; /* decoders with delay: drain */
done:
    av_frame_free(&frame);
    av_packet_free(&pkt);
    avcodec_free_context(&cc);
    return ok;
}

/* A header that claims more than any real media has, or NULL. Checked in
 * 64-bit before anything is decoded. */
static const char *header_insane(apr_pool_t *p, const AVFormatContext *fmt)
{
    unsigned i;
    if (fmt->nb_streams > MIQ_PROBE_MAX_STREAMS)
        return apr_psprintf(p, "the file declares %u streams (at most %d are accepted)",
                            fmt->nb_streams, MIQ_PROBE_MAX_STREAMS);
    for (i = 0; i < fmt->nb_streams; i++) {
        const AVCodecParameters *cp = fmt->streams[i]->codecpar;
        if (cp->codec_type == AVMEDIA_TYPE_VIDEO &&
            (cp->width < 0 || cp->height < 0 || cp->width > MIQ_PROBE_MAX_SIDE ||
             cp->height > MIQ_PROBE_MAX_SIDE ||
             (int64_t)cp->width * (int64_t)cp->height > MIQ_PROBE_MAX_PIXELS))
            return apr_psprintf(p, "the video declares %dx%d pixels, above the %ld-pixel limit",
                                cp->width, cp->height, (long)MIQ_PROBE_MAX_PIXELS);
        if (cp->codec_type == AVMEDIA_TYPE_AUDIO &&
            (cp->sample_rate < 0 || cp->sample_rate > MIQ_PROBE_MAX_SAMPLE_RATE ||
             cp->ch_layout.nb_channels < 0 || cp->ch_layout.nb_channels > MIQ_PROBE_MAX_CHANNELS))
            return apr_psprintf(p,
                                "the audio declares %d Hz and %d channels (at most %d Hz and %d "
                                "channels are accepted)",
                                cp->sample_rate, cp->ch_layout.nb_channels,
                                MIQ_PROBE_MAX_SAMPLE_RATE, MIQ_PROBE_MAX_CHANNELS);
    }
    return NULL;
}

static json_t *probe_json(AVFormatContext *fmt, double duration, int audio, int video)
{
    json_t *o = json_object(), *streams = json_array();
    unsigned i;
    json_object_set_new(o, "format", json_string(fmt->iformat->name));
    if (fmt->iformat->long_name)
        json_object_set_new(o, "format_long", json_string(fmt->iformat->long_name));
    json_object_set_new(o, "duration_s", json_real(duration));
    if (fmt->bit_rate > 0)
        json_object_set_new(o, "bit_rate", json_integer(fmt->bit_rate));
    for (i = 0; i < fmt->nb_streams; i++) {
        AVStream *st = fmt->streams[i];
        AVCodecParameters *cp = st->codecpar;
        json_t *s = json_pack("{s:i,s:s,s:s}", "index", (int)i, "type", stream_type(cp->codec_type),
                              "codec", avcodec_get_name(cp->codec_id));
        if (st->duration > 0 && st->duration != AV_NOPTS_VALUE)
            json_object_set_new(s, "duration_s", json_real(st->duration * av_q2d(st->time_base)));
        if (cp->codec_type == AVMEDIA_TYPE_VIDEO) {
            AVRational r = st->avg_frame_rate.num ? st->avg_frame_rate : st->r_frame_rate;
            int rot, dw, dh;
            json_object_set_new(s, "width", json_integer(cp->width > 0 ? cp->width : 0));
            json_object_set_new(s, "height", json_integer(cp->height > 0 ? cp->height : 0));
            miq_probe_display(st, &rot, &dw, &dh);
            json_object_set_new(s, "display_width", json_integer(dw));
            json_object_set_new(s, "display_height", json_integer(dh));
            json_object_set_new(s, "rotation", json_integer((360 - rot) % 360));
            if (r.num > 0 && r.den > 0)
                json_object_set_new(s, "fps", json_real(av_q2d(r)));
            if (st->disposition & AV_DISPOSITION_ATTACHED_PIC)
                json_object_set_new(s, "attached_picture", json_true());
        }
        else if (cp->codec_type == AVMEDIA_TYPE_AUDIO) {
            json_object_set_new(s, "sample_rate",
                                json_integer(cp->sample_rate > 0 ? cp->sample_rate : 0));
            json_object_set_new(s, "channels",
                                json_integer(
                                    cp->ch_layout.nb_channels > 0 ? cp->ch_layout.nb_channels : 0));
        }
        json_array_append_new(streams, s);
    }
    json_object_set_new(o, "streams", streams);
    json_object_set_new(o, "has_audio", json_boolean(audio));
    json_object_set_new(o, "has_video", json_boolean(video));
    return o;
}

const char *miq_probe_file(apr_pool_t *p, const char *path, json_t **probe, double *duration_s,
                           const char **code)
{
    AVFormatContext *fmt = NULL;
    AVDictionary *opts = NULL;
    const char *err = NULL;
    double duration = 0;
    int rv, audio = -1, video = -1, main_idx;
    unsigned i;

    *probe = NULL;
    *duration_s = 0;
    *code = "unsupported_media";
    /* Bad media is the client's problem, reported through *code: libav's own
     * complaints would only fill httpd's error_log (stderr). */
    if (av_log_get_level() > AV_LOG_FATAL)
        av_log_set_level(AV_LOG_FATAL);
    if (!(fmt = avformat_alloc_context())) {
        *code = "server_error";
        return "out of memory";
    }
    fmt->format_whitelist = av_strdup(MIQ_PROBE_FORMATS);
    fmt->protocol_whitelist = av_strdup("file");
    fmt->codec_whitelist = av_strdup(MIQ_PROBE_CODECS);
    fmt->probesize = MIQ_PROBE_MAX_BYTES;
    fmt->max_analyze_duration = (int64_t)MIQ_PROBE_MAX_ANALYZE_S * AV_TIME_BASE;
    av_dict_set(&opts, "protocol_whitelist", "file", 0);
    rv = avformat_open_input(&fmt, path, NULL, &opts); /* frees fmt on failure */
    av_dict_free(&opts);
    if (rv < 0) {
        if (rv == AVERROR(ENOENT) || rv == AVERROR(EACCES)) {
            *code = "server_error";
            return apr_psprintf(p, "the stored file could not be opened (%s)", av_err(p, rv));
        }
        return apr_psprintf(p, "not a media file that can be decoded (%s)",
                            rv == AVERROR_INVALIDDATA ? "unrecognized or corrupt data"
                                                      : av_err(p, rv));
    }
    if ((err = header_insane(p, fmt)))
        goto out;
    if ((rv = avformat_find_stream_info(fmt, NULL)) < 0) {
        err = apr_psprintf(p, "the media streams could not be read (%s)", av_err(p, rv));
        goto out;
    }
    if (!fmt->nb_streams) {
        err = "the file holds no audio or video stream";
        goto out;
    }
    if ((err = header_insane(p, fmt))) /* find_stream_info may have learnt more */
        goto out;
    for (i = 0; i < fmt->nb_streams; i++) {
        AVStream *st = fmt->streams[i];
        const AVCodecParameters *cp = st->codecpar;
        if (!avcodec_find_decoder(cp->codec_id))
            continue;
        if (cp->codec_type == AVMEDIA_TYPE_VIDEO && video < 0 && cp->width > 0 && cp->height > 0 &&
            !(st->disposition & AV_DISPOSITION_ATTACHED_PIC))
            video = (int)i;
        if (cp->codec_type == AVMEDIA_TYPE_AUDIO && audio < 0 && cp->sample_rate > 0 &&
            cp->ch_layout.nb_channels > 0)
            audio = (int)i;
    }
    if (video >= 0) {
        rv = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
        if (rv >= 0 && !(fmt->streams[rv]->disposition & AV_DISPOSITION_ATTACHED_PIC))
            video = rv;
    }
    if (audio >= 0 && (rv = av_find_best_stream(fmt, AVMEDIA_TYPE_AUDIO, -1, -1, NULL, 0)) >= 0)
        audio = rv;
    if (audio < 0 && video < 0) {
        err = "the file has no audio or video stream that can be decoded";
        goto out;
    }
    if (fmt->duration > 0 && fmt->duration != AV_NOPTS_VALUE)
        duration = (double)fmt->duration / AV_TIME_BASE;
    if (duration <= 0)
        for (i = 0; i < fmt->nb_streams; i++) {
            AVStream *st = fmt->streams[i];
            if (st->duration > 0 && st->duration != AV_NOPTS_VALUE) {
                double d = st->duration * av_q2d(st->time_base);
                if (d > duration)
                    duration = d;
            }
        }
    if (!(duration > 0)) {
        err = "the media has no duration (empty, truncated or a raw stream)";
        goto out;
    }
    main_idx = video >= 0 ? video : audio;
    if (!first_frame_decodes(fmt, main_idx)) {
        err = apr_psprintf(p, "the %s stream could not be decoded (truncated or corrupt)",
                           main_idx == video ? "video" : "audio");
        goto out;
    }
    *probe = probe_json(fmt, duration, audio >= 0, video >= 0);
    *duration_s = duration;
    *code = NULL;
out:
    avformat_close_input(&fmt);
    return err;
}

void miq_probe_display(const AVStream *st, int *rotation, int *width, int *height)
{
    const uint8_t *dm = av_stream_get_side_data(st, AV_PKT_DATA_DISPLAYMATRIX, NULL);
    AVRational sar = st->sample_aspect_ratio.num ? st->sample_aspect_ratio
                                                 : st->codecpar->sample_aspect_ratio;
    int cw = st->codecpar->width > 0 ? st->codecpar->width : 0;
    int ch = st->codecpar->height > 0 ? st->codecpar->height : 0;
    double r = dm ? -av_display_rotation_get((const int32_t *)dm) : 0, a;
    long w;
    if (!isfinite(r))
        r = 0;
    /* the nearest quarter turn, as ffmpeg's autorotate */
    *rotation = (int)(((lround(r / 90.0) % 4) + 4) % 4) * 90;
    a = sar.num > 0 && sar.den > 0 ? av_q2d(sar) : 1;
    if (!(a >= 1.0 / 16 && a <= 16)) /* from the file: bounded before it sizes anything */
        a = 1;
    w = lround(cw * a);
    if (w > MIQ_PROBE_MAX_SIDE * 16L)
        w = MIQ_PROBE_MAX_SIDE * 16L;
    *width = *rotation % 180 ? ch : (int)w;
    *height = *rotation % 180 ? (int)w : ch;
}
