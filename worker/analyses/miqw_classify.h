/* Speech / music / other: a feature-based classifier of the audio's mono
 * mix, fed by the audio consumer (miqw_audio.c) alongside silence detection.
 *
 * The mix is box-filtered and decimated to about 8 kHz, cut into 256-sample
 * frames (32 ms, Hann window, FFT), and every 31 frames (about 1 s) make a
 * block with eight features (Scheirer & Slaney 1997, Saunders 1996):
 *   ler      low-energy frame ratio (frames under half the block's mean energy)
 *   edb_std  spread of the frame level, dB
 *   zcr_std  spread of the zero-crossing rate
 *   flux     mean spectral flux (L1 distance of successive normalised spectra)
 *   flat     mean spectral flatness (geometric / arithmetic mean of the power)
 *   mod4     share of the level envelope's modulation energy at 2..8 Hz
 *            (the syllable rate)
 *   flux_cv  spread of the flux over the block's frames / its mean (noise is
 *            steadily changing; music's changes come in onsets)
 *   flux_ratio  the flux between frames 32 ms apart / the flux between
 *            frames 128 ms apart: about 1 for steady noise of any colour
 *            (its frames are independent draws), lower where notes, vowels
 *            and partials hold for a while (the spectrum drifts, it does
 *            not jump); the other features shift with the noise's colour
 * A block quieter than -50 dBFS is not classified. Each block gets scores
 * for the three classes (a logistic regression fitted by
 * bench/classify_fit.py; miqw_classify.c) and the best one, with a
 * confidence = softmax probability of the winner. The blocks' classes are
 * smoothed by a Viterbi decode of the blocks' probabilities with a cost per
 * change of class; runs of equal blocks are the result (a run's confidence:
 * the mean of its blocks' probabilities for its type):
 *   "audio_classes": [{start,end,type,confidence}] (seconds, media time).
 * Memory: one small record per block (about 5 KB a minute). */
#ifndef MIQW_CLASSIFY_H
#define MIQW_CLASSIFY_H

#include <jansson.h>

#define MIQW_CLASS_SPEECH 0
#define MIQW_CLASS_MUSIC  1
#define MIQW_CLASS_OTHER  2

typedef struct {
    double ler, edb_std, zcr_std, flux, flat, mod4, level_db, flux_cv, flux_ratio;
} miqw_class_features;

typedef struct miqw_classify miqw_classify;

/* NULL when out of memory or rate <= 0. */
miqw_classify *miqw_classify_new(int rate);

/* n mono samples. Returns -1 when out of memory. */
int miqw_classify_feed(miqw_classify *c, const float *mono, int n);

/* Adds "audio_classes" to result; t0 is the media time of the first sample. */
void miqw_classify_result(const miqw_classify *c, double t0, json_t *result);

/* The class of one block's features, and its confidence (0..1). For the
 * tests and the bench, which print the features and a confusion matrix. */
int miqw_classify_decide(const miqw_class_features *f, double *confidence);

/* Input samples per block (a block is about 1 s). */
int miqw_classify_block_len(const miqw_classify *c);

/* Blocks so far; features of block i (NULL when out of range). */
int miqw_classify_nblocks(const miqw_classify *c);
const miqw_class_features *miqw_classify_block(const miqw_classify *c, int i);

void miqw_classify_free(miqw_classify *c);

#endif
