/* The upload probe runs outside httpd (momentiq-probe, MomentIQProbeCommand)
 * with sanity bounds checked before anything is decoded (issue 11): a small
 * file declaring a huge picture or an absurd sample rate is refused with 415
 * unsupported_media, costs httpd nothing, and leaves no file behind. Media
 * is generated in the test. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <apr_file_info.h>
#include <apr_strings.h>
#include "base/miq_json.h"
#include "itest.h"
#include "support/it_jobs.h"

static const char *token(void)
{
    static char *tok;
    if (!tok) {
        it_account *a = it_signup("probe");
        const char *t = a ? it_create_token(a, "keys", "{\"name\":\"probe\"}", NULL, NULL) : NULL;
        tok = t ? strdup(t) : NULL;
    }
    return tok;
}

static it_resp *upload_bytes(const char *name, const char *body, apr_size_t len)
{
    return it_request("POST", apr_pstrcat(itp, "/v1/uploads?filename=", name, NULL),
                      jt_hdrs(it_bearer(token()), "Content-Type: application/octet-stream", NULL),
                      body, len);
}

/* No stray .part file of a refused upload is left in storage/uploads. */
static int parts_left(void)
{
    const char *dir = it_stack_path("storage/uploads");
    apr_dir_t *d;
    apr_finfo_t fi;
    int n = 0;
    if (!dir || apr_dir_open(&d, dir, itp) != APR_SUCCESS)
        return 0;
    while (apr_dir_read(&fi, APR_FINFO_NAME, d) == APR_SUCCESS)
        if (fi.name && strstr(fi.name, ".part"))
            n++;
    apr_dir_close(d);
    return n;
}

static void test_huge_picture_refused(void)
{
    const char *dir = it_tmpdir("probe"), *path, *body;
    apr_size_t len;
    it_resp *r;
    CU_ASSERT_PTR_NOT_NULL_FATAL(token());
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    dir = apr_pstrdup(itp, dir);
    path = apr_pstrcat(itp, dir, "/huge.mkv", NULL);
    CU_ASSERT_EQUAL_FATAL(system(apr_psprintf(itp,
                                              "mkdir -p %s && ffmpeg -nostdin -loglevel error -y "
                                              "-f lavfi -i color=c=black:s=9000x9000:d=0.04 "
                                              "-frames:v 1 -c:v mjpeg %s",
                                              dir, path)),
                          0);
    body = jt_read_bin(path, &len);
    CU_ASSERT_FATAL(body && len < 2 * 1024 * 1024); /* small on disk */
    r = upload_bytes("huge.mkv", body, len);
    IT_ASSERT_R(r->status == 415 && !strcmp(jt_err_code(r), "unsupported_media"), r);
    IT_ASSERT_R(strstr(r->body, "pixel") != NULL, r);
    CU_ASSERT_EQUAL(parts_left(), 0);
    unlink(path);
    rmdir(dir);
}

/* A WAV header declaring 40 MHz (review #1) over a few samples. */
static void test_absurd_sample_rate_refused(void)
{
    unsigned char wav[44 + 400];
    unsigned rate = 40000000, bytes = 400, i;
    it_resp *r;
    memset(wav, 0, sizeof(wav));
    memcpy(wav, "RIFF", 4);
    i = 36 + bytes;
    memcpy(wav + 4, &i, 4);
    memcpy(wav + 8, "WAVEfmt ", 8);
    i = 16;
    memcpy(wav + 16, &i, 4);
    wav[20] = 1; /* PCM */
    wav[22] = 1; /* mono */
    memcpy(wav + 24, &rate, 4);
    i = rate * 2;
    memcpy(wav + 28, &i, 4);
    wav[32] = 2;
    wav[34] = 16;
    memcpy(wav + 36, "data", 4);
    memcpy(wav + 40, &bytes, 4);
    for (i = 0; i < bytes; i++)
        wav[44 + i] = (unsigned char)(i * 37);
    CU_ASSERT_PTR_NOT_NULL_FATAL(token());
    r = upload_bytes("fast.wav", (const char *)wav, sizeof(wav));
    IT_ASSERT_R(r->status == 415 && !strcmp(jt_err_code(r), "unsupported_media"), r);
    CU_ASSERT_EQUAL(parts_left(), 0);
    /* and httpd is fine: an honest upload right after works */
    CU_ASSERT_PTR_NOT_NULL(jt_upload(token(), "speech.wav"));
}

IT_SUITE("probe_limits", IT_TEST(test_huge_picture_refused),
         IT_TEST(test_absurd_sample_rate_refused))
