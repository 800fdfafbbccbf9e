/* /api/dashboard/webhooks...: the account's webhook endpoints, test events
 * and delivery log (mod_momentiq_webhooks.c), and the webhook directives. */
#ifndef MOD_MOMENTIQ_WEBHOOKS_H
#define MOD_MOMENTIQ_WEBHOOKS_H

#include "mod_momentiq_private.h"

/* Directive defaults, each written once (docs/directives.md). */
#define MIQ_DEFAULT_WEBHOOK_ALLOW_PRIVATE 0
#define MIQ_DEFAULT_WEBHOOK_LOW_CREDITS   100
#define MIQ_DEFAULT_WEBHOOK_MAX_ENDPOINTS 10

int miq_handle_webhooks(request_rec *r);

/* MomentIQWebhookAllowPrivate On|Off, MomentIQWebhookLowCredits N,
 * MomentIQWebhookMaxEndpoints N (server-wide or per location). */
const char *miq_set_webhook_allow_private(cmd_parms *cmd, void *dc, int on);
const char *miq_set_webhook_number(cmd_parms *cmd, void *dc, const char *arg);

#endif
