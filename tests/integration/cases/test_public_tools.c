/* The seven public momentiq.* tools, the resources, prompts and completions,
 * in both eras. Arguments are built from the schemas tools/list publishes,
 * and results are checked against the published outputSchema. */
#include <string.h>
#include <apr_strings.h>
#include "itest.h"
#include "base/miq_json.h"
#include "mcp/miq_schema.h"

static const char *const public_tools[] = {
    "momentiq.get_agent_guide",     "momentiq.list_endpoints",
    "momentiq.get_endpoint_schema", "momentiq.estimate_cost",
    "momentiq.list_workflows",      "momentiq.plan_integration",
    "momentiq.get_code_example",    NULL};

typedef enum { E2025, E2026 } era_t;

typedef struct {
    era_t era;
    const char *sid;
} conn_t;

static conn_t open_era(era_t era)
{
    conn_t c = {era, NULL};
    if (era == E2025)
        c.sid = mcp_2025_session();
    return c;
}

static it_resp *call(const conn_t *c, const char *method, const json_t *params)
{
    if (c->era == E2025)
        return mcp_2025_call(c->sid, method, params);
    return mcp_2026_call(method, params);
}

static json_t *list_tools(const conn_t *c)
{
    it_resp *r = call(c, "tools/list", NULL);
    json_t *tools = json_object_get(it_result(r), "tools");
    if (!json_is_array(tools))
        it_show("tools/list", r);
    return tools;
}

/* ---- arguments from a schema ---- */

static json_t *gen(const json_t *schema);

static json_t *gen_object(const json_t *schema)
{
    json_t *o = json_object(), *props = json_object_get(schema, "properties");
    json_t *req = json_object_get(schema, "required"), *name;
    size_t i;
    json_array_foreach(req, i, name)
    {
        const char *k = json_string_value(name);
        if (k)
            json_object_set_new(o, k, gen(json_object_get(props, k)));
    }
    return o;
}

static json_t *gen(const json_t *schema)
{
    json_t *t = json_object_get(schema, "type"), *v;
    const char *type = json_is_string(t)  ? json_string_value(t)
                       : json_is_array(t) ? json_string_value(json_array_get(t, 0))
                                          : NULL;
    if ((v = json_object_get(schema, "const")))
        return json_incref(v);
    if ((v = json_object_get(schema, "examples")) && json_array_size(v))
        return json_incref(json_array_get(v, 0));
    if ((v = json_object_get(schema, "enum")) && json_array_size(v))
        return json_incref(json_array_get(v, 0));
    if ((v = json_object_get(schema, "default")))
        return json_incref(v);
    if ((v = json_object_get(schema, "oneOf")) || (v = json_object_get(schema, "anyOf")))
        return gen(json_array_get(v, 0));
    if (!type)
        type = json_object_get(schema, "properties") ? "object" : "string";
    if (!strcmp(type, "object"))
        return gen_object(schema);
    if (!strcmp(type, "number") || !strcmp(type, "integer")) {
        double x = 60, lo = miq_json_num(schema, "minimum", -1e300),
               hi = miq_json_num(schema, "maximum", 1e300);
        if (x < lo)
            x = lo;
        if (x > hi)
            x = hi;
        return !strcmp(type, "integer") ? json_integer((json_int_t)x) : json_real(x);
    }
    if (!strcmp(type, "boolean"))
        return json_true();
    if (!strcmp(type, "array")) {
        json_t *a = json_array();
        json_int_t n = miq_json_int(schema, "minItems", 1), i;
        for (i = 0; i < n; i++)
            json_array_append_new(a, gen(json_object_get(schema, "items")));
        return a;
    }
    if (!strcmp(type, "string")) {
        const char *fmt = miq_json_str(schema, "format", "");
        if (!strcmp(fmt, "uri") || !strcmp(fmt, "url"))
            return json_string("https://example.com/media/talk.mp4");
        return json_string("trim silences from our podcast episodes");
    }
    return json_null();
}

static json_t *valid_args(const json_t *tool)
{
    json_t *schema = json_object_get(tool, "inputSchema");
    json_t *args = miq_json_pool(itp, gen_object(schema));
    const char *err = miq_schema_validate(itp, schema, args);
    IT_ASSERT_MSG(err == NULL, "generated args for %s do not validate: %s: %s",
                  miq_json_str(tool, "name", "?"), it_dump(args), err);
    return args;
}

static json_t *call_params(const char *name, const json_t *args)
{
    return miq_json_packp(itp, "{s:s,s:O}", "name", name, "arguments", args);
}

/* ---- tools/list ---- */

static int name_ok(const char *n)
{
    size_t len = strlen(n);
    if (len < 1 || len > 128)
        return 0;
    for (; *n; n++)
        if (!((*n >= 'a' && *n <= 'z') || (*n >= 'A' && *n <= 'Z') || (*n >= '0' && *n <= '9') ||
              *n == '_' || *n == '.' || *n == '-'))
            return 0;
    return 1;
}

static void check_tools_list(era_t era)
{
    conn_t c = open_era(era);
    json_t *tools, *t, *ann, *sec;
    size_t i;
    int k;
    if (era == E2025)
        IT_REQUIRE_R(c.sid != NULL, NULL);
    tools = list_tools(&c);
    IT_REQUIRE_R(json_is_array(tools), NULL);
    json_array_foreach(tools, i, t)
    {
        const char *n = miq_json_str(t, "name", "");
        IT_ASSERT_MSG(name_ok(n), "tool name %s", n);
        IT_ASSERT_MSG(miq_json_str(t, "description", NULL) != NULL, "%s has no description", n);
        IT_ASSERT_MSG(!strcmp(miq_json_str(json_object_get(t, "inputSchema"), "type", ""),
                              "object"),
                      "%s inputSchema: %s", n, it_dump(json_object_get(t, "inputSchema")));
        IT_ASSERT_MSG(miq_schema_check(itp, json_object_get(t, "inputSchema")) == NULL,
                      "%s inputSchema is not a usable schema: %s", n,
                      miq_schema_check(itp, json_object_get(t, "inputSchema")));
    }
    for (k = 0; public_tools[k]; k++) {
        const char *err;
        t = it_find_by_name(tools, public_tools[k]);
        IT_ASSERT_MSG(t != NULL, "tools/list lacks %s", public_tools[k]);
        if (!t)
            continue;
        IT_ASSERT_MSG(miq_json_str(t, "title", "")[0], "%s: no title", public_tools[k]);
        IT_ASSERT_MSG(strlen(miq_json_str(t, "description", "")) >= 20, "%s: thin description",
                      public_tools[k]);
        IT_ASSERT_MSG(json_is_object(json_object_get(t, "outputSchema")) &&
                          !strcmp(miq_json_str(json_object_get(t, "outputSchema"), "type", ""),
                                  "object"),
                      "%s: outputSchema %s", public_tools[k],
                      it_dump(json_object_get(t, "outputSchema")));
        err = miq_schema_check(itp, json_object_get(t, "outputSchema"));
        IT_ASSERT_MSG(err == NULL, "%s outputSchema: %s", public_tools[k], err);
        ann = json_object_get(t, "annotations");
        IT_ASSERT_MSG(json_is_true(json_object_get(ann, "readOnlyHint")), "%s annotations %s",
                      public_tools[k], it_dump(ann));
        IT_ASSERT_MSG(!json_is_true(json_object_get(ann, "destructiveHint")),
                      "%s is public and read-only but destructive: %s", public_tools[k],
                      it_dump(ann));
        sec = json_object_get(t, "securitySchemes");
        IT_ASSERT_MSG(json_is_array(sec) && json_array_size(sec) > 0, "%s securitySchemes %s",
                      public_tools[k], it_dump(sec));
        IT_ASSERT_MSG(!strcmp(miq_json_str(json_array_get(sec, 0), "type", ""), "noauth"),
                      "%s is public: securitySchemes %s", public_tools[k], it_dump(sec));
    }
}

static void test_tools_list_2025(void)
{
    check_tools_list(E2025);
}

static void test_tools_list_2026(void)
{
    check_tools_list(E2026);
}

/* ---- calls ---- */

static void check_ok_result(const char *tool, const json_t *def, it_resp *r)
{
    json_t *res = it_result(r), *sc, *c0;
    const char *err;
    IT_ASSERT_R(r->status == 200, r);
    IT_REQUIRE_R(res != NULL, r);
    IT_ASSERT_R(!json_is_true(json_object_get(res, "isError")), r);
    sc = json_object_get(res, "structuredContent");
    IT_ASSERT_R(json_is_object(sc), r);
    c0 = json_array_get(json_object_get(res, "content"), 0);
    IT_ASSERT_R(!strcmp(miq_json_str(c0, "type", ""), "text"), r);
    IT_ASSERT_R(strlen(miq_json_str(c0, "text", "")) > 0, r);
    err = miq_schema_validate(itp, json_object_get(def, "outputSchema"), sc);
    IT_ASSERT_MSG(err == NULL, "%s: structuredContent does not match outputSchema: %s", tool, err);
}

static void check_calls(era_t era)
{
    conn_t c = open_era(era);
    json_t *tools;
    int k;
    if (era == E2025)
        IT_REQUIRE_R(c.sid != NULL, NULL);
    tools = list_tools(&c);
    IT_REQUIRE_R(json_is_array(tools), NULL);
    for (k = 0; public_tools[k]; k++) {
        json_t *t = it_find_by_name(tools, public_tools[k]);
        it_resp *r;
        if (!t)
            continue;
        r = call(&c, "tools/call", call_params(public_tools[k], valid_args(t)));
        check_ok_result(public_tools[k], t, r);
        if (era == E2026)
            IT_ASSERT_R(!strcmp(miq_json_str(it_result(r), "resultType", ""), "complete"), r);
    }
}

static void test_calls_2025(void)
{
    check_calls(E2025);
}

static void test_calls_2026(void)
{
    check_calls(E2026);
}

/* Specific, meaningful calls (beyond "it validates"). */
static void test_call_contents(void)
{
    conn_t c = open_era(E2026);
    it_resp *r;
    json_t *sc;
    r = call(&c, "tools/call", it_json("{\"name\":\"momentiq.list_endpoints\",\"arguments\":{}}"));
    sc = json_object_get(it_result(r), "structuredContent");
    IT_ASSERT_R(json_array_size(json_object_get(sc, "endpoints")) == 6, r);
    r = call(&c, "tools/call",
             it_json("{\"name\":\"momentiq.get_code_example\",\"arguments\":{\"endpoint\":"
                     "\"video/scenes\",\"language\":\"python\"}}"));
    sc = json_object_get(it_result(r), "structuredContent");
    IT_ASSERT_R(strstr(miq_json_str(sc, "code", ""), "video/scenes") != NULL, r);
    /* URLs in the example point at this server */
    IT_ASSERT_R(strstr(miq_json_str(sc, "code", ""), itenv.url) != NULL, r);
    r = call(&c, "tools/call",
             it_json("{\"name\":\"momentiq.estimate_cost\",\"arguments\":{\"endpoint\":"
                     "\"audio/silence\",\"duration_s\":600}}"));
    IT_ASSERT_R(it_result(r) && !json_is_true(json_object_get(it_result(r), "isError")), r);
    IT_ASSERT_R(strstr(it_dump(json_object_get(it_result(r), "structuredContent")), "credits"), r);
    {
        /* a longer file never costs less */
        it_resp *r2 = call(&c, "tools/call",
                           it_json("{\"name\":\"momentiq.estimate_cost\",\"arguments\":{"
                                   "\"endpoint\":\"audio/silence\",\"duration_s\":6000}}"));
        json_int_t a = miq_json_int(json_object_get(it_result(r), "structuredContent"), "credits",
                                    -1),
                   b = miq_json_int(json_object_get(it_result(r2), "structuredContent"), "credits",
                                    -1);
        IT_ASSERT_MSG(a > 0 && b >= a,
                      "estimate 600 s: %" JSON_INTEGER_FORMAT ", 6000 s: %" JSON_INTEGER_FORMAT, a,
                      b);
    }
}

static void expect_invalid(const conn_t *c, const char *tool, const json_t *args)
{
    it_resp *r = call(c, "tools/call", call_params(tool, args));
    json_t *res = it_result(r);
    IT_ASSERT_R(r->status == 200, r);
    IT_REQUIRE_R(res != NULL, r); /* a tool error, not a JSON-RPC error */
    IT_ASSERT_R(json_is_true(json_object_get(res, "isError")), r);
    IT_ASSERT_R(!strcmp(miq_json_str(json_object_get(json_object_get(res, "structuredContent"),
                                                     "error"),
                                     "code", ""),
                        "invalid_request"),
                r);
    IT_ASSERT_R(strlen(miq_json_str(json_array_get(json_object_get(res, "content"), 0), "text",
                                    "")) > 0,
                r);
}

static void check_invalid(era_t era)
{
    conn_t c = open_era(era);
    json_t *tools;
    int k, n_required = 0, n_enum = 0;
    if (era == E2025)
        IT_REQUIRE_R(c.sid != NULL, NULL);
    tools = list_tools(&c);
    IT_REQUIRE_R(json_is_array(tools), NULL);
    for (k = 0; public_tools[k]; k++) {
        json_t *t = it_find_by_name(tools, public_tools[k]), *schema, *props, *ps;
        const char *key;
        if (!t)
            continue;
        schema = json_object_get(t, "inputSchema");
        props = json_object_get(schema, "properties");
        if (json_array_size(json_object_get(schema, "required"))) {
            /* missing required */
            expect_invalid(&c, public_tools[k], miq_json_pool(itp, json_object()));
            n_required++;
        }
        json_object_foreach(props, key, ps)
        {
            json_t *args;
            if (!json_object_get(ps, "enum"))
                continue;
            /* wrong enum value */
            args = json_deep_copy(valid_args(t));
            miq_json_pool(itp, args);
            json_object_set_new(args, key, json_string("not-a-valid-value"));
            expect_invalid(&c, public_tools[k], args);
            /* wrong type */
            json_object_set_new(args, key, json_integer(42));
            expect_invalid(&c, public_tools[k], args);
            n_enum++;
        }
        if (json_is_false(json_object_get(schema, "additionalProperties"))) {
            json_t *args = json_deep_copy(valid_args(t));
            miq_json_pool(itp, args);
            json_object_set_new(args, "no_such_argument", json_true());
            expect_invalid(&c, public_tools[k], args);
        }
    }
    IT_ASSERT_MSG(n_required >= 3 && n_enum >= 3,
                  "too few public tools with required/enum arguments (%d, %d)", n_required, n_enum);
    /* arguments that are not an object at all: a params error */
    {
        it_resp *r = call(&c, "tools/call",
                          it_json("{\"name\":\"momentiq.list_endpoints\",\"arguments\":[]}"));
        IT_ASSERT_R(it_error_code(r) == -32602, r);
    }
}

static void test_invalid_args_2025(void)
{
    check_invalid(E2025);
}

static void test_invalid_args_2026(void)
{
    check_invalid(E2026);
}

static void check_unknown_tool(era_t era)
{
    conn_t c = open_era(era);
    it_resp *r = call(&c, "tools/call",
                      it_json("{\"name\":\"momentiq.no_such_tool\",\"arguments\":{}}"));
    IT_ASSERT_R(it_error_code(r) == -32602, r);
    IT_ASSERT_R(it_result(r) == NULL, r);
    IT_ASSERT_R(r->status == 200 || r->status == 400, r);
    /* authenticated tools are not offered to an anonymous caller as unknown either way:
     * they are listed or refused with a challenge, never a 500 */
    r = call(&c, "tools/call", it_json("{\"name\":\"\",\"arguments\":{}}"));
    IT_ASSERT_R(it_error_code(r) == -32602, r);
}

static void test_unknown_tool_2025(void)
{
    check_unknown_tool(E2025);
}

static void test_unknown_tool_2026(void)
{
    check_unknown_tool(E2026);
}

/* ---- resources ---- */

static void check_resources(era_t era)
{
    conn_t c = open_era(era);
    it_resp *r = call(&c, "resources/list", NULL);
    json_t *list = json_object_get(it_result(r), "resources"), *g, *item;
    IT_REQUIRE_R(json_is_array(list), r);
    g = NULL;
    {
        size_t i;
        json_t *x;
        json_array_foreach(list, i, x)
        {
            IT_ASSERT_MSG(miq_json_str(x, "uri", NULL) && miq_json_str(x, "name", NULL),
                          "resource without uri/name: %s", it_dump(x));
            if (!strcmp(miq_json_str(x, "uri", ""), "momentiq://guide"))
                g = x;
        }
    }
    IT_ASSERT_R(g != NULL, r);
    r = call(&c, "resources/read", it_json("{\"uri\":\"momentiq://guide\"}"));
    item = json_array_get(json_object_get(it_result(r), "contents"), 0);
    IT_ASSERT_R(!strcmp(miq_json_str(item, "uri", ""), "momentiq://guide"), r);
    IT_ASSERT_R(strlen(miq_json_str(item, "text", "")) > 200, r);
    IT_ASSERT_R(miq_json_str(item, "mimeType", NULL) != NULL, r);

    r = call(&c, "resources/templates/list", NULL);
    IT_ASSERT_R(json_array_size(json_object_get(it_result(r), "resourceTemplates")) >= 1, r);
    r = call(&c, "resources/read",
             it_json("{\"uri\":\"momentiq://endpoints/audio/silence/schema\"}"));
    item = json_array_get(json_object_get(it_result(r), "contents"), 0);
    IT_ASSERT_R(it_json(miq_json_str(item, "text", "x")) != NULL, r);
    r = call(&c, "resources/read", it_json("{\"uri\":\"momentiq://endpoints/no/such/schema\"}"));
    IT_ASSERT_R(it_error(r) != NULL && it_result(r) == NULL, r);
    IT_ASSERT_R(it_error_code(r) == (era == E2026 ? -32602 : -32002), r);
}

static void test_resources_2025(void)
{
    check_resources(E2025);
}

static void test_resources_2026(void)
{
    check_resources(E2026);
}

/* ---- prompts ---- */

static json_t *prompt_args(const json_t *prompt)
{
    json_t *args = json_object(), *a;
    size_t i;
    json_array_foreach(json_object_get(prompt, "arguments"), i, a)
    {
        const char *n = miq_json_str(a, "name", "");
        if (!json_is_true(json_object_get(a, "required")))
            continue;
        json_object_set_new(args, n,
                            json_string(strstr(n, "url") || strstr(n, "Uri")
                                            ? "https://example.com/media/episode-12.mp3"
                                            : "600"));
    }
    return miq_json_pool(itp, args);
}

static void check_prompt_get(const conn_t *c, const json_t *prompt)
{
    const char *name = miq_json_str(prompt, "name", "");
    it_resp *r = call(c, "prompts/get",
                      miq_json_packp(itp, "{s:s,s:O}", "name", name, "arguments",
                                     prompt_args(prompt)));
    json_t *msgs = json_object_get(it_result(r), "messages"), *m;
    size_t i;
    IT_ASSERT_R(json_is_array(msgs) && json_array_size(msgs) > 0, r);
    json_array_foreach(msgs, i, m)
    {
        IT_ASSERT_MSG(miq_json_str(m, "role", NULL) &&
                          json_is_object(json_object_get(m, "content")),
                      "prompt %s message %s", name, it_dump(m));
    }
}

static void check_prompts(era_t era)
{
    conn_t c = open_era(era);
    it_resp *r = call(&c, "prompts/list", NULL);
    json_t *list = json_object_get(it_result(r), "prompts"), *p, *workflow = NULL;
    size_t i;
    IT_REQUIRE_R(json_array_size(list) > 0, r);
    json_array_foreach(list, i, p)
    {
        IT_ASSERT_MSG(miq_json_str(p, "name", NULL) && miq_json_str(p, "description", NULL),
                      "prompt without name/description: %s", it_dump(p));
        if (!workflow && strncmp(miq_json_str(p, "name", "test_"), "test_", 5))
            workflow = p;
    }
    check_prompt_get(&c, json_array_get(list, 0));
    IT_REQUIRE_R(workflow != NULL, r);
    check_prompt_get(&c, workflow);
    {
        /* the media URL given appears in the workflow prompt */
        r = call(&c, "prompts/get",
                 miq_json_packp(itp, "{s:s,s:{s:s}}", "name", miq_json_str(workflow, "name", ""),
                                "arguments", "media_url", "https://example.com/x/ep-77.mp3"));
        IT_ASSERT_R(strstr(it_dump(json_object_get(it_result(r), "messages")), "ep-77.mp3"), r);
        /* missing a required argument */
        r = call(&c, "prompts/get",
                 miq_json_packp(itp, "{s:s}", "name", miq_json_str(workflow, "name", "")));
        IT_ASSERT_R(it_error_code(r) == -32602, r);
        r = call(&c, "prompts/get", it_json("{\"name\":\"no_such_prompt\"}"));
        IT_ASSERT_R(it_error_code(r) == -32602, r);
    }
}

static void test_prompts_2025(void)
{
    check_prompts(E2025);
}

static void test_prompts_2026(void)
{
    check_prompts(E2026);
}

/* ---- completion ---- */

static void check_complete(era_t era)
{
    conn_t c = open_era(era);
    it_resp *r = call(&c, "completion/complete",
                      it_json("{\"ref\":{\"type\":\"ref/resource\",\"uri\":"
                              "\"momentiq://endpoints/{endpoint}/schema\"},\"argument\":{\"name\":"
                              "\"endpoint\",\"value\":\"audio\"}}"));
    json_t *vals = json_object_get(json_object_get(it_result(r), "completion"), "values"), *v;
    size_t i;
    IT_ASSERT_R(json_is_array(vals) && json_array_size(vals) >= 2, r);
    json_array_foreach(vals, i, v)
    {
        IT_ASSERT_MSG(!strncmp(json_string_value(v), "audio", 5), "completion %s for 'audio'",
                      json_string_value(v));
    }
    IT_ASSERT_R(json_array_size(vals) <= 100, r);
    /* a prompt argument */
    {
        json_t *prompts = json_object_get(it_result(call(&c, "prompts/list", NULL)), "prompts");
        const char *wf = NULL;
        json_t *p;
        json_array_foreach(prompts, i, p)
        {
            if (!wf && strncmp(miq_json_str(p, "name", "test_"), "test_", 5))
                wf = miq_json_str(p, "name", NULL);
        }
        IT_REQUIRE_R(wf != NULL, NULL);
        r = call(&c, "completion/complete",
                 miq_json_packp(itp, "{s:{s:s,s:s},s:{s:s,s:s}}", "ref", "type", "ref/prompt",
                                "name", wf, "argument", "name", "duration_s", "value", "6"));
        vals = json_object_get(json_object_get(it_result(r), "completion"), "values");
        IT_ASSERT_R(json_is_array(vals) && json_array_size(vals) >= 1, r);
        json_array_foreach(vals, i, v)
        {
            IT_ASSERT_MSG(json_string_value(v)[0] == '6', "completion %s for '6'",
                          json_string_value(v));
        }
    }
    /* unknown reference type */
    r = call(&c, "completion/complete",
             it_json("{\"ref\":{\"type\":\"ref/nothing\"},\"argument\":{\"name\":\"a\",\"value\":"
                     "\"\"}}"));
    IT_ASSERT_R(it_error_code(r) == -32602, r);
}

static void test_complete_2025(void)
{
    check_complete(E2025);
}

static void test_complete_2026(void)
{
    check_complete(E2026);
}

IT_SUITE("public_tools", IT_TEST(test_tools_list_2025), IT_TEST(test_tools_list_2026),
         IT_TEST(test_calls_2025), IT_TEST(test_calls_2026), IT_TEST(test_call_contents),
         IT_TEST(test_invalid_args_2025), IT_TEST(test_invalid_args_2026),
         IT_TEST(test_unknown_tool_2025), IT_TEST(test_unknown_tool_2026),
         IT_TEST(test_resources_2025), IT_TEST(test_resources_2026), IT_TEST(test_prompts_2025),
         IT_TEST(test_prompts_2026), IT_TEST(test_complete_2025), IT_TEST(test_complete_2026))
