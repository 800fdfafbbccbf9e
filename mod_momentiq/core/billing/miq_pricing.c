/* Price table and the estimate function (see miq_pricing.h for the units
 * and the rounding rule). */
#include <math.h>
#include <string.h>
#include <strings.h>
#include <apr_strings.h>
#include "endpoints/miq_endpoints.h"
#include "base/miq_json.h"
#include "billing/miq_pricing.h"
#include "base/miq_text.h"

#define MS_PER_MIN 60000LL

typedef struct {
    const char *endpoint;
    const char *unit;
    apr_int64_t default_milli; /* default price, millicredits per unit */
    const char *description;
} price_row;

/* The first row of an endpoint holds its main unit. */
static const price_row rows[] = {
    {"audio/silence", "media_minute", 1000, "per started minute of media"},
    {"audio/energy", "media_minute", 1000, "per started minute of media"},
    {"video/scenes", "media_minute", 2000, "per started minute of media"},
    {"video/frames", "frame", 100, "per extracted frame"},
    {"video/clips", "output_minute", 1000, "per started minute of clip output, mode copy"},
    {"video/clips", "reencode_output_minute", 3000,
     "per started minute of clip output, mode reencode"},
    {"timeline/moments", "media_minute", 3000, "per started minute of media (all detectors)"},
};
#define N_ROWS (sizeof(rows) / sizeof(rows[0]))

#define ROUNDING_TEXT                                                                              \
    "Media and output minutes count every started minute (60 s = 1, 60.001 s = 2); each line is "  \
    "units x unit price; the sum is rounded up to a whole credit."

struct miq_pricing {
    apr_pool_t *pool;
    apr_int64_t milli[N_ROWS];
    apr_int64_t max_duration_ms;
    apr_int64_t credit_micros; /* price of one credit, millionths of a currency unit */
    char currency[4];          /* ISO 4217, lowercase */
};

miq_pricing *miq_pricing_default(apr_pool_t *p)
{
    miq_pricing *pr = apr_pcalloc(p, sizeof(*pr));
    apr_size_t i;
    pr->pool = p;
    for (i = 0; i < N_ROWS; i++)
        pr->milli[i] = rows[i].default_milli;
    pr->max_duration_ms = (apr_int64_t)(MIQ_PRICING_DEFAULT_MAX_DURATION_S * 1000);
    pr->credit_micros = 10000; /* 0.01 */
    memcpy(pr->currency, "usd", 4);
    return pr;
}

miq_pricing *miq_pricing_copy(apr_pool_t *p, const miq_pricing *src)
{
    miq_pricing *pr = apr_pmemdup(p, src, sizeof(*pr));
    pr->pool = p;
    return pr;
}

/* Row index for endpoint/unit (unit NULL: main unit); -1 when unknown. */
static int find_row(const char *endpoint, const char *unit)
{
    apr_size_t i;
    for (i = 0; endpoint && i < N_ROWS; i++)
        if (!strcmp(rows[i].endpoint, endpoint) && (!unit || !strcmp(rows[i].unit, unit)))
            return (int)i;
    return -1;
}

static const char *units_of(apr_pool_t *p, const char *endpoint)
{
    const char *s = "";
    apr_size_t i;
    for (i = 0; i < N_ROWS; i++)
        if (!strcmp(rows[i].endpoint, endpoint))
            s = *s ? apr_pstrcat(p, s, ", ", rows[i].unit, NULL) : rows[i].unit;
    return s;
}

static const char *endpoint_list(apr_pool_t *p)
{
    const char *s = "";
    apr_size_t i;
    for (i = 0; i < N_ROWS; i++)
        if (!i || strcmp(rows[i].endpoint, rows[i - 1].endpoint))
            s = *s ? apr_pstrcat(p, s, ", ", rows[i].endpoint, NULL) : rows[i].endpoint;
    return s;
}

const char *miq_pricing_set(miq_pricing *pr, const char *endpoint, const char *unit, double credits)
{
    int r;
    if (find_row(endpoint, NULL) < 0)
        return apr_psprintf(pr->pool, "unknown endpoint '%s' (known: %s)", endpoint ? endpoint : "",
                            endpoint_list(pr->pool));
    r = find_row(endpoint, unit);
    if (r < 0)
        return apr_psprintf(pr->pool, "unknown unit '%s' for %s (known: %s)", unit, endpoint,
                            units_of(pr->pool, endpoint));
    if (!isfinite(credits) || credits < 0 || credits > MIQ_PRICING_MAX_UNIT_CREDITS)
        return apr_psprintf(pr->pool, "price for %s %s must be between 0 and %s credits", endpoint,
                            rows[r].unit, miq_text_num(pr->pool, MIQ_PRICING_MAX_UNIT_CREDITS));
    pr->milli[r] = llround(credits * 1000.0);
    return NULL;
}

const char *miq_pricing_set_max_duration(miq_pricing *pr, double seconds)
{
    if (!isfinite(seconds) || seconds <= 0 || seconds > 366.0 * 86400)
        return "maximum duration must be a number of seconds between 0 and one year";
    pr->max_duration_ms = (apr_int64_t)ceil(seconds * 1000.0);
    return NULL;
}

const char *miq_pricing_set_credit_price(miq_pricing *pr, double amount, const char *currency)
{
    int i;
    if (!isfinite(amount) || amount <= 0 || amount > 1000000.0 || llround(amount * 1e6) < 1)
        return "the credit's price must be an amount above 0 and at most 1000000";
    if (!currency || strlen(currency) != 3)
        return "the currency must be a three-letter ISO 4217 code, e.g. USD";
    for (i = 0; i < 3; i++) {
        char c = currency[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
            return "the currency must be a three-letter ISO 4217 code, e.g. USD";
    }
    for (i = 0; i < 3; i++)
        pr->currency[i] = (char)(currency[i] | 0x20);
    pr->currency[3] = 0;
    pr->credit_micros = llround(amount * 1e6);
    return NULL;
}

double miq_pricing_credit_price(const miq_pricing *pr, const char **currency)
{
    if (currency)
        *currency = pr->currency;
    return pr->credit_micros / 1e6;
}

int miq_pricing_minor_per_unit(const char *currency)
{
    static const char *const zero[] = {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga",
                                       "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"};
    apr_size_t i;
    for (i = 0; currency && i < sizeof(zero) / sizeof(zero[0]); i++)
        if (!strcasecmp(currency, zero[i]))
            return 1;
    return 100;
}

apr_int64_t miq_pricing_credits_for_amount(const miq_pricing *pr, apr_int64_t amount_minor,
                                           const char *currency)
{
    apr_int64_t per_minor;
    if (!currency || strcasecmp(currency, pr->currency) || amount_minor < 0 ||
        amount_minor > APR_INT64_C(1) << 40)
        return -1;
    per_minor = 1000000 / miq_pricing_minor_per_unit(pr->currency); /* micros per minor unit */
    return amount_minor * per_minor / pr->credit_micros;
}

apr_int64_t miq_pricing_amount_for_credits(const miq_pricing *pr, apr_int64_t credits)
{
    apr_int64_t per_minor = 1000000 / miq_pricing_minor_per_unit(pr->currency);
    if (credits <= 0)
        return 0;
    if (credits > (APR_INT64_MAX - per_minor) / pr->credit_micros)
        return -1;
    return (credits * pr->credit_micros + per_minor - 1) / per_minor;
}

double miq_pricing_get(const miq_pricing *pr, const char *endpoint, const char *unit)
{
    int r = find_row(endpoint, unit);
    return r < 0 ? -1 : pr->milli[r] / 1000.0;
}

/* Seconds to whole milliseconds, rounding a positive fraction up (0.0004 s -> 1 ms). */
static apr_int64_t to_ms(double s)
{
    return s <= 0 ? 0 : (apr_int64_t)ceil(s * 1000.0 - 1e-6);
}

static apr_int64_t started_minutes(apr_int64_t ms)
{
    return (ms + MS_PER_MIN - 1) / MS_PER_MIN;
}

static void add_line(const miq_pricing *pr, miq_price_quote *q, int row, apr_int64_t units,
                     const char *basis)
{
    miq_price_line *l = &q->lines[q->n_lines++];
    l->unit = rows[row].unit;
    l->units = units;
    l->unit_credits = pr->milli[row] / 1000.0;
    l->subtotal_milli = units * pr->milli[row];
    l->basis = basis;
}

/* A time value inside params: a finite number in [0, max]. */
static const char *check_time(apr_pool_t *p, const miq_pricing *pr, const char *what,
                              const json_t *v, double *out)
{
    double d;
    if (!json_is_number(v))
        return apr_psprintf(p, "%s must be a number of seconds", what);
    d = json_number_value(v);
    if (!isfinite(d) || d < 0 || d * 1000.0 > (double)pr->max_duration_ms)
        return apr_psprintf(p, "%s must be between 0 and %.0f seconds", what,
                            pr->max_duration_ms / 1000.0);
    *out = d;
    return NULL;
}

static const char *price_frames(const miq_pricing *pr, apr_pool_t *p, const json_t *params,
                                apr_int64_t dur_ms, miq_price_quote *q)
{
    const json_t *ts = json_object_get(params, "timestamps");
    const json_t *every = json_object_get(params, "every_s");
    const json_t *mf = json_object_get(params, "max_frames");
    int at_scenes = json_is_true(json_object_get(params, "at_scenes"));
    int row = find_row("video/frames", "frame");
    apr_int64_t max_frames = 200, count;
    const char *err;
    size_t i;
    json_t *x;
    double t;

    if (mf) {
        if (!json_is_integer(mf) || json_integer_value(mf) < 1 || json_integer_value(mf) > 5000)
            return "params.max_frames must be an integer between 1 and 5000";
        max_frames = json_integer_value(mf);
    }
    if ((ts != NULL) + (every != NULL) + at_scenes != 1)
        return "video/frames needs exactly one of params.timestamps, params.every_s or "
               "params.at_scenes:true";
    if (ts) {
        if (!json_is_array(ts) || !json_array_size(ts))
            return "params.timestamps must be a non-empty array of seconds";
        json_array_foreach(ts, i, x)
        {
            const char *what = apr_psprintf(p, "params.timestamps[%lu]", (unsigned long)i);
            if ((err = check_time(p, pr, what, x, &t)))
                return err;
            if (dur_ms > 0 && to_ms(t) > dur_ms + 1)
                return apr_psprintf(p, "%s = %.3f is past the end of the media (%.3f s)", what, t,
                                    dur_ms / 1000.0);
        }
        count = (apr_int64_t)json_array_size(ts);
        add_line(pr, q, row, count,
                 apr_psprintf(p, "%" APR_INT64_T_FMT " timestamp(s), one frame each", count));
        return NULL;
    }
    if (at_scenes) {
        q->upper_bound = 1;
        add_line(pr, q, row, max_frames,
                 apr_psprintf(p,
                              "at most max_frames = %" APR_INT64_T_FMT
                              " scene frames (settled on the real "
                              "count)",
                              max_frames));
        return NULL;
    }
    if (!json_is_number(every) || !isfinite(json_number_value(every)) ||
        json_number_value(every) < 0.001)
        return "params.every_s must be a number of seconds > 0 (at least 0.001)";
    if (dur_ms <= 0)
        return "params.every_s needs the media duration: give duration_s > 0 or an upload_id";
    {
        apr_int64_t every_ms = llround(json_number_value(every) * 1000.0);
        count = (dur_ms + every_ms - 1) / every_ms; /* frames at 0, every_s, ... < duration */
        if (count > max_frames)
            add_line(pr, q, row, max_frames,
                     apr_psprintf(p,
                                  "one frame every %s s would be %" APR_INT64_T_FMT
                                  " frames; capped at "
                                  "max_frames = %" APR_INT64_T_FMT,
                                  miq_text_num(p, every_ms / 1000.0), count, max_frames));
        else
            add_line(pr, q, row, count,
                     apr_psprintf(p, "one frame every %s s over %s s = %" APR_INT64_T_FMT " frames",
                                  miq_text_num(p, every_ms / 1000.0),
                                  miq_text_num(p, dur_ms / 1000.0), count));
    }
    return NULL;
}

static const char *price_clips(const miq_pricing *pr, apr_pool_t *p, const json_t *params,
                               apr_int64_t dur_ms, miq_price_quote *q)
{
    const json_t *clips = json_object_get(params, "clips");
    const char *mode = miq_json_str(params, "mode", "copy"), *err;
    apr_int64_t total_ms = 0, minutes;
    size_t i;
    json_t *c;
    int row;

    if (json_object_get(params, "mode") && !json_is_string(json_object_get(params, "mode")))
        return "params.mode must be \"copy\" or \"reencode\"";
    if (!strcmp(mode, "copy"))
        row = find_row("video/clips", "output_minute");
    else if (!strcmp(mode, "reencode"))
        row = find_row("video/clips", "reencode_output_minute");
    else
        return apr_psprintf(p, "params.mode '%s' must be \"copy\" or \"reencode\"", mode);
    if (!json_is_array(clips) || !json_array_size(clips))
        return "video/clips needs params.clips: a non-empty array of {start, end} in seconds";
    json_array_foreach(clips, i, c)
    {
        double start, end;
        const char *at = apr_psprintf(p, "params.clips[%lu]", (unsigned long)i);
        if (!json_is_object(c))
            return apr_psprintf(p, "%s must be an object {start, end}", at);
        if ((err = check_time(p, pr, apr_pstrcat(p, at, ".start", NULL),
                              json_object_get(c, "start"), &start)) ||
            (err = check_time(p, pr, apr_pstrcat(p, at, ".end", NULL), json_object_get(c, "end"),
                              &end)))
            return err;
        if (end <= start)
            return apr_psprintf(p, "%s: end (%.3f) must be after start (%.3f)", at, end, start);
        if (dur_ms > 0 && to_ms(end) > dur_ms + 1)
            return apr_psprintf(p, "%s: end (%.3f) is past the end of the media (%.3f s)", at, end,
                                dur_ms / 1000.0);
        total_ms += to_ms(end) - to_ms(start);
    }
    minutes = started_minutes(total_ms);
    add_line(pr, q, row, minutes,
             apr_psprintf(p,
                          "%lu clip(s), %s s of output = %" APR_INT64_T_FMT
                          " started minute(s), mode %s",
                          (unsigned long)json_array_size(clips), miq_text_num(p, total_ms / 1000.0),
                          minutes, mode));
    return NULL;
}

const char *miq_pricing_estimate(const miq_pricing *pr, apr_pool_t *p, const char *endpoint,
                                 double duration_s, const json_t *params, miq_price_quote *q)
{
    apr_int64_t dur_ms, milli = 0;
    const char *err = NULL;
    int row = find_row(endpoint, NULL), i;

    memset(q, 0, sizeof(*q));
    if (row < 0)
        return apr_psprintf(p, "unknown endpoint '%s' (known: %s)", endpoint ? endpoint : "",
                            endpoint_list(p));
    if (isnan(duration_s) || duration_s < 0)
        return "duration_s must be a number of seconds >= 0";
    if (!isfinite(duration_s) || duration_s * 1000.0 > (double)pr->max_duration_ms)
        return apr_psprintf(p, "duration_s %.3f is above the maximum of %.0f seconds", duration_s,
                            pr->max_duration_ms / 1000.0);
    if (params && !json_is_object(params) && !json_is_null(params))
        return "params must be an object";
    dur_ms = to_ms(duration_s);
    q->endpoint = rows[row].endpoint;
    q->duration_s = duration_s;

    if (!strcmp(endpoint, "video/frames"))
        err = price_frames(pr, p, params, dur_ms, q);
    else if (!strcmp(endpoint, "video/clips"))
        err = price_clips(pr, p, params, dur_ms, q);
    else {
        apr_int64_t minutes = started_minutes(dur_ms);
        add_line(pr, q, row, minutes,
                 apr_psprintf(p, "%s s of media = %" APR_INT64_T_FMT " started minute(s)",
                              miq_text_num(p, dur_ms / 1000.0), minutes));
    }
    if (err) {
        memset(q, 0, sizeof(*q));
        return err;
    }
    for (i = 0; i < q->n_lines; i++)
        milli += q->lines[i].subtotal_milli;
    q->credits = (milli + 999) / 1000;
    return NULL;
}

json_t *miq_price_quote_json(apr_pool_t *p, const miq_price_quote *q)
{
    json_t *lines = json_array();
    int i;
    for (i = 0; i < q->n_lines; i++) {
        const miq_price_line *l = &q->lines[i];
        json_array_append_new(lines,
                              json_pack("{s:s,s:I,s:f,s:f,s:s}", "unit", l->unit, "units",
                                        (json_int_t)l->units, "unit_credits", l->unit_credits,
                                        "subtotal", l->subtotal_milli / 1000.0, "basis",
                                        l->basis ? l->basis : ""));
    }
    return miq_json_pool(p, json_pack("{s:s,s:f,s:I,s:b,s:o,s:s}", "endpoint",
                                      q->endpoint ? q->endpoint : "", "duration_s", q->duration_s,
                                      "credits", (json_int_t)q->credits, "upper_bound",
                                      q->upper_bound, "lines", lines, "rounding", ROUNDING_TEXT));
}

const char *miq_price_quote_text(apr_pool_t *p, const miq_price_quote *q)
{
    const char *s = apr_psprintf(p, "%s%" APR_INT64_T_FMT " credit%s =",
                                 q->upper_bound ? "at most " : "", q->credits,
                                 q->credits == 1 ? "" : "s");
    int i;
    for (i = 0; i < q->n_lines; i++)
        s = apr_psprintf(p, "%s%s %" APR_INT64_T_FMT " %s x %s (%s)", s, i ? " +" : "",
                         q->lines[i].units, q->lines[i].unit,
                         miq_text_num(p, q->lines[i].unit_credits), q->lines[i].basis);
    return s;
}

json_t *miq_pricing_table_json(apr_pool_t *p, const miq_pricing *pr)
{
    json_t *prices = json_array();
    apr_size_t i;
    for (i = 0; i < N_ROWS; i++)
        json_array_append_new(prices,
                              json_pack("{s:s,s:s,s:f,s:s}", "endpoint", rows[i].endpoint, "unit",
                                        rows[i].unit, "credits", pr->milli[i] / 1000.0,
                                        "description", rows[i].description));
    return miq_json_pool(p,
                         json_pack("{s:s,s:s,s:f,s:o,s:{s:f,s:s}}", "currency", "credits",
                                   "rounding", ROUNDING_TEXT, "max_duration_s",
                                   pr->max_duration_ms / 1000.0, "prices", prices, "credit_price",
                                   "amount", pr->credit_micros / 1e6, "currency", pr->currency));
}

const char *miq_pricing_table_markdown(apr_pool_t *p, const miq_pricing *pr)
{
    const char *s = "| endpoint | unit | credits per unit | counted |\n|---|---|---|---|\n";
    apr_size_t i;
    for (i = 0; i < N_ROWS; i++)
        s = apr_psprintf(p, "%s| `%s` | %s | %s | %s |\n", s, rows[i].endpoint, rows[i].unit,
                         miq_text_num(p, pr->milli[i] / 1000.0), rows[i].description);
    return apr_pstrcat(p, s, "\n", ROUNDING_TEXT,
                       apr_psprintf(p, " One credit costs %s %s.",
                                    miq_text_num(p, pr->credit_micros / 1e6), pr->currency),
                       "\n", NULL);
}
