#include <string.h>
#include <apr_strings.h>
#include <libavutil/avutil.h>
#include "endpoints/miq_endpoints.h"
#include "jobs/miq_probe.h"
#include "miqw_media.h"

static apr_status_t media_cleanup(void *data)
{
    miqw_media *m = data;
    if (m->fmt)
        avformat_close_input(&m->fmt);
    return APR_SUCCESS;
}

const char *miqw_media_open(apr_pool_t *p, const char *path, miqw_media **out, const char **code)
{
    miqw_media *m = apr_pcalloc(p, sizeof(*m));
    AVDictionary *opts = NULL;
    int rv, i;
    char buf[256];
    *code = "unsupported_media";
    m->pool = p;
    m->path = apr_pstrdup(p, path);
    m->audio_idx = m->video_idx = -1;
    av_log_set_level(AV_LOG_ERROR);
    /* The same demuxers httpd accepted at upload, local files only: an
     * uploaded playlist must not make us read other files or the network. */
    av_dict_set(&opts, "format_whitelist", MIQ_PROBE_FORMATS, 0);
    av_dict_set(&opts, "protocol_whitelist", "file", 0);
    rv = avformat_open_input(&m->fmt, path, NULL, &opts);
    av_dict_free(&opts);
    if (rv < 0) {
        av_strerror(rv, buf, sizeof(buf));
        return apr_psprintf(p, "not a media file libavformat can read (%s)", buf);
    }
    apr_pool_cleanup_register(p, m, media_cleanup, apr_pool_cleanup_null);
    if ((rv = avformat_find_stream_info(m->fmt, NULL)) < 0) {
        av_strerror(rv, buf, sizeof(buf));
        return apr_psprintf(p, "could not read the streams (%s)", buf);
    }
    m->audio_idx = av_find_best_stream(m->fmt, AVMEDIA_TYPE_AUDIO, -1, -1, NULL, 0);
    m->video_idx = -1;
    for (i = 0; i < (int)m->fmt->nb_streams; i++) {
        AVStream *st = m->fmt->streams[i];
        if (st->codecpar->codec_type == AVMEDIA_TYPE_VIDEO &&
            !(st->disposition & AV_DISPOSITION_ATTACHED_PIC)) {
            m->video_idx = av_find_best_stream(m->fmt, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
            break;
        }
    }
    if (m->audio_idx < 0)
        m->audio_idx = -1;
    if (m->video_idx >= 0 &&
        (m->fmt->streams[m->video_idx]->disposition & AV_DISPOSITION_ATTACHED_PIC))
        m->video_idx = -1;
    if (m->audio_idx >= 0 &&
        !avcodec_find_decoder(m->fmt->streams[m->audio_idx]->codecpar->codec_id))
        m->audio_idx = -1;
    if (m->video_idx >= 0 &&
        !avcodec_find_decoder(m->fmt->streams[m->video_idx]->codecpar->codec_id))
        m->video_idx = -1;
    if (m->fmt->nb_streams > MIQW_MAX_STREAMS)
        return apr_psprintf(p, "the file has %u streams (at most %d are accepted)",
                            m->fmt->nb_streams, MIQW_MAX_STREAMS);
    if (m->audio_idx < 0 && m->video_idx < 0)
        return "the file has no audio or video stream that can be decoded";
    if (m->fmt->duration > 0)
        m->duration_s = (double)m->fmt->duration / AV_TIME_BASE;
    for (i = 0; i < (int)m->fmt->nb_streams; i++) {
        AVStream *st = m->fmt->streams[i];
        if (st->duration > 0) {
            double d = st->duration * av_q2d(st->time_base);
            if (d > m->duration_s && m->duration_s <= 0)
                m->duration_s = d;
        }
    }
    if (m->video_idx >= 0) {
        AVStream *st = m->fmt->streams[m->video_idx];
        AVRational r = st->avg_frame_rate.num ? st->avg_frame_rate : st->r_frame_rate;
        m->fps = r.num > 0 && r.den > 0 ? av_q2d(r) : 0;
        m->width = st->codecpar->width;
        m->height = st->codecpar->height;
        if (m->width <= 0 || m->height <= 0 || m->width > MIQW_MAX_DIMENSION ||
            m->height > MIQW_MAX_DIMENSION || (int64_t)m->width * m->height > MIQW_MAX_PIXELS)
            return apr_psprintf(p,
                                "the video is %dx%d: sizes up to %dx%d and %" APR_INT64_T_FMT
                                " pixels are accepted",
                                m->width, m->height, MIQW_MAX_DIMENSION, MIQW_MAX_DIMENSION,
                                (apr_int64_t)MIQW_MAX_PIXELS);
        miq_probe_display(st, &m->rotation, &m->display_width, &m->display_height);
        if (!(m->fps >= 0 && m->fps <= MIQW_MAX_FPS))
            return apr_psprintf(p, "the video declares %.0f frames per second (at most %.0f)",
                                m->fps, MIQW_MAX_FPS);
    }
    if (m->audio_idx >= 0) {
        AVStream *st = m->fmt->streams[m->audio_idx];
        m->sample_rate = st->codecpar->sample_rate;
        m->channels = st->codecpar->ch_layout.nb_channels;
        if (m->sample_rate < 1 || m->sample_rate > MIQW_MAX_SAMPLE_RATE)
            return apr_psprintf(p, "the audio declares a sample rate of %d Hz (1..%d accepted)",
                                m->sample_rate, MIQW_MAX_SAMPLE_RATE);
        if (m->channels < 1 || m->channels > MIQW_MAX_CHANNELS)
            return apr_psprintf(p, "the audio declares %d channels (1..%d accepted)", m->channels,
                                MIQW_MAX_CHANNELS);
    }
    if (!(m->duration_s > 0))
        return "the media has no duration (empty or truncated)";
    if (m->duration_s > MIQW_MAX_DURATION_S)
        return apr_psprintf(p, "the media declares %.0f s (at most %.0f s are accepted)",
                            m->duration_s, MIQW_MAX_DURATION_S);
    *code = NULL;
    *out = m;
    return NULL;
}

void miqw_media_close(miqw_media *m)
{
    if (m) {
        apr_pool_cleanup_kill(m->pool, m, media_cleanup);
        media_cleanup(m);
    }
}

json_t *miqw_endpoint_params(apr_pool_t *p, const char *endpoint, const json_t *params,
                             const char **err)
{
    const miq_endpoint *ep = miq_endpoints_find(endpoint);
    json_t *full;
    if (!ep) {
        *err = apr_psprintf(p, "unknown endpoint %s", endpoint);
        return NULL;
    }
    full = miq_endpoints_apply_defaults(p, ep, params);
    if ((*err = miq_endpoints_check_params(p, ep, full, 0)))
        return NULL;
    return full;
}

double miqw_ts_seconds(const miqw_media *m, int stream, int64_t ts)
{
    AVStream *st = m->fmt->streams[stream];
    int64_t start = st->start_time != AV_NOPTS_VALUE ? st->start_time : 0;
    if (ts == AV_NOPTS_VALUE)
        return -1;
    return (ts - start) * av_q2d(st->time_base);
}

json_t *miqw_media_probe_json(apr_pool_t *p, const miqw_media *m)
{
    json_t *o = json_object(), *streams = json_array();
    unsigned i;
    (void)p;
    json_object_set_new(o, "duration_s", json_real(m->duration_s));
    json_object_set_new(o, "format", json_string(m->fmt->iformat->name));
    for (i = 0; i < m->fmt->nb_streams; i++) {
        AVStream *st = m->fmt->streams[i];
        AVCodecParameters *cp = st->codecpar;
        const char *type = av_get_media_type_string(cp->codec_type);
        json_t *s = json_pack("{s:i,s:s,s:s}", "index", (int)i, "type", type ? type : "unknown",
                              "codec", avcodec_get_name(cp->codec_id));
        if (st->duration > 0)
            json_object_set_new(s, "duration_s", json_real(st->duration * av_q2d(st->time_base)));
        if (cp->codec_type == AVMEDIA_TYPE_VIDEO) {
            AVRational r = st->avg_frame_rate.num ? st->avg_frame_rate : st->r_frame_rate;
            json_object_set_new(s, "width", json_integer(cp->width));
            json_object_set_new(s, "height", json_integer(cp->height));
            if ((int)i == m->video_idx) {
                json_object_set_new(s, "display_width", json_integer(m->display_width));
                json_object_set_new(s, "display_height", json_integer(m->display_height));
                json_object_set_new(s, "rotation", json_integer((360 - m->rotation) % 360));
            }
            if (r.num && r.den)
                json_object_set_new(s, "fps", json_real(av_q2d(r)));
            if (st->disposition & AV_DISPOSITION_ATTACHED_PIC)
                json_object_set_new(s, "attached_picture", json_true());
        }
        else if (cp->codec_type == AVMEDIA_TYPE_AUDIO) {
            json_object_set_new(s, "sample_rate", json_integer(cp->sample_rate));
            json_object_set_new(s, "channels", json_integer(cp->ch_layout.nb_channels));
        }
        json_array_append_new(streams, s);
    }
    json_object_set_new(o, "streams", streams);
    json_object_set_new(o, "has_audio", json_boolean(m->audio_idx >= 0));
    json_object_set_new(o, "has_video", json_boolean(m->video_idx >= 0));
    return o;
}

/* End time (seconds) of a packet, -1 without timestamps. */
static double packet_end(const miqw_media *m, const AVPacket *pkt)
{
    int64_t ts = pkt->pts != AV_NOPTS_VALUE ? pkt->pts : pkt->dts;
    double t;
    if (ts == AV_NOPTS_VALUE)
        return -1;
    t = miqw_ts_seconds(m, pkt->stream_index, ts);
    if (pkt->duration > 0)
        t += pkt->duration * av_q2d(m->fmt->streams[pkt->stream_index]->time_base);
    return t;
}

const char *miqw_pass_run(miqw_media *m, miqw_consumer **cs, int n, miqw_progress_fn *progress,
                          void *baton, json_t *result, const char **code)
{
    AVPacket *pkt = av_packet_alloc();
    const char *err = NULL;
    int i, rv, failed = 0;
    int64_t packets = 0, analysed = 0;
    *code = NULL;
    m->covered_s = 0;
    m->truncated = m->limited = 0;
    if (!pkt) {
        *code = "server_error";
        return "out of memory";
    }
    /* A pass always starts at the beginning, even if an analysis sought before. */
    avformat_seek_file(m->fmt, -1, INT64_MIN, 0, 0, 0);
    while (!failed && (rv = av_read_frame(m->fmt, pkt)) >= 0) {
        int mine = pkt->stream_index == m->audio_idx || pkt->stream_index == m->video_idx;
        double t = mine ? packet_end(m, pkt) : -1;
        /* Never analyse far past what was reserved: the header may understate the length. */
        if (mine && m->limit_s > 0 && t > m->limit_s) {
            m->limited = 1;
            av_packet_unref(pkt);
            break;
        }
        if (mine) {
            analysed++;
            if (t > m->covered_s)
                m->covered_s = t;
        }
        for (i = 0; i < n && !failed; i++)
            if (cs[i]->on_packet(cs[i], m, pkt, &err, code))
                failed = 1;
        /* Progress from the packet's time (cheap, monotonic enough). */
        if (!failed && progress && (++packets & 255) == 0 && t >= 0) {
            double f = m->duration_s > 0 ? t / m->duration_s : 0;
            if (progress(baton, f < 0 ? 0 : f > 0.95 ? 0.95 : f)) {
                err = "the job was canceled";
                *code = "canceled";
                failed = 1;
            }
        }
        av_packet_unref(pkt);
    }
    av_packet_free(&pkt);
    if (!failed && !analysed) {
        failed = 1;
        *code = "unsupported_media";
        err = "no packet of the media could be read (corrupt or truncated file)";
    }
    /* Shorter than declared: the result says so, and the bill follows what was read. */
    if (!m->limited && m->covered_s > 0 && m->covered_s < m->duration_s * 0.95 - 0.5)
        m->truncated = 1;
    for (i = 0; i < n && !failed; i++)
        if ((err = cs[i]->finish(cs[i], m, m->pool, result, code)))
            failed = 1;
    for (i = 0; i < n; i++)
        if (cs[i]->destroy)
            cs[i]->destroy(cs[i]);
    if (failed && !*code)
        *code = "server_error";
    return failed ? (err ? err : "analysis failed") : NULL;
}
