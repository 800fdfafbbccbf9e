/* Each test file registers its suite with MIQ_SUITE; test_main runs them all
 * (or the ones named on the command line) and prints "N passed, N failed". */
#ifndef MIQ_UNIT_H
#define MIQ_UNIT_H

#include <CUnit/CUnit.h>
#include <apr_pools.h>

typedef struct miq_unit_test {
    const char *name;
    CU_TestFunc fn;
} miq_unit_test;

void miq_unit_register(const char *suite, const miq_unit_test *tests);

/* A fresh pool per test, destroyed after it (see test_main.c). */
extern apr_pool_t *utp;

#define MIQ_SUITE(suite, ...)                                                                      \
    static const miq_unit_test miq_suite_tests_[] = {__VA_ARGS__, {NULL, NULL}};                   \
    __attribute__((constructor)) static void miq_suite_register_(void)                             \
    {                                                                                              \
        miq_unit_register(suite, miq_suite_tests_);                                                \
    }
#define MIQ_TEST(fn)                                                                               \
    {                                                                                              \
#fn, fn                                                                                    \
    }

#endif
