/* Rate limits over PostgreSQL (see miq_rate_limit.h). */
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include "base/miq_crypto.h"
#include "base/miq_json.h"
#include "limits/miq_rate_limit.h"

static const struct {
    const char *name;
    miq_rate_rule rule;
} classes[MIQ_RATE_CLASSES] = {
    [MIQ_RATE_MCP] = {"mcp", {600, 10}}, /* 60/s sustained over 10 s */
    [MIQ_RATE_API] = {"api", {600, 10}},
    [MIQ_RATE_OAUTH] = {"oauth", {120, 60}},
    [MIQ_RATE_REGISTER] = {"register", {20, 3600}},
    [MIQ_RATE_SIGNUP] = {"signup", {10, 3600}},
    [MIQ_RATE_LOGIN] = {"login", {60, 600}},
    [MIQ_RATE_ANON_SESSION] = {"anon_session", {120, 600}},
    [MIQ_RATE_BAD_TOKEN] = {"bad_token", {60, 600}},
    /* a page load is a handful of calls; 20/s sustained is a script */
    [MIQ_RATE_DASHBOARD] = {"dashboard", {1200, 60}},
};

const char *miq_rate_class_name(miq_rate_class_e c)
{
    return (unsigned)c < MIQ_RATE_CLASSES ? classes[c].name : "?";
}

int miq_rate_class_parse(const char *name)
{
    int i;
    for (i = 0; name && i < MIQ_RATE_CLASSES; i++)
        if (!strcmp(name, classes[i].name))
            return i;
    return -1;
}

const miq_rate_rule *miq_rate_default(miq_rate_class_e c)
{
    return (unsigned)c < MIQ_RATE_CLASSES ? &classes[c].rule : NULL;
}

int miq_rate_hit(apr_pool_t *p, const miq_db *db, miq_rate_class_e c, const miq_rate_rule *rule,
                 const char *subject)
{
    const char *args[3], *err = NULL, **row;
    apr_array_header_t *rows;
    int ncols = 0, wait;
    if (!rule || rule->count <= 0 || rule->window_s <= 0 || !db || !db->query || !subject)
        return 0;
    /* addresses and token ids are not kept as such: a short hash is enough */
    /* the rule is part of the key: a window of another size or count starts over */
    args[0] = apr_pstrcat(p, miq_rate_class_name(c), ":", apr_itoa(p, rule->count), "/",
                          apr_itoa(p, rule->window_s), ":",
                          apr_pstrndup(p, miq_sha256_hex(p, subject, strlen(subject)), 32), NULL);
    args[1] = apr_itoa(p, rule->count);
    args[2] = apr_itoa(p, rule->window_s);
    rows = db->query(db->baton, p, MIQ_SQL_RATE_HIT, 3, args, &ncols, &err);
    if (!rows || rows->nelts != 1 || ncols < 1)
        return 0;
    row = APR_ARRAY_IDX(rows, 0, const char **);
    wait = row[0] ? atoi(row[0]) : 0;
    return wait > 0 ? wait : 0;
}

void miq_rate_refusal(apr_pool_t *p, miq_rate_class_e c, const miq_rate_rule *rule,
                      int retry_after_s, miq_reply *out)
{
    miq_reply_err(out, 429, "rate_limited",
                  apr_psprintf(p,
                               "too many requests: the limit is %d per %d s (%s); retry after %d "
                               "s",
                               rule ? rule->count : 0, rule ? rule->window_s : 0,
                               miq_rate_class_name(c), retry_after_s),
                  miq_json_packp(p, "{s:i,s:s}", "retry_after_s", retry_after_s, "limit",
                                 miq_rate_class_name(c)));
}
