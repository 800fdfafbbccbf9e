/* GET /v1/openapi.json and its examples against real responses: the served
 * document is docs/openapi.json byte for byte, public and cacheable; every
 * example under components.examples has the shape (keys, types, recursively)
 * of the response this suite gets from the stack for the same request, and
 * every such response has its example. Each response is also written to
 * /tmp/momentiq-openapi-capture/<name>.json, so examples are refreshed from
 * real responses, never invented. Helpers and media: support/it_jobs.h. */
#include <sys/stat.h>
#include <apr_strings.h>
#include "base/miq_json.h"
#include "endpoints/miq_endpoints.h"
#include "support/it_jobs.h"

#define CAPTURE_DIR "/tmp/momentiq-openapi-capture"

static json_t *served_doc(void)
{
    it_resp *r = it_request("GET", "/v1/openapi.json", NULL, NULL, 0);
    IT_ASSERT_R(r->status == 200 && r->json, r);
    return r->json;
}

static const char *kind(const json_t *v)
{
    if (json_is_object(v))
        return "object";
    if (json_is_array(v))
        return "array";
    if (json_is_string(v))
        return "string";
    if (json_is_number(v))
        return "number";
    if (json_is_boolean(v))
        return "boolean";
    return "null";
}

/* NULL when ex and real have the same shape; else where they differ. A null
 * on either side matches anything (optional values). */
static const char *shape_diff(const json_t *ex, const json_t *real, const char *at)
{
    const char *key, *d;
    json_t *v;
    if (json_is_null(ex) || json_is_null(real))
        return NULL;
    if (strcmp(kind(ex), kind(real)))
        return apr_psprintf(itp, "%s: example is %s, response is %s", at, kind(ex), kind(real));
    if (json_is_object(real)) {
        json_object_foreach((json_t *)real, key, v)
        {
            if (!json_object_get(ex, key))
                return apr_psprintf(itp, "%s.%s: in the response, not in the example", at, key);
            if ((d = shape_diff(json_object_get(ex, key), v, apr_pstrcat(itp, at, ".", key, NULL))))
                return d;
        }
        json_object_foreach((json_t *)ex, key, v)
        {
            if (!json_object_get(real, key))
                return apr_psprintf(itp, "%s.%s: in the example, not in the response", at, key);
        }
    }
    if (json_is_array(real) && json_array_size(real) && json_array_size(ex))
        return shape_diff(json_array_get(ex, 0), json_array_get(real, 0),
                          apr_pstrcat(itp, at, "[0]", NULL));
    return NULL;
}

static void capture(const char *name, const char *text)
{
    FILE *f;
    mkdir(CAPTURE_DIR, 0777);
    f = fopen(apr_pstrcat(itp, CAPTURE_DIR "/", name, ".json", NULL), "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

/* A JSON response against components.examples[name]. */
static void check(const json_t *doc, const char *name, const it_resp *r)
{
    const json_t *ex = json_object_get(
        json_object_get(json_object_get(json_object_get(doc, "components"), "examples"), name),
        "value");
    const char *d;
    IT_ASSERT_R(r->json != NULL, r);
    if (!r->json)
        return;
    capture(name, it_dump(r->json));
    IT_ASSERT_MSG(ex != NULL, "docs/openapi.json has no components.examples.%s", name);
    if (ex && (d = shape_diff(ex, r->json, name)))
        IT_ASSERT_MSG(0, "example %s differs from the real response: %s", name, d);
}

/* A text response (vtt, csv, edl): the example starts with the real first
 * word (the first line of an EDL names the job). */
static void check_text(const json_t *doc, const char *name, const it_resp *r)
{
    const char *ex = miq_json_str(
        json_object_get(json_object_get(json_object_get(doc, "components"), "examples"), name),
        "value", NULL);
    size_t n = r->body ? strcspn(r->body, " \n") : 0;
    IT_ASSERT_R(r->status == 200 && n > 0, r);
    if (!n)
        return;
    capture(name, it_dump(miq_json_pool(itp, json_string(r->body))));
    IT_ASSERT_MSG(ex && !strncmp(ex, r->body, n) && (ex[n] == ' ' || ex[n] == '\n'),
                  "example %s: does not start like \"%.*s\"", name, (int)n, r->body);
}

static void test_document_served(void)
{
    const char *file = it_read_file(apr_pstrcat(itp, itenv.root, "/docs/openapi.json", NULL), 0);
    const char *etag;
    it_resp *r = it_request("GET", "/v1/openapi.json", NULL, NULL, 0);
    IT_ASSERT_R(r->status == 200 && file && r->body && !strcmp(r->body, file), r);
    IT_ASSERT_R(!strncmp(r->ctype, "application/json", 16), r);
    IT_ASSERT_R(strstr(it_header(r, "Cache-Control") ? it_header(r, "Cache-Control") : "",
                       "public"),
                r);
    IT_ASSERT_R(!strncmp(miq_json_str(r->json, "openapi", ""), "3.1.", 4), r);
    etag = it_header(r, "ETag");
    IT_ASSERT_R(etag && *etag == '"', r);
    if (etag) {
        r = it_request("GET", "/v1/openapi.json",
                       jt_hdrs(apr_pstrcat(itp, "If-None-Match: ", etag, NULL), NULL, NULL), NULL,
                       0);
        IT_ASSERT_R(r->status == 304, r);
    }
}

static const char *wait_final(const char *job)
{
    json_t *j = jt_wait_rest(jt_tok, job, JOB_TIMEOUT_S);
    return miq_json_str(j, "status", "");
}

static void test_examples_match_responses(void)
{
    json_t *doc = served_doc();
    const char *up, *job, *frames, *longjob, *url;
    it_resp *r;
    CU_ASSERT_FATAL(doc && jt_ready());

    r = jt_rest(jt_tok, "GET", "/v1/account", NULL);
    check(doc, "account", r);
    r = it_request("GET", "/v1/account", NULL, NULL, 0);
    IT_ASSERT_R(r->status == 401, r);
    check(doc, "error_authentication_required", r);

    /* Uploads: streamed body, signed URL, read, delete. */
    {
        apr_size_t len;
        const char *body = jt_read_bin(jt_media("speech.wav"), &len);
        r = it_request("POST", "/v1/uploads?filename=speech.wav",
                       jt_hdrs(it_bearer(jt_tok), "Content-Type: application/octet-stream", NULL),
                       body, len);
        IT_ASSERT_R(r->status == 201, r);
        check(doc, "upload", r);
        up = miq_json_str(r->json, "upload_id", "");
        r = jt_rest(jt_tok, "GET", apr_pstrcat(itp, "/v1/uploads/", up, NULL), NULL);
        check(doc, "upload", r);
        r = jt_rest(jt_tok, "POST", "/v1/uploads",
                    "{\"filename\":\"speech.wav\",\"signed_url\":true}");
        IT_ASSERT_R(r->status == 201, r);
        check(doc, "upload_signed_url", r);
        url = miq_json_str(r->json, "upload_url", "");
        if (strstr(url, "/v1/uploads/")) {
            r = it_request("PUT", strstr(url, "/v1/uploads/"),
                           jt_hdrs("Content-Type: application/octet-stream", NULL, NULL), body,
                           len);
            IT_ASSERT_R(r->status == 200, r);
            check(doc, "upload", r);
        }
    }

    r = jt_rest(jt_tok, "POST", "/v1/estimate",
                apr_psprintf(itp, "{\"endpoint\":\"audio/silence\",\"upload_id\":%s}",
                             it_quote(jt_upl_speech)));
    check(doc, "estimate", r);

    /* A job from creation to its results in every format. */
    r = jt_rest(jt_tok, "POST", "/v1/jobs",
                apr_psprintf(itp, "{\"endpoint\":\"audio/silence\",\"upload_id\":%s}",
                             it_quote(jt_upl_speech)));
    IT_ASSERT_R(r->status == 201, r);
    /* The worker may take the job between its insert and the answer: the
     * answer is then a running job, with eta_s (the Job schema's, not the
     * queued example's); the rest must match the example all the same. */
    if (r->json && strcmp(miq_json_str(r->json, "status", ""), "queued") &&
        json_object_get(
            json_object_get(json_object_get(json_object_get(json_object_get(doc, "components"),
                                                            "schemas"),
                                            "Job"),
                            "properties"),
            "eta_s"))
        json_object_del(r->json, "eta_s");
    check(doc, "job_created", r);
    job = miq_json_str(r->json, "job_id", "");
    IT_ASSERT_STRING_EQUAL(wait_final(job), "succeeded");
    r = jt_rest(jt_tok, "GET", apr_pstrcat(itp, "/v1/jobs/", job, NULL), NULL);
    check(doc, "job_succeeded", r);
    r = jt_rest(jt_tok, "GET", "/v1/jobs?limit=1", NULL);
    check(doc, "job_list", r);
    r = jt_rest(jt_tok, "GET", apr_pstrcat(itp, "/v1/jobs/", job, "/result", NULL), NULL);
    check(doc, "result_audio_silence", r);
    r = jt_rest(jt_tok, "GET", apr_pstrcat(itp, "/v1/jobs/", job, "/result?format=vtt", NULL),
                NULL);
    check_text(doc, "result_vtt", r);
    r = jt_rest(jt_tok, "GET", apr_pstrcat(itp, "/v1/jobs/", job, "/result?format=csv", NULL),
                NULL);
    check_text(doc, "result_csv", r);
    r = jt_rest(jt_tok, "GET", apr_pstrcat(itp, "/v1/jobs/", job, "/result?format=edl", NULL),
                NULL);
    check_text(doc, "result_edl", r);

    /* Output files: frames, then fresh URLs for them. */
    frames = jt_create_rest(jt_tok, "video/frames", jt_upl_cuts, "{\"every_s\":5}");
    CU_ASSERT_PTR_NOT_NULL_FATAL(frames);
    IT_ASSERT_STRING_EQUAL(wait_final(frames), "succeeded");
    r = jt_rest(jt_tok, "POST", apr_pstrcat(itp, "/v1/jobs/", frames, "/outputs/refresh", NULL),
                "{}");
    check(doc, "outputs_refreshed", r);

    /* Cancel: a long re-encode. */
    longjob = jt_create_rest(jt_tok, "video/clips", jt_upl_long,
                             "{\"clips\":[{\"start\":0,\"end\":55}],\"mode\":\"reencode\"}");
    CU_ASSERT_PTR_NOT_NULL_FATAL(longjob);
    r = jt_rest(jt_tok, "POST", apr_pstrcat(itp, "/v1/jobs/", longjob, "/cancel", NULL), "{}");
    check(doc, "job_canceled", r);

    r = jt_rest(jt_tok, "GET", "/v1/jobs/job_doesnotexist", NULL);
    IT_ASSERT_R(r->status == 404, r);
    check(doc, "error_not_found", r);
    r = jt_rest(jt_tok, "DELETE", apr_pstrcat(itp, "/v1/uploads/", up, NULL), NULL);
    check(doc, "upload_deleted", r);
}

/* The error codes of SPEC §9, in its order. */
static const char *const spec_error_codes[] = {"invalid_request",
                                               "authentication_required",
                                               "invalid_api_key",
                                               "billing_required",
                                               "insufficient_credits",
                                               "spend_cap_exceeded",
                                               "connector_scope_denied",
                                               "not_found",
                                               "conflict",
                                               "payload_too_large",
                                               "unsupported_media",
                                               "rate_limited",
                                               "quota_exceeded",
                                               "processing_limit_exceeded",
                                               "server_error",
                                               NULL};

static int enum_is(const json_t *schema, const char *const *want, size_t n)
{
    const json_t *e = json_object_get(schema, "enum");
    size_t i;
    if (json_array_size(e) != n)
        return 0;
    for (i = 0; i < n; i++)
        if (strcmp(json_string_value(json_array_get(e, i)) ? json_string_value(json_array_get(e, i))
                                                           : "",
                   want[i]))
            return 0;
    return 1;
}

/* The document's enums are the catalogs: the core's endpoints, the result
 * formats the server serves (and no other), the SPEC §9 error codes. */
static void test_catalogs(void)
{
    json_t *doc = served_doc();
    json_t *schemas = json_object_get(json_object_get(doc, "components"), "schemas");
    static const char *const formats[] = {"json", "vtt", "csv", "edl"};
    apr_size_t n, i;
    const miq_endpoint *const *all = miq_endpoints_all(&n);
    const char **names = apr_pcalloc(itp, sizeof(*names) * (n + 1));
    it_resp *r;
    for (i = 0; i < n; i++)
        names[i] = all[i]->name;
    IT_ASSERT_MSG(enum_is(json_object_get(schemas, "Endpoint"), names, n),
                  "Endpoint enum %s is not the core's endpoints",
                  it_dump(json_object_get(schemas, "Endpoint")));
    IT_ASSERT_MSG(enum_is(json_object_get(schemas, "Format"), formats, 4), "Format enum %s",
                  it_dump(json_object_get(schemas, "Format")));
    IT_ASSERT_MSG(enum_is(json_object_get(schemas, "ErrorCode"), spec_error_codes, 15),
                  "ErrorCode enum %s is not SPEC §9",
                  it_dump(json_object_get(schemas, "ErrorCode")));
    /* A format outside the enum is refused, so the enum is complete. */
    CU_ASSERT_FATAL(jt_ready());
    r = jt_rest(jt_tok, "GET", "/v1/jobs/job_doesnotexist/result?format=xml", NULL);
    IT_ASSERT_R(r->status == 400 && !strcmp(jt_err_code(r), "invalid_request"), r);
}

IT_SUITE("openapi", IT_TEST(test_document_served), IT_TEST(test_catalogs),
         IT_TEST(test_examples_match_responses))
