/* Shared media helpers for the worker tests; see wtest_media.h. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <apr_strings.h>
#include "wtest_media.h"

static char tmp_dir[512];
static int tmp_owned;

static void remove_dir(void)
{
    char cmd[600];
    if (tmp_owned && tmp_dir[0] && !getenv("MIQ_TEST_KEEP") && strstr(tmp_dir, "/miq-wtest-")) {
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp_dir);
        if (system(cmd) != 0)
            fprintf(stderr, "wtest: could not remove %s\n", tmp_dir);
    }
}

const char *wtest_dir(void)
{
    const char *env = getenv("MIQ_TEST_TMP");
    if (tmp_dir[0])
        return tmp_dir;
    if (env && *env)
        snprintf(tmp_dir, sizeof(tmp_dir), "%s", env);
    else {
        snprintf(tmp_dir, sizeof(tmp_dir), "/tmp/miq-wtest-%ld", (long)getpid());
        tmp_owned = 1;
        atexit(remove_dir);
    }
    if (mkdir(tmp_dir, 0700) != 0 && access(tmp_dir, W_OK) != 0) {
        fprintf(stderr, "wtest: cannot create %s\n", tmp_dir);
        tmp_dir[0] = 0;
        return NULL;
    }
    return tmp_dir;
}

const char *wtest_path(apr_pool_t *p, const char *name)
{
    const char *d = wtest_dir();
    return d ? apr_pstrcat(p, d, "/", name, NULL) : NULL;
}

/* Runs a shell command, its stderr captured into out. */
static int run_capture(const char *cmd, char *out, size_t cap)
{
    char *full, buf[4096];
    size_t used = 0, n;
    FILE *f;
    int st;
    if (asprintf(&full, "%s 2>&1", cmd) < 0)
        return -1;
    f = popen(full, "r");
    free(full);
    if (!f)
        return -1;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0) { /* keep the tail */
        const char *src = buf;
        if (!out || cap < 2)
            continue;
        if (n > cap - 1) {
            src = buf + n - (cap - 1);
            n = cap - 1;
        }
        if (used + n > cap - 1) {
            size_t drop = used + n - (cap - 1);
            memmove(out, out + drop, used - drop);
            used -= drop;
        }
        memcpy(out + used, src, n);
        used += n;
    }
    if (out && cap)
        out[used] = 0;
    st = pclose(f);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int wtest_ffmpeg_run(char *out, size_t cap, const char *args_fmt, ...)
{
    char *args, *cmd;
    va_list ap;
    int rv;
    va_start(ap, args_fmt);
    rv = vasprintf(&args, args_fmt, ap);
    va_end(ap);
    if (rv < 0)
        return -1;
    rv = asprintf(&cmd, "ffmpeg -nostdin -hide_banner %s", args);
    free(args);
    if (rv < 0)
        return -1;
    rv = run_capture(cmd, out, cap);
    free(cmd);
    return rv;
}

const char *wtest_ffmpeg(apr_pool_t *p, const char *out_name, const char *args_fmt, ...)
{
    const char *path = wtest_path(p, out_name);
    char *args, msg[2048];
    va_list ap;
    int rv;
    if (!path)
        return NULL;
    va_start(ap, args_fmt);
    rv = vasprintf(&args, args_fmt, ap);
    va_end(ap);
    if (rv < 0)
        return NULL;
    rv = wtest_ffmpeg_run(msg, sizeof(msg), "-loglevel error -y %s '%s'", args, path);
    if (rv != 0) {
        fprintf(stderr, "wtest: ffmpeg %s '%s' failed (%d):\n%s\n", args, path, rv, msg);
        path = NULL;
    }
    free(args);
    return path;
}

const char *wtest_write(apr_pool_t *p, const char *name, const void *data, size_t len)
{
    const char *path = wtest_path(p, name);
    FILE *f = path ? fopen(path, "wb") : NULL;
    int ok;
    if (!f)
        return NULL;
    ok = (len == 0 || fwrite(data, 1, len, f) == len);
    ok = (fclose(f) == 0) && ok;
    return ok ? path : NULL;
}

const char *wtest_truncated(apr_pool_t *p, const char *src, const char *name, double fraction)
{
    FILE *f = fopen(src, "rb");
    long size;
    char *buf;
    const char *path = NULL;
    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        size_t keep = (size_t)(size * (fraction < 0 ? 0 : fraction > 1 ? 1 : fraction));
        buf = malloc(keep ? keep : 1);
        if (buf && fread(buf, 1, keep, f) == keep)
            path = wtest_write(p, name, buf, keep);
        free(buf);
    }
    fclose(f);
    return path;
}

const char *wtest_random_file(apr_pool_t *p, const char *name, size_t len, unsigned seed)
{
    unsigned char *buf = malloc(len ? len : 1);
    unsigned x = seed ? seed : 2463534242u;
    const char *path;
    size_t i;
    if (!buf)
        return NULL;
    for (i = 0; i < len; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        buf[i] = (unsigned char)(x >> 7);
    }
    path = wtest_write(p, name, buf, len);
    free(buf);
    return path;
}

double wtest_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static long status_kb(const char *key)
{
    char line[256];
    size_t kl = strlen(key);
    long v = -1;
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return -1;
    while (fgets(line, sizeof(line), f))
        if (!strncmp(line, key, kl) && line[kl] == ':') {
            v = strtol(line + kl + 1, NULL, 10);
            break;
        }
    fclose(f);
    return v;
}

long wtest_vm_hwm_kb(void)
{
    return status_kb("VmHWM");
}

long wtest_vm_rss_kb(void)
{
    return status_kb("VmRSS");
}

double wtest_ffmpeg_decode_s(const char *path, const char *extra)
{
    double t = wtest_now();
    if (wtest_ffmpeg_run(NULL, 0, "-loglevel error -i '%s' %s -f null -", path,
                         extra ? extra : "") != 0)
        return -1;
    return wtest_now() - t;
}
