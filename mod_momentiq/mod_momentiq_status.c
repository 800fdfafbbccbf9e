/* server-status (mod_status) gains a MomentIQ section: the live counters of
 * every child (shared memory) and the queue and workers from the database.
 * ?auto gets "Key: value" lines. Without mod_status the hook never runs. */
#include <httpd.h>
#include <http_config.h>
#include <http_protocol.h>
#include <apr_optional_hooks.h>
#include <mod_status.h>
#include "mod_momentiq_private.h"
#include "mod_momentiq_status.h"
#include "mod_momentiq_metrics.h"

static int status_section(request_rec *r, int flags)
{
    miq_metrics_db db;
    if (!miq_metrics_attached())
        return OK;
    miq_metrics_read_db(r, &db);
    ap_rputs(miq_metrics_status(r->pool, &db, (flags & AP_STATUS_SHORT) != 0), r);
    return OK;
}

void miq_status_register_hooks(void)
{
    APR_OPTIONAL_HOOK(ap, status_hook, status_section, NULL, NULL, APR_HOOK_MIDDLE);
}
