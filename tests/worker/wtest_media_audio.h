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

/* Labelled audio for the classifier (8 s unless the text runs shorter).
 * Speech from ffmpeg's flite filter (voice: kal, kal16, awb, rms, slt) or
 * espeak-ng (voice e.g. "en-us", "de"; rate in words a minute); music
 * synthesised with aevalsrc: a chord per bar, a melody note per beat,
 * harmonics, and (drums != 0) a kick and a hi-hat; bpm, root (Hz) and seed
 * vary it. Each returns the path or NULL. */
const char *wtest_speech_flite(apr_pool_t *p, const char *name, const char *voice,
                               const char *text);
const char *wtest_speech_espeak(apr_pool_t *p, const char *name, const char *voice, int rate,
                                const char *text);
const char *wtest_music(apr_pool_t *p, const char *name, int bpm, double root, int seed, int drums);

/* The file decoded to mono float at 44.1 kHz (ffmpeg CLI); *n samples, malloc'd. */
float *wtest_decode_mono(const char *path, long *n);
