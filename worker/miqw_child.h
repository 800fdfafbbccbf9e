/* Each job's analysis runs in its own child process: the worker binary
 * re-executed as `momentiq-worker --run-job` (fork then an immediate execv, so
 * nothing of the threaded parent runs in the child). The child reads the job
 * as one JSON line on stdin, sets its own rlimits (CPU time, address space, no
 * core) before touching the media, and writes "progress F" lines then one
 * "result {...}" line on stdout. It never sees the database.
 *
 * The parent (a job thread) keeps the lease beat, and kills the child
 * (SIGKILL) at the wall-clock deadline, when its stop callback says so (the
 * job was canceled or lost, or the worker is stopping), or when the child
 * outlives its CPU limit. A child that ran out of time, CPU or memory fails
 * the job with "processing_limit_exceeded". */
#ifndef MIQW_CHILD_H
#define MIQW_CHILD_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <jansson.h>
#include "miqw_jobrun.h"

typedef struct miqw_limits {
    double wall_s;  /* deadline from the start of the child */
    long cpu_s;     /* RLIMIT_CPU soft limit (SIGXCPU); hard = soft + 5 */
    long memory_mb; /* RLIMIT_AS; 0 = none (sanitizer builds ignore it) */
} miqw_limits;

/* The wall-clock budget of a job: base + factor x the duration it reserved
 * (the pass stops there), at most max_s; max_s when the duration is unknown.
 * CPU: twice the wall budget (two decoding threads) plus 10 s. */
miqw_limits miqw_limits_for(double base_s, double factor, double max_s, double reserved_s,
                            long memory_mb);

/* Returns nonzero to have the child killed (cancel, lost lease, shutdown);
 * gets the child's last reported progress 0..1. Called about every 100 ms. */
typedef int miqw_stop_fn(void *baton, double fraction);

typedef enum {
    MIQW_CHILD_OK,      /* ran; result or code/error below */
    MIQW_CHILD_STOPPED, /* killed because stop said so */
    MIQW_CHILD_LIMIT,   /* deadline, CPU or memory: code processing_limit_exceeded */
    MIQW_CHILD_CRASHED, /* died otherwise (signal, no result): code server_error */
} miqw_child_outcome;

typedef struct miqw_child_result {
    miqw_child_outcome outcome;
    const char *code, *error; /* when failed (outcome != OK or code set) */
    json_t *result;           /* pool-bound, on success */
    apr_int64_t cost;
    long pid;       /* the child's pid, for logs */
    double seconds; /* wall time of the child */
} miqw_child_result;

/* Runs job in a child of the executable self (an absolute path), passing
 * extra_args (e.g. the --price specs) on its command line. Blocks until the
 * child has exited and been reaped. */
void miqw_child_run(apr_pool_t *p, const char *self, const apr_array_header_t *extra_args,
                    const miqw_job *job, const miqw_limits *lim, miqw_stop_fn *stop, void *baton,
                    miqw_child_result *out);

/* The child's side: main() of `momentiq-worker --run-job [--cpu S]
 * [--memory MB] [--price SPEC]...`. Returns the exit status. */
int miqw_child_main(int argc, char **argv);

#endif
