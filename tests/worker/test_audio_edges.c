/* Suite "audio_edges": silence boundaries where speech ends on quiet,
 * audible sound (a decaying tone, a fricative-like noise burst, a breath, a
 * decaying high consonant) over room tone, compared with ffmpeg's
 * silencedetect (sample peaks) run in the test; and room tone whose random
 * peaks cross the threshold, where peaks alone would break every pause. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <apr_strings.h>
#include "unit.h"
#include "base/miq_json.h"
#include "wtest_media.h"
#include "wtest_media_audio.h"

/* Four "words" (a modulated chord, about -20 dBFS), 12 s at 48 kHz. */
#define WORDS                                                                                      \
    "(between(t,0.5,1.5)+between(t,3,4)+between(t,5.5,6.5)+between(t,8,9))*0.1*(sin(2*PI*220*t)+"  \
    "sin(2*PI*330*t)+sin(2*PI*440*t))*(0.75+0.25*sin(2*PI*4*t))"
/* What follows each word: below -35 dBFS RMS, peaks above it. */
#define TAILS                                                                                      \
    "+between(t,1.5,2.5)*0.04*exp(-(t-1.5)/0.25)*sin(2*PI*250*t)"                                  \
    "+between(t,4,4.25)*0.025*(2*random(0)-1)"                                                     \
    "+between(t,6.5,6.9)*0.03*sin(PI*(t-6.5)/0.4)*(2*random(0)-1)"                                 \
    "+between(t,9,9.6)*0.05*exp(-(t-9)/0.1)*sin(2*PI*3000*t)"

static const char *words_media(const char *name, const char *expr, double tone_amp)
{
    return wtest_ffmpeg(utp, name,
                        "-f lavfi -i \"aevalsrc='%s':s=48000:d=12\" "
                        "-f lavfi -i 'anoisesrc=r=48000:c=white:a=%g:d=12:seed=3' "
                        "-filter_complex '[0][1]amix=inputs=2:normalize=0' -c:a pcm_s16le",
                        expr, tone_amp);
}

static double num(const json_t *o, const char *key)
{
    return json_number_value(json_object_get(o, key));
}

static void test_tails_match_silencedetect(void)
{
    const char *path = words_media("tails.wav", WORDS TAILS, 0.0017), *err, *code;
    double ff[32];
    int nff, i, matched = 0;
    json_t *res, *sil;
    CU_ASSERT_PTR_NOT_NULL_FATAL(path);
    err = wtest_audio_analyze(utp, path, "{\"min_silence_s\":0.5,\"threshold_db\":-35}", NULL, &res,
                              &code);
    CU_ASSERT_PTR_NULL_FATAL(err);
    nff = wtest_ffmpeg_silences(path, -35, 0.5, ff, 16);
    CU_ASSERT_FATAL(nff >= 4);
    sil = json_object_get(res, "silences");
    CU_ASSERT_EQUAL(json_array_size(sil), (size_t)nff);
    for (i = 0; i < nff; i++) {
        size_t j;
        json_t *x;
        double end = ff[2 * i + 1] < 0 ? 12 : ff[2 * i + 1];
        json_array_foreach(sil, j, x)
        {
            double a = num(x, "start"), b = num(x, "end");
            if (b <= ff[2 * i] || a >= end)
                continue;
            printf("\n  silencedetect %6.3f..%6.3f  ours %6.3f..%6.3f", ff[2 * i], end, a, b);
            CU_ASSERT(fabs(a - ff[2 * i]) <= 0.1);
            CU_ASSERT(fabs(b - end) <= 0.1);
            matched++;
        }
    }
    CU_ASSERT_EQUAL(matched, nff);
}

/* Room tone at about -39 dBFS RMS under a -35 dB threshold: its sample peaks
 * cross the threshold all the time, yet the four pauses stay whole and start
 * where the words end (1.5, 4, 6.5, 9 s). */
static void test_room_tone_keeps_pauses(void)
{
    const char *path = words_media("roomtone.wav", WORDS, 0.02), *err, *code;
    static const double ends[] = {1.5, 4, 6.5, 9};
    json_t *res, *sil;
    size_t i;
    CU_ASSERT_PTR_NOT_NULL_FATAL(path);
    err = wtest_audio_analyze(utp, path, "{\"min_silence_s\":0.5,\"threshold_db\":-35}", NULL, &res,
                              &code);
    CU_ASSERT_PTR_NULL_FATAL(err);
    sil = json_object_get(res, "silences");
    /* the leading 0..0.5, then the pauses after each word (the last runs to the end) */
    CU_ASSERT_EQUAL_FATAL(json_array_size(sil), 5);
    for (i = 0; i < 4; i++) {
        json_t *x = json_array_get(sil, i + 1);
        printf("\n  pause %zu: %.3f..%.3f", i, num(x, "start"), num(x, "end"));
        CU_ASSERT(fabs(num(x, "start") - ends[i]) <= 0.1);
        CU_ASSERT(num(x, "end") - num(x, "start") >= 1.4);
    }
}

MIQ_SUITE("audio_edges", MIQ_TEST(test_tails_match_silencedetect),
          MIQ_TEST(test_room_tone_keeps_pauses))
