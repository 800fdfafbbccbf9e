/* Suite "audio_loudness": true peak, loudness range and the short-term
 * loudness curve (miqw_loudness.c) against ffmpeg's ebur128 filter
 * (peak=true) run on the same generated files. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <apr_strings.h>
#include "unit.h"
#include "base/miq_json.h"
#include "wtest_media.h"
#include "wtest_media_audio.h"

#define MAX_FRAMES 4000

static double num(const json_t *o, const char *key)
{
    return json_number_value(json_object_get(o, key));
}

/* One file: ours vs ffmpeg's, within 0.1 LU / 0.1 dB everywhere. */
static void compare(const char *name, const char *args)
{
    static double st[MAX_FRAMES];
    const char *path = wtest_ffmpeg(utp, name, "%s", args), *err, *code;
    json_t *res, *curve, *v;
    double ff_i = 0, ff_lra = 0, ff_tp = 0, step, worst = 0;
    int nf, k, compared = 0;
    size_t i;
    CU_ASSERT_PTR_NOT_NULL_FATAL(path);
    err = wtest_audio_analyze(utp, path, NULL, "{}", &res, &code);
    CU_ASSERT_PTR_NULL_FATAL(err);
    nf = wtest_ffmpeg_ebur128(path, st, MAX_FRAMES, &ff_i, &ff_lra, &ff_tp);
    CU_ASSERT_FATAL(nf > 30);
    printf("\n  %-16s I %.2f/%.2f  LRA %.2f/%.2f  TP %.2f/%.2f dBTP (ours/ffmpeg)", name,
           num(res, "integrated_lufs"), ff_i, num(res, "loudness_range_lu"), ff_lra,
           num(res, "true_peak_dbtp"), ff_tp);
    CU_ASSERT(fabs(num(res, "integrated_lufs") - ff_i) <= 0.1);
    CU_ASSERT(fabs(num(res, "loudness_range_lu") - ff_lra) <= 0.1);
    CU_ASSERT(fabs(num(res, "true_peak_dbtp") - ff_tp) <= 0.1);
    curve = json_object_get(res, "short_term");
    CU_ASSERT_DOUBLE_EQUAL(num(curve, "window_s"), 3, 1e-9);
    step = num(curve, "step_s");
    CU_ASSERT_DOUBLE_EQUAL(step, 1, 1e-9);
    /* value i: the 3 s ending at 3 + i * step s; ffmpeg's frame k ends at (k + 1) * 0.1 s */
    json_array_foreach(json_object_get(curve, "lufs"), i, v)
    {
        double ours = json_number_value(v), d;
        k = 29 + (int)lround(i * step * 10);
        if (k >= nf || st[k] < -69 || ours < -69)
            continue;
        d = fabs(ours - st[k]);
        worst = fmax(worst, d);
        compared++;
    }
    printf("; short-term: %d points, worst %.3f LU", compared, worst);
    CU_ASSERT(compared >= (nf - 30) / 10 - 1);
    CU_ASSERT(worst <= 0.1);
}

static void test_against_ffmpeg_ebur128(void)
{
    /* Inter-sample peaks: 12 kHz at 45 degrees, samples read 3 dB under the true peak
     * (faded in: a tone switched on at full level rings in any resampler). */
    compare("tp_12k.wav", "-f lavfi -i \"aevalsrc='0.7*sin(2*PI*12000*t+PI/4)|0.5*sin(2*PI*"
                          "12000*t+PI/4)':s=48000:d=10,afade=t=in:d=0.5\"");
    compare("tp_997_44k.wav", "-f lavfi -i \"aevalsrc='0.5*sin(2*PI*997*t)':s=44100:d=8\"");
    /* A chord whose level swings 20 dB over 40 s: a moving short-term curve and an LRA. */
    compare("swing.wav",
            "-f lavfi -i \"aevalsrc='(0.05+0.3*abs(sin(t/8)))*(sin(2*PI*220*t)+sin(2*PI*277*t)+"
            "sin(2*PI*330*t))/3':s=48000:d=40\" -ac 2");
    /* Varying pink noise as 44.1 kHz stereo MP3. */
    compare("loud_pink.mp3", "-f lavfi -i \"anoisesrc=r=44100:c=pink:a=0.3:d=30:seed=5,"
                             "volume='0.2+0.8*abs(sin(t/3))':eval=frame\" -ac 2 -b:a 128k");
    /* Tech 3342 case 2 shape: -20 then -35 dBFS halves, 96 kHz (2x oversampling). */
    compare("lra_96k.wav", "-f lavfi -i \"aevalsrc='if(lt(t,20),0.1,0.0177828)*sin(2*PI*1000*t)'"
                           ":s=96000:d=40\"");
}

/* Digital silence: no block passes the gates, the curve sits at the floor. */
static void test_silence_floor(void)
{
    const char *path = wtest_ffmpeg(utp, "zeros.wav", "-f lavfi -i anullsrc=r=48000:cl=mono -t 5"),
               *err, *code;
    json_t *res, *curve;
    CU_ASSERT_PTR_NOT_NULL_FATAL(path);
    err = wtest_audio_analyze(utp, path, NULL, "{}", &res, &code);
    CU_ASSERT_PTR_NULL_FATAL(err);
    CU_ASSERT_DOUBLE_EQUAL(num(res, "true_peak_dbtp"), -120, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(num(res, "integrated_lufs"), -70, 1e-9);
    curve = json_object_get(res, "short_term");
    CU_ASSERT_EQUAL(json_array_size(json_object_get(curve, "lufs")), 3); /* ends at 3, 4, 5 s */
    CU_ASSERT_DOUBLE_EQUAL(json_number_value(json_array_get(json_object_get(curve, "lufs"), 0)),
                           -70, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(num(curve, "first_end_s"), 3, 1e-9);
}

/* A float file with NaN and infinite samples (a hostile or broken file): they
 * are read as silence and counted, and the loudness after them is the clean
 * file's, not a poisoned sum. */
static void test_nonfinite_samples(void)
{
    const char *raw = wtest_ffmpeg(utp, "poison.f32",
                                   "-f lavfi -i \"aevalsrc='0.3*sin(2*PI*440*t)"
                                   "|0.3*sin(2*PI*660*t)':s=48000:d=10\" -f f32le"),
               *clean, *poisoned, *err, *code;
    const float bad[3] = {NAN, INFINITY, -INFINITY};
    json_t *rc, *rp, *v;
    FILE *f;
    size_t i;
    int k;
    double lo = 0;
    CU_ASSERT_PTR_NOT_NULL_FATAL(raw);
    clean = wtest_ffmpeg(utp, "clean.wav", "-f f32le -ar 48000 -ac 2 -i '%s' -c:a pcm_f32le", raw);
    CU_ASSERT_PTR_NOT_NULL_FATAL(clean);
    /* 300 bad values at 5 s (both channels), as 100 runs of NaN, +Inf, -Inf */
    CU_ASSERT_PTR_NOT_NULL_FATAL(f = fopen(raw, "r+b"));
    CU_ASSERT_EQUAL(fseek(f, (long)(5 * 48000 * 2 * sizeof(float)), SEEK_SET), 0);
    for (k = 0; k < 300; k++)
        CU_ASSERT_EQUAL(fwrite(&bad[k % 3], sizeof(float), 1, f), 1);
    fclose(f);
    poisoned = wtest_ffmpeg(utp, "poisoned.wav", "-f f32le -ar 48000 -ac 2 -i '%s' -c:a pcm_f32le",
                            raw);
    CU_ASSERT_PTR_NOT_NULL_FATAL(poisoned);
    err = wtest_audio_analyze(utp, clean, "{}", "{}", &rc, &code);
    CU_ASSERT_PTR_NULL_FATAL(err);
    err = wtest_audio_analyze(utp, poisoned, "{}", "{}", &rp, &code);
    CU_ASSERT_PTR_NULL_FATAL(err);
    printf("\n  poisoned: %" JSON_INTEGER_FORMAT " invalid samples; I %.2f/%.2f  TP %.2f/%.2f",
           json_integer_value(json_object_get(rp, "invalid_samples")), num(rp, "integrated_lufs"),
           num(rc, "integrated_lufs"), num(rp, "true_peak_dbtp"), num(rc, "true_peak_dbtp"));
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(rp, "invalid_samples")), 300);
    CU_ASSERT_PTR_NULL(json_object_get(rc, "invalid_samples"));
    CU_ASSERT(fabs(num(rp, "integrated_lufs") - num(rc, "integrated_lufs")) <= 0.1);
    CU_ASSERT_PTR_NOT_NULL(json_object_get(rp, "true_peak_dbtp"));
    CU_ASSERT(fabs(num(rp, "true_peak_dbtp") - num(rc, "true_peak_dbtp")) <= 0.1);
    json_array_foreach(json_object_get(json_object_get(rp, "short_term"), "lufs"), i, v)
        lo = i ? fmin(lo, json_number_value(v)) : json_number_value(v);
    CU_ASSERT(lo > -30); /* a steady tone: no point at the floor after the bad samples */
    CU_ASSERT(isfinite(num(rp, "speech_ratio")));
}

MIQ_SUITE("audio_loudness", MIQ_TEST(test_against_ffmpeg_ebur128), MIQ_TEST(test_silence_floor),
          MIQ_TEST(test_nonfinite_samples))
