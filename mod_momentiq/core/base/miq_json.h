/* Jansson values whose lifetime is a pool's: miq_json_pool() registers a
 * cleanup that drops the reference, so an early return never leaks.
 *
 * The one ownership rule: every json_t a function creates is bound to the
 * request's or job's pool (miq_json_pool, miq_json_parse, miq_json_packp)
 * as soon as it exists, unless it is handed at once to a container that
 * steals the reference (json_object_set_new, json_array_append_new, "o" in
 * a pack format). Nothing outside this file calls json_decref; a value kept
 * in a container while also bound to a pool is added with a new reference
 * (json_object_set, "O"). tests/check_layers.sh enforces the json_decref
 * part. */
#ifndef MIQ_JSON_H
#define MIQ_JSON_H

#include <apr_pools.h>
#include <jansson.h>

/* Takes ownership of one reference of v and releases it with p. Returns v. */
json_t *miq_json_pool(apr_pool_t *p, json_t *v);

/* Serialize compactly (sorted as inserted) into pool memory. */
const char *miq_json_dump(apr_pool_t *p, const json_t *v);

/* Parse; on failure returns NULL and sets *err (pool string). Result is pool-bound. */
json_t *miq_json_parse(apr_pool_t *p, const char *buf, apr_size_t len, const char **err);

/* Getters with defaults; path is a plain key (no nesting). miq_json_int
 * truncates a real, and gives dflt for one beyond +-9.2e18. */
const char *miq_json_str(const json_t *o, const char *key, const char *dflt);
json_int_t miq_json_int(const json_t *o, const char *key, json_int_t dflt);
double miq_json_num(const json_t *o, const char *key, double dflt);
int miq_json_bool(const json_t *o, const char *key, int dflt);

/* Builds a value from a jansson pack format and pool-binds it; NULL on a bad format. */
json_t *miq_json_packp(apr_pool_t *p, const char *fmt, ...);

#endif
