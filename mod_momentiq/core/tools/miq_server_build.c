#include <apr_strings.h>
#include "endpoints/miq_endpoints.h"
#include "guide/miq_guide.h"
#include "mcp/fixtures/miq_fixtures.h"
#include "billing/miq_pricing.h"
#include "base/miq_server.h"
#include "tools/miq_tools_account.h"
#include "tools/miq_tools_jobs.h"
#include "tools/miq_tools_upload.h"
#include "tools/miq_tools_app.h"
#include "tools/miq_server_build.h"

static const char instructions[] =
    "MomentIQ finds timestamped moments in video and audio. Start with "
    "momentiq.get_agent_guide or momentiq.list_workflows; estimate with "
    "momentiq.estimate_cost before any paid job. Public tools need no token and never spend "
    "credits; job tools need an API key or connector token with the endpoint's scope.";

const char *miq_server_build(apr_pool_t *p, const char *base_url, miq_pricing *pricing,
                             const unsigned char *state_key, apr_size_t key_len, int fixtures,
                             miq_server **out)
{
    miq_server *srv = apr_pcalloc(p, sizeof(*srv));
    const char *err;
    srv->pool = p;
    srv->name = "momentiq";
    srv->version = MIQ_VERSION;
    srv->base_url = apr_pstrdup(p, base_url);
    srv->mcp_url = apr_pstrcat(p, base_url, "/mcp", NULL);
    srv->instructions = instructions;
    srv->pricing = pricing ? pricing : miq_pricing_default(p);
    miq_server_set_secret(srv, state_key, key_len);
    srv->fixtures = fixtures;
    srv->ask_timeout_ms = 60000;
    srv->usage_alerts = "{0.5,0.8,1.0}";
    miq_server_set_operator(srv, NULL, NULL, NULL, NULL); /* the glue sets the directives' */
    miq_endpoints_init();
    srv->registry = miq_registry_create(p);
    /* The suite calls the first tool and reads the first resource it lists:
     * with fixtures on, they come first. */
    if (fixtures && (err = miq_fixtures_register(srv->registry)))
        return apr_psprintf(p, "registering conformance fixtures: %s", err);
    if ((err = miq_public_register(srv->registry)))
        return apr_psprintf(p, "registering public tools: %s", err);
    if ((err = miq_account_tools_register(srv->registry)))
        return apr_psprintf(p, "registering account tools: %s", err);
    if ((err = miq_jobs_tools_register(srv->registry)))
        return apr_psprintf(p, "registering job tools: %s", err);
    if ((err = miq_upload_tools_register(srv->registry)))
        return apr_psprintf(p, "registering upload tools: %s", err);
    if ((err = miq_app_register(srv->registry, p, base_url)))
        return apr_psprintf(p, "registering the MCP App: %s", err);
    if ((err = miq_registry_seal(srv->registry, base_url)))
        return err;
    *out = srv;
    return NULL;
}
