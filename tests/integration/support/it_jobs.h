/* Helpers of the jobs end-to-end suites (cases/test_jobs_*.c), against the
 * real stack and the real worker (build.sh starts it with --jobs 2): one
 * account with credits and its API key, media generated with the ffmpeg CLI
 * with known ground truth and uploaded once per run, jobs created and awaited
 * over REST and MCP 2026, and the ledger checks every job ends with.
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
#ifndef MIQ_IT_JOBS_H
#define MIQ_IT_JOBS_H

#include "itest.h"

#define FPS           25.0
#define TOL_SIL       0.05 /* silence boundaries, seconds */
#define JOB_TIMEOUT_S 120  /* a job of these suites, queue included */
#define WAIT_S        20   /* per get_job call: under the runner's 30 s HTTP timeout */
#define GRANT         1000000

/* Ground truth of the media (see above). */
extern const double jt_speech_truth[4][2];       /* pauses of speech.wav */
extern const double jt_cuts_silence_truth[4][2]; /* pauses of cuts.mp4's audio */
extern const int jt_cut_frames[];                /* the hard cuts of cuts.mp4 */
#define NCUTS       6
#define CUTS_FRAMES 490

/* State shared by the suites (malloc'd: it outlives each test's pool), set by
 * jt_key() and jt_ready(). */
extern char *jt_media_dir, *jt_tok, *jt_account_id, *jt_upl_speech, *jt_upl_cuts, *jt_upl_long;

/* ---- media ---------------------------------------------------------------------- */

/* The path of a generated file (the media are made on first use), or NULL. */
const char *jt_media(const char *name);

/* A whole file in itp and its length (NULL if unreadable). */
const char *jt_read_bin(const char *path, apr_size_t *len);

/* Writes len bytes to path (replacing it); 0 on success. */
int jt_write_bin(const char *path, const char *data, apr_size_t len);

/* Video frames of a file, counted by ffprobe (-1 on failure). */
int jt_ffprobe_frames(const char *path);

/* GET url into a file; its bytes (NULL unless 200 and an MP4). */
const char *jt_fetch_mp4(const char *url, const char *save_as);

/* ---- HTTP ---------------------------------------------------------------------- */

/* Up to three header lines (NULL ones skipped), NULL-terminated. */
const char *const *jt_hdrs(const char *a, const char *b, const char *c);

/* A REST request with the bearer token and, with a body, Content-Type JSON. */
it_resp *jt_rest(const char *token, const char *method, const char *path, const char *json);

/* error.code of a REST error body, or "". */
const char *jt_err_code(const it_resp *r);

/* tools/call in the 2026 era with a bearer token. */
it_resp *jt_tool(const char *token, const char *name, const char *args_json);

/* A tool result's structuredContent; whether the call succeeded with one; the
 * error.code of a tool error ("" otherwise); the first text content. */
json_t *jt_sc(const it_resp *r);
int jt_tool_ok(const it_resp *r);
const char *jt_tool_err(const it_resp *r);
const char *jt_tool_text(const it_resp *r);

/* Polls GET /v1/jobs/{id}?wait_s= until the job is final; its view, or the
 * last one seen (NULL if none). */
json_t *jt_wait_rest(const char *token, const char *job, int timeout_s);

/* The same over MCP: momentiq.get_job with wait_s. */
json_t *jt_wait_mcp(const char *token, const char *job, int timeout_s);

/* POST /v1/jobs; the job id or NULL (response shown). */
const char *jt_create_rest(const char *token, const char *endpoint, const char *upload,
                           const char *params_json);

/* The same over MCP (momentiq.create_job), which answers within a second. */
const char *jt_create_mcp(const char *token, const char *endpoint, const char *upload,
                          const char *params_json);

/* The succeeded result over REST (format json). */
json_t *jt_result_rest(const char *token, const char *job);

/* The same over MCP (momentiq.get_job_result). */
json_t *jt_result_mcp(const char *token, const char *job);

/* Asserts that the job view says succeeded (shown otherwise). */
int jt_succeeded(const json_t *job);

/* ---- credits ------------------------------------------------------------------- */

/* Billed once: reserved the estimate, released it, settled the charge. */
void jt_assert_billed_once(const json_t *job);

/* Not billed: the reservation released, no settlement. */
void jt_assert_not_billed(const json_t *job);

/* The account's balance from the ledger (miq_balance). */
long jt_balance(const char *account);

/* A ledger adjustment (a 'grant' row; negative lowers the balance). */
int jt_grant(const char *account, long credits);

/* The account and its API key, with credits (once per run). */
const char *jt_key(void);

/* POST /v1/uploads of a generated file; its upload id or NULL. */
const char *jt_upload(const char *token, const char *file);

/* Key plus the three uploads, or FALSE. */
int jt_ready(void);

#endif
