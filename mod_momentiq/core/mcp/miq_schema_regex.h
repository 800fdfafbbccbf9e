/* Regexes for JSON Schema "pattern" and "format" (miq_schema_regex.c). */
#ifndef MIQ_SCHEMA_REGEX_H
#define MIQ_SCHEMA_REGEX_H

#include <regex.h>
#include <apr_hash.h>
#include <apr_pools.h>

/* Compiled regex for an ECMA-style pattern, cached in cache (if any); regfree'd with p.
 * Inside [...] escapes become literals (backslash is literal in a POSIX bracket) and an escaped
 * '-' moves to the end of the bracket; an escaped ']' or '^' is not supported. NULL when the
 * pattern uses what POSIX cannot say (lookarounds, \u escapes, back references). */
regex_t *miq_schema_regex(apr_pool_t *p, apr_hash_t *cache, const char *pat);

#endif
