/* The price table (SPEC §7) and the one function that turns an endpoint,
 * a media duration and params into credits. Estimates, reservations and
 * settlement all call miq_pricing_estimate, so they can never disagree.
 *
 * Units:
 *   media_minute            every STARTED minute of media (0.001 s -> 1, 60 s -> 1, 60.001 s -> 2)
 *   frame                   each extracted frame (video/frames)
 *   output_minute           started minute of total clip output, mode copy (video/clips)
 *   reencode_output_minute  the same for mode reencode
 * Unit prices may be fractional (0.001 credit resolution); the total is
 * rounded UP to a whole credit once, after summing the lines. All arithmetic
 * is integer (millicredits, milliseconds), so results are exact. */
#ifndef MIQ_PRICING_H
#define MIQ_PRICING_H

#include <apr_pools.h>
#include <jansson.h>
#include "base/miq_server.h" /* typedef struct miq_pricing miq_pricing */

#define MIQ_PRICING_MAX_LINES 2
/* Largest accepted unit price, in credits. */
#define MIQ_PRICING_MAX_UNIT_CREDITS 100000.0
/* Default for the largest media duration priced (48 h). */
#define MIQ_PRICING_DEFAULT_MAX_DURATION_S (48.0 * 3600.0)

typedef struct miq_price_line {
    const char *unit;           /* "media_minute", "frame", ... */
    apr_int64_t units;          /* billable units */
    double unit_credits;        /* price of one unit */
    apr_int64_t subtotal_milli; /* units * unit price, in millicredits */
    const char *basis;          /* how units were counted, for people */
} miq_price_line;

typedef struct miq_price_quote {
    const char *endpoint;
    double duration_s;
    apr_int64_t credits; /* total, rounded up to a whole credit */
    int upper_bound;     /* 1: units are a cap (video/frames at_scenes) */
    int n_lines;
    miq_price_line lines[MIQ_PRICING_MAX_LINES];
} miq_price_quote;

/* The default table (see miq_pricing.c and the report in docs). */
miq_pricing *miq_pricing_default(apr_pool_t *p);
/* A copy that can be changed without touching the original (per-vhost merge). */
miq_pricing *miq_pricing_copy(apr_pool_t *p, const miq_pricing *src);

/* Sets one price, e.g. from "MomentIQPrice audio/silence 1" or
 * "MomentIQPrice video/clips reencode_output_minute 4". unit NULL means the
 * endpoint's main unit. Returns NULL or an error (unknown endpoint or unit,
 * price negative, not finite or above MIQ_PRICING_MAX_UNIT_CREDITS). */
const char *miq_pricing_set(miq_pricing *pr, const char *endpoint, const char *unit,
                            double credits);
/* Largest media duration accepted (seconds, > 0). Returns NULL or an error. */
const char *miq_pricing_set_max_duration(miq_pricing *pr, double seconds);
/* The current price of one unit, or -1 when endpoint/unit is unknown (unit NULL: main unit). */
double miq_pricing_get(const miq_pricing *pr, const char *endpoint, const char *unit);

/* The credit's price in money (MomentIQCreditPrice AMOUNT CURRENCY): amount of
 * one credit in currency units (0.01 = one cent), > 0 and <= 1000000;
 * currency an ISO 4217 code, stored lowercase. Default 0.01 usd. Returns NULL
 * or an error. */
const char *miq_pricing_set_credit_price(miq_pricing *pr, double amount, const char *currency);
/* The price of one credit, and its currency (lowercase). */
double miq_pricing_credit_price(const miq_pricing *pr, const char **currency);
/* Minor units per currency unit: 1 for zero-decimal currencies (jpy, krw...), else 100. */
int miq_pricing_minor_per_unit(const char *currency);
/* Credits bought by amount_minor (minor units, e.g. cents) of currency, rounded
 * down; -1 when the currency is not the configured one or the amount < 0. */
apr_int64_t miq_pricing_credits_for_amount(const miq_pricing *pr, apr_int64_t amount_minor,
                                           const char *currency);
/* What credits cost in minor units, rounded up (at least 1 for credits > 0);
 * -1 when it would overflow. */
apr_int64_t miq_pricing_amount_for_credits(const miq_pricing *pr, apr_int64_t credits);

/* Prices a job. duration_s is the media duration (from the probe, or as the
 * caller states it); params are the job params (NULL = {}), read for
 * video/frames (timestamps, every_s, at_scenes + max_frames) and video/clips
 * (clips, mode). To settle a job whose frame count was only bounded, pass
 * the params with the frames actually produced as "timestamps".
 * Returns NULL and fills *q, or an error message for an invalid_request:
 * unknown endpoint, duration negative, NaN or above the maximum, params that
 * cannot be priced (every_s <= 0, no frame mode, clip end <= start, ...). */
const char *miq_pricing_estimate(const miq_pricing *pr, apr_pool_t *p, const char *endpoint,
                                 double duration_s, const json_t *params, miq_price_quote *q);

/* {endpoint, duration_s, credits, upper_bound, lines:[{unit,units,unit_credits,subtotal,basis}],
 * rounding} (pool-bound), matching miq_endpoints_estimate_schema. */
json_t *miq_price_quote_json(apr_pool_t *p, const miq_price_quote *q);
/* One line of text: "3 credits = 3 media_minute x 1". */
const char *miq_price_quote_text(apr_pool_t *p, const miq_price_quote *q);

/* The table: {currency:"credits", rounding, max_duration_s,
 * prices:[{endpoint,unit,credits,description}], credit_price:{amount,currency}}
 * (pool-bound). */
json_t *miq_pricing_table_json(apr_pool_t *p, const miq_pricing *pr);
/* The same as a markdown table. */
const char *miq_pricing_table_markdown(apr_pool_t *p, const miq_pricing *pr);

#endif
