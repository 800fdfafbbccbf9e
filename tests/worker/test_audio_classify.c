/* Suite "audio_classify": the speech / music / other classifier
 * (miqw_classify.c) on a labelled set generated at test time: speech from
 * flite (ffmpeg) and espeak-ng in several voices, languages and rates; music
 * synthesised with chords, melody, harmonics and drums; other = tones,
 * sweeps, noises, clicks, hum, beeps. The weights were set on the tuning half
 * only; the held-out half (other voices, languages, tempos, keys and sounds)
 * must reach ACCURACY_FLOOR. Prints both confusion matrices (1 s blocks). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include "unit.h"
#include "base/miq_json.h"
#include "analyses/miqw_classify.h"
#include "wtest_media.h"
#include "wtest_media_audio.h"

#define ACCURACY_FLOOR 0.85 /* measured 0.904 (85/94 blocks) when the weights were set */

#define T1 "The quick brown fox jumps over the lazy dog, and then it runs away."
#define T2 "Please remember to send the report before the meeting on Thursday afternoon."
#define T3 "We measured the water level every morning for three weeks in a row."
#define T4 "Nobody expected the small village team to win the national cup final."

typedef struct {
    const char *name;
    int label, held_out;
    const char *path;
} clip;

static const char *other_media(const char *name, const char *lavfi)
{
    return wtest_ffmpeg(utp, name, "-f lavfi -i \"%s\" -t 8", lavfi);
}

static int build_set(clip *c, int cap)
{
    int n = 0;
#define ADD(nm, lab, ho, expr)                                                                     \
    do {                                                                                           \
        if (n < cap) {                                                                             \
            c[n].name = nm, c[n].label = lab, c[n].held_out = ho;                                  \
            c[n++].path = (expr);                                                                  \
        }                                                                                          \
    } while (0)
    /* tuning half */
    ADD("flite-kal", MIQW_CLASS_SPEECH, 0, wtest_speech_flite(utp, "c_kal.wav", "kal", T1));
    ADD("flite-slt", MIQW_CLASS_SPEECH, 0, wtest_speech_flite(utp, "c_slt.wav", "slt", T2));
    ADD("espeak-en-us", MIQW_CLASS_SPEECH, 0,
        wtest_speech_espeak(utp, "c_enus.wav", "en-us", 160, T1 " " T2));
    ADD("espeak-en-gb", MIQW_CLASS_SPEECH, 0,
        wtest_speech_espeak(utp, "c_engb.wav", "en-gb", 175, T3 " " T4));
    ADD("music-120", MIQW_CLASS_MUSIC, 0, wtest_music(utp, "c_m1.wav", 120, 220, 1, 1));
    ADD("music-90", MIQW_CLASS_MUSIC, 0, wtest_music(utp, "c_m2.wav", 90, 196, 2, 0));
    ADD("music-140", MIQW_CLASS_MUSIC, 0, wtest_music(utp, "c_m3.wav", 140, 261.6, 3, 1));
    ADD("sine-440", MIQW_CLASS_OTHER, 0, other_media("c_sine.wav", "sine=f=440:r=44100"));
    ADD("white-noise", MIQW_CLASS_OTHER, 0,
        other_media("c_white.wav", "anoisesrc=r=44100:c=white:a=0.2:seed=1"));
    ADD("clicks-2hz", MIQW_CLASS_OTHER, 0,
        other_media("c_click2.wav", "aevalsrc='if(lt(mod(t,0.5),0.002),0.5,0)':s=44100"));
    ADD("hum-50", MIQW_CLASS_OTHER, 0,
        other_media(
            "c_hum.wav",
            "aevalsrc='0.2*sin(2*PI*50*t)+0.1*sin(2*PI*100*t)+0.05*sin(2*PI*150*t)':s=44100"));
    ADD("beeps-600", MIQW_CLASS_OTHER, 0,
        other_media("c_beeps.wav", "aevalsrc='lt(mod(t,0.4),0.1)*0.3*sin(2*PI*600*t)':s=44100"));
    /* held-out half */
    ADD("flite-awb", MIQW_CLASS_SPEECH, 1, wtest_speech_flite(utp, "h_awb.wav", "awb", T3));
    ADD("flite-rms", MIQW_CLASS_SPEECH, 1, wtest_speech_flite(utp, "h_rms.wav", "rms", T4));
    ADD("flite-kal16", MIQW_CLASS_SPEECH, 1, wtest_speech_flite(utp, "h_kal16.wav", "kal16", T2));
    ADD("espeak-de", MIQW_CLASS_SPEECH, 1,
        wtest_speech_espeak(utp, "h_de.wav", "de", 130,
                            "Am Montag fahren wir mit dem Zug nach Berlin und besuchen das "
                            "Museum am Fluss."));
    ADD("espeak-fr", MIQW_CLASS_SPEECH, 1,
        wtest_speech_espeak(utp, "h_fr.wav", "fr", 190,
                            "Nous avons pris le petit train du matin pour aller voir la mer "
                            "avec les enfants."));
    ADD("espeak-es", MIQW_CLASS_SPEECH, 1,
        wtest_speech_espeak(utp, "h_es.wav", "es", 150,
                            "El mercado abre temprano y los vecinos compran pan fresco cada "
                            "manana."));
    ADD("music-100", MIQW_CLASS_MUSIC, 1, wtest_music(utp, "h_m1.wav", 100, 233.1, 5, 1));
    ADD("music-76", MIQW_CLASS_MUSIC, 1, wtest_music(utp, "h_m2.wav", 76, 174.6, 6, 0));
    ADD("music-160", MIQW_CLASS_MUSIC, 1, wtest_music(utp, "h_m3.wav", 160, 293.7, 7, 1));
    ADD("music-110", MIQW_CLASS_MUSIC, 1, wtest_music(utp, "h_m4.wav", 110, 207.7, 8, 0));
    ADD("sweep", MIQW_CLASS_OTHER, 1,
        other_media("h_sweep.wav", "aevalsrc='0.3*sin(2*PI*(200*t+112.5*t*t))':s=44100"));
    ADD("pink-noise", MIQW_CLASS_OTHER, 1,
        other_media("h_pink.wav", "anoisesrc=r=44100:c=pink:a=0.3:seed=2"));
    ADD("brown-noise", MIQW_CLASS_OTHER, 1,
        other_media("h_brown.wav", "anoisesrc=r=44100:c=brown:a=0.3:seed=3"));
    ADD("clicks-4hz", MIQW_CLASS_OTHER, 1,
        other_media("h_click4.wav", "aevalsrc='if(lt(mod(t,0.25),0.001),0.6,0)':s=44100"));
    ADD("hum-60", MIQW_CLASS_OTHER, 1,
        other_media("h_hum.wav", "aevalsrc='0.2*sin(2*PI*60*t)+0.08*sin(2*PI*180*t)':s=44100"));
    ADD("beeps", MIQW_CLASS_OTHER, 1,
        other_media("h_beeps.wav", "aevalsrc='lt(mod(t,0.5),0.2)*0.3*sin(2*PI*1000*t)':s=44100"));
#undef ADD
    return n;
}

static void print_matrix(const char *title, long m[3][3])
{
    static const char *const nm[] = {"speech", "music", "other"};
    long ok = m[0][0] + m[1][1] + m[2][2], all = 0;
    int i, j;
    for (i = 0; i < 3; i++)
        for (j = 0; j < 3; j++)
            all += m[i][j];
    printf("\n  %s: %ld/%ld blocks right = %.1f %%\n  %-8s %7s %7s %7s", title, ok, all,
           all ? 100.0 * ok / all : 0, "truth", "speech", "music", "other");
    for (i = 0; i < 3; i++)
        printf("\n  %-8s %7ld %7ld %7ld", nm[i], m[i][0], m[i][1], m[i][2]);
}

/* Seconds of each type in the smoothed runs ("audio_classes") of c. */
static void add_run_seconds(const miqw_classify *c, double sec[3])
{
    static const char *const nm[] = {"speech", "music", "other"};
    json_t *res = json_object(), *r;
    size_t i;
    int k;
    miqw_classify_result(c, 0, res);
    json_array_foreach(json_object_get(res, "audio_classes"), i, r)
    {
        for (k = 0; k < 3; k++)
            if (!strcmp(json_string_value(json_object_get(r, "type")), nm[k]))
                sec[k] += json_number_value(json_object_get(r, "end")) -
                          json_number_value(json_object_get(r, "start"));
    }
    json_decref(res);
}

static void test_labelled_set(void)
{
    clip set[40];
    long m[2][3][3];
    double run_s[2][3][3]; /* after smoothing: seconds, [held out][label][typed] */
    int n = build_set(set, 40), i, b;
    memset(m, 0, sizeof(m));
    memset(run_s, 0, sizeof(run_s));
    CU_ASSERT_FATAL(n >= 24);
    for (i = 0; i < n; i++) {
        miqw_classify *c;
        long ns = 0;
        float *x;
        int votes[3] = {0, 0, 0};
        miqw_class_features avg;
        CU_ASSERT_PTR_NOT_NULL_FATAL(set[i].path);
        x = wtest_decode_mono(set[i].path, &ns);
        CU_ASSERT_FATAL(x && ns > 44100);
        c = miqw_classify_new(44100);
        CU_ASSERT_PTR_NOT_NULL_FATAL(c);
        CU_ASSERT(miqw_classify_feed(c, x, (int)ns) == 0);
        memset(&avg, 0, sizeof(avg));
        for (b = 0; b < miqw_classify_nblocks(c); b++) {
            const miqw_class_features *f = miqw_classify_block(c, b);
            double conf;
            int t;
            if (f->level_db < -50)
                continue;
            t = miqw_classify_decide(f, &conf);
            votes[t]++;
            m[set[i].held_out][set[i].label][t]++;
            avg.ler += f->ler, avg.edb_std += f->edb_std, avg.zcr_std += f->zcr_std;
            avg.flux += f->flux, avg.flat += f->flat, avg.mod4 += f->mod4;
            avg.flux_ratio += f->flux_ratio;
        }
        b = votes[0] + votes[1] + votes[2];
        if (b)
            printf("\n  %-13s %s ler %.2f edb %5.2f zcr %.3f flux %.3f flat %.3f mod4 %.2f fluxr "
                   "%.2f -> %d/%d/%d",
                   set[i].name, set[i].held_out ? "H" : "T", avg.ler / b, avg.edb_std / b,
                   avg.zcr_std / b, avg.flux / b, avg.flat / b, avg.mod4 / b, avg.flux_ratio / b,
                   votes[0], votes[1], votes[2]);
        CU_ASSERT(b > 0);
        add_run_seconds(c, run_s[set[i].held_out][set[i].label]);
        miqw_classify_free(c);
        free(x);
    }
    print_matrix("tuning half", m[0]);
    print_matrix("held-out half", m[1]);
    for (i = 0; i < 2; i++) {
        double ok = 0, all = 0;
        int r, k;
        for (r = 0; r < 3; r++)
            for (k = 0; k < 3; k++)
                all += run_s[i][r][k], ok += r == k ? run_s[i][r][k] : 0;
        printf("\n  %s after smoothing: %.1f of %.1f s right = %.1f %% (speech %.1f %%, music "
               "%.1f %%, other %.1f %%)",
               i ? "held-out half" : "tuning half", ok, all, all ? 100 * ok / all : 0,
               100 * run_s[i][0][0] / (run_s[i][0][0] + run_s[i][0][1] + run_s[i][0][2] + 1e-9),
               100 * run_s[i][1][1] / (run_s[i][1][0] + run_s[i][1][1] + run_s[i][1][2] + 1e-9),
               100 * run_s[i][2][2] / (run_s[i][2][0] + run_s[i][2][1] + run_s[i][2][2] + 1e-9));
    }
    {
        long ok = m[1][0][0] + m[1][1][1] + m[1][2][2], all = 0;
        int r, k;
        for (r = 0; r < 3; r++)
            for (k = 0; k < 3; k++)
                all += m[1][r][k];
        CU_ASSERT(all > 0 && (double)ok / all >= ACCURACY_FLOOR);
    }
}

MIQ_SUITE("audio_classify", MIQ_TEST(test_labelled_set))
