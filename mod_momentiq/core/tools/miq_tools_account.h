/* Authenticated account tools (momentiq.get_account). */
#ifndef MIQ_TOOLS_ACCOUNT_H
#define MIQ_TOOLS_ACCOUNT_H

#include "mcp/miq_registry.h"

const char *miq_account_tools_register(miq_registry *reg);

#endif
