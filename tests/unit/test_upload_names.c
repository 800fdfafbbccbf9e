/* Upload file names (metadata only), stored extensions, ids, /files/ paths,
 * signed upload URLs and the probe on things that are not media. */
#include <string.h>
#include <stdio.h>
#include <apr_strings.h>
#include <apr_file_io.h>
#include "unit.h"
#include "jobs/miq_probe.h"
#include "base/miq_server.h"
#include "jobs/miq_uploads.h"

static void test_upload_filename_is_sanitized(void)
{
    char big[600];
    const char *s;
    CU_ASSERT_STRING_EQUAL(miq_upload_filename(utp, "talk.mp4"), "talk.mp4");
    CU_ASSERT_STRING_EQUAL(miq_upload_filename(utp, "../../etc/passwd"), "passwd");
    CU_ASSERT_STRING_EQUAL(miq_upload_filename(utp, "C:\\Users\\me\\clip.mov"), "clip.mov");
    CU_ASSERT_STRING_EQUAL(miq_upload_filename(utp, "a\r\nb\tc\x01\x7f.wav"), "abc.wav");
    CU_ASSERT_STRING_EQUAL(miq_upload_filename(utp, "...hidden"), "hidden");
    CU_ASSERT_STRING_EQUAL(miq_upload_filename(utp, "  .x.mp3  "), "x.mp3");
    CU_ASSERT_STRING_EQUAL(miq_upload_filename(utp, ""), "upload");
    CU_ASSERT_STRING_EQUAL(miq_upload_filename(utp, NULL), "upload");
    CU_ASSERT_STRING_EQUAL(miq_upload_filename(utp, "dir/"), "upload");
    CU_ASSERT_STRING_EQUAL(miq_upload_filename(utp, "caf\xc3\xa9 \xe2\x9c\x93.mp4"),
                           "caf\xc3\xa9 \xe2\x9c\x93.mp4"); /* UTF-8 kept */
    CU_ASSERT_STRING_EQUAL(miq_upload_filename(utp, "bad\xff\xfe\xc3.mp4"), "bad.mp4");
    CU_ASSERT_STRING_EQUAL(miq_upload_filename(utp, "c1\xc2\x85x"), "c1x"); /* C1 NEL */
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = 0;
    CU_ASSERT_EQUAL(strlen(miq_upload_filename(utp, big)), MIQ_FILENAME_MAX);
    /* Cut on a UTF-8 boundary: 254 ASCII bytes then a 2-byte character. */
    memset(big, 'a', 254);
    strcpy(big + 254, "\xc3\xa9tail");
    s = miq_upload_filename(utp, big);
    CU_ASSERT_EQUAL(strlen(s), 254);
}

static void test_upload_extension_allow_list(void)
{
    CU_ASSERT_STRING_EQUAL(miq_upload_extension(utp, "a.MP4", NULL), "mp4");
    CU_ASSERT_STRING_EQUAL(miq_upload_extension(utp, "a.wav", "wav"), "wav");
    CU_ASSERT_STRING_EQUAL(miq_upload_extension(utp, "a.php", "mov,mp4,m4a,3gp,3g2,mj2"), "mp4");
    CU_ASSERT_STRING_EQUAL(miq_upload_extension(utp, "a.mp4/../../x", NULL), "bin");
    CU_ASSERT_STRING_EQUAL(miq_upload_extension(utp, "noext", "matroska,webm"), "mkv");
    CU_ASSERT_STRING_EQUAL(miq_upload_extension(utp, "x.html", NULL), "bin");
    CU_ASSERT_STRING_EQUAL(miq_upload_extension(utp, NULL, "mpegts"), "ts");
}

static void test_upload_ids_and_storage_names(void)
{
    const char *id = miq_upload_id_new(utp);
    CU_ASSERT_PTR_NOT_NULL_FATAL(id);
    CU_ASSERT_TRUE(miq_upload_id_ok(id));
    CU_ASSERT_FALSE(miq_upload_id_ok("upl_0123"));
    CU_ASSERT_FALSE(miq_upload_id_ok("upl_0123456789ABCDEF"));
    CU_ASSERT_FALSE(miq_upload_id_ok("upl_0123456789abcdef/"));
    CU_ASSERT_FALSE(miq_upload_id_ok("../0123456789abcdef00"));
    CU_ASSERT_TRUE(miq_storage_name_ok("job_0123456789abcdef"));
    CU_ASSERT_TRUE(miq_storage_name_ok("frame-0001.jpg"));
    CU_ASSERT_FALSE(miq_storage_name_ok(".."));
    CU_ASSERT_FALSE(miq_storage_name_ok("."));
    CU_ASSERT_FALSE(miq_storage_name_ok(".hidden"));
    CU_ASSERT_FALSE(miq_storage_name_ok("a..b"));
    CU_ASSERT_FALSE(miq_storage_name_ok("a/b"));
    CU_ASSERT_FALSE(miq_storage_name_ok("a\\b"));
    CU_ASSERT_FALSE(miq_storage_name_ok("a b"));
    CU_ASSERT_FALSE(miq_storage_name_ok("caf\xc3\xa9"));
    CU_ASSERT_FALSE(miq_storage_name_ok(""));
}

static void test_files_relpath_is_strict(void)
{
    CU_ASSERT_TRUE(miq_files_relpath_ok("job_0123456789abcdef/clip-1.mp4"));
    CU_ASSERT_FALSE(miq_files_relpath_ok("job_1/../../secret"));
    CU_ASSERT_FALSE(miq_files_relpath_ok("../uploads/x.mp4"));
    CU_ASSERT_FALSE(miq_files_relpath_ok("job_1//x.mp4"));
    CU_ASSERT_FALSE(miq_files_relpath_ok("/etc/passwd"));
    CU_ASSERT_FALSE(miq_files_relpath_ok("job_1/sub/x.mp4"));
    CU_ASSERT_FALSE(miq_files_relpath_ok("job_1\\x.mp4"));
    CU_ASSERT_FALSE(miq_files_relpath_ok("job_1/"));
    CU_ASSERT_FALSE(miq_files_relpath_ok("job_1"));
    CU_ASSERT_FALSE(miq_files_relpath_ok("job_1/.."));
    CU_ASSERT_FALSE(miq_files_relpath_ok("job_1/x%00.mp4"));
    CU_ASSERT_FALSE(miq_files_relpath_ok(NULL));
}

static void test_upload_put_urls(void)
{
    static const unsigned char key[32] = "0123456789abcdef0123456789abcdef";
    miq_server srv;
    const char *id = "upl_0123456789abcdef", *sig = NULL, *url, *exp;
    apr_time_t now = apr_time_now(), expires = now + apr_time_from_sec(600);
    memset(&srv, 0, sizeof(srv));
    srv.base_url = "https://api.example.com";
    miq_server_set_secret(&srv, key, sizeof(key));
    url = miq_upload_put_url(utp, &srv, id, expires, &sig);
    CU_ASSERT_PTR_NOT_NULL_FATAL(url);
    CU_ASSERT(
        !strncmp(url, "https://api.example.com/v1/uploads/upl_0123456789abcdef/bytes?exp=", 66));
    exp = apr_psprintf(utp, "%" APR_TIME_T_FMT, apr_time_sec(expires));
    CU_ASSERT_TRUE(miq_upload_put_sig_ok(utp, &srv, id, exp, sig, now));
    CU_ASSERT_FALSE(miq_upload_put_sig_ok(utp, &srv, "upl_0123456789abcdee", exp, sig, now));
    CU_ASSERT_FALSE(
        miq_upload_put_sig_ok(utp, &srv, id, apr_pstrcat(utp, exp, "0", NULL), sig, now));
    CU_ASSERT_FALSE(
        miq_upload_put_sig_ok(utp, &srv, id, exp, apr_pstrcat(utp, sig, "A", NULL), now));
    CU_ASSERT_FALSE(miq_upload_put_sig_ok(utp, &srv, id, exp, sig,
                                          expires + apr_time_from_sec(1))); /* expired */
    CU_ASSERT_FALSE(miq_upload_put_sig_ok(utp, &srv, id, NULL, sig, now));
    /* one key per purpose: the same message signed for /files/ does not
     * verify as an upload URL, and the keys differ from the secret and each other */
    CU_ASSERT(memcmp(srv.keys.file_urls, srv.keys.upload_urls, 32) != 0);
    CU_ASSERT(memcmp(srv.keys.upload_urls, srv.keys.request_state, 32) != 0);
    CU_ASSERT(memcmp(srv.keys.request_state, srv.keys.oauth, 32) != 0);
    CU_ASSERT(memcmp(srv.keys.file_urls, key, 32) != 0);
    {
        miq_server other = srv;
        memcpy(other.keys.upload_urls, srv.keys.file_urls, 32);
        CU_ASSERT_FALSE(miq_upload_put_sig_ok(utp, &other, id, exp, sig, now));
    }
    CU_ASSERT_FALSE(miq_upload_put_sig_ok(utp, &srv, id, "-1", sig, now));
}

static void test_probe_refuses_non_media(void)
{
    const char *path = apr_psprintf(utp, "/tmp/miq_unit_probe_%d.txt", (int)getpid());
    apr_file_t *f;
    json_t *probe = NULL;
    double d = -1;
    const char *code = NULL, *err;
    apr_size_t n;
    static const char text[] = "This is not media. Just some words in a text file.\n";
    CU_ASSERT_EQUAL_FATAL(apr_file_open(&f, path,
                                        APR_FOPEN_WRITE | APR_FOPEN_CREATE | APR_FOPEN_TRUNCATE,
                                        APR_FPROT_OS_DEFAULT, utp),
                          APR_SUCCESS);
    n = sizeof(text) - 1;
    apr_file_write(f, text, &n);
    apr_file_close(f);
    err = miq_probe_file(utp, path, &probe, &d, &code);
    CU_ASSERT_PTR_NOT_NULL(err);
    CU_ASSERT_STRING_EQUAL(code ? code : "", "unsupported_media");
    CU_ASSERT_PTR_NULL(probe);
    /* An m3u8 playlist would make libavformat open other files: refused. */
    apr_file_open(&f, path, APR_FOPEN_WRITE | APR_FOPEN_TRUNCATE, APR_FPROT_OS_DEFAULT, utp);
    {
        static const char m3u8[] = "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\n"
                                   "file:///etc/passwd\n#EXT-X-ENDLIST\n";
        n = sizeof(m3u8) - 1;
        apr_file_write(f, m3u8, &n);
    }
    apr_file_close(f);
    err = miq_probe_file(utp, path, &probe, &d, &code);
    CU_ASSERT_PTR_NOT_NULL(err);
    CU_ASSERT_STRING_EQUAL(code ? code : "", "unsupported_media");
    apr_file_remove(path, utp);
    /* Missing file: a server problem, not the client's. */
    err = miq_probe_file(utp, path, &probe, &d, &code);
    CU_ASSERT_PTR_NOT_NULL(err);
    CU_ASSERT_STRING_EQUAL(code ? code : "", "server_error");
}

static void test_storage_remove_tree(void)
{
    const char *dir = apr_psprintf(utp, "/tmp/miq_unit_rm_%d", (int)getpid());
    apr_file_t *f;
    apr_finfo_t fi;
    CU_ASSERT_EQUAL_FATAL(apr_dir_make_recursive(apr_pstrcat(utp, dir, "/a/b", NULL),
                                                 APR_FPROT_OS_DEFAULT, utp),
                          APR_SUCCESS);
    apr_file_open(&f, apr_pstrcat(utp, dir, "/a/b/x", NULL), APR_FOPEN_WRITE | APR_FOPEN_CREATE,
                  APR_FPROT_OS_DEFAULT, utp);
    apr_file_close(f);
    /* A symlink to outside is removed, not followed. */
    CU_ASSERT_EQUAL(symlink("/tmp", apr_pstrcat(utp, dir, "/a/link", NULL)), 0);
    CU_ASSERT_EQUAL(miq_storage_remove(utp, dir), APR_SUCCESS);
    CU_ASSERT_NOT_EQUAL(apr_stat(&fi, dir, APR_FINFO_TYPE, utp), APR_SUCCESS);
    CU_ASSERT_EQUAL(apr_stat(&fi, "/tmp", APR_FINFO_TYPE, utp), APR_SUCCESS);
    CU_ASSERT_EQUAL(miq_storage_remove(utp, dir), APR_SUCCESS); /* missing is fine */
}

MIQ_SUITE("upload_names", MIQ_TEST(test_upload_filename_is_sanitized),
          MIQ_TEST(test_upload_extension_allow_list), MIQ_TEST(test_upload_ids_and_storage_names),
          MIQ_TEST(test_files_relpath_is_strict), MIQ_TEST(test_upload_put_urls),
          MIQ_TEST(test_probe_refuses_non_media), MIQ_TEST(test_storage_remove_tree))
