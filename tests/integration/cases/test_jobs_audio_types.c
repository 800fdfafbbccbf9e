/* Jobs end to end: the speech / music typing of timeline/moments on real
 * speech (espeak-ng) followed by synthesised music, and its result as
 * FCPXML (valid against tests/unit/fcpxml-1.10-subset.dtd with xmllint) and
 * OpenTimelineIO, over REST and MCP. Helpers: support/it_jobs.h. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <apr_strings.h>
#include "base/miq_json.h"
#include "support/it_jobs.h"

#define SPEECH_END 6.0 /* speech is cut at 6 s, then 1.5 s of silence, then 8 s of music */
#define MUSIC_AT   7.5

#define MUSIC                                                                                      \
    "0.06*(sin(2*PI*(220*pow(2,mod(floor(t/2)*5,12)/12))*t)+sin(2*PI*(277*pow(2,mod(floor(t/2)"    \
    "*5,12)/12))*t)+sin(2*PI*(330*pow(2,mod(floor(t/2)*5,12)/12))*t))+0.12*exp(-mod(t,0.5)*3)*"    \
    "sin(2*PI*(880*pow(2,floor(mod(floor(t/0.5)*3,8)*12/7)/12))*t)+0.3*exp(-mod(t,0.5)*25)*"       \
    "sin(2*PI*55*t)"

/* speech_music.wav in the media folder (made once); its upload id or NULL. */
static const char *upload_speech_music(void)
{
    static char *upl;
    const char *sp = jt_media("sm_speech.wav"), *out = jt_media("speech_music.wav"), *cmd;
    if (upl)
        return upl;
    if (!sp || !out)
        return NULL;
    if (access(out, R_OK) != 0) {
        cmd = apr_psprintf(itp,
                           "espeak-ng -v en-us -s 165 -w '%s' 'The committee met on Tuesday to "
                           "discuss the budget, and everyone agreed to meet again next week "
                           "after lunch.' && ffmpeg -nostdin -loglevel error -y -i '%s' -f lavfi "
                           "-i \"aevalsrc='" MUSIC "':s=44100:d=8\" -filter_complex "
                           "'[0]aresample=44100,atrim=0:%g,apad=whole_dur=%g[a];"
                           "[a][1]concat=n=2:v=0:a=1' '%s'",
                           sp, sp, SPEECH_END, MUSIC_AT, out);
        if (system(cmd) != 0) {
            IT_ASSERT_MSG(0, "could not make %s", out);
            return NULL;
        }
    }
    out = jt_upload(jt_tok, "speech_music.wav");
    if (out)
        upl = strdup(out);
    return upl;
}

static const char *dtd_path(void)
{
    char *p = apr_pstrdup(itp, __FILE__), *s = strrchr(p, '/');
    *s = 0;
    return apr_pstrcat(itp, p, "/../../unit/fcpxml-1.10-subset.dtd", NULL);
}

static void test_speech_then_music(void)
{
    const char *upl, *job, *path;
    json_t *j, *res, *seg, *otio, *clip;
    it_resp *r;
    size_t i;
    double speech_s = 0, music_s = 0, wrong_s = 0;
    FILE *f;
    CU_ASSERT_FATAL(jt_ready());
    upl = upload_speech_music();
    CU_ASSERT_PTR_NOT_NULL_FATAL(upl);
    job = jt_create_rest(jt_tok, "timeline/moments", upl, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(job);
    j = jt_wait_rest(jt_tok, job, JOB_TIMEOUT_S);
    if (!jt_succeeded(j))
        return;
    res = jt_result_rest(jt_tok, job);
    CU_ASSERT_PTR_NOT_NULL_FATAL(res);
    json_array_foreach(json_object_get(res, "segments"), i, seg)
    {
        const char *t = miq_json_str(seg, "type", "");
        double a = miq_json_num(seg, "start", 0), b = miq_json_num(seg, "end", 0);
        if (!strcmp(t, "speech") || !strcmp(t, "music") || !strcmp(t, "other"))
            printf("\n  %s %.2f..%.2f score %.2f", t, a, b, miq_json_num(seg, "score", -1));
        if (!strcmp(t, "speech"))
            speech_s += b < SPEECH_END ? b - a : 0;
        if (!strcmp(t, "music"))
            music_s += a >= MUSIC_AT - 0.5 ? b - a : 0;
        if ((!strcmp(t, "music") && a < SPEECH_END - 1) ||
            (!strcmp(t, "speech") && b > MUSIC_AT + 1))
            wrong_s += b - a;
    }
    IT_ASSERT_MSG(speech_s >= 3, "%.1f s typed speech in the speech part", speech_s);
    IT_ASSERT_MSG(music_s >= 6, "%.1f s typed music in the music part", music_s);
    IT_ASSERT_MSG(wrong_s <= 1, "%.1f s typed the other way round", wrong_s);
    IT_ASSERT_MSG(json_is_object(json_object_get(res, "short_term")), "no short_term curve");

    /* FCPXML: served as XML, valid against the DTD of what we emit */
    r = jt_rest(jt_tok, "GET", apr_psprintf(itp, "/v1/jobs/%s/result?format=fcpxml", job), NULL);
    IT_ASSERT_R(r->status == 200 && !strncmp(r->ctype, "application/xml", 15) && r->body &&
                    strstr(r->body, "<fcpxml version=\"1.10\">"),
                r);
    path = apr_psprintf(itp, "/tmp/miq-it-fcpxml-%ld.fcpxml", (long)getpid());
    if (r->body && (f = fopen(path, "w"))) {
        fputs(r->body, f);
        fclose(f);
        IT_ASSERT_MSG(system(apr_psprintf(itp, "xmllint --noout --dtdvalid '%s' '%s'", dtd_path(),
                                          path)) == 0,
                      "FCPXML does not validate");
        unlink(path);
    }
    /* OTIO over REST and MCP: a Timeline.1 whose Moments clip has a marker per segment */
    r = jt_rest(jt_tok, "GET", apr_psprintf(itp, "/v1/jobs/%s/result?format=otio", job), NULL);
    IT_ASSERT_R(r->status == 200 && r->body, r);
    otio = r->body ? miq_json_parse(itp, r->body, strlen(r->body), NULL) : NULL;
    IT_ASSERT_STRING_EQUAL(miq_json_str(otio, "OTIO_SCHEMA", NULL), "Timeline.1");
    clip = json_array_get(
        json_object_get(json_array_get(json_object_get(json_object_get(otio, "tracks"), "children"),
                                       0),
                        "children"),
        0);
    IT_ASSERT_MSG(json_array_size(json_object_get(clip, "markers")) >=
                      json_array_size(json_object_get(res, "segments")),
                  "%zu markers for %zu segments", json_array_size(json_object_get(clip, "markers")),
                  json_array_size(json_object_get(res, "segments")));
    r = jt_tool(jt_tok, "momentiq.get_job_result",
                apr_psprintf(itp, "{\"job_id\":\"%s\",\"format\":\"otio\"}", job));
    IT_ASSERT_R(jt_tool_ok(r) && strstr(miq_json_str(jt_sc(r), "text", ""), "\"Timeline.1\""), r);
}

IT_SUITE("jobs_audio_types", IT_TEST(test_speech_then_music))
