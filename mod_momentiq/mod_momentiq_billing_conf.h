/* Billing directives (mod_momentiq_billing_conf.c), listed in the directive
 * table of mod_momentiq_config.c. */
#ifndef MOD_MOMENTIQ_BILLING_CONF_H
#define MOD_MOMENTIQ_BILLING_CONF_H

#include "mod_momentiq_private.h"

const char *miq_set_free_credits(cmd_parms *cmd, void *dc, const char *arg);
const char *miq_set_credit_price(cmd_parms *cmd, void *dc, const char *amount,
                                 const char *currency);
const char *miq_set_usage_alerts(cmd_parms *cmd, void *dc, const char *line);
const char *miq_set_stripe_file(cmd_parms *cmd, void *dc, const char *arg);
const char *miq_set_stripe_api_base(cmd_parms *cmd, void *dc, const char *arg);
const char *miq_set_stripe_tolerance(cmd_parms *cmd, void *dc, const char *arg);
/* Defaults, the credit price into pricing, the Stripe secrets read. */
const char *miq_billing_conf_finish(apr_pool_t *p, server_rec *s, miq_srv_conf *sc,
                                    miq_pricing *pricing);
/* Free credits for an account created by this request, as a decimal string. */
const char *miq_free_credits(request_rec *r);

#endif
