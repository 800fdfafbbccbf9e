/* The account as its owner sees it (GET /v1/account, momentiq.get_account):
 * identity, token, billing and the readiness warnings with the page that
 * fixes each. */
#ifndef MIQ_ACCOUNT_VIEW_H
#define MIQ_ACCOUNT_VIEW_H

#include <apr_pools.h>
#include <jansson.h>
#include "base/miq_caller.h"

/* What momentiq.get_account and GET /v1/account return for the caller
 * (account, balance, cap, usage, billing state, token, readiness warnings).
 * warnings gets the warnings array too (borrowed), for recording. */
json_t *miq_account_view(apr_pool_t *p, const miq_caller *caller, json_t **warnings);

#endif
