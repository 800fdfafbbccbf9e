/* Code examples for every endpoint in curl, Python, JavaScript and MCP,
 * built from one template per language with the endpoint's sample params.
 * Wire names follow SPEC §2: POST /v1/uploads?filename=, POST /v1/estimate,
 * POST /v1/jobs {endpoint, upload_id, params, idempotency_key, max_credits},
 * GET /v1/jobs/{id}, GET /v1/jobs/{id}/result. */
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include "guide/miq_guide.h"
#include "base/miq_json.h"

#define EXAMPLE_DURATION_S 600.0

const char *const miq_example_languages[] = {"curl", "python", "javascript", "mcp", NULL};

int miq_example_language_known(const char *language)
{
    int i;
    for (i = 0; language && miq_example_languages[i]; i++)
        if (!strcmp(language, miq_example_languages[i]))
            return 1;
    return 0;
}

static const char curl_tmpl[] =
    "# {{TITLE}} ({{ENDPOINT}}) with curl and jq\n"
    "# Every call, field and error code: {{BASE}}/v1/openapi.json (OpenAPI 3.1)\n"
    "BASE={{BASE}}\n"
    "KEY=miq_live_...   # API key from $BASE/dashboard/ (never commit it)\n"
    "IDEM=$(uuidgen)    # one key per logical job: reuse it when you retry the POST\n"
    "\n"
    "# 1. Upload the media: raw bytes as the body (streamed from disk)\n"
    "UPLOAD_ID=$(curl -sS -X POST \"$BASE/v1/uploads?filename={{FILE}}\" \\\n"
    "  -H \"Authorization: Bearer $KEY\" -H \"Content-Type: application/octet-stream\" \\\n"
    "  --data-binary @{{FILE}} | jq -r .upload_id)\n"
    "\n"
    "# 2. Estimate the cost (never spends credits)\n"
    "CREDITS=$(curl -sS -X POST \"$BASE/v1/estimate\" \\\n"
    "  -H \"Authorization: Bearer $KEY\" -H \"Content-Type: application/json\" \\\n"
    "  -d '{\"endpoint\":\"{{ENDPOINT}}\",\"upload_id\":\"'\"$UPLOAD_ID\"'\","
    "\"params\":{{PARAMS}}}' | jq .credits)\n"
    "\n"
    "# 3. Create the job, refusing to spend more than the estimate\n"
    "JOB_ID=$(curl -sS -X POST \"$BASE/v1/jobs\" \\\n"
    "  -H \"Authorization: Bearer $KEY\" -H \"Content-Type: application/json\" \\\n"
    "  -d '{\"endpoint\":\"{{ENDPOINT}}\",\"upload_id\":\"'\"$UPLOAD_ID\"'\","
    "\"params\":{{PARAMS}},\"idempotency_key\":\"'\"$IDEM\"'\","
    "\"max_credits\":'\"$CREDITS\"'}' | jq -r .job_id)\n"
    "\n"
    "# 4. Poll until the job is final (queued -> running -> succeeded | failed | canceled)\n"
    "while :; do\n"
    "  STATUS=$(curl -sS \"$BASE/v1/jobs/$JOB_ID\" -H \"Authorization: Bearer $KEY\" "
    "| jq -r .status)\n"
    "  case \"$STATUS\" in succeeded|failed|canceled) break ;; esac\n"
    "  sleep 3\n"
    "done\n"
    "\n"
    "# 5. Fetch the result ({{LISTS}}); ?format=vtt|csv|edl|fcpxml|otio gives other formats\n"
    "curl -sS \"$BASE/v1/jobs/$JOB_ID/result\" -H \"Authorization: Bearer $KEY\" "
    "| jq '.{{LIST1}}'\n";

static const char python_tmpl[] =
    "\"\"\"{{TITLE}} ({{ENDPOINT}}) with Python and requests.\n"
    "\n"
    "Every call, field and error code: {{BASE}}/v1/openapi.json (OpenAPI 3.1).\"\"\"\n"
    "import os\n"
    "import time\n"
    "import uuid\n"
    "\n"
    "import requests\n"
    "\n"
    "BASE = \"{{BASE}}\"\n"
    "HEADERS = {\"Authorization\": f\"Bearer {os.environ['MOMENTIQ_API_KEY']}\"}  "
    "# miq_live_..., server-side only\n"
    "\n"
    "\n"
    "def check(resp):\n"
    "    if resp.status_code >= 400:\n"
    "        err = resp.json()[\"error\"]  # {code, message}: billing_required, ...\n"
    "        raise RuntimeError(f\"{err['code']}: {err['message']}\")\n"
    "    return resp.json()\n"
    "\n"
    "\n"
    "# 1. Upload the media: raw bytes, streamed from disk\n"
    "with open(\"{{FILE}}\", \"rb\") as f:\n"
    "    upload = check(requests.post(f\"{BASE}/v1/uploads\", params={\"filename\": "
    "\"{{FILE}}\"},\n"
    "                                 data=f, headers=HEADERS, timeout=600))\n"
    "print(\"duration_s:\", upload[\"duration_s\"])\n"
    "\n"
    "params = {{PARAMS_PY}}\n"
    "\n"
    "# 2. Estimate (never spends credits), 3. create the job with a credit guard\n"
    "estimate = check(requests.post(f\"{BASE}/v1/estimate\", headers=HEADERS, timeout=30, json={\n"
    "    \"endpoint\": \"{{ENDPOINT}}\", \"upload_id\": upload[\"upload_id\"], "
    "\"params\": params}))\n"
    "idempotency_key = str(uuid.uuid4())  # reuse it if you retry the POST\n"
    "job = check(requests.post(f\"{BASE}/v1/jobs\", headers=HEADERS, timeout=30, json={\n"
    "    \"endpoint\": \"{{ENDPOINT}}\",\n"
    "    \"upload_id\": upload[\"upload_id\"],\n"
    "    \"params\": params,\n"
    "    \"idempotency_key\": idempotency_key,\n"
    "    \"max_credits\": estimate[\"credits\"],\n"
    "}))\n"
    "job_id = job[\"job_id\"]\n"
    "\n"
    "# 4. Poll until final\n"
    "while True:\n"
    "    job = check(requests.get(f\"{BASE}/v1/jobs/{job_id}\", headers=HEADERS, timeout=30))\n"
    "    if job[\"status\"] in (\"succeeded\", \"failed\", \"canceled\"):\n"
    "        break\n"
    "    time.sleep(3)\n"
    "if job[\"status\"] != \"succeeded\":\n"
    "    raise RuntimeError(job.get(\"error\"))  # failed jobs are not billed\n"
    "\n"
    "# 5. Result: {{LISTS}}\n"
    "result = check(requests.get(f\"{BASE}/v1/jobs/{job_id}/result\", headers=HEADERS, "
    "timeout=60))\n"
    "for item in result[\"{{LIST1}}\"]:\n"
    "    print(item)\n";

static const char javascript_tmpl[] =
    "// {{TITLE}} ({{ENDPOINT}}) with Node.js 20+ (built-in fetch), as an ES module.\n"
    "// Every call, field and error code: {{BASE}}/v1/openapi.json (OpenAPI 3.1)\n"
    "// Keep the API key on your server; browsers should call your backend instead.\n"
    "import { openAsBlob } from \"node:fs\";\n"
    "import { randomUUID } from \"node:crypto\";\n"
    "\n"
    "const BASE = \"{{BASE}}\";\n"
    "const KEY = process.env.MOMENTIQ_API_KEY; // miq_live_...\n"
    "\n"
    "async function api(method, path, body, contentType = \"application/json\") {\n"
    "  const res = await fetch(BASE + path, {\n"
    "    method,\n"
    "    headers: { Authorization: `Bearer ${KEY}`, \"Content-Type\": contentType },\n"
    "    body: body === undefined || contentType !== \"application/json\" ? body : "
    "JSON.stringify(body),\n"
    "  });\n"
    "  const data = await res.json();\n"
    "  if (!res.ok) throw new Error(`${data.error.code}: ${data.error.message}`);\n"
    "  return data;\n"
    "}\n"
    "\n"
    "// 1. Upload the media: raw bytes streamed from disk\n"
    "const upload = await api(\"POST\", `/v1/uploads?filename=${encodeURIComponent("
    "\"{{FILE}}\")}`,\n"
    "  await openAsBlob(\"{{FILE}}\"), \"application/octet-stream\");\n"
    "\n"
    "const params = {{PARAMS_JS}};\n"
    "\n"
    "// 2. Estimate (never spends credits), 3. create the job with a credit guard\n"
    "const { credits } = await api(\"POST\", \"/v1/estimate\",\n"
    "  { endpoint: \"{{ENDPOINT}}\", upload_id: upload.upload_id, params });\n"
    "const { job_id } = await api(\"POST\", \"/v1/jobs\", {\n"
    "  endpoint: \"{{ENDPOINT}}\",\n"
    "  upload_id: upload.upload_id,\n"
    "  params,\n"
    "  idempotency_key: randomUUID(), // reuse it if you retry the POST\n"
    "  max_credits: credits,\n"
    "});\n"
    "\n"
    "// 4. Poll until final\n"
    "let job;\n"
    "do {\n"
    "  await new Promise((r) => setTimeout(r, 3000));\n"
    "  job = await api(\"GET\", `/v1/jobs/${job_id}`);\n"
    "} while (job.status === \"queued\" || job.status === \"running\");\n"
    "if (job.status !== \"succeeded\") throw new Error(JSON.stringify(job.error));\n"
    "\n"
    "// 5. Result: {{LISTS}}\n"
    "const result = await api(\"GET\", `/v1/jobs/${job_id}/result`);\n"
    "console.log(result.{{LIST1}});\n";

static const char mcp_tmpl[] =
    "# {{TITLE}} ({{ENDPOINT}}) over MCP\n"
    "# Server: {{BASE}}/mcp (Streamable HTTP). ChatGPT and Claude connect with OAuth; other\n"
    "# clients send \"Authorization: Bearer miq_conn_...\" (a connector token from the "
    "dashboard).\n"
    "# Client config (Cursor ~/.cursor/mcp.json and similar):\n"
    "{\"mcpServers\":{\"momentiq\":{\"url\":\"{{BASE}}/mcp\","
    "\"headers\":{\"Authorization\":\"Bearer miq_conn_...\"}}}}\n"
    "\n"
    "# The tool calls, in order (JSON-RPC bodies POSTed to {{BASE}}/mcp):\n"
    "# 1. Import the media by URL (media bytes never travel inside MCP; without source_url\n"
    "#    you get a short-lived signed upload URL your user can PUT the file to)\n"
    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":"
    "\"momentiq.create_upload\",\"arguments\":{\"source_url\":\"https://example.com/media/"
    "{{FILE}}\",\"filename\":\"{{FILE}}\"}}}\n"
    "# -> structuredContent.upload_id, duration_s\n"
    "\n"
    "# 2. Price it (public tool, free)\n"
    "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":"
    "\"momentiq.estimate_cost\",\"arguments\":{\"endpoint\":\"{{ENDPOINT}}\",\"duration_s\":"
    "{{DURATION}},\"params\":{{PARAMS}}}}}\n"
    "# -> structuredContent.credits = {{CREDITS}} for a {{DURATION}} s file\n"
    "\n"
    "# 3. Create the job with a credit guard and an idempotency key\n"
    "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":"
    "\"momentiq.create_job\",\"arguments\":{\"endpoint\":\"{{ENDPOINT}}\",\"upload_id\":"
    "\"UPLOAD_ID\",\"params\":{{PARAMS}},\"idempotency_key\":\"{{IDEM}}\",\"max_credits\":"
    "{{CREDITS}}}}}\n"
    "# -> structuredContent.job_id, status \"queued\"\n"
    "\n"
    "# 4. Wait: each call blocks at most wait_s (<= 45) seconds; repeat until the status is\n"
    "#    succeeded, failed or canceled\n"
    "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/call\",\"params\":{\"name\":"
    "\"momentiq.get_job\",\"arguments\":{\"job_id\":\"JOB_ID\",\"wait_s\":30}}}\n"
    "\n"
    "# 5. Read the result: {{LISTS}}\n"
    "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\",\"params\":{\"name\":"
    "\"momentiq.get_job_result\",\"arguments\":{\"job_id\":\"JOB_ID\"}}}\n";

/* JSON text to a Python literal: true/false/null outside strings. */
static const char *python_literal(apr_pool_t *p, const char *json)
{
    apr_size_t n = strlen(json), i = 0;
    char *out = apr_palloc(p, n * 2 + 1), *o = out;
    int in_str = 0;
    while (i < n) {
        char c = json[i];
        if (in_str) {
            *o++ = c;
            if (c == '\\' && i + 1 < n)
                *o++ = json[++i];
            else if (c == '"')
                in_str = 0;
            i++;
            continue;
        }
        if (c == '"')
            in_str = 1;
        if (!strncmp(json + i, "true", 4)) {
            memcpy(o, "True", 4), o += 4, i += 4;
            continue;
        }
        if (!strncmp(json + i, "false", 5)) {
            memcpy(o, "False", 5), o += 5, i += 5;
            continue;
        }
        if (!strncmp(json + i, "null", 4)) {
            memcpy(o, "None", 4), o += 4, i += 4;
            continue;
        }
        *o++ = c;
        i++;
    }
    *o = 0;
    return out;
}

/* "a,b" -> "a, b" for prose. */
static const char *lists_text(apr_pool_t *p, const char *lists)
{
    char *s = apr_pstrdup(p, lists), *tok, *last;
    const char *out = "";
    for (tok = apr_strtok(s, ",", &last); tok; tok = apr_strtok(NULL, ",", &last))
        out = *out ? apr_pstrcat(p, out, ", ", tok, NULL) : tok;
    return out;
}

const char *miq_code_example(apr_pool_t *p, const char *base_url, const miq_pricing *pr,
                             const miq_endpoint *e, const char *language)
{
    const char *tmpl, *params, *params_code, *list1, *credits = "100";
    const char *kv[32];
    json_t *ex;
    miq_price_quote q;
    char *first;
    int i = 0;

    if (!e || !miq_example_language_known(language))
        return NULL;
    if (!strcmp(language, "curl"))
        tmpl = curl_tmpl;
    else if (!strcmp(language, "python"))
        tmpl = python_tmpl;
    else if (!strcmp(language, "javascript"))
        tmpl = javascript_tmpl;
    else
        tmpl = mcp_tmpl;
    ex = miq_endpoints_example_params(p, e);
    params = miq_endpoints_json(p, ex, 0);
    params_code = miq_endpoints_json(p, ex, 1);
    first = apr_pstrdup(p, e->result_lists);
    if ((list1 = strchr(first, ',')))
        first[list1 - first] = 0;
    list1 = first;
    if (pr && !miq_pricing_estimate(pr, p, e->name, EXAMPLE_DURATION_S, ex, &q))
        credits = apr_psprintf(p, "%" APR_INT64_T_FMT, q.credits);

    kv[i++] = "BASE", kv[i++] = miq_guide_base(p, base_url);
    kv[i++] = "ENDPOINT", kv[i++] = e->name;
    kv[i++] = "TITLE", kv[i++] = e->title;
    kv[i++] = "FILE", kv[i++] = e->sample_file;
    kv[i++] = "PARAMS", kv[i++] = params;
    kv[i++] = "PARAMS_JS", kv[i++] = params_code;
    kv[i++] = "PARAMS_PY", kv[i++] = python_literal(p, params_code);
    kv[i++] = "LISTS", kv[i++] = lists_text(p, e->result_lists);
    kv[i++] = "LIST1", kv[i++] = list1;
    kv[i++] = "DURATION", kv[i++] = apr_psprintf(p, "%.0f", EXAMPLE_DURATION_S);
    kv[i++] = "CREDITS", kv[i++] = credits;
    kv[i++] = "IDEM", kv[i++] = apr_psprintf(p, "%s:UPLOAD_ID:v1", e->name);
    kv[i] = NULL;
    return miq_guide_fill(p, tmpl, kv);
}
