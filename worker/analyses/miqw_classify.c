/* Speech / music / other classifier. See miqw_classify.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <libavutil/mem.h>
#include <libavutil/tx.h>
#include "analyses/miqw_classify.h"

#define TARGET_RATE  8000
#define FRAME_N      256
#define BLOCK_FRAMES 31
#define NBINS        (FRAME_N / 2)
#define QUIET_DB     (-50.0)
#define EPS          1e-12

typedef struct {
    miqw_class_features f;
    int type; /* -1: too quiet */
    float conf;
} block_rec;

struct miqw_classify {
    int rate, dec, dec_fill;
    double dec_acc;
    float frame[FRAME_N];
    int frame_fill;
    float window[FRAME_N];
    AVTXContext *tx;
    av_tx_fn fft;
    AVComplexFloat *in, *out; /* av_malloc'd: the FFT's SIMD wants them aligned */
    float prev[NBINS];        /* previous frame's normalised spectrum */
    int have_prev;
    /* the current block's frames */
    double e[BLOCK_FRAMES], zcr[BLOCK_FRAMES], flux[BLOCK_FRAMES], flat[BLOCK_FRAMES];
    int nframes;
    block_rec *blocks;
    int nblocks, cap;
    double block_s; /* media seconds per block */
};

static double mean_of(const double *x, int n)
{
    double s = 0;
    int i;
    for (i = 0; i < n; i++)
        s += x[i];
    return n ? s / n : 0;
}

static double std_of(const double *x, int n)
{
    double m = mean_of(x, n), s = 0;
    int i;
    for (i = 0; i < n; i++)
        s += (x[i] - m) * (x[i] - m);
    return n > 1 ? sqrt(s / (n - 1)) : 0;
}

static double sig(double x)
{
    return 1.0 / (1.0 + exp(-x));
}

/* Soft rules, set by hand on the tuning half of the labelled set
 * (tests/worker/test_audio_classify.c) and checked on the other half.
 * Speech: many low-energy frames (pauses between syllables), voiced /
 * unvoiced swings of the zero-crossing rate, a spectrum that keeps changing
 * (flux), not noise-flat. Music: sustained (few low-energy frames), tonal
 * (low flatness), notes that change (flux and ZCR move, but less than in
 * speech). Other: whatever fits neither: steady tones and hum (no flux, no
 * ZCR swing), noise (flat spectrum), clicks (no ZCR swing), beeps (pauses
 * but a steady spectrum). Confidence: the winner's share of the three. */
int miqw_classify_decide(const miqw_class_features *f, double *confidence)
{
    double s[3];
    int best = 0, k;
    s[MIQW_CLASS_SPEECH] = sig((f->ler - 0.2) / 0.05) * sig((f->zcr_std - 0.05) / 0.01) *
                           sig((0.3 - f->flat) / 0.05) * sig((f->flux - 1.5) / 0.3);
    s[MIQW_CLASS_MUSIC] = sig((0.2 - f->ler) / 0.05) * sig((f->zcr_std - 0.02) / 0.005) *
                          sig((0.05 - f->flat) / 0.01) * sig((f->flux - 0.4) / 0.1) *
                          sig((2.0 - f->flux) / 0.3);
    s[MIQW_CLASS_OTHER] = 1.0 - fmax(s[MIQW_CLASS_SPEECH], s[MIQW_CLASS_MUSIC]);
    for (k = 1; k < 3; k++)
        if (s[k] > s[best])
            best = k;
    if (confidence)
        *confidence = s[best] / (s[0] + s[1] + s[2] + EPS);
    return best;
}

static int block_done(miqw_classify *c)
{
    miqw_class_features f;
    block_rec *r;
    double emean = mean_of(c->e, c->nframes), edb[BLOCK_FRAMES] = {0}, env[BLOCK_FRAMES] = {0};
    double env_mean, num = 0, den = 0, conf = 0;
    int i, k, low = 0, n = c->nframes;
    for (i = 0; i < n; i++) {
        edb[i] = 10.0 * log10(c->e[i] + EPS);
        env[i] = sqrt(c->e[i]);
        low += c->e[i] < 0.5 * emean;
    }
    f.ler = (double)low / n;
    f.edb_std = std_of(edb, n);
    f.zcr_std = std_of(c->zcr, n);
    f.flux = mean_of(c->flux, n);
    f.flat = mean_of(c->flat, n);
    f.level_db = 10.0 * log10(emean + EPS);
    /* modulation of the level envelope: DFT bins of 1/block each */
    env_mean = mean_of(env, n);
    for (k = 1; k <= n / 2; k++) {
        double re = 0, im = 0, hz, p;
        for (i = 0; i < n; i++) {
            re += (env[i] - env_mean) * cos(2 * M_PI * k * i / n);
            im -= (env[i] - env_mean) * sin(2 * M_PI * k * i / n);
        }
        p = re * re + im * im;
        hz = k / c->block_s;
        den += p;
        if (hz >= 2.0 && hz <= 8.0)
            num += p;
    }
    f.mod4 = den > EPS ? num / den : 0;
    if (c->nblocks == c->cap) {
        int cap = c->cap ? c->cap * 2 : 256;
        block_rec *b = realloc(c->blocks, sizeof(*b) * (size_t)cap);
        if (!b)
            return -1;
        c->blocks = b;
        c->cap = cap;
    }
    r = &c->blocks[c->nblocks++];
    r->f = f;
    r->type = f.level_db < QUIET_DB ? -1 : miqw_classify_decide(&f, &conf);
    r->conf = (float)conf;
    c->nframes = 0;
    return 0;
}

static void frame_done(miqw_classify *c)
{
    double e = 0, p[NBINS], sum = 0, logsum = 0, flux = 0;
    int i, z = 0;
    for (i = 0; i < FRAME_N; i++) {
        e += (double)c->frame[i] * c->frame[i];
        if (i && (c->frame[i] >= 0) != (c->frame[i - 1] >= 0))
            z++;
        c->in[i].re = c->frame[i] * c->window[i];
        c->in[i].im = 0;
    }
    c->fft(c->tx, c->out, c->in, sizeof(AVComplexFloat));
    for (i = 0; i < NBINS; i++) {
        p[i] = (double)c->out[i].re * c->out[i].re + (double)c->out[i].im * c->out[i].im;
        sum += p[i];
    }
    for (i = 1; i < NBINS;) { /* one log per 16 bins: products of normalised powers stay in range */
        double prod = 1;
        int end = i + 16 < NBINS ? i + 16 : NBINS;
        for (; i < end; i++)
            prod *= (sum > EPS ? p[i] / sum : 0) + EPS;
        logsum += log(prod);
    }
    for (i = 0; i < NBINS; i++) {
        float m = (float)(sum > EPS ? sqrt(p[i] / sum) : 0);
        flux += fabs(m - c->prev[i]);
        c->prev[i] = m;
    }
    c->e[c->nframes] = e / FRAME_N;
    c->zcr[c->nframes] = (double)z / FRAME_N;
    c->flux[c->nframes] = c->have_prev ? flux : 0;
    c->flat[c->nframes] = sum > EPS ? exp(logsum / (NBINS - 1)) * NBINS : 0; /* p / sum above */
    c->have_prev = 1;
    c->nframes++;
    c->frame_fill = 0;
}

int miqw_classify_feed(miqw_classify *c, const float *mono, int n)
{
    double acc = c->dec_acc; /* in registers: this runs for every sample */
    int i, fill = c->dec_fill, dec = c->dec;
    for (i = 0; i < n; i++) {
        acc += mono[i];
        if (++fill < dec)
            continue;
        c->frame[c->frame_fill++] = (float)(acc / dec);
        acc = 0, fill = 0;
        if (c->frame_fill == FRAME_N) {
            frame_done(c);
            if (c->nframes == BLOCK_FRAMES && block_done(c))
                return -1;
        }
    }
    c->dec_acc = acc, c->dec_fill = fill;
    return 0;
}

miqw_classify *miqw_classify_new(int rate)
{
    miqw_classify *c;
    float scale = 1.0f;
    int i;
    if (rate <= 0 || !(c = calloc(1, sizeof(*c))))
        return NULL;
    c->rate = rate;
    c->dec = rate / TARGET_RATE > 1 ? (int)lround((double)rate / TARGET_RATE) : 1;
    c->block_s = (double)BLOCK_FRAMES * FRAME_N * c->dec / rate;
    for (i = 0; i < FRAME_N; i++)
        c->window[i] = (float)(0.5 - 0.5 * cos(2 * M_PI * i / (FRAME_N - 1)));
    c->in = av_malloc(sizeof(AVComplexFloat) * FRAME_N);
    c->out = av_malloc(sizeof(AVComplexFloat) * FRAME_N);
    if (!c->in || !c->out ||
        av_tx_init(&c->tx, &c->fft, AV_TX_FLOAT_FFT, 0, FRAME_N, &scale, 0) < 0) {
        miqw_classify_free(c);
        return NULL;
    }
    return c;
}

int miqw_classify_nblocks(const miqw_classify *c)
{
    return c->nblocks;
}

const miqw_class_features *miqw_classify_block(const miqw_classify *c, int i)
{
    return i >= 0 && i < c->nblocks ? &c->blocks[i].f : NULL;
}

/* Majority of blocks i-1, i, i+1 (classified ones), ties to block i. */
static int smoothed(const miqw_classify *c, int i)
{
    int votes[3] = {0, 0, 0}, k, t = c->blocks[i].type, best;
    if (t < 0)
        return -1;
    for (k = i - 1; k <= i + 1; k++)
        if (k >= 0 && k < c->nblocks && c->blocks[k].type >= 0)
            votes[c->blocks[k].type]++;
    best = t;
    for (k = 0; k < 3; k++)
        if (votes[k] > votes[best])
            best = k;
    return best;
}

void miqw_classify_result(const miqw_classify *c, double t0, json_t *result)
{
    static const char *const names[] = {"speech", "music", "other"};
    json_t *list = json_array();
    int i = 0, j, t;
    while (i < c->nblocks) {
        double conf = 0;
        if ((t = smoothed(c, i)) < 0) {
            i++;
            continue;
        }
        for (j = i; j < c->nblocks && smoothed(c, j) == t; j++)
            conf += c->blocks[j].type == t ? c->blocks[j].conf : 0;
        json_array_append_new(list, json_pack("{s:f,s:f,s:s,s:f}", "start",
                                              round((t0 + i * c->block_s) * 1000) / 1000, "end",
                                              round((t0 + j * c->block_s) * 1000) / 1000, "type",
                                              names[t], "confidence",
                                              round(conf / (j - i) * 1000) / 1000));
        i = j;
    }
    json_object_set_new(result, "audio_classes", list);
}

void miqw_classify_free(miqw_classify *c)
{
    if (!c)
        return;
    av_tx_uninit(&c->tx);
    av_free(c->in), av_free(c->out);
    free(c->blocks);
    free(c);
}
