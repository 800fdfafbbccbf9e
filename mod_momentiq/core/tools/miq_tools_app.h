/* The MCP App (extension io.modelcontextprotocol/ui, 2026-01-26): the view
 * ui://momentiq/timeline, the app-only tool it polls with, and the _meta.ui
 * that links the job tools to the view. */
#ifndef MIQ_TOOLS_APP_H
#define MIQ_TOOLS_APP_H

#include <stddef.h>
#include "mcp/miq_registry.h"

#define MIQ_APP_TIMELINE_URI  "ui://momentiq/timeline"
#define MIQ_APP_TIMELINE_MIME "text/html;profile=mcp-app"

/* The view's HTML, built from assets/mcp-app and assets/timeline by
 * assets/mcp-app/embed.py (see the Makefile). */
extern const char miq_app_timeline_html[];
extern const size_t miq_app_timeline_html_len;

/* Registers the view (its CSP: base_url, the server's own origin) and the
 * app-only tool, and points the job tools at the view; after the job tools are
 * registered, before seal. */
const char *miq_app_register(miq_registry *reg, apr_pool_t *p, const char *base_url);

#endif
