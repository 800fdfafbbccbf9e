/* Workflows: real tasks as ordered endpoint calls, with credit formulas and
 * estimates from the live price table, and the text of their MCP prompts. */
#include <string.h>
#include <apr_strings.h>
#include "guide/miq_guide.h"
#include "base/miq_json.h"

static const miq_workflow_step podcast_steps[] = {
    {"audio/silence", "{\"min_silence_s\":0.8,\"threshold_db\":-40}",
     "Find pauses longer than 0.8 s; everything between them is speech to keep.", NULL, 0, 0},
    {"video/clips",
     "{\"clips\":[{\"start\":0,\"end\":61.2},{\"start\":62.4,\"end\":118.9}],"
     "\"mode\":\"reencode\"}",
     "Video podcasts only: cut the speech spans so they can be joined without dead air.",
     "clips = the spans between consecutive silences (shorten each silence to ~0.3 s)", 1, 0.9},
    {NULL, NULL, NULL, NULL, 0, 0}};

static const miq_workflow_step highlight_steps[] = {
    {"timeline/moments", "{\"highlights\":{\"count\":5,\"clip_s\":20}}",
     "One pass over the media: speech, silence, scene cuts, loudness peaks and ranked "
     "highlight suggestions.",
     NULL, 0, 0},
    {"video/clips",
     "{\"clips\":[{\"start\":31,\"end\":51},{\"start\":140,\"end\":160},{\"start\":305,\"end\":325}"
     ","
     "{\"start\":410,\"end\":430},{\"start\":512,\"end\":532}],\"mode\":\"reencode\"}",
     "Cut the suggested highlights into frame-accurate files.",
     "clips = result.highlights[*] {start, end} of the timeline/moments job, best first", 0, 0},
    {NULL, NULL, NULL, NULL, 0, 0}};

static const miq_workflow_step thumbs_steps[] = {
    {"video/scenes", "{\"threshold\":0.3,\"min_scene_s\":2}", "Split the video into scenes.", NULL,
     0, 0},
    {"video/frames",
     "{\"timestamps\":[4.2,17.8,35,61.5,90,122.4,150,171.3,199,240],\"width\":640,"
     "\"format\":\"jpg\"}",
     "Grab one representative frame per scene (its middle avoids transition blur).",
     "timestamps = (scene.start + scene.end) / 2 for each scene of the video/scenes job; or skip "
     "that job and "
     "use {\"at_scenes\":true} (first frame of each scene)",
     0, 0},
    {NULL, NULL, NULL, NULL, 0, 0}};

static const miq_workflow_step chapter_steps[] = {
    {"timeline/moments",
     "{\"include\":[\"silence\",\"scene\",\"speech\"],\"silence\":{\"min_silence_s\":1.5},"
     "\"scenes\":{\"min_scene_s\":30},\"highlights\":{\"count\":0}}",
     "Find long pauses and scene changes in one pass; chapter boundaries are scene cuts that "
     "fall in or next to a pause.",
     NULL, 0, 0},
    {NULL, NULL, NULL, NULL, 0, 0}};

static const miq_workflow_step loudness_steps[] = {
    {"audio/energy", "{\"window_s\":1,\"top_k\":20}",
     "Integrated loudness (EBU R128), loudness range, true peak and the loudest moments.", NULL, 0,
     0},
    {"audio/silence", "{\"min_silence_s\":2,\"threshold_db\":-60}",
     "Dropouts: near-digital silence longer than 2 s usually means a recording fault.", NULL, 0, 0},
    {NULL, NULL, NULL, NULL, 0, 0}};

static const miq_workflow_step storyboard_steps[] = {
    {"video/frames", "{\"every_s\":10,\"width\":512,\"format\":\"jpg\",\"max_frames\":500}",
     "Sample a frame every 10 s, small enough for a vision model.", NULL, 0, 0},
    {NULL, NULL, NULL, NULL, 0, 0}};

static const miq_workflow wf_podcast = {
    "podcast_silence_trim",
    "Podcast silence trimming",
    "Find dead air in a podcast or interview and cut it out.",
    "audio or video",
    "A list of silences to remove (audio: apply it in your editor or with ffmpeg) and, for "
    "video, speech-only clips ready to concatenate.",
    podcast_steps,
    "audio/silence media_minute price x started media minutes (+ video/clips "
    "reencode_output_minute price x started minutes of kept speech, video only)",
    "silence,pause,dead air,trim,podcast,interview,filler,gap,quiet,tighten"};

static const miq_workflow wf_highlights = {
    "highlight_reel",
    "Highlight reel",
    "Find the best moments of a long video and cut them into short clips.",
    "video",
    "Ranked highlight clips (signed URLs) for a reel, shorts or social posts.",
    highlight_steps,
    "timeline/moments media_minute price x started media minutes + video/clips "
    "reencode_output_minute price x started minutes of clip output (count x clip_s)",
    "highlight,reel,best,short,tiktok,reels,social,trailer,montage,sizzle,exciting,moment"};

static const miq_workflow wf_thumbs = {
    "scene_thumbnails",
    "Scene-based thumbnails",
    "One thumbnail per scene for a video player, a CMS or a shot list.",
    "video",
    "A JPEG per scene with its time, frame number and timecode.",
    thumbs_steps,
    "video/scenes media_minute price x started media minutes + video/frames frame price x "
    "number of scenes",
    "thumbnail,poster,preview,cover,storyboard,shot list,scene image"};

static const miq_workflow wf_chapters = {
    "chapter_markers",
    "Chapter markers",
    "Chapters for a lecture, webinar or long video from pauses and scene changes.",
    "audio or video",
    "Chapter start times; GET /v1/jobs/{id}/result?format=vtt gives WebVTT chapters and "
    "format=edl an edit decision list.",
    chapter_steps,
    "timeline/moments media_minute price x started media minutes",
    "chapter,chapters,lecture,webinar,course,navigation,table of contents,section,vtt"};

static const miq_workflow wf_loudness = {
    "loudness_qa",
    "Loudness QA",
    "Check a mix against a loudness target and find dropouts before publishing.",
    "audio or video",
    "Integrated LUFS vs. your target (-16 podcasts, -14 streaming, -23 EBU broadcast), true "
    "peak, the loudest moments and any dropouts.",
    loudness_steps,
    "(audio/energy + audio/silence) media_minute prices x started media minutes",
    "loudness,lufs,volume,level,qa,quality,normalize,normalise,mix,dropout,clipping,peak,r128"};

static const miq_workflow wf_storyboard = {
    "vision_storyboard",
    "Frames for a vision model",
    "Sample frames at a fixed interval to describe, search or moderate a video with a vision "
    "model.",
    "video",
    "Small JPEGs with times, to send to a vision model instead of the whole video.",
    storyboard_steps,
    "video/frames frame price x ceil(duration_s / every_s) (capped by max_frames)",
    "vision,describe,caption,search,moderat,ocr,gpt-4o,image model,visual,analy"};

static const miq_workflow *const workflows[] = {&wf_podcast,  &wf_highlights, &wf_thumbs,
                                                &wf_chapters, &wf_loudness,   &wf_storyboard};

const miq_workflow *const *miq_workflows_all(apr_size_t *n)
{
    if (n)
        *n = sizeof(workflows) / sizeof(workflows[0]);
    return workflows;
}

const miq_workflow *miq_workflow_find(const char *name)
{
    apr_size_t i, n;
    const miq_workflow *const *all = miq_workflows_all(&n);
    for (i = 0; name && i < n; i++)
        if (!strcmp(all[i]->name, name))
            return all[i];
    return NULL;
}

const char *miq_workflow_estimate(apr_pool_t *p, const miq_pricing *pr, const miq_workflow *wf,
                                  double duration_s, apr_int64_t *credits, json_t **lines)
{
    const miq_workflow_step *s;
    json_t *arr = miq_json_pool(p, json_array());
    apr_int64_t total = 0;
    int n = 0;
    for (s = wf->steps; s->endpoint; s++, n++) {
        miq_price_quote q;
        json_t *params = miq_json_parse(p, s->params, strlen(s->params), NULL);
        double d = duration_s;
        const char *err;
        if (s->output_ratio > 0 && duration_s > 0) /* output follows the media length */
            json_object_set_new(params, "clips",
                                json_pack("[{s:f,s:f}]", "start", 0.0, "end",
                                          duration_s * s->output_ratio));
        else if (s->derive) /* sample spans/timestamps, independent of the media length */
            d = 0;
        err = miq_pricing_estimate(pr, p, s->endpoint, d, params, &q);
        if (err)
            return apr_psprintf(p, "step %d (%s): %s", n + 1, s->endpoint, err);
        total += q.credits;
        json_array_append_new(arr,
                              json_pack("{s:i,s:s,s:I,s:b,s:s}", "step", n + 1, "endpoint",
                                        s->endpoint, "credits", (json_int_t)q.credits, "optional",
                                        s->optional, "text", miq_price_quote_text(p, &q)));
    }
    *credits = total;
    if (lines)
        *lines = arr;
    return NULL;
}

json_t *miq_workflow_json(apr_pool_t *p, const miq_pricing *pr, const miq_workflow *wf,
                          double duration_s)
{
    json_t *o = json_object(), *steps = json_array(), *lines = NULL;
    const miq_workflow_step *s;
    apr_int64_t credits = 0;
    const char *err;
    int n = 1;
    for (s = wf->steps; s->endpoint; s++, n++) {
        json_t *st = json_pack("{s:i,s:s,s:s,s:b}", "step", n, "endpoint", s->endpoint, "purpose",
                               s->purpose, "optional", s->optional);
        json_object_set(st, "params", miq_json_parse(p, s->params, strlen(s->params), NULL));
        if (s->derive)
            json_object_set_new(st, "derive_params", json_string(s->derive));
        json_array_append_new(steps, st);
    }
    json_object_set_new(o, "name", json_string(wf->name));
    json_object_set_new(o, "title", json_string(wf->title));
    json_object_set_new(o, "summary", json_string(wf->summary));
    json_object_set_new(o, "media", json_string(wf->media));
    json_object_set_new(o, "outcome", json_string(wf->outcome));
    json_object_set_new(o, "steps", steps);
    json_object_set_new(o, "credit_formula", json_string(wf->credit_formula));
    json_object_set_new(o, "prompt", json_string(wf->name));
    err = miq_workflow_estimate(p, pr, wf, duration_s, &credits, &lines);
    if (err)
        json_object_set_new(o, "estimate",
                            json_pack("{s:f,s:s}", "duration_s", duration_s, "error", err));
    else
        json_object_set_new(o, "estimate",
                            json_pack("{s:f,s:I,s:O}", "duration_s", duration_s, "credits",
                                      (json_int_t)credits, "lines", lines));
    return miq_json_pool(p, o);
}

const char *miq_workflow_markdown(apr_pool_t *p, const miq_pricing *pr, const miq_workflow *wf,
                                  double duration_s)
{
    const miq_workflow_step *s;
    apr_int64_t credits = 0;
    const char *err, *md;
    int n = 1;
    md = apr_psprintf(p, "### %s (`%s`)\n\n%s Media: %s.\n\n", wf->title, wf->name, wf->summary,
                      wf->media);
    for (s = wf->steps; s->endpoint; s++, n++) {
        md = apr_psprintf(p, "%s%d. %s`%s` with params `%s`: %s\n", md, n,
                          s->optional ? "(optional) " : "", s->endpoint, s->params, s->purpose);
        if (s->derive)
            md = apr_psprintf(p, "%s   - params from earlier results: %s\n", md, s->derive);
    }
    err = miq_workflow_estimate(p, pr, wf, duration_s, &credits, NULL);
    md = apr_psprintf(p, "%s\n**Outcome:** %s\n\n**Credits:** %s", md, wf->outcome,
                      wf->credit_formula);
    if (!err)
        md = apr_psprintf(p, "%s; about %" APR_INT64_T_FMT " credits for %.0f minutes of media.\n",
                          md, credits, duration_s / 60.0);
    else
        md = apr_pstrcat(p, md, ".\n", NULL);
    return md;
}

const char *miq_workflow_prompt_text(apr_pool_t *p, const miq_pricing *pr, const miq_workflow *wf,
                                     const char *media_url, double duration_s,
                                     apr_int64_t max_credits)
{
    const miq_workflow_step *s;
    const char *t, *budget = "";
    json_t *lines = NULL;
    apr_int64_t est = 0;
    int n = 2, k = 0;
    if (duration_s > 0 && miq_workflow_estimate(p, pr, wf, duration_s, &est, &lines))
        lines = NULL;
    if (max_credits > 0)
        budget = apr_psprintf(p,
                              "Budget: at most %" APR_INT64_T_FMT " credits in total; if the "
                              "estimates add up to more, stop and ask me.\n\n",
                              max_credits);
    else if (lines)
        budget = apr_psprintf(p,
                              "Expected cost: about %" APR_INT64_T_FMT " credits; confirm "
                              "with me before spending them.\n\n",
                              est);
    t = apr_psprintf(p,
                     "Use the MomentIQ tools to run the \"%s\" workflow: %s\n\nMedia: %s%s\n\n"
                     "%sSteps:\n"
                     "1. Call momentiq.create_upload with {\"source_url\": \"%s\"} (if the file "
                     "is local, call it without source_url and give me the signed upload URL "
                     "to PUT the file to). Note upload_id and duration_s.\n",
                     wf->title, wf->summary, media_url ? media_url : "(ask me for the media URL)",
                     duration_s > 0 ? apr_psprintf(p, " (about %.0f s)", duration_s) : "", budget,
                     media_url ? media_url : "<media URL>");
    for (s = wf->steps; s->endpoint; s++, n++, k++) {
        apr_int64_t c = miq_json_int(json_array_get(lines, k), "credits", -1);
        t = apr_psprintf(p,
                         "%s%d. %s%s\n   Call momentiq.estimate_cost with {\"endpoint\": "
                         "\"%s\", \"duration_s\": <from the upload>, \"params\": %s}%s, then "
                         "momentiq.create_job with endpoint \"%s\", the upload_id, the same "
                         "params, a fresh idempotency_key and max_credits set to that "
                         "estimate.\n",
                         t, n, s->optional ? "(optional) " : "", s->purpose, s->endpoint, s->params,
                         c >= 0 ? apr_psprintf(p, " (about %" APR_INT64_T_FMT " credits)", c) : "",
                         s->endpoint);
        if (s->derive)
            t = apr_psprintf(p, "%s   Build the params from the earlier result: %s.\n", t,
                             s->derive);
        t = apr_psprintf(p,
                         "%s   Then call momentiq.get_job with {\"job_id\": ..., \"wait_s\": 30} "
                         "until status is succeeded, failed or canceled, and "
                         "momentiq.get_job_result.\n",
                         t);
    }
    return apr_psprintf(p,
                        "%s%d. Summarise for me: %s Give times as HH:MM:SS and list any "
                        "output URLs (they expire; momentiq.refresh_output_urls renews them "
                        "without rerunning the job).\n\nIf a job fails, report error.code and "
                        "error.message (failed jobs are not billed). Credits formula: %s.",
                        t, n, wf->outcome, wf->credit_formula);
}
