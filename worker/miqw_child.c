/* A job's analysis in a child process, with limits (see miqw_child.h). */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <apr_general.h>
#include <apr_strings.h>
#include <apr_time.h>
#include "base/miq_json.h"
#include "billing/miq_pricing.h"
#include "endpoints/miq_endpoints.h"
#include "miqw_child.h"

#if defined(__SANITIZE_ADDRESS__)
#define MIQW_SANITIZED 1 /* ASan reserves terabytes of address space: no RLIMIT_AS */
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MIQW_SANITIZED 1
#endif
#endif
#ifndef MIQW_SANITIZED
#define MIQW_SANITIZED 0
#endif

#define SPEC_MAX (8 << 20)  /* the job line: params are at most 1 MiB of JSON */
#define OUT_MAX  (64 << 20) /* the result line */

miqw_limits miqw_limits_for(double base_s, double factor, double max_s, double reserved_s,
                            long memory_mb)
{
    miqw_limits l;
    double w = reserved_s > 0 ? base_s + factor * reserved_s : max_s;
    l.wall_s = w < max_s ? w : max_s;
    l.cpu_s = (long)ceil(2 * l.wall_s) + 10;
    l.memory_mb = memory_mb;
    return l;
}

/* ---- the parent's side ---- */

static double now_s(void)
{
    return (double)apr_time_now() / APR_USEC_PER_SEC;
}

static int write_all(int fd, const char *buf, size_t n)
{
    while (n) {
        ssize_t w = write(fd, buf, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        buf += w, n -= (size_t)w;
    }
    return 0;
}

/* Takes the complete lines of buf[0..*len): progress and the result. */
static void take_lines(apr_pool_t *p, char *buf, size_t *len, double *fraction, char **result)
{
    char *start = buf, *nl;
    while ((nl = memchr(start, '\n', *len - (size_t)(start - buf)))) {
        *nl = 0;
        if (!strncmp(start, "progress ", 9))
            *fraction = atof(start + 9);
        else if (!strncmp(start, "result ", 7))
            *result = apr_pstrdup(p, start + 7);
        start = nl + 1;
    }
    *len -= (size_t)(start - buf);
    memmove(buf, start, *len);
}

static void fail(miqw_child_result *out, miqw_child_outcome o, const char *code, const char *err)
{
    out->outcome = o;
    out->code = code;
    out->error = err;
}
#define FAIL(...)                                                                                  \
    do {                                                                                           \
        fail(__VA_ARGS__);                                                                         \
        return;                                                                                    \
    } while (0)

void miqw_child_run(apr_pool_t *p, const char *self, const apr_array_header_t *extra_args,
                    const miqw_job *job, const miqw_limits *lim, miqw_stop_fn *stop, void *baton,
                    miqw_child_result *out)
{
    int in[2] = {-1, -1}, from[2] = {-1, -1}, i, status = 0, eof = 0, reaped = 0;
    const char **argv;
    json_t *spec;
    char *line, *buf, *result = NULL;
    size_t len = 0, cap = 65536;
    double t0 = now_s(), fraction = 0;
    pid_t pid;
    enum { NONE, BY_STOP, BY_DEADLINE, BY_CPU } killed = NONE;

    memset(out, 0, sizeof(*out));
    /* Everything the child needs is built before fork: after it, only dup2 and execv. */
    argv = apr_pcalloc(p, sizeof(*argv) * (size_t)(8 + (extra_args ? extra_args->nelts : 0)));
    i = 0;
    argv[i++] = self;
    argv[i++] = "--run-job";
    argv[i++] = "--cpu";
    argv[i++] = apr_ltoa(p, lim->cpu_s);
    argv[i++] = "--memory";
    argv[i++] = apr_ltoa(p, lim->memory_mb);
    if (extra_args)
        for (int k = 0; k < extra_args->nelts; k++)
            argv[i++] = APR_ARRAY_IDX(extra_args, k, const char *);
    argv[i] = NULL;
    spec = miq_json_packp(p, "{s:s,s:s,s:s,s:s,s:O?,s:f}", "id", job->id, "endpoint", job->endpoint,
                          "input_path", job->input_path, "out_dir", job->out_dir, "params",
                          job->params, "reserved_s", job->reserved_s);
    if (!spec || !(line = json_dumps(spec, JSON_COMPACT)))
        FAIL(out, MIQW_CHILD_CRASHED, "server_error", "out of memory");
    if (pipe2(in, O_CLOEXEC) || pipe2(from, O_CLOEXEC)) {
        free(line);
        for (i = 0; i < 2; i++)
            if (in[i] >= 0)
                close(in[i]);
        FAIL(out, MIQW_CHILD_CRASHED, "server_error", "cannot create pipes for the job");
    }
    pid = fork();
    if (pid == 0) {
        /* The child of a threaded process: async-signal-safe calls only, then exec. */
        if (dup2(in[0], 0) < 0 || dup2(from[1], 1) < 0)
            _exit(126);
        execv(self, (char *const *)argv);
        _exit(127);
    }
    close(in[0]);
    close(from[1]);
    if (pid < 0) {
        free(line);
        close(in[1]);
        close(from[0]);
        FAIL(out, MIQW_CHILD_CRASHED, "server_error", "cannot start the job process");
    }
    out->pid = (long)pid;
    /* The child reads its whole job line before anything else (SIGPIPE is ignored). */
    write_all(in[1], line, strlen(line));
    write_all(in[1], "\n", 1);
    close(in[1]);
    free(line);
    buf = malloc(cap);
    fcntl(from[0], F_SETFL, O_NONBLOCK);
    while (!reaped) {
        struct pollfd pfd = {from[0], POLLIN, 0};
        pid_t r;
        if (!eof && buf && poll(&pfd, 1, 100) > 0) {
            for (;;) {
                ssize_t got;
                if (len + 4096 > cap) {
                    char *nb = cap < OUT_MAX ? realloc(buf, cap * 2) : NULL;
                    if (!nb) { /* a result larger than OUT_MAX: refuse it */
                        eof = 1;
                        break;
                    }
                    buf = nb, cap *= 2;
                }
                got = read(from[0], buf + len, cap - len - 1);
                if (got > 0) {
                    len += (size_t)got;
                    take_lines(p, buf, &len, &fraction, &result);
                    continue;
                }
                if (got == 0)
                    eof = 1;
                break; /* EAGAIN, or EOF */
            }
        }
        else if (eof || !buf)
            apr_sleep(apr_time_from_msec(50));
        r = waitpid(pid, &status, WNOHANG);
        if (r == pid) {
            reaped = 1;
            break;
        }
        if (killed != NONE)
            continue; /* SIGKILL sent: reap it */
        if (stop && stop(baton, fraction))
            killed = BY_STOP;
        else if (now_s() - t0 > lim->wall_s)
            killed = BY_DEADLINE;
        if (killed != NONE)
            kill(pid, SIGKILL);
    }
    /* The last lines the child wrote before exiting. */
    if (buf && !eof) {
        ssize_t got;
        while (len + 1 < cap && (got = read(from[0], buf + len, cap - len - 1)) > 0) {
            len += (size_t)got;
            take_lines(p, buf, &len, &fraction, &result);
        }
    }
    free(buf);
    close(from[0]);
    out->seconds = now_s() - t0;
    if (killed == NONE && WIFSIGNALED(status) && WTERMSIG(status) == SIGXCPU)
        killed = BY_CPU;
    if (killed == NONE && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL && !result)
        killed = BY_CPU; /* the hard RLIMIT_CPU (or the kernel's OOM killer) */
    if (killed == BY_STOP)
        FAIL(out, MIQW_CHILD_STOPPED, "canceled", "the job was stopped");
    if (killed == BY_DEADLINE)
        FAIL(out, MIQW_CHILD_LIMIT, "processing_limit_exceeded",
             apr_psprintf(p, "the analysis ran past its time limit (%.0f s)", lim->wall_s));
    if (killed == BY_CPU)
        FAIL(out, MIQW_CHILD_LIMIT, "processing_limit_exceeded",
             apr_psprintf(p, "the analysis used more than its CPU time limit (%ld s)", lim->cpu_s));
    if (!result) {
        if (WIFSIGNALED(status))
            FAIL(out, MIQW_CHILD_CRASHED, "server_error",
                 apr_psprintf(p, "the analysis process died (signal %d)", WTERMSIG(status)));
        FAIL(out, MIQW_CHILD_CRASHED, "server_error",
             apr_psprintf(p, "the analysis process exited (%d) without a result",
                          WIFEXITED(status) ? WEXITSTATUS(status) : -1));
    }
    {
        json_t *doc = miq_json_parse(p, result, strlen(result), NULL);
        const char *code = miq_json_str(doc, "code", NULL);
        if (!json_is_object(doc))
            FAIL(out, MIQW_CHILD_CRASHED, "server_error", "the analysis sent no valid result");
        out->outcome = code && !strcmp(code, "processing_limit_exceeded") ? MIQW_CHILD_LIMIT
                                                                          : MIQW_CHILD_OK;
        if (json_is_true(json_object_get(doc, "ok"))) {
            out->result = json_object_get(doc, "result");
            out->cost = (apr_int64_t)json_integer_value(json_object_get(doc, "cost"));
            if (!json_is_object(out->result))
                FAIL(out, MIQW_CHILD_CRASHED, "server_error", "the analysis sent no result");
            return;
        }
        out->code = code ? code : "server_error";
        out->error = miq_json_str(doc, "error", "analysis failed");
    }
}

/* ---- the child's side ---- */

static apr_time_t last_progress;

static int child_progress(void *baton, double fraction)
{
    apr_time_t now = apr_time_now();
    char line[64];
    (void)baton;
    if (now - last_progress >= apr_time_from_msec(250)) {
        int n = snprintf(line, sizeof(line), "progress %.4f\n", fraction);
        last_progress = now;
        write_all(1, line, (size_t)n);
    }
    return 0; /* the parent kills us to stop */
}

/* Writes the result line; doc is bound to p (the child's pool). */
static int emit(apr_pool_t *p, json_t *doc)
{
    char *s = json_dumps(doc, JSON_COMPACT);
    int rv = s && !write_all(1, "result ", 7) && !write_all(1, s, strlen(s)) &&
             !write_all(1, "\n", 1);
    free(s);
    miq_json_pool(p, doc);
    return rv ? 0 : 1;
}

int miqw_child_main(int argc, char **argv)
{
    apr_pool_t *p;
    miq_pricing *pricing;
    struct rlimit rl;
    long cpu_s = 0, memory_mb = 0;
    char *spec;
    size_t len = 0;
    ssize_t got;
    json_t *doc, *result = NULL;
    miqw_job job;
    apr_int64_t cost = 0;
    const char *err, *code = NULL;
    int i;

    /* Dies with the job thread that started it; never outlives a dead worker. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() == 1)
        return 3;
    close_range(3, ~0U, 0); /* nothing of the parent's (DB sockets...) stays open */
    memset(&rl, 0, sizeof(rl));
    setrlimit(RLIMIT_CORE, &rl);
    for (i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--cpu") && i + 1 < argc)
            cpu_s = atol(argv[++i]);
        else if (!strcmp(argv[i], "--memory") && i + 1 < argc)
            memory_mb = atol(argv[++i]);
        else if (!strcmp(argv[i], "--price") && i + 1 < argc)
            i++; /* read below, once APR is up */
    }
    if (cpu_s > 0) {
        rl.rlim_cur = (rlim_t)cpu_s;
        rl.rlim_max = (rlim_t)cpu_s + 5;
        setrlimit(RLIMIT_CPU, &rl);
    }
    if (memory_mb > 0 && !MIQW_SANITIZED) {
        rl.rlim_cur = rl.rlim_max = (rlim_t)memory_mb << 20;
        setrlimit(RLIMIT_AS, &rl);
    }
    mallopt(M_ARENA_MAX, 2); /* per-thread arenas reserve address space */
    apr_app_initialize(&argc, (const char *const **)&argv, NULL);
    apr_pool_create(&p, NULL);
    pricing = miq_pricing_default(p);
    for (i = 2; i < argc; i++)
        if (!strcmp(argv[i], "--price") && i + 1 < argc) {
            char *s = apr_pstrdup(p, argv[++i]), *eq = strchr(s, '='), *colon;
            if (!eq)
                continue;
            *eq = 0;
            if ((colon = strchr(s, ':')))
                *colon++ = 0;
            miq_pricing_set(pricing, s, colon, atof(eq + 1));
        }
    miq_endpoints_init();
    spec = malloc(SPEC_MAX + 1);
    while (spec && len < SPEC_MAX && (got = read(0, spec + len, SPEC_MAX - len)) != 0) {
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            break;
        len += (size_t)got;
        if (memchr(spec + len - got, '\n', (size_t)got))
            break;
    }
    doc = spec ? miq_json_parse(p, spec, len, NULL) : NULL;
    free(spec);
    if (!json_is_object(doc))
        return emit(p, json_pack("{s:b,s:s,s:s}", "ok", 0, "code", "server_error", "error",
                                 "the job process got no job"));
    memset(&job, 0, sizeof(job));
    job.id = miq_json_str(doc, "id", "");
    job.endpoint = miq_json_str(doc, "endpoint", "");
    job.input_path = miq_json_str(doc, "input_path", "");
    job.out_dir = miq_json_str(doc, "out_dir", "");
    job.params = json_object_get(doc, "params");
    job.reserved_s = miq_json_num(doc, "reserved_s", 0);
    err = miqw_job_run(p, &job, pricing, child_progress, NULL, &result, &cost, &code);
    if (!err)
        return emit(p, json_pack("{s:b,s:O,s:I}", "ok", 1, "result", result, "cost",
                                 (json_int_t)cost));
    /* Allocation failures under RLIMIT_AS are the memory limit speaking. */
    if (memory_mb > 0 && (!code || !strcmp(code, "server_error")) && strstr(err, "out of memory")) {
        code = "processing_limit_exceeded";
        err = apr_psprintf(p, "the analysis needed more memory than its limit (%ld MiB)",
                           memory_mb);
    }
    return emit(p, json_pack("{s:b,s:s,s:s}", "ok", 0, "code", code ? code : "server_error",
                             "error", err));
}
