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
    if (n_suites < MAX_SUITES) {
        suites[n_suites].name = suite;
        suites[n_suites].tests = tests;
        n_suites++;
    }
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
        if (!strcmp(argv[i], name))
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
        for (j = 0; suites[i].tests[j].name; j++)
            CU_add_test(s, suites[i].tests[j].name, suites[i].tests[j].fn);
    }
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    failed = CU_get_number_of_tests_failed();
    passed = CU_get_number_of_tests_run() - failed;
    printf("\n%s: %u passed, %u failed\n", strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0], passed, failed);
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
