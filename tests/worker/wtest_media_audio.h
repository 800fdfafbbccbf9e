/* Audio helpers shared by the audio worker suites: one analysis pass of the
 * audio consumer, ffmpeg's own measurements to compare against, and
 * generators of labelled audio (speech-like tails, speech, music, other).
 * Media is generated at test time into wtest_dir(); nothing is committed. */
#ifndef WTEST_MEDIA_AUDIO_H
#define WTEST_MEDIA_AUDIO_H

#include <apr_pools.h>
#include <jansson.h>

/* Opens path and runs the audio consumer with the given params (JSON text,
 * NULL skips that analysis); the result in *result (pool-owned). NULL, or an
 * error with *code. */
const char *wtest_audio_analyze(apr_pool_t *p, const char *path, const char *silence,
                                const char *energy, json_t **result, const char **code);

/* ffmpeg's ebur128=peak=true:metadata=1 on path, per 100 ms output frame:
 * short-term loudness S (window ending at frame i's time + 0.1 s), and at the
 * end integrated I, LRA and the largest true peak (dBTP). Returns the number
 * of frames (st[] filled up to cap), -1 on failure. */
int wtest_ffmpeg_ebur128(const char *path, double *st, int cap, double *i_lufs, double *lra,
                         double *tp_db);

/* ffmpeg's silencedetect=n=<db>dB:d=<min_s> on path: up to cap
 * [start,end] pairs into se (2 doubles each); the count, or -1. */
int wtest_ffmpeg_silences(const char *path, double db, double min_s, double *se, int cap);

#endif
