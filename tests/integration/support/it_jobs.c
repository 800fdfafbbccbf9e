/* Helpers of the jobs end-to-end suites: see it_jobs.h. */
#include <math.h>
#include <stdlib.h>
#include <apr_strings.h>
#include <apr_file_io.h>
#include <apr_file_info.h>
#include "base/miq_json.h"
#include "support/it_jobs.h"

/* Speech-like audio (see it_jobs.h). */
#define CHORD  "0.1*(sin(2*PI*220*t)+sin(2*PI*330*t)+sin(2*PI*440*t))*(0.75+0.25*sin(2*PI*4*t))"
#define GATE12 "(between(t,0.7,2.5)+between(t,2.8,4.5)+between(t,5.3,7.5)+between(t,9,11))"
#define GATE20                                                                                     \
    "(between(t,0.7,2.5)+between(t,2.8,4.5)+between(t,5.3,7.5)+between(t,9,11)+"                   \
    "between(t,12,20))"

const double jt_speech_truth[4][2] = {{0, 0.7}, {4.5, 5.3}, {7.5, 9.0}, {11.0, 12.0}};
const double jt_cuts_silence_truth[4][2] = {{0, 0.7}, {4.5, 5.3}, {7.5, 9.0}, {11.0, 12.0}};
const int jt_cut_frames[] = {75, 130, 180, 290, 350, 425};

char *jt_media_dir, *jt_tok, *jt_account_id, *jt_upl_speech, *jt_upl_cuts, *jt_upl_long;
static int media_failed;

/* ---- media ---------------------------------------------------------------------- */

const char *jt_media(const char *name)
{
    if (!jt_media_dir && !media_failed) {
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
        const char *dir = it_tmpdir("e2e"), *graph = "", *inputs = "", *cmd;
        int i;
        double t0 = (double)apr_time_now() / APR_USEC_PER_SEC;
        if (!dir) {
            media_failed = 1;
            return NULL;
        }
        for (i = 0; i < 7; i++) {
            graph = apr_psprintf(itp,
                                 "%s%s,trim=end_frame=%d,setpts=PTS-STARTPTS,format=yuv420p,"
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
            dir, graph);
        if (system(cmd) != 0) {
            fprintf(stderr, "\n  ffmpeg could not generate the test media\n");
            media_failed = 1;
            return NULL;
        }
        fprintf(stderr, "\n    (media generated in %.1f s)",
                (double)apr_time_now() / APR_USEC_PER_SEC - t0);
        jt_media_dir = strdup(dir);
    }
    return jt_media_dir ? apr_pstrcat(itp, jt_media_dir, "/", name, NULL) : NULL;
}

const char *jt_read_bin(const char *path, apr_size_t *len)
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

int jt_write_bin(const char *path, const char *data, apr_size_t len)
{
    apr_file_t *f;
    apr_size_t n = len;
    if (apr_file_open(&f, path,
                      APR_FOPEN_WRITE | APR_FOPEN_CREATE | APR_FOPEN_TRUNCATE | APR_FOPEN_BINARY,
                      APR_FPROT_OS_DEFAULT, itp))
        return -1;
    apr_file_write_full(f, data, len, &n);
    apr_file_close(f);
    return n == len ? 0 : -1;
}

/* Video frames of a file, counted by ffprobe (-1 on failure). */
int jt_ffprobe_frames(const char *path)
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

/* GET url into a file; its bytes (NULL unless 200 and an MP4). */
const char *jt_fetch_mp4(const char *url, const char *save_as)
{
    it_resp *r = it_request("GET", url, NULL, NULL, 0);
    IT_ASSERT_R(r->status == 200 && r->len > 1000 && !memcmp(r->body + 4, "ftyp", 4), r);
    if (r->status != 200 || r->len <= 1000)
        return NULL;
    if (jt_write_bin(save_as, r->body, r->len))
        return NULL;
    return save_as;
}

/* ---- HTTP ------------------------------------------------------------------------ */

const char *const *jt_hdrs(const char *a, const char *b, const char *c)
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

it_resp *jt_rest(const char *token, const char *method, const char *path, const char *json)
{
    return it_request(method, path,
                      jt_hdrs(it_bearer(token), json ? "Content-Type: application/json" : NULL,
                              NULL),
                      json, json ? strlen(json) : 0);
}

const char *jt_err_code(const it_resp *r)
{
    json_t *e = r && r->json ? json_object_get(r->json, "error") : NULL;
    return miq_json_str(e, "code", "");
}

/* tools/call in the 2026 era with a bearer token. */
it_resp *jt_tool(const char *token, const char *name, const char *args_json)
{
    json_t *p = mcp_2026_params(
        it_jsonf("{\"name\":%s,\"arguments\":%s}", it_quote(name), args_json ? args_json : "{}"));
    return it_post(mcp_2026_headers("tools/call", p,
                                    jt_hdrs(token ? it_bearer(token) : NULL, NULL, NULL)),
                   it_rpc_body("tools/call", p, -1));
}

json_t *jt_sc(const it_resp *r)
{
    return json_object_get(it_result(r), "structuredContent");
}

int jt_tool_ok(const it_resp *r)
{
    json_t *res = it_result(r);
    return res && !json_is_true(json_object_get(res, "isError")) && json_is_object(jt_sc(r));
}

const char *jt_tool_err(const it_resp *r)
{
    json_t *res = it_result(r);
    if (!res || !json_is_true(json_object_get(res, "isError")))
        return "";
    return miq_json_str(json_object_get(jt_sc(r), "error"), "code", "");
}

const char *jt_tool_text(const it_resp *r)
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
json_t *jt_wait_rest(const char *token, const char *job, int timeout_s)
{
    apr_time_t end = apr_time_now() + apr_time_from_sec(timeout_s);
    json_t *last = NULL;
    do {
        it_resp *r = jt_rest(token, "GET", apr_psprintf(itp, "/v1/jobs/%s?wait_s=%d", job, WAIT_S),
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
json_t *jt_wait_mcp(const char *token, const char *job, int timeout_s)
{
    apr_time_t end = apr_time_now() + apr_time_from_sec(timeout_s);
    json_t *last = NULL;
    do {
        it_resp *r = jt_tool(token, "momentiq.get_job",
                             apr_psprintf(itp, "{\"job_id\":\"%s\",\"wait_s\":%d}", job, WAIT_S));
        if (!jt_tool_ok(r)) {
            it_show("momentiq.get_job", r);
            return last;
        }
        last = jt_sc(r);
        if (terminal(miq_json_str(last, "status", NULL)))
            return last;
    } while (apr_time_now() < end);
    return last;
}

/* POST /v1/jobs; the job id or NULL (response shown). */
const char *jt_create_rest(const char *token, const char *endpoint, const char *upload,
                           const char *params_json)
{
    it_resp *r = jt_rest(token, "POST", "/v1/jobs",
                         apr_psprintf(itp,
                                      "{\"endpoint\":\"%s\",\"upload_id\":\"%s\",\"params\":%s}",
                                      endpoint, upload, params_json ? params_json : "{}"));
    IT_ASSERT_R(r->status == 201, r);
    if (r->status != 201)
        return NULL;
    IT_ASSERT_R(!strcmp(miq_json_str(r->json, "status", ""), "queued") ||
                    !strcmp(miq_json_str(r->json, "status", ""), "running"),
                r);
    return miq_json_str(r->json, "job_id", NULL);
}

const char *jt_create_mcp(const char *token, const char *endpoint, const char *upload,
                          const char *params_json)
{
    apr_time_t t0 = apr_time_now();
    it_resp *r = jt_tool(token, "momentiq.create_job",
                         apr_psprintf(itp,
                                      "{\"endpoint\":\"%s\",\"upload_id\":\"%s\",\"params\":%s}",
                                      endpoint, upload, params_json ? params_json : "{}"));
    IT_ASSERT_R(jt_tool_ok(r), r);
    if (!jt_tool_ok(r))
        return NULL;
    /* A job id within a second (the polling fallback). */
    IT_ASSERT_MSG(apr_time_now() - t0 < apr_time_from_sec(1), "create_job took %.2f s",
                  (double)(apr_time_now() - t0) / APR_USEC_PER_SEC);
    return miq_json_str(jt_sc(r), "job_id", NULL);
}

/* The succeeded result over REST (format json). */
json_t *jt_result_rest(const char *token, const char *job)
{
    it_resp *r = jt_rest(token, "GET", apr_psprintf(itp, "/v1/jobs/%s/result", job), NULL);
    IT_ASSERT_R(r->status == 200 && json_is_object(r->json), r);
    return r->status == 200 ? r->json : NULL;
}

json_t *jt_result_mcp(const char *token, const char *job)
{
    it_resp *r = jt_tool(token, "momentiq.get_job_result",
                         apr_psprintf(itp, "{\"job_id\":\"%s\"}", job));
    IT_ASSERT_R(jt_tool_ok(r), r);
    return jt_tool_ok(r) ? jt_sc(r) : NULL;
}

int jt_succeeded(const json_t *job)
{
    int ok = job && !strcmp(miq_json_str(job, "status", ""), "succeeded");
    IT_ASSERT_MSG(ok, "job not succeeded: %s", job ? it_dump(job) : "(none)");
    return ok;
}

/* ---- credits ------------------------------------------------------------------- */

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
void jt_assert_billed_once(const json_t *job)
{
    const char *id = miq_json_str(job, "job_id", "");
    long est = (long)miq_json_int(job, "estimated_credits", -1);
    long charged = (long)miq_json_int(job, "charged_credits", -1);
    ledger l = ledger_of(id);
    IT_ASSERT_MSG(l.reservations == (est > 0) && l.releases == (est > 0) && l.reserved == est &&
                      l.released == est && l.settlements == (charged > 0) && l.settled == charged &&
                      l.others == 0,
                  "job %s (estimate %ld, charged %ld): %d reservations (%ld), %d releases (%ld), "
                  "%d settlements (%ld), %d others",
                  id, est, charged, l.reservations, l.reserved, l.releases, l.released,
                  l.settlements, l.settled, l.others);
    IT_ASSERT_MSG(charged >= 0 && charged <= est, "charged %ld of estimate %ld", charged, est);
}

/* Not billed: the reservation released, no settlement. */
void jt_assert_not_billed(const json_t *job)
{
    const char *id = miq_json_str(job, "job_id", "");
    long est = (long)miq_json_int(job, "estimated_credits", -1);
    ledger l = ledger_of(id);
    IT_ASSERT_MSG(json_is_null(json_object_get(job, "charged_credits")), "charged_credits: %s",
                  it_dump(json_object_get(job, "charged_credits")));
    IT_ASSERT_MSG(l.reservations == (est > 0) && l.releases == (est > 0) && l.reserved == est &&
                      l.released == est && l.settlements == 0 && l.others == 0,
                  "job %s (estimate %ld): %d reservations (%ld), %d releases (%ld), "
                  "%d settlements",
                  id, est, l.reservations, l.reserved, l.releases, l.released, l.settlements);
}

long jt_balance(const char *account)
{
    const char *args[1] = {account};
    const char *v = it_db_value("SELECT miq_balance($1::bigint)", 1, args);
    return v ? atol(v) : -999999;
}

/* A ledger adjustment (a 'grant' row; negative lowers the balance). */
int jt_grant(const char *account, long credits)
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
const char *jt_key(void)
{
    if (!jt_tok) {
        it_account *a = it_signup("e2e");
        const char *t = a ? it_create_token(a, "keys", "{\"name\":\"e2e\"}", NULL, NULL) : NULL;
        if (!t)
            return NULL;
        if (!jt_grant(a->account_id, GRANT))
            return NULL;
        jt_tok = strdup(t);
        jt_account_id = strdup(a->account_id);
    }
    return jt_tok;
}

const char *jt_upload(const char *token, const char *file)
{
    apr_size_t len;
    const char *body = jt_read_bin(jt_media(file), &len);
    it_resp *r;
    if (!body)
        return NULL;
    r = it_request("POST", apr_pstrcat(itp, "/v1/uploads?filename=", file, NULL),
                   jt_hdrs(it_bearer(token), "Content-Type: application/octet-stream", NULL), body,
                   len);
    IT_ASSERT_R(r->status == 201, r);
    return r->status == 201 ? miq_json_str(r->json, "upload_id", NULL) : NULL;
}

/* Key plus the three uploads, or FALSE. */
int jt_ready(void)
{
    const char *u;
    if (!jt_key() || !jt_media("speech.wav"))
        return 0;
    if (!jt_upl_speech && (u = jt_upload(jt_tok, "speech.wav")))
        jt_upl_speech = strdup(u);
    if (!jt_upl_cuts && (u = jt_upload(jt_tok, "cuts.mp4")))
        jt_upl_cuts = strdup(u);
    if (!jt_upl_long && (u = jt_upload(jt_tok, "long720.mp4")))
        jt_upl_long = strdup(u);
    return jt_upl_speech && jt_upl_cuts && jt_upl_long;
}
