/* The policy pages. Each sentence that states a number takes it from the
 * facts struct; the wording around it is fixed. Every configured string
 * (service name, addresses, URLs) is escaped. */
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include <apr_lib.h>
#include "base/miq_json.h"
#include "base/miq_text.h"
#include "billing/miq_pricing.h"
#include "legal/miq_legal.h"
#include "oauth/miq_oauth.h"

#define I64  APR_INT64_T_FMT
#define E(s) miq_html_escape(p, (s))

const char *const miq_legal_pages[] = {"privacy",  "terms",   "retention",
                                       "deletion", "billing", NULL};

static const char *const page_titles[] = {"Privacy policy", "Terms of service", "Data retention",
                                          "Media deletion", "Billing and free credits"};

const char *miq_legal_url(apr_pool_t *p, const miq_server *srv, const char *page)
{
    return apr_pstrcat(p, srv->base_url ? srv->base_url : "", "/legal/", page, NULL);
}

/* "7 days", "1 hour", "90 seconds": the largest unit that divides evenly. */
static const char *duration(apr_pool_t *p, apr_int64_t s)
{
    static const struct {
        apr_int64_t n;
        const char *one, *many;
    } units[] = {{86400, "day", "days"}, {3600, "hour", "hours"}, {60, "minute", "minutes"}};
    size_t i;
    for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
        if (s >= units[i].n && s % units[i].n == 0)
            return apr_psprintf(p, "%" I64 " %s", s / units[i].n,
                                s == units[i].n ? units[i].one : units[i].many);
    return apr_psprintf(p, "%" I64 " %s", s, s == 1 ? "second" : "seconds");
}

static const char *bytes(apr_pool_t *p, apr_int64_t b)
{
    static const char *const names[] = {"TiB", "GiB", "MiB", "KiB"};
    int i;
    for (i = 0; i < 4; i++) {
        apr_int64_t unit = APR_INT64_C(1) << (10 * (4 - i));
        if (b >= unit && b % unit == 0)
            return apr_psprintf(p, "%" I64 " %s", b / unit, names[i]);
    }
    return apr_psprintf(p, "%" I64 " bytes", b);
}

static const char *limit_text(apr_pool_t *p, apr_int64_t v, int is_bytes)
{
    if (v <= 0)
        return "no limit";
    return is_bytes ? bytes(p, v) : apr_psprintf(p, "%" I64, v);
}

/* "{0.5,0.8,1.0}" (the numeric[] literal the server keeps) -> "50%, 80%, 100%". */
static const char *alert_text(apr_pool_t *p, const char *literal)
{
    char *copy = apr_pstrdup(p, literal ? literal : ""), *tok, *last;
    const char *s = "";
    for (tok = apr_strtok(copy, "{,} ", &last); tok; tok = apr_strtok(NULL, "{,} ", &last))
        s = apr_psprintf(p, "%s%s%s%%", s, *s ? ", " : "", miq_text_num(p, atof(tok) * 100.0));
    return *s ? s : "no thresholds";
}

static const char *credit_price(apr_pool_t *p, const miq_server *srv)
{
    const char *cur = "usd";
    double amount = miq_pricing_credit_price(srv->pricing, &cur);
    char *code = apr_pstrdup(p, cur ? cur : ""), *c;
    for (c = code; *c; c++)
        *c = (char)apr_toupper(*c);
    return apr_psprintf(p, "%s %s", miq_text_num(p, amount), code);
}

static const char *page_head(apr_pool_t *p, const miq_legal_facts *f, const char *title)
{
    const miq_server *srv = f->srv;
    return apr_psprintf(
        p,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        "<title>%s - %s</title>"
        "<link rel=\"icon\" href=\"/assets/brand/favicon.svg\" type=\"image/svg+xml\">"
        "<style>body{font:16px/1.55 system-ui,sans-serif;max-width:44rem;margin:2rem auto;"
        "padding:0 1rem;color:#111;background:#fff}h1{font-size:1.7rem}h2{font-size:1.2rem;"
        "margin-top:1.6rem}table{border-collapse:collapse;width:100%%}td,th{border:1px solid "
        "#bbb;padding:.3rem .5rem;text-align:left}nav a{margin-right:.8rem}"
        "header img{height:40px;vertical-align:middle}footer{margin-top:2rem;color:#555;"
        "font-size:.9rem}:focus{outline:3px solid #1a5fb4;outline-offset:2px}</style></head>"
        "<body><header><a href=\"%s/\"><img src=\"/assets/brand/logo-horizontal-light.png\" "
        "alt=\"%s\" width=\"141\" height=\"40\"></a></header><nav aria-label=\"Policies\">",
        E(title), E(srv->service_name), E(srv->base_url), E(srv->service_name));
}

static const char *page_foot(apr_pool_t *p, const miq_legal_facts *f)
{
    const miq_server *srv = f->srv;
    return apr_psprintf(p,
                        "<footer><p>Questions: <a href=\"mailto:%s\">%s</a>. These pages are "
                        "generated from the configuration the service runs with; the numbers "
                        "in them are the limits it enforces.</p></footer></main></body></html>\n",
                        E(srv->support_email), E(srv->support_email));
}

static const char *nav(apr_pool_t *p, const miq_legal_facts *f, int current)
{
    const char *s = "";
    int i;
    for (i = 0; miq_legal_pages[i]; i++)
        s = apr_psprintf(p, "%s<a href=\"%s\"%s>%s</a>", s,
                         E(miq_legal_url(p, f->srv, miq_legal_pages[i])),
                         i == current ? " aria-current=\"page\"" : "", page_titles[i]);
    return apr_pstrcat(p, s, "</nav><main>", NULL);
}

static const char *privacy(apr_pool_t *p, const miq_legal_facts *f)
{
    const miq_server *srv = f->srv;
    const char *name = E(srv->service_name);
    return apr_psprintf(
        p,
        "<h1>Privacy policy</h1>"
        "<p>%s analyses the video and audio you upload and returns timestamped moments. This "
        "page says what it keeps, why, for how long, and who else sees it.</p>"
        "<h2>What we collect</h2><ul>"
        "<li><strong>Account</strong>: your email address and a salted hash of your password "
        "(or the identity your sign-in provider passes on). API keys and connector tokens are "
        "stored only as hashes.</li>"
        "<li><strong>Media</strong>: the files you upload or ask us to fetch with a "
        "<code>source_url</code>, and the outputs of your jobs (timelines, frames, clips).</li>"
        "<li><strong>Usage</strong>: jobs, credits and payments (a ledger), and %s.</li>"
        "<li><strong>Payments</strong>: handled by Stripe; we never see or store card "
        "numbers.</li></ul>"
        "<p>We do not collect the conversation you have with an AI assistant: only the tool "
        "calls it sends us, and those are not recorded with their arguments.</p>"
        "<h2>How we use it</h2><p>Only to run the analyses you ask for, bill them, keep the "
        "service secure (rate limits, abuse prevention) and answer you. Your media is not used "
        "to train models, not sold and not shared with advertisers.</p>"
        "<h2>How long we keep it</h2><p>Uploads are deleted %s after they are stored and job "
        "outputs %s after they are made; you can delete them sooner (see <a href=\"%s\">Media "
        "deletion</a>). Details: <a href=\"%s\">Data retention</a>.</p>"
        "<h2>Who else sees it</h2><p>Stripe, for payments. Nobody else, unless the law "
        "requires it.</p>"
        "<h2>Your rights</h2><p>You can see your data in the dashboard, export job results, "
        "delete uploads and outputs yourself, revoke every key and connector, and ask us to "
        "delete your account at <a href=\"mailto:%s\">%s</a>.</p>",
        name,
        f->record_requests ? "a record of each MCP request (method, tool name, client name, "
                             "outcome, error code and latency; never tokens or arguments)"
                           : "no per-request records (request recording is off)",
        duration(p, f->upload_retention_s), duration(p, f->output_retention_s),
        E(miq_legal_url(p, srv, "deletion")), E(miq_legal_url(p, srv, "retention")),
        E(srv->support_email), E(srv->support_email));
}

static const char *terms(apr_pool_t *p, const miq_legal_facts *f)
{
    const miq_server *srv = f->srv;
    return apr_psprintf(
        p,
        "<h1>Terms of service</h1>"
        "<p>These terms cover your use of %s: the website, the dashboard, the REST API and the "
        "MCP server at <code>%s</code>.</p>"
        "<h2>Your account</h2><p>Keep your password, API keys and connector tokens secret; "
        "you are responsible for what is done with them. Revoke a key or connector in the "
        "dashboard as soon as you suspect it leaked.</p>"
        "<h2>Your media</h2><p>Upload only media you have the right to process. You keep "
        "every right to your media and to the results. We process it only to give you the "
        "results, and delete it as the <a href=\"%s\">retention page</a> says.</p>"
        "<h2>What the service does</h2><p>It measures existing media: silences, loudness "
        "and energy, scene changes, frames and cuts (clips) of your own files. It does not "
        "generate images, video or audio with AI models.</p>"
        "<h2>Credits and payment</h2><p>Jobs cost credits at the prices on the <a "
        "href=\"%s\">billing page</a>; a failed or canceled job is not charged. Credits are "
        "bought only in the dashboard, never through an AI assistant.</p>"
        "<h2>Fair use</h2><p>Each account may keep %s of media and run %s jobs at a time; "
        "uploads are limited to %s each. Automated abuse, attempts to reach other accounts' "
        "data and attacks on the service end the account.</p>"
        "<h2>Availability and liability</h2><p>The service is provided as is. We work to keep "
        "it available and correct, but results are measurements, not guarantees; check them "
        "before you rely on them. Our liability is limited to the amount you paid us in the "
        "twelve months before a claim.</p>"
        "<h2>Changes and ending</h2><p>We announce changes to these terms on this page before "
        "they apply. You can stop at any time and ask us to delete your account.</p>"
        "<h2>Contact</h2><p><a href=\"mailto:%s\">%s</a></p>",
        E(srv->service_name), E(srv->mcp_url), E(miq_legal_url(p, srv, "retention")),
        E(miq_legal_url(p, srv, "billing")), limit_text(p, f->quotas.limit[MIQ_QUOTA_STORAGE], 1),
        limit_text(p, f->quotas.limit[MIQ_QUOTA_JOBS], 0), bytes(p, f->max_upload),
        E(srv->support_email), E(srv->support_email));
}

static const char *retention(apr_pool_t *p, const miq_legal_facts *f)
{
    return apr_psprintf(
        p,
        "<h1>Data retention</h1><p>How long each kind of data is kept. These are the periods "
        "the service is configured with now.</p>"
        "<table><thead><tr><th scope=\"col\">Data</th><th scope=\"col\">Kept for</th></tr>"
        "</thead><tbody>"
        "<tr><td>Uploaded media</td><td id=\"upload-retention\">%s after upload</td></tr>"
        "<tr><td>Job outputs (frames, clips, result files)</td><td "
        "id=\"output-retention\">%s after the job</td></tr>"
        "<tr><td>Signed download and upload links</td><td>valid for %s</td></tr>"
        "<tr><td>OAuth access tokens (AI assistants)</td><td>%s</td></tr>"
        "<tr><td>OAuth refresh tokens</td><td>%s, renewed on use</td></tr>"
        "<tr><td>Dashboard sessions</td><td>%s idle, %s at most</td></tr>"
        "<tr><td>Job records, credit ledger and payments</td><td>as long as the account "
        "exists (needed for billing and disputes)</td></tr>"
        "<tr><td>Account</td><td>until you ask us to delete it</td></tr>"
        "</tbody></table>"
        "<p>Deleting an upload removes its file and the outputs of its jobs at once; see <a "
        "href=\"%s\">Media deletion</a>.</p>",
        duration(p, f->upload_retention_s), duration(p, f->output_retention_s),
        duration(p, f->file_url_ttl_s), duration(p, f->access_token_ttl_s),
        duration(p, f->refresh_token_ttl_s), duration(p, f->session_idle_s),
        duration(p, f->session_absolute_s), E(miq_legal_url(p, f->srv, "deletion")));
}

static const char *deletion(apr_pool_t *p, const miq_legal_facts *f)
{
    const miq_server *srv = f->srv;
    return apr_psprintf(
        p,
        "<h1>Media deletion</h1>"
        "<h2>Automatic</h2><p>Uploads are deleted %s after they are stored, job outputs %s "
        "after they are made. Signed links to them stop working after %s.</p>"
        "<h2>Delete it yourself, now</h2><p><code>DELETE %s/v1/uploads/{upload_id}</code> "
        "with an API key (scope <code>all</code>) deletes the file, cancels its queued or "
        "running jobs (they are not charged) and deletes the outputs of all its jobs. The "
        "job records stay, without media, for billing.</p>"
        "<h2>Uploaded something by accident?</h2><p>Delete it as above, or write to <a "
        "href=\"mailto:%s\">%s</a> with the upload id and we delete it for you. Revoke any "
        "connector or key that should not have access in the dashboard.</p>"
        "<h2>Deleting your account</h2><p>Write to <a href=\"mailto:%s\">%s</a> from the "
        "account's address. We delete its media, outputs, keys and connectors, and keep only "
        "the billing records the law requires.</p>",
        duration(p, f->upload_retention_s), duration(p, f->output_retention_s),
        duration(p, f->file_url_ttl_s), E(srv->base_url), E(srv->support_email),
        E(srv->support_email), E(srv->support_email), E(srv->support_email));
}

static const char *price_rows(apr_pool_t *p, const miq_server *srv)
{
    json_t *t = miq_pricing_table_json(p, srv->pricing), *row;
    const char *s = "";
    size_t i;
    json_array_foreach(json_object_get(t, "prices"), i, row)
    {
        s = apr_psprintf(p, "%s<tr><td><code>%s</code></td><td>%s</td><td>%s</td></tr>", s,
                         E(miq_json_str(row, "endpoint", "")), E(miq_json_str(row, "unit", "")),
                         miq_text_num(p, json_real_value(json_object_get(row, "credits"))));
    }
    return s;
}

static const char *billing(apr_pool_t *p, const miq_legal_facts *f)
{
    const miq_server *srv = f->srv;
    return apr_psprintf(
        p,
        "<h1>Billing and free credits</h1>"
        "<h2>Free credits</h2><p>A new account receives <strong id=\"free-credits\">%" I64
        "</strong> free credits. When they are spent, jobs need billing set up "
        "(<code>billing_required</code>).</p>"
        "<h2>What a credit costs</h2><p>One credit costs <strong id=\"credit-price\">%s"
        "</strong>. Credits are bought in the dashboard's <a href=\"%s/dashboard/#billing\">"
        "Billing page</a> (Stripe Checkout), never inside an AI assistant.</p>"
        "<h2>What a job costs</h2><table><thead><tr><th scope=\"col\">Endpoint</th><th "
        "scope=\"col\">Unit</th><th scope=\"col\">Credits per unit</th></tr></thead><tbody>"
        "%s</tbody></table><p>Every started unit counts; the total is rounded up to a whole "
        "credit. The estimate is shown before a job runs and reserved when it starts; the job "
        "is charged when it succeeds. Failed and canceled jobs are not charged.</p>"
        "<h2>Spend caps and alerts</h2><p>Set a monthly spend cap for the account or for each "
        "connector; a job that would pass it is refused (<code>spend_cap_exceeded</code>). "
        "Usage alerts fire at %s of the cap unless you choose other thresholds.</p>"
        "<h2>Limits</h2><ul><li>Upload size: %s each</li><li>Storage: %s per account</li>"
        "<li>Jobs at once: %s</li><li>URL imports at once: %s</li></ul>"
        "<h2>Questions about a charge</h2><p>Write to <a href=\"mailto:%s\">%s</a> with the "
        "job id.</p>",
        f->free_credits, credit_price(p, srv), E(srv->base_url), price_rows(p, srv),
        alert_text(p, srv->usage_alerts), bytes(p, f->max_upload),
        limit_text(p, f->quotas.limit[MIQ_QUOTA_STORAGE], 1),
        limit_text(p, f->quotas.limit[MIQ_QUOTA_JOBS], 0),
        limit_text(p, f->quotas.limit[MIQ_QUOTA_IMPORTS], 0), E(srv->support_email),
        E(srv->support_email));
}

const char *miq_legal_page(apr_pool_t *p, const char *page, const miq_legal_facts *f)
{
    static const char *(*const build[])(apr_pool_t *,
                                        const miq_legal_facts *) = {privacy, terms, retention,
                                                                    deletion, billing};
    int i;
    for (i = 0; page && miq_legal_pages[i]; i++)
        if (!strcmp(page, miq_legal_pages[i]))
            return apr_pstrcat(p, page_head(p, f, page_titles[i]), nav(p, f, i), build[i](p, f),
                               page_foot(p, f), NULL);
    return NULL;
}
