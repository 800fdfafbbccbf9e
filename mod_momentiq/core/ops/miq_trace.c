#include <string.h>
#include "ops/miq_trace.h"

static int hexlower(char c, char *out)
{
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) {
        *out = c;
        return 1;
    }
    if (c >= 'A' && c <= 'F') { /* the spec says lowercase; tolerate, then normalise */
        *out = (char)(c - 'A' + 'a');
        return 1;
    }
    return 0;
}

static int all_zero(const char *s, int n)
{
    int i;
    for (i = 0; i < n; i++)
        if (s[i] != '0')
            return 0;
    return 1;
}

static const char *parse(const char *in, char *out)
{
    /* field lengths and the dashes between them */
    static const int widths[4] = {2, 32, 16, 2};
    size_t len;
    int f, i, pos = 0;
    if (!in)
        return "no traceparent";
    len = strlen(in);
    if (len < MIQ_TRACEPARENT_LEN)
        return "traceparent is too short";
    for (f = 0; f < 4; f++) {
        if (f) {
            if (in[pos] != '-')
                return "traceparent fields must be separated by '-'";
            out[pos++] = '-';
        }
        for (i = 0; i < widths[f]; i++, pos++)
            if (!hexlower(in[pos], &out[pos]))
                return "traceparent must be hexadecimal";
    }
    out[pos] = 0;
    if (!strncmp(out, "ff", 2))
        return "traceparent version ff is invalid";
    if (!strncmp(out, "00", 2) ? len != MIQ_TRACEPARENT_LEN
                               : (len > MIQ_TRACEPARENT_LEN && in[MIQ_TRACEPARENT_LEN] != '-'))
        return "traceparent has extra characters";
    if (all_zero(out + 3, 32))
        return "traceparent trace-id is all zeros";
    if (all_zero(out + 36, 16))
        return "traceparent parent-id is all zeros";
    return NULL;
}

const char *miq_traceparent_parse(const char *in, char *out)
{
    const char *err = parse(in, out);
    if (err)
        out[0] = 0;
    return err;
}

void miq_traceparent_trace_id(const char *traceparent, char *out)
{
    out[0] = 0;
    if (traceparent && strlen(traceparent) >= MIQ_TRACEPARENT_LEN) {
        memcpy(out, traceparent + 3, 32);
        out[32] = 0;
    }
}
