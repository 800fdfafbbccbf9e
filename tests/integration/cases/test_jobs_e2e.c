/* Jobs end to end (issue 5) against the real stack and the real worker
 * (build.sh starts it with --jobs 2): media generated with the ffmpeg CLI with
 * known ground truth, uploaded over REST and over MCP (momentiq.create_upload:
 * signed PUT URL and source_url import), jobs created over REST and MCP
 * 2026, results checked against the truth, output files fetched through their
 * signed /files/ URLs, result renderings, URL refresh, bad media, cancel,
 * idempotency, concurrent creates against a small balance, kill -9 of the
 * worker mid-job, and the ledger of every account.
 *
 * Media (generated once per run in a temporary directory):
 *   speech.wav  12 s, 48 kHz mono: an amplitude-modulated chord (about -20 dBFS)
 *               in bursts over a -60 dBFS white-noise floor. Pauses: 0-0.7,
 *               2.5-2.8 (0.3 s: shorter than min_silence_s 0.5, never reported),
 *               4.5-5.3, 7.5-9.0, 11-12.
 *   cuts.mp4    19.6 s, 320x180, 25 fps, H.264 with a 50-frame GOP and no
 *               encoder scene-cut keyframes (cuts fall inside GOPs); seven shots
 *               from different lavfi sources joined by hard cuts at frames 75,
 *               130, 180, 290, 350, 425; AAC audio with the speech pattern
 *               (pauses 0-0.7, 2.5-2.8, 4.5-5.3, 7.5-9.0, 11-12).
 *   long720.mp4 60 s, 1280x720, 25 fps H.264 (GOP 50) + AAC, about 9.5 MB: the
 *               kill -9 test re-encodes 55 s of it (several seconds of work). */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>
#include <apr_strings.h>
#include <apr_file_io.h>
#include <apr_file_info.h>
#include "itest.h"
#include "base/miq_json.h"

#define FPS 25.0
#define TOL_SIL 0.05          /* silence boundaries, seconds */
#define JOB_TIMEOUT_S 120     /* a job of this suite, queue included */
#define WAIT_S 20             /* per get_job call: under the runner's 30 s HTTP timeout */
#define GRANT 1000000

/* Speech-like audio (see above). */
#define CHORD                                                                                      \
    "0.1*(sin(2*PI*220*t)+sin(2*PI*330*t)+sin(2*PI*440*t))*(0.75+0.25*sin(2*PI*4*t))"
#define GATE12 "(between(t,0.7,2.5)+between(t,2.8,4.5)+between(t,5.3,7.5)+between(t,9,11))"
#define GATE20                                                                                     \
    "(between(t,0.7,2.5)+between(t,2.8,4.5)+between(t,5.3,7.5)+between(t,9,11)+"                  \
    "between(t,12,20))"

static const double speech_truth[][2] = {{0, 0.7}, {4.5, 5.3}, {7.5, 9.0}, {11.0, 12.0}};
static const double cuts_silence_truth[][2] = {{0, 0.7}, {4.5, 5.3}, {7.5, 9.0}, {11.0, 12.0}};
static const int cut_frames[] = {75, 130, 180, 290, 350, 425};
#define NCUTS 6
#define CUTS_FRAMES 490

/* Suite state (malloc'd: it outlives each test's pool). */
static char *media_dir, *tok, *account_id, *upl_speech, *upl_cuts, *upl_long;
static int media_failed;

/* ---- environment ------------------------------------------------------------ */

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

/* ---- media -------------------------------------------------------------------- */

static const char *media(const char *name)
{
    if (!media_dir && !media_failed) {
        char tmpl[] = "/tmp/miq-itest-e2e-XXXXXX";
        static const char *const srcs[] = {
            "testsrc2=s=320x180:r=25",
            "smptebars=s=320x180:r=25",
            "mandelbrot=s=320x180:r=25:maxiter=120:end_pts=60:end_scale=0.002",
            "color=c=red:s=320x180:r=25,noise=alls=40:allf=t",
            "testsrc=s=1600x180:r=25,crop=320:180:x='t*420':y=0",
            "rgbtestsrc=s=320x180:r=25",
            "testsrc2=s=320x180:r=25,hue=h=90",
        };
        static const int seg[] = {75, 55, 50, 110, 60, 75, 65};
        const char *graph = "", *inputs = "", *cmd;
        int i;
        double t0 = (double)apr_time_now() / APR_USEC_PER_SEC;
        if (!mkdtemp(tmpl)) {
            media_failed = 1;
            return NULL;
        }
        for (i = 0; i < 7; i++) {
            graph = apr_psprintf(itp, "%s%s,trim=end_frame=%d,setpts=PTS-STARTPTS,format=yuv420p,"
                                      "setsar=1[v%d];",
                                 graph, srcs[i], seg[i], i);
            inputs = apr_psprintf(itp, "%s[v%d]", inputs, i);
        }
        graph = apr_psprintf(itp,
                             "%s%sconcat=n=7:v=1:a=0[v];aevalsrc='" GATE20 "*" CHORD
                             "':s=48000:d=19.6[s];anoisesrc=r=48000:c=white:a=0.0017:d=19.6:"
                             "seed=7[n];[s][n]amix=inputs=2:normalize=0[a]",
                             graph, inputs);
        cmd = apr_psprintf(
            itp,
            "cd %s && ffmpeg -nostdin -loglevel error -y -f lavfi -i \"aevalsrc='" GATE12 "*" CHORD
            "':s=48000:d=12\" -f lavfi -i 'anoisesrc=r=48000:c=white:a=0.0017:d=12:seed=7' "
            "-filter_complex '[0][1]amix=inputs=2:normalize=0' -ac 1 speech.wav && "
            "ffmpeg -nostdin -loglevel error -y -filter_complex \"%s\" -map '[v]' -map '[a]' "
            "-r 25 -c:v libx264 -preset veryfast -g 50 -keyint_min 50 -sc_threshold 0 -bf 2 "
            "-c:a aac -b:a 96k cuts.mp4 && "
            "ffmpeg -nostdin -loglevel error -y -f lavfi -i 'testsrc2=s=1280x720:r=25:d=60' "
            "-f lavfi -i 'sine=f=440:r=48000:d=60' -c:v libx264 -preset veryfast -b:v 1200k "
            "-maxrate 1500k -bufsize 3000k -g 50 -keyint_min 50 -sc_threshold 0 -pix_fmt yuv420p "
            "-c:a aac -b:a 64k -shortest long720.mp4",
            tmpl, graph);
        if (system(cmd) != 0) {
            fprintf(stderr, "\n  ffmpeg could not generate the test media\n");
            media_failed = 1;
            return NULL;
        }
        fprintf(stderr, "\n    (media generated in %.1f s)",
                (double)apr_time_now() / APR_USEC_PER_SEC - t0);
        media_dir = strdup(tmpl);
    }
    return media_dir ? apr_pstrcat(itp, media_dir, "/", name, NULL) : NULL;
}

static const char *read_bin(const char *path, apr_size_t *len)
{
    apr_file_t *f;
    apr_finfo_t fi;
    char *buf;
    *len = 0;
    if (!path || apr_file_open(&f, path, APR_FOPEN_READ | APR_FOPEN_BINARY, 0, itp) ||
        apr_file_info_get(&fi, APR_FINFO_SIZE, f))
        return NULL;
    buf = apr_palloc(itp, (apr_size_t)fi.size + 1);
    apr_file_read_full(f, buf, (apr_size_t)fi.size, len);
    apr_file_close(f);
    return buf;
}

static int write_bin(const char *path, const char *data, apr_size_t len)
{
    apr_file_t *f;
    apr_size_t n = len;
    if (apr_file_open(&f, path, APR_FOPEN_WRITE | APR_FOPEN_CREATE | APR_FOPEN_TRUNCATE |
                                    APR_FOPEN_BINARY,
                      APR_FPROT_OS_DEFAULT, itp))
        return -1;
    apr_file_write_full(f, data, len, &n);
    apr_file_close(f);
    return n == len ? 0 : -1;
}

/* Video frames of a file, counted by ffprobe (-1 on failure). */
static int ffprobe_frames(const char *path)
{
    const char *cmd = apr_psprintf(itp,
                                   "ffprobe -v error -count_frames -select_streams v:0 "
                                   "-show_entries stream=nb_read_frames -of csv=p=0 '%s'",
                                   path);
    FILE *f = popen(cmd, "r");
    int n = -1;
    if (!f)
        return -1;
    if (fscanf(f, "%d", &n) != 1)
        n = -1;
    pclose(f);
    return n;
}

/* ---- HTTP helpers ---------------------------------------------------------------- */

static const char *const *hdrs(const char *a, const char *b, const char *c)
{
    const char **h = apr_pcalloc(itp, 4 * sizeof(*h));
    int n = 0;
    if (a)
        h[n++] = a;
    if (b)
        h[n++] = b;
    if (c)
        h[n++] = c;
    return h;
}

static it_resp *rest(const char *token, const char *method, const char *path, const char *json)
{
    return it_request(method, path,
                      hdrs(it_bearer(token), json ? "Content-Type: application/json" : NULL,
                           NULL),
                      json, json ? strlen(json) : 0);
}

static const char *err_code(const it_resp *r)
{
    json_t *e = r && r->json ? json_object_get(r->json, "error") : NULL;
    return miq_json_str(e, "code", "");
}

/* tools/call in the 2026 era with a bearer token. */
static it_resp *tool(const char *token, const char *name, const char *args_json)
{
    json_t *p = mcp_2026_params(
        it_jsonf("{\"name\":%s,\"arguments\":%s}", it_quote(name), args_json ? args_json : "{}"));
    return it_post(mcp_2026_headers("tools/call", p, hdrs(token ? it_bearer(token) : NULL, NULL,
                                                          NULL)),
                   it_rpc_body("tools/call", p, -1));
}

static json_t *sc(const it_resp *r)
{
    return json_object_get(it_result(r), "structuredContent");
}

static int tool_ok(const it_resp *r)
{
    json_t *res = it_result(r);
    return res && !json_is_true(json_object_get(res, "isError")) && json_is_object(sc(r));
}

static const char *tool_err(const it_resp *r)
{
    json_t *res = it_result(r);
    if (!res || !json_is_true(json_object_get(res, "isError")))
        return "";
    return miq_json_str(json_object_get(sc(r), "error"), "code", "");
}

static const char *tool_text(const it_resp *r)
{
    json_t *c = json_array_get(json_object_get(it_result(r), "content"), 0);
    return miq_json_str(c, "text", "");
}

static int terminal(const char *st)
{
    return st && (!strcmp(st, "succeeded") || !strcmp(st, "failed") || !strcmp(st, "canceled"));
}

/* Polls GET /v1/jobs/{id}?wait_s= until the job is final; its view, or the
 * last one seen (NULL if none). */
static json_t *wait_rest(const char *token, const char *job, int timeout_s)
{
    apr_time_t end = apr_time_now() + apr_time_from_sec(timeout_s);
    json_t *last = NULL;
    do {
        it_resp *r = rest(token, "GET", apr_psprintf(itp, "/v1/jobs/%s?wait_s=%d", job, WAIT_S),
                          NULL);
        if (r->status != 200) {
            it_show("GET job", r);
            return last;
        }
        last = r->json;
        if (terminal(miq_json_str(last, "status", NULL)))
            return last;
    } while (apr_time_now() < end);
    return last;
}

/* The same over MCP: momentiq.get_job with wait_s. */
static json_t *wait_mcp(const char *token, const char *job, int timeout_s)
{
    apr_time_t end = apr_time_now() + apr_time_from_sec(timeout_s);
    json_t *last = NULL;
    do {
        it_resp *r = tool(token, "momentiq.get_job",
                          apr_psprintf(itp, "{\"job_id\":\"%s\",\"wait_s\":%d}", job, WAIT_S));
        if (!tool_ok(r)) {
            it_show("momentiq.get_job", r);
            return last;
        }
        last = sc(r);
        if (terminal(miq_json_str(last, "status", NULL)))
            return last;
    } while (apr_time_now() < end);
    return last;
}

/* POST /v1/jobs; the job id or NULL (response shown). */
static const char *create_rest(const char *token, const char *endpoint, const char *upload,
                               const char *params_json)
{
    it_resp *r = rest(token, "POST", "/v1/jobs",
                      apr_psprintf(itp, "{\"endpoint\":\"%s\",\"upload_id\":\"%s\",\"params\":%s}",
                                   endpoint, upload, params_json ? params_json : "{}"));
    IT_ASSERT_R(r->status == 201, r);
    if (r->status != 201)
        return NULL;
    IT_ASSERT_R(!strcmp(miq_json_str(r->json, "status", ""), "queued") ||
                    !strcmp(miq_json_str(r->json, "status", ""), "running"),
                r);
    return miq_json_str(r->json, "job_id", NULL);
}

static const char *create_mcp(const char *token, const char *endpoint, const char *upload,
                              const char *params_json)
{
    apr_time_t t0 = apr_time_now();
    it_resp *r = tool(token, "momentiq.create_job",
                      apr_psprintf(itp, "{\"endpoint\":\"%s\",\"upload_id\":\"%s\",\"params\":%s}",
                                   endpoint, upload, params_json ? params_json : "{}"));
    IT_ASSERT_R(tool_ok(r), r);
    if (!tool_ok(r))
        return NULL;
    /* A job id within a second (the polling fallback). */
    IT_ASSERT_MSG(apr_time_now() - t0 < apr_time_from_sec(1), "create_job took %.2f s",
                  (double)(apr_time_now() - t0) / APR_USEC_PER_SEC);
    return miq_json_str(sc(r), "job_id", NULL);
}

/* The succeeded result over REST (format json). */
static json_t *result_rest(const char *token, const char *job)
{
    it_resp *r = rest(token, "GET", apr_psprintf(itp, "/v1/jobs/%s/result", job), NULL);
    IT_ASSERT_R(r->status == 200 && json_is_object(r->json), r);
    return r->status == 200 ? r->json : NULL;
}

static json_t *result_mcp(const char *token, const char *job)
{
    it_resp *r = tool(token, "momentiq.get_job_result",
                      apr_psprintf(itp, "{\"job_id\":\"%s\"}", job));
    IT_ASSERT_R(tool_ok(r), r);
    return tool_ok(r) ? sc(r) : NULL;
}

static int succeeded(const json_t *job)
{
    int ok = job && !strcmp(miq_json_str(job, "status", ""), "succeeded");
    IT_ASSERT_MSG(ok, "job not succeeded: %s", job ? it_dump(job) : "(none)");
    return ok;
}

/* ---- database helpers ------------------------------------------------------------ */

typedef struct ledger {
    int reservations, releases, settlements, others;
    long reserved, released, settled; /* absolute credits */
} ledger;

static ledger ledger_of(const char *job)
{
    ledger l;
    const char *args[1] = {job};
    it_rows *rows = it_db_query("SELECT kind, count(*), coalesce(sum(credits), 0) FROM "
                                "credit_ledger WHERE job_id = $1 GROUP BY kind",
                                1, args);
    int i;
    memset(&l, 0, sizeof(l));
    IT_ASSERT_MSG(!rows->error, "%s", rows->error ? rows->error : "");
    for (i = 0; i < rows->n; i++) {
        const char *k = IT_CELL(rows, i, 0);
        int n = atoi(IT_CELL(rows, i, 1));
        long c = labs(atol(IT_CELL(rows, i, 2)));
        if (!strcmp(k, "reservation"))
            l.reservations = n, l.reserved = c;
        else if (!strcmp(k, "release"))
            l.releases = n, l.released = c;
        else if (!strcmp(k, "settlement"))
            l.settlements = n, l.settled = c;
        else
            l.others += n;
    }
    return l;
}

/* Billed once: reserved the estimate, released it, settled the charge. */
static void assert_billed_once(const json_t *job)
{
    const char *id = miq_json_str(job, "job_id", "");
    long est = (long)miq_json_int(job, "estimated_credits", -1);
    long charged = (long)miq_json_int(job, "charged_credits", -1);
    ledger l = ledger_of(id);
    IT_ASSERT_MSG(l.reservations == (est > 0) && l.releases == (est > 0) && l.reserved == est &&
                      l.released == est && l.settlements == (charged > 0) &&
                      l.settled == charged && l.others == 0,
                  "job %s (estimate %ld, charged %ld): %d reservations (%ld), %d releases (%ld), "
                  "%d settlements (%ld), %d others",
                  id, est, charged, l.reservations, l.reserved, l.releases, l.released,
                  l.settlements, l.settled, l.others);
    IT_ASSERT_MSG(charged >= 0 && charged <= est, "charged %ld of estimate %ld", charged, est);
}

/* Not billed: the reservation released, no settlement. */
static void assert_not_billed(const json_t *job)
{
    const char *id = miq_json_str(job, "job_id", "");
    long est = (long)miq_json_int(job, "estimated_credits", -1);
    ledger l = ledger_of(id);
    IT_ASSERT_MSG(json_is_null(json_object_get(job, "charged_credits")),
                  "charged_credits: %s", it_dump(json_object_get(job, "charged_credits")));
    IT_ASSERT_MSG(l.reservations == (est > 0) && l.releases == (est > 0) && l.reserved == est &&
                      l.released == est && l.settlements == 0 && l.others == 0,
                  "job %s (estimate %ld): %d reservations (%ld), %d releases (%ld), "
                  "%d settlements",
                  id, est, l.reservations, l.reserved, l.releases, l.released, l.settlements);
}

static long balance(const char *account)
{
    const char *args[1] = {account};
    const char *v = it_db_value("SELECT miq_balance($1::bigint)", 1, args);
    return v ? atol(v) : -999999;
}

/* A ledger adjustment (a 'grant' row; negative lowers the balance). */
static int grant(const char *account, long credits)
{
    const char *args[2] = {account, apr_ltoa(itp, credits)};
    it_rows *r = it_db_query("INSERT INTO credit_ledger (account_id, kind, credits, note) "
                             "VALUES ($1::bigint, 'grant', $2::bigint, 'itest jobs_e2e')",
                             2, args);
    IT_ASSERT_MSG(!r->error, "grant: %s", r->error ? r->error : "");
    /* With billing (issue 6) a short balance is billing_required unless billing
     * is set up: mark it so where the schema has the column. */
    if (it_db_value("SELECT 1 FROM information_schema.columns WHERE table_name = 'accounts' "
                    "AND column_name = 'billing_set_up_at'",
                    0, NULL))
        it_db_query("UPDATE accounts SET billing_set_up_at = coalesce(billing_set_up_at, now()) "
                    "WHERE id = $1::bigint",
                    1, args);
    return !r->error;
}

/* The account and its API key, with credits (once per run). */
static const char *key(void)
{
    if (!tok) {
        it_account *a = it_signup("e2e");
        const char *t = a ? it_create_token(a, "keys", "{\"name\":\"e2e\"}", NULL, NULL) : NULL;
        if (!t)
            return NULL;
        if (!grant(a->account_id, GRANT))
            return NULL;
        tok = strdup(t);
        account_id = strdup(a->account_id);
    }
    return tok;
}

static const char *upload(const char *token, const char *file)
{
    apr_size_t len;
    const char *body = read_bin(media(file), &len);
    it_resp *r;
    if (!body)
        return NULL;
    r = it_request("POST", apr_pstrcat(itp, "/v1/uploads?filename=", file, NULL),
                   hdrs(it_bearer(token), "Content-Type: application/octet-stream", NULL), body,
                   len);
    IT_ASSERT_R(r->status == 201, r);
    return r->status == 201 ? miq_json_str(r->json, "upload_id", NULL) : NULL;
}

/* Key plus the three uploads, or FALSE. */
static int ready(void)
{
    const char *u;
    if (!key() || !media("speech.wav"))
        return 0;
    if (!upl_speech && (u = upload(tok, "speech.wav")))
        upl_speech = strdup(u);
    if (!upl_cuts && (u = upload(tok, "cuts.mp4")))
        upl_cuts = strdup(u);
    if (!upl_long && (u = upload(tok, "long720.mp4")))
        upl_long = strdup(u);
    return upl_speech && upl_cuts && upl_long;
}

/* ---- analyses ----------------------------------------------------------------------- */

static void check_silences(const json_t *silences, const double (*truth)[2], int n,
                           const char *what)
{
    size_t i;
    IT_ASSERT_MSG(json_array_size(silences) == (size_t)n, "%s: %d silences, want %d: %s", what,
                  (int)json_array_size(silences), n, it_dump(silences));
    for (i = 0; i < json_array_size(silences) && i < (size_t)n; i++) {
        json_t *s = json_array_get(silences, i);
        double a = miq_json_num(s, "start", -1), b = miq_json_num(s, "end", -1);
        IT_ASSERT_MSG(fabs(a - truth[i][0]) <= TOL_SIL && fabs(b - truth[i][1]) <= TOL_SIL,
                      "%s silence %d: [%.3f, %.3f], want [%.3f, %.3f] +-%.0f ms", what, (int)i, a,
                      b, truth[i][0], truth[i][1], TOL_SIL * 1000);
        /* The 0.3 s pause (2.5-2.8) is under min_silence_s. */
        IT_ASSERT_MSG(!(a > 2.3 && b < 3.0), "%s: the 0.3 s pause was reported", what);
    }
}

static void test_create_upload_tool(void)
{
    static const char *const json[] = {"Content-Type: application/json", NULL};
    it_resp *r;
    json_t *s, *t, *list;
    const char *url, *id, *body;
    apr_size_t len;
    CU_ASSERT_FATAL(key() != NULL);
    CU_ASSERT_FATAL(media("speech.wav") != NULL);

    /* Listed for a token, with its annotations. */
    {
        json_t *p = mcp_2026_params(it_json("{}"));
        r = it_post(mcp_2026_headers("tools/list", p, hdrs(it_bearer(tok), NULL, NULL)),
                    it_rpc_body("tools/list", p, -1));
        list = json_object_get(it_result(r), "tools");
        t = it_find_by_name(list, "momentiq.create_upload");
        IT_ASSERT_R(t != NULL, r);
        if (t) {
            json_t *ann = json_object_get(t, "annotations");
            CU_ASSERT(json_is_true(json_object_get(ann, "openWorldHint")));
            CU_ASSERT(!json_is_true(json_object_get(ann, "readOnlyHint")));
            CU_ASSERT(json_is_object(json_object_get(t, "outputSchema")));
        }
    }
    /* Without a token: a tool error with the Bearer challenge. */
    r = tool(NULL, "momentiq.create_upload", "{\"filename\":\"x.wav\"}");
    IT_ASSERT_R(it_result(r) && json_is_true(json_object_get(it_result(r), "isError")), r);

    /* No source_url: a signed PUT URL, and the bytes never go through MCP. */
    r = tool(tok, "momentiq.create_upload", "{\"filename\":\"phone.wav\"}");
    IT_REQUIRE_R(tool_ok(r), r);
    s = sc(r);
    url = miq_json_str(s, "upload_url", NULL);
    id = miq_json_str(s, "upload_id", "");
    IT_REQUIRE_R(url && strstr(url, "/v1/uploads/") && strstr(url, "/bytes?exp=") &&
                     strstr(url, "&sig="),
                 r);
    it_secret_note(strstr(url, "sig=") + 4);
    CU_ASSERT_STRING_EQUAL(miq_json_str(s, "upload_method", ""), "PUT");
    CU_ASSERT_STRING_EQUAL(miq_json_str(s, "status", ""), "awaiting_bytes");
    CU_ASSERT_STRING_EQUAL(miq_json_str(s, "filename", ""), "phone.wav");
    CU_ASSERT(json_is_string(json_object_get(s, "expires_at")));
    IT_ASSERT_R(strstr(tool_text(r), "PUT") && strstr(tool_text(r), id), r);
    /* A job on it waits for the bytes. */
    r = tool(tok, "momentiq.create_job",
             apr_psprintf(itp, "{\"endpoint\":\"audio/silence\",\"upload_id\":\"%s\"}", id));
    IT_ASSERT_R(!strcmp(tool_err(r), "conflict"), r);
    body = read_bin(media("speech.wav"), &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(body);
    r = it_request("PUT", url, NULL, body, len);
    IT_ASSERT_R(r->status == 200 && !strcmp(miq_json_str(r->json, "status", ""), "ready") &&
                    fabs(miq_json_num(r->json, "duration_s", 0) - 12.0) < 0.05,
                r);
    r = it_request("PUT", url, NULL, body, len);
    IT_ASSERT_R(r->status == 409, r);
    r = rest(tok, "GET", apr_pstrcat(itp, "/v1/uploads/", id, NULL), NULL);
    IT_ASSERT_R(r->status == 200 && !strcmp(miq_json_str(r->json, "status", ""), "ready"), r);

    /* source_url: imported, probed, recorded like POST /v1/uploads does. */
    {
        pid_t pid;
        const char *base = it_file_server(media_dir, "speech.wav", &pid);
        CU_ASSERT_PTR_NOT_NULL_FATAL(base);
        r = tool(tok, "momentiq.create_upload",
                 apr_psprintf(itp, "{\"source_url\":\"%s/cuts.mp4?sig=E2EIMPORTSECRET\"}", base));
        IT_ASSERT_R(tool_ok(r), r);
        s = sc(r);
        IT_ASSERT_R(!strcmp(miq_json_str(s, "status", ""), "ready") &&
                        !strcmp(miq_json_str(s, "filename", ""), "cuts.mp4") &&
                        fabs(miq_json_num(s, "duration_s", 0) - 19.6) < 0.1 &&
                        miq_json_bool(s, "has_video", 0) && miq_json_bool(s, "has_audio", 0),
                    r);
        {
            const char *args[1] = {miq_json_str(s, "upload_id", "")};
            const char *src = it_db_value("SELECT source_url FROM uploads WHERE id = $1", 1, args);
            IT_ASSERT_MSG(src && strstr(src, "/cuts.mp4") && !strstr(src, "E2EIMPORTSECRET"),
                          "source_url %s", src ? src : "(null)");
        }
        /* The same upload over REST. */
        r = rest(tok, "GET", apr_pstrcat(itp, "/v1/uploads/", miq_json_str(s, "upload_id", ""),
                                         NULL),
                 NULL);
        IT_ASSERT_R(r->status == 200, r);
        /* Not media: unsupported_media, as over REST. */
        if (write_bin(apr_pstrcat(itp, media_dir, "/notes.mp4", NULL), "just text\n", 10) == 0) {
            r = tool(tok, "momentiq.create_upload",
                     apr_psprintf(itp, "{\"source_url\":\"%s/notes.mp4\"}", base));
            IT_ASSERT_R(!strcmp(tool_err(r), "unsupported_media"), r);
        }
        r = tool(tok, "momentiq.create_upload",
                 apr_psprintf(itp, "{\"source_url\":\"%s/missing.mp4\"}", base));
        IT_ASSERT_R(!strcmp(tool_err(r), "invalid_request"), r);
        r = tool(tok, "momentiq.create_upload", "{\"source_url\":\"file:///etc/passwd\"}");
        IT_ASSERT_R(!strcmp(tool_err(r), "invalid_request"), r);
        kill(pid, SIGTERM);
        waitpid(pid, NULL, 0);
    }
    /* REST signed_url still works (shared code). */
    body = "{\"filename\":\"rest.wav\",\"signed_url\":true}";
    r = it_request("POST", "/v1/uploads", hdrs(it_bearer(tok), json[0], NULL), body,
                   strlen(body));
    IT_ASSERT_R(r->status == 201 && strstr(miq_json_str(r->json, "upload_url", ""), "&sig="), r);
    if (r->status == 201)
        it_secret_note(strstr(miq_json_str(r->json, "upload_url", ""), "sig=") + 4);
}

static void test_audio_silence_rest_and_mcp(void)
{
    const char *job, *job2;
    json_t *j, *res;
    CU_ASSERT_FATAL(ready());
    /* REST */
    job = create_rest(tok, "audio/silence", upl_speech, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(job);
    j = wait_rest(tok, job, JOB_TIMEOUT_S);
    if (!succeeded(j))
        return;
    CU_ASSERT_EQUAL(miq_json_int(j, "progress", 0), 100);
    res = result_rest(tok, job);
    CU_ASSERT_PTR_NOT_NULL_FATAL(res);
    check_silences(json_object_get(res, "silences"), speech_truth, 4, "speech.wav REST");
    {
        double ratio = miq_json_num(res, "speech_ratio", -1);
        /* speech: 0.7-2.5, 2.8-4.5, 5.3-7.5, 9-11 = 7.7 s of 12 (the 0.3 s pause counts
         * as speech or not: 7.7/12 to 8.0/12). */
        IT_ASSERT_MSG(ratio > 0.60 && ratio < 0.70, "speech_ratio %.3f", ratio);
    }
    assert_billed_once(j);
    /* MCP 2026: create_job, get_job with wait_s, get_job_result. */
    job2 = create_mcp(tok, "audio/silence", upl_speech, "{\"min_silence_s\":0.25}");
    CU_ASSERT_PTR_NOT_NULL_FATAL(job2);
    j = wait_mcp(tok, job2, JOB_TIMEOUT_S);
    if (!succeeded(j))
        return;
    res = result_mcp(tok, job2);
    CU_ASSERT_PTR_NOT_NULL_FATAL(res);
    {
        /* min_silence_s 0.25: the 0.3 s pause is now reported too. */
        static const double truth5[][2] = {{0, 0.7}, {2.5, 2.8}, {4.5, 5.3}, {7.5, 9.0},
                                           {11.0, 12.0}};
        json_t *sil = json_object_get(res, "silences");
        size_t i;
        IT_ASSERT_MSG(json_array_size(sil) == 5, "min_silence_s 0.25: %s", it_dump(sil));
        for (i = 0; i < json_array_size(sil) && i < 5; i++) {
            json_t *s = json_array_get(sil, i);
            IT_ASSERT_MSG(fabs(miq_json_num(s, "start", -1) - truth5[i][0]) <= TOL_SIL &&
                              fabs(miq_json_num(s, "end", -1) - truth5[i][1]) <= TOL_SIL,
                          "silence %d: %s", (int)i, it_dump(s));
        }
    }
    assert_billed_once(j);
}

static void test_audio_energy(void)
{
    const char *job;
    json_t *j, *res, *peaks, *p;
    size_t i;
    CU_ASSERT_FATAL(ready());
    job = create_mcp(tok, "audio/energy", upl_speech, "{\"window_s\":0.5,\"top_k\":5}");
    CU_ASSERT_PTR_NOT_NULL_FATAL(job);
    j = wait_mcp(tok, job, JOB_TIMEOUT_S);
    if (!succeeded(j))
        return;
    res = result_rest(tok, job);
    CU_ASSERT_PTR_NOT_NULL_FATAL(res);
    IT_ASSERT_MSG(abs((int)json_array_size(json_object_get(res, "windows")) - 24) <= 1,
                  "%d windows of 0.5 s over 12 s",
                  (int)json_array_size(json_object_get(res, "windows")));
    {
        /* A -20 dBFS-ish chord 64 % of the time: between -35 and -15 LUFS. */
        double lufs = miq_json_num(res, "integrated_lufs", 0);
        IT_ASSERT_MSG(lufs > -35 && lufs < -15, "integrated_lufs %.2f", lufs);
    }
    peaks = json_object_get(res, "peaks");
    IT_ASSERT_MSG(json_array_size(peaks) >= 1 && json_array_size(peaks) <= 5, "peaks %s",
                  it_dump(peaks));
    json_array_foreach(peaks, i, p)
    {
        /* Peaks are in the bursts, never in a pause. */
        double t = miq_json_num(p, "time", -1);
        int k, in_pause = 0;
        for (k = 0; k < 4; k++)
            if (t > speech_truth[k][0] + 0.3 && t < speech_truth[k][1] - 0.3)
                in_pause = 1;
        IT_ASSERT_MSG(t >= 0 && t <= 12 && !in_pause, "peak at %.3f s", t);
    }
    assert_billed_once(j);
}

static void check_cuts(const json_t *cuts, const char *what)
{
    size_t i;
    IT_ASSERT_MSG(json_array_size(cuts) == NCUTS, "%s: %d cuts, want %d: %s", what,
                  (int)json_array_size(cuts), NCUTS, it_dump(cuts));
    for (i = 0; i < json_array_size(cuts) && i < NCUTS; i++) {
        json_t *c = json_array_get(cuts, i);
        long fr = (long)miq_json_int(c, "frame", -1);
        double t = miq_json_num(c, "time", -1);
        IT_ASSERT_MSG(labs(fr - cut_frames[i]) <= 1 && fabs(t - cut_frames[i] / FPS) <= 1.0 / FPS + 0.001,
                      "%s cut %d: frame %ld (%.3f s), want %d (%.3f s) +-1 frame", what, (int)i,
                      fr, t, cut_frames[i], cut_frames[i] / FPS);
    }
}

static void test_video_scenes_mcp(void)
{
    const char *job;
    json_t *j, *res, *scenes;
    CU_ASSERT_FATAL(ready());
    job = create_mcp(tok, "video/scenes", upl_cuts, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(job);
    j = wait_mcp(tok, job, JOB_TIMEOUT_S);
    if (!succeeded(j))
        return;
    res = result_mcp(tok, job);
    CU_ASSERT_PTR_NOT_NULL_FATAL(res);
    check_cuts(json_object_get(res, "cuts"), "video/scenes");
    scenes = json_object_get(res, "scenes");
    IT_ASSERT_MSG(json_array_size(scenes) == NCUTS + 1, "%d scenes",
                  (int)json_array_size(scenes));
    {
        json_t *last = json_array_get(scenes, json_array_size(scenes) - 1);
        IT_ASSERT_MSG(fabs(miq_json_num(last, "end", 0) - CUTS_FRAMES / FPS) <= 0.05,
                      "last scene ends at %.3f", miq_json_num(last, "end", 0));
    }
    assert_billed_once(j);
}

/* Counts "needle" in text. */
static int count_of(const char *text, const char *needle)
{
    int n = 0;
    const char *s = text;
    while (s && (s = strstr(s, needle))) {
        n++;
        s += strlen(needle);
    }
    return n;
}

/* EDL events: lines starting with three digits and two blanks. */
static int edl_events(const char *text)
{
    int n = 0;
    const char *l = text;
    while (l && *l) {
        if (l[0] >= '0' && l[0] <= '9' && l[1] >= '0' && l[1] <= '9' && l[2] >= '0' &&
            l[2] <= '9' && l[3] == ' ' && l[4] == ' ')
            n++;
        l = strchr(l, '\n');
        if (l)
            l++;
    }
    return n;
}

/* The renderings of a succeeded job: vtt, csv and edl with cues cues. */
static void check_formats(const char *job, int cues)
{
    it_resp *r;
    r = rest(tok, "GET", apr_psprintf(itp, "/v1/jobs/%s/result?format=vtt", job), NULL);
    IT_ASSERT_R(r->status == 200 && !strncmp(r->ctype, "text/vtt", 8) && r->body &&
                    !strncmp(r->body, "WEBVTT", 6) && count_of(r->body, " --> ") == cues,
                r);
    r = rest(tok, "GET", apr_psprintf(itp, "/v1/jobs/%s/result?format=csv", job), NULL);
    IT_ASSERT_R(r->status == 200 && !strncmp(r->ctype, "text/csv", 8) && r->body &&
                    !strncmp(r->body, "type,start,end", 14) &&
                    count_of(r->body, "\n") == cues + 1,
                r);
    r = rest(tok, "GET", apr_psprintf(itp, "/v1/jobs/%s/result?format=edl", job), NULL);
    IT_ASSERT_R(r->status == 200 && !strncmp(r->ctype, "text/plain", 10) && r->body &&
                    !strncmp(r->body, "TITLE:", 6) && edl_events(r->body) == cues,
                r);
    /* And over MCP. */
    r = tool(tok, "momentiq.get_job_result",
             apr_psprintf(itp, "{\"job_id\":\"%s\",\"format\":\"vtt\"}", job));
    IT_ASSERT_R(tool_ok(r) && count_of(miq_json_str(sc(r), "text", ""), " --> ") == cues, r);
    r = rest(tok, "GET", apr_psprintf(itp, "/v1/jobs/%s/result?format=xml", job), NULL);
    IT_ASSERT_R(r->status == 400, r);
}

static void test_result_formats(void)
{
    const char *a, *v;
    json_t *ja, *jv;
    CU_ASSERT_FATAL(ready());
    a = create_rest(tok, "audio/silence", upl_speech, NULL);
    v = create_rest(tok, "video/scenes", upl_cuts, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    ja = wait_rest(tok, a, JOB_TIMEOUT_S);
    jv = wait_rest(tok, v, JOB_TIMEOUT_S);
    if (succeeded(ja))
        check_formats(a, 4); /* four silences */
    if (succeeded(jv))
        check_formats(v, NCUTS + 1); /* the scenes (cuts are not repeated) */
}

static void test_video_frames_signed_urls_and_refresh(void)
{
    static const double ts[] = {1.0, 5.0, 10.24};
    const char *job, *args[1];
    json_t *j, *res, *frames, *f;
    it_resp *r;
    size_t i;
    const char *urls[3] = {NULL, NULL, NULL}, *snap1, *snap2;
    long ledger_rows1;
    CU_ASSERT_FATAL(ready());
    job = create_mcp(tok, "video/frames", upl_cuts,
                     "{\"timestamps\":[1.0,5.0,10.24],\"width\":160,\"format\":\"jpg\"}");
    CU_ASSERT_PTR_NOT_NULL_FATAL(job);
    j = wait_mcp(tok, job, JOB_TIMEOUT_S);
    if (!succeeded(j))
        return;
    res = result_rest(tok, job);
    CU_ASSERT_PTR_NOT_NULL_FATAL(res);
    frames = json_object_get(res, "frames");
    IT_ASSERT_MSG(json_array_size(frames) == 3, "frames %s", it_dump(frames));
    json_array_foreach(frames, i, f)
    {
        const char *url = miq_json_str(f, "url", NULL);
        double t = miq_json_num(f, "time", -1);
        if (i >= 3)
            break;
        /* The frame shown at ts[i]: its time within one frame before. */
        IT_ASSERT_MSG(t <= ts[i] + 0.001 && ts[i] - t < 1.0 / FPS + 0.001,
                      "frame %d at %.3f for %.3f", (int)i, t, ts[i]);
        IT_ASSERT_MSG(miq_json_int(f, "width", 0) == 160, "width %d",
                      (int)miq_json_int(f, "width", 0));
        CU_ASSERT_PTR_NOT_NULL(url);
        if (!url)
            continue;
        urls[i] = url;
        r = it_request("GET", url, NULL, NULL, 0);
        IT_ASSERT_R(r->status == 200 && !strncmp(r->ctype, "image/jpeg", 10) && r->len > 200 &&
                        (unsigned char)r->body[0] == 0xFF && (unsigned char)r->body[1] == 0xD8,
                    r);
        {
            char *t2 = apr_pstrdup(itp, url);
            size_t n = strlen(t2);
            t2[n - 1] = t2[n - 1] == 'A' ? 'B' : 'A';
            r = it_request("GET", t2, NULL, NULL, 0);
            IT_ASSERT_R(r->status == 403, r);
            /* The signature of one file does not open another. */
            t2 = apr_pstrdup(itp, url);
            if (strstr(t2, ".jpg?")) {
                char *q = strstr(t2, ".jpg?");
                r = it_request("GET", apr_pstrcat(itp, apr_pstrndup(itp, t2, q - t2), "x.jpg",
                                                  q + 4, NULL),
                               NULL, NULL, 0);
                IT_ASSERT_R(r->status == 403, r);
            }
        }
    }
    /* Refresh: new URLs (a later expiry), nothing rerun, nothing charged. */
    args[0] = job;
    snap1 = it_db_value("SELECT concat_ws('|', status, attempts, charged_credits, progress, "
                        "updated_at, finished_at, worker_id, md5(result::text)) FROM jobs "
                        "WHERE id = $1",
                        1, args);
    ledger_rows1 = atol(it_db_value("SELECT count(*) FROM credit_ledger WHERE job_id = $1", 1,
                                    args));
    {
        /* Signed URLs carry the expiry in seconds: let the clock move on. */
        apr_time_t t0 = apr_time_sec(apr_time_now());
        while (apr_time_sec(apr_time_now()) < t0 + 2)
            apr_sleep(apr_time_from_msec(100));
    }
    r = tool(tok, "momentiq.refresh_output_urls", apr_psprintf(itp, "{\"job_id\":\"%s\"}", job));
    IT_ASSERT_R(tool_ok(r) && json_array_size(json_object_get(sc(r), "outputs")) == 3, r);
    json_array_foreach(json_object_get(sc(r), "outputs"), i, f)
    {
        const char *url = miq_json_str(f, "url", "");
        int k, fresh = 1;
        for (k = 0; k < 3; k++)
            if (urls[k] && !strcmp(urls[k], url))
                fresh = 0;
        IT_ASSERT_MSG(fresh, "refresh gave an old URL: %s", url);
        r = it_request("GET", url, NULL, NULL, 0);
        IT_ASSERT_R(r->status == 200 && !strncmp(r->ctype, "image/jpeg", 10), r);
    }
    r = rest(tok, "POST", apr_psprintf(itp, "/v1/jobs/%s/outputs/refresh", job), "{}");
    IT_ASSERT_R(r->status == 200 && json_array_size(json_object_get(r->json, "outputs")) == 3, r);
    snap2 = it_db_value("SELECT concat_ws('|', status, attempts, charged_credits, progress, "
                        "updated_at, finished_at, worker_id, md5(result::text)) FROM jobs "
                        "WHERE id = $1",
                        1, args);
    IT_ASSERT_MSG(snap1 && snap2 && !strcmp(snap1, snap2), "job row changed: %s -> %s",
                  snap1 ? snap1 : "", snap2 ? snap2 : "");
    CU_ASSERT_EQUAL(atol(it_db_value("SELECT count(*) FROM credit_ledger WHERE job_id = $1", 1,
                                     args)),
                    ledger_rows1);
    assert_billed_once(j);
}

/* GET url into a file; its bytes (NULL unless 200 and an MP4). */
static const char *fetch_mp4(const char *url, const char *save_as)
{
    it_resp *r = it_request("GET", url, NULL, NULL, 0);
    IT_ASSERT_R(r->status == 200 && r->len > 1000 && !memcmp(r->body + 4, "ftyp", 4), r);
    if (r->status != 200 || r->len <= 1000)
        return NULL;
    if (write_bin(save_as, r->body, r->len))
        return NULL;
    return save_as;
}

static void test_video_clips_copy_and_reencode(void)
{
    static const double spans[][2] = {{1.0, 3.0}, {5.3, 7.7}};
    const char *jc, *jr;
    json_t *a, *b, *res, *c;
    size_t i;
    CU_ASSERT_FATAL(ready());
    jc = create_rest(tok, "video/clips", upl_cuts,
                     "{\"clips\":[{\"start\":1.0,\"end\":3.0},{\"start\":5.3,\"end\":7.7}],"
                     "\"mode\":\"copy\"}");
    jr = create_mcp(tok, "video/clips", upl_cuts,
                    "{\"clips\":[{\"start\":1.0,\"end\":3.0},{\"start\":5.3,\"end\":7.7}],"
                    "\"mode\":\"reencode\"}");
    CU_ASSERT_PTR_NOT_NULL_FATAL(jc);
    CU_ASSERT_PTR_NOT_NULL_FATAL(jr);
    a = wait_rest(tok, jc, JOB_TIMEOUT_S);
    b = wait_mcp(tok, jr, JOB_TIMEOUT_S);
    if (succeeded(a)) {
        res = result_rest(tok, jc);
        IT_ASSERT_MSG(res && json_array_size(json_object_get(res, "clips")) == 2, "clips %s",
                      res ? it_dump(res) : "");
        json_array_foreach(json_object_get(res, "clips"), i, c)
        {
            double as = miq_json_num(c, "actual_start", -1);
            if (i >= 2)
                break;
            /* Stream copy starts at the keyframe before (GOP 50 = 2 s). */
            IT_ASSERT_MSG(as <= spans[i][0] + 0.001 && spans[i][0] - as <= 2.0 + 0.001,
                          "copy clip %d actual_start %.3f for %.3f", (int)i, as, spans[i][0]);
            CU_ASSERT_STRING_EQUAL(miq_json_str(c, "mode", ""), "copy");
            CU_ASSERT_PTR_NOT_NULL(fetch_mp4(miq_json_str(c, "url", ""),
                                             apr_psprintf(itp, "%s/copy%d.mp4", media_dir,
                                                          (int)i)));
        }
        assert_billed_once(a);
    }
    if (succeeded(b)) {
        res = result_mcp(tok, jr);
        IT_ASSERT_MSG(res && json_array_size(json_object_get(res, "clips")) == 2, "clips %s",
                      res ? it_dump(res) : "");
        json_array_foreach(json_object_get(res, "clips"), i, c)
        {
            const char *path;
            int want, got;
            if (i >= 2)
                break;
            CU_ASSERT_STRING_EQUAL(miq_json_str(c, "mode", ""), "reencode");
            path = fetch_mp4(miq_json_str(c, "url", ""),
                             apr_psprintf(itp, "%s/reenc%d.mp4", media_dir, (int)i));
            if (!path)
                continue;
            /* Frame-accurate: the span's frames, +-1. */
            want = (int)lround((spans[i][1] - spans[i][0]) * FPS);
            got = ffprobe_frames(path);
            IT_ASSERT_MSG(abs(got - want) <= 1, "reencoded clip %d: %d frames, want %d", (int)i,
                          got, want);
        }
        assert_billed_once(b);
    }
}

/* What the renderings list for a result (the rule of miq_jobs_result.c). */
static int rendered_items(const json_t *res)
{
    static const char *const lists[] = {"segments", "silences", "scenes", "cuts",
                                        "peaks",    "frames",   "clips",  "highlights"};
    int has_scenes = json_array_size(json_object_get(res, "scenes")) > 0, n = 0;
    size_t l, i;
    json_t *it;
    for (l = 0; l < sizeof(lists) / sizeof(lists[0]); l++) {
        if (has_scenes && !strcmp(lists[l], "cuts"))
            continue;
        json_array_foreach(json_object_get(res, lists[l]), i, it)
        {
            if (!strcmp(lists[l], "segments") && !json_is_string(json_object_get(it, "type")))
                continue;
            if (json_is_number(json_object_get(it, "start")) ||
                json_is_number(json_object_get(it, "time")))
                n++;
        }
    }
    return n;
}

static void test_timeline_moments(void)
{
    const char *job;
    json_t *j, *res, *seg;
    size_t i;
    int nsil = 0, nscene = 0;
    double sil[8][2];
    double scene_start[16];
    CU_ASSERT_FATAL(ready());
    job = create_mcp(tok, "timeline/moments", upl_cuts, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(job);
    j = wait_mcp(tok, job, JOB_TIMEOUT_S);
    if (!succeeded(j))
        return;
    res = result_rest(tok, job);
    CU_ASSERT_PTR_NOT_NULL_FATAL(res);
    json_array_foreach(json_object_get(res, "segments"), i, seg)
    {
        const char *type = miq_json_str(seg, "type", "");
        if (!strcmp(type, "silence") && nsil < 8) {
            sil[nsil][0] = miq_json_num(seg, "start", -1);
            sil[nsil][1] = miq_json_num(seg, "end", -1);
            nsil++;
        }
        else if (!strcmp(type, "scene") && nscene < 16)
            scene_start[nscene++] = miq_json_num(seg, "start", -1);
    }
    IT_ASSERT_MSG(nsil == 4, "%d silence segments: %s", nsil,
                  it_dump(json_object_get(res, "segments")));
    for (i = 0; i < (size_t)nsil && i < 4; i++)
        IT_ASSERT_MSG(fabs(sil[i][0] - cuts_silence_truth[i][0]) <= TOL_SIL &&
                          fabs(sil[i][1] - cuts_silence_truth[i][1]) <= TOL_SIL,
                      "moments silence %d: [%.3f, %.3f], want [%.3f, %.3f]", (int)i, sil[i][0],
                      sil[i][1], cuts_silence_truth[i][0], cuts_silence_truth[i][1]);
    IT_ASSERT_MSG(nscene == NCUTS + 1, "%d scene segments", nscene);
    for (i = 1; i < (size_t)nscene && i <= NCUTS; i++)
        IT_ASSERT_MSG(fabs(scene_start[i] - cut_frames[i - 1] / FPS) <= 1.0 / FPS + 0.001,
                      "scene %d starts at %.3f, want %.3f +-1 frame", (int)i, scene_start[i],
                      cut_frames[i - 1] / FPS);
    IT_ASSERT_MSG(json_array_size(json_object_get(res, "highlights")) >= 1, "no highlights");
    check_formats(job, rendered_items(res));
    assert_billed_once(j);
}

static void test_bad_media_fails_unbilled(void)
{
    const char *job, *args[1];
    json_t *j, *err;
    it_resp *r;
    CU_ASSERT_FATAL(ready());
    /* Audio-only media sent to video/scenes (undecodable bytes never get past the upload). */
    job = create_rest(tok, "video/scenes", upl_speech, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(job);
    j = wait_rest(tok, job, JOB_TIMEOUT_S);
    IT_ASSERT_MSG(j && !strcmp(miq_json_str(j, "status", ""), "failed"), "job: %s",
                  j ? it_dump(j) : "");
    err = json_object_get(j, "error");
    IT_ASSERT_MSG(!strcmp(miq_json_str(err, "code", ""), "unsupported_media") &&
                      *miq_json_str(err, "message", ""),
                  "error %s", it_dump(err));
    assert_not_billed(j);
    args[0] = job;
    CU_ASSERT_STRING_EQUAL(it_db_value("SELECT attempts::text FROM jobs WHERE id = $1", 1, args),
                           "1"); /* not retried */
    r = rest(tok, "GET", apr_psprintf(itp, "/v1/jobs/%s/result", job), NULL);
    IT_ASSERT_R(r->status == 409, r);
    /* Over MCP the same job says so, and the worker is still alive: the next job runs. */
    r = tool(tok, "momentiq.get_job", apr_psprintf(itp, "{\"job_id\":\"%s\"}", job));
    IT_ASSERT_R(tool_ok(r) && strstr(tool_text(r), "unsupported_media") &&
                    strstr(tool_text(r), "Not billed"),
                r);
    job = create_rest(tok, "audio/silence", upl_speech, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(job);
    CU_ASSERT(succeeded(wait_rest(tok, job, JOB_TIMEOUT_S)));
}

static void test_cancel_releases(void)
{
    const char *job, *job2, *args[1];
    json_t *j;
    it_resp *r;
    CU_ASSERT_FATAL(ready());
    /* Queued or running (a 55 s re-encode): canceled, released, never billed. */
    job = create_rest(tok, "video/clips", upl_long,
                      "{\"clips\":[{\"start\":0,\"end\":55}],\"mode\":\"reencode\"}");
    CU_ASSERT_PTR_NOT_NULL_FATAL(job);
    r = rest(tok, "POST", apr_psprintf(itp, "/v1/jobs/%s/cancel", job), "{}");
    IT_ASSERT_R(r->status == 200 && !strcmp(miq_json_str(r->json, "status", ""), "canceled"), r);
    /* Running first, then canceled over MCP. */
    job2 = create_mcp(tok, "video/clips", upl_long,
                      "{\"clips\":[{\"start\":0,\"end\":55}],\"mode\":\"reencode\"}");
    CU_ASSERT_PTR_NOT_NULL_FATAL(job2);
    args[0] = job2;
    {
        apr_time_t end = apr_time_now() + apr_time_from_sec(60);
        const char *st = NULL;
        while (apr_time_now() < end) {
            st = it_db_value("SELECT status FROM jobs WHERE id = $1", 1, args);
            if (!st || strcmp(st, "queued"))
                break;
            apr_sleep(apr_time_from_msec(50));
        }
        IT_ASSERT_MSG(st && !strcmp(st, "running"), "job2 is %s", st ? st : "(null)");
    }
    r = tool(tok, "momentiq.cancel_job", apr_psprintf(itp, "{\"job_id\":\"%s\"}", job2));
    IT_ASSERT_R(tool_ok(r) && !strcmp(miq_json_str(sc(r), "status", ""), "canceled"), r);
    /* Whatever the worker does next, they stay canceled and unbilled. */
    r = rest(tok, "GET", apr_psprintf(itp, "/v1/jobs/%s/result", job), NULL);
    IT_ASSERT_R(r->status == 409, r);
    r = rest(tok, "POST", apr_psprintf(itp, "/v1/jobs/%s/cancel", job), "{}");
    IT_ASSERT_R(r->status == 200, r); /* idempotent */
    {
        /* The worker stops the running one at its next heartbeat, or finishes and
         * finds it canceled: wait until nothing of ours runs. */
        apr_time_t end = apr_time_now() + apr_time_from_sec(90);
        const char *acc[1] = {account_id};
        while (apr_time_now() < end) {
            const char *v = it_db_value("SELECT count(*) FROM jobs WHERE account_id = $1::bigint "
                                        "AND status IN ('queued', 'running')",
                                        1, acc);
            if (v && !strcmp(v, "0"))
                break;
            apr_sleep(apr_time_from_msec(200));
        }
        /* A job that was running is done with when its worker takes another: a short
         * one after it must run (both job threads free again eventually). */
        const char *next = create_rest(tok, "audio/silence", upl_speech, NULL);
        CU_ASSERT_PTR_NOT_NULL_FATAL(next);
        CU_ASSERT(succeeded(wait_rest(tok, next, JOB_TIMEOUT_S)));
    }
    j = wait_rest(tok, job, 5);
    IT_ASSERT_MSG(j && !strcmp(miq_json_str(j, "status", ""), "canceled"), "%s",
                  j ? it_dump(j) : "");
    assert_not_billed(j);
    j = wait_rest(tok, job2, 5);
    IT_ASSERT_MSG(j && !strcmp(miq_json_str(j, "status", ""), "canceled"), "%s",
                  j ? it_dump(j) : "");
    assert_not_billed(j);
}

static void test_idempotent_create(void)
{
    const char *body1, *body2, *id, *args[2];
    it_resp *r;
    CU_ASSERT_FATAL(ready());
    body1 = apr_psprintf(itp,
                         "{\"endpoint\":\"audio/silence\",\"upload_id\":\"%s\",\"params\":"
                         "{\"min_silence_s\":0.6},\"idempotency_key\":\"e2e-idem-%s\"}",
                         upl_speech, upl_speech);
    r = rest(tok, "POST", "/v1/jobs", body1);
    IT_REQUIRE_R(r->status == 201, r);
    id = miq_json_str(r->json, "job_id", "");
    /* Same key, same request: the same job (200), not a second one. */
    r = rest(tok, "POST", "/v1/jobs", body1);
    IT_ASSERT_R(r->status == 200 && !strcmp(miq_json_str(r->json, "job_id", ""), id), r);
    /* The defaults filled in make the same request. */
    r = rest(tok, "POST", "/v1/jobs",
             apr_psprintf(itp,
                          "{\"endpoint\":\"audio/silence\",\"upload_id\":\"%s\",\"params\":"
                          "{\"min_silence_s\":0.6,\"threshold_db\":-35},\"idempotency_key\":"
                          "\"e2e-idem-%s\"}",
                          upl_speech, upl_speech));
    IT_ASSERT_R(r->status == 200 && !strcmp(miq_json_str(r->json, "job_id", ""), id), r);
    /* Over MCP too. */
    r = tool(tok, "momentiq.create_job",
             apr_psprintf(itp,
                          "{\"endpoint\":\"audio/silence\",\"upload_id\":\"%s\",\"params\":"
                          "{\"min_silence_s\":0.6},\"idempotency_key\":\"e2e-idem-%s\"}",
                          upl_speech, upl_speech));
    IT_ASSERT_R(tool_ok(r) && !strcmp(miq_json_str(sc(r), "job_id", ""), id), r);
    /* Same key, other params: conflict. */
    body2 = apr_psprintf(itp,
                         "{\"endpoint\":\"audio/silence\",\"upload_id\":\"%s\",\"params\":"
                         "{\"min_silence_s\":0.9},\"idempotency_key\":\"e2e-idem-%s\"}",
                         upl_speech, upl_speech);
    r = rest(tok, "POST", "/v1/jobs", body2);
    IT_ASSERT_R(r->status == 409 && !strcmp(err_code(r), "conflict"), r);
    r = tool(tok, "momentiq.create_job", body2);
    IT_ASSERT_R(!strcmp(tool_err(r), "conflict"), r);
    args[0] = account_id;
    args[1] = apr_psprintf(itp, "e2e-idem-%s", upl_speech);
    CU_ASSERT_STRING_EQUAL(it_db_value("SELECT count(*) FROM jobs WHERE account_id = $1::bigint "
                                       "AND idempotency_key = $2",
                                       2, args),
                           "1");
    args[0] = id;
    CU_ASSERT_STRING_EQUAL(it_db_value("SELECT count(*) FROM credit_ledger WHERE job_id = $1 AND "
                                       "kind = 'reservation'",
                                       1, args),
                           "1");
    assert_billed_once(wait_rest(tok, id, JOB_TIMEOUT_S));
}

static void test_concurrent_creates_small_balance(void)
{
    enum { N = 20 };
    it_account *a;
    const char *t, *u, *body, *acc[1];
    it_resp *r, **rs;
    it_req reqs[N];
    long est, b0, target, after;
    int i, created = 0, refused = 0, other = 0;
    const char *ids[N];
    CU_ASSERT_FATAL(media("speech.wav") != NULL);
    a = it_signup("e2epar");
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    t = it_create_token(a, "keys", "{\"name\":\"par\"}", NULL, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    u = upload(t, "speech.wav");
    CU_ASSERT_PTR_NOT_NULL_FATAL(u);
    body = apr_psprintf(itp, "{\"endpoint\":\"audio/silence\",\"upload_id\":\"%s\"}", u);
    r = rest(t, "POST", "/v1/estimate", body);
    IT_REQUIRE_R(r->status == 200 && miq_json_int(r->json, "credits", 0) > 0, r);
    est = (long)miq_json_int(r->json, "credits", 0);
    /* A balance that covers three of them, not four. */
    b0 = balance(a->account_id);
    target = 3 * est + est / 2;
    CU_ASSERT_FATAL(grant(a->account_id, target - b0));
    CU_ASSERT_EQUAL_FATAL(balance(a->account_id), target);
    for (i = 0; i < N; i++) {
        reqs[i].method = "POST";
        reqs[i].path = "/v1/jobs";
        reqs[i].headers = hdrs(it_bearer(t), "Content-Type: application/json", NULL);
        reqs[i].body = body;
    }
    rs = it_parallel(N, reqs, 30000);
    for (i = 0; i < N; i++) {
        if (rs[i]->status == 201)
            ids[created++] = miq_json_str(rs[i]->json, "job_id", "");
        else if (rs[i]->status == 402 && !strcmp(err_code(rs[i]), "insufficient_credits"))
            refused++;
        else {
            other++;
            it_show("parallel create", rs[i]);
        }
    }
    IT_ASSERT_MSG(created == 3 && refused == N - 3 && other == 0,
                  "%d created, %d insufficient_credits, %d other (estimate %ld, balance %ld)",
                  created, refused, other, est, target);
    after = balance(a->account_id);
    IT_ASSERT_MSG(after == target - created * est && after >= 0, "balance %ld after %d creates",
                  after, created);
    for (i = 0; i < created; i++)
        assert_billed_once(wait_rest(t, ids[i], JOB_TIMEOUT_S));
    /* Never negative at any point of the ledger. */
    acc[0] = a->account_id;
    {
        const char *minv = it_db_value("SELECT min(s) FROM (SELECT sum(credits) OVER (ORDER BY "
                                       "id) AS s FROM credit_ledger WHERE account_id = "
                                       "$1::bigint) x",
                                       1, acc);
        IT_ASSERT_MSG(minv && atol(minv) >= 0, "the running balance went to %s",
                      minv ? minv : "(null)");
    }
    CU_ASSERT(balance(a->account_id) >= 0);
}

/* ---- kill -9 of the worker mid-job ---------------------------------------------------- */

static long read_pid(const char *path)
{
    apr_size_t len;
    const char *s = read_bin(path, &len);
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

/* Starts a worker like build.sh does (same pid file and storage, so
 * `build.sh stop` ends it), with a 10 s lease. Its pid, or 0. */
static long start_worker(const char *var)
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
        execl(bin, bin, "--pidfile", pidfile, "--storage", storage, "--jobs", "2", "--lease",
              "10", (char *)NULL);
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
    long pid, pid2;
    json_t *j, *res;
    apr_time_t end, running_at = 0;
    double secs;
    CU_ASSERT_FATAL(ready());
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
    job = create_rest(tok, "video/clips", upl_long,
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
    CU_ASSERT_EQUAL_FATAL(kill((pid_t)pid, SIGKILL), 0);
    end = apr_time_now() + apr_time_from_sec(10);
    while (apr_time_now() < end && pid_alive(pid))
        apr_sleep(apr_time_from_msec(20));
    CU_ASSERT_FATAL(!pid_alive(pid));
    CU_ASSERT_STRING_EQUAL(it_db_value("SELECT status FROM jobs WHERE id = $1", 1, args),
                           "running");
    /* build.sh does not restart it: a replacement, as build.sh starts one, with a
     * short lease. It takes the job over when the dead worker's lease expires. */
    pid2 = start_worker(var);
    IT_ASSERT_MSG(pid2 > 0, "could not start a worker from %s", build_dir());
    if (!pid2)
        return;
    fprintf(stderr, "\n    (killed worker %ld, started worker %ld)", pid, pid2);
    j = wait_rest(tok, job, 180);
    secs = (double)(apr_time_now() - running_at) / APR_USEC_PER_SEC;
    fprintf(stderr, "\n    (kill -9 job done %.1f s after it started)", secs);
    if (!succeeded(j))
        return;
    /* Once: a second attempt on the new worker, one result, billed once. (A third
     * attempt means a live worker's lease lapsed while it still worked on the job,
     * and the job ran twice at the same time.) */
    IT_ASSERT_MSG(miq_json_int(j, "attempts", 0) == 2,
                  "attempts %d, want 2 (the killed one and the replacement's): the job was "
                  "claimed again while a live worker was running it",
                  (int)miq_json_int(j, "attempts", 0));
    worker_id = it_db_value("SELECT worker_id FROM jobs WHERE id = $1", 1, args);
    IT_ASSERT_MSG(worker_id && strrchr(worker_id, ':') &&
                      atol(strrchr(worker_id, ':') + 1) == pid2,
                  "finished by %s", worker_id ? worker_id : "(null)");
    assert_billed_once(j);
    CU_ASSERT_STRING_EQUAL(it_db_value("SELECT count(*) FROM credit_ledger WHERE job_id = $1 AND "
                                       "kind = 'settlement'",
                                       1, args),
                           "1");
    res = result_rest(tok, job);
    if (res) {
        json_t *c = json_array_get(json_object_get(res, "clips"), 0);
        const char *path = fetch_mp4(miq_json_str(c, "url", ""),
                                     apr_pstrcat(itp, media_dir, "/killed.mp4", NULL));
        if (path) {
            int got = ffprobe_frames(path);
            IT_ASSERT_MSG(abs(got - 55 * 25) <= 1, "re-encoded %d frames, want 1375", got);
        }
    }
    /* The replacement keeps serving (later suites need a worker). */
    CU_ASSERT(pid_alive(pid2));
    job = create_rest(tok, "audio/silence", upl_speech, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(job);
    CU_ASSERT(succeeded(wait_rest(tok, job, JOB_TIMEOUT_S)));
}

/* ---- the ledger of every account ------------------------------------------------------- */

static void test_ledger_check_all_accounts(void)
{
    it_rows *r = it_db_query("SELECT account_id, balance, granted, charged, reserved FROM "
                             "admin_ledger_check WHERE balance <> granted - charged - reserved "
                             "OR balance < 0",
                             0, NULL);
    int i;
    IT_ASSERT_MSG(!r->error, "%s", r->error ? r->error : "");
    IT_ASSERT_MSG(r->n == 0, "%d accounts whose ledger does not add up", r->n);
    for (i = 0; i < r->n && i < 10; i++)
        fprintf(stderr, "\n  account %s: balance %s, granted %s, charged %s, reserved %s",
                IT_CELL(r, i, 0), IT_CELL(r, i, 1), IT_CELL(r, i, 2), IT_CELL(r, i, 3),
                IT_CELL(r, i, 4));
    /* Every finished job has its ledger: failed and canceled ones released,
     * succeeded ones settled once. */
    r = it_db_query("SELECT j.id, j.status FROM jobs j WHERE j.estimated_credits > 0 AND "
                    "j.status IN ('succeeded', 'failed', 'canceled') AND ("
                    "(SELECT count(*) FROM credit_ledger l WHERE l.job_id = j.id AND l.kind = "
                    "'release') <> 1 OR (SELECT count(*) FROM credit_ledger l WHERE l.job_id = "
                    "j.id AND l.kind = 'settlement') <> CASE WHEN j.status = 'succeeded' AND "
                    "j.charged_credits > 0 THEN 1 ELSE 0 END)",
                    0, NULL);
    IT_ASSERT_MSG(!r->error && r->n == 0, "%d finished jobs with a wrong ledger (first: %s %s)",
                  r->n, r->n ? IT_CELL(r, 0, 0) : "", r->n ? IT_CELL(r, 0, 1) : "");
    /* The running totals (sql/007) equal the ledger for every account and token. */
    r = it_db_query("SELECT account_id, balance_credits, ledger_balance, spend_this_period, "
                    "ledger_spend_this_period FROM admin_credit_totals_check WHERE balance_credits "
                    "<> ledger_balance OR spend_this_period <> ledger_spend_this_period",
                    0, NULL);
    IT_ASSERT_MSG(!r->error && r->n == 0, "%d accounts whose totals differ from the ledger "
                                          "(first: %s: %s vs %s, spend %s vs %s)",
                  r->n, r->n ? IT_CELL(r, 0, 0) : "", r->n ? IT_CELL(r, 0, 1) : "",
                  r->n ? IT_CELL(r, 0, 2) : "", r->n ? IT_CELL(r, 0, 3) : "",
                  r->n ? IT_CELL(r, 0, 4) : "");
    r = it_db_query("SELECT t.token_id FROM token_spend t WHERE t.period = miq_period() AND "
                    "t.credits <> (SELECT -coalesce(sum(l.credits), 0) FROM credit_ledger l JOIN "
                    "jobs j ON j.id = l.job_id WHERE j.token_id = t.token_id AND l.kind IN "
                    "('reservation', 'release', 'settlement') AND l.created_at >= "
                    "miq_period_start())",
                    0, NULL);
    IT_ASSERT_MSG(!r->error && r->n == 0, "%d tokens whose spend differs from the ledger",
                  r->n);
    r = it_db_query("SELECT count(*) FROM token_spend", 0, NULL);
    IT_ASSERT_MSG(!r->error && r->n == 1 && atoi(IT_CELL(r, 0, 0)) > 0,
                  "no token spend recorded at all");
    /* and the ledger cannot be rewritten */
    r = it_db_query("UPDATE credit_ledger SET credits = credits + 1 WHERE id = (SELECT min(id) "
                    "FROM credit_ledger)",
                    0, NULL);
    IT_ASSERT_MSG(r->error && strstr(r->error, "append-only"), "a ledger row was changed: %s",
                  r->error ? r->error : "no error");
}

IT_SUITE("jobs_e2e", IT_TEST(test_create_upload_tool), IT_TEST(test_audio_silence_rest_and_mcp),
         IT_TEST(test_audio_energy), IT_TEST(test_video_scenes_mcp), IT_TEST(test_result_formats),
         IT_TEST(test_video_frames_signed_urls_and_refresh),
         IT_TEST(test_video_clips_copy_and_reencode), IT_TEST(test_timeline_moments),
         IT_TEST(test_bad_media_fails_unbilled), IT_TEST(test_cancel_releases),
         IT_TEST(test_idempotent_create), IT_TEST(test_concurrent_creates_small_balance),
         IT_TEST(test_worker_kill9_job_completes_once), IT_TEST(test_ledger_check_all_accounts))
