/* What a service answers, whatever the surface: the REST handlers render it
 * as HTTP, the MCP tools as a tool result. */
#ifndef MIQ_REPLY_H
#define MIQ_REPLY_H

#include <jansson.h>

/* What a service answers: a status, and a body or an error (SPEC §9). */
typedef struct miq_reply {
    int status;          /* 200, 201, 202, 4xx, 5xx */
    const char *code;    /* error code when status >= 400 */
    const char *message; /* error message when status >= 400 */
    json_t *body;        /* success body; for errors, extra fields (numbers, urls) or NULL */
} miq_reply;

/* Sets an error reply; extra (pool-bound or NULL) goes into out->body. */
void miq_reply_err(miq_reply *out, int status, const char *code, const char *message,
                   json_t *extra);

#endif
