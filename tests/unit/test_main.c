/* The unit and worker runner: suites register themselves (MIQ_SUITE in
 * unit.h) before main runs; main runs those named on the command line (shell
 * patterns: "mcp_*"; none: all) and prints "NAME: N passed, N failed". A suite
 * that cannot be registered stops the run instead of dropping out. */
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <apr_general.h>
#include <CUnit/Basic.h>
#include "unit.h"

#define MAX_SUITES 128

static struct {
    const char *name;
    const miq_unit_test *tests;
} suites[MAX_SUITES];
static int n_suites;
static apr_pool_t *root_pool;
apr_pool_t *utp;

void miq_unit_register(const char *suite, const miq_unit_test *tests)
{
    if (n_suites >= MAX_SUITES) {
        fprintf(stderr, "more than %d suites: raise MAX_SUITES in %s (%s is not registered)\n",
                MAX_SUITES, __FILE__, suite);
        printf("0 passed, 1 failed\n");
        exit(2);
    }
    suites[n_suites].name = suite;
    suites[n_suites].tests = tests;
    n_suites++;
}

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
    apr_pool_create(&utp, root_pool);
}

static void teardown(void)
{
    apr_pool_destroy(utp);
    utp = NULL;
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

int main(int argc, char **argv)
{
    int i, j;
    unsigned passed, failed;
    apr_initialize();
    atexit(apr_terminate);
    apr_pool_create(&root_pool, NULL);
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 2;
    for (i = 0; i < n_suites; i++) {
        CU_pSuite s;
        if (!wanted(argc, argv, suites[i].name))
            continue;
        s = CU_add_suite_with_setup_and_teardown(suites[i].name, suite_init, suite_clean, setup,
                                                 teardown);
        for (j = 0; CU_get_error() == CUE_SUCCESS && suites[i].tests[j].name; j++)
            CU_add_test(s, suites[i].tests[j].name, suites[i].tests[j].fn);
        if (!s || CU_get_error() != CUE_SUCCESS) { /* e.g. a test named twice in one suite */
            fprintf(stderr, "suite %s not registered: %s\n", suites[i].name, CU_get_error_msg());
            printf("0 passed, 1 failed\n");
            return 2;
        }
    }
    for (i = 1; i < argc; i++) { /* a name that matches no suite is a typo, not a pass */
        for (j = 0; j < n_suites && fnmatch(argv[i], suites[j].name, 0); j++)
            ;
        if (j == n_suites) {
            fprintf(stderr, "no suite matches %s\n", argv[i]);
            printf("0 passed, 1 failed\n");
            return 2;
        }
    }
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    failed = CU_get_number_of_tests_failed();
    passed = CU_get_number_of_tests_run() - failed;
    printf("\n%s: %u passed, %u failed\n",
           strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0], passed, failed);
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
