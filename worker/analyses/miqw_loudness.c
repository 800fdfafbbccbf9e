/* BS.1770-4 / EBU R128 loudness: integrated, LRA, true peak, short-term
 * curve. See miqw_loudness.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "analyses/miqw_loudness.h"
#include "analyses/miqw_samples.h"

#define LU_MIN      (-70.0) /* absolute gate, histogram floor */
#define LU_MAX      (10.0)  /* histogram ceiling (louder blocks land in the top bin) */
#define LU_STEP     (0.01)
#define LU_BINS     8000 /* (LU_MAX - LU_MIN) / LU_STEP */
#define DB_FLOOR    (-120.0)
#define TP_TAPS     12
#define TP_HEADROOM 1.5 /* 3.5 dB, see true_peak_chunk */
#define FLUSH(v)    (fabs(v) < 1e-25 ? 0.0 : (v))

typedef struct {
    double b0, b1, b2, a1, a2;
} biquad;
typedef struct {
    double count[LU_BINS], energy[LU_BINS];
} lu_hist;

struct miqw_loudness {
    int rate, nch, sub_n, sub_fill;
    biquad kpre, krlb;
    double *kz, *kz_out; /* filter states: 4 + 2 per channel */
    double *chw, *chacc; /* channel weights; per channel sum of squares in the sub-block */
    double ring[30];     /* the last 30 sub-block energies (3 s) */
    int64_t nsub;
    lu_hist integ, lra;
    /* true peak: the last TP_TAPS - 1 samples of each channel, then scratch */
    int tp_phases, tp_cap;
    float *tp_hist, *tp_buf;
    double tp_max; /* the largest interpolated magnitude so far */
    void (*kweight)(struct miqw_loudness *, float *const *, int, int); /* plain or FMA */
    /* short-term curve */
    float curve[MIQW_LOUDNESS_MAX_POINTS];
    int ncurve, curve_step; /* step in sub-blocks */
};

/* BS.1770-4 Annex 2: the 48-tap 4x interpolation filter, as its 4 phases. */
static const double tp_coef[4][TP_TAPS] = {
    {0.0017089843750, 0.0109863281250, -0.0196533203125, 0.0332031250000, -0.0594482421875,
     0.1373291015625, 0.9721679687500, -0.1022949218750, 0.0476074218750, -0.0266113281250,
     0.0148925781250, -0.0083007812500},
    {-0.0291748046875, 0.0292968750000, -0.0517578125000, 0.0891113281250, -0.1665039062500,
     0.4650878906250, 0.7797851562500, -0.2003173828125, 0.1015625000000, -0.0582275390625,
     0.0330810546875, -0.0189208984375},
    {-0.0189208984375, 0.0330810546875, -0.0582275390625, 0.1015625000000, -0.2003173828125,
     0.7797851562500, 0.4650878906250, -0.1665039062500, 0.0891113281250, -0.0517578125000,
     0.0292968750000, -0.0291748046875},
    {-0.0083007812500, 0.0148925781250, -0.0266113281250, 0.0476074218750, -0.1022949218750,
     0.9721679687500, 0.1373291015625, -0.0594482421875, 0.0332031250000, -0.0196533203125,
     0.0109863281250, 0.0017089843750}};

/* ---- K-weighting, designed for the actual rate as libebur128 does ---- */
static void kweight_design(miqw_loudness *l, double rate)
{
    double f0 = 1681.974450955533, G = 3.999843853973347, Q = 0.7071752369554196;
    double K = tan(M_PI * f0 / rate), Vh = pow(10.0, G / 20.0);
    double Vb = pow(Vh, 0.4996667741545416), a0 = 1.0 + K / Q + K * K;
    l->kpre.b0 = (Vh + Vb * K / Q + K * K) / a0;
    l->kpre.b1 = 2.0 * (K * K - Vh) / a0;
    l->kpre.b2 = (Vh - Vb * K / Q + K * K) / a0;
    l->kpre.a1 = 2.0 * (K * K - 1.0) / a0;
    l->kpre.a2 = (1.0 - K / Q + K * K) / a0;
    f0 = 38.13547087602444;
    Q = 0.5003270373238773;
    K = tan(M_PI * f0 / rate);
    a0 = 1.0 + K / Q + K * K;
    l->krlb.b0 = 1.0; /* b1 = -2, b2 = 1: written out in kweight_chunk */
    l->krlb.a1 = 2.0 * (K * K - 1.0) / a0;
    l->krlb.a2 = (1.0 - K / Q + K * K) / a0;
}

/* BS.1770 channel weights: LFE 0, surrounds +1.5 dB, the rest 1. */
static double channel_weight(const AVChannelLayout *layout, int i)
{
    enum AVChannel ch = av_channel_layout_channel_from_index(layout, i);
    if (ch == AV_CHAN_LOW_FREQUENCY || ch == AV_CHAN_LOW_FREQUENCY_2)
        return 0.0;
    return ch == AV_CHAN_SIDE_LEFT || ch == AV_CHAN_SIDE_RIGHT || ch == AV_CHAN_BACK_LEFT ||
                   ch == AV_CHAN_BACK_RIGHT
               ? 1.41
               : 1.0;
}

static double block_lu(double e)
{
    return e > 0 ? -0.691 + 10.0 * log10(e) : LU_MIN - 1;
}

/* One gating block of mean energy e (K-weighted, channel-weighted). */
static void hist_add(lu_hist *h, double e)
{
    double lu = block_lu(e);
    int b = lu >= LU_MAX ? LU_BINS - 1 : (int)floor((lu - LU_MIN) / LU_STEP);
    if (b >= 0) {
        h->count[b] += 1;
        h->energy[b] += e;
    }
}

static double bin_lu(int b)
{
    return LU_MIN + (b + 0.5) * LU_STEP;
}

/* Mean energy of the blocks whose loudness is above gate (bin centres). */
static double hist_mean_above(const lu_hist *h, double gate, double *count)
{
    double n = 0, e = 0;
    int b;
    for (b = 0; b < LU_BINS; b++)
        if (h->count[b] > 0 && bin_lu(b) > gate) {
            n += h->count[b];
            e += h->energy[b];
        }
    *count = n;
    return n > 0 ? e / n : 0;
}

static double integrated_lufs(const lu_hist *h)
{
    double n, e = hist_mean_above(h, LU_MIN, &n);
    if (n <= 0)
        return LU_MIN;
    e = hist_mean_above(h, -0.691 + 10.0 * log10(e) - 10.0, &n);
    return n > 0 && e > 0 ? -0.691 + 10.0 * log10(e) : LU_MIN;
}

/* The 10th and 95th percentiles as nearest ranks, rounded as ffmpeg's
 * ebur128 filter rounds them (lrint), so the two agree to the bin. */
static double loudness_range(const lu_hist *h)
{
    double n, e = hist_mean_above(h, LU_MIN, &n), gate, lo = 0, hi = 0, cum = 0, r_lo, r_hi;
    int b;
    gate = n > 0 ? -0.691 + 10.0 * log10(e) - 20.0 : LU_MAX;
    hist_mean_above(h, gate, &n);
    r_lo = fmax(1, rint(0.10 * n));
    r_hi = fmax(1, rint(0.95 * n));
    for (b = 0; b < LU_BINS && n > 0 && cum < r_hi; b++) {
        if (h->count[b] <= 0 || bin_lu(b) <= gate)
            continue;
        if (cum < r_lo && cum + h->count[b] >= r_lo)
            lo = bin_lu(b);
        if ((cum += h->count[b]) >= r_hi)
            hi = bin_lu(b);
    }
    return hi > lo ? hi - lo : 0;
}

/* The curve is full: keep every other value, doubling the step. */
static void curve_add(miqw_loudness *l, double lu)
{
    int i;
    if (l->ncurve == MIQW_LOUDNESS_MAX_POINTS) {
        for (i = 0; i < l->ncurve / 2; i++)
            l->curve[i] = l->curve[2 * i];
        l->ncurve /= 2;
        l->curve_step *= 2;
    }
    l->curve[l->ncurve++] = (float)(lu < LU_MIN ? LU_MIN : lu);
}

/* A 100 ms sub-block is complete: one 400 ms gating block (75 % overlap) and
 * one 3 s short-term block end here. */
static void subblock_done(miqw_loudness *l)
{
    double z = 0, e;
    int c, i;
    for (c = 0; c < l->nch; c++) {
        z += l->chw[c] * l->chacc[c] / l->sub_n;
        l->chacc[c] = 0;
    }
    l->ring[l->nsub++ % 30] = z;
    l->sub_fill = 0;
    if (l->nsub >= 4) {
        for (e = 0, i = 1; i <= 4; i++)
            e += l->ring[(l->nsub - i) % 30];
        hist_add(&l->integ, e / 4);
    }
    if (l->nsub >= 30) {
        for (e = 0, i = 0; i < 30; i++)
            e += l->ring[i];
        hist_add(&l->lra, e / 30);
        /* the curve's samples sit at multiples of its step, counted from 3 s */
        if ((l->nsub - 30) % l->curve_step == 0)
            curve_add(l, block_lu(e / 30));
    }
}

/* One channel's K-weighting over n samples from state z (x1 x2 y1 y2) and
 * zo (o1 o2); returns the sum of squares of the output. Direct form I: the
 * loop-carried chain is one multiply-add per stage (the two stages pipeline). */
#define KW_INLINE static inline __attribute__((always_inline))
KW_INLINE double kweight_one(const biquad *p, const biquad *r, const float *x, int n, double *z,
                             double *zo)
{
    double x1 = z[0], x2 = z[1], y1 = z[2], y2 = z[3], o1 = zo[0], o2 = zo[1], acc = 0;
    int i;
    for (i = 0; i < n; i++) {
        double in = x[i];
        double y = (p->b0 * in + p->b1 * x1 + p->b2 * x2 - p->a2 * y2) - p->a1 * y1;
        double o = ((y - 2.0 * y1 + y2) - r->a2 * o2) - r->a1 * o1; /* r.b = 1, -2, 1 */
        x2 = x1, x1 = in, y2 = y1, y1 = y, o2 = o1, o1 = o;
        acc += o * o;
    }
    z[0] = x1, z[1] = x2, z[2] = FLUSH(y1), z[3] = FLUSH(y2); /* no denormals after a */
    zo[0] = FLUSH(o1), zo[1] = FLUSH(o2);                     /* decay to silence */
    return acc;
}

/* The same for two channels at once, one per vector lane: the recursion is
 * latency-bound, so a second independent chain comes almost free. The
 * arithmetic is kweight_one's, operation for operation. */
KW_INLINE void kweight_two(const biquad *p, const biquad *r, const float *xa, const float *xb,
                           int n, double *za, double *zb, double *zoa, double *zob, double *acc)
{
    const miqw_v2d b0 = {p->b0, p->b0}, b1 = {p->b1, p->b1}, b2 = {p->b2, p->b2};
    const miqw_v2d a1 = {p->a1, p->a1}, a2 = {p->a2, p->a2}, two = {2.0, 2.0};
    const miqw_v2d ra1 = {r->a1, r->a1}, ra2 = {r->a2, r->a2};
    miqw_v2d x1 = {za[0], zb[0]}, x2 = {za[1], zb[1]}, y1 = {za[2], zb[2]}, y2 = {za[3], zb[3]};
    miqw_v2d o1 = {zoa[0], zob[0]}, o2 = {zoa[1], zob[1]}, s = {0, 0};
    int i;
    for (i = 0; i < n; i++) {
        miqw_v2d in = {xa[i], xb[i]};
        miqw_v2d y = (b0 * in + b1 * x1 + b2 * x2 - a2 * y2) - a1 * y1;
        miqw_v2d o = ((y - two * y1 + y2) - ra2 * o2) - ra1 * o1;
        x2 = x1, x1 = in, y2 = y1, y1 = y, o2 = o1, o1 = o;
        s += o * o;
    }
    za[0] = x1[0], za[1] = x2[0], za[2] = FLUSH(y1[0]), za[3] = FLUSH(y2[0]);
    zb[0] = x1[1], zb[1] = x2[1], zb[2] = FLUSH(y1[1]), zb[3] = FLUSH(y2[1]);
    zoa[0] = FLUSH(o1[0]), zoa[1] = FLUSH(o2[0]), zob[0] = FLUSH(o1[1]), zob[1] = FLUSH(o2[1]);
    acc[0] += s[0], acc[1] += s[1];
}

/* A chunk of every weighted channel, two by two. */
KW_INLINE void kweight_all(miqw_loudness *l, float *const *planes, int off, int n)
{
    int c, k, nw = 0, idx[64];
    for (c = 0; c < l->nch; c++)
        if (l->chw[c] != 0)
            idx[nw++] = c;
    for (k = 0; k + 2 <= nw; k += 2) {
        int a = idx[k], b = idx[k + 1];
        double acc[2] = {0, 0};
        kweight_two(&l->kpre, &l->krlb, planes[a] + off, planes[b] + off, n, l->kz + 4 * a,
                    l->kz + 4 * b, l->kz_out + 2 * a, l->kz_out + 2 * b, acc);
        l->chacc[a] += acc[0], l->chacc[b] += acc[1];
    }
    if (k < nw) {
        c = idx[k];
        l->chacc[c] += kweight_one(&l->kpre, &l->krlb, planes[c] + off, n, l->kz + 4 * c,
                                   l->kz_out + 2 * c);
    }
}

/* K-weights one chunk and adds its energy. Where the CPU has fused
 * multiply-add (x86-64 since 2013), the same code compiled for it: the
 * recursion's chain is then one FMA per stage, half the latency, and the
 * loop about twice as fast (results differ in the last bits only). The
 * build itself targets a generic CPU, hence the dispatch at run time. */
static void kweight_chunk_plain(miqw_loudness *l, float *const *planes, int off, int n)
{
    kweight_all(l, planes, off, n);
}
#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target("fma"))) static void kweight_chunk_fma(miqw_loudness *l, float *const *planes,
                                                             int off, int n)
{
    kweight_all(l, planes, off, n);
}
#endif

/* True peak of one channel's chunk. Only a chunk whose sample peak comes
 * within TP_HEADROOM of the running maximum is interpolated: an
 * inter-sample peak more than 3.5 dB over the samples around it takes a
 * full-scale signal near a quarter of the sample rate in a chosen phase
 * (a sine there reaches 3.01 dB), and skipping the rest keeps the meter near
 * the decoder's pace (most chunks after the loudest passage so far). */
static void true_peak_chunk(miqw_loudness *l, int c, const float *x, int n)
{
    float *h = l->tp_hist + (size_t)c * (TP_TAPS - 1), *b = l->tp_buf, pk, a;
    double m = l->tp_max;
    int i, k, ph, step = 4 / l->tp_phases, len = n + TP_TAPS - 1;
    pk = miqw_abs_peak(h, TP_TAPS - 1);
    a = miqw_abs_peak(x, n);
    pk = a > pk ? a : pk;
    if (pk * TP_HEADROOM > m) {
        memcpy(b, h, sizeof(float) * (TP_TAPS - 1));
        memcpy(b + TP_TAPS - 1, x, sizeof(float) * (size_t)n);
        for (i = TP_TAPS - 1; i < len; i++) {
            m = fabs(b[i]) > m ? fabs(b[i]) : m;
            for (ph = 0; ph < 4; ph += step) {
                double y = 0;
                for (k = 0; k < TP_TAPS; k++)
                    y += tp_coef[ph][k] * b[i - k];
                m = fabs(y) > m ? fabs(y) : m;
            }
        }
        l->tp_max = m;
    }
    if (n >= TP_TAPS - 1)
        memcpy(h, x + n - (TP_TAPS - 1), sizeof(float) * (TP_TAPS - 1));
    else {
        memmove(h, h + n, sizeof(float) * (size_t)(TP_TAPS - 1 - n));
        memcpy(h + TP_TAPS - 1 - n, x, sizeof(float) * (size_t)n);
    }
}

void miqw_loudness_feed(miqw_loudness *l, float *const *planes, int n)
{
    int off, k, c;
    if (n > l->tp_cap) {
        float *b = realloc(l->tp_buf, sizeof(float) * ((size_t)n + TP_TAPS));
        if (b) {
            l->tp_buf = b;
            l->tp_cap = n;
        }
    }
    for (c = 0; c < l->nch; c++) /* without scratch, the peak goes by chunks of what fits */
        for (off = 0; off < n; off += k) {
            k = n - off < l->tp_cap ? n - off : l->tp_cap;
            if (k <= 0)
                break;
            true_peak_chunk(l, c, planes[c] + off, k);
        }
    for (off = 0; off < n; off += k) { /* chunks end at sub-block edges */
        k = n - off;
        if (l->sub_n - l->sub_fill < k)
            k = l->sub_n - l->sub_fill;
        l->kweight(l, planes, off, k);
        if ((l->sub_fill += k) == l->sub_n)
            subblock_done(l);
    }
}

miqw_loudness *miqw_loudness_new(int rate, int nch, const AVChannelLayout *layout)
{
    miqw_loudness *l;
    int c;
    if (rate <= 0 || nch <= 0 || nch > 64 || !(l = calloc(1, sizeof(*l))))
        return NULL;
    l->rate = rate, l->nch = nch;
    l->sub_n = (rate + 5) / 10 > 0 ? (rate + 5) / 10 : 1;
    l->curve_step = 10;
    l->tp_phases = rate < 96000 ? 4 : rate < 192000 ? 2 : 1;
    l->kz = calloc((size_t)nch, 8 * sizeof(double));
    l->tp_hist = calloc((size_t)nch * (TP_TAPS - 1), sizeof(float));
    l->tp_cap = 4096;
    l->tp_buf = malloc(sizeof(float) * ((size_t)l->tp_cap + TP_TAPS));
    if (!l->kz || !l->tp_hist || !l->tp_buf) {
        miqw_loudness_free(l);
        return NULL;
    }
    l->kz_out = l->kz + 4 * nch;
    l->chw = l->kz_out + 2 * nch;
    l->chacc = l->chw + nch;
    for (c = 0; c < nch; c++)
        l->chw[c] = nch == 1 ? 1.0 : channel_weight(layout, c);
    kweight_design(l, rate);
    l->kweight = kweight_chunk_plain;
#if defined(__x86_64__) && defined(__GNUC__)
    if (__builtin_cpu_supports("fma"))
        l->kweight = kweight_chunk_fma;
#endif
    return l;
}

void miqw_loudness_result(const miqw_loudness *l, double t0, json_t *result)
{
    json_t *curve = json_array();
    int i;
    for (i = 0; i < l->ncurve; i++)
        json_array_append_new(curve, json_real(round(l->curve[i] * 100.0) / 100.0));
    json_object_set_new(result, "integrated_lufs",
                        json_real(round(integrated_lufs(&l->integ) * 100) / 100));
    json_object_set_new(result, "loudness_range_lu",
                        json_real(round(loudness_range(&l->lra) * 100) / 100));
    json_object_set_new(result, "true_peak_dbtp",
                        json_real(l->tp_max > 0
                                      ? round(fmax(DB_FLOOR, 20.0 * log10(l->tp_max)) * 100) / 100
                                      : DB_FLOOR));
    json_object_set_new(result, "short_term",
                        json_pack("{s:f,s:f,s:f,s:o}", "window_s", 3.0, "step_s",
                                  l->curve_step / 10.0, "first_end_s",
                                  round((t0 + 30.0 * l->sub_n / l->rate) * 1000) / 1000, "lufs",
                                  curve));
}

void miqw_loudness_free(miqw_loudness *l)
{
    if (!l)
        return;
    free(l->kz), free(l->tp_hist), free(l->tp_buf);
    free(l);
}
