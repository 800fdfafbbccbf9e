/* Result renderings for editors (miq_jobs_editors.c): FCPXML 1.10 valid
 * against the DTD of what we emit (xmllint, run here), OpenTimelineIO by
 * its schema names and versions and a round trip through its JSON: every
 * moment comes back as a marker, every highlight as a clip, at its time. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <apr_strings.h>
#include "unit.h"
#include "base/miq_json.h"
#include "jobs/miq_jobs_editors.h"

#define RESULT_VIDEO                                                                                   \
    "{\"endpoint\":\"timeline/moments\",\"media\":{\"duration_s\":12.5,\"has_audio\":true,"            \
    "\"has_video\":true,\"fps\":25,\"width\":1280,\"height\":720},"                                    \
    "\"segments\":[{\"type\":\"speech\",\"start\":0,\"end\":4,\"score\":0.9},"                         \
    "{\"type\":\"silence\",\"start\":4,\"end\":5,\"score\":0.5},"                                      \
    "{\"type\":\"music\",\"start\":5,\"end\":9.02,\"score\":0.8,\"label\":\"<Tom & \\\"Jerry\\\">\"}," \
    "{\"type\":\"scene\",\"start\":6.48,\"end\":12.5,\"score\":1},"                                    \
    "{\"type\":\"peak\",\"start\":7,\"end\":7.5,\"time\":7.25,\"score\":0.4},"                         \
    "{\"type\":\"other\",\"start\":9.02,\"end\":12.5,\"score\":0.7}],"                                 \
    "\"highlights\":[{\"rank\":1,\"start\":6.48,\"end\":11.48,\"score\":0.9},"                         \
    "{\"rank\":2,\"start\":0,\"end\":5,\"score\":0.6}]}"

static json_t *J(const char *text)
{
    json_t *v = miq_json_parse(utp, text, strlen(text), NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    return v;
}

static const char *dtd_path(void)
{
    char *path = apr_pstrdup(utp, __FILE__);
    *strrchr(path, '/') = 0;
    return apr_pstrcat(utp, path, "/fcpxml-1.10-subset.dtd", NULL);
}

/* xmllint --dtdvalid on the text; 0 when valid. */
static int xmllint(const char *xml, int quiet)
{
    char tmpl[] = "/tmp/miq-fcpxml-XXXXXX";
    int fd = mkstemp(tmpl), rv;
    FILE *f;
    CU_ASSERT_FATAL(fd >= 0);
    f = fdopen(fd, "w");
    fputs(xml, f);
    fclose(f);
    rv = system(apr_psprintf(utp, "xmllint --noout --dtdvalid '%s' '%s'%s", dtd_path(), tmpl,
                             quiet ? " 2>/dev/null" : ""));
    unlink(tmpl);
    return rv;
}

static void test_fcpxml_valid_with_markers_and_highlights(void)
{
    json_t *res = J(RESULT_VIDEO);
    apr_array_header_t *items = miq_jobs_collect(utp, res);
    const char *x = miq_jobs_render_fcpxml(utp, "job_abc", "timeline/moments", res, items), *s;
    int markers = 0;
    CU_ASSERT_PTR_NOT_NULL_FATAL(x);
    CU_ASSERT_EQUAL(xmllint(x, 0), 0);
    for (s = x; (s = strstr(s, "<marker ")); s++)
        markers++;
    CU_ASSERT_EQUAL(markers, items->nelts); /* every moment, highlights included */
    CU_ASSERT_EQUAL(items->nelts, 8);
    CU_ASSERT_PTR_NOT_NULL(strstr(x, "<fcpxml version=\"1.10\">"));
    CU_ASSERT_PTR_NOT_NULL(strstr(x, "frameDuration=\"100/2500s\" width=\"1280\" height=\"720\""));
    /* 6.48 s at 25 fps = frame 162; 9.02 - 5 = 4.02 s = 100.5 -> frames 225 - 125 = 100 */
    CU_ASSERT_PTR_NOT_NULL(strstr(x, "<marker start=\"16200/2500s\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(x, "value=\"&lt;Tom &amp; &quot;Jerry&quot;&gt;\""));
    /* the highlights project: rank 1 first, back to back on the record side */
    CU_ASSERT_PTR_NOT_NULL(strstr(x, "offset=\"0s\" name=\"Highlight 1\" start=\"16200/2500s\" "
                                     "duration=\"12500/2500s\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(x, "offset=\"12500/2500s\" name=\"Highlight 2\" start=\"0s\""));
    /* a broken document is caught by the same check (the test can fail) */
    CU_ASSERT_NOT_EQUAL(xmllint("<fcpxml version=\"1.10\"><library><marker/></library></fcpxml>",
                                1),
                        0);
}

static void test_fcpxml_audio_only_and_ntsc(void)
{
    json_t *a = J("{\"media\":{\"duration_s\":30,\"has_audio\":true,\"has_video\":false},"
                  "\"silences\":[{\"start\":1,\"end\":2.5}]}");
    json_t *v = J("{\"media\":{\"duration_s\":10,\"has_video\":true,\"fps\":29.97,"
                  "\"drop_frame\":true,\"width\":640,\"height\":480},\"cuts\":[{\"time\":3}]}");
    const char *x = miq_jobs_render_fcpxml(utp, "j1", "audio/silence", a, miq_jobs_collect(utp, a));
    CU_ASSERT_EQUAL(xmllint(x, 0), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(x, "hasVideo=\"0\""));
    CU_ASSERT_PTR_NULL(strstr(x, "highlights")); /* no highlights, no second project */
    x = miq_jobs_render_fcpxml(utp, "j2", "video/scenes", v, miq_jobs_collect(utp, v));
    CU_ASSERT_EQUAL(xmllint(x, 0), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(x, "frameDuration=\"1001/30000s\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(x, "tcFormat=\"DF\""));
    /* 3 s at 29.97 = frame 90 -> 90090/30000s */
    CU_ASSERT_PTR_NOT_NULL(strstr(x, "<marker start=\"90090/30000s\""));
}

static double rt_seconds(const json_t *t)
{
    return miq_json_num(t, "value", 0) / miq_json_num(t, "rate", 1);
}

static void test_otio_schema_and_round_trip(void)
{
    json_t *res = J(RESULT_VIDEO), *tl, *tracks, *moments, *clip, *mk, *hl, *c;
    apr_array_header_t *items = miq_jobs_collect(utp, res);
    const char *text = miq_jobs_render_otio(utp, "job_abc", "timeline/moments", res, items);
    size_t i, nclips = 0;
    double at = 0;
    tl = J(text);
    CU_ASSERT_STRING_EQUAL(miq_json_str(tl, "OTIO_SCHEMA", ""), "Timeline.1");
    tracks = json_object_get(tl, "tracks");
    CU_ASSERT_STRING_EQUAL(miq_json_str(tracks, "OTIO_SCHEMA", ""), "Stack.1");
    CU_ASSERT_EQUAL_FATAL(json_array_size(json_object_get(tracks, "children")), 2);
    moments = json_array_get(json_object_get(tracks, "children"), 0);
    CU_ASSERT_STRING_EQUAL(miq_json_str(moments, "OTIO_SCHEMA", ""), "Track.1");
    CU_ASSERT_STRING_EQUAL(miq_json_str(moments, "kind", ""), "Video");
    clip = json_array_get(json_object_get(moments, "children"), 0);
    CU_ASSERT_STRING_EQUAL(miq_json_str(clip, "OTIO_SCHEMA", ""), "Clip.2");
    CU_ASSERT_STRING_EQUAL(miq_json_str(json_object_get(json_object_get(clip, "media_references"),
                                                        "DEFAULT_MEDIA"),
                                        "OTIO_SCHEMA", ""),
                           "ExternalReference.1");
    CU_ASSERT_DOUBLE_EQUAL(rt_seconds(
                               json_object_get(json_object_get(clip, "source_range"), "duration")),
                           12.5, 1e-6);
    /* round trip: marker i is item i, same label, type, start and end */
    CU_ASSERT_EQUAL_FATAL(json_array_size(json_object_get(clip, "markers")), (size_t)items->nelts);
    json_array_foreach(json_object_get(clip, "markers"), i, mk)
    {
        const miq_jobs_item *x = &APR_ARRAY_IDX(items, i, miq_jobs_item);
        const json_t *r = json_object_get(mk, "marked_range");
        double s = rt_seconds(json_object_get(r, "start_time"));
        CU_ASSERT_STRING_EQUAL(miq_json_str(mk, "OTIO_SCHEMA", ""), "Marker.2");
        CU_ASSERT_STRING_EQUAL(miq_json_str(mk, "name", ""), x->label);
        CU_ASSERT_STRING_EQUAL(
            miq_json_str(json_object_get(json_object_get(mk, "metadata"), "momentiq"), "type", ""),
            x->type);
        CU_ASSERT_DOUBLE_EQUAL(s, x->start, 1e-6);
        CU_ASSERT_DOUBLE_EQUAL(s + rt_seconds(json_object_get(r, "duration")), x->end, 1e-6);
    }
    /* highlights: gaps and clips that put each highlight back at its media time */
    hl = json_array_get(json_object_get(tracks, "children"), 1);
    json_array_foreach(json_object_get(hl, "children"), i, c)
    {
        const json_t *r = json_object_get(c, "source_range");
        double d = rt_seconds(json_object_get(r, "duration"));
        if (!strcmp(miq_json_str(c, "OTIO_SCHEMA", ""), "Clip.2")) {
            CU_ASSERT_DOUBLE_EQUAL(rt_seconds(json_object_get(r, "start_time")), at, 1e-6);
            nclips++;
        }
        else
            CU_ASSERT_STRING_EQUAL(miq_json_str(c, "OTIO_SCHEMA", ""), "Gap.1");
        at += d;
    }
    /* 0-5 and 6.48-11.48 do not overlap: both are on the track */
    CU_ASSERT_EQUAL(nclips, 2);
    CU_ASSERT_DOUBLE_EQUAL(at, 11.48, 1e-6);
}

MIQ_SUITE("jobs_editors", MIQ_TEST(test_fcpxml_valid_with_markers_and_highlights),
          MIQ_TEST(test_fcpxml_audio_only_and_ntsc), MIQ_TEST(test_otio_schema_and_round_trip))
