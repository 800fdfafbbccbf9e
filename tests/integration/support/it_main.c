/* The integration runner: suites register themselves (IT_SUITE,
 * IT_SUITE_LAST in itest.h) before main runs; main reads the environment
 * build.sh sets, waits for the server, runs the suites named on the command
 * line (shell patterns: "jobs_*"; none: all) with a fresh pool per test, and
 * prints "integration: N passed, N failed". */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <apr_general.h>
#include <apr_strings.h>
#include <CUnit/Basic.h>
#include <curl/curl.h>
#include "it_support.h"

#define MAX_SUITES 64

/* Registered suites in link order (cases/ sorted by file name); a suite that
 * does not fit is a fatal error, never a silent drop. */
static struct {
    const char *name;
    const it_test *tests;
    int last; /* registered with it_register_last */
} suites[MAX_SUITES];
static int n_suites;
apr_pool_t *it_root_pool;
apr_pool_t *itp;
it_env itenv;

static void add_suite(const char *suite, const it_test *tests, int last)
{
    if (n_suites >= MAX_SUITES) {
        fprintf(stderr,
                "integration: more than %d suites: raise MAX_SUITES in %s (%s is not "
                "registered)\n",
                MAX_SUITES, __FILE__, suite);
        printf("integration: 0 passed, 1 failed\n");
        exit(2);
    }
    suites[n_suites].name = suite;
    suites[n_suites].tests = tests;
    suites[n_suites].last = last;
    n_suites++;
}

void it_register(const char *suite, const it_test *tests)
{
    add_suite(suite, tests, 0);
}

void it_register_last(const char *suite, const it_test *tests)
{
    add_suite(suite, tests, 1);
}

/* ---- runner -------------------------------------------------------------------------------- */

static int suite_init(void)
{
    return 0;
}

static int suite_clean(void)
{
    return 0;
}

static void setup(void)
{
    apr_pool_create(&itp, it_root_pool);
}

static void teardown(void)
{
    it_keepalive(0);
    apr_pool_destroy(itp);
    itp = NULL;
}

static int wanted(int argc, char **argv, const char *name)
{
    int i;
    if (argc < 2)
        return 1;
    for (i = 1; i < argc; i++)
        if (!fnmatch(argv[i], name, 0))
            return 1;
    return 0;
}

static const char *env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

/* The server should already answer; give a just-started stack a few seconds. */
static int server_ready(void)
{
    int i;
    apr_pool_create(&itp, it_root_pool);
    for (i = 0; i < 50; i++) {
        it_resp *r = it_request("GET", "/mcp/status", NULL, NULL, 0);
        if (r->status == 200) {
            apr_pool_destroy(itp);
            itp = NULL;
            return 1;
        }
        usleep(200000);
    }
    apr_pool_destroy(itp);
    itp = NULL;
    return 0;
}

int main(int argc, char **argv)
{
    int i, j;
    unsigned passed, failed;
    const char *url = env("MIQ_TEST_URL");
    struct stat st;

    apr_initialize();
    atexit(apr_terminate);
    apr_pool_create(&it_root_pool, NULL);
    curl_global_init(CURL_GLOBAL_ALL);
    if (!url) {
        fprintf(stderr, "MIQ_TEST_URL is not set (run through ./build.sh test)\n");
        printf("integration: 0 passed, 1 failed\n");
        return 2;
    }
    itenv.url = apr_pstrdup(it_root_pool, url);
    while (*itenv.url && itenv.url[strlen(itenv.url) - 1] == '/')
        ((char *)itenv.url)[strlen(itenv.url) - 1] = 0;
    itenv.db = env("MIQ_TEST_DB");
    itenv.error_log = env("MIQ_TEST_ERROR_LOG");
    itenv.root = env("MIQ_TEST_ROOT");
    itenv.tls_dir = env("MIQ_TEST_TLS_DIR");
    if (itenv.error_log && stat(itenv.error_log, &st) == 0)
        itenv.error_log_start = (long)st.st_size;
    if (!server_ready()) {
        fprintf(stderr, "the server at %s does not answer GET /mcp/status with 200\n", itenv.url);
        printf("integration: 0 passed, 1 failed\n");
        return 2;
    }

    if (CU_initialize_registry() != CUE_SUCCESS)
        return 2;
    for (i = 0; i < 2 * n_suites; i++) { /* IT_SUITE suites first, then IT_SUITE_LAST ones */
        CU_pSuite s;
        int k = i % n_suites;
        if (suites[k].last != (i >= n_suites) || !wanted(argc, argv, suites[k].name))
            continue;
        s = CU_add_suite_with_setup_and_teardown(suites[k].name, suite_init, suite_clean, setup,
                                                 teardown);
        for (j = 0; CU_get_error() == CUE_SUCCESS && suites[k].tests[j].name; j++)
            CU_add_test(s, suites[k].tests[j].name, suites[k].tests[j].fn);
        if (!s || CU_get_error() != CUE_SUCCESS) { /* e.g. a test named twice in one suite */
            fprintf(stderr, "integration: suite %s not registered: %s\n", suites[k].name,
                    CU_get_error_msg());
            printf("integration: 0 passed, 1 failed\n");
            return 2;
        }
    }
    for (i = 1; i < argc; i++) { /* a name that matches no suite is a typo, not a pass */
        for (j = 0; j < n_suites && fnmatch(argv[i], suites[j].name, 0); j++)
            ;
        if (j == n_suites) {
            fprintf(stderr, "integration: no suite matches %s\n", argv[i]);
            printf("integration: 0 passed, 1 failed\n");
            return 2;
        }
    }
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    failed = CU_get_number_of_tests_failed();
    passed = CU_get_number_of_tests_run() - failed;
    CU_cleanup_registry();
    it_db_close();
    curl_global_cleanup();
    fflush(stdout);
    fflush(stderr);
    printf("\nintegration: %u passed, %u failed\n", passed, failed);
    return failed ? 1 : 0;
}
