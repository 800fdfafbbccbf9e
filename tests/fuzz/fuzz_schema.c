/* Tool-argument validation (core/mcp/miq_schema.c) against the real tool
 * inputSchemas: the server is built once (tools/miq_server_build.h, with the
 * conformance fixtures so there are more schemas), the first input byte picks
 * a tool, the rest is the "arguments" JSON. Each input runs what tools/call
 * runs: with_defaults, then validate; a valid instance must stay valid. */
#include "fuzz_common.h"
#include "base/miq_json.h"
#include "mcp/miq_registry.h"
#include "mcp/miq_schema.h"
#include "tools/miq_server_build.h"

static const apr_array_header_t *tools;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static const unsigned char key[32] = "fuzz-state-key-fuzz-state-key-";
    miq_server *srv = NULL;
    (void)argc;
    (void)argv;
    fuzz_init();
    if (miq_server_build(fuzz_root, "https://fuzz.example", NULL, key, sizeof(key), 1, &srv))
        abort();
    tools = miq_registry_tools(srv->registry);
    if (!tools || tools->nelts < 1)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    const miq_tool_entry *t;
    json_t *inst, *full;
    const char *err;
    if (size < 1)
        return 0;
    p = fuzz_pool();
    t = APR_ARRAY_IDX(tools, data[0] % tools->nelts, const miq_tool_entry *);
    inst = miq_json_parse(p, (const char *)data + 1, size - 1, NULL);
    /* Any JSON value, and an omitted "arguments" (NULL) too. */
    err = miq_schema_validate(p, t->input_schema, inst);
    full = miq_schema_with_defaults(p, t->input_schema, inst);
    if (!full && inst)
        abort();
    if (full) {
        const char *err2 = miq_schema_validate(p, t->input_schema, full);
        /* Defaults come from the schema: they may not make a valid call invalid. */
        if (!err && err2)
            abort();
    }
    if (t->output_schema && inst)
        (void)miq_schema_validate(p, t->output_schema, inst);
    apr_pool_destroy(p);
    return 0;
}
