/* A conformance-fixture client for the unit suites test_mcp_*.c: one client
 * talking to one miq_server through miq_mcp_dispatch in either MCP era, with
 * what the server streamed collected and 2025 server-to-client requests
 * answered from a canned client response. No httpd, no network. */
#ifndef MIQ_UTEST_MCP_H
#define MIQ_UTEST_MCP_H

#include <jansson.h>
#include "base/miq_json.h"
#include "mcp/miq_mcp.h"
#include "mcp/fixtures/miq_fixtures.h"

/* One client talking to one server. */
typedef struct {
    miq_server *srv;
    miq_era_e era;
    const char *caps;      /* client capabilities (JSON) */
    const char *log_level; /* 2026: _meta logLevel, or NULL */
    json_t *emitted;       /* messages the server streamed, parsed */
    json_t *canned;        /* 2025: the client's result for any server request */
    int awaits;
    int id;
    const char *outcome;
} tenv;

#define RESULT(r)  json_object_get((r), "result")
#define ERRCODE(r) miq_json_int(json_object_get((r), "error"), "code", 0)
#define IMG        MIQ_FIXTURE_IMAGE_BASE64
#define ALL_CAPS   "{\"sampling\":{},\"elicitation\":{},\"roots\":{\"listChanged\":true}}"

/* JSON text parsed into utp (NULL and a message on stderr if invalid). */
json_t *mt_json(const char *text);

/* A fresh server with the fixtures, and a client of era with capabilities caps (JSON). */
void mt_env(tenv *e, miq_era_e era, const char *caps);

/* Sends one request (params as JSON text, may be NULL) and returns the parsed
 * response message. The 2026 era adds the _meta envelope the harness sends. */
json_t *mt_rpc(tenv *e, const char *method, const char *params_text);

/* content[i].text of a result message. */
const char *mt_text_at(const json_t *r, size_t i);

/* String and exact JSON equality, printing both on mismatch. */
int mt_str_is(const char *a, const char *b);
int mt_json_is(const json_t *got, const char *want);

/* The element of arr whose field equals name (its index in *at), or NULL. */
json_t *mt_find_named(const json_t *arr, const char *field, const char *name, size_t *at);

/* The one server request the call streamed. */
json_t *mt_server_request(tenv *e);

/* ---- 2026 multi round-trip ---------------------------------------------------------- */

/* The result's requestState, or NULL. */
const char *mt_state_of(const json_t *r);
/* Whether the result is input_required with requests and a state (shown if not). */
int mt_is_input_required(const json_t *r);
/* Whether the result is complete (shown if not). */
int mt_is_complete(const json_t *r);
/* A retry: same tool, the answers and the state echoed. */
json_t *mt_retry(tenv *e, const char *tool, const char *responses, const char *state);

#endif
