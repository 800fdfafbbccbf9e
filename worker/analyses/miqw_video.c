/* Video helpers shared by the analyses (see miqw_video.h). */
#include <math.h>
#include <string.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>
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
    dec->thread_count = (fast & MIQW_DEC_ONE_THREAD) ? 1 : 2;
    if (fast & MIQW_DEC_FAST)
        dec->skip_loop_filter = AVDISCARD_ALL;
    if (avcodec_open2(dec, codec, NULL) < 0) {
        avcodec_free_context(&dec);
        *err = "could not open the video decoder";
        return NULL;
    }
    return dec;
}

#if defined(__SSE2__)
#include <emmintrin.h>

/* Column sums of rows [y0, y1) of a plane (at most 257 rows: 257 x 255 fits
 * 16 bits): each row read once, in order, and added 16 pixels at a time to
 * the line of sums (which stays in L1). A freshly decoded frame is mostly
 * not in this core's caches, and rows read in order are what the hardware
 * prefetcher follows; GCC's vector-extension form below, which walks down
 * 16-column strips and kept its accumulator on the stack, was 3 times
 * slower on such frames, and the thumbnails took a seventh of the scene
 * pass's CPU (perf, fixed-GOP bench file). */
static void column_sums16(const uint8_t *src, int ls, int w, int y0, int y1, uint16_t *line)
{
    const __m128i z = _mm_setzero_si128();
    int x, y;
    memset(line, 0, sizeof(*line) * (size_t)w);
    for (y = y0; y < y1; y++) {
        const uint8_t *row = src + (size_t)y * ls;
        for (x = 0; x + 16 <= w; x += 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)(row + x));
            __m128i lo = _mm_loadu_si128((const __m128i *)(line + x));
            __m128i hi = _mm_loadu_si128((const __m128i *)(line + x + 8));
            _mm_storeu_si128((__m128i *)(line + x), _mm_add_epi16(lo, _mm_unpacklo_epi8(v, z)));
            _mm_storeu_si128((__m128i *)(line + x + 8), _mm_add_epi16(hi, _mm_unpackhi_epi8(v, z)));
        }
        for (; x < w; x++)
            line[x] = (uint16_t)(line[x] + row[x]);
    }
}
#else
/* 16 pixels, and their 16-bit sums (GCC vector extensions: NEON on arm64,
 * scalar code elsewhere). */
typedef uint8_t v16u8 __attribute__((vector_size(16)));
typedef uint16_t v16u16 __attribute__((vector_size(32)));

/* Column sums of rows [y0, y1) of a plane, 16 columns at a time in
 * registers (at most 257 rows: 257 x 255 fits 16 bits). */
static void column_sums16(const uint8_t *src, int ls, int w, int y0, int y1, uint16_t *line)
{
    int x = 0, y;
    for (; x + 16 <= w; x += 16) {
        v16u16 acc = {0};
        for (y = y0; y < y1; y++) {
            v16u8 v;
            memcpy(&v, src + (size_t)y * ls + x, sizeof(v));
            acc += __builtin_convertvector(v, v16u16);
        }
        memcpy(line + x, &acc, sizeof(acc));
    }
    for (; x < w; x++) {
        unsigned a = 0;
        for (y = y0; y < y1; y++)
            a += src[(size_t)y * ls + x];
        line[x] = (uint16_t)a;
    }
}
#endif

/* Area average of a w x h plane into dw x dh (w >= dw, h >= dh): each band
 * of rows is summed into a line of column sums, then each output pixel adds
 * its columns; every source pixel counts once. */
static void box_plane(const uint8_t *src, int ls, int w, int h, uint8_t *dst, int dw, int dh)
{
    uint16_t line16[MIQW_VIDEO_MAX_W];
    uint32_t line[MIQW_VIDEO_MAX_W];
    int i, j, x, y;
    for (j = 0; j < dh; j++) {
        int y0 = (int)((int64_t)j * h / dh), y1 = (int)((int64_t)(j + 1) * h / dh),
            narrow = y1 - y0 <= 257;
        if (narrow)
            column_sums16(src, ls, w, y0, y1, line16);
        else {
            memset(line, 0, sizeof(*line) * w);
            for (y = y0; y < y1; y++)
                for (x = 0; x < w; x++)
                    line[x] += src[(size_t)y * ls + x];
        }
        for (i = 0; i < dw; i++) {
            int x0 = (int)((int64_t)i * w / dw), x1 = (int)((int64_t)(i + 1) * w / dw);
            uint64_t sum = 0, n = (uint64_t)(x1 - x0) * (y1 - y0);
            for (x = x0; x < x1; x++)
                sum += narrow ? line16[x] : line[x];
            dst[j * dw + i] = (uint8_t)((sum + n / 2) / n);
        }
    }
}

int miqw_video_thumb(struct SwsContext **sws, const AVFrame *f, uint8_t *out, int tw, int th)
{
    uint8_t *dst[4] = {out, out + tw * th, out + tw * th + (tw / 2) * (th / 2), NULL};
    int ls[4] = {tw, tw / 2, tw / 2, 0};
    if (f->format == AV_PIX_FMT_YUV420P && f->width >= tw && f->height >= th &&
        f->width <= MIQW_VIDEO_MAX_W) {
        box_plane(f->data[0], f->linesize[0], f->width, f->height, dst[0], tw, th);
        box_plane(f->data[1], f->linesize[1], (f->width + 1) / 2, (f->height + 1) / 2, dst[1],
                  tw / 2, th / 2);
        box_plane(f->data[2], f->linesize[2], (f->width + 1) / 2, (f->height + 1) / 2, dst[2],
                  tw / 2, th / 2);
        return 0;
    }
    *sws = sws_getCachedContext(*sws, f->width, f->height, f->format, tw, th, AV_PIX_FMT_YUV420P,
                                SWS_AREA, NULL, NULL, NULL);
    if (!*sws)
        return -1;
    sws_scale(*sws, (const uint8_t *const *)f->data, f->linesize, 0, f->height, dst, ls);
    return 0;
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

/* One plane turned by rot (90, 180, 270 clockwise): bpp bytes a pixel; sw x
 * sh is the source plane. */
static void turn_plane(const uint8_t *src, int sls, int sw, int sh, uint8_t *dst, int dls, int bpp,
                       int rot)
{
    int x, y, dw = rot == 180 ? sw : sh, dh = rot == 180 ? sh : sw;
    for (y = 0; y < dh; y++) {
        uint8_t *d = dst + (size_t)y * dls;
        for (x = 0; x < dw; x++) {
            int sx = rot == 90 ? y : rot == 180 ? sw - 1 - x : sw - 1 - y;
            int sy = rot == 90 ? sh - 1 - x : rot == 180 ? sh - 1 - y : x;
            memcpy(d + (size_t)x * bpp, src + (size_t)sy * sls + (size_t)sx * bpp, bpp);
        }
    }
}

int miqw_scale_upright(const miqw_media *m, struct SwsContext **sws, AVFrame **tmp,
                       const AVFrame *src, AVFrame *dst)
{
    const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(dst->format);
    int rot = m->rotation, tw, th, p, c;
    AVFrame *t;
    if (!d)
        return -1;
    if (rot != 90 && rot != 180 && rot != 270) {
        *sws = sws_getCachedContext(*sws, src->width, src->height, src->format, dst->width,
                                    dst->height, dst->format, SWS_BICUBIC, NULL, NULL, NULL);
        if (!*sws || av_frame_make_writable(dst) < 0)
            return -1;
        sws_scale(*sws, (const uint8_t *const *)src->data, src->linesize, 0, src->height, dst->data,
                  dst->linesize);
        return 0;
    }
    /* scale to the stored orientation, then turn */
    tw = rot == 180 ? dst->width : dst->height;
    th = rot == 180 ? dst->height : dst->width;
    t = *tmp;
    if (t && (t->width != tw || t->height != th || t->format != dst->format))
        av_frame_free(tmp);
    if (!*tmp) {
        if (!(t = av_frame_alloc()))
            return -1;
        t->format = dst->format;
        t->width = tw;
        t->height = th;
        if (av_frame_get_buffer(t, 0) < 0) {
            av_frame_free(&t);
            return -1;
        }
        *tmp = t;
    }
    t = *tmp;
    *sws = sws_getCachedContext(*sws, src->width, src->height, src->format, tw, th, t->format,
                                SWS_BICUBIC, NULL, NULL, NULL);
    if (!*sws || av_frame_make_writable(dst) < 0)
        return -1;
    sws_scale(*sws, (const uint8_t *const *)src->data, src->linesize, 0, src->height, t->data,
              t->linesize);
    for (p = 0; p < 4 && t->data[p]; p++) {
        int bpp = 0, cs = p == 1 || p == 2;
        for (c = 0; c < d->nb_components; c++)
            if (d->comp[c].plane == p && d->comp[c].step > bpp)
                bpp = d->comp[c].step;
        if (bpp < 1)
            continue;
        turn_plane(t->data[p], t->linesize[p], cs ? AV_CEIL_RSHIFT(tw, d->log2_chroma_w) : tw,
                   cs ? AV_CEIL_RSHIFT(th, d->log2_chroma_h) : th, dst->data[p], dst->linesize[p],
                   bpp, rot);
    }
    return 0;
}
