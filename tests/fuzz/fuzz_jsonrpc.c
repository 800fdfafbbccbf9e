/* JSON-RPC 2.0 message parsing (core/mcp/miq_jsonrpc.c): miq_rpc_parse on the
 * raw bytes as an HTTP body, then the reply builders on whatever id it found,
 * as the dispatcher does for errors and results. */
#include "fuzz_common.h"
#include "mcp/miq_jsonrpc.h"
#include "base/miq_json.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_init();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    miq_rpc_msg msg;
    int code = 0;
    const char *err = miq_rpc_parse(p, (const char *)data, size, &msg, &code);
    if (err) {
        if (code != MIQ_RPC_PARSE_ERROR && code != MIQ_RPC_INVALID_REQUEST)
            abort();
        {
            /* The error reply must carry its code and a message, whatever the input. */
            json_t *e = json_object_get(miq_rpc_error(p, msg.id, code, err, NULL), "error");
            if (!json_is_string(json_object_get(e, "message")) ||
                json_integer_value(json_object_get(e, "code")) != code)
                abort();
        }
    }
    else {
        if (msg.kind != MIQ_MSG_RESPONSE && !msg.method)
            abort();
        if (msg.kind == MIQ_MSG_REQUEST && !msg.id)
            abort();
        if (msg.params && !json_is_object(msg.params))
            abort();
        (void)miq_json_dump(p, miq_rpc_result(p, msg.id, json_object()));
    }
    (void)miq_rpc_id_text(p, msg.id);
    apr_pool_destroy(p);
    return 0;
}
