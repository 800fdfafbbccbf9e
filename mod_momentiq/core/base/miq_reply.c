/* Service replies (see miq_reply.h). */
#include "base/miq_reply.h"

void miq_reply_err(miq_reply *out, int status, const char *code, const char *message, json_t *extra)
{
    out->status = status;
    out->code = code;
    out->message = message;
    out->body = extra;
}
