/* Suite "audio_smoothing": how the classifier (miqw_classify.c) turns its
 * per-block decisions into runs ("audio_classes"). Media is assembled at
 * test time, block by block, from speech (espeak-ng) and music (synthesised)
 * generated here, cut at the classifier's own block boundaries:
 *   - blocks alternating speech / music, each one clearly typed on its own,
 *     must come out as they are (a 3-block majority inverted them);
 *   - one block whose own decision is wrong but weak (music with speech mixed
 *     in until the block's decision just tips) inside a run of music must be
 *     absorbed into the run;
 *   - one clearly typed speech block inside a run of music is a real short
 *     change and must stay. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "unit.h"
#include "analyses/miqw_classify.h"
#include "wtest_media.h"
#include "wtest_media_audio.h"

#define RATE       44100
#define STRONG     0.97 /* a block "clearly typed": its class's probability */
#define MAX_BLOCKS 64
#define RUN_BLOCKS 9 /* music blocks around the odd one */
#define SPEECH_TEXT                                                                                \
    "The quick brown fox jumps over the lazy dog, and then it runs away. Please remember to "      \
    "send the report before the meeting on Thursday afternoon."

typedef struct {
    float *x; /* mono samples, malloc'd */
    long n;
    int blen;               /* samples per classifier block */
    int strong[MAX_BLOCKS]; /* indices of blocks typed as the wanted class, >= STRONG */
    int nstrong;
} source;

/* One block's own class and confidence when classified alone. */
static int own_class(const float *x, int blen, double *conf)
{
    miqw_classify *c = miqw_classify_new(RATE);
    const miqw_class_features *f;
    int t = -1;
    *conf = 0;
    if (c && miqw_classify_feed(c, x, blen) == 0 && (f = miqw_classify_block(c, 0)) &&
        f->level_db >= -50)
        t = miqw_classify_decide(f, conf);
    miqw_classify_free(c);
    return t;
}

/* Decodes path and finds its blocks that are clearly of class want. */
static int load_source(source *s, const char *path, int want)
{
    miqw_classify *c = miqw_classify_new(RATE);
    long b;
    memset(s, 0, sizeof(*s));
    if (!c || !path || !(s->x = wtest_decode_mono(path, &s->n))) {
        miqw_classify_free(c);
        return -1;
    }
    s->blen = miqw_classify_block_len(c);
    miqw_classify_free(c);
    for (b = 0; (b + 1) * s->blen <= s->n && s->nstrong < MAX_BLOCKS; b++) {
        double conf;
        if (own_class(s->x + b * s->blen, s->blen, &conf) == want && conf >= STRONG)
            s->strong[s->nstrong++] = (int)b;
    }
    return 0;
}

/* The smoothed class of each block of the n-block signal x: from the
 * "audio_classes" runs, by each block's middle (-1 where no run is). */
static void smoothed_classes(const float *x, int blen, int n, int *out)
{
    static const char *const names[] = {"speech", "music", "other"};
    miqw_classify *c = miqw_classify_new(RATE);
    json_t *res = json_object(), *runs, *r;
    double block_s = (double)blen / RATE;
    size_t i;
    int b, k;
    for (b = 0; b < n; b++)
        out[b] = -1;
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_FATAL(miqw_classify_feed(c, x, blen * n) == 0);
    CU_ASSERT_EQUAL(miqw_classify_nblocks(c), n);
    miqw_classify_result(c, 0, res);
    runs = json_object_get(res, "audio_classes");
    json_array_foreach(runs, i, r)
    {
        double a = json_number_value(json_object_get(r, "start"));
        double e = json_number_value(json_object_get(r, "end"));
        double conf = json_number_value(json_object_get(r, "confidence"));
        const char *t = json_string_value(json_object_get(r, "type"));
        CU_ASSERT(conf > 0 && conf <= 1);
        for (b = 0; b < n; b++)
            if ((b + 0.5) * block_s > a && (b + 0.5) * block_s < e)
                for (k = 0; k < 3; k++)
                    if (t && !strcmp(t, names[k]))
                        out[b] = k;
    }
    printf("\n  runs:");
    json_array_foreach(runs, i, r)
        printf(" %s %.2f-%.2f (%.2f)", json_string_value(json_object_get(r, "type")),
               json_number_value(json_object_get(r, "start")),
               json_number_value(json_object_get(r, "end")),
               json_number_value(json_object_get(r, "confidence")));
    json_decref(res);
    miqw_classify_free(c);
}

static void put_block(float *dst, const source *s, int block)
{
    memcpy(dst, s->x + (long)block * s->blen, sizeof(float) * (size_t)s->blen);
}

static source speech, music;

static void free_sources(void)
{
    free(speech.x), free(music.x);
}

static int sources_ready(void)
{
    static int tried;
    if (!tried) {
        tried = 1;
        atexit(free_sources);
        load_source(&speech, wtest_speech_espeak(utp, "sm_speech.wav", "en-us", 150, SPEECH_TEXT),
                    MIQW_CLASS_SPEECH);
        load_source(&music, wtest_music(utp, "sm_music.wav", 120, 220, 1, 1), MIQW_CLASS_MUSIC);
        printf("\n  clear blocks: speech %d, music %d", speech.nstrong, music.nstrong);
    }
    return speech.nstrong >= 3 && music.nstrong >= 3;
}

/* S M S M S M S M: every block clearly typed on its own stays as it is. */
static void test_alternating_blocks_kept(void)
{
    int n = 8, b, got[8];
    float *x;
    CU_ASSERT_FATAL(sources_ready());
    x = malloc(sizeof(float) * (size_t)speech.blen * n);
    CU_ASSERT_PTR_NOT_NULL_FATAL(x);
    for (b = 0; b < n; b++)
        put_block(x + (long)b * speech.blen, b % 2 ? &music : &speech,
                  b % 2 ? music.strong[(b / 2) % music.nstrong]
                        : speech.strong[(b / 2) % speech.nstrong]);
    smoothed_classes(x, speech.blen, n, got);
    for (b = 0; b < n; b++)
        CU_ASSERT_EQUAL(got[b], b % 2 ? MIQW_CLASS_MUSIC : MIQW_CLASS_SPEECH);
    free(x);
}

/* Music, one block of it with speech mixed in until its own decision just
 * tips away from music (weak), music: one music run. */
static void test_weak_odd_block_absorbed(void)
{
    int n = RUN_BLOCKS, mid = RUN_BLOCKS / 2, b, got[RUN_BLOCKS], t = MIQW_CLASS_MUSIC;
    float *x, *odd;
    double g, conf = 1;
    CU_ASSERT_FATAL(sources_ready());
    x = malloc(sizeof(float) * (size_t)music.blen * n);
    odd = malloc(sizeof(float) * (size_t)music.blen);
    CU_ASSERT_FATAL(x && odd);
    for (b = 0; b < n; b++)
        put_block(x + (long)b * music.blen, &music, music.strong[b % music.nstrong]);
    for (g = 0.02; g <= 1.0 && t == MIQW_CLASS_MUSIC; g += 0.02) { /* the tipping point */
        const float *m = x + (long)mid * music.blen,
                    *s = speech.x + (long)speech.strong[0] * speech.blen;
        int i;
        for (i = 0; i < music.blen; i++)
            odd[i] = (float)((1 - g) * m[i] + g * s[i]);
        t = own_class(odd, music.blen, &conf);
    }
    printf("\n  odd block: %.2f speech mixed in, typed %d alone at %.2f", g - 0.02, t, conf);
    CU_ASSERT_FATAL(t >= 0 && t != MIQW_CLASS_MUSIC); /* the odd block is wrong on its own */
    CU_ASSERT(conf < 0.8);                            /* and weak */
    memcpy(x + (long)mid * music.blen, odd, sizeof(float) * (size_t)music.blen);
    smoothed_classes(x, music.blen, n, got);
    for (b = 0; b < n; b++)
        CU_ASSERT_EQUAL(got[b], MIQW_CLASS_MUSIC);
    free(odd);
    free(x);
}

/* Music, one clearly typed speech block, music: the speech block stays. */
static void test_strong_short_change_kept(void)
{
    int n = RUN_BLOCKS, mid = RUN_BLOCKS / 2, b, got[RUN_BLOCKS];
    float *x;
    CU_ASSERT_FATAL(sources_ready());
    x = malloc(sizeof(float) * (size_t)music.blen * n);
    CU_ASSERT_PTR_NOT_NULL_FATAL(x);
    for (b = 0; b < n; b++)
        put_block(x + (long)b * music.blen, b == mid ? &speech : &music,
                  b == mid ? speech.strong[0] : music.strong[b % music.nstrong]);
    smoothed_classes(x, music.blen, n, got);
    for (b = 0; b < n; b++)
        CU_ASSERT_EQUAL(got[b], b == mid ? MIQW_CLASS_SPEECH : MIQW_CLASS_MUSIC);
    free(x);
}

MIQ_SUITE("audio_smoothing", MIQ_TEST(test_alternating_blocks_kept),
          MIQ_TEST(test_weak_odd_block_absorbed), MIQ_TEST(test_strong_short_change_kept))
