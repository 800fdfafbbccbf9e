/* FCPXML 1.10 and OpenTimelineIO renderings of a job result. See
 * miq_jobs_editors.h; docs/formats.md says what each cannot carry. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include "base/miq_json.h"
#include "jobs/miq_jobs_editors.h"

#define AUDIO_FPS 25.0 /* the frame grid given to audio-only media */

typedef struct {
    double fps, duration;
    long num, den; /* frame duration num/den seconds */
    int video, audio, width, height, drop;
} media_info;

/* The media's rate as FCPXML's rational frame duration: NTSC rates as
 * 1001/N000, others as 100/(100 x fps). */
static media_info media_of(const json_t *result)
{
    const json_t *m = json_object_get(result, "media");
    media_info mi;
    double fps = miq_json_num(m, "fps", 0), d = miq_json_num(m, "duration_s", 0);
    memset(&mi, 0, sizeof(mi));
    mi.video = fps > 0 && fps <= 1000 && miq_json_bool(m, "has_video", 1);
    mi.audio = miq_json_bool(m, "has_audio", 1);
    mi.fps = mi.video ? fps : AUDIO_FPS;
    mi.duration = isfinite(d) && d > 0 && d < 1e7 ? d : 0;
    mi.width = (int)miq_json_int(m, "width", 0);
    mi.height = (int)miq_json_int(m, "height", 0);
    mi.drop = miq_json_bool(m, "drop_frame", 0);
    if (fabs(mi.fps * 1.001 - round(mi.fps * 1.001)) < 0.005 && fabs(mi.fps - round(mi.fps)) > 0.01)
        mi.num = 1001, mi.den = lround(mi.fps * 1.001) * 1000;
    else
        mi.num = 100, mi.den = lround(mi.fps * 100);
    if (mi.den <= 0)
        mi.num = 100, mi.den = 2500, mi.fps = AUDIO_FPS;
    mi.fps = (double)mi.den / mi.num;
    return mi;
}

/* ---- FCPXML ---------------------------------------------------------------- */

/* An attribute value: markup characters as entities, control characters as spaces. */
static const char *xml_attr(apr_pool_t *p, const char *s)
{
    char *out = apr_palloc(p, strlen(s) * 6 + 1), *o = out;
    for (; *s; s++) {
        const char *rep = *s == '&'    ? "&amp;"
                          : *s == '<'  ? "&lt;"
                          : *s == '>'  ? "&gt;"
                          : *s == '"'  ? "&quot;"
                          : *s == '\'' ? "&apos;"
                                       : NULL;
        if (rep)
            o = stpcpy(o, rep);
        else
            *o++ = (unsigned char)*s < 0x20 ? ' ' : *s;
    }
    *o = 0;
    return out;
}

static long frames_at(const media_info *mi, double t)
{
    return t > 0 ? lround(t * mi->fps) : 0;
}

/* n frames as an FCPXML time: "n*num/den s", or "0s". */
static const char *ftime(apr_pool_t *p, const media_info *mi, long n)
{
    return n > 0 ? apr_psprintf(p, "%ld/%lds", n * mi->num, mi->den) : "0s";
}

const char *miq_jobs_render_fcpxml(apr_pool_t *p, const char *job_id, const char *endpoint,
                                   const json_t *result, const apr_array_header_t *items)
{
    media_info mi = media_of(result);
    apr_array_header_t *out = apr_array_make(p, items->nelts + 32, sizeof(const char *));
    const json_t *hl = json_object_get(result, "highlights"), *h;
    const char *name = xml_attr(p, job_id), *seq;
    long total = frames_at(&mi, mi.duration), rec = 0;
    size_t i;
    int k;
    if (total < 1)
        total = 1;
    seq = apr_psprintf(p, "format=\"r1\" tcStart=\"0s\" tcFormat=\"%s\"", mi.drop ? "DF" : "NDF");
#define OUT(...) (APR_ARRAY_PUSH(out, const char *) = apr_psprintf(p, __VA_ARGS__))
    OUT("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE fcpxml>\n"
        "<fcpxml version=\"1.10\">\n  <resources>\n");
    if (mi.video && mi.width > 0 && mi.height > 0)
        OUT("    <format id=\"r1\" frameDuration=\"%s\" width=\"%d\" height=\"%d\"/>\n",
            ftime(p, &mi, 1), mi.width, mi.height);
    else
        OUT("    <format id=\"r1\" frameDuration=\"%s\"/>\n", ftime(p, &mi, 1));
    OUT("    <asset id=\"r2\" name=\"%s\" start=\"0s\" duration=\"%s\" hasVideo=\"%d\" "
        "hasAudio=\"%d\" format=\"r1\">\n"
        "      <media-rep kind=\"original-media\" src=\"file:///momentiq/%s\"/>\n"
        "    </asset>\n  </resources>\n  <library>\n    <event name=\"MomentIQ %s\">\n",
        name, ftime(p, &mi, total), mi.video, mi.audio, name, name);
    OUT("      <project name=\"%s %s moments\">\n        <sequence %s duration=\"%s\">\n"
        "          <spine>\n            <asset-clip ref=\"r2\" offset=\"0s\" name=\"%s\" "
        "start=\"0s\" duration=\"%s\">\n",
        name, xml_attr(p, endpoint), seq, ftime(p, &mi, total), name, ftime(p, &mi, total));
    for (k = 0; k < items->nelts; k++) {
        const miq_jobs_item *x = &APR_ARRAY_IDX(items, k, miq_jobs_item);
        long a = frames_at(&mi, x->start), len = frames_at(&mi, x->end) - a;
        if (a >= total) /* a marker must lie inside its clip */
            continue;
        if (len < 1)
            len = 1;
        OUT("              <marker start=\"%s\" duration=\"%s\" value=\"%s\" note=\"%s\"/>\n",
            ftime(p, &mi, a), ftime(p, &mi, len), xml_attr(p, x->label),
            x->has_score ? apr_psprintf(p, "%s, score %.3f", xml_attr(p, x->type), x->score)
                         : xml_attr(p, x->type));
    }
    OUT("            </asset-clip>\n          </spine>\n        </sequence>\n      </project>\n");
    if (json_array_size(hl) > 0) {
        apr_array_header_t *clips = apr_array_make(p, 8, sizeof(const char *));
        json_array_foreach(hl, i, h)
        {
            long a = frames_at(&mi, miq_json_num(h, "start", 0));
            long len = frames_at(&mi, miq_json_num(h, "end", 0)) - a;
            if (len < 1 || a >= total)
                continue;
            APR_ARRAY_PUSH(clips, const char *) = apr_psprintf(
                p,
                "            <asset-clip ref=\"r2\" offset=\"%s\" name=\"Highlight %d\" "
                "start=\"%s\" duration=\"%s\"/>\n",
                ftime(p, &mi, rec), (int)miq_json_int(h, "rank", (json_int_t)i + 1),
                ftime(p, &mi, a), ftime(p, &mi, len));
            rec += len;
        }
        OUT("      <project name=\"%s highlights\">\n        <sequence %s duration=\"%s\">\n"
            "          <spine>\n%s          </spine>\n        </sequence>\n      </project>\n",
            name, seq, ftime(p, &mi, rec), apr_array_pstrcat(p, clips, 0));
    }
    OUT("    </event>\n  </library>\n</fcpxml>\n");
#undef OUT
    return apr_array_pstrcat(p, out, 0);
}

/* ---- OpenTimelineIO -------------------------------------------------------- */

static json_t *rt(double rate, double seconds)
{
    return json_pack("{s:s,s:f,s:f}", "OTIO_SCHEMA", "RationalTime.1", "rate", rate, "value",
                     round(seconds * rate * 1e6) / 1e6);
}

static json_t *trange(double rate, double start, double dur)
{
    return json_pack("{s:s,s:o,s:o}", "OTIO_SCHEMA", "TimeRange.1", "start_time", rt(rate, start),
                     "duration", rt(rate, dur));
}

static const char *marker_color(const char *type)
{
    static const char *const map[][2] = {{"scene", "RED"},     {"cut", "RED"},
                                         {"silence", "BLUE"},  {"speech", "GREEN"},
                                         {"music", "MAGENTA"}, {"other", "CYAN"},
                                         {"peak", "ORANGE"},   {"highlight", "YELLOW"},
                                         {"frame", "WHITE"},   {"clip", "PURPLE"},
                                         {"black", "BLACK"},   {"freeze", "PINK"}};
    size_t i;
    for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (!strcmp(type, map[i][0]))
            return map[i][1];
    return "PURPLE";
}

/* An item (Clip.2 or Gap.1) with the fields every OTIO Item has. */
static json_t *otio_item(const char *schema, const char *name, json_t *range, json_t *markers)
{
    return json_pack("{s:s,s:{},s:s,s:o,s:[],s:o,s:b}", "OTIO_SCHEMA", schema, "metadata", "name",
                     name, "source_range", range, "effects", "markers",
                     markers ? markers : json_array(), "enabled", 1);
}

static json_t *otio_clip(const char *name, double rate, double start, double dur, const char *url,
                         double media_dur, json_t *markers)
{
    json_t *c = otio_item("Clip.2", name, trange(rate, start, dur), markers);
    json_object_set_new(c, "media_references",
                        json_pack("{s:{s:s,s:{},s:s,s:o,s:n,s:s}}", "DEFAULT_MEDIA", "OTIO_SCHEMA",
                                  "ExternalReference.1", "metadata", "name", "", "available_range",
                                  trange(rate, 0, media_dur), "available_image_bounds",
                                  "target_url", url));
    json_object_set_new(c, "active_media_reference_key", json_string("DEFAULT_MEDIA"));
    return c;
}

static json_t *otio_track(const char *name, const char *kind, json_t *children)
{
    json_t *t = otio_item("Track.1", name, json_null(), NULL);
    json_object_set_new(t, "children", children);
    json_object_set_new(t, "kind", json_string(kind));
    return t;
}

const char *miq_jobs_render_otio(apr_pool_t *p, const char *job_id, const char *endpoint,
                                 const json_t *result, const apr_array_header_t *items)
{
    media_info mi = media_of(result);
    const json_t *hl = json_object_get(result, "highlights"), *h;
    const char *url = apr_psprintf(p, "file:///momentiq/%s", job_id);
    const char *kind = mi.video ? "Video" : "Audio";
    json_t *markers = json_array(), *hclips = json_array(), *tl, *stack, *sorted;
    double rate = mi.fps, dur = mi.duration, at = 0;
    size_t i;
    int k;
    for (k = 0; k < items->nelts; k++) {
        const miq_jobs_item *x = &APR_ARRAY_IDX(items, k, miq_jobs_item);
        json_t *meta = json_pack("{s:{s:s,s:b}}", "momentiq", "type", x->type, "point", x->point);
        if (x->has_score)
            json_object_set_new(json_object_get(meta, "momentiq"), "score", json_real(x->score));
        json_array_append_new(markers,
                              json_pack("{s:s,s:o,s:s,s:s,s:o,s:s}", "OTIO_SCHEMA", "Marker.2",
                                        "metadata", meta, "name", x->label, "color",
                                        marker_color(x->type), "marked_range",
                                        trange(rate, x->start, x->end - x->start), "comment", ""));
    }
    /* highlights at their media time, gaps between (sorted by start) */
    sorted = miq_json_pool(p, json_array());
    json_array_foreach(hl, i, h)
    {
        size_t pos = 0;
        double s = miq_json_num(h, "start", 0);
        while (pos < json_array_size(sorted) &&
               miq_json_num(json_array_get(sorted, pos), "start", 0) <= s)
            pos++;
        json_array_insert(sorted, pos, (json_t *)h);
    }
    json_array_foreach(sorted, i, h)
    {
        double s = miq_json_num(h, "start", 0), e = miq_json_num(h, "end", 0);
        if (!(e > s) || s < at - 1e-9 || !isfinite(s) || !isfinite(e))
            continue; /* overlapping or empty: a track holds one clip at a time */
        if (s > at)
            json_array_append_new(hclips, otio_item("Gap.1", "", trange(rate, 0, s - at), NULL));
        json_array_append_new(hclips, otio_clip(apr_psprintf(p, "Highlight %d",
                                                             (int)miq_json_int(h, "rank",
                                                                               (json_int_t)i + 1)),
                                                rate, s, e - s, url, dur, NULL));
        at = e;
    }
    stack = otio_item("Stack.1", "tracks", json_null(), NULL);
    json_object_set_new(stack, "children",
                        json_pack("[o,o]",
                                  otio_track("Moments", kind,
                                             json_pack("[o]", otio_clip(job_id, rate, 0, dur, url,
                                                                        dur, markers))),
                                  otio_track("Highlights", kind, hclips)));
    tl = miq_json_packp(p, "{s:s,s:{s:{s:s,s:s}},s:s,s:n,s:o}", "OTIO_SCHEMA", "Timeline.1",
                        "metadata", "momentiq", "job_id", job_id, "endpoint", endpoint, "name",
                        apr_pstrcat(p, job_id, " ", endpoint, NULL), "global_start_time", "tracks",
                        stack);
    return miq_json_dump(p, tl);
}
