#include <string.h>
#include <apr_strings.h>
#include "base/miq_json.h"
#include "mcp/miq_mcp.h"
#include "tools/miq_discovery.h"
#include "oauth/miq_oauth.h"
#include "legal/miq_legal.h"

static json_t *tools_json(apr_pool_t *p, const miq_server *srv)
{
    const char *s = miq_registry_tools_json(srv->registry, 0, 0);
    return miq_json_parse(p, s, strlen(s), NULL);
}

static json_t *auth_hints(apr_pool_t *p, const miq_server *srv)
{
    return miq_json_packp(
        p, "{s:s,s:s,s:[s,s,s,s],s:s,s:s}", "type", "oauth2", "resource_metadata",
        apr_pstrcat(p, srv->base_url, "/.well-known/oauth-protected-resource/mcp", NULL),
        "scopes_supported", "all", "video/*", "audio/*", "timeline/*", "bearer",
        "Authorization: Bearer miq_live_... (API key) or miq_conn_... (connector token)",
        "public_tools",
        "momentiq.get_agent_guide, list_endpoints, get_endpoint_schema, "
        "estimate_cost, list_workflows, plan_integration, get_code_example need "
        "no token");
}

/* The brand files (assets/brand, rendered by ./build.sh brand). */
static json_t *icons(apr_pool_t *p, const miq_server *srv)
{
    const char *b = apr_pstrcat(p, srv->base_url, "/assets/brand/", NULL);
    return miq_json_packp(p, "[{s:s,s:s,s:s},{s:s,s:s,s:s},{s:s,s:s,s:s}]", "src",
                          apr_pstrcat(p, b, "app-icon-512.png", NULL), "sizes", "512x512",
                          "mimeType", "image/png", "src",
                          apr_pstrcat(p, b, "favicon-192.png", NULL), "sizes", "192x192",
                          "mimeType", "image/png", "src", apr_pstrcat(p, b, "favicon.svg", NULL),
                          "sizes", "any", "mimeType", "image/svg+xml");
}

/* Where people read the policies and get help: the operator's directives. */
static json_t *urls(apr_pool_t *p, const miq_server *srv)
{
    return miq_json_packp(p, "{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "docs",
                          apr_pstrcat(p, srv->base_url, "/docs/", NULL), "privacy",
                          srv->privacy_url, "terms", srv->terms_url, "data_retention",
                          miq_legal_url(p, srv, "retention"), "media_deletion",
                          miq_legal_url(p, srv, "deletion"), "billing",
                          miq_legal_url(p, srv, "billing"), "support",
                          apr_pstrcat(p, "mailto:", srv->support_email, NULL), "dashboard",
                          apr_pstrcat(p, srv->base_url, "/dashboard/", NULL), "status",
                          apr_pstrcat(p, srv->mcp_url, "/status", NULL));
}

json_t *miq_discovery_mcp(apr_pool_t *p, const miq_server *srv)
{
    json_t *d = json_object();
    json_object_set(d, "serverInfo", miq_mcp_server_info(p, srv));
    json_object_set_new(d, "description",
                        json_string("Find timestamped moments in video and audio for AI apps."));
    json_object_set_new(d, "endpoint", json_string(srv->mcp_url));
    json_object_set_new(d, "transport", json_string("streamable-http"));
    json_object_set(d, "protocolVersions", miq_mcp_versions_json(p));
    json_object_set(d, "capabilities", miq_mcp_capabilities(p, srv, MIQ_ERA_2025));
    json_object_set(d, "auth", auth_hints(p, srv));
    json_object_set(d, "tools", tools_json(p, srv));
    json_object_set_new(d, "links",
                        json_pack("{s:s,s:s,s:s,s:s}", "manifest",
                                  apr_pstrcat(p, srv->mcp_url, "/manifest", NULL), "status",
                                  apr_pstrcat(p, srv->mcp_url, "/status", NULL), "server_card",
                                  apr_pstrcat(p, srv->base_url, "/.well-known/mcp.json", NULL),
                                  "protected_resource",
                                  apr_pstrcat(p, srv->base_url,
                                              "/.well-known/oauth-protected-resource/mcp", NULL)));
    return miq_json_pool(p, d);
}

json_t *miq_discovery_manifest(apr_pool_t *p, const miq_server *srv)
{
    json_t *m = json_object(), *tools = json_array(), *all = tools_json(p, srv);
    size_t i;
    json_t *t;
    json_array_foreach(all, i, t)
    {
        json_array_append_new(tools,
                              json_pack("{s:O,s:O,s:O,s:O}", "name", json_object_get(t, "name"),
                                        "title", json_object_get(t, "title"), "description",
                                        json_object_get(t, "description"), "annotations",
                                        json_object_get(t, "annotations")));
    }
    json_object_set_new(m, "schema_version", json_string("1"));
    json_object_set_new(m, "name", json_string(srv->title));
    json_object_set_new(m, "name_for_model", json_string(srv->name));
    json_object_set_new(m, "description_short",
                        json_string("Find timestamped moments in video and audio for AI apps."));
    json_object_set_new(m, "description_long",
                        json_string(
                            "MomentIQ.dev gives AI agents and developers media timeline tools for "
                            "uploads, cost estimates, job creation, polling, output URLs, clips, "
                            "silence, energy, frames, and structured timeline results."));
    json_object_set_new(m, "mcp_url", json_string(srv->mcp_url));
    json_object_set_new(m, "version", json_string(srv->version));
    json_object_set(m, "icons", icons(p, srv));
    json_object_set_new(
        m, "logos",
        json_pack("{s:s,s:s,s:s}", "light",
                  apr_pstrcat(p, srv->base_url, "/assets/brand/logo-horizontal-light.png", NULL),
                  "dark",
                  apr_pstrcat(p, srv->base_url, "/assets/brand/logo-horizontal-dark.png", NULL),
                  "social",
                  apr_pstrcat(p, srv->base_url, "/assets/brand/og-image-1200x630.png", NULL)));
    json_object_set_new(m, "categories",
                        json_pack("[s,s,s,s]", "developer tools", "media", "productivity", "AI"));
    json_object_set(m, "auth", auth_hints(p, srv));
    json_object_set_new(m, "tools", tools);
    json_object_set_new(m, "support_email", json_string(srv->support_email));
    json_object_set(m, "urls", urls(p, srv));
    return miq_json_pool(p, m);
}

json_t *miq_discovery_wellknown(apr_pool_t *p, const miq_server *srv)
{
    json_t *d = json_object();
    json_object_set(d, "serverInfo", miq_mcp_server_info(p, srv));
    json_object_set_new(d, "name", json_string(srv->name));
    json_object_set_new(d, "title", json_string(srv->title));
    json_object_set_new(d, "version", json_string(srv->version));
    json_object_set_new(d, "description",
                        json_string("Find timestamped moments in video and audio for AI apps."));
    json_object_set_new(d, "endpoints", json_pack("{s:s}", "streamable_http", srv->mcp_url));
    json_object_set_new(d, "remotes",
                        json_pack("[{s:s,s:s}]", "type", "streamable-http", "url", srv->mcp_url));
    json_object_set(d, "protocolVersions", miq_mcp_versions_json(p));
    json_object_set(d, "capabilities", miq_mcp_capabilities(p, srv, MIQ_ERA_2025));
    json_object_set(d, "authentication", auth_hints(p, srv));
    json_object_set(d, "icons", icons(p, srv));
    json_object_set_new(d, "websiteUrl", json_string(srv->base_url));
    json_object_set_new(d, "support_email", json_string(srv->support_email));
    json_object_set(d, "urls", urls(p, srv));
    return miq_json_pool(p, d);
}

json_t *miq_discovery_protected_resource(apr_pool_t *p, const miq_server *srv)
{
    /* one builder with the authorization server's metadata (miq_oauth_metadata.c) */
    return miq_oauth_pr_metadata(p, srv->mcp_url, srv->base_url, srv->title);
}
