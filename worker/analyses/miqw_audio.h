/* Audio analyses of the worker (audio/silence, audio/energy, and the audio part
 * of timeline/moments) as one consumer of the demux pass (miqw_media.h).
 *
 * The consumer decodes the best audio stream (m->audio_idx) with libavcodec,
 * converts to planar float at the native rate (libswresample only when the
 * decoder does not already give planar float, or when the rate / layout
 * changes mid-stream), and computes straight on the samples:
 *
 *  silence (silence_params != NULL; min_silence_s 0.5, threshold_db -35):
 *    RMS of the mono mix (mean of the channels) over 10 ms windows; a run of
 *    windows below threshold_db lasting >= min_silence_s is a silence. Its
 *    boundaries are window edges (10 ms resolution); a silence running to the
 *    end of the media counts. Adds to the result:
 *      "silences": [{start,end,duration,mean_db,detector,params,score}]
 *         score = depth of mean_db below the threshold, 30 dB -> 1;
 *      "silence_total_s", "speech_ratio" (non-silent time / decoded duration).
 *
 *  energy (energy_params != NULL; window_s 0.5, top_k 10, min_peak_gap_s 2):
 *    "windows": [{start,end,rms_db}] RMS of the mono mix per window (floor
 *      -120 dBFS, clamped to <= 0 as the schema demands). At most
 *      MIQW_AUDIO_MAX_WINDOWS are returned: past that, adjacent windows are
 *      merged pairwise (energy-averaged), doubling the window, as often as
 *      needed; "energy_window_s" gives the effective window length. Each
 *      window's start/end are exact either way.
 *    "peaks": [{time,rms_db,rank,detector,params,score}] the top_k loudest
 *      window_s windows (at the original resolution, whatever the merging
 *      above), greedily picked loudest first so that any two are at least
 *      max(window_s, min_peak_gap_s) apart (centre to centre), sorted by level;
 *      time is the window centre; score = level above the whole-media RMS,
 *      20 dB -> 1.
 *    "integrated_lufs", "loudness_range_lu", "true_peak_dbtp", "short_term":
 *      BS.1770-4 / EBU R128 loudness of all channels, see miqw_loudness.h.
 *
 * Memory is bounded whatever the media length: the loudness meter's fixed
 * state, a bounded heap of peak candidates, at most
 * MIQW_AUDIO_MAX_WINDOWS windows; only the silences list grows (one entry per
 * silence found). No global mutable state: one consumer per job, any thread.
 *
 * Errors: a pass over a file whose audio stream yields no decodable sample,
 * or stops well short of the stream's declared duration (truncated), fails
 * finish() with code "unsupported_media"; corrupt packets in between are
 * skipped. Times are seconds with millisecond precision, from the first
 * decoded sample (the audio stream's start). */
#ifndef MIQW_AUDIO_H
#define MIQW_AUDIO_H

#include "miqw_media.h"

#define MIQW_AUDIO_MAX_WINDOWS 20000

/* The consumer for silence and/or energy (params objects with the schema
 * defaults applied or not; NULL skips that analysis). Allocated in p (which
 * must outlive the pass). Returns NULL with *err when both params are NULL,
 * when m has no audio stream ("the media has no audio stream"), or when the
 * decoder cannot be opened; the error code for such a NULL is
 * "unsupported_media". */
miqw_consumer *miqw_audio_consumer(apr_pool_t *p, miqw_media *m, const json_t *silence_params,
                                   const json_t *energy_params, const char **err);

/* Leaves "windows" out of the energy result (timeline/moments uses the peaks
 * and the loudness, not the list, whose JSON grew with the media's length). */
void miqw_audio_no_windows(miqw_consumer *c);

#endif
