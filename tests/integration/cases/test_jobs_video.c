/* Jobs end to end: video/scenes against the known cuts of cuts.mp4,
 * video/frames with their signed /files/ URLs and the URL refresh (nothing
 * rerun, nothing charged), video/clips by stream copy and frame-accurate
 * re-encode. Helpers and media: support/it_jobs.h. */
#include <math.h>
#include <stdlib.h>
#include <apr_strings.h>
#include "base/miq_json.h"
#include "support/it_jobs.h"

static void check_cuts(const json_t *cuts, const char *what)
{
    size_t i;
    IT_ASSERT_MSG(json_array_size(cuts) == NCUTS, "%s: %d cuts, want %d: %s", what,
                  (int)json_array_size(cuts), NCUTS, it_dump(cuts));
    for (i = 0; i < json_array_size(cuts) && i < NCUTS; i++) {
        json_t *c = json_array_get(cuts, i);
        long fr = (long)miq_json_int(c, "frame", -1);
        double t = miq_json_num(c, "time", -1);
        IT_ASSERT_MSG(labs(fr - jt_cut_frames[i]) <= 1 &&
                          fabs(t - jt_cut_frames[i] / FPS) <= 1.0 / FPS + 0.001,
                      "%s cut %d: frame %ld (%.3f s), want %d (%.3f s) +-1 frame", what, (int)i, fr,
                      t, jt_cut_frames[i], jt_cut_frames[i] / FPS);
    }
}

static void test_video_scenes_mcp(void)
{
    const char *job;
    json_t *j, *res, *scenes;
    CU_ASSERT_FATAL(jt_ready());
    job = jt_create_mcp(jt_tok, "video/scenes", jt_upl_cuts, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(job);
    j = jt_wait_mcp(jt_tok, job, JOB_TIMEOUT_S);
    if (!jt_succeeded(j))
        return;
    res = jt_result_mcp(jt_tok, job);
    CU_ASSERT_PTR_NOT_NULL_FATAL(res);
    check_cuts(json_object_get(res, "cuts"), "video/scenes");
    scenes = json_object_get(res, "scenes");
    IT_ASSERT_MSG(json_array_size(scenes) == NCUTS + 1, "%d scenes", (int)json_array_size(scenes));
    {
        json_t *last = json_array_get(scenes, json_array_size(scenes) - 1);
        IT_ASSERT_MSG(fabs(miq_json_num(last, "end", 0) - CUTS_FRAMES / FPS) <= 0.05,
                      "last scene ends at %.3f", miq_json_num(last, "end", 0));
    }
    jt_assert_billed_once(j);
}

static void test_video_frames_signed_urls_and_refresh(void)
{
    static const double ts[] = {1.0, 5.0, 10.24};
    const char *job, *args[1];
    json_t *j, *res, *frames, *f;
    it_resp *r;
    size_t i;
    const char *urls[3] = {NULL, NULL, NULL}, *snap1, *snap2;
    long ledger_rows1;
    CU_ASSERT_FATAL(jt_ready());
    job = jt_create_mcp(jt_tok, "video/frames", jt_upl_cuts,
                        "{\"timestamps\":[1.0,5.0,10.24],\"width\":160,\"format\":\"jpg\"}");
    CU_ASSERT_PTR_NOT_NULL_FATAL(job);
    j = jt_wait_mcp(jt_tok, job, JOB_TIMEOUT_S);
    if (!jt_succeeded(j))
        return;
    res = jt_result_rest(jt_tok, job);
    CU_ASSERT_PTR_NOT_NULL_FATAL(res);
    frames = json_object_get(res, "frames");
    IT_ASSERT_MSG(json_array_size(frames) == 3, "frames %s", it_dump(frames));
    json_array_foreach(frames, i, f)
    {
        const char *url = miq_json_str(f, "url", NULL);
        double t = miq_json_num(f, "time", -1);
        if (i >= 3)
            break;
        /* The frame shown at ts[i]: its time within one frame before. */
        IT_ASSERT_MSG(t <= ts[i] + 0.001 && ts[i] - t < 1.0 / FPS + 0.001,
                      "frame %d at %.3f for %.3f", (int)i, t, ts[i]);
        IT_ASSERT_MSG(miq_json_int(f, "width", 0) == 160, "width %d",
                      (int)miq_json_int(f, "width", 0));
        CU_ASSERT_PTR_NOT_NULL(url);
        if (!url)
            continue;
        urls[i] = url;
        r = it_request("GET", url, NULL, NULL, 0);
        IT_ASSERT_R(r->status == 200 && !strncmp(r->ctype, "image/jpeg", 10) && r->len > 200 &&
                        (unsigned char)r->body[0] == 0xFF && (unsigned char)r->body[1] == 0xD8,
                    r);
        {
            char *t2 = apr_pstrdup(itp, url);
            size_t n = strlen(t2);
            t2[n - 1] = t2[n - 1] == 'A' ? 'B' : 'A';
            r = it_request("GET", t2, NULL, NULL, 0);
            IT_ASSERT_R(r->status == 403, r);
            /* The signature of one file does not open another. */
            t2 = apr_pstrdup(itp, url);
            if (strstr(t2, ".jpg?")) {
                char *q = strstr(t2, ".jpg?");
                r = it_request("GET",
                               apr_pstrcat(itp, apr_pstrndup(itp, t2, q - t2), "x.jpg", q + 4,
                                           NULL),
                               NULL, NULL, 0);
                IT_ASSERT_R(r->status == 403, r);
            }
        }
    }
    /* Refresh: new URLs (a later expiry), nothing rerun, nothing charged. */
    args[0] = job;
    snap1 = it_db_value("SELECT concat_ws('|', status, attempts, charged_credits, progress, "
                        "updated_at, finished_at, worker_id, md5(result::text)) FROM jobs "
                        "WHERE id = $1",
                        1, args);
    ledger_rows1 = atol(
        it_db_value("SELECT count(*) FROM credit_ledger WHERE job_id = $1", 1, args));
    {
        /* Signed URLs carry the expiry in seconds: let the clock move on. */
        apr_time_t t0 = apr_time_sec(apr_time_now());
        while (apr_time_sec(apr_time_now()) < t0 + 2)
            apr_sleep(apr_time_from_msec(100));
    }
    r = jt_tool(jt_tok, "momentiq.refresh_output_urls",
                apr_psprintf(itp, "{\"job_id\":\"%s\"}", job));
    IT_ASSERT_R(jt_tool_ok(r) && json_array_size(json_object_get(jt_sc(r), "outputs")) == 3, r);
    json_array_foreach(json_object_get(jt_sc(r), "outputs"), i, f)
    {
        const char *url = miq_json_str(f, "url", "");
        int k, fresh = 1;
        for (k = 0; k < 3; k++)
            if (urls[k] && !strcmp(urls[k], url))
                fresh = 0;
        IT_ASSERT_MSG(fresh, "refresh gave an old URL: %s", url);
        r = it_request("GET", url, NULL, NULL, 0);
        IT_ASSERT_R(r->status == 200 && !strncmp(r->ctype, "image/jpeg", 10), r);
    }
    r = jt_rest(jt_tok, "POST", apr_psprintf(itp, "/v1/jobs/%s/outputs/refresh", job), "{}");
    IT_ASSERT_R(r->status == 200 && json_array_size(json_object_get(r->json, "outputs")) == 3, r);
    snap2 = it_db_value("SELECT concat_ws('|', status, attempts, charged_credits, progress, "
                        "updated_at, finished_at, worker_id, md5(result::text)) FROM jobs "
                        "WHERE id = $1",
                        1, args);
    IT_ASSERT_MSG(snap1 && snap2 && !strcmp(snap1, snap2), "job row changed: %s -> %s",
                  snap1 ? snap1 : "", snap2 ? snap2 : "");
    CU_ASSERT_EQUAL(atol(it_db_value("SELECT count(*) FROM credit_ledger WHERE job_id = $1", 1,
                                     args)),
                    ledger_rows1);
    jt_assert_billed_once(j);
}

static void test_video_clips_copy_and_reencode(void)
{
    static const double spans[][2] = {{1.0, 3.0}, {5.3, 7.7}};
    const char *jc, *jr;
    json_t *a, *b, *res, *c;
    size_t i;
    CU_ASSERT_FATAL(jt_ready());
    jc = jt_create_rest(jt_tok, "video/clips", jt_upl_cuts,
                        "{\"clips\":[{\"start\":1.0,\"end\":3.0},{\"start\":5.3,\"end\":7.7}],"
                        "\"mode\":\"copy\"}");
    jr = jt_create_mcp(jt_tok, "video/clips", jt_upl_cuts,
                       "{\"clips\":[{\"start\":1.0,\"end\":3.0},{\"start\":5.3,\"end\":7.7}],"
                       "\"mode\":\"reencode\"}");
    CU_ASSERT_PTR_NOT_NULL_FATAL(jc);
    CU_ASSERT_PTR_NOT_NULL_FATAL(jr);
    a = jt_wait_rest(jt_tok, jc, JOB_TIMEOUT_S);
    b = jt_wait_mcp(jt_tok, jr, JOB_TIMEOUT_S);
    if (jt_succeeded(a)) {
        res = jt_result_rest(jt_tok, jc);
        IT_ASSERT_MSG(res && json_array_size(json_object_get(res, "clips")) == 2, "clips %s",
                      res ? it_dump(res) : "");
        json_array_foreach(json_object_get(res, "clips"), i, c)
        {
            double as = miq_json_num(c, "actual_start", -1);
            if (i >= 2)
                break;
            /* Stream copy starts at the keyframe before (GOP 50 = 2 s). */
            IT_ASSERT_MSG(as <= spans[i][0] + 0.001 && spans[i][0] - as <= 2.0 + 0.001,
                          "copy clip %d actual_start %.3f for %.3f", (int)i, as, spans[i][0]);
            CU_ASSERT_STRING_EQUAL(miq_json_str(c, "mode", ""), "copy");
            CU_ASSERT_PTR_NOT_NULL(
                jt_fetch_mp4(miq_json_str(c, "url", ""),
                             apr_psprintf(itp, "%s/copy%d.mp4", jt_media_dir, (int)i)));
        }
        jt_assert_billed_once(a);
    }
    if (jt_succeeded(b)) {
        res = jt_result_mcp(jt_tok, jr);
        IT_ASSERT_MSG(res && json_array_size(json_object_get(res, "clips")) == 2, "clips %s",
                      res ? it_dump(res) : "");
        json_array_foreach(json_object_get(res, "clips"), i, c)
        {
            const char *path;
            int want, got;
            if (i >= 2)
                break;
            CU_ASSERT_STRING_EQUAL(miq_json_str(c, "mode", ""), "reencode");
            path = jt_fetch_mp4(miq_json_str(c, "url", ""),
                                apr_psprintf(itp, "%s/reenc%d.mp4", jt_media_dir, (int)i));
            if (!path)
                continue;
            /* Frame-accurate: the span's frames, +-1. */
            want = (int)lround((spans[i][1] - spans[i][0]) * FPS);
            got = jt_ffprobe_frames(path);
            IT_ASSERT_MSG(abs(got - want) <= 1, "reencoded clip %d: %d frames, want %d", (int)i,
                          got, want);
        }
        jt_assert_billed_once(b);
    }
}

IT_SUITE("jobs_video", IT_TEST(test_video_scenes_mcp),
         IT_TEST(test_video_frames_signed_urls_and_refresh),
         IT_TEST(test_video_clips_copy_and_reencode))
