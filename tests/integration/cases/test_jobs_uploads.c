/* Jobs end to end: media reaches the worker through momentiq.create_upload
 * (a signed PUT URL, or a source_url import from a loopback server) and REST
 * signed_url uploads. Helpers and media: support/it_jobs.h. */
#include <math.h>
#include <signal.h>
#include <sys/wait.h>
#include <apr_strings.h>
#include "base/miq_json.h"
#include "support/it_jobs.h"

static void test_create_upload_tool(void)
{
    static const char *const json[] = {"Content-Type: application/json", NULL};
    it_resp *r;
    json_t *s, *t, *list;
    const char *url, *id, *body;
    apr_size_t len;
    CU_ASSERT_FATAL(jt_key() != NULL);
    CU_ASSERT_FATAL(jt_media("speech.wav") != NULL);

    /* Listed for a token, with its annotations. */
    {
        json_t *p = mcp_2026_params(it_json("{}"));
        r = it_post(mcp_2026_headers("tools/list", p, jt_hdrs(it_bearer(jt_tok), NULL, NULL)),
                    it_rpc_body("tools/list", p, -1));
        list = json_object_get(it_result(r), "tools");
        t = it_find_by_name(list, "momentiq.create_upload");
        IT_ASSERT_R(t != NULL, r);
        if (t) {
            json_t *ann = json_object_get(t, "annotations");
            CU_ASSERT(json_is_true(json_object_get(ann, "openWorldHint")));
            CU_ASSERT(!json_is_true(json_object_get(ann, "readOnlyHint")));
            CU_ASSERT(json_is_object(json_object_get(t, "outputSchema")));
        }
    }
    /* Without a token: a tool error with the Bearer challenge. */
    r = jt_tool(NULL, "momentiq.create_upload", "{\"filename\":\"x.wav\"}");
    IT_ASSERT_R(it_result(r) && json_is_true(json_object_get(it_result(r), "isError")), r);

    /* No source_url: a signed PUT URL, and the bytes never go through MCP. */
    r = jt_tool(jt_tok, "momentiq.create_upload", "{\"filename\":\"phone.wav\"}");
    IT_REQUIRE_R(jt_tool_ok(r), r);
    s = jt_sc(r);
    url = miq_json_str(s, "upload_url", NULL);
    id = miq_json_str(s, "upload_id", "");
    IT_REQUIRE_R(url && strstr(url, "/v1/uploads/") && strstr(url, "/bytes?exp=") &&
                     strstr(url, "&sig="),
                 r);
    it_secret_note(strstr(url, "sig=") + 4);
    CU_ASSERT_STRING_EQUAL(miq_json_str(s, "upload_method", ""), "PUT");
    CU_ASSERT_STRING_EQUAL(miq_json_str(s, "status", ""), "awaiting_bytes");
    CU_ASSERT_STRING_EQUAL(miq_json_str(s, "filename", ""), "phone.wav");
    CU_ASSERT(json_is_string(json_object_get(s, "expires_at")));
    IT_ASSERT_R(strstr(jt_tool_text(r), "PUT") && strstr(jt_tool_text(r), id), r);
    /* A job on it waits for the bytes. */
    r = jt_tool(jt_tok, "momentiq.create_job",
                apr_psprintf(itp, "{\"endpoint\":\"audio/silence\",\"upload_id\":\"%s\"}", id));
    IT_ASSERT_R(!strcmp(jt_tool_err(r), "conflict"), r);
    body = jt_read_bin(jt_media("speech.wav"), &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(body);
    r = it_request("PUT", url, NULL, body, len);
    IT_ASSERT_R(r->status == 200 && !strcmp(miq_json_str(r->json, "status", ""), "ready") &&
                    fabs(miq_json_num(r->json, "duration_s", 0) - 12.0) < 0.05,
                r);
    r = it_request("PUT", url, NULL, body, len);
    IT_ASSERT_R(r->status == 409, r);
    r = jt_rest(jt_tok, "GET", apr_pstrcat(itp, "/v1/uploads/", id, NULL), NULL);
    IT_ASSERT_R(r->status == 200 && !strcmp(miq_json_str(r->json, "status", ""), "ready"), r);

    /* source_url: imported, probed, recorded like POST /v1/uploads does. */
    {
        pid_t pid;
        const char *base = it_file_server(jt_media_dir, "speech.wav", &pid);
        CU_ASSERT_PTR_NOT_NULL_FATAL(base);
        r = jt_tool(jt_tok, "momentiq.create_upload",
                    apr_psprintf(itp, "{\"source_url\":\"%s/cuts.mp4?sig=E2EIMPORTSECRET\"}",
                                 base));
        IT_ASSERT_R(jt_tool_ok(r), r);
        s = jt_sc(r);
        IT_ASSERT_R(!strcmp(miq_json_str(s, "status", ""), "ready") &&
                        !strcmp(miq_json_str(s, "filename", ""), "cuts.mp4") &&
                        fabs(miq_json_num(s, "duration_s", 0) - 19.6) < 0.1 &&
                        miq_json_bool(s, "has_video", 0) && miq_json_bool(s, "has_audio", 0),
                    r);
        {
            const char *args[1] = {miq_json_str(s, "upload_id", "")};
            const char *src = it_db_value("SELECT source_url FROM uploads WHERE id = $1", 1, args);
            IT_ASSERT_MSG(src && strstr(src, "/cuts.mp4") && !strstr(src, "E2EIMPORTSECRET"),
                          "source_url %s", src ? src : "(null)");
        }
        /* The same upload over REST. */
        r = jt_rest(jt_tok, "GET",
                    apr_pstrcat(itp, "/v1/uploads/", miq_json_str(s, "upload_id", ""), NULL), NULL);
        IT_ASSERT_R(r->status == 200, r);
        /* Not media: unsupported_media, as over REST. */
        if (jt_write_bin(apr_pstrcat(itp, jt_media_dir, "/notes.mp4", NULL), "just text\n", 10) ==
            0) {
            r = jt_tool(jt_tok, "momentiq.create_upload",
                        apr_psprintf(itp, "{\"source_url\":\"%s/notes.mp4\"}", base));
            IT_ASSERT_R(!strcmp(jt_tool_err(r), "unsupported_media"), r);
        }
        r = jt_tool(jt_tok, "momentiq.create_upload",
                    apr_psprintf(itp, "{\"source_url\":\"%s/missing.mp4\"}", base));
        IT_ASSERT_R(!strcmp(jt_tool_err(r), "invalid_request"), r);
        r = jt_tool(jt_tok, "momentiq.create_upload", "{\"source_url\":\"file:///etc/passwd\"}");
        IT_ASSERT_R(!strcmp(jt_tool_err(r), "invalid_request"), r);
        kill(pid, SIGTERM);
        waitpid(pid, NULL, 0);
    }
    /* REST signed_url still works (shared code). */
    body = "{\"filename\":\"rest.wav\",\"signed_url\":true}";
    r = it_request("POST", "/v1/uploads", jt_hdrs(it_bearer(jt_tok), json[0], NULL), body,
                   strlen(body));
    IT_ASSERT_R(r->status == 201 && strstr(miq_json_str(r->json, "upload_url", ""), "&sig="), r);
    if (r->status == 201)
        it_secret_note(strstr(miq_json_str(r->json, "upload_url", ""), "sig=") + 4);
}

IT_SUITE("jobs_uploads", IT_TEST(test_create_upload_tool))
