/* Account quotas over PostgreSQL (see miq_quota.h). */
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include "base/miq_crypto.h"
#include "base/miq_json.h"
#include "limits/miq_quota.h"

static const char *const names[MIQ_QUOTA_KINDS] = {
    [MIQ_QUOTA_STORAGE] = "storage",
    [MIQ_QUOTA_JOBS] = "jobs",
    [MIQ_QUOTA_LONG_POLLS] = "long_polls",
    [MIQ_QUOTA_IMPORTS] = "imports",
};

const char *miq_quota_kind_name(miq_quota_kind_e k)
{
    return (unsigned)k < MIQ_QUOTA_KINDS ? names[k] : "?";
}

int miq_quota_kind_parse(const char *name)
{
    int i;
    for (i = 0; name && i < MIQ_QUOTA_KINDS; i++)
        if (!strcasecmp(name, names[i]))
            return i;
    return -1;
}

const char *miq_quota_parse_limit(apr_pool_t *p, miq_quota_kind_e k, const char *arg,
                                  apr_int64_t *v)
{
    char *end;
    apr_int64_t n;
    int shift = 0;
    if (!arg || !*arg)
        return "a limit is required";
    if (!strcasecmp(arg, "off")) {
        *v = 0;
        return NULL;
    }
    n = apr_strtoi64(arg, &end, 10);
    if (k == MIQ_QUOTA_STORAGE && *end && !end[1] && end != arg) {
        switch (*end) {
        case 'K':
        case 'k':
            shift = 10;
            break;
        case 'M':
        case 'm':
            shift = 20;
            break;
        case 'G':
        case 'g':
            shift = 30;
            break;
        case 'T':
        case 't':
            shift = 40;
            break;
        default:
            shift = -1;
        }
        if (shift > 0)
            end++;
    }
    if (end == arg || *end || n < 0 || n > (APR_INT64_C(1) << 20) ||
        (k != MIQ_QUOTA_STORAGE && n > 100000))
        return k == MIQ_QUOTA_STORAGE
                   ? apr_psprintf(p,
                                  "'%s' is not a size (bytes, K/M/G/T suffix, up to 1024T; "
                                  "0 or off: no limit)",
                                  arg)
                   : apr_psprintf(p, "'%s' is not a count (0..100000; 0 or off: no limit)", arg);
    *v = n << shift;
    return NULL;
}

void miq_quota_refusal(apr_pool_t *p, miq_quota_kind_e kind, apr_int64_t limit, apr_int64_t used,
                       apr_int64_t requested, miq_reply *out)
{
    const char *what;
    json_t *extra = miq_json_packp(p, "{s:s,s:I,s:I}", "quota", miq_quota_kind_name(kind), "limit",
                                   (json_int_t)limit, "used", (json_int_t)used);
    switch (kind) {
    case MIQ_QUOTA_STORAGE:
        json_object_set_new(extra, "requested", json_integer((json_int_t)requested));
        what = apr_psprintf(p,
                            "the account's storage quota is full: %" APR_INT64_T_FMT
                            " of %" APR_INT64_T_FMT " bytes used, %" APR_INT64_T_FMT
                            " more asked; delete uploads (DELETE /v1/uploads/{id}) or wait "
                            "for them to expire",
                            used, limit, requested);
        break;
    case MIQ_QUOTA_JOBS:
        what = apr_psprintf(p,
                            "the account has %" APR_INT64_T_FMT " jobs queued or running, the "
                            "limit is %" APR_INT64_T_FMT "; wait for one to finish",
                            used, limit);
        break;
    default:
        what = apr_psprintf(p,
                            "the account has %" APR_INT64_T_FMT " %s in flight, the limit is "
                            "%" APR_INT64_T_FMT "; wait for one to end",
                            used,
                            kind == MIQ_QUOTA_IMPORTS ? "source_url imports"
                                                      : "waiting job requests (wait_s)",
                            limit);
    }
    miq_reply_err(out, 429, "quota_exceeded", what, extra);
}

static void unavailable(miq_reply *out)
{
    miq_reply_err(out, 503, "server_error", "the database is unavailable; retry shortly", NULL);
}

int miq_quota_check(apr_pool_t *p, const miq_db *db, const miq_quotas *q, const char *account,
                    apr_int64_t incoming, int jobs, miq_reply *out)
{
    const char *err = NULL, **row;
    apr_array_header_t *rows;
    apr_int64_t stored, active;
    int ncols = 0;
    if (!q || !account || (!q->limit[MIQ_QUOTA_STORAGE] && !(jobs && q->limit[MIQ_QUOTA_JOBS])))
        return 1;
    if (!db || !db->query ||
        !(rows = db->query(db->baton, p, MIQ_SQL_QUOTA_USAGE, 1, &account, &ncols, &err)) ||
        rows->nelts != 1 || ncols < 2) {
        unavailable(out);
        return 0;
    }
    row = APR_ARRAY_IDX(rows, 0, const char **);
    stored = row[0] ? apr_atoi64(row[0]) : 0;
    active = row[1] ? apr_atoi64(row[1]) : 0;
    if (incoming < 0)
        incoming = 0;
    if (q->limit[MIQ_QUOTA_STORAGE] && stored + incoming > q->limit[MIQ_QUOTA_STORAGE]) {
        miq_quota_refusal(p, MIQ_QUOTA_STORAGE, q->limit[MIQ_QUOTA_STORAGE], stored, incoming, out);
        return 0;
    }
    if (jobs && q->limit[MIQ_QUOTA_JOBS] && active >= q->limit[MIQ_QUOTA_JOBS]) {
        miq_quota_refusal(p, MIQ_QUOTA_JOBS, q->limit[MIQ_QUOTA_JOBS], active, 1, out);
        return 0;
    }
    return 1;
}

const char *miq_quota_acquire(apr_pool_t *p, const miq_db *db, const miq_quotas *q,
                              miq_quota_kind_e kind, const char *account, int ttl_s, miq_reply *out)
{
    const char *args[5], *err = NULL, **row;
    apr_array_header_t *rows;
    int ncols = 0;
    if (!q || !account || (unsigned)kind >= MIQ_QUOTA_KINDS || !q->limit[kind])
        return "";
    args[0] = apr_pstrcat(p, "ql_", miq_random_hex(p, 8), NULL);
    args[1] = account;
    args[2] = miq_quota_kind_name(kind);
    args[3] = apr_psprintf(p, "%" APR_INT64_T_FMT, q->limit[kind]);
    args[4] = apr_itoa(p, ttl_s > 0 ? ttl_s : 60);
    if (!db || !db->query ||
        !(rows = db->query(db->baton, p, MIQ_SQL_QUOTA_LEASE, 5, args, &ncols, &err)) ||
        rows->nelts != 1 || ncols < 2) {
        unavailable(out);
        return NULL;
    }
    row = APR_ARRAY_IDX(rows, 0, const char **);
    if (row[0] && (row[0][0] == 't' || row[0][0] == '1'))
        return args[0];
    miq_quota_refusal(p, kind, q->limit[kind], row[1] ? apr_atoi64(row[1]) : 0, 1, out);
    return NULL;
}

void miq_quota_release(apr_pool_t *p, const miq_db *db, const char *lease)
{
    const char *err = NULL;
    int ncols = 0;
    if (lease && *lease && db && db->query) /* a failure leaves it to expire */
        db->query(db->baton, p, MIQ_SQL_QUOTA_RELEASE, 1, &lease, &ncols, &err);
}
