/* timeline/moments: non-silent audio typed speech / music / other from the
 * worker's classifier runs ("audio_classes"), split where the type changes. */
#include <stdio.h>
#include <string.h>
#include "unit.h"
#include "base/miq_json.h"
#include "jobs/miq_timeline.h"

#define EPS 1e-6

static json_t *merge(const char *analysis, const char *params, double duration)
{
    json_t *a = miq_json_parse(utp, analysis, strlen(analysis), NULL);
    json_t *p = miq_json_parse(utp, params, strlen(params), NULL);
    json_t *out;
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    out = miq_timeline_merge(utp, a, p, duration, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    return json_object_get(out, "segments");
}

/* The non-silence segments as "type start end" lines. */
static const char *sound(const json_t *segs)
{
    static char buf[1024];
    size_t i, used = 0;
    json_t *s;
    buf[0] = 0;
    json_array_foreach(segs, i, s)
    {
        const char *t = miq_json_str(s, "type", "");
        if (!strcmp(t, "silence"))
            continue;
        used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s %.3f %.3f;", t,
                                 miq_json_num(s, "start", -1), miq_json_num(s, "end", -1));
    }
    return buf;
}

static void test_sound_split_by_classes(void)
{
    /* speech 0-4, silence 4-5, then music 5-9 and other 9-12 with no pause between */
    const json_t *segs = merge("{\"silences\":[{\"start\":4,\"end\":5}],\"audio_classes\":["
                               "{\"start\":0,\"end\":4.1,\"type\":\"speech\",\"confidence\":0.9},"
                               "{\"start\":5,\"end\":9,\"type\":\"music\",\"confidence\":0.8},"
                               "{\"start\":9,\"end\":12,\"type\":\"other\",\"confidence\":0.7}]}",
                               "{}", 12);
    printf("\n  %s", sound(segs));
    CU_ASSERT_STRING_EQUAL(sound(segs), "speech 0.000 4.000;music 5.000 9.000;other 9.000 12.000;");
    /* scores are the confidences */
    CU_ASSERT_DOUBLE_EQUAL(miq_json_num(json_array_get(segs, 0), "score", 0), 0.9, EPS);
}

static void test_sound_without_classes_is_speech(void)
{
    const json_t *segs = merge("{\"silences\":[{\"start\":4,\"end\":5}]}", "{}", 8);
    CU_ASSERT_STRING_EQUAL(sound(segs), "speech 0.000 4.000;speech 5.000 8.000;");
    CU_ASSERT_DOUBLE_EQUAL(miq_json_num(json_array_get(segs, 0), "score", 0), 1, EPS);
}

static void test_sound_include_and_short_pieces(void)
{
    const char *a = "{\"silences\":[],\"audio_classes\":["
                    "{\"start\":0,\"end\":3,\"type\":\"music\",\"confidence\":0.6},"
                    "{\"start\":3,\"end\":3.05,\"type\":\"speech\",\"confidence\":0.6},"
                    "{\"start\":3.05,\"end\":6,\"type\":\"music\",\"confidence\":0.6}]}";
    /* a 50 ms piece does not split the music */
    CU_ASSERT_STRING_EQUAL(sound(merge(a, "{}", 6)), "music 0.000 6.000;");
    /* include filters the sound types like any other */
    CU_ASSERT_STRING_EQUAL(sound(merge(a, "{\"include\":[\"speech\",\"silence\"]}", 6)), "");
    /* a short stretch no run covers takes the nearest run's type */
    CU_ASSERT_STRING_EQUAL(
        sound(merge("{\"silences\":[{\"start\":0,\"end\":7},{\"start\":7.5,\"end\":9}],"
                    "\"audio_classes\":[{\"start\":1,\"end\":2,\"type\":\"other\","
                    "\"confidence\":0.5}]}",
                    "{}", 9)),
        "other 7.000 7.500;");
}

MIQ_SUITE("timeline_sound", MIQ_TEST(test_sound_split_by_classes),
          MIQ_TEST(test_sound_without_classes_is_speech),
          MIQ_TEST(test_sound_include_and_short_pieces))
