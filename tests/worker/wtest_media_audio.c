/* Audio helpers for the worker suites; see wtest_media_audio.h. */
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
