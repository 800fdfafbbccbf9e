/* Media probing with libavformat, shared by httpd (uploads) and the worker.
 * Pure of httpd. Only local files are opened (protocol "file"), and only the
 * demuxers of MIQ_PROBE_FORMATS: playlists and concat scripts (hls, concat,
 * image2 patterns...) could otherwise make libavformat read other files or
 * reach the network on behalf of an uploader. */
#ifndef MIQ_PROBE_H
#define MIQ_PROBE_H

#include <apr_pools.h>
#include <jansson.h>

/* Demuxers accepted (libavformat format_whitelist syntax). */
#define MIQ_PROBE_FORMATS                                                                          \
    "mov,mp4,3gp,matroska,webm,avi,wav,w64,mp3,flac,ogg,aac,loas,mpegts,mpeg,mpegvideo,flv,asf,"  \
    "aiff,caf,amr,amrnb,amrwb,ac3,eac3,dts,truehd,mlp,mxf,m4v,h264,hevc,ivf,wv,ape,tta,au,rm,"     \
    "nut,dv,gxf,oma,voc"

/* Opens path, reads the stream info and decodes a first frame. On success
 * returns NULL with *probe ({format, format_long, duration_s, bit_rate,
 * streams [{index, type, codec, width, height, fps, sample_rate, channels,
 * duration_s}], has_audio, has_video}; a new reference the caller owns) and
 * *duration_s. On failure returns a message for the client and sets *code to
 * "unsupported_media" (not media, empty, no decodable stream, no duration)
 * or "server_error". */
const char *miq_probe_file(apr_pool_t *p, const char *path, json_t **probe, double *duration_s,
                           const char **code);

#endif
