/* The agent guide, integration plans and the template helpers. */
#include <ctype.h>
#include <string.h>
#include <apr_strings.h>
#include "guide/miq_guide.h"
#include "base/miq_json.h"
#include "base/miq_scope.h"
#include "base/miq_text.h"

#define DEFAULT_BASE            "https://api.momentiq.dev"
#define PLAN_DEFAULT_DURATION_S 600.0

const char *miq_guide_fill(apr_pool_t *p, const char *tmpl, const char *const *kv)
{
    const char *out = "", *s = tmpl, *open;
    while ((open = strstr(s, "{{"))) {
        const char *close = strstr(open + 2, "}}"), *val = NULL;
        int i;
        if (!close)
            break;
        for (i = 0; kv[i] && kv[i + 1]; i += 2)
            if (strlen(kv[i]) == (size_t)(close - open - 2) &&
                !strncmp(kv[i], open + 2, close - open - 2))
                val = kv[i + 1];
        out = apr_pstrcat(p, out, apr_pstrndup(p, s, open - s),
                          val ? val : apr_pstrndup(p, open, close + 2 - open), NULL);
        s = close + 2;
    }
    return apr_pstrcat(p, out, s, NULL);
}

const char *miq_guide_base(apr_pool_t *p, const char *base_url)
{
    apr_size_t n;
    if (!base_url || !*base_url)
        return DEFAULT_BASE;
    n = strlen(base_url);
    while (n > 1 && base_url[n - 1] == '/')
        n--;
    return apr_pstrndup(p, base_url, n);
}

/* ---- guide ---- */

static const char guide_tmpl[] =
    "# MomentIQ agent guide\n\n"
    "MomentIQ finds timestamped moments in video and audio: silences, loudness and peaks, scene "
    "cuts, frames, clips and a merged moment timeline. Every time is in seconds (millisecond "
    "precision); video results add frame numbers and SMPTE timecodes; every detection names its "
    "detector, its parameters and a score. Results are deterministic for the same media and "
    "params.\n\n"
    "- MCP server: `{{BASE}}/mcp` (Streamable HTTP; protocol 2025-03-26 to 2026-07-28)\n"
    "- REST API: `{{BASE}}/v1`, described by `{{BASE}}/v1/openapi.json` (OpenAPI 3.1)\n"
    "- Dashboard (keys, connector tokens, credits, spend cap): `{{BASE}}/dashboard/`\n\n"
    "## Auth\n\n"
    "- **Public tools need no auth and never spend credits:** `momentiq.get_agent_guide`, "
    "`momentiq.list_endpoints`, `momentiq.get_endpoint_schema`, `momentiq.estimate_cost`, "
    "`momentiq.list_workflows`, `momentiq.plan_integration`, `momentiq.get_code_example`.\n"
    "- **ChatGPT, Claude and other connector clients** sign in with OAuth 2.1 (authorization "
    "code + PKCE): add `{{BASE}}/mcp` as a connector; the user approves a scope on the MomentIQ "
    "consent screen. Metadata: `{{BASE}}/.well-known/oauth-protected-resource`.\n"
    "- **Cursor, scripts and private testing** can use a connector token `miq_conn_...` "
    "created in the dashboard, sent as `Authorization: Bearer miq_conn_...`.\n"
    "- **Backends calling `/v1`** use an API key `miq_live_...` as `Authorization: Bearer "
    "...`. Keep it server-side.\n"
    "- Scopes: `all`, `audio/*`, `video/*`, `timeline/*`. `audio/silence` needs `all` or "
    "`audio/*`. A missing scope gives `connector_scope_denied`; a revoked or unknown token "
    "gives `invalid_api_key` (HTTP 401).\n\n"
    "## Flow: upload, estimate, job, poll, result\n\n"
    "1. **Upload**: `POST {{BASE}}/v1/uploads?filename=NAME` with the raw bytes as the body, "
    "or `{\"source_url\": ...}` to import; over MCP `momentiq.create_upload` imports a URL or "
    "returns a short-lived signed upload URL (media bytes never travel inside MCP). You get "
    "`upload_id` and the probed `duration_s`.\n"
    "2. **Estimate**: `POST {{BASE}}/v1/estimate` or `momentiq.estimate_cost` with `endpoint`, "
    "`upload_id` or `duration_s`, and `params`. Free.\n"
    "3. **Job**: `POST {{BASE}}/v1/jobs` or `momentiq.create_job` with `endpoint`, "
    "`upload_id`, `params`, an `idempotency_key` (reuse it on retry) and `max_credits` (the "
    "job is refused if it would cost more). Credits are reserved now, charged on success, "
    "released on failure or cancel.\n"
    "4. **Poll**: `GET {{BASE}}/v1/jobs/{id}` or `momentiq.get_job` with `wait_s` <= 45 (so a "
    "60 s tool timeout is never hit) until `status` is `succeeded`, `failed` or `canceled`; "
    "`progress` goes 0-100. Backends can use signed webhooks instead.\n"
    "5. **Result**: `GET {{BASE}}/v1/jobs/{id}/result` or `momentiq.get_job_result`; "
    "`?format=vtt|csv|edl|fcpxml|otio` for WebVTT chapters, CSV, CMX3600 EDL, Final Cut Pro "
    "XML and OpenTimelineIO. Output file URLs are "
    "signed and expire: refresh them with `POST /v1/jobs/{id}/outputs/refresh` or "
    "`momentiq.refresh_output_urls` (never reruns the job).\n\n"
    "## Endpoints\n\n"
    "{{ENDPOINTS}}\n"
    "Full params and result schemas: `momentiq.get_endpoint_schema` or the resource "
    "`momentiq://endpoints/{endpoint}/schema`.\n\n"
    "## Credits\n\n"
    "{{PRICES}}\n"
    "New accounts get free credits. Failed jobs (bad, empty or truncated media, no audio for an "
    "audio endpoint) are never billed. A monthly spend cap and usage alerts (50/80/100 % by "
    "default) protect the account.\n\n"
    "## Limits\n\n"
    "- Media up to {{MAXDUR}} hours per job; upload size capped by the server.\n"
    "- `video/frames`: up to 1000 timestamps or `max_frames` (<= 5000) frames; "
    "`video/clips`: up to 100 clips per job.\n"
    "- `momentiq.get_job` waits at most 45 s per call. Rate limits answer `rate_limited` "
    "with `Retry-After`.\n"
    "- Uploads and outputs expire after the retention period; deleting an upload deletes its "
    "outputs.\n\n"
    "## Errors\n\n"
    "Every error is `{\"error\":{\"code\",\"message\"}}`; over MCP, tool errors are `isError` "
    "results with the same object.\n\n"
    "| code | HTTP | when |\n|---|---|---|\n{{ERRORS}}\n"
    "## Tips for agents\n\n"
    "- Not sure which endpoint? `timeline/moments` gives speech, silence, scenes, peaks and "
    "highlight suggestions in one pass.\n"
    "- Always estimate and show the user the credits before `create_job`; pass `max_credits`.\n"
    "- Ready-made recipes: `momentiq.list_workflows` (also MCP prompts). Tailored steps and "
    "code for a project: `momentiq.plan_integration` and `momentiq.get_code_example`.\n";

const char *miq_guide_markdown(apr_pool_t *p, const char *base_url, const miq_pricing *pr)
{
    const char *eps = "", *errs = "", *kv[16];
    const miq_endpoint *const *all;
    const miq_error_code *ec;
    json_t *table = miq_pricing_table_json(p, pr);
    apr_size_t i, n;
    all = miq_endpoints_all(&n);
    for (i = 0; i < n; i++)
        eps = apr_psprintf(p, "%s- `%s` (%s; scope `%s`): %s\n", eps, all[i]->name, all[i]->media,
                           miq_scope_format(p, all[i]->scope), all[i]->summary);
    for (ec = miq_endpoints_error_codes; ec->code; ec++)
        errs = apr_psprintf(p, "%s| `%s` | %d | %s |\n", errs, ec->code, ec->http_status, ec->when);
    kv[0] = "BASE", kv[1] = miq_guide_base(p, base_url);
    kv[2] = "ENDPOINTS", kv[3] = eps;
    kv[4] = "PRICES", kv[5] = miq_pricing_table_markdown(p, pr);
    kv[6] = "ERRORS", kv[7] = errs;
    kv[8] = "MAXDUR", kv[9] = miq_text_num(p, miq_json_num(table, "max_duration_s", 0) / 3600.0);
    kv[10] = NULL;
    return miq_guide_fill(p, guide_tmpl, kv);
}
