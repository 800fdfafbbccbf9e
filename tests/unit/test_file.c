/* base/miq_file.c: small configuration files read whole, big ones refused. */
#include <string.h>
#include <apr_file_io.h>
#include <apr_strings.h>
#include "unit.h"
#include "base/miq_file.h"

static const char *write_temp(apr_size_t size, char fill)
{
    char *path = apr_pstrdup(utp, "/tmp/miq_file_XXXXXX");
    apr_file_t *f;
    char *data = apr_palloc(utp, size + 1);
    apr_size_t n = size;
    memset(data, fill, size);
    if (apr_file_mktemp(&f, path, APR_FOPEN_CREATE | APR_FOPEN_WRITE | APR_FOPEN_EXCL, utp) !=
        APR_SUCCESS)
        return NULL;
    apr_file_write_full(f, data, n, &n);
    apr_file_close(f);
    return path;
}

static void test_small_file_read_whole_and_terminated(void)
{
    const char *path = write_temp(40, 's');
    char *buf = NULL;
    apr_size_t n = 0;
    CU_ASSERT_PTR_NOT_NULL_FATAL(path);
    CU_ASSERT_EQUAL(miq_file_read_small(&buf, &n, path, utp), APR_SUCCESS);
    CU_ASSERT_EQUAL(n, 40);
    CU_ASSERT_EQUAL(strlen(buf), 40);
    apr_file_remove(path, utp);
}

static void test_big_or_missing_file_refused(void)
{
    const char *path = write_temp(MIQ_FILE_SMALL_MAX + 1, 'b');
    char *buf = NULL;
    apr_size_t n = 0;
    CU_ASSERT_PTR_NOT_NULL_FATAL(path);
    CU_ASSERT_EQUAL(miq_file_read_small(&buf, &n, path, utp), APR_EINVAL);
    apr_file_remove(path, utp);
    CU_ASSERT_NOT_EQUAL(miq_file_read_small(&buf, &n, "/nonexistent/miq", utp), APR_SUCCESS);
}

MIQ_SUITE("file", MIQ_TEST(test_small_file_read_whole_and_terminated),
          MIQ_TEST(test_big_or_missing_file_refused))
