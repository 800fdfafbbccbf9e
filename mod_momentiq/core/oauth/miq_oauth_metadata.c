/* RFC 8414 authorization server metadata and RFC 9728 protected resource
 * metadata, listing exactly what the server supports. The issuer is the base
 * URL; the endpoints live under /api/auth/oauth/. */
#include <apr_strings.h>
#include "base/miq_json.h"
#include "oauth/miq_oauth.h"

static json_t *scopes(void)
{
    return json_pack("[s,s,s,s]", "all", "video/*", "audio/*", "timeline/*");
}

static json_t *auth_methods(void)
{
    return json_pack("[s,s,s]", "none", "client_secret_basic", "client_secret_post");
}

json_t *miq_oauth_as_metadata(apr_pool_t *p, const char *base_url, int dcr, int cimd)
{
    const char *e = apr_pstrcat(p, base_url, "/api/auth/oauth/", NULL);
    json_t *m = miq_json_pool(p, json_object());
    json_object_set_new(m, "issuer", json_string(base_url));
    json_object_set_new(m, "authorization_endpoint",
                        json_string(apr_pstrcat(p, e, "authorize", NULL)));
    json_object_set_new(m, "token_endpoint", json_string(apr_pstrcat(p, e, "token", NULL)));
    json_object_set_new(m, "revocation_endpoint", json_string(apr_pstrcat(p, e, "revoke", NULL)));
    json_object_set_new(m, "introspection_endpoint",
                        json_string(apr_pstrcat(p, e, "introspect", NULL)));
    if (dcr)
        json_object_set_new(m, "registration_endpoint",
                            json_string(apr_pstrcat(p, e, "register", NULL)));
    /* offline_access: Claude asks for it; refresh tokens are always issued */
    json_object_set_new(m, "scopes_supported", scopes());
    json_array_append_new(json_object_get(m, "scopes_supported"), json_string("offline_access"));
    json_object_set_new(m, "response_types_supported", json_pack("[s]", "code"));
    json_object_set_new(m, "response_modes_supported", json_pack("[s]", "query"));
    json_object_set_new(m, "grant_types_supported",
                        json_pack("[s,s]", "authorization_code", "refresh_token"));
    json_object_set_new(m, "code_challenge_methods_supported", json_pack("[s]", "S256"));
    json_object_set_new(m, "token_endpoint_auth_methods_supported", auth_methods());
    json_object_set_new(m, "revocation_endpoint_auth_methods_supported", auth_methods());
    json_object_set_new(m, "introspection_endpoint_auth_methods_supported", auth_methods());
    json_object_set_new(m, "authorization_response_iss_parameter_supported", json_true());
    json_object_set_new(m, "client_id_metadata_document_supported", json_boolean(cimd));
    json_object_set_new(m, "service_documentation",
                        json_string(apr_pstrcat(p, base_url, "/docs/", NULL)));
    return m;
}

json_t *miq_oauth_pr_metadata(apr_pool_t *p, const char *mcp_url, const char *base_url,
                              const char *title)
{
    json_t *m = miq_json_pool(p, json_object());
    json_object_set_new(m, "resource", json_string(mcp_url));
    json_object_set_new(m, "authorization_servers", json_pack("[s]", base_url));
    json_object_set_new(m, "scopes_supported", scopes());
    json_object_set_new(m, "bearer_methods_supported", json_pack("[s]", "header"));
    json_object_set_new(m, "resource_name", json_string(title));
    json_object_set_new(m, "resource_documentation",
                        json_string(apr_pstrcat(p, base_url, "/docs/", NULL)));
    return m;
}
