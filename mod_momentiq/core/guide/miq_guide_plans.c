/* Integration plans that adapt to what the caller builds: endpoints chosen by
 * keywords in the goal, auth by client, steps by transport (MCP or REST),
 * cost from the price table, pitfalls for that combination. */
#include <ctype.h>
#include <string.h>
#include <apr_strings.h>
#include "guide/miq_guide.h"
#include "base/miq_json.h"
#include "base/miq_scope.h"

#define PLAN_DEFAULT_DURATION_S 600.0

typedef struct {
    const char *keywords;  /* comma-separated, matched as lowercase substrings */
    const char *endpoints; /* comma-separated */
    const char *workflow;  /* or NULL */
    const char *why;
} plan_rule;

static const plan_rule rules[] = {
    {"silence,pause,dead air,trim,quiet,gap,filler,podcast,interview,tighten", "audio/silence",
     "podcast_silence_trim", "finds pauses and dead air, and the share of speech"},
    {"loud,lufs,volume,energy,peak,applause,laugh,cheer,r128,normaliz,normalis,dropout",
     "audio/energy", "loudness_qa", "measures loudness over time and finds the loudest moments"},
    {"scene,shot,transition,edl,edit decision,storyboard", "video/scenes", NULL,
     "finds cuts and splits the video into scenes"},
    {"thumbnail,poster,cover image,preview image", "video/frames", "scene_thumbnails",
     "one still per scene (at_scenes) makes a good thumbnail set"},
    {"frame,screenshot,still,image,vision,caption,describe,moderat,ocr,visual", "video/frames",
     "vision_storyboard", "extracts still images for people or vision models"},
    {"clip,highlight,reel,short,tiktok,trailer,excerpt,montage,sizzle,viral,best moment",
     "timeline/moments,video/clips", "highlight_reel",
     "ranks highlight moments, then cuts them into files"},
    {"chapter,lecture,webinar,course,table of contents,navigation,section", "timeline/moments",
     "chapter_markers", "pauses plus scene changes give chapter boundaries"},
    {"timeline,moment,index,summar,search,interesting,key point,everything,analy",
     "timeline/moments", NULL, "merges speech, silence, scenes and peaks in one pass"},
};
#define N_RULES (sizeof(rules) / sizeof(rules[0]))

/* Pipeline order: analyses first, then what consumes their results. */
static const char *const pipeline[] = {"audio/silence",    "audio/energy", "video/scenes",
                                       "timeline/moments", "video/frames", "video/clips"};
#define N_PIPE (sizeof(pipeline) / sizeof(pipeline[0]))

static const char *const clients[] = {"chatgpt", "claude", "cursor", "backend", "other", NULL};

static int in_list(const char *const *list, const char *v)
{
    int i;
    for (i = 0; v && list[i]; i++)
        if (!strcmp(list[i], v))
            return 1;
    return 0;
}

static char *lowercase(apr_pool_t *p, const char *s)
{
    char *o = apr_pstrdup(p, s), *c;
    for (c = o; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    return o;
}

static int pipe_index(const char *ep)
{
    apr_size_t i;
    for (i = 0; i < N_PIPE; i++)
        if (!strcmp(pipeline[i], ep))
            return (int)i;
    return -1;
}

static json_t *step(int n, const char *title, const char *detail)
{
    return json_pack("{s:i,s:s,s:s}", "step", n, "title", title, "detail", detail);
}

/* The params a plan suggests for an endpoint, given the others chosen;
 * at_scenes: frames are wanted one per scene. */
static json_t *plan_params(apr_pool_t *p, const miq_endpoint *e, const int *chosen, int at_scenes)
{
    if (!strcmp(e->name, "video/clips") && chosen[pipe_index("timeline/moments")])
        return miq_json_packp(p, "{s:[{s:i,s:i},{s:i,s:i},{s:i,s:i},{s:i,s:i},{s:i,s:i}],s:s}",
                              "clips", "start", 31, "end", 51, "start", 140, "end", 160, "start",
                              305, "end", 325, "start", 410, "end", 430, "start", 512, "end", 532,
                              "mode", "reencode");
    if (!strcmp(e->name, "video/frames") && (at_scenes || chosen[pipe_index("video/scenes")]))
        return miq_json_packp(p, "{s:b,s:i,s:i}", "at_scenes", 1, "max_frames", 60, "width", 640);
    return miq_endpoints_example_params(p, e);
}

static const char *derive_note(const miq_endpoint *e, const int *chosen, int at_scenes)
{
    if (!strcmp(e->name, "video/clips") && chosen[pipe_index("timeline/moments")])
        return "after timeline/moments succeeds: clips = its result.highlights {start, end}";
    if (!strcmp(e->name, "video/clips"))
        return "clips = the spans you want, computed from the earlier results";
    if (!strcmp(e->name, "video/frames") && (at_scenes || chosen[pipe_index("video/scenes")]))
        return "at_scenes:true grabs each scene's first frame in the same pass; or use "
               "timestamps = scene midpoints from video/scenes";
    return NULL;
}

typedef struct {
    const char *method, *how, *header;
} plan_auth;

static plan_auth choose_auth(apr_pool_t *p, const char *client, const char *base,
                             const char *scopes)
{
    plan_auth a;
    const char *oauth = apr_psprintf(
        p,
        "add %s/mcp as a custom connector with OAuth; the user signs in on the MomentIQ "
        "consent screen and approves the scopes %s (metadata: "
        "%s/.well-known/oauth-protected-resource). Tokens are scoped connector tokens that "
        "refresh automatically and can be revoked in the dashboard.",
        base, scopes, base);
    if (!strcmp(client, "chatgpt") || !strcmp(client, "claude")) {
        a.method = "oauth_connector";
        a.how = apr_pstrcat(p,
                            !strcmp(client, "chatgpt")
                                ? "In ChatGPT (Settings > Apps & Connectors, developer mode), "
                                : "In Claude (Settings > Connectors > Add custom connector), ",
                            oauth, NULL);
        a.header = "set by the client after OAuth";
    }
    else if (!strcmp(client, "backend")) {
        a.method = "api_key";
        a.how = apr_psprintf(p,
                             "Create an API key (miq_live_...) in %s/dashboard/ and keep it in a "
                             "secret store or the MOMENTIQ_API_KEY environment variable; it is "
                             "shown once and can be revoked.",
                             base);
        a.header = "Authorization: Bearer miq_live_...";
    }
    else {
        a.method = "connector_token";
        a.how = apr_psprintf(p,
                             "Create a connector token in %s/dashboard/ (POST "
                             "/api/dashboard/connectors {\"name\",\"scopes\":[%s]}); the secret "
                             "miq_conn_... is shown once. Put it in the client's MCP config as "
                             "a header for %s/mcp, or use OAuth if the client supports MCP "
                             "authorization.",
                             base, scopes, base);
        a.header = "Authorization: Bearer miq_conn_...";
    }
    return a;
}

const char *miq_plan_integration(apr_pool_t *p, const char *base_url, const miq_pricing *pr,
                                 const miq_plan_request *req, json_t **plan)
{
    int chosen[N_PIPE] = {0}, n, mcp, any_video = 0, best_hits = 0, at_scenes = 0;
    const char *base = miq_guide_base(p, base_url), *client = req->client;
    const char *platform = req->platform, *workflow = NULL, *scopes = "", *lang;
    char *goal;
    double duration = req->duration_s > 0 ? req->duration_s : PLAN_DEFAULT_DURATION_S;
    json_t *out, *eps, *steps, *pit, *matched, *costs;
    apr_int64_t per_item = 0;
    unsigned scope_bits = 0;
    apr_size_t i;
    plan_auth auth;

    if (!req->goal || !*req->goal)
        return "goal is required: describe what you are building in a sentence";
    if (client && !in_list(clients, client))
        return apr_psprintf(p, "unknown client '%s' (chatgpt, claude, cursor, backend, other)",
                            client);
    if (platform && !miq_example_language_known(platform))
        return apr_psprintf(p, "unknown platform '%s' (python, javascript, curl, mcp)", platform);
    if (req->media && strcmp(req->media, "audio") && strcmp(req->media, "video"))
        return apr_psprintf(p, "unknown media '%s' (audio, video)", req->media);
    if (!client)
        client = platform && !strcmp(platform, "mcp") ? "other" : "backend";
    mcp = strcmp(client, "backend") || (platform && !strcmp(platform, "mcp"));
    lang = platform ? platform : (mcp ? "mcp" : "python");

    out = miq_json_pool(p, json_object());
    pit = json_array();
    matched = json_array();
    json_object_set_new(out, "pitfalls", pit);
    json_object_set_new(out, "matched_keywords", matched);

    /* endpoints by keyword */
    goal = lowercase(p, req->goal);
    for (i = 0; i < N_RULES; i++) {
        char *kw = apr_pstrdup(p, rules[i].keywords), *tok, *last;
        int hits = 0;
        for (tok = apr_strtok(kw, ",", &last); tok; tok = apr_strtok(NULL, ",", &last))
            if (strstr(goal, tok)) {
                json_array_append_new(matched, json_string(tok));
                hits++;
            }
        if (hits) {
            char *eplist = apr_pstrdup(p, rules[i].endpoints);
            for (tok = apr_strtok(eplist, ",", &last); tok; tok = apr_strtok(NULL, ",", &last))
                chosen[pipe_index(tok)] = 1;
            /* the workflow of the rule the goal talks about most */
            if (rules[i].workflow && hits > best_hits) {
                workflow = rules[i].workflow;
                best_hits = hits;
            }
            at_scenes |= rules[i].workflow && !strcmp(rules[i].workflow, "scene_thumbnails");
        }
    }
    if (req->media && !strcmp(req->media, "audio")) {
        for (i = 0; i < N_PIPE; i++)
            if (chosen[i] && !strncmp(pipeline[i], "video/", 6)) {
                chosen[i] = 0;
                json_array_append_new(
                    pit, json_sprintf("%s needs a video stream, so it was left out for audio "
                                      "media; audio highlights can be cut by time in your own "
                                      "editor.",
                                      pipeline[i]));
            }
        if (workflow && !strcmp(miq_workflow_find(workflow)->media, "video"))
            workflow = NULL;
    }
    for (i = 0, n = 0; i < N_PIPE; i++)
        n += chosen[i];
    if (!n) {
        chosen[pipe_index("timeline/moments")] = 1;
        json_array_append_new(pit,
                              json_string("The goal names no specific analysis, so the plan uses "
                                          "timeline/moments: speech, silence, scenes and peaks in "
                                          "one pass. Refine the goal to narrow it down."));
    }

    /* endpoints, scopes, cost */
    eps = json_array();
    costs = json_array();
    for (i = 0; i < N_PIPE; i++) {
        const miq_endpoint *e;
        const plan_rule *r = NULL;
        apr_size_t k;
        json_t *params, *ej;
        miq_price_quote q;
        const char *err, *note;
        if (!chosen[i])
            continue;
        e = miq_endpoints_find(pipeline[i]);
        for (k = 0; k < N_RULES && !r; k++)
            if (strstr(rules[k].endpoints, e->name))
                r = &rules[k];
        scope_bits |= e->scope;
        any_video |= !strncmp(e->name, "video/", 6);
        params = plan_params(p, e, chosen, at_scenes);
        note = derive_note(e, chosen, at_scenes);
        ej = json_pack("{s:s,s:s,s:s,s:O}", "endpoint", e->name, "why", r ? r->why : e->summary,
                       "scope", miq_scope_format(p, e->scope), "params", params);
        if (note)
            json_object_set_new(ej, "derive_params", json_string(note));
        json_array_append_new(eps, ej);
        err = miq_pricing_estimate(pr, p, e->name, strcmp(e->name, "video/clips") ? duration : 0,
                                   params, &q);
        if (err)
            return apr_psprintf(p, "pricing %s: %s", e->name, err);
        per_item += q.credits;
        json_array_append_new(costs, json_pack("{s:s,s:I,s:s}", "endpoint", e->name, "credits",
                                               (json_int_t)q.credits, "text",
                                               miq_price_quote_text(p, &q)));
    }
    scopes = miq_scope_format(p, scope_bits);
    auth = choose_auth(p, client, base, scopes);

    /* ordered steps */
    steps = json_array();
    n = 1;
    json_array_append_new(steps, step(n++, mcp ? "Connect" : "Authenticate", auth.how));
    json_array_append_new(
        steps, step(n++, "Check the account",
                    mcp ? "Call momentiq.get_account: balance_credits, monthly_spend_cap_credits "
                          "and readiness_warnings (billing_required means free credits are "
                          "spent and billing is not set up)."
                        : apr_psprintf(p,
                                       "GET %s/v1/account: balance_credits, "
                                       "monthly_spend_cap_credits, readiness_warnings.",
                                       base)));
    json_array_append_new(
        steps, step(n++, "Upload the media",
                    mcp ? "Call momentiq.create_upload with {\"source_url\"} to import, or "
                          "without it to get a short-lived signed upload URL for the user's "
                          "file (media bytes never travel inside MCP). Keep upload_id and "
                          "duration_s."
                        : apr_psprintf(p,
                                       "POST %s/v1/uploads?filename=NAME with the raw bytes "
                                       "streamed as the body (or {\"source_url\"}); keep "
                                       "upload_id and duration_s.",
                                       base)));
    {
        size_t k;
        json_t *ej;
        json_array_foreach(eps, k, ej)
        {
            const char *ep = miq_json_str(ej, "endpoint", ""), *note;
            const char *params = miq_endpoints_json(p, json_object_get(ej, "params"), 0);
            note = miq_json_str(ej, "derive_params", NULL);
            json_array_append_new(
                steps,
                step(n++, apr_psprintf(p, "Run %s", ep),
                     apr_psprintf(p,
                                  "%s with {\"endpoint\":\"%s\",\"upload_id\":...,\"params\":%s}, "
                                  "then %s with the same fields plus a fresh idempotency_key "
                                  "(reused on retries) and max_credits = the estimate.%s%s",
                                  mcp ? "Call momentiq.estimate_cost"
                                      : apr_psprintf(p, "POST %s/v1/estimate", base),
                                  ep, params,
                                  mcp ? "momentiq.create_job"
                                      : apr_psprintf(p, "POST %s/v1/jobs", base),
                                  note ? " Params: " : "", note ? note : "")));
        }
    }
    json_array_append_new(
        steps,
        step(n++, "Wait for each job",
             mcp ? "Call momentiq.get_job {\"job_id\", \"wait_s\": 30} and repeat until status "
                   "is succeeded, failed or canceled (each call returns within 45 s)."
                 : apr_psprintf(p,
                                "GET %s/v1/jobs/{id} every 2-5 s (back off on long media) "
                                "until status is succeeded, failed or canceled%s.",
                                base,
                                strcmp(client, "backend")
                                    ? ""
                                    : "; at volume, register a webhook for signed "
                                      "job-finished events instead of polling")));
    json_array_append_new(
        steps,
        step(n++, "Read the results",
             mcp ? "Call momentiq.get_job_result; lists are named silences, peaks, cuts, scenes, "
                   "frames, clips, segments, highlights; times in seconds."
                 : apr_psprintf(
                       p,
                       "GET %s/v1/jobs/{id}/result (JSON), or ?format=vtt|csv|edl|fcpxml|otio "
                       "for chapters, spreadsheets and editors.",
                       base)));
    if (chosen[pipe_index("video/frames")] || chosen[pipe_index("video/clips")])
        json_array_append_new(
            steps, step(n++, "Keep output URLs fresh",
                        mcp ? "Frame and clip URLs are signed and expire: call "
                              "momentiq.refresh_output_urls instead of rerunning the job."
                            : "Frame and clip URLs are signed and expire: POST "
                              "/v1/jobs/{id}/outputs/refresh instead of rerunning the job."));

    /* pitfalls for this combination */
    json_array_append_new(pit, json_string("Estimate first and pass max_credits; reuse the "
                                           "idempotency_key when retrying a create (other params "
                                           "with the same key give conflict)."));
    json_array_append_new(pit, json_string("Failed jobs (bad or empty media, no audio for an "
                                           "audio endpoint: unsupported_media) are not billed; "
                                           "show error.message to the user."));
    if (mcp)
        json_array_append_new(pit, json_string("Clients time tool calls out around 60 s: never "
                                               "wait inside one call; loop momentiq.get_job with "
                                               "wait_s <= 45."));
    if (!strcmp(client, "chatgpt") || !strcmp(client, "claude"))
        json_array_append_new(pit, json_sprintf("If a call returns connector_scope_denied, the "
                                                "user approved too narrow a scope; reconnect "
                                                "and grant %s.",
                                                scopes));
    if (!strcmp(client, "backend"))
        json_array_append_new(pit, json_string("Keep the miq_live_ key server-side; honour "
                                               "Retry-After on rate_limited; set a monthly spend "
                                               "cap in the dashboard."));
    if (!strcmp(lang, "javascript") && !mcp)
        json_array_append_new(pit, json_string("Do not call /v1 from a browser with the API "
                                               "key; proxy through your server."));
    if (mcp && strcmp(lang, "mcp"))
        json_array_append_new(pit, json_sprintf("%s talks MCP; the %s example is for your own "
                                                "server calling /v1 with an API key.",
                                                client, lang));
    if (chosen[pipe_index("video/clips")])
        json_array_append_new(pit, json_string("video/clips mode copy cuts on keyframes "
                                               "(actual_start may be early); use reencode for "
                                               "frame-accurate clips."));
    if (any_video && !req->media)
        json_array_append_new(pit, json_string("video/* endpoints need a video stream; audio-only "
                                               "files fail with unsupported_media (not billed)."));
    if (req->items_per_month > 0 && per_item * req->items_per_month > 10000)
        json_array_append_new(pit, json_string("At this volume set a monthly spend cap and "
                                               "usage alerts, and use webhooks or batched "
                                               "polling."));

    json_object_set_new(out, "goal", json_string(req->goal));
    json_object_set_new(out, "client", json_string(client));
    json_object_set_new(out, "platform", json_string(lang));
    json_object_set_new(out, "transport", json_string(mcp ? "mcp" : "rest"));
    json_object_set_new(out, "media",
                        json_string(req->media  ? req->media
                                    : any_video ? "video"
                                                : "audio or video"));
    json_object_set_new(out, "endpoints", eps);
    if (workflow)
        json_object_set_new(out, "workflow", json_string(workflow));
    json_object_set_new(out, "auth",
                        json_pack("{s:s,s:s,s:s,s:s}", "method", auth.method, "scopes", scopes,
                                  "header", auth.header, "how", auth.how));
    json_object_set_new(out, "mcp_url", json_string(apr_pstrcat(p, base, "/mcp", NULL)));
    json_object_set_new(out, "api_base", json_string(apr_pstrcat(p, base, "/v1", NULL)));
    json_object_set_new(out, "steps", steps);
    json_object_set_new(out, "cost",
                        json_pack("{s:f,s:I,s:o}", "duration_s", duration, "per_item_credits",
                                  (json_int_t)per_item, "breakdown", costs));
    if (req->items_per_month > 0) {
        json_object_set_new(json_object_get(out, "cost"), "items_per_month",
                            json_integer(req->items_per_month));
        json_object_set_new(json_object_get(out, "cost"), "per_month_credits",
                            json_integer(per_item * req->items_per_month));
    }
    {
        const char *ep = miq_json_str(json_array_get(eps, 0), "endpoint", "timeline/moments");
        json_object_set_new(out, "code_example",
                            json_pack("{s:s,s:s,s:s}", "language", lang, "endpoint", ep, "code",
                                      miq_code_example(p, base, pr, miq_endpoints_find(ep), lang)));
    }
    *plan = out;
    return NULL;
}

static const char *fence_lang(const char *lang)
{
    return !strcmp(lang, "curl") ? "bash" : !strcmp(lang, "mcp") ? "text" : lang;
}

const char *miq_plan_markdown(apr_pool_t *p, const json_t *plan)
{
    const json_t *auth = json_object_get(plan, "auth"), *cost = json_object_get(plan, "cost");
    const json_t *code = json_object_get(plan, "code_example"), *x;
    const char *md;
    size_t i;
    md = apr_psprintf(p,
                      "# Integration plan\n\n**Goal:** %s\n\n**Client:** %s, **platform:** %s, "
                      "**transport:** %s, **media:** %s\n\n## Endpoints\n\n",
                      miq_json_str(plan, "goal", ""), miq_json_str(plan, "client", ""),
                      miq_json_str(plan, "platform", ""), miq_json_str(plan, "transport", ""),
                      miq_json_str(plan, "media", ""));
    json_array_foreach(json_object_get(plan, "endpoints"), i, x)
        md = apr_psprintf(p, "%s- `%s` (scope `%s`): %s. Params: `%s`\n", md,
                          miq_json_str(x, "endpoint", ""), miq_json_str(x, "scope", ""),
                          miq_json_str(x, "why", ""),
                          miq_endpoints_json(p, json_object_get(x, "params"), 0));
    if (json_object_get(plan, "workflow"))
        md = apr_psprintf(p, "%s\nMatching workflow: `%s` (also an MCP prompt).\n", md,
                          miq_json_str(plan, "workflow", ""));
    md = apr_psprintf(p, "%s\n## Auth: %s\n\n%s\n\nHeader: `%s`; scopes: `%s`\n\n## Steps\n\n", md,
                      miq_json_str(auth, "method", ""), miq_json_str(auth, "how", ""),
                      miq_json_str(auth, "header", ""), miq_json_str(auth, "scopes", ""));
    json_array_foreach(json_object_get(plan, "steps"), i, x)
        md = apr_psprintf(p, "%s%d. **%s**: %s\n", md, (int)miq_json_int(x, "step", 0),
                          miq_json_str(x, "title", ""), miq_json_str(x, "detail", ""));
    md = apr_psprintf(p, "%s\n## Cost\n\nAbout **%" APR_INT64_T_FMT " credits** per %.0f s item",
                      md, (apr_int64_t)miq_json_int(cost, "per_item_credits", 0),
                      miq_json_num(cost, "duration_s", 0));
    if (json_object_get(cost, "per_month_credits"))
        md = apr_psprintf(p,
                          "%s, **%" APR_INT64_T_FMT " credits** per month for %" APR_INT64_T_FMT
                          " items",
                          md, (apr_int64_t)miq_json_int(cost, "per_month_credits", 0),
                          (apr_int64_t)miq_json_int(cost, "items_per_month", 0));
    md = apr_pstrcat(p, md, ":\n\n", NULL);
    json_array_foreach(json_object_get(cost, "breakdown"), i, x)
        md = apr_psprintf(p, "%s- `%s`: %s\n", md, miq_json_str(x, "endpoint", ""),
                          miq_json_str(x, "text", ""));
    md = apr_pstrcat(p, md, "\n## Pitfalls\n\n", NULL);
    json_array_foreach(json_object_get(plan, "pitfalls"), i, x)
        md = apr_psprintf(p, "%s- %s\n", md, json_string_value(x));
    return apr_psprintf(p, "%s\n## Example (%s, %s)\n\n```%s\n%s```\n", md,
                        miq_json_str(code, "endpoint", ""), miq_json_str(code, "language", ""),
                        fence_lang(miq_json_str(code, "language", "text")),
                        miq_json_str(code, "code", ""));
}
