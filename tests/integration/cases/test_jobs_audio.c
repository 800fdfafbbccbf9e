/* Jobs end to end: audio/silence over REST and MCP 2026 and audio/energy on
 * speech.wav, checked against the ground truth of the generated media, each
 * billed once. Helpers and media: support/it_jobs.h. */
#include <math.h>
#include <stdlib.h>
#include "base/miq_json.h"
#include "support/it_jobs.h"

static void check_silences(const json_t *silences, const double (*truth)[2], int n,
                           const char *what)
{
    size_t i;
    IT_ASSERT_MSG(json_array_size(silences) == (size_t)n, "%s: %d silences, want %d: %s", what,
                  (int)json_array_size(silences), n, it_dump(silences));
    for (i = 0; i < json_array_size(silences) && i < (size_t)n; i++) {
        json_t *s = json_array_get(silences, i);
        double a = miq_json_num(s, "start", -1), b = miq_json_num(s, "end", -1);
        IT_ASSERT_MSG(fabs(a - truth[i][0]) <= TOL_SIL && fabs(b - truth[i][1]) <= TOL_SIL,
                      "%s silence %d: [%.3f, %.3f], want [%.3f, %.3f] +-%.0f ms", what, (int)i, a,
                      b, truth[i][0], truth[i][1], TOL_SIL * 1000);
        /* The 0.3 s pause (2.5-2.8) is under min_silence_s. */
        IT_ASSERT_MSG(!(a > 2.3 && b < 3.0), "%s: the 0.3 s pause was reported", what);
    }
}

static void test_audio_silence_rest_and_mcp(void)
{
    const char *job, *job2;
    json_t *j, *res;
    CU_ASSERT_FATAL(jt_ready());
    /* REST */
    job = jt_create_rest(jt_tok, "audio/silence", jt_upl_speech, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(job);
    j = jt_wait_rest(jt_tok, job, JOB_TIMEOUT_S);
    if (!jt_succeeded(j))
        return;
    CU_ASSERT_EQUAL(miq_json_int(j, "progress", 0), 100);
    res = jt_result_rest(jt_tok, job);
    CU_ASSERT_PTR_NOT_NULL_FATAL(res);
    check_silences(json_object_get(res, "silences"), jt_speech_truth, 4, "speech.wav REST");
    {
        double ratio = miq_json_num(res, "speech_ratio", -1);
        /* speech: 0.7-2.5, 2.8-4.5, 5.3-7.5, 9-11 = 7.7 s of 12 (the 0.3 s pause counts
         * as speech or not: 7.7/12 to 8.0/12). */
        IT_ASSERT_MSG(ratio > 0.60 && ratio < 0.70, "speech_ratio %.3f", ratio);
    }
    jt_assert_billed_once(j);
    /* MCP 2026: create_job, get_job with wait_s, get_job_result. */
    job2 = jt_create_mcp(jt_tok, "audio/silence", jt_upl_speech, "{\"min_silence_s\":0.25}");
    CU_ASSERT_PTR_NOT_NULL_FATAL(job2);
    j = jt_wait_mcp(jt_tok, job2, JOB_TIMEOUT_S);
    if (!jt_succeeded(j))
        return;
    res = jt_result_mcp(jt_tok, job2);
    CU_ASSERT_PTR_NOT_NULL_FATAL(res);
    {
        /* min_silence_s 0.25: the 0.3 s pause is now reported too. */
        static const double truth5[][2] = {
            {0, 0.7}, {2.5, 2.8}, {4.5, 5.3}, {7.5, 9.0}, {11.0, 12.0}};
        json_t *sil = json_object_get(res, "silences");
        size_t i;
        IT_ASSERT_MSG(json_array_size(sil) == 5, "min_silence_s 0.25: %s", it_dump(sil));
        for (i = 0; i < json_array_size(sil) && i < 5; i++) {
            json_t *s = json_array_get(sil, i);
            IT_ASSERT_MSG(fabs(miq_json_num(s, "start", -1) - truth5[i][0]) <= TOL_SIL &&
                              fabs(miq_json_num(s, "end", -1) - truth5[i][1]) <= TOL_SIL,
                          "silence %d: %s", (int)i, it_dump(s));
        }
    }
    jt_assert_billed_once(j);
}

static void test_audio_energy(void)
{
    const char *job;
    json_t *j, *res, *peaks, *p;
    size_t i;
    CU_ASSERT_FATAL(jt_ready());
    job = jt_create_mcp(jt_tok, "audio/energy", jt_upl_speech, "{\"window_s\":0.5,\"top_k\":5}");
    CU_ASSERT_PTR_NOT_NULL_FATAL(job);
    j = jt_wait_mcp(jt_tok, job, JOB_TIMEOUT_S);
    if (!jt_succeeded(j))
        return;
    res = jt_result_rest(jt_tok, job);
    CU_ASSERT_PTR_NOT_NULL_FATAL(res);
    IT_ASSERT_MSG(abs((int)json_array_size(json_object_get(res, "windows")) - 24) <= 1,
                  "%d windows of 0.5 s over 12 s",
                  (int)json_array_size(json_object_get(res, "windows")));
    {
        /* A -20 dBFS-ish chord 64 % of the time: between -35 and -15 LUFS. */
        double lufs = miq_json_num(res, "integrated_lufs", 0);
        IT_ASSERT_MSG(lufs > -35 && lufs < -15, "integrated_lufs %.2f", lufs);
    }
    peaks = json_object_get(res, "peaks");
    IT_ASSERT_MSG(json_array_size(peaks) >= 1 && json_array_size(peaks) <= 5, "peaks %s",
                  it_dump(peaks));
    json_array_foreach(peaks, i, p)
    {
        /* Peaks are in the bursts, never in a pause. */
        double t = miq_json_num(p, "time", -1);
        int k, in_pause = 0;
        for (k = 0; k < 4; k++)
            if (t > jt_speech_truth[k][0] + 0.3 && t < jt_speech_truth[k][1] - 0.3)
                in_pause = 1;
        IT_ASSERT_MSG(t >= 0 && t <= 12 && !in_pause, "peak at %.3f s", t);
    }
    jt_assert_billed_once(j);
}

IT_SUITE("jobs_audio", IT_TEST(test_audio_silence_rest_and_mcp), IT_TEST(test_audio_energy))
