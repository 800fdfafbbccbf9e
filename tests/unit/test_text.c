/* base/miq_text.c: numbers and timecodes as people read them, on the edges
 * the fuzzer found (tests/fuzz/crashes/text/). */
#include <math.h>
#include <stdlib.h>
#include "unit.h"
#include "base/miq_text.h"

static void test_text_num_keeps_large_values(void)
{
    /* %.3f of 5.39e67 is longer than a small buffer: truncated, then its
     * trailing zeros were stripped and it read "5" or so. */
    const double v[] = {5.391989333430128e+67, 1e100, -1e300, 1.7976931348623157e308};
    size_t i;
    for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        const char *s = miq_text_num(utp, v[i]);
        CU_ASSERT_DOUBLE_EQUAL(strtod(s, NULL) / v[i], 1.0, 1e-12);
    }
    CU_ASSERT_STRING_EQUAL(miq_text_num(utp, 0.1), "0.1");
    CU_ASSERT_STRING_EQUAL(miq_text_num(utp, -35), "-35");
    CU_ASSERT_STRING_EQUAL(miq_text_num(utp, -0.0001), "0");
}

static void test_text_timecode_refuses_absurd_rates(void)
{
    /* A media file can declare any frame rate: 1e300 fps made llround and
     * the frame count overflow (undefined behaviour, UBSan aborts). */
    CU_ASSERT_PTR_NULL(miq_text_timecode(utp, 2.5, 1e300));
    CU_ASSERT_PTR_NULL(miq_text_timecode(utp, 1e300, 25));
    CU_ASSERT_PTR_NULL(miq_text_timecode(utp, 1, INFINITY));
    CU_ASSERT_PTR_NULL(miq_text_timecode(utp, NAN, 25));
    CU_ASSERT_STRING_EQUAL(miq_text_timecode(utp, 3725.5, 25), "01:02:05:12");
    CU_ASSERT_STRING_EQUAL(miq_text_timecode(utp, 0, 30000.0 / 1001.0), "00:00:00;00");
    CU_ASSERT_PTR_NOT_NULL(miq_text_timecode(utp, MIQ_TEXT_TC_MAX_S, MIQ_TEXT_TC_MAX_FPS));
}

MIQ_SUITE("text", MIQ_TEST(test_text_num_keeps_large_values),
          MIQ_TEST(test_text_timecode_refuses_absurd_rates));
