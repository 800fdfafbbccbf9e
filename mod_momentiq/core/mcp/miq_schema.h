/* A JSON Schema validator for the subset MCP tool inputSchemas use (draft 2020-12 wording,
 * draft-07 "definitions" accepted). Pure C: APR + Jansson + <regex.h>, no httpd headers.
 *
 * Keywords: type (name or list), enum, const, minimum, maximum, exclusiveMinimum,
 * exclusiveMaximum (numeric form only), multipleOf, minLength, maxLength (UTF-8 code points),
 * pattern, format ("uri", "date-time"; other formats are ignored), items, prefixItems, minItems,
 * maxItems, uniqueItems, properties, required, additionalProperties (bool or schema),
 * patternProperties, minProperties, maxProperties, allOf, anyOf, oneOf (exactly one), not,
 * $ref (local only: "#", "#/$defs/...", "#/definitions/...", any "#/json/pointer").
 * $schema, $id, title, description, default, examples and unknown keywords are ignored.
 * Boolean schemas (true / false) are accepted anywhere a schema is.
 *
 * Semantics worth knowing:
 *  - "integer" accepts JSON integers and reals with no fractional part (3.0), as the spec says;
 *    |x| must be below 2^53. miq_schema_with_defaults() turns such reals into integers where the
 *    schema's type is exactly "integer", so tools can use json_integer_value().
 *  - pattern is a search (unanchored, as in ECMA-262) compiled with POSIX regcomp(REG_EXTENDED).
 *    The ECMA escapes \d \D \w \W \s \S (ASCII classes), \n \t \r \f \v and escaped
 *    punctuation inside [...] are translated to POSIX; lookarounds, (?:...), backreferences,
 *    \uXXXX / \xXX and an escaped ']' or '^' inside [...] are not supported and fail
 *    miq_schema_check(). Matching is byte-wise ("." is one byte, not one code point); a string
 *    with an embedded NUL never matches a pattern or format. Each distinct pattern is compiled
 *    once per validation and freed when it ends.
 *  - format "uri" is scheme ":" followed by no whitespace/control characters; "date-time" is
 *    RFC 3339 (T/t/space separator, Z/z or +hh:mm offset, day only checked to 01..31).
 *  - A NULL instance (MCP "arguments" omitted) is treated as {}.
 *  - Limits: schema/instance nesting depth 64 (MIQ_SCHEMA_MAX_DEPTH) and a work budget of
 *    MIQ_SCHEMA_MAX_STEPS (schema nodes visited + uniqueItems comparisons); past either,
 *    validation fails with "nesting too deep" / "input too large to validate".
 *  - Messages name the place with a path rooted at "arguments" (arguments.a.b[2], keys that are
 *    not plain identifiers as arguments["a b"]) and never quote more than ~60 bytes of any
 *    instance value or key. */
#ifndef MIQ_SCHEMA_H
#define MIQ_SCHEMA_H

#include <apr_pools.h>
#include <jansson.h>

#define MIQ_SCHEMA_MAX_DEPTH 64
#define MIQ_SCHEMA_MAX_STEPS 1000000UL

/* NULL if instance is valid; else a message (in p) for the first problem, e.g.
 * "arguments.params.threshold_db: must be <= 0 (got 3)". */
const char *miq_schema_validate(apr_pool_t *p, const json_t *schema, const json_t *instance);

/* A deep copy of instance (pool-bound to p) with each absent property that has a "default" in
 * "properties" set to a copy of it, recursing into present (or just defaulted) nested objects,
 * array items, allOf branches and $refs; oneOf/anyOf branches are not used. Integral reals
 * whose schema type is "integer" become integers. Does not validate: call
 * miq_schema_validate() on the result. Returns NULL only on allocation failure. */
json_t *miq_schema_with_defaults(apr_pool_t *p, const json_t *schema, const json_t *instance);

/* Registration-time sanity check: root is a schema object with type "object", keywords carry
 * the right JSON types, patterns compile, $refs are local and resolve, no $ref-only cycles.
 * NULL if fine, else a message such as "schema.properties.x.minLength: must be a non-negative
 * integer". */
const char *miq_schema_check(apr_pool_t *p, const json_t *schema);

#endif
