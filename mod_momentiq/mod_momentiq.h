/* Every glue header at once, kept while the glue moves to one header per file
 * (mod_momentiq_<file>.h, as mod_md). A glue file includes the headers of the
 * files whose functions it calls, not this one. */
#ifndef MOD_MOMENTIQ_H
#define MOD_MOMENTIQ_H

#include "mod_momentiq_private.h"
#include "mod_momentiq_account.h"
#include "mod_momentiq_auth.h"
#include "mod_momentiq_billing.h"
#include "mod_momentiq_billing_conf.h"
#include "mod_momentiq_body.h"
#include "mod_momentiq_config.h"
#include "mod_momentiq_dashboard.h"
#include "mod_momentiq_dbd.h"
#include "mod_momentiq_dbd_core.h"
#include "mod_momentiq_discovery.h"
#include "mod_momentiq_files.h"
#include "mod_momentiq_mcp.h"
#include "mod_momentiq_record.h"
#include "mod_momentiq_routes.h"
#include "mod_momentiq_rest.h"
#include "mod_momentiq_session.h"
#include "mod_momentiq_stripe.h"
#include "mod_momentiq_upload.h"
#include "mod_momentiq_worker.h"

#endif
