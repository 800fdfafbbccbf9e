/* Hostile media through the real stack (issue 11): upload crafted files,
 * create jobs over /v1/jobs with an API key, wait, and check that each fails
 * with its code, unbilled (the balance is back where it was), and that the
 * worker keeps serving other jobs; then the per-job child process: a job
 * over its time limit fails with processing_limit_exceeded after its bounded
 * attempts, and a cancel kills a running job's child within a second or two.
 *
 * The limit tests need a worker with a tiny time budget, so they pause the
 * stack's worker (SIGSTOP, its pid from $VAR/worker.pid), run one of their own
 * against the same database and storage, and resume the stack's worker after
 * (SIGCONT, also from an atexit handler). The small helpers below (hdrs, rest,
 * grant, stack_var, build_dir, terminal, wait_job) are minimal copies of the
 * static ones in test_jobs_e2e.c / itest_main.c, kept here so this file stands
 * alone. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <apr_strings.h>
#include "itest.h"
#include "base/miq_json.h"

#define WAIT_S 20

static pid_t stack_worker_paused; /* resumed at exit whatever happens */

/* ---- copies of the e2e helpers --------------------------------------------------- */

static const char *const *hdrs(const char *a, const char *b)
{
    const char **h = apr_pcalloc(itp, 3 * sizeof(*h));
    int n = 0;
    if (a)
        h[n++] = a;
    if (b)
        h[n++] = b;
    return h;
}

static it_resp *rest(const char *token, const char *method, const char *path, const char *json)
{
    return it_request(method, path,
                      hdrs(it_bearer(token), json ? "Content-Type: application/json" : NULL), json,
                      json ? strlen(json) : 0);
}

/* $VAR: MIQ_TEST_ERROR_LOG is $VAR/httpd/logs/error_log. */
static const char *stack_var(void)
{
    char *d, *s;
    int i;
    if (!itenv.error_log)
        return NULL;
    d = apr_pstrdup(itp, itenv.error_log);
    for (i = 0; i < 3; i++) {
        if (!(s = strrchr(d, '/')) || s == d)
            return NULL;
        *s = 0;
    }
    return d;
}

static const char *build_dir(void)
{
    const char *b = getenv("MIQ_TEST_BUILD");
    char buf[4096];
    ssize_t n;
    if (b && *b)
        return b;
    n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
    if (n <= 0)
        return NULL;
    buf[n] = 0;
    *strrchr(buf, '/') = 0;
    return apr_pstrdup(itp, buf);
}

static int grant(const char *account, long credits)
{
    const char *args[2] = {account, apr_ltoa(itp, credits)};
    it_rows *r = it_db_query("INSERT INTO credit_ledger (account_id, kind, credits, note) "
                             "VALUES ($1::bigint, 'grant', $2::bigint, 'itest hostile')",
                             2, args);
    IT_ASSERT_MSG(!r->error, "grant: %s", r->error ? r->error : "");
    if (it_db_value("SELECT 1 FROM information_schema.columns WHERE table_name = 'accounts' "
                    "AND column_name = 'billing_set_up_at'",
                    0, NULL))
        it_db_query("UPDATE accounts SET billing_set_up_at = coalesce(billing_set_up_at, now()) "
                    "WHERE id = $1::bigint",
                    1, args);
    return !r->error;
}

static long balance(const char *account)
{
    const char *args[1] = {account};
    const char *v = it_db_value("SELECT miq_balance($1::bigint)", 1, args);
    return v ? atol(v) : -999999;
}

static int terminal(const char *st)
{
    return st && (!strcmp(st, "succeeded") || !strcmp(st, "failed") || !strcmp(st, "canceled"));
}

static json_t *wait_job(const char *token, const char *job, int timeout_s)
{
    apr_time_t end = apr_time_now() + apr_time_from_sec(timeout_s);
    json_t *last = NULL;
    do {
        it_resp *r = rest(token, "GET", apr_psprintf(itp, "/v1/jobs/%s?wait_s=%d", job, WAIT_S),
                          NULL);
        if (r->status != 200)
            return last;
        last = r->json;
        if (terminal(miq_json_str(last, "status", NULL)))
            return last;
    } while (apr_time_now() < end);
    return last;
}

/* ---- this suite's own ------------------------------------------------------------- */

typedef struct h_acct {
    const char *token, *id;
} h_acct;

static int account(h_acct *a)
{
    it_account *u = it_signup("hostile");
    a->token = u ? it_create_token(u, "keys", "{\"name\":\"hostile\"}", NULL, NULL) : NULL;
    a->id = u ? u->account_id : NULL;
    return a->token && grant(a->id, 1000000);
}

static const char *tmpdir(void)
{
    static const char *dir;
    if (!dir)
        dir = it_tmpdir("hostile");
    return dir;
}

static const char *ffmpeg(const char *name, const char *args)
{
    const char *out = apr_psprintf(itp, "%s/%s", tmpdir(), name);
    int rc = system(
        apr_psprintf(itp, "ffmpeg -nostdin -hide_banner -loglevel error -y %s '%s'", args, out));
    IT_ASSERT_MSG(rc == 0, "ffmpeg %s failed", args);
    return rc == 0 ? out : NULL;
}

static char *slurp(const char *path, apr_size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *b;
    long n;
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);
    b = apr_palloc(itp, (apr_size_t)n + 1);
    *len = fread(b, 1, (size_t)n, f);
    fclose(f);
    return b;
}

static void le32(unsigned char *b, unsigned long v)
{
    b[0] = v & 255, b[1] = (v >> 8) & 255, b[2] = (v >> 16) & 255, b[3] = (v >> 24) & 255;
}

/* The review's file: 16-bit mono PCM WAV whose header says 40 MHz. */
static char *wav_40mhz(apr_size_t *len)
{
    apr_size_t n = 200000;
    unsigned char *b = apr_pcalloc(itp, 44 + n);
    apr_size_t i;
    memcpy(b, "RIFF", 4), le32(b + 4, 36 + n), memcpy(b + 8, "WAVEfmt ", 8);
    le32(b + 16, 16), b[20] = 1, b[22] = 1, le32(b + 24, 40000000UL);
    le32(b + 28, 80000000UL), b[32] = 2, b[34] = 16;
    memcpy(b + 36, "data", 4), le32(b + 40, n);
    for (i = 0; i < n; i++)
        b[44 + i] = (i / 64) & 1 ? 0x40 : 0xc0;
    *len = 44 + n;
    return (char *)b;
}

/* A Matroska file whose Segment Duration (0x4489, 8-byte float, ms) says seconds. */
static char *mkv_claiming(const char *src, double seconds, apr_size_t *len)
{
    char *b = slurp(src, len);
    apr_size_t i;
    for (i = 0; b && i + 11 <= *len; i++)
        if ((unsigned char)b[i] == 0x44 && (unsigned char)b[i + 1] == 0x89 &&
            (unsigned char)b[i + 2] == 0x88) {
            double ms = seconds * 1000;
            unsigned char *d = (unsigned char *)&ms;
            int k;
            for (k = 0; k < 8; k++)
                b[i + 3 + k] = (char)d[7 - k];
            return b;
        }
    return NULL;
}

/* POST /v1/uploads; the upload id, or NULL with *status the HTTP status. */
static const char *upload(const h_acct *a, const char *name, const char *body, apr_size_t len,
                          long *status, const char **code)
{
    it_resp *r = it_request("POST", apr_pstrcat(itp, "/v1/uploads?filename=", name, NULL),
                            hdrs(it_bearer(a->token), "Content-Type: application/octet-stream"),
                            body, len);
    *status = r->status;
    *code = miq_json_str(json_object_get(r->json, "error"), "code", "");
    return r->status == 201 ? miq_json_str(r->json, "upload_id", NULL) : NULL;
}

static const char *create(const h_acct *a, const char *endpoint, const char *upl,
                          const char *params)
{
    it_resp *r = rest(a->token, "POST", "/v1/jobs",
                      apr_psprintf(itp, "{\"endpoint\":\"%s\",\"upload_id\":\"%s\",\"params\":%s}",
                                   endpoint, upl, params ? params : "{}"));
    IT_ASSERT_R(r->status == 201, r);
    return r->status == 201 ? miq_json_str(r->json, "job_id", NULL) : NULL;
}

static const char *err_code(const json_t *job)
{
    return miq_json_str(json_object_get(job, "error"), "code", "");
}

/* A normal job succeeds: the worker still serves. */
static void still_serving(const h_acct *a)
{
    const char *src = ffmpeg("tone.wav", "-f lavfi -i 'sine=f=440:d=3'"), *id, *job;
    apr_size_t len = 0;
    char *body = src ? slurp(src, &len) : NULL;
    long st;
    const char *code;
    json_t *j;
    id = body ? upload(a, "tone.wav", body, len, &st, &code) : NULL;
    IT_ASSERT_MSG(id != NULL, "tone upload: %ld %s", st, code);
    if (!id || !(job = create(a, "audio/silence", id, NULL)))
        return;
    j = wait_job(a->token, job, 90);
    IT_ASSERT_MSG(j && !strcmp(miq_json_str(j, "status", ""), "succeeded"),
                  "a normal job after the hostile ones: %s", j ? it_dump(j) : "(none)");
}

/* Bad headers through the stack: refused or failed with a code, unbilled; a
 * lying duration bills what was read. Then the worker serves a normal job. */
static void test_hostile_uploads_fail_cleanly_unbilled(void)
{
    h_acct a;
    apr_size_t len;
    char *body;
    const char *id, *job, *code, *src;
    long st, before;
    json_t *j, *res;
    IT_ASSERT_MSG(account(&a), "account");
    if (!a.token)
        return;
    /* 40 MHz WAV: the upload probe may take it; the worker refuses it. */
    before = balance(a.id);
    body = wav_40mhz(&len);
    id = upload(&a, "rate40M.wav", body, len, &st, &code);
    if (!id)
        IT_ASSERT_MSG(st == 415 && !strcmp(code, "unsupported_media"), "40 MHz upload: %ld %s", st,
                      code);
    else if ((job = create(&a, "audio/energy", id, "{\"window_s\":60}"))) {
        j = wait_job(a.token, job, 60);
        IT_ASSERT_MSG(j && !strcmp(miq_json_str(j, "status", ""), "failed") &&
                          !strcmp(err_code(j), "unsupported_media"),
                      "40 MHz job: %s", j ? it_dump(j) : "(none)");
        IT_ASSERT_MSG(j && json_is_null(json_object_get(j, "charged_credits")), "charged: %s",
                      j ? it_dump(j) : "");
    }
    IT_ASSERT_MSG(balance(a.id) == before, "balance %ld, was %ld", balance(a.id), before);

    /* A header claiming 10 h over 8 s of video: priced on 10 h, billed on 8 s. */
    src = ffmpeg("short8.mkv", "-f lavfi -i testsrc2=s=160x90:r=25:d=8 -c:v mpeg4 -g 25");
    body = src ? mkv_claiming(src, 36000, &len) : NULL;
    IT_ASSERT_MSG(body != NULL, "patching the Duration");
    before = balance(a.id);
    if (body && (id = upload(&a, "claims10h.mkv", body, len, &st, &code)) &&
        (job = create(&a, "video/scenes", id, NULL))) {
        j = wait_job(a.token, job, 90);
        IT_ASSERT_MSG(j && !strcmp(miq_json_str(j, "status", ""), "succeeded"), "10 h job: %s",
                      j ? it_dump(j) : "(none)");
        if (j && !strcmp(miq_json_str(j, "status", ""), "succeeded")) {
            long est = (long)miq_json_int(j, "estimated_credits", -1);
            long charged = (long)miq_json_int(j, "charged_credits", -1);
            it_resp *r = rest(a.token, "GET", apr_psprintf(itp, "/v1/jobs/%s/result", job), NULL);
            res = json_object_get(r->json, "media");
            printf("\n  claims 10 h over 8 s: estimate %ld, charged %ld, media %s", est, charged,
                   it_dump(res));
            IT_ASSERT_MSG(charged > 0 && charged * 100 < est, "charged %ld of %ld", charged, est);
            IT_ASSERT_MSG(json_is_true(json_object_get(res, "truncated")), "truncated: %s",
                          it_dump(res));
            IT_ASSERT_MSG(balance(a.id) == before - charged, "balance %ld, want %ld", balance(a.id),
                          before - charged);
        }
    }
    still_serving(&a);
}

/* ---- our own worker with a tiny time budget -------------------------------------- */

static void resume_stack_worker(void)
{
    if (stack_worker_paused > 0)
        kill(stack_worker_paused, SIGCONT);
    stack_worker_paused = 0;
}

static pid_t pause_stack_worker(void)
{
    const char *var = stack_var();
    /* log/worker.pid: the live worker's own pid file (a replacement started
     * by the crash suite writes it too; var/worker.pid is build.sh's copy) */
    FILE *f = var ? fopen(apr_pstrcat(itp, var, "/log/worker.pid", NULL), "r") : NULL;
    long pid = 0;
    static int registered;
    if (!f)
        return 0;
    if (fscanf(f, "%ld", &pid) != 1)
        pid = 0;
    fclose(f);
    if (pid <= 0 || kill((pid_t)pid, SIGSTOP))
        return 0;
    stack_worker_paused = (pid_t)pid;
    if (!registered++)
        atexit(resume_stack_worker);
    return (pid_t)pid;
}

static pid_t start_worker(const char *job_time, const char *log)
{
    const char *bin = apr_pstrcat(itp, build_dir(), "/momentiq-worker", NULL);
    const char *storage = apr_pstrcat(itp, stack_var(), "/storage", NULL);
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (fd >= 0)
            dup2(fd, 2);
        execl(bin, bin, "--db", itenv.db, "--storage", storage, "--jobs", "1", "--lease", "10",
              "--job-time", job_time, (char *)NULL);
        _exit(127);
    }
    apr_sleep(apr_time_from_msec(500));
    return pid;
}

static int stop_worker(pid_t pid, double *seconds)
{
    apr_time_t t0 = apr_time_now();
    int status = 0, i;
    kill(pid, SIGTERM);
    for (i = 0; i < 100; i++) {
        if (waitpid(pid, &status, WNOHANG) == pid) {
            *seconds = (double)(apr_time_now() - t0) / APR_USEC_PER_SEC;
            return 1;
        }
        apr_sleep(apr_time_from_msec(100));
    }
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    *seconds = 99;
    return 0;
}

/* The children of pid (from /proc/PID/task/TID/children). */
static long child_of(pid_t pid)
{
    DIR *d = opendir(apr_psprintf(itp, "/proc/%ld/task", (long)pid));
    struct dirent *e;
    long child = 0;
    while (d && !child && (e = readdir(d))) {
        FILE *f;
        if (e->d_name[0] == '.')
            continue;
        f = fopen(apr_psprintf(itp, "/proc/%ld/task/%s/children", (long)pid, e->d_name), "r");
        if (f) {
            if (fscanf(f, "%ld", &child) != 1)
                child = 0;
            fclose(f);
        }
    }
    if (d)
        closedir(d);
    return child;
}

/* An upload whose stored file is replaced by a FIFO nobody writes: the job's
 * child blocks on its first read, as an analysis that never ends would. */
static const char *stalling_upload(const h_acct *a)
{
    const char *src = ffmpeg("stall.wav", "-f lavfi -i 'sine=f=440:d=2'"), *id, *code, *path;
    const char *args[1];
    apr_size_t len = 0;
    char *body = src ? slurp(src, &len) : NULL;
    long st;
    id = body ? upload(a, "stall.wav", body, len, &st, &code) : NULL;
    IT_ASSERT_MSG(id != NULL, "upload: %ld %s", st, code);
    if (!id)
        return NULL;
    args[0] = id;
    path = it_db_value("SELECT path FROM uploads WHERE id = $1", 1, args);
    IT_ASSERT_MSG(path != NULL, "upload path");
    if (!path)
        return NULL;
    path = apr_pstrcat(itp, stack_var(), "/storage/", path, NULL);
    IT_ASSERT_MSG(unlink(path) == 0 && mkfifo(path, 0600) == 0, "fifo at %s: %s", path,
                  strerror(errno));
    return id;
}

static void test_limit_exceeded_and_cancel_kill_the_child(void)
{
    h_acct a;
    const char *upl, *job, *log;
    pid_t w;
    long before, child;
    double secs;
    json_t *j;
    apr_time_t t0;
    IT_ASSERT_MSG(account(&a), "account");
    if (!a.token || !itenv.db || !stack_var())
        return;
    if (!pause_stack_worker()) {
        IT_ASSERT_MSG(0, "cannot pause the stack's worker");
        return;
    }
    /* In the stack's log folder: build.sh --asan scans it for sanitizer reports. */
    log = apr_psprintf(itp, "%s/log/hostile-worker.log", stack_var());
    /* 1. Over its time limit (1 s) on each of its 3 attempts: failed, unbilled. */
    upl = stalling_upload(&a);
    w = start_worker("1:0:1", log);
    before = balance(a.id);
    if (upl && (job = create(&a, "audio/silence", upl, NULL))) {
        t0 = apr_time_now();
        j = wait_job(a.token, job, 60);
        printf("\n  stalled job: %s after %.1f s", j ? it_dump(json_object_get(j, "error")) : "-",
               (double)(apr_time_now() - t0) / APR_USEC_PER_SEC);
        IT_ASSERT_MSG(j && !strcmp(miq_json_str(j, "status", ""), "failed") &&
                          !strcmp(err_code(j), "processing_limit_exceeded"),
                      "stalled job: %s", j ? it_dump(j) : "(none)");
        IT_ASSERT_MSG(j && miq_json_int(j, "attempts", 0) == 3, "attempts: %s",
                      j ? it_dump(j) : "");
        IT_ASSERT_MSG(j && json_is_null(json_object_get(j, "charged_credits")), "charged");
        IT_ASSERT_MSG(balance(a.id) == before, "balance %ld, was %ld", balance(a.id), before);
    }
    IT_ASSERT_MSG(stop_worker(w, &secs), "the worker did not stop");
    /* 2. Cancel kills the running child promptly (a 60 s budget this time). */
    w = start_worker("60:0:60", log);
    upl = stalling_upload(&a);
    if (upl && (job = create(&a, "audio/silence", upl, NULL))) {
        apr_time_t end = apr_time_now() + apr_time_from_sec(20);
        it_resp *r;
        child = 0;
        while (!(child = child_of(w)) && apr_time_now() < end)
            apr_sleep(apr_time_from_msec(100));
        IT_ASSERT_MSG(child > 0, "no child process for the job");
        apr_sleep(apr_time_from_msec(300));
        t0 = apr_time_now();
        r = rest(a.token, "POST", apr_psprintf(itp, "/v1/jobs/%s/cancel", job), "{}");
        IT_ASSERT_R(r->status == 200, r);
        end = apr_time_now() + apr_time_from_sec(5);
        while (child > 0 && kill((pid_t)child, 0) == 0 && child_of(w) == child &&
               apr_time_now() < end)
            apr_sleep(apr_time_from_msec(50));
        secs = (double)(apr_time_now() - t0) / APR_USEC_PER_SEC;
        printf("\n  cancel -> child %ld gone after %.2f s", child, secs);
        IT_ASSERT_MSG(secs < 3, "the child outlived the cancel by %.2f s", secs);
        j = wait_job(a.token, job, 10);
        IT_ASSERT_MSG(j && !strcmp(miq_json_str(j, "status", ""), "canceled"), "%s",
                      j ? it_dump(j) : "");
    }
    /* 3. SIGTERM with a job running: the child is killed, the worker exits promptly. */
    upl = stalling_upload(&a);
    if (upl && (job = create(&a, "audio/silence", upl, NULL))) {
        apr_time_t end = apr_time_now() + apr_time_from_sec(20);
        while (!(child = child_of(w)) && apr_time_now() < end)
            apr_sleep(apr_time_from_msec(100));
        IT_ASSERT_MSG(child > 0, "no child process for the job");
        IT_ASSERT_MSG(stop_worker(w, &secs) && secs < 5, "SIGTERM took %.1f s", secs);
        IT_ASSERT_MSG(child <= 0 || kill((pid_t)child, 0) != 0, "the child %ld survived", child);
        /* Handed back to the queue; cancel it so the stack's worker does not hang on it. */
        rest(a.token, "POST", apr_psprintf(itp, "/v1/jobs/%s/cancel", job), "{}");
    }
    else
        stop_worker(w, &secs);
    resume_stack_worker();
    still_serving(&a);
}

IT_SUITE("hostile_media", IT_TEST(test_hostile_uploads_fail_cleanly_unbilled),
         IT_TEST(test_limit_exceeded_and_cancel_kill_the_child))
