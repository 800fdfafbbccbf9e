/* Signed /files/ URLs and the names below outputs/ (core/jobs/miq_file_urls.c,
 * core/jobs/miq_uploads.c). The input is "RELPATH\nEXP\nSIG": miq_file_sig_ok
 * on the three as the /files/ hook passes them, the relpath and name checks on
 * RELPATH, and a URL signed for RELPATH must verify (and only for RELPATH). */
#include "fuzz_common.h"
#include "base/miq_server.h"
#include "jobs/miq_file_urls.h"
#include "jobs/miq_uploads.h"

static miq_server srv;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static const unsigned char key[] = "fuzz-files-key-0123456789abcdef";
    (void)argc;
    (void)argv;
    fuzz_init();
    srv.pool = fuzz_root;
    srv.base_url = "https://fuzz.example";
    srv.state_key = key;
    srv.state_key_len = sizeof(key) - 1;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    apr_time_t now = apr_time_from_sec(1767225600);
    const char *relpath, *exp, *sig, *url;
    const uint8_t *rest;
    size_t n;
    int files_ok;
    fuzz_split(p, data, size, '\n', &relpath, &rest, &n);
    fuzz_split(p, rest, n, '\n', &exp, &rest, &n);
    sig = fuzz_str(p, rest, n);
    (void)miq_file_sig_ok(p, &srv, relpath, exp, sig, now);
    (void)miq_storage_name_ok(relpath);
    (void)miq_upload_id_ok(relpath);
    files_ok = miq_files_relpath_ok(relpath);
    url = miq_file_url(p, &srv, relpath, now + apr_time_from_sec(3600));
    if (files_ok && !url)
        abort(); /* every job_id/file name can be served */
    if (url) {
        const char *q = strstr(url, "?exp="), *s = q ? strstr(q, "&sig=") : NULL;
        const char *uexp, *usig;
        if (!q || !s || strchr(url + strlen(srv.base_url), '#'))
            abort();
        uexp = apr_pstrmemdup(p, q + 5, (apr_size_t)(s - q - 5));
        usig = s + 5;
        if (!miq_file_sig_ok(p, &srv, relpath, uexp, usig, now))
            abort();
        if (miq_file_sig_ok(p, &srv, relpath, uexp, usig, now + apr_time_from_sec(3601)))
            abort(); /* expired */
        if (miq_file_sig_ok(p, &srv, apr_pstrcat(p, relpath, "x", NULL), uexp, usig, now))
            abort(); /* bound to the path */
    }
    apr_pool_destroy(p);
    return 0;
}
