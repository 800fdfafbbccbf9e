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

typedef struct miqw_media {
    apr_pool_t *pool;
    const char *path;
    AVFormatContext *fmt;
    int audio_idx;     /* best audio stream, -1 if none */
    int video_idx;     /* best video stream (not an attached picture), -1 if none */
    double duration_s; /* container duration, or the longest stream's */
    double fps;        /* video frame rate (avg, else r_frame_rate), 0 without video */
    int width, height;
    int sample_rate, channels;
} miqw_media;

/* Opens and probes. On failure returns a message and sets *code to
 * "unsupported_media" (not media, no decodable stream, empty, truncated
 * header) or "server_error". */
const char *miqw_media_open(apr_pool_t *p, const char *path, miqw_media **out, const char **code);
void miqw_media_close(miqw_media *m);
/* The probe as JSON: duration_s, format, streams [{index,type,codec,...}]. */
json_t *miqw_media_probe_json(apr_pool_t *p, const miqw_media *m);

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
 * result. NULL or an error with *code ("unsupported_media", "canceled", ...). */
const char *miqw_pass_run(miqw_media *m, miqw_consumer **cs, int n, miqw_progress_fn *progress,
                          void *baton, json_t *result, const char **code);

#endif
