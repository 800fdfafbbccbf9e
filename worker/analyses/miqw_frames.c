/* video/frames: exact frames at timestamps. For each time (processed in
 * ascending order) the demuxer seeks to the keyframe before it only when that
 * is ahead of where decoding already is; decoding then runs forward to the
 * frame shown at that time (the last frame whose pts <= t, with half a
 * millisecond of slack so a time printed to the ms still names its frame). */
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <apr_strings.h>
#include <apr_file_io.h>
#include <libswscale/swscale.h>
#include "endpoints/miq_endpoints.h"
#include "analyses/miqw_frames.h"
#include "analyses/miqw_video.h"
#include "base/miq_text.h"
#include "base/miq_json.h"

/* ---- forward decoder with one frame of look-ahead ---- */
typedef struct grabber {
    miqw_media *m;
    AVCodecContext *dec;
    AVPacket *pkt;
    AVFrame *best, *ahead, *tmp;
    int have_best, have_ahead, eof, positioned;
    int64_t cur; /* pts of best */
} grabber;

static int next_frame(grabber *g, AVFrame *out)
{
    int rv;
    if (g->have_ahead) {
        av_frame_move_ref(out, g->ahead);
        g->have_ahead = 0;
        return 1;
    }
    for (;;) {
        rv = avcodec_receive_frame(g->dec, out);
        if (rv >= 0)
            return 1;
        if (rv == AVERROR_EOF || (rv == AVERROR(EAGAIN) && g->eof))
            return 0;
        if (rv != AVERROR(EAGAIN))
            return rv;
        rv = av_read_frame(g->m->fmt, g->pkt);
        if (rv < 0) {
            g->eof = 1;
            avcodec_send_packet(g->dec, NULL);
            continue;
        }
        if (g->pkt->stream_index == g->m->video_idx)
            avcodec_send_packet(g->dec, g->pkt); /* a broken packet only loses its frame */
        av_packet_unref(g->pkt);
    }
}

/* Leaves the frame shown at target (stream ts) in g->best. */
static const char *grab(grabber *g, int64_t target, int64_t tol)
{
    AVStream *st = g->m->fmt->streams[g->m->video_idx];
    int seek = !g->positioned || (g->have_best && target + tol < g->cur);
    int rv;
    if (!seek && g->positioned) {
        const AVIndexEntry *e = avformat_index_get_entry_from_timestamp(st, target + tol,
                                                                        AVSEEK_FLAG_BACKWARD);
        int64_t here = g->have_best ? g->cur : INT64_MIN;
        if (e ? e->timestamp > here : target - here > llround(5 / av_q2d(st->time_base)))
            seek = 1;
    }
    if (seek) {
        if (av_seek_frame(g->m->fmt, g->m->video_idx, target + tol, AVSEEK_FLAG_BACKWARD) < 0 &&
            av_seek_frame(g->m->fmt, g->m->video_idx, target + tol,
                          AVSEEK_FLAG_BACKWARD | AVSEEK_FLAG_ANY) < 0)
            return "could not seek in the video";
        avcodec_flush_buffers(g->dec);
        av_frame_unref(g->best);
        av_frame_unref(g->ahead);
        g->have_best = g->have_ahead = g->eof = 0;
        g->positioned = 1;
    }
    while ((rv = next_frame(g, g->tmp)) > 0) {
        int64_t pts = g->tmp->best_effort_timestamp;
        if (pts == AV_NOPTS_VALUE) {
            av_frame_unref(g->tmp);
            continue;
        }
        if (pts <= target + tol) {
            av_frame_unref(g->best);
            av_frame_move_ref(g->best, g->tmp);
            g->have_best = 1;
            g->cur = pts;
        }
        else {
            av_frame_move_ref(g->ahead, g->tmp);
            g->have_ahead = 1;
            break;
        }
    }
    if (rv < 0 && !g->have_best)
        return "the video could not be decoded";
    if (!g->have_best) {
        /* Before the first frame: take the first one. */
        if (!g->have_ahead || av_frame_ref(g->best, g->ahead) < 0)
            return "no video frame at that time";
        g->have_best = 1;
        g->cur = g->best->best_effort_timestamp;
    }
    return NULL;
}

/* ---- image encoder ---- */
typedef struct imgenc {
    const miqw_media *m;
    AVCodecContext *c;
    struct SwsContext *sws;
    AVFrame *f, *turn; /* turn: the scaled picture before its display rotation */
    AVPacket *pkt;
    int64_t count;
} imgenc;

static const char *imgenc_open(imgenc *e, const char *format, int w, int h)
{
    const AVCodec *codec;
    enum AVPixelFormat pf;
    if (!strcmp(format, "png")) {
        codec = avcodec_find_encoder(AV_CODEC_ID_PNG);
        pf = AV_PIX_FMT_RGB24;
    }
    else if (!strcmp(format, "webp")) {
        codec = avcodec_find_encoder_by_name("libwebp");
        pf = AV_PIX_FMT_YUV420P;
    }
    else {
        codec = avcodec_find_encoder(AV_CODEC_ID_MJPEG);
        pf = AV_PIX_FMT_YUVJ420P;
    }
    if (!codec)
        return "no encoder for that image format";
    if (!(e->c = avcodec_alloc_context3(codec)) || !(e->f = av_frame_alloc()) ||
        !(e->pkt = av_packet_alloc()))
        return "out of memory";
    e->c->width = w;
    e->c->height = h;
    e->c->pix_fmt = pf;
    e->c->time_base = (AVRational){1, 25};
    if (pf == AV_PIX_FMT_YUVJ420P) {
        e->c->color_range = AVCOL_RANGE_JPEG;
        e->c->flags |= AV_CODEC_FLAG_QSCALE;
        e->c->global_quality = FF_QP2LAMBDA * 3;
    }
    if (avcodec_open2(e->c, codec, NULL) < 0)
        return "could not open the image encoder";
    e->f->format = pf;
    e->f->width = w;
    e->f->height = h;
    if (av_frame_get_buffer(e->f, 0) < 0)
        return "out of memory";
    return NULL;
}

static void imgenc_close(imgenc *e)
{
    avcodec_free_context(&e->c);
    av_frame_free(&e->f);
    av_frame_free(&e->turn);
    av_packet_free(&e->pkt);
    sws_freeContext(e->sws);
    e->sws = NULL;
}

static const char *imgenc_write(imgenc *e, apr_pool_t *p, const AVFrame *src, const char *path,
                                apr_off_t *bytes)
{
    apr_file_t *fh;
    apr_size_t n;
    int rv;
    if (miqw_scale_upright(e->m, &e->sws, &e->turn, src, e->f) < 0)
        return "could not scale the frame";
    e->f->quality = e->c->global_quality;
    e->f->pts = e->count++;
    if (avcodec_send_frame(e->c, e->f) < 0 || (rv = avcodec_receive_packet(e->c, e->pkt)) < 0)
        return "could not encode the image";
    n = e->pkt->size;
    if (apr_file_open(&fh, path,
                      APR_FOPEN_CREATE | APR_FOPEN_WRITE | APR_FOPEN_TRUNCATE | APR_FOPEN_BINARY,
                      APR_FPROT_OS_DEFAULT, p) != APR_SUCCESS) {
        av_packet_unref(e->pkt);
        return apr_psprintf(p, "could not create %s", path);
    }
    rv = apr_file_write_full(fh, e->pkt->data, n, NULL) != APR_SUCCESS;
    rv |= apr_file_close(fh) != APR_SUCCESS;
    av_packet_unref(e->pkt);
    *bytes = n;
    return rv ? "could not write the image" : NULL;
}

/* ---- requests ---- */
typedef struct req {
    double t;
    int idx;
    double score;
} req;

static int req_cmp(const void *a, const void *b)
{
    const req *x = a, *y = b;
    return x->t < y->t ? -1 : x->t > y->t ? 1 : x->idx - y->idx;
}

static const char *build_requests(apr_pool_t *p, miqw_media *m, const json_t *params,
                                  const json_t *cuts, int max, req **out, int *n, const char **code)
{
    json_t *ts = json_object_get(params, "timestamps"), *ev = json_object_get(params, "every_s");
    req *r;
    size_t i, count = 0;
    *code = "invalid_request";
    if (json_is_array(ts)) {
        r = apr_pcalloc(p, sizeof(*r) * (json_array_size(ts) + 1));
        for (i = 0; i < json_array_size(ts) && (int)count < max; i++) {
            json_t *v = json_array_get(ts, i);
            if (!json_is_number(v) || json_number_value(v) < 0)
                return "timestamps must be non-negative numbers of seconds";
            r[count].t = json_number_value(v);
            r[count].score = 1;
            r[count].idx = (int)count;
            count++;
        }
    }
    else if (json_is_number(ev)) {
        double step = json_number_value(ev), end = m->duration_s;
        if (!(step >= 0.04))
            return "every_s must be at least 0.04";
        r = apr_pcalloc(p, sizeof(*r) * (max + 1));
        for (i = 0; (int)i < max && i * step < end - 1e-6; i++) {
            r[i].t = i * step;
            r[i].score = 1;
            r[i].idx = (int)i;
            count++;
        }
    }
    else if (json_is_true(json_object_get(params, "at_scenes"))) {
        if (!json_is_array(cuts)) {
            *code = "server_error";
            return "at_scenes needs the cuts of a scene pass";
        }
        r = apr_pcalloc(p, sizeof(*r) * (json_array_size(cuts) + 2));
        r[0].score = 1;
        count = 1;
        for (i = 0; i < json_array_size(cuts) && (int)count < max; i++) {
            json_t *c = json_array_get(cuts, i), *f = json_object_get(c, "frame");
            r[count].t = json_is_integer(f) && m->fps > 0
                             ? json_integer_value(f) / m->fps
                             : json_number_value(json_object_get(c, "time"));
            r[count].score = json_number_value(json_object_get(c, "score"));
            r[count].idx = (int)count;
            count++;
        }
    }
    else
        return "give one of timestamps, every_s or at_scenes";
    *code = NULL;
    *out = r;
    *n = (int)count;
    return NULL;
}

static const char *extract(apr_pool_t *p, miqw_media *m, grabber *g, imgenc *e, req *r, int n,
                           const char *format, const char *out_dir, json_t **items)
{
    AVStream *st = m->fmt->streams[m->video_idx];
    int64_t tol = llround(0.0005 / av_q2d(st->time_base));
    const char *ext = !strcmp(format, "jpg") ? "jpg" : format, *err;
    int i;
    for (i = 0; i < n; i++) {
        double t;
        int64_t fr;
        const char *name, *path, *tc;
        apr_off_t bytes = 0;
        json_t *o;
        if ((err = grab(g, miqw_video_ts(m, r[i].t), tol)))
            return err;
        t = miqw_frame_seconds(m, g->best);
        fr = miqw_frame_number(m, t < 0 ? 0 : t);
        name = apr_psprintf(p, "frame_%04d_f%06" APR_INT64_T_FMT ".%s", r[i].idx, fr, ext);
        if (apr_filepath_merge((char **)&path, out_dir, name, 0, p) != APR_SUCCESS)
            return "bad output directory";
        if ((err = imgenc_write(e, p, g->best, path, &bytes)))
            return err;
        tc = miq_text_timecode(p, m->fps > 0 ? fr / m->fps : 0, m->fps > 0 ? m->fps : 25);
        o = json_pack("{s:i,s:f,s:f,s:I,s:s,s:s,s:i,s:i,s:s,s:I,s:s,s:{s:s},s:f}", "index",
                      r[i].idx, "time", miqw_ms(m->fps > 0 ? fr / m->fps : t), "requested_time",
                      miqw_ms(r[i].t), "frame", (json_int_t)fr, "timecode", tc ? tc : "00:00:00:00",
                      "file", name, "width", e->c->width, "height", e->c->height, "format", ext,
                      "bytes", (json_int_t)bytes, "detector", "exact-seek", "params", "format", ext,
                      "score",
                      r[i].score < 0   ? 0
                      : r[i].score > 1 ? 1
                                       : r[i].score);
        if (!o)
            return "out of memory";
        items[r[i].idx] = o;
    }
    return NULL;
}

const char *miqw_frames_extract(apr_pool_t *p, miqw_media *m, const json_t *params,
                                const json_t *scene_cuts, const char *out_dir, json_t *result,
                                const char **code)
{
    json_t *jw = json_object_get(params, "width"), *jf = json_object_get(params, "format");
    json_t *jm = json_object_get(params, "max_frames"), *frames, **items;
    const char *format = json_is_string(jf) ? json_string_value(jf) : "jpg", *err;
    int width = json_is_integer(jw) ? (int)json_integer_value(jw) : 640;
    int max = json_is_integer(jm) ? (int)json_integer_value(jm) : 200, n = 0, i, h;
    double dar;
    grabber g = {0};
    imgenc e = {0};
    req *r = NULL;
    *code = "unsupported_media";
    if (m->video_idx < 0)
        return MIQW_NO_VIDEO;
    *code = "invalid_request";
    if (strcmp(format, "jpg") && strcmp(format, "png") && strcmp(format, "webp"))
        return "format must be jpg, png or webp";
    if (width < 16 || width > 3840 || max < 1 || max > 5000)
        return "width must be 16..3840 and max_frames 1..5000";
    if ((err = build_requests(p, m, params, scene_cuts, max, &r, &n, code)))
        return err;
    /* As shown: upright, with the sample aspect ratio (both from the file). */
    dar = (double)m->display_width / (m->display_height > 0 ? m->display_height : 1);
    /* The SAR comes from the file: bound the aspect ratio before it sizes a frame. */
    if (!(dar >= 1.0 / 16 && dar <= 16))
        dar = 16.0 / 9;
    h = (int)lround(width / dar);
    if (strcmp(format, "png")) { /* 4:2:0 wants even sizes */
        width &= ~1;
        h = (h + 1) & ~1;
    }
    if (h < 2)
        h = 2;
    *code = "server_error";
    items = apr_pcalloc(p, sizeof(*items) * (n + 1));
    g.m = m;
    e.m = m;
    if (!(g.pkt = av_packet_alloc()) || !(g.best = av_frame_alloc()) ||
        !(g.ahead = av_frame_alloc()) || !(g.tmp = av_frame_alloc()))
        err = "out of memory";
    else if (!(g.dec = miqw_video_decoder(m, 0, &err)))
        ;
    else if (!(err = imgenc_open(&e, format, width, h))) {
        qsort(r, n, sizeof(*r), req_cmp);
        err = extract(p, m, &g, &e, r, n, format, out_dir, items);
    }
    avcodec_free_context(&g.dec);
    av_packet_free(&g.pkt);
    av_frame_free(&g.best);
    av_frame_free(&g.ahead);
    av_frame_free(&g.tmp);
    imgenc_close(&e);
    frames = json_array();
    for (i = 0; i < n; i++)
        if (items[i])
            json_array_append_new(frames, items[i]);
    if (err) {
        miq_json_pool(p, frames);
        return err;
    }
    json_object_set_new(result, "frames", frames);
    *code = NULL;
    return NULL;
}
