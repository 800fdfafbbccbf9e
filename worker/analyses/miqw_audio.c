/* Audio consumer: decode, then silence / RMS windows / peaks / BS.1770
 * loudness straight on the samples. See miqw_audio.h. */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include <libavutil/channel_layout.h>
#include <libswresample/swresample.h>
#include "analyses/miqw_audio.h"
#include "analyses/miqw_loudness.h"
#include "analyses/miqw_classify.h"
#include "analyses/miqw_samples.h"
#include "base/miq_json.h"

#define DB_FLOOR      (-120.0)
#define PEAK_HEAP_MAX 65536
#define MAX_CH        64
#define SIL_WINDOW_S  0.01
#define EDGE_N        100 /* windows kept at each end of a silence run (1 s) */
#define EDGE_ABOVE    4.0 /* a tail is 6 dB over the run's floor (power ratio) */

typedef struct {
    double start, end, mean_db;
} sil_item; /* seconds */
typedef struct {
    float ms, pk; /* mean square, sample peak of the mono mix */
    int n;
} edge_win;
typedef struct {
    double ms;
    int64_t idx;
    int64_t len;
} peak_cand;

typedef struct audio_state {
    AVCodecContext *dec;
    AVFrame *frame;
    SwrContext *swr;
    int swr_rate, swr_fmt; /* swr input, to notice mid-stream changes */
    AVChannelLayout swr_layout, layout;
    int rate, nch, ready; /* set by the first decoded frame */
    const char *fail;     /* why the samples cannot be analysed */
    float *conv, *mono;   /* nch planes of conv_cap, then mono */
    int conv_cap;
    double t0, dur_hint; /* first sample time; declared stream duration */
    int64_t nsamples;
    double total_sumsq;
    long nonfinite; /* NaN / infinite samples read as silence */
    /* silence */
    int do_sil, sil_n, sil_fill, in_run;
    double sil_min_s, sil_thr_db, sil_thr_ms, sil_thr_amp, sil_acc, sil_peak, run_sum;
    int64_t run_start, run_n, run_wins;
    edge_win head[EDGE_N], tail[EDGE_N]; /* the run's first and (ring) last windows */
    sil_item *sils;
    size_t nsil, capsil;
    /* energy windows */
    int do_en, win_n, win_fill, top_k, no_windows;
    double win_s, gap_s, win_acc;
    int64_t win_idx; /* base windows completed */
    double *wins;    /* stored (merged) windows: sum of squares */
    int nwins, span, group_cnt;
    double group_acc;
    peak_cand *heap;
    int nheap, heap_cap;
    miqw_loudness *loud; /* with energy */
    miqw_classify *cls;  /* with silence */
} audio_state;

static double r3(double x)
{
    return round(x * 1000.0) / 1000.0;
}

static double ms_db(double ms)
{
    double db = ms > 0 ? 10.0 * log10(ms) : DB_FLOOR;
    return db < DB_FLOOR ? DB_FLOOR : db;
}

static double clamp01(double x)
{
    return x < 0 ? 0 : x > 1 ? 1 : x;
}

static double param_num(const json_t *o, const char *key)
{
    return json_number_value(json_object_get(o, key));
}

/* ---- silence ---- */
static int edge_ms_cmp(const void *a, const void *b)
{
    double x = ((const edge_win *)a)->ms, y = ((const edge_win *)b)->ms;
    return x < y ? -1 : x > y;
}

/* The room tone under n windows: their 20th percentile mean square. */
static double edge_floor(const edge_win *w, int n)
{
    edge_win sorted[EDGE_N];
    memcpy(sorted, w, sizeof(edge_win) * (size_t)n);
    qsort(sorted, (size_t)n, sizeof(edge_win), edge_ms_cmp);
    return sorted[n / 5].ms;
}

/* A window inside an RMS-quiet run still holds sound when its sample peak
 * reaches the threshold (as silencedetect judges) and its level stands 6 dB
 * over the run's floor: a decaying consonant or a breath does, while room
 * tone, whose random peaks may cross the threshold, does not. Such windows
 * separated by less than min_silence_s of quiet are one sound, as in
 * silencedetect: the run's edges move past the last of them. */
static int edge_sound(const audio_state *s, const edge_win *w, double floor_ms)
{
    return w->pk >= s->sil_thr_amp && w->ms >= floor_ms * EDGE_ABOVE;
}

static void sil_trim(audio_state *s, int64_t *start, int64_t *end)
{
    int nh = s->run_wins < EDGE_N ? (int)s->run_wins : EDGE_N, i, k, cut = 0, quiet = 0;
    int64_t gap = (int64_t)(s->sil_min_s * s->rate), len = 0, cut_len = 0;
    double floor_ms, sum = 0, cut_sum = 0;
    if (nh <= 0)
        return;
    floor_ms = edge_floor(s->head, nh);
    for (i = 0; i < nh && quiet < gap; i++) {
        const edge_win *w = &s->head[i];
        len += w->n, sum += (double)w->ms * w->n;
        quiet = edge_sound(s, w, floor_ms) ? 0 : quiet + w->n;
        if (!quiet)
            cut = i + 1, cut_len = len, cut_sum = sum;
    }
    *start += cut_len, s->run_sum -= cut_sum, s->run_n -= cut_len;
    floor_ms = edge_floor(s->tail, nh);
    len = 0, sum = 0, cut_len = 0, cut_sum = 0, quiet = 0;
    for (k = 0; k < nh - cut && quiet < gap; k++) { /* newest first; never past the head's cut */
        const edge_win *w = &s->tail[(s->run_wins - 1 - k) % EDGE_N];
        len += w->n, sum += (double)w->ms * w->n;
        quiet = edge_sound(s, w, floor_ms) ? 0 : quiet + w->n;
        if (!quiet)
            cut_len = len, cut_sum = sum;
    }
    *end -= cut_len, s->run_sum -= cut_sum, s->run_n -= cut_len;
}

static int sil_close(audio_state *s, int64_t end)
{
    int64_t start = s->run_start;
    double a, b;
    s->in_run = 0;
    sil_trim(s, &start, &end);
    a = s->t0 + (double)start / s->rate, b = s->t0 + (double)end / s->rate;
    if (b - a < s->sil_min_s - 1e-9 || s->run_n <= 0)
        return 0;
    if (s->nsil == s->capsil) {
        size_t cap = s->capsil ? s->capsil * 2 : 64;
        sil_item *n = realloc(s->sils, cap * sizeof(*n));
        if (!n)
            return -1;
        s->sils = n;
        s->capsil = cap;
    }
    s->sils[s->nsil].start = a;
    s->sils[s->nsil].end = b;
    s->sils[s->nsil++].mean_db = ms_db(s->run_sum / (double)s->run_n);
    return 0;
}

/* A 10 ms window [pos, pos+n) with sum of squares acc and sample peak pk is complete. */
static int sil_window(audio_state *s, int64_t pos, int n, double acc, double pk)
{
    if (acc < s->sil_thr_ms * n) {
        edge_win w = {(float)(acc / n), (float)pk, n};
        if (!s->in_run) {
            s->in_run = 1, s->run_start = pos;
            s->run_sum = 0, s->run_n = 0, s->run_wins = 0;
        }
        if (s->run_wins < EDGE_N)
            s->head[s->run_wins] = w;
        s->tail[s->run_wins++ % EDGE_N] = w;
        s->run_sum += acc;
        s->run_n += n;
        return 0;
    }
    return s->in_run ? sil_close(s, pos) : 0;
}

/* ---- energy windows and peaks ---- */
static int cand_less(const peak_cand *a, const peak_cand *b)
{
    return a->ms < b->ms || (a->ms == b->ms && a->idx > b->idx);
}

static void heap_offer(audio_state *s, double ms, int64_t idx, int64_t len)
{
    peak_cand c = {ms, idx, len}, *h = s->heap;
    int i, k;
    if (s->nheap < s->heap_cap) { /* sift up (min-heap) */
        for (i = s->nheap++; i > 0 && cand_less(&c, &h[(i - 1) / 2]); i = (i - 1) / 2)
            h[i] = h[(i - 1) / 2];
        h[i] = c;
        return;
    }
    if (!s->heap_cap || !cand_less(&h[0], &c))
        return;
    for (i = 0; (k = 2 * i + 1) < s->nheap; i = k) { /* replace the minimum, sift down */
        if (k + 1 < s->nheap && cand_less(&h[k + 1], &h[k]))
            k++;
        if (!cand_less(&h[k], &c))
            break;
        h[i] = h[k];
    }
    h[i] = c;
}

static void store_window(audio_state *s, double acc)
{
    int i;
    if (s->nwins == MIQW_AUDIO_MAX_WINDOWS) {
        for (i = 0; i < s->nwins / 2; i++)
            s->wins[i] = s->wins[2 * i] + s->wins[2 * i + 1];
        s->nwins /= 2;
        s->span *= 2;
    }
    s->wins[s->nwins++] = acc;
}

static void base_window(audio_state *s, double acc, int n)
{
    if (s->heap_cap && 2 * n >= s->win_n)
        heap_offer(s, acc / n, s->win_idx, n);
    s->win_idx++;
    s->group_acc += acc;
    if (++s->group_cnt == s->span) {
        store_window(s, s->group_acc);
        s->group_acc = 0, s->group_cnt = 0;
    }
}

/* ---- samples ---- */
/* A float stream may hold NaN or infinite samples (a hostile or broken
 * file): one of them would poison every sum after it, the loudness gate
 * included. They are read as silence from sample `from` on, in the
 * converter's buffer (the decoder's own frame is copied there first: it is
 * not ours to write); *planes and *mono then point at the cleaned copy.
 * Only called for a chunk whose sum of squares is not finite, so clean
 * audio pays nothing. Returns the number of samples replaced. */
static long drop_nonfinite(audio_state *s, float **planes, float **mono, int n, int from)
{
    long bad = 0;
    int c, i;
    for (c = 0; c < s->nch; c++) {
        float *own = s->conv + (size_t)c * s->conv_cap;
        if (planes[c] != own) {
            memcpy(own, planes[c], sizeof(float) * (size_t)n);
            planes[c] = own;
        }
        for (i = from; i < n; i++)
            if (!isfinite(own[i]))
                own[i] = 0, bad++;
    }
    if (s->nch == 1)
        *mono = planes[0];
    else
        for (i = from; i < n; i++) {
            double sum = 0;
            for (c = 0; c < s->nch; c++)
                sum += planes[c][i];
            (*mono)[i] = (float)(sum / s->nch);
        }
    return bad;
}

static int process(audio_state *s, float *const *in_planes, int n)
{
    int c, i, off, k;
    float *mono = s->mono, *planes[MAX_CH]; /* in_planes, or their cleaned copy */
    double inv = 1.0 / s->nch;
    for (c = 0; c < s->nch; c++)
        planes[c] = in_planes[c];
    if (s->nch == 1)
        mono = in_planes[0];
    else if (s->nch == 2)
        miqw_mix2(mono, in_planes[0], in_planes[1], n);
    else
        for (i = 0; i < n; i++) {
            double sum = 0;
            for (c = 0; c < s->nch; c++)
                sum += in_planes[c][i];
            mono[i] = (float)(sum * inv);
        }
    for (off = 0; off < n; off += k) { /* chunks end at window / sub-block edges */
        double acc;
        k = n - off;
        if (s->do_sil && s->sil_n - s->sil_fill < k)
            k = s->sil_n - s->sil_fill;
        if (s->do_en && s->win_n - s->win_fill < k)
            k = s->win_n - s->win_fill;
        acc = miqw_sumsq(mono + off, k);
        if (!isfinite(acc)) {
            s->nonfinite += drop_nonfinite(s, planes, &mono, n, off);
            acc = miqw_sumsq(mono + off, k);
        }
        s->total_sumsq += acc;
        if (s->do_sil) {
            s->sil_acc += acc;
            s->sil_peak = fmax(s->sil_peak, miqw_abs_peak(mono + off, k)); /* once a chunk */
            if ((s->sil_fill += k) == s->sil_n) {
                if (sil_window(s, s->nsamples + off + k - s->sil_n, s->sil_n, s->sil_acc,
                               s->sil_peak))
                    return -1;
                s->sil_acc = 0, s->sil_fill = 0, s->sil_peak = 0;
            }
        }
        if (s->do_en) {
            s->win_acc += acc;
            if ((s->win_fill += k) == s->win_n) {
                base_window(s, s->win_acc, s->win_n);
                s->win_acc = 0, s->win_fill = 0;
            }
        }
    }
    if (s->loud)
        miqw_loudness_feed(s->loud, planes, n);
    if (s->cls && miqw_classify_feed(s->cls, mono, n))
        return -1;
    s->nsamples += n;
    return 0;
}

static int ensure_buffers(audio_state *s, int n)
{
    float *b;
    if (n <= s->conv_cap || n <= 0)
        return n < 0 ? -1 : 0;
    b = realloc(s->conv, (size_t)n * (s->nch + 1) * sizeof(float));
    if (!b)
        return -1;
    s->conv = b;
    s->mono = b + (size_t)n * s->nch;
    s->conv_cap = n;
    return 0;
}

static int setup_first(audio_state *s, const AVFrame *f, miqw_media *m)
{
    double t;
    s->rate = f->sample_rate;
    s->nch = f->ch_layout.nb_channels;
    if (s->rate <= 0 || s->rate > MIQW_MAX_SAMPLE_RATE || s->nch <= 0 || s->nch > MAX_CH) {
        s->fail = "the audio stream has no usable sample rate or channel count";
        return -1;
    }
    if (av_channel_layout_copy(&s->layout, &f->ch_layout) < 0)
        return -1;
    if (f->best_effort_timestamp != AV_NOPTS_VALUE) {
        t = miqw_ts_seconds(m, m->audio_idx, f->best_effort_timestamp);
        s->t0 = t > 0 && t < 1e7 ? t : 0;
    }
    /* In 64 bits, then checked: a window must fit an int and hold a sample. */
    {
        int64_t sil_n = llround(SIL_WINDOW_S * (double)s->rate);
        int64_t win_n = s->do_en ? llround(s->win_s * (double)s->rate) : 1;
        if (sil_n < 1)
            sil_n = 1;
        if (win_n < 1)
            win_n = 1;
        if (sil_n > INT_MAX / 2 || win_n > INT_MAX / 2) {
            s->fail = "the audio's sample rate gives analysis windows out of range";
            return -1;
        }
        s->sil_n = (int)sil_n, s->win_n = (int)win_n;
    }
    if (s->do_en && !(s->loud = miqw_loudness_new(s->rate, s->nch, &s->layout)))
        return -1;
    if (s->do_sil && !(s->cls = miqw_classify_new(s->rate)))
        return -1;
    s->ready = 1;
    return 0;
}

/* Converts (when needed) and processes one decoded frame; NULL flushes swr. */
static int take_frame(audio_state *s, miqw_media *m, const AVFrame *f)
{
    int n, c;
    float *planes[MAX_CH];
    if (f && !s->ready && setup_first(s, f, m))
        return -1;
    if (f &&
        (f->sample_rate <= 0 || f->sample_rate > MIQW_MAX_SAMPLE_RATE ||
         f->ch_layout.nb_channels <= 0 || f->ch_layout.nb_channels > MAX_CH || f->nb_samples < 0)) {
        s->fail = "the audio changes to an unusable sample rate or channel count";
        return -1;
    }
    if (!s->ready)
        return 0;
    if (f && !s->swr && f->format == AV_SAMPLE_FMT_FLTP && f->sample_rate == s->rate &&
        !av_channel_layout_compare(&f->ch_layout, &s->layout)) { /* decoder's own floats */
        if (ensure_buffers(s, f->nb_samples))
            return -1;
        return process(s, (float *const *)f->extended_data, f->nb_samples);
    }
    if (f && (!s->swr || s->swr_rate != f->sample_rate || s->swr_fmt != f->format ||
              av_channel_layout_compare(&s->swr_layout, &f->ch_layout))) {
        if (s->swr && take_frame(s, m, NULL)) /* drain the old converter first */
            return -1;
        swr_free(&s->swr);
        av_channel_layout_uninit(&s->swr_layout);
        if (swr_alloc_set_opts2(&s->swr, &s->layout, AV_SAMPLE_FMT_FLTP, s->rate,
                                (AVChannelLayout *)&f->ch_layout, f->format, f->sample_rate, 0,
                                NULL) < 0 ||
            swr_init(s->swr) < 0 || av_channel_layout_copy(&s->swr_layout, &f->ch_layout) < 0)
            return -1;
        s->swr_rate = f->sample_rate;
        s->swr_fmt = f->format;
    }
    if (!s->swr || (n = swr_get_out_samples(s->swr, f ? f->nb_samples : 0)) <= 0)
        return 0;
    if (ensure_buffers(s, n))
        return -1;
    for (c = 0; c < s->nch; c++)
        planes[c] = s->conv + (size_t)c * s->conv_cap;
    n = swr_convert(s->swr, (uint8_t **)planes, n, f ? (const uint8_t **)f->extended_data : NULL,
                    f ? f->nb_samples : 0);
    if (n < 0)
        return -1;
    return n > 0 ? process(s, planes, n) : 0;
}

static int drain(audio_state *s, miqw_media *m)
{
    int rv;
    while ((rv = avcodec_receive_frame(s->dec, s->frame)) >= 0) {
        rv = take_frame(s, m, s->frame);
        av_frame_unref(s->frame);
        if (rv)
            return -1;
    }
    return 0; /* EAGAIN, EOF, or a corrupt packet: go on */
}

static int audio_on_packet(miqw_consumer *c, miqw_media *m, const AVPacket *pkt, const char **err,
                           const char **code)
{
    audio_state *s = c->state;
    if (pkt->stream_index != m->audio_idx)
        return 0;
    /* A corrupt packet is skipped (its send fails); the pass goes on. */
    if (avcodec_send_packet(s->dec, pkt) == AVERROR(ENOMEM) || drain(s, m)) {
        *err = s->fail ? s->fail : "out of memory decoding audio";
        *code = s->fail ? "unsupported_media" : "server_error";
        return -1;
    }
    return 0;
}

/* ---- results ---- */
static json_t *silence_json(apr_pool_t *p, audio_state *s, double duration, json_t *result)
{
    json_t *list = json_array(), *params;
    double total = 0;
    size_t i;
    params = miq_json_packp(p, "{s:f,s:f,s:f}", "min_silence_s", s->sil_min_s, "threshold_db",
                            s->sil_thr_db, "window_s", SIL_WINDOW_S);
    for (i = 0; i < s->nsil; i++) {
        const sil_item *it = &s->sils[i];
        double a = r3(it->start), b = r3(it->end);
        total += b - a;
        json_array_append_new(
            list, json_pack("{s:f,s:f,s:f,s:f,s:s,s:O,s:f}", "start", a, "end", b, "duration",
                            r3(b - a), "mean_db", round(it->mean_db * 10) / 10, "detector",
                            "silence_rms", "params", params, "score",
                            round(clamp01((s->sil_thr_db - it->mean_db) / 30.0) * 1000) / 1000));
    }
    json_object_set_new(result, "silences", list);
    json_object_set_new(result, "silence_total_s", json_real(r3(total)));
    json_object_set_new(result, "speech_ratio",
                        json_real(duration > 0
                                      ? round(clamp01(1.0 - total / duration) * 1000) / 1000
                                      : 0));
    return result;
}

static int cand_desc(const void *a, const void *b)
{
    const peak_cand *x = a, *y = b;
    return cand_less(y, x) ? -1 : cand_less(x, y) ? 1 : 0;
}

static void energy_json(apr_pool_t *p, audio_state *s, json_t *result)
{
    json_t *wl = s->no_windows ? NULL : json_array(), *pl = json_array(), *params;
    double wlen = (double)s->win_n / s->rate, end = s->t0 + (double)s->nsamples / s->rate;
    double overall = ms_db(s->nsamples ? s->total_sumsq / s->nsamples : 0), t0 = s->t0,
           rate = s->rate;
    int64_t dmin = (int64_t)ceil(s->gap_s / wlen - 1e-9), *sel;
    int i, j, nsel = 0, total = s->nwins;
    if (s->win_fill > 0 || s->group_cnt > 0) /* the partial tail window */
        total++;
    for (i = 0; i < total && wl; i++) {
        int64_t first = (int64_t)i * s->span * s->win_n, len = (int64_t)s->span * s->win_n;
        double acc = i < s->nwins ? s->wins[i] : s->group_acc + s->win_acc;
        if (first + len > s->nsamples)
            len = s->nsamples - first;
        if (len <= 0)
            break;
        json_array_append_new(wl,
                              json_pack("{s:f,s:f,s:f}", "start", r3(t0 + first / rate), "end",
                                        r3(i == total - 1 ? end : t0 + (first + len) / rate),
                                        "rms_db", fmin(0.0, round(ms_db(acc / len) * 100) / 100)));
    }
    params = miq_json_packp(p, "{s:f,s:i,s:f}", "window_s", s->win_s, "top_k", s->top_k,
                            "min_peak_gap_s", s->gap_s);
    qsort(s->heap, (size_t)s->nheap, sizeof(*s->heap), cand_desc);
    sel = malloc(sizeof(*sel) * (size_t)(s->top_k > 0 ? s->top_k : 1));
    for (i = 0; sel && i < s->nheap && nsel < s->top_k; i++) {
        const peak_cand *pc = &s->heap[i];
        double db = ms_db(pc->ms), t;
        for (j = 0; j < nsel; j++)
            if (llabs(sel[j] - pc->idx) < dmin)
                break;
        if (j < nsel)
            continue;
        sel[nsel++] = pc->idx;
        t = s->t0 + ((double)pc->idx * s->win_n + pc->len / 2.0) / s->rate;
        json_array_append_new(pl, json_pack("{s:f,s:f,s:i,s:s,s:O,s:f}", "time", r3(t), "rms_db",
                                            round(db * 100) / 100, "rank", nsel, "detector",
                                            "energy_peak", "params", params, "score",
                                            round(clamp01((db - overall) / 20.0) * 1000) / 1000));
    }
    free(sel);
    if (wl)
        json_object_set_new(result, "windows", wl);
    json_object_set_new(result, "energy_window_s", json_real(r3(wlen * s->span)));
    json_object_set_new(result, "peaks", pl);
    miqw_loudness_result(s->loud, s->t0, result);
}

static const char *audio_finish(miqw_consumer *c, miqw_media *m, apr_pool_t *p, json_t *result,
                                const char **code)
{
    audio_state *s = c->state;
    double duration;
    *code = "server_error";
    if (avcodec_send_packet(s->dec, NULL) >= 0 && drain(s, m))
        return "out of memory decoding audio";
    if (s->swr && take_frame(s, m, NULL))
        return "out of memory converting audio";
    *code = "unsupported_media";
    if (!s->ready || s->nsamples <= 0)
        return "no audio could be decoded from the audio stream (corrupt or truncated media)";
    duration = (double)s->nsamples / s->rate;
    if (s->dur_hint > 0 && duration < s->dur_hint * 0.95 - 0.5)
        return apr_psprintf(p, "the audio stops at %.1f s of %.1f s (truncated or corrupt media)",
                            duration, s->dur_hint);
    *code = "server_error";
    if (s->do_sil) {
        if (s->sil_fill > 0 &&
            sil_window(s, s->nsamples - s->sil_fill, s->sil_fill, s->sil_acc, s->sil_peak))
            return "out of memory";
        if (s->in_run && sil_close(s, s->nsamples))
            return "out of memory";
        silence_json(p, s, duration, result);
        miqw_classify_result(s->cls, s->t0, result);
    }
    if (s->do_en) {
        if (s->win_fill > 0 && 2 * s->win_fill >= s->win_n && s->heap_cap)
            heap_offer(s, s->win_acc / s->win_fill, s->win_idx, s->win_fill);
        energy_json(p, s, result);
    }
    if (s->nonfinite) /* said, not hidden: the file is broken there */
        json_object_set_new(result, "invalid_samples", json_integer(s->nonfinite));
    *code = NULL;
    return NULL;
}

static void audio_destroy(miqw_consumer *c)
{
    audio_state *s = c->state;
    if (!s)
        return;
    avcodec_free_context(&s->dec);
    av_frame_free(&s->frame);
    swr_free(&s->swr);
    av_channel_layout_uninit(&s->swr_layout);
    av_channel_layout_uninit(&s->layout);
    free(s->conv), free(s->sils), free(s->wins), free(s->heap);
    miqw_loudness_free(s->loud);
    miqw_classify_free(s->cls);
    s->loud = NULL, s->cls = NULL;
    c->state = NULL;
}

void miqw_audio_no_windows(miqw_consumer *c)
{
    if (c && c->state)
        ((audio_state *)c->state)->no_windows = 1;
}

static apr_status_t consumer_cleanup(void *data)
{
    audio_destroy(data);
    return APR_SUCCESS;
}

miqw_consumer *miqw_audio_consumer(apr_pool_t *p, miqw_media *m, const json_t *silence_params,
                                   const json_t *energy_params, const char **err)
{
    miqw_consumer *c;
    audio_state *s;
    AVStream *st;
    const AVCodec *codec = NULL;
    *err = !silence_params && !energy_params ? "no audio analysis was asked for"
           : !m || m->audio_idx < 0          ? "the media has no audio stream"
                                             : NULL;
    if (*err)
        return NULL;
    st = m->fmt->streams[m->audio_idx];
    if (!(codec = avcodec_find_decoder(st->codecpar->codec_id))) {
        *err = apr_psprintf(p, "no decoder for the audio codec %s",
                            avcodec_get_name(st->codecpar->codec_id));
        return NULL;
    }
    c = apr_pcalloc(p, sizeof(*c));
    s = c->state = apr_pcalloc(p, sizeof(*s));
    c->name = "audio";
    c->on_packet = audio_on_packet;
    c->finish = audio_finish;
    c->destroy = audio_destroy;
    apr_pool_cleanup_register(p, c, consumer_cleanup, apr_pool_cleanup_null);
    s->span = 1;
    if (st->duration > 0 && st->duration != AV_NOPTS_VALUE)
        s->dur_hint = st->duration * av_q2d(st->time_base);
    else if (m->video_idx < 0)
        s->dur_hint = m->duration_s;
    /* Ranges and defaults: the endpoint schemas (timeline/moments nests the same objects). */
    if (silence_params &&
        !(silence_params = miqw_endpoint_params(p, "audio/silence", silence_params, err)))
        return NULL;
    if (energy_params &&
        !(energy_params = miqw_endpoint_params(p, "audio/energy", energy_params, err)))
        return NULL;
    if ((s->do_sil = silence_params != NULL)) {
        s->sil_min_s = param_num(silence_params, "min_silence_s");
        s->sil_thr_db = param_num(silence_params, "threshold_db");
        s->sil_thr_ms = pow(10.0, s->sil_thr_db / 10.0);
        s->sil_thr_amp = pow(10.0, s->sil_thr_db / 20.0);
    }
    if ((s->do_en = energy_params != NULL)) {
        double dmin;
        s->win_s = param_num(energy_params, "window_s");
        s->top_k = (int)param_num(energy_params, "top_k");
        s->gap_s = fmax(s->win_s, param_num(energy_params, "min_peak_gap_s"));
        /* Greedy selection over the heap equals selection over all windows as long as
         * the heap holds top_k * (windows one pick can exclude) candidates. */
        dmin = ceil(s->gap_s / s->win_s - 1e-9);
        s->heap_cap = s->top_k ? (int)fmin(PEAK_HEAP_MAX, s->top_k * (2 * dmin - 1) + 1) : 0;
        s->wins = malloc(sizeof(double) * MIQW_AUDIO_MAX_WINDOWS);
        s->heap = malloc(sizeof(peak_cand) * (size_t)(s->heap_cap ? s->heap_cap : 1));
        if (!s->wins || !s->heap)
            return (*err = "out of memory"), NULL;
    }
    if (!(s->dec = avcodec_alloc_context3(codec)) || !(s->frame = av_frame_alloc()) ||
        avcodec_parameters_to_context(s->dec, st->codecpar) < 0)
        return (*err = "out of memory"), NULL;
    s->dec->pkt_timebase = st->time_base;
    s->dec->thread_count = 1;
    if (avcodec_open2(s->dec, codec, NULL) < 0) {
        *err = apr_psprintf(p, "cannot open the %s audio decoder", codec->name);
        return NULL;
    }
    return c;
}
