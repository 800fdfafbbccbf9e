/* The account view of momentiq.get_account and GET /v1/account, with its
 * readiness warnings. Billing (balance, cap, spend, alerts) comes from the
 * caller, read with the token in the same round trip (miq_billing.c). */
#include <string.h>
#include <apr_strings.h>
#include "base/miq_json.h"
#include "base/miq_scope.h"
#include "guide/miq_guide.h"
#include "accounts/miq_auth.h"
#include "billing/miq_billing.h"
#include "tools/miq_account_view.h"

#define EXPIRY_WARNING_S (7L * 24 * 3600)

static void add_warning(json_t *arr, const char *code, const char *severity, const char *message)
{
    json_array_append_new(arr, json_pack("{s:s,s:s,s:s}", "code", code, "message", message,
                                         "severity", severity));
}

static const char *kind_label(const miq_caller *c)
{
    return c->kind && !strcmp(c->kind, "connector") ? "connector token" : "API key";
}

static const char *token_page(const miq_caller *c)
{
    return c->kind && !strcmp(c->kind, "connector") ? "Connectors" : "API keys";
}

/* "3 hours", "2 days": rounded up so "expires in 0 hours" never shows. */
static const char *duration_words(apr_pool_t *p, long s)
{
    long h = (s + 3599) / 3600, d = (s + 86399) / 86400;
    if (h < 48)
        return apr_psprintf(p, "%ld hour%s", h, h == 1 ? "" : "s");
    return apr_psprintf(p, "%ld days", d);
}

/* Scope names joined for prose: "a", "a and b", "a, b and c". */
static const char *scope_words(apr_pool_t *p, unsigned scopes)
{
    char *copy = apr_pstrdup(p, miq_scope_format(p, scopes)), *name, *last;
    const char *out = NULL, *pending = NULL;
    for (name = apr_strtok(copy, " ", &last); name; name = apr_strtok(NULL, " ", &last)) {
        if (pending)
            out = out ? apr_pstrcat(p, out, ", ", pending, NULL) : pending;
        pending = name;
    }
    if (!pending)
        return "none";
    return out ? apr_pstrcat(p, out, " and ", pending, NULL) : pending;
}

/* Scopes the non-optional steps of wf need and the token lacks (0: it can run wf). */
static unsigned workflow_missing_scopes(const miq_workflow *wf, unsigned scopes)
{
    const miq_workflow_step *st;
    unsigned missing = 0;
    if (scopes & MIQ_SCOPE_ALL)
        return 0;
    for (st = wf->steps; st->endpoint; st++)
        if (!st->optional && !miq_scope_allows(scopes, st->endpoint))
            missing |= miq_scope_for_endpoint(st->endpoint);
    return missing;
}

static void add_scope_warning(apr_pool_t *p, json_t *arr, const miq_caller *c)
{
    apr_size_t i, n;
    const miq_workflow *const *all = miq_workflows_all(&n);
    const char *list = NULL, *have;
    unsigned needed = 0;
    for (i = 0; i < n; i++) {
        unsigned missing = workflow_missing_scopes(all[i], c->scopes);
        const char *item;
        if (!missing)
            continue;
        needed |= missing;
        item = apr_psprintf(p, "%s (%s) needs %s", all[i]->name, all[i]->title,
                            scope_words(p, missing));
        list = list ? apr_pstrcat(p, list, "; ", item, NULL) : item;
    }
    if (!list)
        return;
    have = scope_words(p, c->scopes);
    add_warning(arr, "scope_too_narrow", "warning",
                apr_psprintf(p,
                             "This %s (scopes: %s) cannot run these workflows: %s. Calls to "
                             "their endpoints fail with connector_scope_denied. In the dashboard "
                             "(/dashboard/ > %s), create a new token with the scopes %s added "
                             "(or \"all\"), switch to it, then revoke this one.",
                             kind_label(c), have, list, token_page(c), scope_words(p, needed)));
}

static json_t *token_json(apr_pool_t *p, const miq_caller *c)
{
    json_t *scopes, *tok;
    char *copy, *name, *last;
    if (!c->token_id)
        return json_null();
    scopes = json_array();
    copy = apr_pstrdup(p, miq_scope_format(p, c->scopes));
    for (name = apr_strtok(copy, " ", &last); name; name = apr_strtok(NULL, " ", &last))
        json_array_append_new(scopes, json_string(name));
    tok = json_pack("{s:s,s:s?,s:o}", "id", c->token_id, "kind", c->kind, "scopes", scopes);
    json_object_set_new(tok, "expires_in_s",
                        c->token_expires_in_s < 0 ? json_null()
                                                  : json_integer(c->token_expires_in_s));
    return tok;
}

json_t *miq_account_view(apr_pool_t *p, const miq_caller *caller, json_t **warnings)
{
    json_t *view, *warn = json_array();
    static const miq_caller nobody = {.token_expires_in_s = -1};
    const miq_caller *c = caller ? caller : &nobody;

    view = json_pack("{s:{s:s?,s:s?,s:s?}}", "account", "id", c->account_id, "email", c->email,
                     "created_at", c->account_created);
    if (!view)
        return NULL;
    miq_json_pool(p, view);
    miq_json_pool(p, warn);
    miq_billing_view(p, c, view, warn);
    if (c->token_id && c->token_expires_in_s > 0 && c->token_expires_in_s < EXPIRY_WARNING_S)
        add_warning(warn, "token_expiring_soon", "warning",
                    apr_psprintf(p,
                                 "This %s (%s) expires in %s. In the dashboard (/dashboard/ > "
                                 "%s), create a replacement, switch your client to it before "
                                 "then, and revoke this one.",
                                 kind_label(c), c->token_id,
                                 duration_words(p, c->token_expires_in_s), token_page(c)));
    if (c->token_id)
        add_scope_warning(p, warn, c);

    json_object_set_new(view, "token", token_json(p, c));
    json_object_set(view, "readiness_warnings", warn);
    if (warnings)
        *warnings = warn;
    return view;
}
