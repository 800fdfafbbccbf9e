/* bench/worker_driver: runs one job's analysis exactly as the worker does
 * (miqw_job_run, the same objects as momentiq-worker) on a file and prints one
 * JSON line of statistics. Built and used by bench/worker.sh.
 *
 *   worker_driver ENDPOINT FILE [--params JSON] [--out DIR]
 *                 [--expect-cuts F1,F2,...] [--dump RESULT.json]
 *
 * Prints {"endpoint","file","ok","error","code","wall_s","pass_s","finish_s",
 * "cpu_s","vm_hwm_kb","vm_rss_kb","heap_in_use_kb" (malloc'd bytes still in use
 * after the job: mostly the result JSON),"demux_open_kb","demux_index_entries" (what
 * libavformat holds for the file once opened, e.g. the MP4 reader's index of
 * every packet: it grows with duration whatever we do, so the bench shows it
 * apart),"media":{...},"credits", and per result kind:
 *   timeline/moments: "cuts":[frame...] (scene segments' start frames but 0),
 *       "silences", "peaks", "speech_ratio", "integrated_lufs";
 *       with --expect-cuts: "cuts_expected","cuts_exact","cuts_missed":[...],
 *       "cuts_extra":[...], "cuts_off_by_one";
 *   video/scenes: the same "cuts" plus "scene_stats" (decoded frames...);
 *   video/frames: "frames":[{requested_time,time,frame,file}]}
 * pass_s is the time of the last progress report of the demux pass (every 256
 * packets), finish_s the rest (second looks by seeking, merge, pricing).
 * Exit status 0 when the job succeeded, 1 otherwise (the JSON says why). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <malloc.h>
#include <apr_general.h>
#include <apr_strings.h>
#include <jansson.h>
#include "billing/miq_pricing.h"
#include "miqw_jobrun.h"
#include "miqw_media.h"
#include "wtest_media.h" /* wtest_now, VmHWM/VmRSS: the worker tests' helpers */

typedef struct {
    double t0, last;
    double last_fraction;
} prog;

/* Heap in use: small blocks and mmapped ones (a large index is mmapped). */
static size_t heap_bytes(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

/* Opens the file as the job does and measures what the demuxer keeps. */
static void demux_cost(apr_pool_t *parent, const char *path, json_t *stats)
{
    apr_pool_t *p;
    miqw_media *m = NULL;
    const char *code;
    size_t before;
    int64_t entries = 0;
    unsigned i;
    apr_pool_create(&p, parent);
    before = heap_bytes();
    if (!miqw_media_open(p, path, &m, &code) && m) {
        for (i = 0; i < m->fmt->nb_streams; i++)
            entries += avformat_index_get_entries_count(m->fmt->streams[i]);
        json_object_set_new(stats, "demux_open_kb",
                            json_integer((json_int_t)((heap_bytes() - before) / 1024)));
        json_object_set_new(stats, "demux_index_entries", json_integer(entries));
    }
    apr_pool_destroy(p);
}

static int on_progress(void *baton, double fraction)
{
    prog *g = baton;
    g->last = wtest_now();
    g->last_fraction = fraction;
    return 0;
}

static int cmp_int(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return x < y ? -1 : x > y;
}

/* Cut frames of a result: "cuts" (video/scenes) or scene segments (timeline). */
static json_t *cut_frames(json_t *res)
{
    json_t *out = json_array(), *arr, *o;
    size_t i;
    if ((arr = json_object_get(res, "cuts")) && json_is_array(arr)) {
        json_array_foreach(arr, i, o)
        {
            json_array_append_new(out,
                                  json_integer(json_integer_value(json_object_get(o, "frame"))));
        }
        return out;
    }
    json_array_foreach(json_object_get(res, "segments"), i, o)
    {
        const char *t = json_string_value(json_object_get(o, "type"));
        json_int_t f = json_integer_value(json_object_get(o, "start_frame"));
        if (t && !strcmp(t, "scene") && f > 0)
            json_array_append_new(out, json_integer(f));
    }
    return out;
}

static int count_type(json_t *res, const char *type)
{
    json_t *o;
    size_t i;
    int n = 0;
    json_array_foreach(json_object_get(res, "segments"), i, o)
    {
        const char *t = json_string_value(json_object_get(o, "type"));
        if (t && !strcmp(t, type))
            n++;
    }
    return n;
}

static void compare_cuts(json_t *stats, json_t *cuts, const char *expect)
{
    long want[4096], got[4096];
    int nw = 0, ng = 0, i, j, exact = 0, near = 0;
    char *list = strdup(expect), *tok, *save = NULL;
    json_t *missed = json_array(), *extra = json_array();
    int *used;
    for (tok = strtok_r(list, ",", &save); tok && nw < 4096; tok = strtok_r(NULL, ",", &save))
        want[nw++] = strtol(tok, NULL, 10);
    free(list);
    for (i = 0; i < (int)json_array_size(cuts) && ng < 4096; i++)
        got[ng++] = (long)json_integer_value(json_array_get(cuts, i));
    qsort(want, nw, sizeof(long), cmp_int);
    qsort(got, ng, sizeof(long), cmp_int);
    used = calloc(ng ? ng : 1, sizeof(int));
    for (i = 0; i < nw; i++) {
        int hit = -1;
        for (j = 0; j < ng; j++)
            if (!used[j] && got[j] == want[i]) {
                hit = j;
                break;
            }
        if (hit >= 0) {
            used[hit] = 1;
            exact++;
            continue;
        }
        for (j = 0; j < ng; j++)
            if (!used[j] && labs(got[j] - want[i]) <= 1) {
                hit = j;
                break;
            }
        if (hit >= 0) {
            used[hit] = 1;
            near++;
        }
        json_array_append_new(missed, json_integer(want[i]));
    }
    for (j = 0; j < ng; j++)
        if (!used[j])
            json_array_append_new(extra, json_integer(got[j]));
    free(used);
    json_object_set_new(stats, "cuts_expected", json_integer(nw));
    json_object_set_new(stats, "cuts_exact", json_integer(exact));
    json_object_set_new(stats, "cuts_off_by_one", json_integer(near));
    json_object_set_new(stats, "cuts_missed", missed); /* not exact (includes off-by-one) */
    json_object_set_new(stats, "cuts_extra", extra);
}

int main(int argc, char **argv)
{
    apr_pool_t *p;
    miqw_job job;
    json_t *result = NULL, *stats, *params;
    apr_int64_t cost = 0;
    const char *err, *code = NULL, *params_s = "{}", *out = NULL, *expect = NULL, *dump = NULL;
    prog g;
    double t1;
    struct rusage ru;
    int i;

    if (argc < 3) {
        fprintf(stderr, "usage: worker_driver ENDPOINT FILE [--params JSON] [--out DIR] "
                        "[--expect-cuts F1,F2,...] [--dump RESULT.json]\n");
        return 2;
    }
    for (i = 3; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--params"))
            params_s = argv[i + 1];
        else if (!strcmp(argv[i], "--out"))
            out = argv[i + 1];
        else if (!strcmp(argv[i], "--expect-cuts"))
            expect = argv[i + 1];
        else if (!strcmp(argv[i], "--dump"))
            dump = argv[i + 1];
        else {
            fprintf(stderr, "worker_driver: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    apr_initialize();
    apr_pool_create(&p, NULL);
    params = json_loads(params_s, 0, NULL);
    if (!params) {
        fprintf(stderr, "worker_driver: --params is not JSON\n");
        return 2;
    }
    memset(&job, 0, sizeof(job));
    job.id = "job_bench";
    job.endpoint = argv[1];
    job.input_path = argv[2];
    job.out_dir = out ? out : apr_psprintf(p, "/tmp/miq-bench-driver-%ld", (long)getpid());
    job.params = params;

    memset(&g, 0, sizeof(g));
    g.t0 = g.last = wtest_now();
    err = miqw_job_run(p, &job, miq_pricing_default(p), on_progress, &g, &result, &cost, &code);
    t1 = wtest_now();
    getrusage(RUSAGE_SELF, &ru);

    stats = json_object();
    json_object_set_new(stats, "endpoint", json_string(argv[1]));
    json_object_set_new(stats, "file", json_string(argv[2]));
    json_object_set_new(stats, "ok", json_boolean(!err));
    if (err) {
        json_object_set_new(stats, "error", json_string(err));
        json_object_set_new(stats, "code", json_string(code ? code : ""));
    }
    json_object_set_new(stats, "wall_s", json_real(t1 - g.t0));
    json_object_set_new(stats, "pass_s", json_real(g.last - g.t0));
    json_object_set_new(stats, "finish_s", json_real(t1 - g.last));
    json_object_set_new(stats, "cpu_s",
                        json_real(ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
                                  ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6));
    json_object_set_new(stats, "vm_hwm_kb", json_integer(wtest_vm_hwm_kb()));
    json_object_set_new(stats, "vm_rss_kb", json_integer(wtest_vm_rss_kb()));
    json_object_set_new(stats, "heap_in_use_kb",
                        json_integer((json_int_t)(mallinfo2().uordblks / 1024)));
    demux_cost(p, argv[2], stats); /* after the figures above: not in them */
    if (result) {
        json_t *a;
        json_object_set(stats, "media", json_object_get(result, "media"));
        json_object_set_new(stats, "credits", json_integer(cost));
        if (json_object_get(result, "segments") || json_object_get(result, "cuts")) {
            json_t *cuts = cut_frames(result);
            json_object_set_new(stats, "cuts", cuts);
            if (expect)
                compare_cuts(stats, cuts, expect);
        }
        if (json_object_get(result, "segments")) {
            json_object_set_new(stats, "silences", json_integer(count_type(result, "silence")));
            json_object_set_new(stats, "peaks", json_integer(count_type(result, "peak")));
            json_object_set_new(stats, "highlights",
                                json_integer(
                                    json_array_size(json_object_get(result, "highlights"))));
        }
        if ((a = json_object_get(result, "silences")))
            json_object_set_new(stats, "silences", json_integer(json_array_size(a)));
        if ((a = json_object_get(result, "speech_ratio")))
            json_object_set(stats, "speech_ratio", a);
        if ((a = json_object_get(result, "integrated_lufs")))
            json_object_set(stats, "integrated_lufs", a);
        if ((a = json_object_get(json_object_get(result, "stats"), "scenes")))
            json_object_set(stats, "scene_stats", a);
        if ((a = json_object_get(result, "frames"))) {
            json_t *fr = json_array(), *o;
            size_t k;
            json_array_foreach(a, k, o)
            {
                json_array_append_new(fr, json_pack("{s:O,s:O,s:O,s:O}", "requested_time",
                                                    json_object_get(o, "requested_time"), "time",
                                                    json_object_get(o, "time"), "frame",
                                                    json_object_get(o, "frame"), "file",
                                                    json_object_get(o, "file")));
            }
            json_object_set_new(stats, "frames", fr);
            json_object_set_new(stats, "out_dir", json_string(job.out_dir));
        }
        if (dump)
            json_dump_file(result, dump, JSON_INDENT(1));
    }
    json_dumpf(stats, stdout, JSON_COMPACT | JSON_REAL_PRECISION(6));
    fputc('\n', stdout);
    json_decref(stats);
    json_decref(params);
    apr_pool_destroy(p);
    apr_terminate();
    return err ? 1 : 0;
}
