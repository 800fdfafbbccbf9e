/* Video helpers shared by the analyses (see miqw_video.h). */
#include <math.h>
#include "analyses/miqw_video.h"

AVCodecContext *miqw_video_decoder(const miqw_media *m, int fast, const char **err)
{
    AVStream *st;
    const AVCodec *codec;
    AVCodecContext *dec;
    if (m->video_idx < 0) {
        *err = MIQW_NO_VIDEO;
        return NULL;
    }
    st = m->fmt->streams[m->video_idx];
    if (!(codec = avcodec_find_decoder(st->codecpar->codec_id))) {
        *err = "no decoder for the video codec";
        return NULL;
    }
    if (!(dec = avcodec_alloc_context3(codec)) ||
        avcodec_parameters_to_context(dec, st->codecpar) < 0) {
        avcodec_free_context(&dec);
        *err = "out of memory";
        return NULL;
    }
    dec->pkt_timebase = st->time_base;
    /* Decode limits: libav refuses frames above MIQW_MAX_PIXELS (a stream that
     * grows mid-way), and a job uses at most two decoding threads. */
    dec->max_pixels = MIQW_MAX_PIXELS;
    dec->thread_count = 2;
    if (fast)
        dec->skip_loop_filter = AVDISCARD_ALL;
    if (avcodec_open2(dec, codec, NULL) < 0) {
        avcodec_free_context(&dec);
        *err = "could not open the video decoder";
        return NULL;
    }
    return dec;
}

double miqw_frame_seconds(const miqw_media *m, const AVFrame *f)
{
    int64_t ts = f->best_effort_timestamp != AV_NOPTS_VALUE ? f->best_effort_timestamp : f->pts;
    return miqw_ts_seconds(m, m->video_idx, ts);
}

int64_t miqw_frame_number(const miqw_media *m, double t)
{
    return m->fps > 0 && t > 0 ? llround(t * m->fps) : 0;
}

int64_t miqw_video_ts(const miqw_media *m, double t)
{
    AVStream *st = m->fmt->streams[m->video_idx];
    int64_t start = st->start_time != AV_NOPTS_VALUE ? st->start_time : 0;
    return start + llround(t / av_q2d(st->time_base));
}

double miqw_ms(double t)
{
    return round(t * 1000.0) / 1000.0;
}
