/* The items of video/scenes' result (see miqw_scenes.h): a scene, a scene
 * change and a black or frozen stretch, frame-snapped, each with its frames,
 * timecodes, the detector's name and its parameters. */
#ifndef MIQW_SCENES_JSON_H
#define MIQW_SCENES_JSON_H

#include <stdint.h>
#include <apr_pools.h>
#include <jansson.h>
#include "miqw_media.h"

typedef struct miqw_scene_params {
    double threshold, min_scene_s, black_min_s, frozen_min_s;
} miqw_scene_params;

/* Scene idx from frame f0 to f1. */
json_t *miqw_scene_item(const miqw_media *m, const miqw_scene_params *sp, apr_pool_t *p, int idx,
                        int64_t f0, int64_t f1, double score);
/* A change of type ("cut", "dissolve", "fade") taking over at frame fr,
 * spanning [f0, f1]. */
json_t *miqw_change_item(const miqw_media *m, const miqw_scene_params *sp, apr_pool_t *p,
                         const char *type, int64_t fr, int64_t f0, int64_t f1, double score);
/* A black or frozen stretch [f0, f1). */
json_t *miqw_stretch_item(const miqw_media *m, const miqw_scene_params *sp, apr_pool_t *p,
                          int64_t f0, int64_t f1, double score);

#endif
