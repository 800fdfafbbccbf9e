/* Hostile media (issue 11): files whose headers lie or overflow, truncated
 * files, and the per-job child process with its limits. Every file is made
 * here: by ffmpeg, then patched byte by byte, or written from scratch. */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <apr_strings.h>
#include "unit.h"
#include "wtest_media.h"
#include "base/miq_json.h"
#include "billing/miq_pricing.h"
#include "endpoints/miq_endpoints.h"
#include "miqw_media.h"
#include "miqw_jobrun.h"
#include "miqw_child.h"

/* ---- crafting ---- */

static void le16(unsigned char *b, unsigned v)
{
    b[0] = v & 255, b[1] = (v >> 8) & 255;
}

static void le32(unsigned char *b, unsigned long v)
{
    le16(b, v & 0xffff), le16(b + 2, (v >> 16) & 0xffff);
}

/* A 16-bit mono PCM WAV whose header says rate Hz, with bytes of data. */
static const char *wav_with_rate(const char *name, unsigned long rate, size_t bytes)
{
    unsigned char *b = calloc(1, 44 + bytes);
    const char *path;
    size_t i;
    memcpy(b, "RIFF", 4), le32(b + 4, 36 + bytes), memcpy(b + 8, "WAVEfmt ", 8);
    le32(b + 16, 16), le16(b + 20, 1), le16(b + 22, 1), le32(b + 24, rate);
    le32(b + 28, rate * 2), le16(b + 32, 2), le16(b + 34, 16);
    memcpy(b + 36, "data", 4), le32(b + 40, bytes);
    for (i = 0; i + 1 < bytes; i += 2) /* a loud square wave, so windows are not silent */
        le16(b + 44 + i, (i / 64) & 1 ? 0x4000 : 0xc000);
    path = wtest_write(utp, name, b, 44 + bytes);
    free(b);
    return path;
}

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    unsigned char *b;
    long n;
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);
    b = malloc((size_t)n);
    *len = b && fread(b, 1, (size_t)n, f) == (size_t)n ? (size_t)n : 0;
    fclose(f);
    return b;
}

/* Copies a Matroska file with its Segment Duration (EBML 0x4489, 8-byte
 * float, milliseconds) set to seconds: the header then lies about the length. */
static const char *mkv_with_duration(const char *src, const char *name, double seconds)
{
    size_t len = 0, i;
    unsigned char *b = slurp(src, &len);
    const char *path = NULL;
    for (i = 0; b && i + 11 <= len; i++)
        if (b[i] == 0x44 && b[i + 1] == 0x89 && b[i + 2] == 0x88) {
            double ms = seconds * 1000;
            unsigned char *d = (unsigned char *)&ms;
            int k;
            for (k = 0; k < 8; k++) /* big-endian */
                b[i + 3 + k] = d[7 - k];
            path = wtest_write(utp, name, b, len);
            break;
        }
    free(b);
    CU_ASSERT_PTR_NOT_NULL(path);
    return path;
}

/* Copies a Matroska file with its video PixelWidth (0xB0) / PixelHeight
 * (0xBA), written on two bytes, set to w x h. */
static const char *mkv_with_size(const char *src, const char *name, unsigned w, unsigned h)
{
    size_t len = 0, i;
    unsigned char *b = slurp(src, &len);
    const char *path = NULL;
    int done = 0;
    for (i = 0; b && i + 4 <= len && done < 2; i++)
        if ((b[i] == 0xB0 || b[i] == 0xBA) && b[i + 1] == 0x82 && b[i + 2] == 0x01 &&
            b[i + 3] == 0x00) { /* 256 */
            unsigned v = b[i] == 0xB0 ? w : h;
            b[i + 2] = (v >> 8) & 255, b[i + 3] = v & 255;
            done++;
        }
    if (done == 2)
        path = wtest_write(utp, name, b, len);
    free(b);
    CU_ASSERT_PTR_NOT_NULL(path);
    return path;
}

static miq_pricing *pricing(void)
{
    return miq_pricing_default(utp); /* utp is cleared between tests: never cache */
}

/* Runs a job in-process as the worker's child does; NULL or an error with *code. */
static const char *job(const char *endpoint, const char *path, const char *params,
                       double reserved_s, json_t **result, apr_int64_t *cost, const char **code)
{
    miqw_job j;
    memset(&j, 0, sizeof(j));
    j.id = "job_hostile";
    j.endpoint = endpoint;
    j.input_path = path;
    j.out_dir = apr_pstrcat(utp, wtest_dir(), "/out_hostile", NULL);
    j.params = params ? miq_json_parse(utp, params, strlen(params), NULL) : NULL;
    j.reserved_s = reserved_s;
    *result = NULL;
    *cost = 0;
    return miqw_job_run(utp, &j, pricing(), NULL, NULL, result, cost, code);
}

static apr_int64_t price(const char *endpoint, double seconds)
{
    miq_price_quote q;
    CU_ASSERT_PTR_NULL(miq_pricing_estimate(pricing(), utp, endpoint, seconds, NULL, &q));
    return q.credits;
}

/* ---- the tests ---- */

/* The review's reproduction: a WAV whose header says 40 MHz. It used to
 * overflow the energy window (an int) and loop forever; now it is refused
 * before any decoding, quickly, with unsupported_media. */
static void absurd_sample_rate_is_refused(void)
{
    const char *path = wav_with_rate("rate40M.wav", 40000000UL, 400000), *err, *code = NULL;
    json_t *res;
    apr_int64_t cost;
    double t = wtest_now();
    CU_ASSERT_PTR_NOT_NULL_FATAL(path);
    err = job("audio/energy", path, "{\"window_s\":60}", 1, &res, &cost, &code);
    printf("\n  40 MHz WAV -> %s: %s (%.3f s)", code ? code : "-", err ? err : "-",
           wtest_now() - t);
    CU_ASSERT(err && strstr(err, "sample rate"));
    CU_ASSERT_STRING_EQUAL(code ? code : "", "unsupported_media");
    CU_ASSERT(wtest_now() - t < 5);
}

/* The highest accepted rate with the longest window: sizes fit, the job ends. */
static void highest_sample_rate_with_longest_window(void)
{
    const char *path = wav_with_rate("rate768k.wav", MIQW_MAX_SAMPLE_RATE, 768000 * 2 * 2);
    const char *err, *code = NULL;
    json_t *res;
    apr_int64_t cost;
    double t = wtest_now();
    CU_ASSERT_PTR_NOT_NULL_FATAL(path);
    err = job("audio/energy", path, "{\"window_s\":60}", 2, &res, &cost, &code);
    if (err)
        printf("\n  768 kHz: %s: %s", code, err);
    CU_ASSERT_PTR_NULL(err);
    CU_ASSERT(wtest_now() - t < 20);
    /* just above the bound: refused */
    path = wav_with_rate("rate768k1.wav", MIQW_MAX_SAMPLE_RATE + 1, 4000);
    CU_ASSERT_PTR_NOT_NULL(job("audio/energy", path, NULL, 1, &res, &cost, &code));
    CU_ASSERT_STRING_EQUAL(code ? code : "", "unsupported_media");
}

/* A header that claims 1 s over 60 s of media: the job was priced (and
 * reserved) on 1 s; the pass stops at the reservation plus its slack instead of
 * decoding to the end, the bill is that of 1 s, and the result says so. */
static void short_header_over_long_media_stops_at_the_reservation(void)
{
    const char *src = wtest_ffmpeg(utp, "long60.mkv",
                                   "-f lavfi -i 'sine=f=440:r=16000:d=60' -c:a pcm_s16le");
    const char *path, *err, *code = NULL;
    json_t *res, *media;
    apr_int64_t cost;
    CU_ASSERT_PTR_NOT_NULL_FATAL(src);
    path = mkv_with_duration(src, "claims1s.mkv", 1.0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(path);
    err = job("audio/silence", path, NULL, 1.0, &res, &cost, &code);
    if (err)
        printf("\n  claims 1 s: %s: %s", code, err);
    CU_ASSERT_PTR_NULL_FATAL(err);
    media = json_object_get(res, "media");
    printf("\n  claims 1 s over 60 s: covered %.3f s, limited %d, cost %" APR_INT64_T_FMT,
           miq_json_num(media, "covered_s", -1), json_is_true(json_object_get(media, "limited")),
           cost);
    CU_ASSERT(json_is_true(json_object_get(media, "limited")));
    CU_ASSERT(miq_json_num(media, "covered_s", 99) <= 1.0 + MIQW_LIMIT_SLACK_S(1.0) + 0.1);
    CU_ASSERT_EQUAL(cost, price("audio/silence", 1.0));
}

/* A header that claims 10 h over 8 s: reserved on 10 h, the result is what the
 * file holds (truncated, covered_s ~8) and the bill is that of 8 s. The audio
 * analyses refuse such a file instead (unsupported_media, not billed). */
static void long_header_over_short_media_bills_what_was_read(void)
{
    const char *src = wtest_ffmpeg(utp, "short8.mkv",
                                   "-f lavfi -i testsrc2=s=160x90:r=25:d=8 -f lavfi "
                                   "-i 'sine=f=440:r=16000:d=8' -c:v mpeg4 -g 25 -c:a pcm_s16le");
    const char *path, *err, *code = NULL;
    json_t *res, *media;
    apr_int64_t cost;
    CU_ASSERT_PTR_NOT_NULL_FATAL(src);
    path = mkv_with_duration(src, "claims10h.mkv", 36000.0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(path);
    err = job("video/scenes", path, NULL, 36000.0, &res, &cost, &code);
    if (err)
        printf("\n  claims 10 h: %s: %s", code, err);
    CU_ASSERT_PTR_NULL_FATAL(err);
    media = json_object_get(res, "media");
    printf("\n  claims 10 h over 8 s: covered %.3f s, truncated %d, cost %" APR_INT64_T_FMT
           " (10 h would be %" APR_INT64_T_FMT ")",
           miq_json_num(media, "covered_s", -1), json_is_true(json_object_get(media, "truncated")),
           cost, price("video/scenes", 36000.0));
    CU_ASSERT(json_is_true(json_object_get(media, "truncated")));
    CU_ASSERT(fabs(miq_json_num(media, "covered_s", 0) - 8.0) < 0.5);
    CU_ASSERT_EQUAL(cost, price("video/scenes", 8.0));
    /* The audio of the same file: what it holds, flagged, or refused; never a plain success. */
    err = job("audio/silence", path, NULL, 36000.0, &res, &cost, &code);
    if (err)
        CU_ASSERT_STRING_EQUAL(code ? code : "", "unsupported_media");
    if (!err) {
        CU_ASSERT(json_is_true(json_object_get(json_object_get(res, "media"), "truncated")));
        CU_ASSERT_EQUAL(cost, price("audio/silence", 8.0));
    }
}

/* Truncated mid-packet: what the file holds, flagged truncated, with frames
 * read; or a clean failure. Never an empty success. */
static void truncated_mid_packet_is_flagged_or_refused(void)
{
    const char *src = wtest_ffmpeg(utp, "trunc_src.mkv",
                                   "-f lavfi -i testsrc2=s=320x180:r=25:d=20 -c:v mpeg4 -g 50");
    static const double fractions[] = {0.5, 0.03, 0.002};
    int i;
    CU_ASSERT_PTR_NOT_NULL_FATAL(src);
    for (i = 0; i < 3; i++) {
        const char *path = wtest_truncated(utp, src, apr_psprintf(utp, "trunc%d.mkv", i),
                                           fractions[i]);
        const char *err, *code = NULL;
        json_t *res;
        apr_int64_t cost;
        CU_ASSERT_PTR_NOT_NULL_FATAL(path);
        err = job("video/scenes", path, NULL, 20.0, &res, &cost, &code);
        if (err) {
            printf("\n  truncated at %.1f %% -> %s: %s", fractions[i] * 100, code, err);
            CU_ASSERT_STRING_EQUAL(code ? code : "", "unsupported_media");
        }
        else {
            json_t *media = json_object_get(res, "media"), *stats;
            stats = json_object_get(json_object_get(res, "stats"), "scenes");
            printf("\n  truncated at %.1f %% -> truncated %d, covered %.3f s, %d frames decoded, "
                   "cost %" APR_INT64_T_FMT,
                   fractions[i] * 100, json_is_true(json_object_get(media, "truncated")),
                   miq_json_num(media, "covered_s", -1),
                   (int)miq_json_num(stats, "decoded_frames", -1), cost);
            CU_ASSERT(json_is_true(json_object_get(media, "truncated")));
            CU_ASSERT(miq_json_num(media, "covered_s", 0) > 0);
            CU_ASSERT(miq_json_num(media, "covered_s", 99) < 20 * fractions[i] + 2);
            CU_ASSERT(miq_json_num(stats, "decoded_frames", 0) > 0);
        }
    }
}

/* A declared resolution far above the bounds is refused before decoding. */
static void huge_declared_resolution_is_refused(void)
{
    const char *src = wtest_ffmpeg(utp, "raw256.mkv",
                                   "-f lavfi -i testsrc2=s=256x256:r=5:d=1 -c:v rawvideo "
                                   "-pix_fmt yuv420p");
    const char *path, *err, *code = NULL;
    miqw_media *m = NULL;
    CU_ASSERT_PTR_NOT_NULL_FATAL(src);
    path = mkv_with_size(src, "raw_huge.mkv", 65000, 65000);
    CU_ASSERT_PTR_NOT_NULL_FATAL(path);
    err = miqw_media_open(utp, path, &m, &code);
    printf("\n  65000x65000 -> %s: %s", code ? code : "-", err ? err : "-");
    CU_ASSERT(err && strstr(err, "sizes up to"));
    CU_ASSERT_STRING_EQUAL(code ? code : "", "unsupported_media");
    path = mkv_with_size(src, "raw_wide.mkv", 16000, 16000); /* each side fits, the area not */
    err = miqw_media_open(utp, path, &m, &code);
    CU_ASSERT(err && strstr(err, "16000x16000"));
}

/* ---- the child process (the worker binary run with --run-job) ---- */

static const char *worker_binary(void)
{
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n <= 0)
        return NULL;
    self[n] = 0;
    *strrchr(self, '/') = 0;
    return apr_pstrcat(utp, self, "/momentiq-worker", NULL);
}

typedef struct stopper {
    double at; /* wtest_now() after which stop() says yes; 0 never */
    int calls;
} stopper;

static int stop_at(void *baton, double fraction)
{
    stopper *s = baton;
    (void)fraction;
    s->calls++;
    return s->at > 0 && wtest_now() >= s->at;
}

static void child_job(miqw_job *j, const char *endpoint, const char *path)
{
    memset(j, 0, sizeof(*j));
    j->id = "job_child";
    j->endpoint = endpoint;
    j->input_path = path;
    j->out_dir = apr_pstrcat(utp, wtest_dir(), "/out_child", NULL);
    j->reserved_s = 2;
}

/* A normal job through the child: the same result as in-process. */
static void child_runs_a_job(void)
{
    signal(SIGPIPE, SIG_IGN); /* as the worker: a child that dies early closes its stdin */
    const char *self = worker_binary();
    const char *path = wtest_ffmpeg(utp, "child_tone.wav", "-f lavfi -i 'sine=f=440:d=2'");
    miqw_job j;
    miqw_limits lim = miqw_limits_for(30, 4, 60, 2, 2048);
    miqw_child_result r;
    stopper s = {0, 0};
    CU_ASSERT_PTR_NOT_NULL_FATAL(path);
    CU_ASSERT_FATAL(self && access(self, X_OK) == 0);
    child_job(&j, "audio/silence", path);
    miqw_child_run(utp, self, NULL, &j, &lim, stop_at, &s, &r);
    printf("\n  child %ld: outcome %d, %.3f s, cost %" APR_INT64_T_FMT "%s%s", r.pid, r.outcome,
           r.seconds, r.cost, r.error ? ", " : "", r.error ? r.error : "");
    CU_ASSERT_EQUAL(r.outcome, MIQW_CHILD_OK);
    CU_ASSERT_PTR_NULL(r.code);
    CU_ASSERT(json_is_array(json_object_get(r.result, "silences")));
    CU_ASSERT_EQUAL(r.cost, price("audio/silence", 2.0));
    /* Bad media fails in the child with its code, as in-process. */
    child_job(&j, "audio/silence", wav_with_rate("child_rate.wav", 40000000UL, 4000));
    miqw_child_run(utp, self, NULL, &j, &lim, stop_at, &s, &r);
    CU_ASSERT_EQUAL(r.outcome, MIQW_CHILD_OK);
    CU_ASSERT_STRING_EQUAL(r.code ? r.code : "", "unsupported_media");
}

/* An input that never delivers a byte (a FIFO nobody writes: the child blocks
 * in its first read, like a decoder that never returns) is killed at the
 * deadline: processing_limit_exceeded. A stop (cancel) kills it promptly. */
static void child_deadline_and_stop(void)
{
    const char *self = worker_binary(), *fifo = wtest_path(utp, "never.wav");
    miqw_job j;
    miqw_limits lim = miqw_limits_for(1.0, 0, 1.0, 2, 2048);
    miqw_child_result r;
    stopper s = {0, 0};
    double t;
    unlink(fifo);
    CU_ASSERT_FATAL(mkfifo(fifo, 0600) == 0);
    child_job(&j, "audio/silence", fifo);
    t = wtest_now();
    miqw_child_run(utp, self, NULL, &j, &lim, stop_at, &s, &r);
    t = wtest_now() - t;
    printf("\n  stalled input: outcome %d (%s: %s) after %.2f s", r.outcome, r.code, r.error, t);
    CU_ASSERT_EQUAL(r.outcome, MIQW_CHILD_LIMIT);
    CU_ASSERT_STRING_EQUAL(r.code ? r.code : "", "processing_limit_exceeded");
    CU_ASSERT(t >= 1.0 && t < 3.0);
    CU_ASSERT(kill((pid_t)r.pid, 0) != 0); /* reaped */
    /* cancel after 0.3 s, with a long deadline */
    lim = miqw_limits_for(60, 0, 60, 2, 2048);
    s.at = wtest_now() + 0.3;
    t = wtest_now();
    miqw_child_run(utp, self, NULL, &j, &lim, stop_at, &s, &r);
    t = wtest_now() - t;
    printf("\n  canceled: outcome %d after %.2f s", r.outcome, t);
    CU_ASSERT_EQUAL(r.outcome, MIQW_CHILD_STOPPED);
    CU_ASSERT(t < 1.5);
    CU_ASSERT(kill((pid_t)r.pid, 0) != 0);
    unlink(fifo);
}

/* The CPU limit: a child over its RLIMIT_CPU gets SIGXCPU, which is also
 * processing_limit_exceeded (here with a 1 s CPU budget on a long decode). */
static void child_cpu_limit(void)
{
    const char *self = worker_binary();
    const char *path = wtest_ffmpeg(utp, "child_long.mkv",
                                    "-f lavfi -i testsrc2=s=640x360:r=25:d=120 -c:v mpeg4 "
                                    "-q:v 2 -g 250");
    miqw_job j;
    miqw_limits lim = miqw_limits_for(60, 0, 60, 120, 2048);
    miqw_child_result r;
    stopper s = {0, 0};
    CU_ASSERT_PTR_NOT_NULL_FATAL(path);
    lim.cpu_s = 1;
    child_job(&j, "video/frames", path);
    {
        static const char pj[] = "{\"every_s\":0.04,\"max_frames\":3000,\"format\":\"png\"}";
        j.params = miq_json_parse(utp, pj, sizeof(pj) - 1, NULL);
    }
    j.reserved_s = 120;
    miqw_child_run(utp, self, NULL, &j, &lim, stop_at, &s, &r);
    printf("\n  1 s of CPU: outcome %d (%s: %s) after %.2f s", r.outcome, r.code, r.error,
           r.seconds);
    CU_ASSERT_EQUAL(r.outcome, MIQW_CHILD_LIMIT);
    CU_ASSERT_STRING_EQUAL(r.code ? r.code : "", "processing_limit_exceeded");
}

MIQ_SUITE("hostile", MIQ_TEST(absurd_sample_rate_is_refused),
          MIQ_TEST(highest_sample_rate_with_longest_window),
          MIQ_TEST(short_header_over_long_media_stops_at_the_reservation),
          MIQ_TEST(long_header_over_short_media_bills_what_was_read),
          MIQ_TEST(truncated_mid_packet_is_flagged_or_refused),
          MIQ_TEST(huge_declared_resolution_is_refused), MIQ_TEST(child_runs_a_job),
          MIQ_TEST(child_deadline_and_stop), MIQ_TEST(child_cpu_limit))
