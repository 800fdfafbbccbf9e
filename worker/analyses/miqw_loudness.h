/* ITU-R BS.1770-4 / EBU R128 loudness of decoded planar float audio, fed in
 * chunks of any size by the audio consumer (miqw_audio.c):
 *
 *  "integrated_lufs": integrated loudness (400 ms blocks, 75 % overlap,
 *    absolute gate -70 LUFS, relative gate -10 LU); -70 when no block passes.
 *  "loudness_range_lu": EBU Tech 3342 LRA (3 s blocks every 100 ms, gates
 *    -70 LUFS and -20 LU, 10th..95th percentile); 0 when undefined.
 *  "true_peak_dbtp": BS.1770-4 Annex 2 true peak, the largest magnitude of
 *    the signal oversampled 4x (2x from 96 kHz, none from 192 kHz) with the
 *    Annex's 48-tap interpolation filter, over every channel; -120 for
 *    digital silence.
 *  "short_term": {"window_s":3,"step_s","first_end_s","lufs":[...]}: EBU
 *    R128 short-term loudness (3 s window) every step_s seconds, value i
 *    for the window ending at first_end_s + i * step_s (media seconds),
 *    floored at -70; step_s is 1 s and doubles as often as needed to keep at
 *    most MIQW_LOUDNESS_MAX_POINTS values.
 *
 * K-weighting is designed for the actual sample rate (as libebur128 does);
 * channel weights 1, surrounds 1.41, LFE 0; one channel counts as one.
 * Memory is fixed whatever the media length (two 0.01 LU histograms, the
 * bounded curve). Not thread-shared: one per consumer. */
#ifndef MIQW_LOUDNESS_H
#define MIQW_LOUDNESS_H

#include <jansson.h>
#include <libavutil/channel_layout.h>

#define MIQW_LOUDNESS_MAX_POINTS 20000

typedef struct miqw_loudness miqw_loudness;

/* NULL when out of memory. rate > 0, 1 <= nch <= 64. */
miqw_loudness *miqw_loudness_new(int rate, int nch, const AVChannelLayout *layout);

/* n samples of each of the nch planes. */
void miqw_loudness_feed(miqw_loudness *l, float *const *planes, int n);

/* Adds the four members above to result; t0 is the media time of the first sample. */
void miqw_loudness_result(const miqw_loudness *l, double t0, json_t *result);

void miqw_loudness_free(miqw_loudness *l);

#endif
