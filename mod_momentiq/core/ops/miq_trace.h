/* W3C Trace Context (https://www.w3.org/TR/trace-context/): the traceparent a
 * client sends with a request or in MCP params._meta. */
#ifndef MIQ_TRACE_H
#define MIQ_TRACE_H

#define MIQ_TRACEPARENT_LEN 55 /* "00-<32 hex>-<16 hex>-<2 hex>" */

/* Copies a valid traceparent, lowercased, into out (MIQ_TRACEPARENT_LEN + 1
 * bytes) and returns NULL; else returns why it is not one (out is ""). Version
 * 00 must be exactly 55 characters; a later version may carry more after the
 * flags ("-..."), which is dropped; version ff, an all-zero trace id or
 * parent id, and anything not hex are refused. */
const char *miq_traceparent_parse(const char *in, char *out);

/* The trace id (32 hex) of a valid traceparent, copied into out (33 bytes). */
void miq_traceparent_trace_id(const char *traceparent, char *out);

#endif
