/* Uploads (issue 5): raw POST with probe, GET, DELETE with derived outputs,
 * size cap (413), not media (415) leaving nothing on disk, signed upload
 * URLs (PUT without an API key), source_url imports from a local HTTP server
 * (the test stack sets MomentIQImportAllowPrivate On, MomentIQMaxUploadSize
 * 20M), and signed /files/ URLs. Media is generated with the ffmpeg CLI. */
#include <math.h>
#include <stdlib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <apr_strings.h>
#include <apr_file_io.h>
#include <apr_file_info.h>
#include "itest.h"
#include "endpoints/miq_endpoints.h"
#include "jobs/miq_jobs.h"
#include "base/miq_json.h"
#include "mcp/miq_schema.h"
#include "base/miq_server.h"
#include "jobs/miq_file_urls.h"

/* Suite state (malloc'd: it outlives each test's pool). */
static char *media_dir, *var_dir, *token, *account_id, *token2;

/* $VAR from MIQ_TEST_ERROR_LOG=$VAR/httpd/logs/error_log. */
static const char *stack_var(void)
{
    const char *suffix = "/httpd/logs/error_log";
    size_t n, m = strlen(suffix);
    if (var_dir)
        return var_dir;
    if (!itenv.error_log || (n = strlen(itenv.error_log)) <= m ||
        strcmp(itenv.error_log + n - m, suffix))
        return NULL;
    var_dir = strndup(itenv.error_log, n - m);
    return var_dir;
}

static const char *storage(const char *rel)
{
    const char *v = stack_var();
    return v ? apr_pstrcat(itp, v, "/storage/", rel, NULL) : NULL;
}

static const char *media(const char *name)
{
    if (!media_dir) {
        const char *dir = it_tmpdir("media"), *cmd;
        if (!dir)
            return NULL;
        cmd = apr_psprintf(itp,
                           "cd %s && ffmpeg -nostdin -loglevel error -y -f lavfi -i "
                           "'sine=frequency=440:duration=3' -ar 48000 -ac 1 tone.wav && "
                           "ffmpeg -nostdin -loglevel error -y -f lavfi -i "
                           "'testsrc=duration=2:size=320x240:rate=25' -pix_fmt yuv420p "
                           "-c:v libx264 -preset ultrafast clip.mp4 && "
                           "printf 'just some text, not media\\n' > notes.txt",
                           dir);
        if (system(cmd) != 0) {
            fprintf(stderr, "\n  ffmpeg could not generate the test media\n");
            return NULL;
        }
        media_dir = strdup(dir);
    }
    return apr_pstrcat(itp, media_dir, "/", name, NULL);
}

static const char *read_bin(const char *path, apr_size_t *len)
{
    apr_file_t *f;
    apr_finfo_t fi;
    char *buf;
    *len = 0;
    if (!path || apr_file_open(&f, path, APR_FOPEN_READ | APR_FOPEN_BINARY, 0, itp) ||
        apr_file_info_get(&fi, APR_FINFO_SIZE, f)) {
        return NULL;
    }
    buf = apr_palloc(itp, (apr_size_t)fi.size + 1);
    apr_file_read_full(f, buf, (apr_size_t)fi.size, len);
    apr_file_close(f);
    return buf;
}

static int exists(const char *path)
{
    apr_finfo_t fi;
    return path && apr_stat(&fi, path, APR_FINFO_TYPE, itp) == APR_SUCCESS;
}

/* Entries of storage/uploads, and how many end in .part. */
static int count_uploads_dir(int *parts)
{
    apr_dir_t *d;
    apr_finfo_t fi;
    int n = 0;
    *parts = 0;
    if (apr_dir_open(&d, storage("uploads"), itp) != APR_SUCCESS)
        return 0;
    while (apr_dir_read(&fi, APR_FINFO_NAME, d) == APR_SUCCESS) {
        size_t l = strlen(fi.name);
        if (fi.name[0] == '.')
            continue;
        n++;
        if (l > 5 && !strcmp(fi.name + l - 5, ".part"))
            (*parts)++;
    }
    apr_dir_close(d);
    return n;
}

/* An account with an API key (created once per run). */
static const char *key(void)
{
    if (!token) {
        it_account *a = it_signup("upl");
        const char *t = a ? it_create_token(a, "keys", "{\"name\":\"uploads\"}", NULL, NULL) : NULL;
        if (!t)
            return NULL;
        token = strdup(t);
        account_id = strdup(a->account_id);
    }
    return token;
}

static const char *other_key(void)
{
    if (!token2) {
        it_account *a = it_signup("upl2");
        const char *t = a ? it_create_token(a, "keys", "{\"name\":\"other\"}", NULL, NULL) : NULL;
        if (!t)
            return NULL;
        token2 = strdup(t);
    }
    return token2;
}

static const char *const *auth(const char *tok, const char *extra)
{
    const char **h = apr_pcalloc(itp, 3 * sizeof(*h));
    h[0] = it_bearer(tok);
    h[1] = extra;
    return h;
}

static it_resp *upload_file(const char *tok, const char *file, const char *filename)
{
    apr_size_t len;
    const char *body = read_bin(media(file), &len);
    if (!body)
        return NULL;
    return it_request("POST",
                      apr_pstrcat(itp, "/v1/uploads?filename=", filename ? filename : file, NULL),
                      auth(tok, "Content-Type: application/octet-stream"), body, len);
}

static const char *err_code(const it_resp *r)
{
    json_t *e = r && r->json ? json_object_get(r->json, "error") : NULL;
    return miq_json_str(e, "code", "");
}

static void check_schema(const it_resp *r)
{
    json_t *schema = it_json(miq_endpoints_upload_schema);
    const char *why = schema && r->json ? miq_schema_validate(itp, schema, r->json) : "no JSON";
    IT_ASSERT_MSG(!why, "upload JSON does not validate: %s", why ? why : "");
}

static json_t *stream_of(const it_resp *r, const char *type)
{
    json_t *s;
    size_t i;
    json_array_foreach(json_object_get(r->json, "streams"), i, s)
    {
        if (!strcmp(miq_json_str(s, "type", ""), type))
            return s;
    }
    return NULL;
}

static void test_upload_requires_a_key(void)
{
    it_resp *r = it_request("POST", "/v1/uploads?filename=a.wav", NULL, "RIFF", 4);
    IT_ASSERT_R(r->status == 401, r);
}

static void test_upload_wav_and_mp4_are_probed(void)
{
    const char *tok = key(), *id;
    it_resp *r, *g;
    json_t *s;
    CU_ASSERT_PTR_NOT_NULL_FATAL(tok);
    CU_ASSERT_PTR_NOT_NULL_FATAL(media("tone.wav"));
    r = upload_file(tok, "tone.wav", "tone.wav");
    IT_REQUIRE_R(r && r->status == 201, r);
    check_schema(r);
    id = miq_json_str(r->json, "upload_id", "");
    CU_ASSERT(!strncmp(id, "upl_", 4));
    CU_ASSERT_STRING_EQUAL(miq_json_str(r->json, "filename", ""), "tone.wav");
    IT_ASSERT_R(fabs(miq_json_num(r->json, "duration_s", 0) - 3.0) < 0.05, r);
    CU_ASSERT_STRING_EQUAL(miq_json_str(r->json, "format", ""), "wav");
    CU_ASSERT(miq_json_bool(r->json, "has_audio", 0));
    CU_ASSERT(!miq_json_bool(r->json, "has_video", 1));
    s = stream_of(r, "audio");
    IT_ASSERT_R(s && miq_json_int(s, "sample_rate", 0) == 48000 &&
                    miq_json_int(s, "channels", 0) == 1 &&
                    !strcmp(miq_json_str(s, "codec", ""), "pcm_s16le"),
                r);
    CU_ASSERT(miq_json_int(r->json, "bytes", 0) > 280000);
    CU_ASSERT(json_is_string(json_object_get(r->json, "expires_at")));
    CU_ASSERT(exists(storage(apr_pstrcat(itp, "uploads/", id, ".wav", NULL))));

    /* GET returns the same upload. */
    g = it_request("GET", apr_pstrcat(itp, "/v1/uploads/", id, NULL), auth(tok, NULL), NULL, 0);
    IT_ASSERT_R(g->status == 200 && !strcmp(miq_json_str(g->json, "upload_id", ""), id), g);
    check_schema(g);

    r = upload_file(tok, "clip.mp4", "../../etc/my%0Aclip.mp4");
    IT_REQUIRE_R(r && r->status == 201, r);
    check_schema(r);
    id = miq_json_str(r->json, "upload_id", "");
    /* The name is metadata only: last component, control characters gone. */
    CU_ASSERT_STRING_EQUAL(miq_json_str(r->json, "filename", ""), "myclip.mp4");
    IT_ASSERT_R(fabs(miq_json_num(r->json, "duration_s", 0) - 2.0) < 0.05, r);
    CU_ASSERT(miq_json_bool(r->json, "has_video", 0));
    s = stream_of(r, "video");
    IT_ASSERT_R(s && miq_json_int(s, "width", 0) == 320 && miq_json_int(s, "height", 0) == 240 &&
                    fabs(miq_json_num(s, "fps", 0) - 25.0) < 0.01 &&
                    !strcmp(miq_json_str(s, "codec", ""), "h264"),
                r);
    CU_ASSERT(exists(storage(apr_pstrcat(itp, "uploads/", id, ".mp4", NULL))));
}

static void test_upload_of_another_account_is_not_found(void)
{
    const char *tok = key(), *tok2 = other_key(), *id, *path;
    it_resp *r;
    CU_ASSERT_PTR_NOT_NULL_FATAL(tok);
    CU_ASSERT_PTR_NOT_NULL_FATAL(tok2);
    r = upload_file(tok, "tone.wav", "mine.wav");
    IT_REQUIRE_R(r && r->status == 201, r);
    id = miq_json_str(r->json, "upload_id", "");
    path = apr_pstrcat(itp, "/v1/uploads/", id, NULL);
    r = it_request("GET", path, auth(tok2, NULL), NULL, 0);
    IT_ASSERT_R(r->status == 404 && !strcmp(err_code(r), "not_found"), r);
    r = it_request("DELETE", path, auth(tok2, NULL), NULL, 0);
    IT_ASSERT_R(r->status == 404, r);
    CU_ASSERT(exists(storage(apr_pstrcat(itp, "uploads/", id, ".wav", NULL))));
    r = it_request("GET", "/v1/uploads/upl_0000000000000000", auth(tok, NULL), NULL, 0);
    IT_ASSERT_R(r->status == 404, r);
    r = it_request("GET", "/v1/uploads/..%2f..%2fsecret", auth(tok, NULL), NULL, 0);
    IT_ASSERT_R(r->status == 404, r);
}

static void test_delete_removes_file_and_derived_outputs(void)
{
    const char *tok = key(), *id, *job, *dir, *params[3];
    it_resp *r;
    it_rows *rows;
    CU_ASSERT_PTR_NOT_NULL_FATAL(tok);
    r = upload_file(tok, "clip.mp4", "del.mp4");
    IT_REQUIRE_R(r && r->status == 201, r);
    id = miq_json_str(r->json, "upload_id", "");
    /* A job derived from the upload, with an output directory. */
    job = apr_psprintf(itp, "job_itestdel%08x", (unsigned)(apr_time_now() & 0xffffffff));
    params[0] = job;
    params[1] = account_id;
    params[2] = id;
    rows = it_db_query("INSERT INTO jobs (id, account_id, endpoint, upload_id, params, "
                       "request_hash, estimated_credits, status, finished_at) VALUES ($1, "
                       "$2::bigint, 'video/frames', $3, '{}', 'itest', 0, 'succeeded', now())",
                       3, params);
    IT_ASSERT_MSG(!rows->error, "%s", rows->error ? rows->error : "");
    dir = storage(apr_pstrcat(itp, "outputs/", job, NULL));
    CU_ASSERT_EQUAL_FATAL(apr_dir_make_recursive(dir, APR_FPROT_OS_DEFAULT, itp), APR_SUCCESS);
    {
        apr_file_t *f;
        apr_file_open(&f, apr_pstrcat(itp, dir, "/frame-1.jpg", NULL),
                      APR_FOPEN_WRITE | APR_FOPEN_CREATE, APR_FPROT_OS_DEFAULT, itp);
        apr_file_close(f);
    }
    r = it_request("DELETE", apr_pstrcat(itp, "/v1/uploads/", id, NULL), auth(tok, NULL), NULL, 0);
    IT_ASSERT_R(r->status == 200 && miq_json_bool(r->json, "deleted", 0), r);
    CU_ASSERT(!exists(storage(apr_pstrcat(itp, "uploads/", id, ".mp4", NULL))));
    CU_ASSERT(!exists(dir));
    r = it_request("GET", apr_pstrcat(itp, "/v1/uploads/", id, NULL), auth(tok, NULL), NULL, 0);
    IT_ASSERT_R(r->status == 404, r);
    r = it_request("DELETE", apr_pstrcat(itp, "/v1/uploads/", id, NULL), auth(tok, NULL), NULL, 0);
    IT_ASSERT_R(r->status == 404, r);
    params[0] = id;
    CU_ASSERT_STRING_EQUAL(it_db_value("SELECT status FROM uploads WHERE id = $1", 1, params),
                           "deleted");
}

static void test_oversize_upload_is_refused(void)
{
    const char *tok = key();
    it_resp *r;
    char *big;
    int before_parts, before = count_uploads_dir(&before_parts), parts, n;
    const apr_size_t size = 21 * 1024 * 1024; /* the test stack caps at 20M */
    CU_ASSERT_PTR_NOT_NULL_FATAL(tok);
    /* Declared size over the cap (even the 2G default): refused before reading. */
    r = it_request("POST", "/v1/uploads?filename=huge.mp4", auth(tok, "Content-Length: 3000000000"),
                   "xx", 2);
    IT_ASSERT_R(r->status == 413 && !strcmp(err_code(r), "payload_too_large"), r);
    /* Chunked (no length announced): counted while streaming, the partial file deleted. */
    big = apr_pcalloc(itp, size);
    r = it_request_ex("POST", "/v1/uploads?filename=huge.mp4", auth(tok, NULL), big, size,
                      IT_CHUNKED);
    IT_ASSERT_R(r->status == 413 && !strcmp(err_code(r), "payload_too_large"), r);
    n = count_uploads_dir(&parts);
    IT_ASSERT_MSG(n == before && parts == 0, "uploads dir: %d entries (%d .part), before %d", n,
                  parts, before);
}

static void test_not_media_is_415_and_leaves_nothing(void)
{
    const char *tok = key();
    it_resp *r;
    int parts, before_parts, before = count_uploads_dir(&before_parts), n;
    CU_ASSERT_PTR_NOT_NULL_FATAL(tok);
    r = upload_file(tok, "notes.txt", "notes.mp4");
    IT_ASSERT_R(r && r->status == 415 && !strcmp(err_code(r), "unsupported_media"), r);
    r = it_request("POST", "/v1/uploads?filename=empty.wav", auth(tok, NULL), "", 0);
    IT_ASSERT_R(r->status == 415, r);
    r = it_request("POST", "/v1/uploads?filename=junk.mp4", auth(tok, NULL),
                   "\x00\x00\x00\x18"
                   "ftypmp42 truncated",
                   22);
    IT_ASSERT_R(r->status == 415, r);
    n = count_uploads_dir(&parts);
    IT_ASSERT_MSG(n == before && parts == 0, "uploads dir: %d entries (%d .part), before %d", n,
                  parts, before);
}

static void test_signed_upload_url(void)
{
    const char *tok = key(), *url, *id, *body, *tampered;
    static const char *const json[] = {"Content-Type: application/json", NULL};
    it_resp *r;
    apr_size_t len;
    char *t;
    CU_ASSERT_PTR_NOT_NULL_FATAL(tok);
    body = "{\"filename\":\"phone.wav\",\"signed_url\":true}";
    r = it_request("POST", "/v1/uploads", auth(tok, json[0]), body, strlen(body));
    IT_REQUIRE_R(r->status == 201, r);
    url = miq_json_str(r->json, "upload_url", NULL);
    id = miq_json_str(r->json, "upload_id", "");
    IT_REQUIRE_R(url && strstr(url, "/bytes?exp=") && strstr(url, "&sig="), r);
    CU_ASSERT_STRING_EQUAL(miq_json_str(r->json, "status", ""), "awaiting_bytes");
    it_secret_note(strstr(url, "sig=") + 4);
    body = read_bin(media("tone.wav"), &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(body);
    /* Tampered signature: 403, nothing stored. */
    t = apr_pstrdup(itp, url);
    t[strlen(t) - 2] = t[strlen(t) - 2] == 'A' ? 'B' : 'A';
    tampered = t;
    r = it_request("PUT", tampered, NULL, body, len);
    IT_ASSERT_R(r->status == 403, r);
    /* Another upload's id with this signature: 403. */
    r = it_request("PUT",
                   apr_pstrcat(itp, itenv.url, "/v1/uploads/upl_0123456789abcdef/bytes",
                               strchr(url, '?'), NULL),
                   NULL, body, len);
    IT_ASSERT_R(r->status == 403, r);
    /* Without the signature parameters: 403. */
    r = it_request("PUT", apr_pstrcat(itp, "/v1/uploads/", id, "/bytes", NULL), NULL, body, len);
    IT_ASSERT_R(r->status == 403, r);
    /* The real URL, no API key: ready. */
    r = it_request("PUT", url, NULL, body, len);
    IT_ASSERT_R(r->status == 200 && !strcmp(miq_json_str(r->json, "status", ""), "ready"), r);
    check_schema(r);
    IT_ASSERT_R(fabs(miq_json_num(r->json, "duration_s", 0) - 3.0) < 0.05, r);
    CU_ASSERT(exists(storage(apr_pstrcat(itp, "uploads/", id, ".wav", NULL))));
    /* Once only. */
    r = it_request("PUT", url, NULL, body, len);
    IT_ASSERT_R(r->status == 409, r);
    r = it_request("GET", apr_pstrcat(itp, "/v1/uploads/", id, NULL), auth(tok, NULL), NULL, 0);
    IT_ASSERT_R(r->status == 200 && !strcmp(miq_json_str(r->json, "status", ""), "ready"), r);
    /* The signature never reaches the access log. */
    {
        const char *dir = stack_var();
        const char *log = dir ? it_read_file(apr_pstrcat(itp, dir, "/httpd/logs/access_log", NULL),
                                             0)
                              : NULL;
        CU_ASSERT(log && !strstr(log, strstr(url, "sig=") + 4));
    }
}

static void test_source_url_import(void)
{
    static const char *const json[] = {"Content-Type: application/json", NULL};
    const char *tok = key(), *base, *body;
    pid_t pid;
    it_resp *r = NULL;
    CU_ASSERT_PTR_NOT_NULL_FATAL(tok);
    CU_ASSERT_PTR_NOT_NULL_FATAL(media("clip.mp4"));
    base = it_file_server(media_dir, "notes.txt", &pid);
    CU_ASSERT_PTR_NOT_NULL_FATAL(base);

    body = apr_psprintf(itp, "{\"source_url\":\"%s/clip.mp4?token=IMPORTSECRET\"}", base);
    r = it_request("POST", "/v1/uploads", auth(tok, json[0]), body, strlen(body));
    IT_ASSERT_R(r->status == 201, r);
    check_schema(r);
    CU_ASSERT_STRING_EQUAL(miq_json_str(r->json, "filename", ""), "clip.mp4");
    IT_ASSERT_R(fabs(miq_json_num(r->json, "duration_s", 0) - 2.0) < 0.05, r);
    CU_ASSERT(!it_error_log_grep("IMPORTSECRET") || !*it_error_log_grep("IMPORTSECRET"));
    {
        const char *args[1] = {miq_json_str(r->json, "upload_id", "")};
        const char *src = it_db_value("SELECT source_url FROM uploads WHERE id = $1", 1, args);
        CU_ASSERT(src && !strstr(src, "IMPORTSECRET"));
    }

    body = apr_psprintf(itp, "{\"source_url\":\"%s/tone.wav\",\"filename\":\"named.wav\"}", base);
    r = it_request("POST", "/v1/uploads", auth(tok, json[0]), body, strlen(body));
    IT_ASSERT_R(r->status == 201 && !strcmp(miq_json_str(r->json, "filename", ""), "named.wav"), r);

    body = apr_psprintf(itp, "{\"source_url\":\"%s/notes.txt\"}", base);
    r = it_request("POST", "/v1/uploads", auth(tok, json[0]), body, strlen(body));
    IT_ASSERT_R(r->status == 415, r);
    body = apr_psprintf(itp, "{\"source_url\":\"%s/missing.mp4\"}", base);
    r = it_request("POST", "/v1/uploads", auth(tok, json[0]), body, strlen(body));
    IT_ASSERT_R(r->status == 400, r);
    body = apr_psprintf(itp, "{\"source_url\":\"http://user:pw@%s/clip.mp4\"}",
                        base + strlen("http://"));
    r = it_request("POST", "/v1/uploads", auth(tok, json[0]), body, strlen(body));
    IT_ASSERT_R(r->status == 400 && !strcmp(err_code(r), "invalid_request"), r);
    body = apr_psprintf(itp, "{\"source_url\":\"file://%s/clip.mp4\"}", media_dir);
    r = it_request("POST", "/v1/uploads", auth(tok, json[0]), body, strlen(body));
    IT_ASSERT_R(r->status == 400, r);
    body = "{\"source_url\":42}";
    r = it_request("POST", "/v1/uploads", auth(tok, json[0]), body, strlen(body));
    IT_ASSERT_R(r->status == 400, r);
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
}

static void test_files_urls_are_signed(void)
{
    const char *v = stack_var(), *secret, *job, *dir, *url, *rel;
    miq_server srv;
    apr_size_t klen;
    apr_file_t *f;
    it_resp *r;
    char *t;
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    /* Unsigned and forged URLs are refused whoever runs the tests. */
    r = it_request("GET", "/files/job_itestnone/out.txt", NULL, NULL, 0);
    IT_ASSERT_R(r->status == 403, r);
    r = it_request("GET", "/files/job_itestnone/out.txt?exp=9999999999&sig=AAAA", NULL, NULL, 0);
    IT_ASSERT_R(r->status == 403, r);
    /* Signing needs the server's secret ($VAR/secret, readable by root only
     * when the runner drops privileges): the rest runs when it is readable. */
    secret = read_bin(apr_pstrcat(itp, v, "/secret", NULL), &klen);
    if (!secret) {
        fprintf(stderr, "\n  (secret unreadable: signed /files/ checks limited to refusals)\n");
        return;
    }
    while (klen && (secret[klen - 1] == '\n' || secret[klen - 1] == '\r'))
        klen--;
    memset(&srv, 0, sizeof(srv));
    srv.base_url = itenv.url;
    miq_server_set_secret(&srv, (const unsigned char *)secret, klen);
    job = apr_psprintf(itp, "job_itestfiles%08x", (unsigned)(apr_time_now() & 0xffffffff));
    dir = storage(apr_pstrcat(itp, "outputs/", job, NULL));
    CU_ASSERT_EQUAL_FATAL(apr_dir_make_recursive(dir, APR_FPROT_OS_DEFAULT, itp), APR_SUCCESS);
    CU_ASSERT_EQUAL_FATAL(apr_file_open(&f, apr_pstrcat(itp, dir, "/out.txt", NULL),
                                        APR_FOPEN_WRITE | APR_FOPEN_CREATE, APR_FPROT_OS_DEFAULT,
                                        itp),
                          APR_SUCCESS);
    apr_file_puts("output bytes\n", f);
    apr_file_close(f);
    rel = apr_pstrcat(itp, job, "/out.txt", NULL);
    url = miq_file_url(itp, &srv, rel, apr_time_now() + apr_time_from_sec(300));
    CU_ASSERT_PTR_NOT_NULL_FATAL(url);
    it_secret_note(strstr(url, "sig=") + 4);
    r = it_request("GET", url, NULL, NULL, 0);
    IT_ASSERT_R(r->status == 200 && r->body && !strcmp(r->body, "output bytes\n"), r);
    /* Tampered signature, or another file with this signature: 403. */
    t = apr_pstrdup(itp, url);
    t[strlen(t) - 3] = t[strlen(t) - 3] == 'A' ? 'B' : 'A';
    r = it_request("GET", t, NULL, NULL, 0);
    IT_ASSERT_R(r->status == 403, r);
    r = it_request("GET",
                   apr_pstrcat(itp, itenv.url, "/files/", job, "/other.txt", strchr(url, '?'),
                               NULL),
                   NULL, NULL, 0);
    IT_ASSERT_R(r->status == 403, r);
    r = it_request("GET", apr_pstrcat(itp, "/files/", rel, NULL), NULL, NULL, 0);
    IT_ASSERT_R(r->status == 403, r);
    /* Expired (correctly signed in the past): 403. */
    url = miq_file_url(itp, &srv, rel, apr_time_now() - apr_time_from_sec(5));
    r = it_request("GET", url, NULL, NULL, 0);
    IT_ASSERT_R(r->status == 403, r);
    /* Traversal never reaches a file. */
    r = it_request("GET", "/files/../secret?exp=9999999999&sig=x", NULL, NULL, 0);
    IT_ASSERT_R(r->status == 403 || r->status == 400 || r->status == 404, r);
    r = it_request("GET", apr_pstrcat(itp, "/files/", job, "/..%2f..%2fsecret?exp=1&sig=x", NULL),
                   NULL, NULL, 0);
    IT_ASSERT_R(r->status == 403 || r->status == 404, r);
    /* A valid signature for a file that does not exist: 404 from httpd. */
    url = miq_file_url(itp, &srv, apr_pstrcat(itp, job, "/missing.txt", NULL),
                       apr_time_now() + apr_time_from_sec(300));
    r = it_request("GET", url, NULL, NULL, 0);
    IT_ASSERT_R(r->status == 404, r);
    apr_file_remove(apr_pstrcat(itp, dir, "/out.txt", NULL), itp);
    apr_dir_remove(dir, itp);
}

IT_SUITE("uploads", IT_TEST(test_upload_requires_a_key),
         IT_TEST(test_upload_wav_and_mp4_are_probed),
         IT_TEST(test_upload_of_another_account_is_not_found),
         IT_TEST(test_delete_removes_file_and_derived_outputs),
         IT_TEST(test_oversize_upload_is_refused),
         IT_TEST(test_not_media_is_415_and_leaves_nothing), IT_TEST(test_signed_upload_url),
         IT_TEST(test_source_url_import), IT_TEST(test_files_urls_are_signed))
