/* The media endpoints of SPEC §6 (audio/silence, audio/energy, video/scenes,
 * video/frames, video/clips, timeline/moments): identity, scope, prose for
 * agents, and the JSON Schemas of their params and results. Also the shared
 * job/upload/estimate/error schemas the REST API and the paid tools return.
 * Everything here is static data; the parse helpers pool-bind their values. */
#ifndef MIQ_ENDPOINTS_H
#define MIQ_ENDPOINTS_H

#include <apr_pools.h>
#include <jansson.h>

typedef struct miq_endpoint {
    const char *name;           /* "audio/silence" */
    unsigned scope;             /* MIQ_SCOPE_AUDIO | _VIDEO | _TIMELINE */
    const char *title;          /* "Silence detection" */
    const char *summary;        /* one line */
    const char *description;    /* one paragraph, written for an AI agent */
    const char *detects;        /* what it finds, one sentence */
    const char *media;          /* "audio", "video" or "audio or video" */
    const char *result_lists;   /* the result's list names, comma-separated: "silences" */
    const char *params_schema;  /* JSON Schema (draft 2020-12) of params */
    const char *result_schema;  /* JSON Schema of the result */
    const char *example_params; /* JSON object: typical params used in examples */
    const char *sample_file;    /* file name used in examples ("episode.mp3") */
} miq_endpoint;

/* NULL when the name is unknown (or NULL). */
/* Parses the static schemas once; call at startup before serving (threads). The
 * schema getters below then return shared, read-only values. */
void miq_endpoints_init(void);

const miq_endpoint *miq_endpoints_find(const char *name);
/* All endpoints in SPEC order; *n gets the count. */
const miq_endpoint *const *miq_endpoints_all(apr_size_t *n);
/* The endpoint names as a JSON array of strings (pool-bound), for enums. */
json_t *miq_endpoints_names_json(apr_pool_t *p);

/* Parsed schemas / example params (pool-bound, fresh copies), NULL only on a
 * programming error (the unit tests parse every one). */
json_t *miq_endpoints_params_schema(apr_pool_t *p, const miq_endpoint *e);
json_t *miq_endpoints_result_schema(apr_pool_t *p, const miq_endpoint *e);
json_t *miq_endpoints_example_params(apr_pool_t *p, const miq_endpoint *e);

/* Listing object {name,title,summary,description,detects,media,scope,
 * result_lists[]} and, when with_schemas, params_schema and result_schema. */
json_t *miq_endpoints_endpoint_json(apr_pool_t *p, const miq_endpoint *e, int with_schemas);

/* The params with every schema default filled in (top level and the nested
 * objects of timeline/moments); params NULL means {}. Pool-bound copy. */
json_t *miq_endpoints_apply_defaults(apr_pool_t *p, const miq_endpoint *e, const json_t *params);

/* Checks params beyond what a JSON Schema can say, plus a light top-level
 * schema check (unknown keys, types, enums, bounds) so callers without the
 * full validator still refuse nonsense: video/frames needs exactly one of
 * timestamps / every_s / at_scenes; clips need end > start; duration_s > 0
 * additionally bounds timestamps and clips by the media length (1 ms slack).
 * Returns NULL or a message suitable for an invalid_request error. */
const char *miq_endpoints_check_params(apr_pool_t *p, const miq_endpoint *e, const json_t *params,
                                       double duration_s);

/* JSON text for people and code samples, reals to 15 significant digits
 * (0.8, not 0.80000000000000004). style 0: compact, 1: ", " and ": ",
 * 2: indented by 2. */
const char *miq_endpoints_json(apr_pool_t *p, const json_t *v, int style);

/* Shared schemas (JSON text, "type":"object"). */
extern const char miq_endpoints_job_schema[];      /* a job: id, status, progress, error, times */
extern const char miq_endpoints_error_schema[];    /* {"error":{"code","message"}} */
extern const char miq_endpoints_upload_schema[];   /* an upload: id, duration_s, streams */
extern const char miq_endpoints_estimate_schema[]; /* an estimate: credits + breakdown */
/* Job status enum values, NULL-terminated: queued running succeeded failed canceled. */
extern const char *const miq_endpoints_job_statuses[];
/* The error codes of SPEC §9, NULL-terminated, with their HTTP statuses. */
typedef struct miq_error_code {
    const char *code;
    int http_status;
    const char *when;
} miq_error_code;
extern const miq_error_code miq_endpoints_error_codes[];

#endif
