/* Stripe: the webhook and Checkout Sessions (mod_momentiq_stripe.c). */
#ifndef MOD_MOMENTIQ_STRIPE_H
#define MOD_MOMENTIQ_STRIPE_H

#include <httpd.h>
#include <jansson.h>
#include "mod_momentiq_session.h"

/* POST /api/billing/stripe/webhook. */
int miq_handle_stripe_webhook(request_rec *r);
/* POST /api/dashboard/billing/checkout: the Stripe Checkout Session. */
int miq_handle_stripe_checkout(request_rec *r, const miq_web_session *s, json_t *body);

#endif
