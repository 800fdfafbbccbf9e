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

MIQ_SUITE("audio_loudness", MIQ_TEST(test_against_ffmpeg_ebur128), MIQ_TEST(test_silence_floor))
