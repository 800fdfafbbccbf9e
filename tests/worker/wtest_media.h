/* Media helpers shared by the worker test suites: generate inputs with the
 * ffmpeg CLI at test time (nothing is committed), write odd files, measure
 * time and memory.
 *
 * Files go to $MIQ_TEST_TMP, else /tmp/miq-wtest-<pid> (created on first use
 * and removed at exit unless MIQ_TEST_KEEP is set; a directory given through
 * MIQ_TEST_TMP is never removed). Test-only code: the directory name is
 * process-wide state, so use these from the test thread. */
#ifndef WTEST_MEDIA_H
#define WTEST_MEDIA_H

#include <stddef.h>
#include <apr_pools.h>

/* The temporary directory (created if needed); NULL if it cannot be. */
const char *wtest_dir(void);

/* dir/name, in p. */
const char *wtest_path(apr_pool_t *p, const char *name);

/* Runs `ffmpeg -nostdin -hide_banner -loglevel error -y ARGS DIR/out_name`
 * through the shell (so ARGS may quote filter graphs with '...') and returns
 * the output's path, or NULL after printing the command and ffmpeg's messages.
 * Example: wtest_ffmpeg(p, "tone.wav", "-f lavfi -i 'sine=f=1000:d=2'"). */
const char *wtest_ffmpeg(apr_pool_t *p, const char *out_name, const char *args_fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Runs ffmpeg with ARGS as given (no output file appended) and returns its exit
 * status; its stdout+stderr (the last cap-1 bytes, NUL-terminated) in out when out != NULL. */
int wtest_ffmpeg_run(char *out, size_t cap, const char *args_fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Writes len bytes to dir/name; the path or NULL. */
const char *wtest_write(apr_pool_t *p, const char *name, const void *data, size_t len);

/* Copies the first fraction (0..1) of src's bytes to dir/name; the path or NULL. */
const char *wtest_truncated(apr_pool_t *p, const char *src, const char *name, double fraction);

/* Deterministic pseudo-random bytes (xorshift from seed) into dir/name. */
const char *wtest_random_file(apr_pool_t *p, const char *name, size_t len, unsigned seed);

/* Wall-clock seconds (monotonic). */
double wtest_now(void);

/* This process's peak and current resident set (VmHWM / VmRSS), kB; -1 if unknown. */
long wtest_vm_hwm_kb(void);
long wtest_vm_rss_kb(void);

/* Wall time of a pure decode `ffmpeg -i path EXTRA -f null -` (extra may be
 * NULL or e.g. "-vn"), seconds; -1 on failure. */
double wtest_ffmpeg_decode_s(const char *path, const char *extra);

#endif
