/* Media probing with libavformat, shared by httpd (uploads) and the worker.
 * Pure of httpd. Only local files are opened (protocol "file"), and only the
 * demuxers of MIQ_PROBE_FORMATS: playlists and concat scripts (hls, concat,
 * image2 patterns...) could otherwise make libavformat read other files or
 * reach the network on behalf of an uploader. */
#ifndef MIQ_PROBE_H
#define MIQ_PROBE_H

#include <stdio.h>
#include <apr_pools.h>
#include <jansson.h>

/* Demuxers accepted (libavformat format_whitelist syntax). */
#define MIQ_PROBE_FORMATS                                                                          \
    "mov,mp4,3gp,matroska,webm,avi,wav,w64,mp3,flac,ogg,aac,loas,mpegts,mpeg,mpegvideo,flv,asf,"   \
    "aiff,caf,amr,amrnb,amrwb,ac3,eac3,dts,truehd,mlp,mxf,m4v,h264,hevc,ivf,wv,ape,tta,au,rm,"     \
    "nut,dv,gxf,oma,voc"

/* Decoders accepted (libavcodec codec_whitelist syntax): the codecs real
 * uploads use. Anything else is unsupported_media without being decoded. */
#define MIQ_PROBE_CODECS                                                                           \
    "h264,hevc,vp8,vp9,av1,libdav1d,mpeg4,mpeg2video,mpeg1video,mjpeg,prores,dnxhd,theora,"        \
    "wmv1,wmv2,wmv3,vc1,h263,flv,aac,aac_latm,mp3,mp3float,mp2,mp2float,flac,alac,opus,libopus,"   \
    "vorbis,ac3,eac3,dca,truehd,mlp,pcm_s16le,pcm_s16be,pcm_s24le,pcm_s24be,pcm_s32le,pcm_f32le,"  \
    "pcm_f64le,pcm_u8,pcm_s8,pcm_mulaw,pcm_alaw,adpcm_ima_wav,adpcm_ms,amrnb,amrwb,wmav1,wmav2,"   \
    "wmapro,ape,tta,wavpack,dvvideo,dvaudio,cook,ra_144,ra_288"

/* Sanity bounds: a header claiming more is refused before anything is
 * decoded (a small file must not make the probe allocate gigabytes). */
#define MIQ_PROBE_MAX_PIXELS      (8192L * 4608L) /* width x height: 8K UHD and a little more */
#define MIQ_PROBE_MAX_SIDE        16384           /* width or height */
#define MIQ_PROBE_MAX_SAMPLE_RATE 768000
#define MIQ_PROBE_MAX_CHANNELS    64
#define MIQ_PROBE_MAX_STREAMS     64
#define MIQ_PROBE_MAX_BYTES       (32L * 1024 * 1024) /* read to find the streams */
#define MIQ_PROBE_MAX_ANALYZE_S   20                  /* media time read for that */

/* Opens path, reads the stream info and decodes a first frame. On success
 * returns NULL with *probe ({format, format_long, duration_s, bit_rate,
 * streams [{index, type, codec, width, height, display_width, display_height,
 * rotation, fps, sample_rate, channels, duration_s}], has_audio, has_video}; a new reference the caller owns) and
 * *duration_s. On failure returns a message for the client and sets *code to
 * "unsupported_media" (not media, empty, no decodable stream, no duration)
 * or "server_error". */
const char *miq_probe_file(apr_pool_t *p, const char *path, json_t **probe, double *duration_s,
                           const char **code);

/* The same, in a child process: cmd is the momentiq-probe program, run as
 * `cmd FILE` with its own CPU, memory and time limits (it sets them), so a
 * hostile file costs the child, never the caller (an httpd child holding
 * every secret). Killed after timeout_s. The probe is pool-bound. */
const char *miq_probe_file_isolated(apr_pool_t *p, const char *cmd, const char *path, int timeout_s,
                                    json_t **probe, double *duration_s, const char **code);
/* The child's side, for momentiq-probe: sets the limits, probes path and
 * writes one JSON line to out ({"probe", "duration_s"} or {"code", "error"}).
 * Returns the exit status. */
int miq_probe_child_main(apr_pool_t *p, const char *path, FILE *out);

/* How a video stream is shown: *rotation the clockwise quarter turn (0, 90,
 * 180, 270) that makes the stored picture upright (results report the
 * display matrix's own angle, counter-clockwise as ffprobe prints it:
 * (360 - *rotation) % 360), *width x *height the upright size
 * with the sample aspect ratio applied (bounded). The worker uses the same. */
struct AVStream;
void miq_probe_display(const struct AVStream *st, int *rotation, int *width, int *height);

#endif
