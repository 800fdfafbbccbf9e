/* Media analysis in the worker: open a file with libavformat, run one
 * demux pass that feeds every analysis of a job (consumers), and collect
 * their results. Each consumer owns its decoder and decides which packets to
 * decode (all audio; only keyframes for a first video look...). Memory stays
 * bounded whatever the media length: consumers keep summaries, never frames. */
#ifndef MIQW_MEDIA_H
#define MIQW_MEDIA_H

#include <apr_pools.h>
#include <jansson.h>
#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include "jobs/miq_probe.h"

typedef struct miqw_media {
    apr_pool_t *pool;
    const char *path;
    AVFormatContext *fmt;
    int audio_idx;     /* best audio stream, -1 if none */
    int video_idx;     /* best video stream (not an attached picture), -1 if none */
    double duration_s; /* container duration, or the longest stream's */
    double fps;        /* video frame rate (avg, else r_frame_rate), 0 without video */
    int width, height; /* coded (stored) picture size */
    /* How the picture is shown: rotation is the turn, clockwise in degrees (0,
     * 90, 180, 270), its display matrix asks for; display_width/height the
     * upright size with the sample aspect ratio applied. Frames and clips come
     * out that way; results report the display size. */
    int rotation, display_width, display_height;
    int sample_rate, channels;
    /* Set by the caller before a pass: stop reading at this media time (0 = to
     * the end of the file). The job sets the duration it reserved credits for,
     * plus a small slack, so a header that understates the length never buys
     * analysis past what was paid for. */
    double limit_s;
    /* Filled by each pass: media time its packets covered (the end of the last
     * packet of an analysed stream), whether the file ended well before
     * duration_s (truncated), and whether the pass stopped at limit_s with
     * more media left (limited). */
    double covered_s;
    int truncated, limited;
} miqw_media;

/* Sanity bounds: media outside them is refused ("unsupported_media") before
 * any decoder runs, and every size the analyses derive from them is computed
 * in 64 bits and checked. */
#define MIQW_MAX_STREAMS     MIQ_PROBE_MAX_STREAMS /* the upload probe's bounds (one place) */
#define MIQW_MAX_SAMPLE_RATE MIQ_PROBE_MAX_SAMPLE_RATE
#define MIQW_MAX_CHANNELS    MIQ_PROBE_MAX_CHANNELS
#define MIQW_MAX_DIMENSION   MIQ_PROBE_MAX_SIDE
#define MIQW_MAX_PIXELS      ((long long)MIQ_PROBE_MAX_PIXELS)
#define MIQW_MAX_FPS         1000.0
#define MIQW_MAX_DURATION_S  (7.0 * 86400) /* far above the 48 h price cap */
/* Slack past the reserved duration before the pass stops. */
#define MIQW_LIMIT_SLACK_S(d) (2.0 + 0.02 * (d))

/* Opens and probes. On failure returns a message and sets *code to
 * "unsupported_media" (not media, no decodable stream, empty, truncated
 * header, or a value outside the sanity bounds above) or "server_error". */
const char *miqw_media_open(apr_pool_t *p, const char *path, miqw_media **out, const char **code);
void miqw_media_close(miqw_media *m);
/* The probe as JSON: duration_s, format, streams [{index,type,codec,...}]. */
json_t *miqw_media_probe_json(apr_pool_t *p, const miqw_media *m);

/* The params of an endpoint (or of the same-shaped nested object of
 * timeline/moments) with the schema's defaults filled in and checked against
 * its bounds: the endpoint schema (core/endpoints) is the one source of the
 * analyses' ranges and defaults. params NULL means {}. Pool-bound; NULL with
 * *err (an invalid_request message) when a value is out of range. */
json_t *miqw_endpoint_params(apr_pool_t *p, const char *endpoint, const json_t *params,
                             const char **err);

/* Seconds of a timestamp in stream units. */
double miqw_ts_seconds(const miqw_media *m, int stream, int64_t ts);

typedef struct miqw_consumer miqw_consumer;
struct miqw_consumer {
    const char *name; /* "audio", "scenes" */
    void *state;
    /* Every packet of the file, in file order. 0 to go on; otherwise an error
     * (the message in *err, a SPEC §9 code in *code). */
    int (*on_packet)(miqw_consumer *c, miqw_media *m, const AVPacket *pkt, const char **err,
                     const char **code);
    /* After the last packet (flush decoders, second looks by seeking: the
     * format context is shared, so no consumer may assume the read position):
     * adds the consumer's lists to result. NULL or an error with *code. */
    const char *(*finish)(miqw_consumer *c, miqw_media *m, apr_pool_t *p, json_t *result,
                          const char **code);
    /* Frees decoders and buffers (always called). */
    void (*destroy)(miqw_consumer *c);
};

/* Progress 0..1; returning nonzero cancels the pass ("canceled"). */
typedef int miqw_progress_fn(void *baton, double fraction);

/* One demux pass over m feeding every consumer, then each finish() into
 * result. Stops at m->limit_s when set; sets m->covered_s, truncated and
 * limited. A pass that reads no packet of an analysed stream fails with
 * "unsupported_media" (never an empty success). NULL or an error with *code
 * ("unsupported_media", "canceled", ...). */
const char *miqw_pass_run(miqw_media *m, miqw_consumer **cs, int n, miqw_progress_fn *progress,
                          void *baton, json_t *result, const char **code);

#endif
