/* Small text helpers every domain uses: numbers and timecodes as people read
 * them, UTF-8 checks and counts, form encoding and hex digits. Pure of httpd;
 * results are allocated in the pool given. */
#ifndef MIQ_TEXT_H
#define MIQ_TEXT_H

#include <apr_pools.h>

/* A number as short decimal text with at most 3 decimals: 0.1 -> "0.1",
 * 2 -> "2", -35 -> "-35" (APR's %g drops the leading zero). */
const char *miq_text_num(apr_pool_t *p, double v);

/* SMPTE timecode for t seconds at fps: "HH:MM:SS:FF", or "HH:MM:SS;FF"
 * (drop-frame) for 29.97 and 59.94 fps. NULL for a negative or non-finite
 * time or rate, a rate above MIQ_TEXT_TC_MAX_FPS or a time above
 * MIQ_TEXT_TC_MAX_S (media can declare any rate). */
#define MIQ_TEXT_TC_MAX_FPS 10000.0
#define MIQ_TEXT_TC_MAX_S   1e9
const char *miq_text_timecode(apr_pool_t *p, double t, double fps);

/* Length of the valid UTF-8 sequence at s (shortest form, no surrogates), or 0. */
int miq_text_utf8_seq(const unsigned char *s);
/* 1 when the n bytes at s are valid UTF-8 (NUL bytes refused). */
int miq_text_utf8_valid(const char *s, apr_size_t n);
/* Characters (code points) in the n bytes at s, counting lead bytes. */
apr_size_t miq_text_utf8_chars(const char *s, apr_size_t n);

/* The value of a hex digit, or -1. */
int miq_text_hexval(char c);
/* application/x-www-form-urlencoded component: unreserved characters kept,
 * everything else %XX (blank too). */
const char *miq_text_form_encode(apr_pool_t *p, const char *s);

#endif
