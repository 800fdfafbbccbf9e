/* The probe in a child process (see miq_probe.h): the caller's side spawns
 * `momentiq-probe FILE` and reads one JSON line; the child's side sets its
 * limits and probes. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <apr_strings.h>
#include <apr_thread_proc.h>
#include "base/miq_json.h"
#include "jobs/miq_probe.h"

#define PROBE_CPU_S      20                    /* CPU seconds of one probe */
#define PROBE_MEMORY     (1024L * 1024 * 1024) /* address space of one probe */
#define PROBE_OUTPUT_MAX (256 * 1024)          /* the answer's size */

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1 /* ASan reserves terabytes of address space: no RLIMIT_AS */
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif

static void limit(int what, rlim_t value)
{
    struct rlimit rl = {value, value};
    setrlimit(what, &rl);
}

int miq_probe_child_main(apr_pool_t *p, const char *path, FILE *out)
{
    json_t *probe = NULL, *answer;
    const char *code = NULL, *err;
    double duration = 0;
    limit(RLIMIT_CORE, 0);
    limit(RLIMIT_CPU, PROBE_CPU_S);
#ifndef SANITIZED
    limit(RLIMIT_AS, (rlim_t)PROBE_MEMORY);
#endif
    err = miq_probe_file(p, path, &probe, &duration, &code);
    if (err)
        answer = json_pack("{s:s,s:s}", "code", code ? code : "server_error", "error", err);
    else
        answer = json_pack("{s:o,s:f}", "probe", probe, "duration_s", duration);
    miq_json_pool(p, answer);
    fprintf(out, "%s\n", miq_json_dump(p, answer));
    fflush(out);
    return 0;
}

const char *miq_probe_file_isolated(apr_pool_t *p, const char *cmd, const char *path, int timeout_s,
                                    json_t **probe, double *duration_s, const char **code)
{
    apr_procattr_t *attr;
    apr_proc_t proc;
    apr_exit_why_e why;
    apr_time_t deadline = apr_time_now() + apr_time_from_sec(timeout_s > 0 ? timeout_s : 30);
    const char *argv[3] = {cmd, path, NULL};
    char *buf = apr_palloc(p, PROBE_OUTPUT_MAX + 1);
    apr_size_t got = 0;
    apr_status_t rv;
    int status = 0, timed_out = 0;
    json_t *answer;

    *probe = NULL;
    *duration_s = 0;
    *code = "server_error";
    if ((rv = apr_procattr_create(&attr, p)) != APR_SUCCESS ||
        (rv = apr_procattr_io_set(attr, APR_NO_FILE, APR_FULL_BLOCK, APR_NO_FILE)) != APR_SUCCESS ||
        (rv = apr_procattr_cmdtype_set(attr, APR_PROGRAM_ENV)) != APR_SUCCESS ||
        (rv = apr_proc_create(&proc, cmd, argv, NULL, attr, p)) != APR_SUCCESS)
        return apr_psprintf(p, "the media probe could not be started (%s)", cmd);
    for (;;) {
        apr_size_t n = PROBE_OUTPUT_MAX - got;
        apr_interval_time_t left = deadline - apr_time_now();
        if (left <= 0) {
            timed_out = 1;
            break;
        }
        apr_file_pipe_timeout_set(proc.out, left);
        if (!n)
            break;
        rv = apr_file_read(proc.out, buf + got, &n);
        got += n;
        if (APR_STATUS_IS_TIMEUP(rv)) {
            timed_out = 1;
            break;
        }
        if (rv != APR_SUCCESS) /* EOF or a broken pipe: the child is done */
            break;
    }
    if (timed_out)
        apr_proc_kill(&proc, SIGKILL);
    apr_file_close(proc.out);
    apr_proc_wait(&proc, &status, &why, APR_WAIT);
    buf[got] = 0;
    if (timed_out) {
        *code = "unsupported_media";
        return apr_psprintf(p, "the media could not be read within %d s", timeout_s);
    }
    if (why == APR_PROC_SIGNAL_CORE || why == APR_PROC_SIGNAL) {
        *code = "unsupported_media"; /* over its CPU or memory limit, or crashed on the file */
        return "the media could not be read within the probe's limits";
    }
    answer = miq_json_parse(p, buf, got, NULL);
    if (!json_is_object(answer))
        return "the media probe gave no answer";
    if (json_object_get(answer, "error")) {
        *code = apr_pstrdup(p, miq_json_str(answer, "code", "server_error"));
        return apr_pstrdup(p, miq_json_str(answer, "error", "the media could not be probed"));
    }
    *probe = json_object_get(answer, "probe"); /* borrowed from the pool-bound answer */
    if (!json_is_object(*probe))
        return "the media probe gave no answer";
    *duration_s = miq_json_num(answer, "duration_s", 0);
    *code = NULL;
    return NULL;
}
