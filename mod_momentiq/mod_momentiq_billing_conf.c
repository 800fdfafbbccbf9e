/* Billing directives (the table is in mod_momentiq_config.c): free credits,
 * the credit's price in money, usage alert thresholds, and Stripe (webhook
 * signing secret, secret API key, API origin, timestamp tolerance). */
#include <stdlib.h>
#include <string.h>
#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <apr_strings.h>
#include "mod_momentiq_private.h"
#include "mod_momentiq_billing_conf.h"
#include "base/miq_file.h"
#include "billing/miq_billing.h"
#include "billing/miq_pricing.h"
#include "billing/miq_stripe.h"

const char *miq_set_free_credits(cmd_parms *cmd, void *dcv, const char *arg)
{
    miq_dir_conf *dc = dcv;
    char *end;
    long v = strtol(arg, &end, 10);
    (void)cmd;
    if (end == arg || *end || v < 0 || v > 1000000000L)
        return "MomentIQFreeCredits: a whole number of credits from 0 to 1000000000";
    dc->free_credits = (int)v;
    return NULL;
}

const char *miq_free_credits(request_rec *r)
{
    int n = miq_dconf(r)->free_credits;
    return apr_itoa(r->pool, n == MIQ_UNSET ? 0 : n);
}

const char *miq_set_credit_price(cmd_parms *cmd, void *dc, const char *amount, const char *currency)
{
    miq_srv_conf *sc = miq_conf(cmd->server);
    char *end;
    double v = strtod(amount, &end);
    const char *err;
    (void)dc;
    if (end == amount || *end)
        return apr_psprintf(cmd->pool, "MomentIQCreditPrice: '%s' is not an amount", amount);
    if ((err = miq_pricing_set_credit_price(miq_pricing_default(cmd->temp_pool), v, currency)))
        return apr_psprintf(cmd->pool, "MomentIQCreditPrice: %s", err);
    sc->credit_price = amount;
    sc->credit_currency = currency;
    return NULL;
}

const char *miq_set_usage_alerts(cmd_parms *cmd, void *dc, const char *line)
{
    const char *words[MIQ_BILLING_MAX_THRESHOLDS + 1], *w, *lit, *err;
    int n = 0;
    (void)dc;
    while (*line && (w = ap_getword_conf(cmd->temp_pool, &line)) && *w) {
        if (n > MIQ_BILLING_MAX_THRESHOLDS)
            break;
        words[n++] = w;
    }
    if ((err = miq_billing_thresholds_words(cmd->pool, n, words, &lit)))
        return apr_psprintf(cmd->pool, "MomentIQUsageAlerts: %s", err);
    miq_conf(cmd->server)->usage_alerts = lit;
    return NULL;
}

const char *miq_set_stripe_file(cmd_parms *cmd, void *dc, const char *arg)
{
    miq_srv_conf *sc = miq_conf(cmd->server);
    (void)dc;
    *(const char **)((char *)sc + (apr_size_t)cmd->info) = ap_server_root_relative(cmd->pool, arg);
    return NULL;
}

const char *miq_set_stripe_api_base(cmd_parms *cmd, void *dc, const char *arg)
{
    size_t n = strlen(arg);
    (void)dc;
    if (strncmp(arg, "http://", 7) && strncmp(arg, "https://", 8))
        return "MomentIQStripeAPIBase must start with http:// or https://";
    while (n > 0 && arg[n - 1] == '/')
        n--;
    miq_conf(cmd->server)->stripe_api_base = apr_pstrndup(cmd->pool, arg, n);
    return NULL;
}

const char *miq_set_stripe_tolerance(cmd_parms *cmd, void *dc, const char *arg)
{
    char *end;
    long v = strtol(arg, &end, 10);
    (void)dc;
    if (end == arg || *end || v < 1 || v > 86400)
        return "MomentIQStripeWebhookTolerance: seconds from 1 to 86400";
    miq_conf(cmd->server)->stripe_tolerance_s = (int)v;
    return NULL;
}

/* A one-line secret file: the bytes without the line end, at least min bytes. */
static const char *read_secret_line(apr_pool_t *p, const char *directive, const char *path,
                                    apr_size_t min, char **out, apr_size_t *len)
{
    apr_size_t n = 0;
    char *buf = NULL;
    if (miq_file_read_small(&buf, &n, path, p) != APR_SUCCESS)
        return apr_psprintf(p, "cannot read %s %s", directive, path);
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
        buf[--n] = 0;
    if (n < min)
        return apr_psprintf(p, "%s %s holds fewer than %lu bytes", directive, path,
                            (unsigned long)min);
    *out = buf;
    *len = n;
    return NULL;
}

const char *miq_billing_conf_finish(apr_pool_t *p, server_rec *s, miq_srv_conf *sc,
                                    miq_pricing *pricing)
{
    const char *err;
    char *buf;
    apr_size_t n;
    (void)s;
    if (!sc->usage_alerts)
        sc->usage_alerts = MIQ_BILLING_DEFAULT_THRESHOLDS;
    if (!sc->stripe_api_base)
        sc->stripe_api_base = "https://api.stripe.com";
    if (sc->stripe_tolerance_s == MIQ_UNSET)
        sc->stripe_tolerance_s = MIQ_STRIPE_DEFAULT_TOLERANCE_S;
    if (sc->credit_price &&
        (err = miq_pricing_set_credit_price(pricing, atof(sc->credit_price), sc->credit_currency)))
        return apr_psprintf(p, "MomentIQCreditPrice: %s", err);
    if (sc->stripe_webhook_secret_file) {
        if ((err = read_secret_line(p, "MomentIQStripeWebhookSecretFile",
                                    sc->stripe_webhook_secret_file, 16, &buf, &n)))
            return err;
        sc->stripe_webhook_secret = (const unsigned char *)buf;
        sc->stripe_webhook_secret_len = n;
    }
    if (sc->stripe_secret_key_file) {
        if ((err = read_secret_line(p, "MomentIQStripeSecretKeyFile", sc->stripe_secret_key_file, 8,
                                    &buf, &n)))
            return err;
        if (memchr(buf, '\n', n) || memchr(buf, '\r', n))
            return "MomentIQStripeSecretKeyFile must hold one line";
        sc->stripe_secret_key = buf;
    }
    return NULL;
}
