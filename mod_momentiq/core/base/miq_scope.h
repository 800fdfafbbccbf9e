/* Connector scopes (SPEC §4): all, video, audio and timeline families. A token holds
 * a set of them as bits; an endpoint "audio/silence" needs "all" or the audio scope. */
#ifndef MIQ_SCOPE_H
#define MIQ_SCOPE_H

#include <apr_pools.h>

#define MIQ_SCOPE_ALL      0x01u
#define MIQ_SCOPE_VIDEO    0x02u
#define MIQ_SCOPE_AUDIO    0x04u
#define MIQ_SCOPE_TIMELINE 0x08u
#define MIQ_SCOPE_ANY      0x0fu

/* Parses a space- or comma-separated list of scope names. Returns NULL
 * or an error naming the unknown scope; an empty list is an error. */
const char *miq_scope_parse(apr_pool_t *p, const char *list, unsigned *out);
/* Canonical space-separated string for the bits. */
const char *miq_scope_format(apr_pool_t *p, unsigned scopes);
/* The scope bit an endpoint ("video/scenes") belongs to, or 0 for an unknown family. */
unsigned miq_scope_for_endpoint(const char *endpoint);
/* Whether scopes cover the endpoint. */
int miq_scope_allows(unsigned scopes, const char *endpoint);
/* The endpoint families ("video", "audio", "timeline") the scopes cover, as
 * a PostgreSQL text[] literal ("{audio,timeline}"); NULL for all. */
const char *miq_scope_families(apr_pool_t *p, unsigned scopes);

#endif
