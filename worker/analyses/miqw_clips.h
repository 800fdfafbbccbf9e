/* video/clips: cut spans of the media into files.
 *  - mode copy: stream copy (video and the best audio) from the keyframe at or
 *    before start. In MP4/MOV the packets are shifted so that start is time 0
 *    and the pre-roll from the keyframe has negative times, which the muxer
 *    hides behind an edit list: players that honour edit lists start at
 *    start, the data starts at actual_start (keyframe_aligned). MKV has no
 *    edit list: the file starts at the keyframe.
 *  - mode reencode: frame-accurate; decodes from the keyframe before start,
 *    keeps the frames with start <= pts < end, encodes H.264 with libx264
 *    (veryfast) when the library has it, else MPEG-4 part 2; audio to AAC
 *    trimmed to the sample. */
#ifndef MIQW_CLIPS_H
#define MIQW_CLIPS_H

#include "miqw_media.h"

/* params: clips [{start,end,label?}], mode copy|reencode, format mp4|mov|mkv,
 * width (reencode). Files clip_NNN.<ext> in out_dir (must exist). Adds
 * "clips": [{index, start, end, duration, start_frame, end_frame, start_tc,
 * end_tc, actual_start, actual_end, mode, file, bytes, frames,
 * keyframe_aligned, edit_list, video_codec, label?}] and "output_total_s"
 * to result. NULL, or an error with *code. */
const char *miqw_clips_cut(apr_pool_t *p, miqw_media *m, const json_t *params, const char *out_dir,
                           json_t *result, const char **code);

#endif
