/* Job results: the stored JSON with fresh signed URLs on its output files,
 * WebVTT chapters, CSV and CMX3600 EDL renderings of whatever lists the result
 * has (FCPXML and OTIO: miq_jobs_editors.c), and URL refresh (never a rerun). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <apr_hash.h>
#include <apr_strings.h>
#include "endpoints/miq_endpoints.h"
#include "jobs/miq_jobs_int.h"
#include "base/miq_json.h"
#include "base/miq_text.h"
#include "jobs/miq_file_urls.h"
#include "jobs/miq_jobs_editors.h"

#define DEFAULT_TTL_S 3600
#define POINT_S       1.0 /* cue length given to point items (cuts, peaks, frames) in VTT and EDL */

/* ---- output URLs ------------------------------------------------------------ */

static const char *iso_time(apr_pool_t *p, apr_time_t t)
{
    apr_time_exp_t x;
    apr_time_exp_gmt(&x, t);
    return apr_psprintf(p, "%04d-%02d-%02dT%02d:%02d:%02dZ", x.tm_year + 1900, x.tm_mon + 1,
                        x.tm_mday, x.tm_hour, x.tm_min, x.tm_sec);
}

/* Gives every item with a "file" in the result's top-level lists a fresh
 * signed url and its expiry; returns [{list,index,file,url,expires_at}]. */
static json_t *sign_outputs(const miq_jobs_env *env, const char *job_id, json_t *result,
                            const char **expires_at)
{
    int ttl = env->file_url_ttl_s > 0 ? env->file_url_ttl_s : DEFAULT_TTL_S;
    apr_time_t exp = env->now + apr_time_from_sec(ttl);
    const char *exp_iso = iso_time(env->pool, exp), *list;
    json_t *outputs = json_array(), *arr, *item;
    size_t i;
    *expires_at = exp_iso;
    json_object_foreach(result, list, arr)
    {
        if (!json_is_array(arr))
            continue;
        json_array_foreach(arr, i, item)
        {
            const char *file = miq_json_str(item, "file", NULL), *url;
            if (!json_is_object(item) || !file)
                continue;
            url = miq_file_url(env->pool, env->srv, apr_pstrcat(env->pool, job_id, "/", file, NULL),
                               exp);
            if (!url)
                continue;
            json_object_set_new(item, "url", json_string(url));
            json_object_set_new(item, "expires_at", json_string(exp_iso));
            json_object_set_new(item, "url_expires_at", json_string(exp_iso));
            json_array_append_new(outputs,
                                  json_pack("{s:s,s:i,s:s,s:s,s:s}", "list", list, "index", (int)i,
                                            "file", file, "url", url, "expires_at", exp_iso));
        }
    }
    return outputs;
}

/* ---- renderings ------------------------------------------------------------ */

typedef miq_jobs_item item;

static const struct {
    const char *list, *type; /* type NULL: each item's own "type" (segments) */
} lists[] = {{"segments", NULL}, {"silences", "silence"},    {"scenes", "scene"},
             {"cuts", "cut"},    {"peaks", "peak"},          {"frames", "frame"},
             {"clips", "clip"},  {"highlights", "highlight"}};

static int item_cmp(const void *a, const void *b)
{
    const item *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return x->seq - y->seq;
}

static const char *capital(apr_pool_t *p, const char *s)
{
    char *c = apr_pstrdup(p, s);
    if (*c >= 'a' && *c <= 'z')
        *c = (char)(*c - 'a' + 'A');
    return c;
}

/* Every timed item of the result's lists, sorted by start. */
apr_array_header_t *miq_jobs_collect(apr_pool_t *p, const json_t *result)
{
    apr_array_header_t *items = apr_array_make(p, 32, sizeof(item));
    apr_hash_t *counts = apr_hash_make(p);
    int has_scenes = json_array_size(json_object_get(result, "scenes")) > 0;
    size_t l, i;
    json_t *it;
    for (l = 0; l < sizeof(lists) / sizeof(lists[0]); l++) {
        const json_t *arr = json_object_get(result, lists[l].list);
        if (!json_is_array(arr) || (has_scenes && !strcmp(lists[l].list, "cuts")))
            continue;
        json_array_foreach(arr, i, it)
        {
            json_t *s = json_object_get(it, "start"), *e = json_object_get(it, "end"),
                   *t = json_object_get(it, "time"), *sc = json_object_get(it, "score");
            const char *type = lists[l].type ? lists[l].type : miq_json_str(it, "type", NULL);
            const char *label = miq_json_str(it, "label", NULL);
            item x;
            memset(&x, 0, sizeof(x));
            if (!type)
                continue;
            if (json_is_number(s)) {
                x.start = json_number_value(s);
                x.end = json_is_number(e) ? json_number_value(e) : x.start;
                x.point = !json_is_number(e);
            }
            else if (json_is_number(t)) {
                x.start = x.end = json_number_value(t);
                x.point = 1;
            }
            else
                continue;
            if (!isfinite(x.start) || !isfinite(x.end) || x.start < 0)
                continue;
            if (x.end < x.start)
                x.end = x.start;
            if (json_is_number(sc)) {
                x.score = json_number_value(sc);
                x.has_score = 1;
            }
            x.type = type;
            x.label = label && *label ? label : NULL;
            x.seq = items->nelts;
            APR_ARRAY_PUSH(items, item) = x;
        }
    }
    qsort(items->elts, (size_t)items->nelts, sizeof(item), item_cmp);
    /* Unlabelled items are numbered per type in time order: "Silence 2". */
    for (i = 0; i < (size_t)items->nelts; i++) {
        item *x = &APR_ARRAY_IDX(items, i, item);
        int *n = apr_hash_get(counts, x->type, APR_HASH_KEY_STRING);
        if (!n) {
            n = apr_pcalloc(p, sizeof(int));
            apr_hash_set(counts, x->type, APR_HASH_KEY_STRING, n);
        }
        ++*n;
        if (!x->label)
            x->label = apr_psprintf(p, "%s %d", capital(p, x->type), *n);
    }
    return items;
}

/* One line of text: control characters become spaces. */
static char *one_line(apr_pool_t *p, const char *s)
{
    char *c, *out = apr_pstrdup(p, s);
    for (c = out; *c; c++)
        if ((unsigned char)*c < 0x20)
            *c = ' ';
    return out;
}

static const char *vtt_time(apr_pool_t *p, double t)
{
    long ms = lround(t * 1000.0); /* APR's printf has no %lld */
    return apr_psprintf(p, "%02d:%02d:%02d.%03d", (int)(ms / 3600000), (int)(ms / 60000 % 60),
                        (int)(ms / 1000 % 60), (int)(ms % 1000));
}

static const char *vtt_escape(apr_pool_t *p, const char *s)
{
    const char *c;
    char *out = apr_palloc(p, strlen(s) * 5 + 1), *o = out;
    for (c = s; *c; c++) {
        const char *rep = *c == '&' ? "&amp;" : *c == '<' ? "&lt;" : *c == '>' ? "&gt;" : NULL;
        if (rep) {
            strcpy(o, rep);
            o += strlen(rep);
        }
        else
            *o++ = (unsigned char)*c < 0x20 ? ' ' : *c;
    }
    *o = 0;
    return out;
}

static const char *render_vtt(apr_pool_t *p, const apr_array_header_t *items)
{
    apr_array_header_t *cues = apr_array_make(p, items->nelts + 1, sizeof(const char *));
    int i;
    APR_ARRAY_PUSH(cues, const char *) = "WEBVTT\n";
    for (i = 0; i < items->nelts; i++) {
        const item *x = &APR_ARRAY_IDX(items, i, item);
        double end = x->end > x->start ? x->end : x->start + POINT_S;
        APR_ARRAY_PUSH(cues, const char *) = apr_psprintf(p, "\n%d\n%s --> %s\n%s\n", i + 1,
                                                          vtt_time(p, x->start), vtt_time(p, end),
                                                          vtt_escape(p, x->label));
    }
    return apr_array_pstrcat(p, cues, 0);
}

/* A text field, quoted when it must be. A field a spreadsheet would run as a
 * formula (=, +, -, @, tab or CR first: OWASP's CSV injection list) gets a
 * leading apostrophe, so a clip label cannot become =HYPERLINK(...). */
static const char *csv_field(apr_pool_t *p, const char *s)
{
    const char *c;
    char *out, *o;
    int formula = *s && strchr("=+-@\t\r", *s) != NULL;
    if (!formula && !strpbrk(s, ",\"\r\n"))
        return s;
    o = out = apr_palloc(p, strlen(s) * 2 + 4);
    *o++ = '"';
    if (formula)
        *o++ = '\'';
    for (c = s; *c; c++) {
        if (*c == '"')
            *o++ = '"';
        *o++ = *c;
    }
    *o++ = '"';
    *o = 0;
    return out;
}

static const char *render_csv(apr_pool_t *p, const apr_array_header_t *items)
{
    apr_array_header_t *lines = apr_array_make(p, items->nelts + 1, sizeof(const char *));
    int i;
    APR_ARRAY_PUSH(lines, const char *) = "type,start,end,duration,score,label\n";
    for (i = 0; i < items->nelts; i++) {
        const item *x = &APR_ARRAY_IDX(items, i, item);
        APR_ARRAY_PUSH(lines, const char *) = apr_psprintf(
            p, "%s,%.3f,%.3f,%.3f,%s,%s\n", csv_field(p, x->type), x->start, x->end,
            x->end - x->start, x->has_score ? apr_psprintf(p, "%.3f", x->score) : "",
            csv_field(p, x->label));
    }
    return apr_array_pstrcat(p, lines, 0);
}

static const char *render_edl(apr_pool_t *p, const char *job_id, const char *endpoint,
                              const json_t *result, const apr_array_header_t *items)
{
    const json_t *media = json_object_get(result, "media");
    double fps = miq_json_num(media, "fps", 0), rec = 0;
    int video = fps > 0 && miq_json_bool(media, "has_video", 1), i;
    const char *tc0;
    apr_array_header_t *lines = apr_array_make(p, items->nelts * 2 + 3, sizeof(const char *));
    if (!video)
        fps = 25;
    APR_ARRAY_PUSH(lines, const char *) = apr_psprintf(p, "TITLE: %s %s\n", one_line(p, job_id),
                                                       one_line(p, endpoint));
    tc0 = miq_text_timecode(p, 0, fps); /* NULL for an absurd rate */
    APR_ARRAY_PUSH(lines, const char *) = tc0 && strchr(tc0, ';') ? "FCM: DROP FRAME\n\n"
                                                                  : "FCM: NON-DROP FRAME\n\n";
    for (i = 0; i < items->nelts; i++) {
        const item *x = &APR_ARRAY_IDX(items, i, item);
        double end = x->end > x->start ? x->end : x->start + POINT_S;
        APR_ARRAY_PUSH(lines, const char *) = apr_psprintf(
            p, "%03d  %-8s %-5s %-8s %s %s %s %s\n", i + 1, "AX", video ? "V" : "A", "C",
            miq_text_timecode(p, x->start, fps), miq_text_timecode(p, end, fps),
            miq_text_timecode(p, rec, fps), miq_text_timecode(p, rec + end - x->start, fps));
        APR_ARRAY_PUSH(lines, const char *) = apr_psprintf(p, "* FROM CLIP NAME: %s\n",
                                                           one_line(p, x->label));
        rec += end - x->start;
    }
    return apr_array_pstrcat(p, lines, 0);
}

/* ---- services ------------------------------------------------------------ */

/* The succeeded job's row and parsed result, or NULL with a 404/409/503 reply. */
static json_t *succeeded_result(const miq_jobs_env *env, const char *job_id, const char ***rowp,
                                miq_reply *out)
{
    const char **row = miq_jobs_fetch(env, env->pool, job_id, out), *st;
    json_t *result;
    if (!row)
        return NULL;
    st = row[MIQ_JC_STATUS] ? row[MIQ_JC_STATUS] : "";
    if (!strcmp(st, "failed")) {
        const char *code = row[MIQ_JC_ERR_CODE] && *row[MIQ_JC_ERR_CODE] ? row[MIQ_JC_ERR_CODE]
                                                                         : "server_error";
        const char *msg = row[MIQ_JC_ERR_MSG] ? row[MIQ_JC_ERR_MSG] : "";
        miq_reply_err(out, 409, "conflict",
                      apr_psprintf(env->pool,
                                   "job %s failed (%s: %s); it has no result and "
                                   "was not billed",
                                   job_id, code, msg),
                      miq_json_packp(env->pool, "{s:s,s:s,s:{s:s,s:s}}", "job_id", job_id, "status",
                                     st, "job_error", "code", code, "message", msg));
        return NULL;
    }
    if (strcmp(st, "succeeded")) {
        int progress = row[MIQ_JC_PROGRESS] ? atoi(row[MIQ_JC_PROGRESS]) : 0;
        miq_reply_err(out, 409, "conflict",
                      !strcmp(st, "canceled")
                          ? apr_psprintf(env->pool, "job %s was canceled; it has no result", job_id)
                          : apr_psprintf(env->pool,
                                         "job %s is %s (progress %d%%); the result is not ready: "
                                         "wait with momentiq.get_job wait_s (at most 45 s) or "
                                         "GET /v1/jobs/%s?wait_s=30",
                                         job_id, st, progress, job_id),
                      miq_json_packp(env->pool, "{s:s,s:s,s:i}", "job_id", job_id, "status", st,
                                     "progress", progress));
        return NULL;
    }
    result = row[MIQ_JC_RESULT]
                 ? miq_json_parse(env->pool, row[MIQ_JC_RESULT], strlen(row[MIQ_JC_RESULT]), NULL)
                 : NULL;
    if (!json_is_object(result)) {
        miq_reply_err(out, 500, "server_error",
                      apr_psprintf(env->pool, "job %s has no stored result", job_id), NULL);
        return NULL;
    }
    *rowp = row;
    return result;
}

void miq_jobs_result(const miq_jobs_env *env, const char *job_id, const char *format,
                     miq_reply *out, const char **content_type, const char **text)
{
    const char **row = NULL, *exp, *ct = NULL, *t = NULL;
    json_t *result;
    apr_array_header_t *items;
    if (!format || !*format)
        format = "json";
    if (content_type)
        *content_type = NULL;
    if (text)
        *text = NULL;
    if (strcmp(format, "json") && strcmp(format, "vtt") && strcmp(format, "csv") &&
        strcmp(format, "edl") && strcmp(format, "fcpxml") && strcmp(format, "otio")) {
        miq_reply_err(out, 400, "invalid_request",
                      "format must be json, vtt, csv, edl, fcpxml or otio", NULL);
        return;
    }
    if (!miq_jobs_ready(env, out) || !(result = succeeded_result(env, job_id, &row, out)))
        return;
    out->status = 200;
    out->code = out->message = NULL;
    out->body = NULL;
    if (!strcmp(format, "json")) {
        miq_json_pool(env->pool, sign_outputs(env, job_id, result, &exp)); /* signs in place */
        out->body = result;
        ct = "application/json";
    }
    else {
        items = miq_jobs_collect(env->pool, result);
        if (!strcmp(format, "vtt")) {
            t = render_vtt(env->pool, items);
            ct = "text/vtt; charset=utf-8";
        }
        else if (!strcmp(format, "csv")) {
            t = render_csv(env->pool, items);
            ct = "text/csv; charset=utf-8";
        }
        else if (!strcmp(format, "fcpxml")) {
            t = miq_jobs_render_fcpxml(env->pool, job_id,
                                       row[MIQ_JC_ENDPOINT] ? row[MIQ_JC_ENDPOINT] : "", result,
                                       items);
            ct = "application/xml; charset=utf-8";
        }
        else if (!strcmp(format, "otio")) {
            t = miq_jobs_render_otio(env->pool, job_id,
                                     row[MIQ_JC_ENDPOINT] ? row[MIQ_JC_ENDPOINT] : "", result,
                                     items);
            ct = "application/json";
        }
        else {
            t = render_edl(env->pool, job_id, row[MIQ_JC_ENDPOINT] ? row[MIQ_JC_ENDPOINT] : "",
                           result, items);
            ct = "text/plain; charset=utf-8";
        }
    }
    if (content_type)
        *content_type = ct;
    if (text)
        *text = t;
}

void miq_jobs_refresh_outputs(const miq_jobs_env *env, const char *job_id, miq_reply *out)
{
    const char **row = NULL, *exp;
    json_t *result, *outputs;
    if (!miq_jobs_ready(env, out) || !(result = succeeded_result(env, job_id, &row, out)))
        return;
    outputs = sign_outputs(env, job_id, result, &exp);
    out->status = 200;
    out->code = out->message = NULL;
    out->body = miq_json_packp(env->pool, "{s:s,s:o,s:s}", "job_id", job_id, "outputs", outputs,
                               "expires_at", exp);
}
