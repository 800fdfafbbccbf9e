/* Suite "audio": the audio consumer (miqw_audio.c) on media generated with the
 * ffmpeg CLI at test time, with known ground truth. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <apr_strings.h>
#include "unit.h"
#include "endpoints/miq_endpoints.h"
#include "base/miq_json.h"
#include "mcp/miq_schema.h"
#include "miqw_media.h"
#include "analyses/miqw_audio.h"
#include "wtest_media.h"

#define CHORD       "0.1*(sin(2*PI*220*t)+sin(2*PI*330*t)+sin(2*PI*440*t))*(0.75+0.25*sin(2*PI*4*t))"
#define SPEECH_GATE "(between(t,0.7,2.5)+between(t,2.8,4.5)+between(t,5.3,7.5)+between(t,9,11))"

/* Speech-like media: an amplitude-modulated chord (about -20 dBFS) in bursts,
 * over a -60 dBFS white-noise floor; 12 s. Pauses: 0-0.7 (leading), 2.5-2.8
 * (0.3 s), 4.5-5.3 (0.8 s), 7.5-9.0 (1.5 s), 11-12 (trailing). */
static const double speech_truth[][2] = {{0, 0.7}, {4.5, 5.3}, {7.5, 9.0}, {11.0, 12.0}};

static const char *speech_media(const char *name, int rate, const char *encode)
{
    return wtest_ffmpeg(utp, name,
                        "-f lavfi -i \"aevalsrc='" SPEECH_GATE "*" CHORD "':s=%d:d=12\" "
                        "-f lavfi -i 'anoisesrc=r=%d:c=white:a=0.0017:d=12:seed=7' "
                        "-filter_complex '[0][1]amix=inputs=2:normalize=0' %s",
                        rate, rate, encode);
}

static json_t *parse(const char *text)
{
    return text ? miq_json_parse(utp, text, strlen(text), NULL) : NULL;
}

/* Open, one pass with the audio consumer, close. NULL or an error with *code. */
static const char *analyze(const char *path, const char *sil, const char *en, json_t **result,
                           const char **code, double *secs)
{
    miqw_media *m;
    miqw_consumer *c;
    const char *err;
    double t = wtest_now();
    *result = miq_json_pool(utp, json_object());
    *code = NULL;
    if ((err = miqw_media_open(utp, path, &m, code)))
        return err;
    if (!(c = miqw_audio_consumer(utp, m, parse(sil), parse(en), &err))) {
        *code = "unsupported_media";
        miqw_media_close(m);
        return err;
    }
    err = miqw_pass_run(m, &c, 1, NULL, NULL, *result, code);
    miqw_media_close(m);
    if (secs)
        *secs = wtest_now() - t;
    return err;
}

/* Adds the job envelope and validates against the endpoint's result schema. */
static void check_schema(const char *endpoint, const char *params, const json_t *result)
{
    const miq_endpoint *e = miq_endpoints_find(endpoint);
    json_t *doc = miq_json_pool(utp, json_deep_copy(result));
    const char *why;
    CU_ASSERT_PTR_NOT_NULL_FATAL(e);
    json_object_set_new(doc, "endpoint", json_string(endpoint));
    json_object_set_new(doc, "params", json_incref(parse(params)));
    json_object_set_new(doc, "media", json_pack("{s:f,s:b}", "duration_s", 1.0, "has_audio", 1));
    why = miq_schema_validate(utp, miq_endpoints_result_schema(utp, e), doc);
    if (why)
        printf("\n  schema (%s): %s\n", endpoint, why);
    CU_ASSERT_PTR_NULL(why);
}

static double num(const json_t *o, const char *key)
{
    return json_number_value(json_object_get(o, key));
}

/* Silences of res against truth (±50 ms); returns the largest boundary error. */
static double check_silences(const char *label, const json_t *res, const double (*truth)[2], int n)
{
    const json_t *list = json_object_get(res, "silences");
    double worst = 0, e;
    int i;
    CU_ASSERT_EQUAL(json_array_size(list), (size_t)n);
    if (json_array_size(list) != (size_t)n) {
        printf("\n  %s: %s\n", label, json_dumps(list, JSON_COMPACT));
        return 1e9;
    }
    for (i = 0; i < n; i++) {
        const json_t *s = json_array_get(list, i);
        e = fmax(fabs(num(s, "start") - truth[i][0]), fabs(num(s, "end") - truth[i][1]));
        worst = fmax(worst, e);
        CU_ASSERT(e <= 0.05);
        CU_ASSERT(fabs(num(s, "duration") - (num(s, "end") - num(s, "start"))) < 0.0015);
        CU_ASSERT(num(s, "score") > 0 && num(s, "score") <= 1);
        CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(s, "detector")), "silence_rms");
    }
    return worst;
}

static void test_silence_formats(void)
{
    static const struct {
        const char *name;
        int rate;
        const char *enc;
    } f[] = {
        {"speech48.wav", 48000, "-c:a pcm_s16le"},
        {"speech44s.wav", 44100, "-ac 2 -c:a pcm_s16le"},
        {"speech44.mp3", 44100, "-ac 2 -c:a libmp3lame -b:a 128k"},
        {"speech48.mp3", 48000, "-c:a libmp3lame -b:a 64k"},
        {"speech48.mp4", 48000, "-ac 2 -c:a aac -b:a 128k"},
        {"speech44.m4a", 44100, "-c:a aac -b:a 96k"},
    };
    const char *sil = "{\"min_silence_s\":0.5,\"threshold_db\":-35}";
    size_t i;
    for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
        const char *path = speech_media(f[i].name, f[i].rate, f[i].enc), *err, *code;
        json_t *res;
        double worst, ratio;
        CU_ASSERT_PTR_NOT_NULL_FATAL(path);
        err = analyze(path, sil, NULL, &res, &code, NULL);
        CU_ASSERT_PTR_NULL(err);
        if (err) {
            printf("\n  %s: %s (%s)\n", f[i].name, err, code);
            continue;
        }
        worst = check_silences(f[i].name, res, speech_truth, 4);
        ratio = num(res, "speech_ratio");
        CU_ASSERT(fabs(ratio - 8.0 / 12.0) < 0.02);
        CU_ASSERT(fabs(num(res, "silence_total_s") - 4.0) < 0.2);
        printf("\n  %-14s max boundary error %.0f ms, speech_ratio %.3f (truth 0.667)", f[i].name,
               worst * 1000, ratio);
        check_schema("audio/silence", sil, res);
    }
}

/* The 0.3 s pause shows up only when min_silence_s allows it; a stricter
 * threshold below the floor finds nothing. */
static void test_silence_min_and_threshold(void)
{
    static const double truth5[][2] = {{0, 0.7}, {2.5, 2.8}, {4.5, 5.3}, {7.5, 9.0}, {11.0, 12.0}};
    const char *path = speech_media("speech48b.wav", 48000, "-c:a pcm_s16le"), *err, *code;
    json_t *res;
    CU_ASSERT_PTR_NOT_NULL_FATAL(path);
    err = analyze(path, "{\"min_silence_s\":0.2}", NULL, &res, &code, NULL);
    CU_ASSERT_PTR_NULL_FATAL(err);
    check_silences("min 0.2", res, truth5, 5);
    CU_ASSERT(fabs(num(res, "speech_ratio") - 7.7 / 12.0) < 0.02);
    err = analyze(path, "{\"min_silence_s\":1.0}", NULL, &res, &code, NULL);
    CU_ASSERT_PTR_NULL_FATAL(err);
    check_silences("min 1.0", res, speech_truth + 2, 2);
    err = analyze(path, "{\"threshold_db\":-75}", NULL, &res, &code, NULL);
    CU_ASSERT_PTR_NULL_FATAL(err);
    CU_ASSERT_EQUAL(json_array_size(json_object_get(res, "silences")), 0);
    CU_ASSERT(num(res, "speech_ratio") == 1.0);
}

/* Tone bursts at known times and levels over pink noise: the top peaks, in order. */
static void test_energy_peaks(void)
{
    static const struct {
        const char *name;
        const char *enc;
    } f[] = {{"bursts.wav", "-c:a pcm_s16le"}, {"bursts.mp3", "-c:a libmp3lame -b:a 128k"}};
    static const double at[3] = {8, 3, 13}, level[3] = {-9.03, -12.13, -15.05};
    const char *en = "{\"window_s\":0.5,\"top_k\":10}";
    size_t i;
    int k;
    for (i = 0; i < 2; i++) {
        const char *path = wtest_ffmpeg(
            utp, f[i].name,
            "-f lavfi -i \"aevalsrc='(0.35*between(t,3,4)+0.5*between(t,8,9)+0.25*between(t,13,14))"
            "*sin(2*PI*1000*t)':s=44100:d=16\" "
            "-f lavfi -i 'anoisesrc=r=44100:c=pink:a=0.02:d=16:seed=3' "
            "-filter_complex '[0][1]amix=inputs=2:normalize=0' %s",
            f[i].enc);
        const char *err, *code;
        json_t *res, *peaks, *wins;
        size_t j;
        CU_ASSERT_PTR_NOT_NULL_FATAL(path);
        err = analyze(path, NULL, en, &res, &code, NULL);
        CU_ASSERT_PTR_NULL_FATAL(err);
        peaks = json_object_get(res, "peaks");
        wins = json_object_get(res, "windows");
        CU_ASSERT(json_array_size(peaks) >= 3 && json_array_size(peaks) <= 10);
        CU_ASSERT_EQUAL(json_array_size(wins), 32);
        for (j = 1; j < json_array_size(wins); j++)
            CU_ASSERT(fabs(num(json_array_get(wins, j), "start") -
                           num(json_array_get(wins, j - 1), "end")) < 1e-9);
        for (k = 0; k < 3 && (size_t)k < json_array_size(peaks); k++) {
            const json_t *pk = json_array_get(peaks, k);
            printf("\n  %s peak %d: t=%.3f %.2f dB (truth %.0f-%.0f s, %.2f dB)", f[i].name, k + 1,
                   num(pk, "time"), num(pk, "rms_db"), at[k], at[k] + 1, level[k]);
            CU_ASSERT(num(pk, "time") >= at[k] && num(pk, "time") <= at[k] + 1);
            /* libmp3lame's output is about 0.45 dB quieter than its input (volumedetect agrees) */
            CU_ASSERT(fabs(num(pk, "rms_db") - level[k]) < (i ? 0.7 : 0.1));
            CU_ASSERT_EQUAL(json_integer_value(json_object_get(pk, "rank")), k + 1);
        }
        for (j = 1; j < json_array_size(peaks); j++) {
            size_t q;
            CU_ASSERT(num(json_array_get(peaks, j), "rms_db") <=
                      num(json_array_get(peaks, j - 1), "rms_db"));
            for (q = 0; q < j; q++) /* min_peak_gap_s 2 */
                CU_ASSERT(fabs(num(json_array_get(peaks, j), "time") -
                               num(json_array_get(peaks, q), "time")) >= 2 - 1e-6);
        }
        check_schema("audio/energy", en, res);
    }
}

/* The ffmpeg CLI's ebur128 filter on the same file: its "I:" and "LRA:". */
static int ffmpeg_ebur128(const char *path, double *i_lufs, double *lra)
{
    char out[16384], *s;
    if (wtest_ffmpeg_run(out, sizeof(out), "-i '%s' -af ebur128 -f null -", path) != 0)
        return -1;
    if (!(s = strstr(out, "Integrated loudness:")) || !(s = strstr(s, "I:")))
        return -1;
    *i_lufs = strtod(s + 2, NULL);
    if (!(s = strstr(s, "LRA:")))
        return -1;
    *lra = strtod(s + 4, NULL);
    return 0;
}

static double lufs_of(const char *path, double *lra)
{
    const char *err, *code;
    json_t *res;
    err = analyze(path, NULL, "{}", &res, &code, NULL);
    CU_ASSERT_PTR_NULL(err);
    if (err)
        return 999;
    if (lra)
        *lra = num(res, "loudness_range_lu");
    return num(res, "integrated_lufs");
}

/* EBU Tech 3341 / 3342 cases and BS.1770's single-channel reference. */
static void test_loudness(void)
{
#define SINE(a)          #a "*sin(2*PI*1000*t)"
#define STEP(cond, a, b) "if(" cond "," #a "," #b ")*sin(2*PI*1000*t)"
    static const struct {
        const char *name, *src;
        double lufs, tol;
    } c[] = {
        /* BS.1770: a 1 kHz sine on one channel reads its dBFS level - 3.01. */
        {"mono20.wav", "aevalsrc='" SINE(0.1) "':s=48000:d=10", -23.01, 0.2},
        /* Tech 3341 case 1/2: 1 kHz at -23 / -33 dBFS on both channels -> -23 / -33 LUFS. */
        {"t3341_1.wav", "aevalsrc='" SINE(0.0707946) "|" SINE(0.0707946) "':s=48000:d=20", -23.0,
         0.1},
        {"t3341_1_44.wav", "aevalsrc='" SINE(0.0707946) "|" SINE(0.0707946) "':s=44100:d=20", -23.0,
         0.1},
        {"t3341_2.wav", "aevalsrc='" SINE(0.0223872) "|" SINE(0.0223872) "':s=48000:d=20", -33.0,
         0.1},
        /* case 3: -36 / -23 / -36 dBFS, 10 / 60 / 10 s (relative gate). */
        {"t3341_3.wav",
         "aevalsrc='" STEP("between(t,10,70)", 0.0707946,
                           0.0158489) "|" STEP("between(t,10,70)", 0.0707946,
                                               0.0158489) "':s=48000:d=80",
         -23.0, 0.1},
        /* case 5: -26 / -20 / -26 dBFS, 20 / 20.1 / 20 s. */
        {"t3341_5.wav",
         "aevalsrc='" STEP("between(t,20,40.1)", 0.1,
                           0.0501187) "|" STEP("between(t,20,40.1)", 0.1,
                                               0.0501187) "':s=48000:d=60.1",
         -23.0, 0.1},
    };
    size_t i;
    double lra, ff_i, ff_lra, v;
    const char *path;
    for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
        path = wtest_ffmpeg(utp, c[i].name, "-f lavfi -i \"%s\" -c:a pcm_s24le", c[i].src);
        CU_ASSERT_PTR_NOT_NULL_FATAL(path);
        v = lufs_of(path, NULL);
        printf("\n  %-15s %.2f LUFS (expected %.2f)", c[i].name, v, c[i].lufs);
        CU_ASSERT(fabs(v - c[i].lufs) <= c[i].tol);
    }
    /* Tech 3342 case 1: -20 then -30 dBFS, 20 s each -> LRA 10 ±1. */
    path = wtest_ffmpeg(utp, "t3342_1.wav",
                        "-f lavfi -i \"aevalsrc='" STEP("lt(t,20)", 0.1, 0.0316228) "|" STEP(
                            "lt(t,20)", 0.1, 0.0316228) "':s=48000:d=40\"");
    CU_ASSERT_PTR_NOT_NULL_FATAL(path);
    v = lufs_of(path, &lra);
    printf("\n  t3342_1.wav     LRA %.2f LU (expected 10 ±1)", lra);
    CU_ASSERT(fabs(lra - 10) <= 1);
    /* Against the CLI's ebur128 on varying pink noise, 44.1 kHz stereo MP3. */
    path = wtest_ffmpeg(utp, "pink.mp3",
                        "-f lavfi -i \"anoisesrc=r=44100:c=pink:a=0.2:d=30:seed=5,"
                        "volume='0.2+0.8*abs(sin(t/3))':eval=frame\" -ac 2 -b:a 128k");
    CU_ASSERT_PTR_NOT_NULL_FATAL(path);
    v = lufs_of(path, &lra);
    CU_ASSERT_FATAL(ffmpeg_ebur128(path, &ff_i, &ff_lra) == 0);
    printf("\n  pink.mp3        %.2f LUFS, LRA %.2f; ffmpeg ebur128 %.1f LUFS, LRA %.1f", v, lra,
           ff_i, ff_lra);
    CU_ASSERT(fabs(v - ff_i) <= 0.15);
    CU_ASSERT(fabs(lra - ff_lra) <= 1.0);
#undef SINE
#undef STEP
}

/* In-process pure decode of the audio stream (no analysis), seconds. */
static double decode_only_s(const char *path)
{
    miqw_media *m;
    const char *code;
    AVCodecContext *dec;
    AVPacket *pkt = av_packet_alloc();
    AVFrame *fr = av_frame_alloc();
    double t = wtest_now();
    if (miqw_media_open(utp, path, &m, &code))
        return -1;
    dec = avcodec_alloc_context3(
        avcodec_find_decoder(m->fmt->streams[m->audio_idx]->codecpar->codec_id));
    avcodec_parameters_to_context(dec, m->fmt->streams[m->audio_idx]->codecpar);
    avcodec_open2(dec, dec->codec, NULL);
    while (av_read_frame(m->fmt, pkt) >= 0) {
        if (pkt->stream_index == m->audio_idx && avcodec_send_packet(dec, pkt) >= 0)
            while (avcodec_receive_frame(dec, fr) >= 0)
                av_frame_unref(fr);
        av_packet_unref(pkt);
    }
    avcodec_free_context(&dec);
    av_frame_free(&fr);
    av_packet_free(&pkt);
    miqw_media_close(m);
    return wtest_now() - t;
}

/* A 60-minute MP3: bounded memory, windows capped, realtime factor logged. */
static void test_long_mp3(void)
{
    const char *path, *err, *code;
    json_t *res, *wins;
    long hwm0, hwm1;
    double secs, cli, inproc, gen = wtest_now();
    path = wtest_ffmpeg(utp, "long60.mp3",
                        "-f lavfi -i \"anoisesrc=r=44100:c=pink:a=0.3:d=3600:seed=9,"
                        "volume='if(lt(mod(t,10),8),1,0.001)':eval=frame\" "
                        "-c:a libmp3lame -b:a 48k -compression_level 9");
    CU_ASSERT_PTR_NOT_NULL_FATAL(path);
    gen = wtest_now() - gen;
    hwm0 = wtest_vm_hwm_kb();
    err = analyze(path, "{}", "{\"window_s\":0.1,\"top_k\":10}", &res, &code, &secs);
    hwm1 = wtest_vm_hwm_kb();
    CU_ASSERT_PTR_NULL_FATAL(err);
    wins = json_object_get(res, "windows");
    CU_ASSERT(json_array_size(wins) <= MIQW_AUDIO_MAX_WINDOWS);
    CU_ASSERT(json_array_size(wins) == 18000);
    CU_ASSERT(fabs(num(res, "energy_window_s") - 0.2) < 1e-9);
    CU_ASSERT(fabs(num(json_array_get(wins, json_array_size(wins) - 1), "end") - 3600) < 0.1);
    CU_ASSERT(json_array_size(json_object_get(res, "silences")) == 360);
    CU_ASSERT(fabs(num(res, "speech_ratio") - 0.8) < 0.01);
    CU_ASSERT(json_array_size(json_object_get(res, "peaks")) == 10);
#if defined(__SANITIZE_ADDRESS__)
    printf("\n  (AddressSanitizer build: its quarantine makes VmHWM meaningless, not asserted)");
#else
    CU_ASSERT(hwm0 > 0 && hwm1 - hwm0 < 50 * 1024);
#endif
    cli = wtest_ffmpeg_decode_s(path, NULL);
    inproc = decode_only_s(path);
    printf("\n  60-min mp3 (generated in %.1f s): silence+energy+loudness %.2f s = %.0fx realtime;"
           "\n  pure decode: in-process %.2f s (%.0fx; our pass takes %.2fx that), "
           "ffmpeg -f null %.2f s (%.0fx) -> %.2fx the CLI decode time;"
           "\n  VmHWM growth %ld kB, %zu silences, %zu windows, %.2f LUFS",
           gen, secs, 3600 / secs, inproc, 3600 / inproc, secs / inproc, cli, 3600 / cli,
           secs / cli, hwm1 - hwm0, json_array_size(json_object_get(res, "silences")),
           json_array_size(wins), num(res, "integrated_lufs"));
    check_schema("audio/energy", "{\"window_s\":0.1,\"top_k\":10}", res);
    check_schema("audio/silence", "{}", res);
}

/* Bad inputs fail with unsupported_media and a message; media without audio too. */
static void test_bad_inputs(void)
{
    static const char text[] = "WEBVTT\n\nThis is not media at all, just some text.\n";
    const char *good = speech_media("speech_trunc_src.mp3", 44100, "-c:a libmp3lame -b:a 64k");
    const char *paths[5], *err, *code;
    json_t *res;
    int i;
    CU_ASSERT_PTR_NOT_NULL_FATAL(good);
    paths[0] = wtest_write(utp, "empty.mp3", "", 0);
    paths[1] = wtest_random_file(utp, "random.mp3", 65536, 12345);
    paths[2] = wtest_write(utp, "text.mp3", text, sizeof(text) - 1);
    paths[3] = wtest_truncated(utp, good, "truncated.mp3", 0.4);
    paths[4] = wtest_ffmpeg(utp, "noaudio.mp4",
                            "-f lavfi -i testsrc=size=64x64:rate=10:d=2 -c:v mpeg4");
    for (i = 0; i < 5; i++) {
        CU_ASSERT_PTR_NOT_NULL_FATAL(paths[i]);
        err = analyze(paths[i], "{}", "{}", &res, &code, NULL);
        printf("\n  %s -> %s: %s", strrchr(paths[i], '/') + 1, code ? code : "(none)",
               err ? err : "(no error)");
        CU_ASSERT_PTR_NOT_NULL(err);
        CU_ASSERT(code && !strcmp(code, "unsupported_media"));
    }
    err = analyze(paths[4], NULL, "{}", &res, &code, NULL);
    CU_ASSERT(err && !strcmp(err, "the media has no audio stream"));
}

/* The worker takes its ranges and defaults from the endpoint schemas: what
 * POST /v1/jobs refuses, the consumer refuses too (the schema's min_silence_s
 * is 0.05, window_s 0.05..60), and the defaults are the schema's. */
static void test_params_follow_the_endpoint_schema(void)
{
    const char *path = speech_media("speech_params.wav", 16000, "-c:a pcm_s16le"), *err;
    miqw_media *m = NULL;
    const char *code = NULL;
    json_t *sp;
    CU_ASSERT_PTR_NOT_NULL_FATAL(path);
    CU_ASSERT_PTR_NULL_FATAL(miqw_media_open(utp, path, &m, &code));
    CU_ASSERT_PTR_NULL(miqw_audio_consumer(utp, m, parse("{\"min_silence_s\":0.01}"), NULL, &err));
    CU_ASSERT(err && strstr(err, "min_silence_s") && strstr(err, "0.05"));
    CU_ASSERT_PTR_NULL(miqw_audio_consumer(utp, m, parse("{\"min_silence_s\":3600}"), NULL, &err));
    CU_ASSERT(err && strstr(err, "<= 60"));
    CU_ASSERT_PTR_NULL(miqw_audio_consumer(utp, m, parse("{\"threshold_db\":-100}"), NULL, &err));
    CU_ASSERT_PTR_NULL(miqw_audio_consumer(utp, m, NULL, parse("{\"window_s\":61}"), &err));
    CU_ASSERT(err && strstr(err, "window_s"));
    CU_ASSERT_PTR_NOT_NULL(
        miqw_audio_consumer(utp, m, parse("{\"min_silence_s\":0.05}"), NULL, &err));
    miqw_media_close(m);
    /* Defaults: the schema's, filled in by the same helper the consumers use. */
    sp = miqw_endpoint_params(utp, "audio/silence", NULL, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sp);
    CU_ASSERT_DOUBLE_EQUAL(num(sp, "min_silence_s"), 0.5, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(num(sp, "threshold_db"), -35, 1e-9);
}

MIQ_SUITE("audio", MIQ_TEST(test_silence_formats), MIQ_TEST(test_silence_min_and_threshold),
          MIQ_TEST(test_energy_peaks), MIQ_TEST(test_loudness), MIQ_TEST(test_long_mp3),
          MIQ_TEST(test_bad_inputs), MIQ_TEST(test_params_follow_the_endpoint_schema))
