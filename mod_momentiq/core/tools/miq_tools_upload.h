/* Authenticated upload tool: momentiq.create_upload (services in miq_uploads.c). */
#ifndef MIQ_TOOLS_UPLOAD_H
#define MIQ_TOOLS_UPLOAD_H

#include "mcp/miq_registry.h"

const char *miq_upload_tools_register(miq_registry *reg);

#endif
