#include <stdarg.h>
#include <apr_strings.h>
#include "base/miq_log.h"

static miq_log_sink_fn *log_sink;
static miq_log_enabled_fn *log_enabled;
static void *log_baton;

void miq_log_set(miq_log_sink_fn *sink, miq_log_enabled_fn *enabled, void *baton)
{
    log_sink = sink;
    log_enabled = enabled;
    log_baton = baton;
}

int miq_log_is_level(miq_log_level_e level)
{
    if (!log_sink)
        return 0;
    return log_enabled ? log_enabled(log_baton, level) : 1;
}

void miq_log_perror(const char *file, int line, miq_log_level_e level, apr_status_t rv,
                    apr_pool_t *p, const char *fmt, ...)
{
    va_list ap;
    if (!miq_log_is_level(level))
        return;
    va_start(ap, fmt);
    log_sink(file, line, level, rv, log_baton, apr_pvsprintf(p, fmt, ap));
    va_end(ap);
}
