/* Jobs end to end: kill -9 of the worker mid-job. A replacement worker (a
 * short lease) takes the job over once the dead one's lease expires; the job
 * completes once, with one result, billed once, and the replacement keeps
 * serving the suites after this one. Helpers and media: support/it_jobs.h. */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
#include <apr_strings.h>
#include "base/miq_json.h"
#include "support/it_jobs.h"

/* $VAR: MIQ_TEST_ERROR_LOG is $VAR/httpd/logs/error_log. */
static const char *stack_var(void)
{
    const char *v = itenv.error_log;
    int i;
    char *d;
    if (!v)
        return NULL;
    d = apr_pstrdup(itp, v);
    for (i = 0; i < 3; i++) {
        char *s = strrchr(d, '/');
        if (!s || s == d)
            return NULL;
        *s = 0;
    }
    return d;
}

/* The build directory: MIQ_TEST_BUILD, else the runner's own directory. */
static const char *build_dir(void)
{
    const char *b = getenv("MIQ_TEST_BUILD");
    char buf[4096];
    ssize_t n;
    char *s;
    if (b && *b)
        return b;
    n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
    if (n <= 0)
        return NULL;
    buf[n] = 0;
    if (!(s = strrchr(buf, '/')))
        return NULL;
    *s = 0;
    return apr_pstrdup(itp, buf);
}

static long read_pid(const char *path)
{
    apr_size_t len;
    const char *s = jt_read_bin(path, &len);
    return s && len ? atol(s) : 0;
}

/* Alive and not a zombie. */
static int pid_alive(long pid)
{
    char buf[512];
    FILE *f;
    char *paren;
    if (pid <= 0 || kill((pid_t)pid, 0) != 0)
        return 0;
    snprintf(buf, sizeof(buf), "/proc/%ld/stat", pid);
    if (!(f = fopen(buf, "r")))
        return 0;
    if (!fgets(buf, sizeof(buf), f))
        buf[0] = 0;
    fclose(f);
    paren = strrchr(buf, ')');
    return !(paren && paren[1] == ' ' && (paren[2] == 'Z' || paren[2] == 'X'));
}

/* The command line of the worker build.sh started (/proc/PID/cmdline), so
 * that its replacement runs as it did (webhook delivery threads included),
 * plus a 10 s lease (the last --lease wins). NULL when it cannot be read. */
static char **worker_argv(long pid)
{
    char path[64], buf[8192];
    char **argv;
    size_t n, i;
    int argc = 0;
    FILE *f;
    snprintf(path, sizeof(path), "/proc/%ld/cmdline", pid);
    if (!(f = fopen(path, "r")))
        return NULL;
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    if (n == 0)
        return NULL;
    buf[n] = 0;
    argv = apr_pcalloc(itp, 64 * sizeof(char *));
    for (i = 0; i < n && argc < 60; i += strlen(buf + i) + 1)
        argv[argc++] = apr_pstrdup(itp, buf + i);
    argv[argc++] = apr_pstrdup(itp, "--lease");
    argv[argc++] = apr_pstrdup(itp, "10");
    return argv;
}

/* Starts a worker like build.sh does (same pid file and storage, so
 * `build.sh stop` ends it): with ARGV when given (the replaced worker's own
 * command line), else with the pid file, storage, 2 jobs and a 10 s lease.
 * Its pid, or 0. */
static long start_worker(const char *var, char **argv)
{
    const char *bin = apr_pstrcat(itp, build_dir(), "/momentiq-worker", NULL);
    const char *pidfile = apr_pstrcat(itp, var, "/log/worker.pid", NULL);
    const char *storage = apr_pstrcat(itp, var, "/storage", NULL);
    /* build.sh's worker.log may belong to root (its shell opens it): then a log of our own. */
    const char *log = apr_pstrcat(itp, var, "/log/worker.log", NULL);
    const char *log2 = apr_pstrcat(itp, var, "/log/worker-itest.log", NULL);
    pid_t pid;
    long got = 0;
    apr_time_t end;
    if (access(bin, X_OK) != 0 || !itenv.db)
        return 0;
    unlink(pidfile);
    pid = fork();
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_APPEND | O_CREAT, 0640);
        if (fd < 0)
            fd = open(log2, O_WRONLY | O_APPEND | O_CREAT, 0640);
        if (fd < 0)
            fd = open("/dev/null", O_WRONLY);
        setsid();
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        setenv("MOMENTIQ_DB", itenv.db, 1);
        if (argv)
            execv(bin, argv);
        execl(bin, bin, "--pidfile", pidfile, "--storage", storage, "--jobs", "2", "--lease", "10",
              (char *)NULL);
        _exit(127);
    }
    if (pid < 0)
        return 0;
    end = apr_time_now() + apr_time_from_sec(10);
    while (apr_time_now() < end && !(got = read_pid(pidfile)))
        apr_sleep(apr_time_from_msec(50));
    return got == (long)pid ? got : 0;
}

static void test_worker_kill9_job_completes_once(void)
{
    const char *var = stack_var(), *job, *args[1], *worker_id;
    char **argv;
    long pid, pid2;
    json_t *j, *res;
    apr_time_t end, running_at = 0;
    double secs;
    CU_ASSERT_FATAL(jt_ready());
    CU_ASSERT_PTR_NOT_NULL_FATAL(var);
    pid = read_pid(apr_pstrcat(itp, var, "/log/worker.pid", NULL));
    IT_ASSERT_MSG(pid_alive(pid), "no live worker (pid %ld in %s/log/worker.pid)", pid, var);
    if (!pid_alive(pid))
        return;
    /* Nothing else in the queue: the job goes to this worker now. */
    end = apr_time_now() + apr_time_from_sec(90);
    while (apr_time_now() < end) {
        const char *v = it_db_value("SELECT count(*) FROM jobs WHERE status IN ('queued', "
                                    "'running')",
                                    0, NULL);
        if (v && !strcmp(v, "0"))
            break;
        apr_sleep(apr_time_from_msec(200));
    }
    /* A 55 s frame-accurate re-encode of the 60 s 720p file: seconds of work. */
    job = jt_create_rest(jt_tok, "video/clips", jt_upl_long,
                         "{\"clips\":[{\"start\":0,\"end\":55}],\"mode\":\"reencode\"}");
    CU_ASSERT_PTR_NOT_NULL_FATAL(job);
    args[0] = job;
    end = apr_time_now() + apr_time_from_sec(30);
    worker_id = NULL;
    while (apr_time_now() < end) {
        const char *st = it_db_value("SELECT status FROM jobs WHERE id = $1", 1, args);
        if (st && !strcmp(st, "running")) {
            running_at = apr_time_now();
            worker_id = it_db_value("SELECT worker_id FROM jobs WHERE id = $1", 1, args);
            break;
        }
        if (st && strcmp(st, "queued"))
            break;
        apr_sleep(apr_time_from_msec(20));
    }
    IT_ASSERT_MSG(running_at && worker_id &&
                      !strcmp(strrchr(worker_id, ':') ? strrchr(worker_id, ':') + 1 : "",
                              apr_ltoa(itp, pid)),
                  "job not running on worker %ld: %s", pid, worker_id ? worker_id : "(none)");
    if (!running_at)
        return;
    /* Mid-job: a second into the re-encode (clips report no progress to poll). */
    apr_sleep(apr_time_from_sec(1));
    {
        const char *st = it_db_value("SELECT status FROM jobs WHERE id = $1", 1, args);
        IT_ASSERT_MSG(st && !strcmp(st, "running"), "the job is already %s before the kill",
                      st ? st : "(null)");
    }
    argv = worker_argv(pid);
    CU_ASSERT_EQUAL_FATAL(kill((pid_t)pid, SIGKILL), 0);
    end = apr_time_now() + apr_time_from_sec(10);
    while (apr_time_now() < end && pid_alive(pid))
        apr_sleep(apr_time_from_msec(20));
    CU_ASSERT_FATAL(!pid_alive(pid));
    CU_ASSERT_STRING_EQUAL(it_db_value("SELECT status FROM jobs WHERE id = $1", 1, args),
                           "running");
    /* build.sh does not restart it: a replacement, as build.sh starts one, with a
     * short lease. It takes the job over when the dead worker's lease expires. */
    pid2 = start_worker(var, argv);
    IT_ASSERT_MSG(pid2 > 0, "could not start a worker from %s", build_dir());
    if (!pid2)
        return;
    fprintf(stderr, "\n    (killed worker %ld, started worker %ld)", pid, pid2);
    j = jt_wait_rest(jt_tok, job, 180);
    secs = (double)(apr_time_now() - running_at) / APR_USEC_PER_SEC;
    fprintf(stderr, "\n    (kill -9 job done %.1f s after it started)", secs);
    if (!jt_succeeded(j))
        return;
    /* Once: a second attempt on the new worker, one result, billed once. (A third
     * attempt means a live worker's lease lapsed while it still worked on the job,
     * and the job ran twice at the same time.) */
    IT_ASSERT_MSG(miq_json_int(j, "attempts", 0) == 2,
                  "attempts %d, want 2 (the killed one and the replacement's): the job was "
                  "claimed again while a live worker was running it",
                  (int)miq_json_int(j, "attempts", 0));
    worker_id = it_db_value("SELECT worker_id FROM jobs WHERE id = $1", 1, args);
    IT_ASSERT_MSG(worker_id && strrchr(worker_id, ':') && atol(strrchr(worker_id, ':') + 1) == pid2,
                  "finished by %s", worker_id ? worker_id : "(null)");
    jt_assert_billed_once(j);
    CU_ASSERT_STRING_EQUAL(it_db_value("SELECT count(*) FROM credit_ledger WHERE job_id = $1 AND "
                                       "kind = 'settlement'",
                                       1, args),
                           "1");
    res = jt_result_rest(jt_tok, job);
    if (res) {
        json_t *c = json_array_get(json_object_get(res, "clips"), 0);
        const char *path = jt_fetch_mp4(miq_json_str(c, "url", ""),
                                        apr_pstrcat(itp, jt_media_dir, "/killed.mp4", NULL));
        if (path) {
            int got = jt_ffprobe_frames(path);
            IT_ASSERT_MSG(abs(got - 55 * 25) <= 1, "re-encoded %d frames, want 1375", got);
        }
    }
    /* The replacement keeps serving (later suites need a worker). */
    CU_ASSERT(pid_alive(pid2));
    job = jt_create_rest(jt_tok, "audio/silence", jt_upl_speech, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(job);
    CU_ASSERT(jt_succeeded(jt_wait_rest(jt_tok, job, JOB_TIMEOUT_S)));
}

IT_SUITE("jobs_crash", IT_TEST(test_worker_kill9_job_completes_once))
