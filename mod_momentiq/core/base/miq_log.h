/* Logging bridge: the core never calls httpd. The glue (or a CLI) installs a
 * sink; without one, messages are dropped (unit tests stay quiet).
 * Every message carries a stable number "MIQnnnnn" so tests can allow-list. */
#ifndef MIQ_LOG_H
#define MIQ_LOG_H

#include <apr_pools.h>

typedef enum {
    MIQ_LOG_ERR = 3,
    MIQ_LOG_WARNING = 4,
    MIQ_LOG_NOTICE = 5,
    MIQ_LOG_INFO = 6,
    MIQ_LOG_DEBUG = 7
} miq_log_level_e;

typedef void miq_log_sink_fn(const char *file, int line, miq_log_level_e level, apr_status_t rv,
                             void *baton, const char *msg);
typedef int miq_log_enabled_fn(void *baton, miq_log_level_e level);

void miq_log_set(miq_log_sink_fn *sink, miq_log_enabled_fn *enabled, void *baton);
int miq_log_is_level(miq_log_level_e level);

void miq_log_perror(const char *file, int line, miq_log_level_e level, apr_status_t rv,
                    apr_pool_t *p, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

#define MIQ_LOG_MARK __FILE__, __LINE__

#endif
