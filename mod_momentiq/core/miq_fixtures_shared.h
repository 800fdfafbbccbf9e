/* Shared between the fixture files (miq_fixtures.c, miq_fixtures_documents.c);
 * not part of the core's interface. */
#ifndef MIQ_FIXTURES_SHARED_H
#define MIQ_FIXTURES_SHARED_H

#include <apr_pools.h>
#include <jansson.h>
#include "miq_mcp.h"

/* Elicitation params: {message, requestedSchema} (plus mode "form" when asked). */
json_t *miq_fx_elicit_params(apr_pool_t *p, const char *message, const char *schema, int form);
/* "action=accept, content={...}" for an elicitation result. */
const char *miq_fx_elicit_summary(apr_pool_t *p, const json_t *res);
/* The string field of an accepted elicitation, or NULL. */
const char *miq_fx_elicit_field(const json_t *res, const char *field);
/* Registers the resources, the template completion and the prompts. */
const char *miq_fixtures_register_documents(miq_registry *reg);

#endif
