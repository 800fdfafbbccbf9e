/* momentiq.create_upload over the upload services of miq_uploads.c, the
 * same code as POST /v1/uploads: with source_url the server imports the file
 * (libcurl, SSRF guards, size and time limits), probes and records it; without,
 * it creates an awaiting_bytes upload and returns a short-lived signed PUT URL
 * for the agent's user. Media bytes never travel inside MCP. Any valid token. */
#include <string.h>
#include <apr_strings.h>
#include "base/miq_json.h"
#include "base/miq_scope.h"
#include "tools/miq_tools_upload.h"
#include "jobs/miq_uploads.h"
#include "mcp/miq_tool.h"

/* An MCP client gives up after about 60 s: imports get less than that. */
#define MCP_IMPORT_TIMEOUT_S 45
#define DEFAULT_URL_TTL_S    3600

static json_t *fail(miq_tool_ctx *ctx, const miq_reply *rep)
{
    return miq_tool_fail(ctx, rep->code ? rep->code : "server_error",
                         rep->message ? rep->message : "error");
}

static const char *streams_text(miq_tool_ctx *ctx, const json_t *upload)
{
    const char *t = "";
    json_t *s;
    size_t i;
    json_array_foreach(json_object_get(upload, "streams"), i, s)
    {
        const char *type = miq_json_str(s, "type", "");
        if (!strcmp(type, "video"))
            t = apr_psprintf(ctx->pool, "%s%svideo %s %dx%d", t, *t ? ", " : "",
                             miq_json_str(s, "codec", "?"), (int)miq_json_int(s, "width", 0),
                             (int)miq_json_int(s, "height", 0));
        else if (!strcmp(type, "audio"))
            t = apr_psprintf(ctx->pool, "%s%saudio %s %d Hz", t, *t ? ", " : "",
                             miq_json_str(s, "codec", "?"), (int)miq_json_int(s, "sample_rate", 0));
    }
    return *t ? t : "no streams listed";
}

static json_t *create_upload(miq_tool_ctx *ctx, const json_t *args)
{
    miq_upload_conf c;
    miq_reply rep;
    const char *url = miq_json_str(args, "source_url", NULL);
    const char *name = miq_json_str(args, "filename", NULL), *id;
    if (!ctx->caller || !ctx->caller->account_id)
        return miq_tool_fail(ctx, "authentication_required",
                             "send an API key or connector token (Authorization: Bearer ...)");
    if (!ctx->db || !ctx->srv)
        return miq_tool_fail(ctx, "server_error", "the database is unavailable; try again shortly");
    memset(&c, 0, sizeof(c));
    if (ctx->uploads)
        c = *ctx->uploads;
    if (!c.storage_dir)
        c.storage_dir = ctx->storage_dir;
    if (!c.storage_dir)
        return miq_tool_fail(ctx, "server_error", "uploads are not configured on this server");
    if (c.url_ttl_s <= 0)
        c.url_ttl_s = ctx->file_url_ttl_s > 0 ? ctx->file_url_ttl_s : DEFAULT_URL_TTL_S;
    c.import_timeout_s = MCP_IMPORT_TIMEOUT_S;
    memset(&rep, 0, sizeof(rep));
    if (name)
        name = miq_upload_filename(ctx->pool, name);
    if (url) {
        miq_upload_import(ctx->pool, &c, ctx->db, ctx->caller->account_id, url, name, &rep);
        if (rep.status >= 400)
            return fail(ctx, &rep);
        id = miq_json_str(rep.body, "upload_id", "");
        return miq_tool_ok(
            ctx, rep.body,
            apr_psprintf(ctx->pool,
                         "Imported %s as upload %s: %.3f s, %s. Next: price it with "
                         "momentiq.estimate_cost {\"endpoint\":...,\"upload_id\":\"%s\"}, then "
                         "momentiq.create_job with the same upload_id.",
                         miq_json_str(rep.body, "filename", ""), id,
                         miq_json_num(rep.body, "duration_s", 0), streams_text(ctx, rep.body), id));
    }
    miq_upload_signed(ctx->pool, ctx->srv, &c, ctx->db, ctx->caller->account_id, name,
                      apr_time_now(), &rep);
    if (rep.status >= 400)
        return fail(ctx, &rep);
    id = miq_json_str(rep.body, "upload_id", "");
    return miq_tool_ok(
        ctx, rep.body,
        apr_psprintf(ctx->pool,
                     "Upload %s is waiting for its bytes. Media never travels inside MCP: ask "
                     "your user to send the file with an HTTP PUT of the raw bytes to this URL "
                     "(no API key needed; valid until %s, once), for example:\n"
                     "curl -T ./%s \"%s\"\n"
                     "Then call momentiq.create_job with {\"upload_id\":\"%s\"} (a job on an "
                     "upload still waiting for its bytes answers conflict).",
                     id, miq_json_str(rep.body, "expires_at", ""),
                     miq_json_str(rep.body, "filename", "upload"),
                     miq_json_str(rep.body, "upload_url", ""), id));
}

static const char create_in[] =
    "{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{"
    "\"source_url\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":4096,"
    "\"description\":\"http(s) URL of the media for the server to fetch (public addresses "
    "only; size and time limited). Omit it to get a signed upload URL instead\"},"
    "\"filename\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":255,"
    "\"description\":\"A name for the media (metadata only; its extension helps)\"}}}";

static const char create_out[] =
    "{\"type\":\"object\",\"required\":[\"upload_id\",\"status\"],\"properties\":{"
    "\"upload_id\":{\"type\":\"string\"},\"filename\":{\"type\":\"string\"},"
    "\"status\":{\"type\":\"string\",\"enum\":[\"awaiting_bytes\",\"ready\"]},"
    "\"upload_url\":{\"type\":\"string\",\"description\":\"PUT the raw bytes here (no API key; "
    "short-lived, once)\"},"
    "\"upload_method\":{\"type\":\"string\",\"const\":\"PUT\"},"
    "\"expires_at\":{\"type\":[\"string\",\"null\"]},\"bytes\":{\"type\":\"integer\"},"
    "\"duration_s\":{\"type\":\"number\"},\"format\":{\"type\":\"string\"},"
    "\"streams\":{\"type\":\"array\",\"items\":{\"type\":\"object\"}},"
    "\"has_audio\":{\"type\":\"boolean\"},\"has_video\":{\"type\":\"boolean\"},"
    "\"created_at\":{\"type\":\"string\"}}}";

static const miq_tool_def tools[] = {
    {"momentiq.create_upload", "Upload media",
     "Gets media onto MomentIQ for analysis and returns its upload_id. With source_url the "
     "server downloads the file (http or https on a public address; size and time limited), "
     "checks that it is decodable audio or video and answers with its duration and streams. "
     "Without source_url it returns a short-lived signed upload_url that takes the file's "
     "bytes with PUT (e.g. curl -T FILE URL): media bytes never travel inside MCP. Errors: "
     "invalid_request "
     "(refused or unreachable URL), payload_too_large, unsupported_media (not decodable "
     "media).",
     create_in, create_out, MIQ_ANN_OPENWORLD, MIQ_SCOPE_ANY, 1, create_upload},
};

const char *miq_upload_tools_register(miq_registry *reg)
{
    const char *err;
    size_t i;
    for (i = 0; i < sizeof(tools) / sizeof(tools[0]); i++)
        if ((err = miq_registry_add_tool(reg, &tools[i])))
            return err;
    return NULL;
}
