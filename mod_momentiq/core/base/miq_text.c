/* Small text helpers (see miq_text.h). */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include "base/miq_text.h"

const char *miq_text_num(apr_pool_t *p, double v)
{
    /* room for any double: DBL_MAX is 309 digits before the point */
    char buf[320], *end;
    if (!isfinite(v))
        return "NaN";
    snprintf(buf, sizeof(buf), "%.3f", v);
    end = buf + strlen(buf) - 1;
    while (*end == '0')
        *end-- = 0;
    if (*end == '.')
        *end = 0;
    if (!strcmp(buf, "-0"))
        return "0";
    return apr_pstrdup(p, buf);
}

const char *miq_text_timecode(apr_pool_t *p, double t, double fps)
{
    apr_int64_t frames, nominal;
    int drop;
    /* past these, the frame count no longer fits an integer (undefined casts) */
    if (!(fps > 0) || !(fps <= MIQ_TEXT_TC_MAX_FPS) || !(t >= 0) || !(t <= MIQ_TEXT_TC_MAX_S))
        return NULL;
    nominal = llround(fps);
    if (nominal < 1)
        nominal = 1;
    /* 29.97 and 59.94 (30000/1001, 60000/1001) count in drop-frame */
    drop = (nominal == 30 || nominal == 60) && fabs(fps - nominal * 1000.0 / 1001.0) < 0.005;
    frames = (apr_int64_t)floor(t * fps + 1e-6);
    if (drop) {
        apr_int64_t dropf = nominal / 15; /* 2 at 29.97, 4 at 59.94 */
        apr_int64_t per10 = nominal * 600 - dropf * 9, per1 = nominal * 60 - dropf;
        apr_int64_t d = frames / per10, m = frames % per10;
        frames += dropf * 9 * d + (m > dropf ? dropf * ((m - dropf) / per1) : 0);
    }
    return apr_psprintf(p,
                        "%02" APR_INT64_T_FMT ":%02" APR_INT64_T_FMT ":%02" APR_INT64_T_FMT
                        "%c%02" APR_INT64_T_FMT,
                        frames / (nominal * 3600), frames / (nominal * 60) % 60,
                        frames / nominal % 60, drop ? ';' : ':', frames % nominal);
}

int miq_text_utf8_seq(const unsigned char *s)
{
    int n, i;
    unsigned cp;
    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xC2 && s[0] <= 0xDF)
        n = 2, cp = s[0] & 0x1F;
    else if (s[0] >= 0xE0 && s[0] <= 0xEF)
        n = 3, cp = s[0] & 0x0F;
    else if (s[0] >= 0xF0 && s[0] <= 0xF4)
        n = 4, cp = s[0] & 0x07;
    else
        return 0;
    for (i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

int miq_text_utf8_valid(const char *s, apr_size_t n)
{
    apr_size_t i = 0;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        apr_size_t need = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        int k;
        if (!c || need > n - i) /* never read past the n bytes */
            return 0;
        k = miq_text_utf8_seq((const unsigned char *)s + i);
        if (!k || (apr_size_t)k > n - i)
            return 0;
        i += (apr_size_t)k;
    }
    return 1;
}

apr_size_t miq_text_utf8_chars(const char *s, apr_size_t n)
{
    apr_size_t i, c = 0;
    for (i = 0; i < n; i++)
        c += ((unsigned char)s[i] & 0xC0) != 0x80;
    return c;
}

int miq_text_hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

const char *miq_text_form_encode(apr_pool_t *p, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    apr_size_t n = strlen(s);
    char *out = apr_palloc(p, 3 * n + 1), *o = out;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (apr_isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~')
            *o++ = (char)c;
        else {
            *o++ = '%';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
        }
    }
    *o = 0;
    return out;
}
