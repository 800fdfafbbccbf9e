/* The scene consumer run the way the video suites run it: open a file, one
 * demux pass, the result. CUnit assertions stop the test on a failure. */
#ifndef WTEST_SCENES_H
#define WTEST_SCENES_H

#include <jansson.h>
#include "miqw_media.h"

/* path opened in the test pool (a NULL path or an open error fails the test). */
miqw_media *wtest_open_media(const char *path);

/* video/scenes over m with params (borrowed, NULL for the defaults); the
 * result, owned by the caller. A failed pass is reported and asserted. */
json_t *wtest_run_scenes(miqw_media *m, const json_t *params);

/* stats.scenes.k of a result, 0 when absent. */
json_int_t wtest_scene_stat(const json_t *r, const char *k);

#endif
