/* The authorization server's HTML: consent, sign-in and error pages. Plain
 * forms (no JavaScript), labelled controls, one heading per page, every value
 * escaped (client names come from registrations anyone can make). */
#include <string.h>
#include <apr_strings.h>
#include "oauth/miq_oauth.h"
#include "base/miq_scope.h"

const char *miq_html_escape(apr_pool_t *p, const char *s)
{
    apr_size_t n = 0;
    const char *c;
    char *out, *o;
    if (!s)
        return "";
    for (c = s; *c; c++)
        n += (*c == '&' || *c == '<' || *c == '>' || *c == '"' || *c == '\'') ? 6 : 1;
    o = out = apr_palloc(p, n + 1);
    for (c = s; *c; c++) {
        const char *rep = NULL;
        switch (*c) {
        case '&':
            rep = "&amp;";
            break;
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '"':
            rep = "&quot;";
            break;
        case '\'':
            rep = "&#39;";
            break;
        default:
            *o++ = *c;
            continue;
        }
        memcpy(o, rep, strlen(rep));
        o += strlen(rep);
    }
    *o = 0;
    return out;
}

#define E(s) miq_html_escape(p, (s))

static const char *head(apr_pool_t *p, const char *title)
{
    return apr_psprintf(
        p,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        "<title>%s - MomentIQ</title><style>"
        "body{font:16px/1.5 system-ui,sans-serif;max-width:34rem;margin:2rem auto;padding:0 1rem;"
        "color:#111;background:#fff}fieldset{border:1px solid #888;padding:.5rem 1rem}"
        "label{display:block;margin:.4rem 0}input[type=email],input[type=password]{width:100%%;"
        "padding:.4rem;font:inherit}button{font:inherit;padding:.5rem 1.2rem;margin:.8rem .6rem 0 0}"
        ".note{border-left:4px solid #b00;padding-left:.6rem}.ref{color:#555;font-size:.85rem}"
        ":focus{outline:3px solid #1a5fb4;outline-offset:2px}"
        "</style></head><body><main>",
        E(title));
}

static const char *hidden(apr_pool_t *p, const char *name, const char *value)
{
    if (!value)
        return "";
    return apr_psprintf(p, "<input type=\"hidden\" name=\"%s\" value=\"%s\">", name, E(value));
}

/* The authorization request, carried through the form and checked again on POST. */
static const char *request_fields(apr_pool_t *p, const miq_oauth_page *pg)
{
    const miq_oauth_authz *q = pg->req;
    return apr_pstrcat(p, hidden(p, "client_id", q->client_id),
                       hidden(p, "redirect_uri", q->redirect_uri),
                       hidden(p, "response_type", "code"), hidden(p, "state", q->state),
                       hidden(p, "code_challenge", q->challenge),
                       hidden(p, "code_challenge_method", "S256"), hidden(p, "scope", q->scope),
                       hidden(p, "resource", q->resource),
                       hidden(p, "correlation_id", pg->correlation_id), NULL);
}

static const char *notice(apr_pool_t *p, const char *message)
{
    return message ? apr_psprintf(p, "<p class=\"note\" role=\"alert\">%s</p>", E(message)) : "";
}

static const char *footer(apr_pool_t *p, const char *correlation_id)
{
    return apr_psprintf(p, "<p class=\"ref\">Reference: %s</p></main></body></html>\n",
                        correlation_id ? E(correlation_id) : "none");
}

/* The policies a person agrees to by connecting, and where to ask. */
static const char *policies(apr_pool_t *p, const miq_oauth_page *pg)
{
    const char *s = "";
    if (pg->privacy_url && pg->terms_url)
        s = apr_psprintf(p,
                         "<p class=\"ref\">By connecting you accept %s's <a href=\"%s\">terms of "
                         "service</a> and <a href=\"%s\">privacy policy</a>.",
                         E(pg->service_name ? pg->service_name : "MomentIQ"), E(pg->terms_url),
                         E(pg->privacy_url));
    if (*s && pg->support_email)
        s = apr_psprintf(p, "%s Help: <a href=\"mailto:%s\">%s</a>.", s, E(pg->support_email),
                         E(pg->support_email));
    return *s ? apr_pstrcat(p, s, "</p>", NULL) : "";
}

const char *miq_oauth_page_consent(apr_pool_t *p, const miq_oauth_page *pg)
{
    static const struct {
        unsigned bit;
        const char *field, *name, *what;
    } scopes[] = {
        {MIQ_SCOPE_ALL, "grant_all", "all",
         "everything: uploads, every analysis job (spends your credits), results and your "
         "account balance"},
        {MIQ_SCOPE_VIDEO, "grant_video", "video/*", "video jobs: scenes, frames and clips"},
        {MIQ_SCOPE_AUDIO, "grant_audio", "audio/*", "audio jobs: silence, energy and loudness"},
        {MIQ_SCOPE_TIMELINE, "grant_timeline", "timeline/*", "timelines and highlights"},
    };
    const char *boxes = "", *who = pg->account ? pg->account : "your account";
    apr_size_t i;
    for (i = 0; i < sizeof(scopes) / sizeof(scopes[0]); i++)
        if (pg->req->scopes & scopes[i].bit)
            boxes = apr_psprintf(p,
                                 "%s<label><input type=\"checkbox\" name=\"%s\" value=\"1\" "
                                 "checked> <code>%s</code>: %s</label>",
                                 boxes, scopes[i].field, scopes[i].name, scopes[i].what);
    return apr_pstrcat(
        p, head(p, "Connect an application"), "<h1>Connect ", E(pg->client_name),
        " to MomentIQ</h1>", notice(p, pg->message), "<p><strong>", E(pg->client_name),
        "</strong> (connector <code>", E(pg->connector),
        "</code>) asks to use MomentIQ as <strong>", E(who),
        "</strong>. It will be sent back to <code>", E(pg->req->redirect_uri), "</code>.</p>",
        "<form method=\"post\" action=\"/api/auth/oauth/authorize\">", request_fields(p, pg),
        hidden(p, "action", "consent"), hidden(p, "csrf_token", pg->csrf),
        "<fieldset><legend>Allow access to</legend>", boxes,
        "</fieldset><p>Uncheck what you do not want to allow. You can revoke access at any "
        "time from the dashboard.</p>"
        "<button type=\"submit\" name=\"decision\" value=\"approve\">Allow</button>"
        "<button type=\"submit\" name=\"decision\" value=\"deny\">Deny</button></form>",
        policies(p, pg), footer(p, pg->correlation_id), NULL);
}

const char *miq_oauth_page_login(apr_pool_t *p, const miq_oauth_page *pg)
{
    return apr_pstrcat(
        p, head(p, "Sign in"), "<h1>Sign in to connect ", E(pg->client_name), "</h1>",
        notice(p, pg->message), "<form method=\"post\" action=\"/api/auth/oauth/authorize\">",
        request_fields(p, pg), hidden(p, "action", "login"),
        pg->login_csrf ? hidden(p, "login_csrf", pg->login_csrf) : "",
        "<label for=\"email\">Email</label><input id=\"email\" type=\"email\" name=\"email\" "
        "autocomplete=\"username\" required>"
        "<label for=\"password\">Password</label><input id=\"password\" type=\"password\" "
        "name=\"password\" autocomplete=\"current-password\" required>"
        "<button type=\"submit\">Sign in</button></form>"
        "<p>No account yet? Create one in the <a href=\"/dashboard/\">dashboard</a>, then come "
        "back.</p>",
        policies(p, pg), footer(p, pg->correlation_id), NULL);
}

const char *miq_oauth_page_error(apr_pool_t *p, const char *title, const char *message,
                                 const char *correlation_id)
{
    return apr_pstrcat(p, head(p, title), "<h1>", E(title), "</h1><p role=\"alert\">", E(message),
                       "</p>", footer(p, correlation_id), NULL);
}
