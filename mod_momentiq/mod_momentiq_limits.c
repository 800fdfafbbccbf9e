/* Rate limits in the glue (see mod_momentiq_limits.h). */
#include <stdlib.h>
#include <string.h>
#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <apr_strings.h>
#include "mod_momentiq_limits.h"
#include "mod_momentiq_body.h"
#include "mod_momentiq_dbd.h"
#include "mod_momentiq_dbd_core.h"
#include "mod_momentiq_routes.h"

void miq_rate_conf_init(miq_dir_conf *dc)
{
    int i;
    for (i = 0; i < MIQ_RATE_CLASSES; i++)
        dc->rate[i].count = dc->rate[i].window_s = MIQ_UNSET;
}

void miq_rate_conf_merge(miq_dir_conf *n, const miq_dir_conf *base, const miq_dir_conf *add)
{
    int i;
    for (i = 0; i < MIQ_RATE_CLASSES; i++)
        n->rate[i] = add->rate[i].count == MIQ_UNSET ? base->rate[i] : add->rate[i];
}

const char *miq_set_rate_limit(cmd_parms *cmd, void *dcv, const char *cls, const char *count,
                               const char *seconds)
{
    miq_dir_conf *dc = dcv;
    int c = miq_rate_class_parse(cls), i;
    char *end;
    long n, w;
    if (c < 0) {
        const char *names = "";
        for (i = 0; i < MIQ_RATE_CLASSES; i++)
            names = apr_pstrcat(cmd->pool, names, i ? ", " : "", miq_rate_class_name(i), NULL);
        return apr_psprintf(cmd->pool, "MomentIQRateLimit: unknown class '%s' (known: %s)", cls,
                            names);
    }
    if (!strcasecmp(count, "off") && !seconds) {
        dc->rate[c].count = 0;
        dc->rate[c].window_s = 1;
        return NULL;
    }
    n = strtol(count, &end, 10);
    if (*end || n < 1 || n > 1000000)
        return apr_psprintf(cmd->pool,
                            "MomentIQRateLimit %s: '%s' is not a count of requests (1..1000000) "
                            "or off",
                            cls, count);
    if (!seconds)
        return apr_psprintf(cmd->pool, "MomentIQRateLimit %s %s: give the window in seconds", cls,
                            count);
    w = strtol(seconds, &end, 10);
    if (*end || w < 1 || w > 86400)
        return apr_psprintf(cmd->pool,
                            "MomentIQRateLimit %s: '%s' is not a window in seconds (1..86400)", cls,
                            seconds);
    dc->rate[c].count = (int)n;
    dc->rate[c].window_s = (int)w;
    return NULL;
}

static const miq_rate_rule *rule_of(request_rec *r, miq_rate_class_e c)
{
    const miq_dir_conf *dc = miq_dconf(r);
    if (dc && dc->rate[c].count != MIQ_UNSET)
        return &dc->rate[c];
    return miq_rate_default(c);
}

int miq_rate_hit_request(request_rec *r, ap_dbd_t *dbd, miq_rate_class_e c, const char *subject)
{
    const miq_rate_rule *rule = rule_of(r, c);
    miq_db db;
    if (!rule || rule->count <= 0 || !dbd)
        return 0;
    if (!subject)
        subject = apr_pstrcat(r->pool, "ip:", r->useragent_ip ? r->useragent_ip : "-", NULL);
    miq_db_bind(r, dbd, &db);
    return miq_rate_hit(r->pool, &db, c, rule, subject);
}

int miq_rate_send_refusal(request_rec *r, miq_rate_class_e c, int retry_after_s)
{
    miq_reply rep;
    memset(&rep, 0, sizeof(rep));
    miq_rate_refusal(r->pool, c, rule_of(r, c), retry_after_s, &rep);
    apr_table_setn(r->headers_out, "Retry-After", apr_itoa(r->pool, retry_after_s));
    return miq_send_reply(r, &rep);
}

int miq_rate_route(request_rec *r, unsigned flags)
{
    static const struct {
        unsigned flag;
        miq_rate_class_e c;
    } by_flag[] = {
        {MIQ_ROUTE_LIMIT_SIGNUP, MIQ_RATE_SIGNUP},
        {MIQ_ROUTE_LIMIT_LOGIN, MIQ_RATE_LOGIN},
        {MIQ_ROUTE_LIMIT_OAUTH, MIQ_RATE_OAUTH},
        {MIQ_ROUTE_LIMIT_REGISTER, MIQ_RATE_REGISTER},
        {MIQ_ROUTE_LIMIT_DASHBOARD, MIQ_RATE_DASHBOARD},
    };
    apr_size_t i;
    for (i = 0; i < sizeof(by_flag) / sizeof(by_flag[0]); i++) {
        int wait;
        if (!(flags & by_flag[i].flag))
            continue;
        /* a preflight or a page view counts too: each costs the same */
        wait = miq_rate_hit_request(r, miq_dbd(r), by_flag[i].c, NULL);
        if (wait > 0) {
            int rv = miq_rate_send_refusal(r, by_flag[i].c, wait);
            return rv == OK ? DONE : rv; /* answered: the handler must not run */
        }
    }
    return OK;
}
