/* Result renderings for editing applications, beside VTT, CSV and EDL
 * (miq_jobs_result.c): Final Cut Pro XML 1.10 and OpenTimelineIO JSON.
 * Both carry a marker for every timed item of the result (segments,
 * silences, scenes, cuts, peaks, frames, clips, highlights) and the
 * highlights as clips of their own timeline. What each format cannot carry:
 * docs/formats.md. Internal to jobs/. */
#ifndef MIQ_JOBS_EDITORS_H
#define MIQ_JOBS_EDITORS_H

#include <apr_tables.h>
#include <jansson.h>

/* One timed item of a result, as miq_jobs_collect lists them (sorted by
 * start; point items have end == start and point set; label never NULL). */
typedef struct miq_jobs_item {
    double start, end, score;
    int point, has_score, seq;
    const char *type, *label;
} miq_jobs_item;

/* Every timed item of the result's lists, sorted by start (miq_jobs_result.c). */
apr_array_header_t *miq_jobs_collect(apr_pool_t *p, const json_t *result);

/* FCPXML 1.10: one asset (the media), a project whose spine holds the whole
 * media as one asset-clip with a marker per item, and a project of the
 * highlights, in rank order, as asset-clips. Times are whole frames of the
 * media's rate (25 fps for audio-only media). */
const char *miq_jobs_render_fcpxml(apr_pool_t *p, const char *job_id, const char *endpoint,
                                   const json_t *result, const apr_array_header_t *items);

/* OpenTimelineIO JSON (Timeline.1): a "Moments" track holding the whole
 * media as one Clip.2 with a Marker.2 per item, and a "Highlights" track of
 * Clip.2 / Gap.1 placing each highlight at its media time. */
const char *miq_jobs_render_otio(apr_pool_t *p, const char *job_id, const char *endpoint,
                                 const json_t *result, const apr_array_header_t *items);

#endif
