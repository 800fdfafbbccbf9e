/* The scene consumer for the video suites; see wtest_scenes.h. */
#include <stdio.h>
#include <CUnit/CUnit.h>
#include "unit.h"
#include "wtest_scenes.h"
#include "analyses/miqw_scenes.h"

miqw_media *wtest_open_media(const char *path)
{
    miqw_media *m = NULL;
    const char *code, *err;
    CU_ASSERT_PTR_NOT_NULL_FATAL(path);
    err = miqw_media_open(utp, path, &m, &code);
    if (err)
        fprintf(stderr, "open %s: %s\n", path, err);
    CU_ASSERT_PTR_NULL_FATAL(err);
    return m;
}

json_t *wtest_run_scenes(miqw_media *m, const json_t *params)
{
    const char *err = NULL, *code = NULL;
    miqw_consumer *c = miqw_scene_consumer(utp, m, params, &err);
    json_t *r = json_object();
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    err = miqw_pass_run(m, &c, 1, NULL, NULL, r, &code);
    if (err)
        fprintf(stderr, "scenes: %s (%s)\n", err, code);
    CU_ASSERT_PTR_NULL(err);
    return r;
}

json_int_t wtest_scene_stat(const json_t *r, const char *k)
{
    return json_integer_value(
        json_object_get(json_object_get(json_object_get(r, "stats"), "scenes"), k));
}
