/* Audio helpers for the worker suites; see wtest_media_audio.h. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include "base/miq_json.h"
#include "miqw_media.h"
#include "analyses/miqw_audio.h"
#include "wtest_media.h"
#include "wtest_media_audio.h"

static json_t *parse(apr_pool_t *p, const char *text)
{
    return text ? miq_json_parse(p, text, strlen(text), NULL) : NULL;
}

const char *wtest_audio_analyze(apr_pool_t *p, const char *path, const char *silence,
                                const char *energy, json_t **result, const char **code)
{
    miqw_media *m;
    miqw_consumer *c;
    const char *err;
    *result = miq_json_pool(p, json_object());
    *code = NULL;
    if ((err = miqw_media_open(p, path, &m, code)))
        return err;
    if (!(c = miqw_audio_consumer(p, m, parse(p, silence), parse(p, energy), &err))) {
        *code = "unsupported_media";
        miqw_media_close(m);
        return err;
    }
    err = miqw_pass_run(m, &c, 1, NULL, NULL, *result, code);
    miqw_media_close(m);
    return err;
}

int wtest_ffmpeg_ebur128(const char *path, double *st, int cap, double *i_lufs, double *lra,
                         double *tp_db)
{
    char line[512], *v;
    const char *dir = wtest_dir();
    FILE *f;
    int n = -1;
    double tp = 0;
    if (!dir)
        return -1;
    snprintf(line, sizeof(line), "%s/ebur128-meta.txt", dir);
    remove(line);
    if (wtest_ffmpeg_run(NULL, 0,
                         "-i '%s' -af 'ebur128=peak=true:metadata=1,ametadata=print:file=%s' "
                         "-f null -",
                         path, line) != 0 ||
        !(f = fopen(line, "r")))
        return -1;
    while (fgets(line, sizeof(line), f)) {
        if (!strncmp(line, "frame:", 6))
            n++;
        else if (n >= 0 && (v = strstr(line, "lavfi.r128.S=")) && n < cap)
            st[n] = strtod(v + 13, NULL);
        else if ((v = strstr(line, "lavfi.r128.I=")))
            *i_lufs = strtod(v + 13, NULL);
        else if ((v = strstr(line, "lavfi.r128.LRA=")))
            *lra = strtod(v + 15, NULL);
        else if ((v = strstr(line, "lavfi.r128.true_peak=")))
            tp = fmax(tp, strtod(v + 21, NULL));
    }
    fclose(f);
    *tp_db = tp > 0 ? 20.0 * log10(tp) : -120;
    return n + 1;
}

int wtest_ffmpeg_silences(const char *path, double db, double min_s, double *se, int cap)
{
    static char out[65536];
    char *s = out;
    int n = 0;
    if (wtest_ffmpeg_run(out, sizeof(out), "-i '%s' -af silencedetect=n=%gdB:d=%g -f null -", path,
                         db, min_s) != 0)
        return -1;
    while ((s = strstr(s, "silence_start: ")) && n < cap) {
        char *e;
        se[2 * n] = strtod(s + 15, NULL);
        e = strstr(s, "silence_end: ");
        se[2 * n + 1] = e ? strtod(e + 13, NULL) : -1;
        s += 15;
        n++;
    }
    return n;
}

const char *wtest_speech_flite(apr_pool_t *p, const char *name, const char *voice, const char *text)
{
    return wtest_ffmpeg(p, name, "-f lavfi -i \"flite=text='%s':voice=%s\" -t 8", text, voice);
}

const char *wtest_speech_espeak(apr_pool_t *p, const char *name, const char *voice, int rate,
                                const char *text)
{
    const char *path = wtest_path(p, name);
    char *cmd;
    int rv;
    if (!path)
        return NULL;
    cmd = apr_psprintf(p, "espeak-ng -v '%s' -s %d -w '%s' '%s' 2>&1", voice, rate, path, text);
    rv = system(cmd);
    if (rv != 0) {
        fprintf(stderr, "wtest: %s failed (%d)\n", cmd, rv);
        return NULL;
    }
    return path;
}

const char *wtest_music(apr_pool_t *p, const char *name, int bpm, double root, int seed, int drums)
{
    double beat = 60.0 / bpm;
    /* chord root per bar, walking a fourth (5 semitones) up each bar */
    const char *chord_f = apr_psprintf(p, "(%g*pow(2,mod(floor(t/%g)*5+%d,12)/12))", root, 4 * beat,
                                       seed);
    /* melody: a scale degree per beat from a seeded walk, two octaves up */
    const char *mel_f = apr_psprintf(p, "(%g*4*pow(2,floor(mod(floor(t/%g)*%d+%d,8)*12/7)/12))",
                                     root, beat, 3 + seed % 4, seed);
    const char *env = apr_psprintf(p, "exp(-mod(t,%g)*3)", beat);
    const char *expr = apr_psprintf(
        p,
        "0.06*(sin(2*PI*%s*t)+0.5*sin(4*PI*%s*t)+sin(2*PI*%s*1.26*t)+sin(2*PI*%s*1.5*t))"
        "+0.12*%s*(sin(2*PI*%s*t)+0.4*sin(4*PI*%s*t)+0.2*sin(6*PI*%s*t))"
        "%s",
        chord_f, chord_f, chord_f, chord_f, env, mel_f, mel_f, mel_f,
        drums ? apr_psprintf(p,
                             "+0.3*exp(-mod(t,%g)*25)*sin(2*PI*55*t)"
                             "+0.05*exp(-mod(t+%g,%g)*60)*(2*random(0)-1)",
                             beat, beat / 2, beat)
              : "");
    return wtest_ffmpeg(p, name, "-f lavfi -i \"aevalsrc='%s':s=44100:d=8\"", expr);
}

float *wtest_decode_mono(const char *path, long *n)
{
    char *cmd;
    FILE *f;
    float *buf = NULL, chunk[4096];
    size_t got, cap = 0, used = 0;
    *n = 0;
    if (asprintf(&cmd, "ffmpeg -nostdin -loglevel error -i '%s' -ac 1 -ar 44100 -f f32le -", path) <
        0)
        return NULL;
    f = popen(cmd, "r");
    free(cmd);
    if (!f)
        return NULL;
    while ((got = fread(chunk, sizeof(float), 4096, f)) > 0) {
        if (used + got > cap) {
            float *b = realloc(buf, sizeof(float) * (cap = (used + got) * 2));
            if (!b)
                break;
            buf = b;
        }
        memcpy(buf + used, chunk, got * sizeof(float));
        used += got;
    }
    pclose(f);
    *n = (long)used;
    return buf;
}
