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
#define LAG          4 /* frames (128 ms): flux_ratio's longer step */

typedef struct {
    miqw_class_features f;
    int type;       /* -1: too quiet */
    float share[3]; /* each class's probability: the confidence of that class */
} block_rec;

struct miqw_classify {
    int rate, dec, dec_fill;
    double dec_acc;
    float frame[FRAME_N];
    int frame_fill;
    float window[FRAME_N];
    AVTXContext *tx;
    av_tx_fn fft;
    float *in;              /* av_malloc'd: the FFT's SIMD wants them aligned */
    AVComplexFloat *out;    /* NBINS + 1 values of the real FFT */
    float prev[NBINS];      /* previous frame's normalised spectrum */
    float past[LAG][NBINS]; /* the last LAG frames' ones, a ring */
    int past_at;
    int have_prev;
    /* the current block's frames */
    double e[BLOCK_FRAMES], zcr[BLOCK_FRAMES], flux[BLOCK_FRAMES], flat[BLOCK_FRAMES];
    double flux_far[BLOCK_FRAMES];
    int nframes;
    block_rec *blocks;
    int nblocks, cap;
    double block_s;                                  /* media seconds per block */
    double cos_t[BLOCK_FRAMES], sin_t[BLOCK_FRAMES]; /* of 2 pi i / BLOCK_FRAMES */
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

/* The decision: a multinomial logistic regression on the features (as
 * features_in transforms them, standardised) and their squares, fitted by
 * bench/classify_fit.py on the tuning halves of two labelled sets: the
 * synthetic one of tests/worker/test_audio_classify.c and recordings that
 * Debian packages ship (bench/classify.sh). Hand-set rules, fitted to
 * synthetic music only, typed real music as other. The squares let a class
 * sit between two values (steady tones below music's flux, noise above it
 * with a steadier flux). Its accuracy on each half (blocks, before
 * smoothing), as the script printed: */
#define NFEAT 8
/* synthetic, tuning: 76/76 = 100.0 % (rows speech, music, other: [[20, 0, 0], [0, 21, 0], [0, 0, 35]]) */
/* synthetic, held out: 85/94 = 90.4 % (rows speech, music, other: [[22, 1, 1], [0, 28, 0], [0, 7, 35]]) */
/* recorded, tuning: 565/667 = 84.7 % (rows speech, music, other: [[153, 2, 4], [19, 279, 24], [27, 26, 133]]) */
/* recorded, held out: 468/549 = 85.2 % (rows speech, music, other: [[108, 0, 6], [8, 241, 26], [19, 22, 119]]) */
static const double feat_mean[NFEAT] = {0.352234,  0.697110, 0.749945,  1.050990,
                                        -3.254959, 0.451574, -0.950979, 0.788211};
static const double feat_sd[NFEAT] = {0.238124, 0.641078, 0.519465, 0.688648,
                                      1.449558, 0.214710, 0.561454, 0.169515};
/* per class: NFEAT linear terms, NFEAT square terms, the bias */
static const double class_w[3][2 * NFEAT + 1] = {
    {0.154375, 1.975576, 0.020303, 0.711692, -1.019046, 0.372190, 0.758091, -1.134968, 0.003071,
     -0.364880, 0.012679, -0.180663, -0.551279, -0.152616, -0.824127, 0.262108, 0.443935},
    {-0.453574, -1.916148, -0.228622, -0.510013, 0.693896, 0.482217, 0.470192, 0.400977, -0.103847,
     0.177985, -0.321702, 0.076454, 0.207952, -0.214924, 0.287087, -0.235199, 0.491377},
    {0.299199, -0.059428, 0.208319, -0.201679, 0.325150, -0.854407, -1.228283, 0.733991, 0.100777,
     0.186895, 0.309023, 0.104209, 0.343327, 0.367540, 0.537039, -0.026909, -0.935312},
};

static void features_in(const miqw_class_features *f, double x[NFEAT])
{
    x[0] = f->ler;
    x[1] = fmin(f->edb_std, 30.0) / 10;
    x[2] = f->zcr_std * 10;
    x[3] = log(f->flux + 0.01);
    x[4] = log(f->flat + 1e-4);
    x[5] = f->mod4;
    x[6] = log(f->flux_cv + 0.01);
    x[7] = fmin(f->flux_ratio, 2.0);
}

/* Confidence: the winner's softmax probability; share (may be NULL) gets
 * every class's. */
static int decide_shares(const miqw_class_features *f, double *confidence, float *share)
{
    double x[NFEAT], s[3], m, sum = 0;
    int best = 0, k, d;
    features_in(f, x);
    for (d = 0; d < NFEAT; d++)
        x[d] = (x[d] - feat_mean[d]) / feat_sd[d];
    for (k = 0; k < 3; k++) {
        s[k] = class_w[k][2 * NFEAT];
        for (d = 0; d < NFEAT; d++)
            s[k] += class_w[k][d] * x[d] + class_w[k][NFEAT + d] * x[d] * x[d];
        if (s[k] > s[best])
            best = k;
    }
    m = s[best];
    for (k = 0; k < 3; k++)
        sum += exp(s[k] - m);
    if (confidence)
        *confidence = 1.0 / sum;
    for (k = 0; share && k < 3; k++)
        share[k] = (float)(exp(s[k] - m) / sum);
    return best;
}

int miqw_classify_decide(const miqw_class_features *f, double *confidence)
{
    return decide_shares(f, confidence, NULL);
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
    f.flux_cv = f.flux > EPS ? std_of(c->flux, n) / f.flux : 0;
    f.flat = mean_of(c->flat, n);
    { /* spectral change over 32 ms against over 128 ms (see the header) */
        double near = 0, far = 0;
        for (i = 0; i < n; i++)
            if (c->flux_far[i] >= 0)
                near += c->flux[i], far += c->flux_far[i];
        f.flux_ratio = far > EPS ? near / far : 1;
    }
    f.level_db = 10.0 * log10(emean + EPS);
    /* modulation of the level envelope: DFT bins of 1/block each */
    env_mean = mean_of(env, n);
    for (k = 1; k <= n / 2; k++) {
        double re = 0, im = 0, hz, p;
        for (i = 0; i < n; i++) { /* n is always BLOCK_FRAMES: the table's period */
            re += (env[i] - env_mean) * c->cos_t[(k * i) % BLOCK_FRAMES];
            im -= (env[i] - env_mean) * c->sin_t[(k * i) % BLOCK_FRAMES];
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
    r->type = f.level_db < QUIET_DB ? -1 : decide_shares(&f, &conf, r->share);
    c->nframes = 0;
    return 0;
}

static void frame_done(miqw_classify *c)
{
    double e = 0, p[NBINS], sum = 0, logsum = 0, flux = 0, flux_far = 0, inv;
    int i, z = 0;
    for (i = 0; i < FRAME_N; i++) {
        e += (double)c->frame[i] * c->frame[i];
        if (i && (c->frame[i] >= 0) != (c->frame[i - 1] >= 0))
            z++;
        c->in[i] = c->frame[i] * c->window[i];
    }
    c->fft(c->tx, c->out, c->in, sizeof(float));
    for (i = 0; i < NBINS; i++) {
        p[i] = (double)c->out[i].re * c->out[i].re + (double)c->out[i].im * c->out[i].im;
        sum += p[i];
    }
    inv = sum > EPS ? 1.0 / sum : 0;
    for (i = 1; i < NBINS;) { /* one log per 16 bins: products of normalised powers stay in range */
        double prod = 1;
        int end = i + 16 < NBINS ? i + 16 : NBINS;
        for (; i < end; i++)
            prod *= p[i] * inv + EPS;
        logsum += log(prod);
    }
    {
        float *far = c->past[c->past_at]; /* the spectrum LAG frames back */
        for (i = 0; i < NBINS; i++) {
            float m = (float)sqrt(p[i] * inv);
            flux += fabs(m - c->prev[i]);
            flux_far += fabs(m - far[i]);
            c->prev[i] = m;
            far[i] = m;
        }
        c->past_at = (c->past_at + 1) % LAG;
    }
    c->e[c->nframes] = e / FRAME_N;
    c->zcr[c->nframes] = (double)z / FRAME_N;
    c->flux[c->nframes] = c->have_prev ? flux : 0;
    c->flux_far[c->nframes] = c->have_prev >= LAG ? flux_far : -1;
    c->flat[c->nframes] = sum > EPS ? exp(logsum / (NBINS - 1)) * NBINS : 0; /* p / sum above */
    if (c->have_prev < LAG) /* frames before this one, counted up to LAG */
        c->have_prev++;
    c->nframes++;
    c->frame_fill = 0;
}

int miqw_classify_feed(miqw_classify *c, const float *mono, int n)
{
    double acc = c->dec_acc; /* in registers: this runs for every sample */
    int i = 0, k, fill = c->dec_fill, dec = c->dec;
    while (i < n) {
        int take = dec - fill < n - i ? dec - fill : n - i; /* samples of this output one */
        for (k = 0; k < take; k++)
            acc += mono[i + k];
        i += take;
        if ((fill += take) < dec)
            break;
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
    for (i = 0; i < BLOCK_FRAMES; i++)
        c->cos_t[i] = cos(2 * M_PI * i / BLOCK_FRAMES),
        c->sin_t[i] = sin(2 * M_PI * i / BLOCK_FRAMES);
    c->in = av_malloc(sizeof(float) * FRAME_N);
    c->out = av_malloc(sizeof(AVComplexFloat) * (NBINS + 1));
    if (!c->in || !c->out ||
        av_tx_init(&c->tx, &c->fft, AV_TX_FLOAT_RDFT, 0, FRAME_N, &scale, 0) < 0) {
        miqw_classify_free(c);
        return NULL;
    }
    return c;
}

int miqw_classify_block_len(const miqw_classify *c)
{
    return BLOCK_FRAMES * FRAME_N * c->dec;
}

int miqw_classify_nblocks(const miqw_classify *c)
{
    return c->nblocks;
}

const miqw_class_features *miqw_classify_block(const miqw_classify *c, int i)
{
    return i >= 0 && i < c->nblocks ? &c->blocks[i].f : NULL;
}

/* Smoothing: the most likely class sequence (Viterbi) of each stretch of
 * classified blocks, scored by the sum of the blocks' log probabilities
 * minus SWITCH_COST per change of class. A change lasting one block inside a
 * run costs two switches, so it stays only when that block's class is at
 * least exp(2 * SWITCH_COST) = 25 times as likely as the run's (a weak odd
 * block is absorbed, a clear short change kept); a longer change needs that
 * odds ratio only over its whole span. Unlike a majority over neighbours,
 * the decode never types a block by evidence that points elsewhere: an
 * alternation with strong evidence is kept as it is, not shifted. */
#define SWITCH_COST 1.609 /* ln 5 */
#define LOGP_FLOOR  1e-6  /* a share of 0 is a large cost, not minus infinity */

/* types[a..b) of the most likely sequence; back: 3 (b - a) bytes. */
static void decode_stretch(const block_rec *blk, int a, int b, unsigned char *back, int *types)
{
    double score[3], next[3];
    int i, k, j, best;
    for (k = 0; k < 3; k++)
        score[k] = log(blk[a].share[k] + LOGP_FLOOR);
    for (i = a + 1; i < b; i++) {
        for (k = 0; k < 3; k++) {
            double v = score[k]; /* staying in class k costs nothing */
            int from = k;
            for (j = 0; j < 3; j++)
                if (j != k && score[j] - SWITCH_COST > v)
                    v = score[j] - SWITCH_COST, from = j;
            next[k] = v + log(blk[i].share[k] + LOGP_FLOOR);
            back[3 * (i - a) + k] = (unsigned char)from;
        }
        memcpy(score, next, sizeof(score));
    }
    best = 0;
    for (k = 1; k < 3; k++)
        if (score[k] > score[best])
            best = k;
    for (i = b - 1; i >= a; i--) {
        types[i] = best;
        if (i > a) /* block a has no predecessor */
            best = back[3 * (i - a) + best];
    }
}

/* types[i]: block i's smoothed class, -1 for a quiet block. */
static int smooth(const miqw_classify *c, int *types)
{
    unsigned char *back = malloc(3 * (size_t)c->nblocks + 1);
    int i = 0, j;
    if (!back)
        return -1;
    while (i < c->nblocks) {
        if (c->blocks[i].type < 0) {
            types[i++] = -1;
            continue;
        }
        for (j = i; j < c->nblocks && c->blocks[j].type >= 0; j++)
            ;
        decode_stretch(c->blocks, i, j, back, types);
        i = j;
    }
    free(back);
    return 0;
}

/* Block k's class: smoothed, or its own when smoothing had no memory. */
static int type_of(const miqw_classify *c, const int *types, int k)
{
    return types ? types[k] : c->blocks[k].type;
}

void miqw_classify_result(const miqw_classify *c, double t0, json_t *result)
{
    static const char *const names[] = {"speech", "music", "other"};
    json_t *list = json_array();
    int *types = malloc(sizeof(int) * (size_t)c->nblocks + 1);
    int i = 0, j, t;
    if (types && smooth(c, types)) {
        free(types);
        types = NULL;
    }
    while (i < c->nblocks) {
        double conf = 0;
        if ((t = type_of(c, types, i)) < 0) {
            i++;
            continue;
        }
        for (j = i; j < c->nblocks && type_of(c, types, j) == t; j++)
            conf += c->blocks[j].share[t]; /* also where smoothing changed the block's type */
        json_array_append_new(list, json_pack("{s:f,s:f,s:s,s:f}", "start",
                                              round((t0 + i * c->block_s) * 1000) / 1000, "end",
                                              round((t0 + j * c->block_s) * 1000) / 1000, "type",
                                              names[t], "confidence",
                                              round(conf / (j - i) * 1000) / 1000));
        i = j;
    }
    free(types);
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
