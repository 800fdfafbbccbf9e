/* Jobs end to end: the renderings of results (vtt, csv, edl, over REST and
 * MCP) and timeline/moments, which merges silences, scenes and peaks of one
 * pass. Helpers and media: support/it_jobs.h. */
#include <math.h>
#include <apr_strings.h>
#include "base/miq_json.h"
#include "support/it_jobs.h"

/* Counts "needle" in text. */
static int count_of(const char *text, const char *needle)
{
    int n = 0;
    const char *s = text;
    while (s && (s = strstr(s, needle))) {
        n++;
        s += strlen(needle);
    }
    return n;
}

/* EDL events: lines starting with three digits and two blanks. */
static int edl_events(const char *text)
{
    int n = 0;
    const char *l = text;
    while (l && *l) {
        if (l[0] >= '0' && l[0] <= '9' && l[1] >= '0' && l[1] <= '9' && l[2] >= '0' &&
            l[2] <= '9' && l[3] == ' ' && l[4] == ' ')
            n++;
        l = strchr(l, '\n');
        if (l)
            l++;
    }
    return n;
}

/* The renderings of a succeeded job: vtt, csv and edl with cues cues. */
static void check_formats(const char *job, int cues)
{
    it_resp *r;
    r = jt_rest(jt_tok, "GET", apr_psprintf(itp, "/v1/jobs/%s/result?format=vtt", job), NULL);
    IT_ASSERT_R(r->status == 200 && !strncmp(r->ctype, "text/vtt", 8) && r->body &&
                    !strncmp(r->body, "WEBVTT", 6) && count_of(r->body, " --> ") == cues,
                r);
    r = jt_rest(jt_tok, "GET", apr_psprintf(itp, "/v1/jobs/%s/result?format=csv", job), NULL);
    IT_ASSERT_R(r->status == 200 && !strncmp(r->ctype, "text/csv", 8) && r->body &&
                    !strncmp(r->body, "type,start,end", 14) && count_of(r->body, "\n") == cues + 1,
                r);
    r = jt_rest(jt_tok, "GET", apr_psprintf(itp, "/v1/jobs/%s/result?format=edl", job), NULL);
    IT_ASSERT_R(r->status == 200 && !strncmp(r->ctype, "text/plain", 10) && r->body &&
                    !strncmp(r->body, "TITLE:", 6) && edl_events(r->body) == cues,
                r);
    /* And over MCP. */
    r = jt_tool(jt_tok, "momentiq.get_job_result",
                apr_psprintf(itp, "{\"job_id\":\"%s\",\"format\":\"vtt\"}", job));
    IT_ASSERT_R(jt_tool_ok(r) && count_of(miq_json_str(jt_sc(r), "text", ""), " --> ") == cues, r);
    r = jt_rest(jt_tok, "GET", apr_psprintf(itp, "/v1/jobs/%s/result?format=xml", job), NULL);
    IT_ASSERT_R(r->status == 400, r);
}

static void test_result_formats(void)
{
    const char *a, *v;
    json_t *ja, *jv;
    CU_ASSERT_FATAL(jt_ready());
    a = jt_create_rest(jt_tok, "audio/silence", jt_upl_speech, NULL);
    v = jt_create_rest(jt_tok, "video/scenes", jt_upl_cuts, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    ja = jt_wait_rest(jt_tok, a, JOB_TIMEOUT_S);
    jv = jt_wait_rest(jt_tok, v, JOB_TIMEOUT_S);
    if (jt_succeeded(ja))
        check_formats(a, 4); /* four silences */
    if (jt_succeeded(jv))
        check_formats(v, NCUTS + 1); /* the scenes (cuts are not repeated) */
}

/* What the renderings list for a result (the rule of miq_jobs_result.c). */
static int rendered_items(const json_t *res)
{
    static const char *const lists[] = {"segments", "silences", "scenes", "cuts",
                                        "peaks",    "frames",   "clips",  "highlights"};
    int has_scenes = json_array_size(json_object_get(res, "scenes")) > 0, n = 0;
    size_t l, i;
    json_t *it;
    for (l = 0; l < sizeof(lists) / sizeof(lists[0]); l++) {
        if (has_scenes && !strcmp(lists[l], "cuts"))
            continue;
        json_array_foreach(json_object_get(res, lists[l]), i, it)
        {
            if (!strcmp(lists[l], "segments") && !json_is_string(json_object_get(it, "type")))
                continue;
            if (json_is_number(json_object_get(it, "start")) ||
                json_is_number(json_object_get(it, "time")))
                n++;
        }
    }
    return n;
}

static void test_timeline_moments(void)
{
    const char *job;
    json_t *j, *res, *seg;
    size_t i;
    int nsil = 0, nscene = 0;
    double sil[8][2];
    double scene_start[16];
    CU_ASSERT_FATAL(jt_ready());
    job = jt_create_mcp(jt_tok, "timeline/moments", jt_upl_cuts, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(job);
    j = jt_wait_mcp(jt_tok, job, JOB_TIMEOUT_S);
    if (!jt_succeeded(j))
        return;
    res = jt_result_rest(jt_tok, job);
    CU_ASSERT_PTR_NOT_NULL_FATAL(res);
    json_array_foreach(json_object_get(res, "segments"), i, seg)
    {
        const char *type = miq_json_str(seg, "type", "");
        if (!strcmp(type, "silence") && nsil < 8) {
            sil[nsil][0] = miq_json_num(seg, "start", -1);
            sil[nsil][1] = miq_json_num(seg, "end", -1);
            nsil++;
        }
        else if (!strcmp(type, "scene") && nscene < 16)
            scene_start[nscene++] = miq_json_num(seg, "start", -1);
    }
    IT_ASSERT_MSG(nsil == 4, "%d silence segments: %s", nsil,
                  it_dump(json_object_get(res, "segments")));
    for (i = 0; i < (size_t)nsil && i < 4; i++)
        IT_ASSERT_MSG(fabs(sil[i][0] - jt_cuts_silence_truth[i][0]) <= TOL_SIL &&
                          fabs(sil[i][1] - jt_cuts_silence_truth[i][1]) <= TOL_SIL,
                      "moments silence %d: [%.3f, %.3f], want [%.3f, %.3f]", (int)i, sil[i][0],
                      sil[i][1], jt_cuts_silence_truth[i][0], jt_cuts_silence_truth[i][1]);
    IT_ASSERT_MSG(nscene == NCUTS + 1, "%d scene segments", nscene);
    for (i = 1; i < (size_t)nscene && i <= NCUTS; i++)
        IT_ASSERT_MSG(fabs(scene_start[i] - jt_cut_frames[i - 1] / FPS) <= 1.0 / FPS + 0.001,
                      "scene %d starts at %.3f, want %.3f +-1 frame", (int)i, scene_start[i],
                      jt_cut_frames[i - 1] / FPS);
    IT_ASSERT_MSG(json_array_size(json_object_get(res, "highlights")) >= 1, "no highlights");
    check_formats(job, rendered_items(res));
    jt_assert_billed_once(j);
}

IT_SUITE("jobs_results", IT_TEST(test_result_formats), IT_TEST(test_timeline_moments))
