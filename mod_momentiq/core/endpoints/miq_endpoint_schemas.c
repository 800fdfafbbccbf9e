/* The endpoint table and its JSON Schemas (draft 2020-12) as static text.
 * Shared fragments are macros so every result describes times, frames,
 * timecodes and detections the same way. */
#include "endpoints/miq_endpoints.h"
#include "base/miq_scope.h"

#define SCHEMA_ID "\"$schema\":\"https://json-schema.org/draft/2020-12/schema\","
#define NUM(desc) "{\"type\":\"number\",\"description\":\"" desc "\"}"
#define SECS(desc) "{\"type\":\"number\",\"minimum\":0,\"description\":\"" desc " (seconds, ms precision)\"}"
#define INT0(desc) "{\"type\":\"integer\",\"minimum\":0,\"description\":\"" desc "\"}"
#define TC(desc)                                                                                   \
    "{\"type\":\"string\",\"pattern\":\"^[0-9]{2}:[0-9]{2}:[0-9]{2}[:;][0-9]{2,3}$\","              \
    "\"description\":\"" desc " as SMPTE timecode HH:MM:SS:FF (';' before FF = drop-frame)\"}"

/* Every detection names its detector, its parameters and a score. */
#define P_DETECTION                                                                                \
    "\"detector\":{\"type\":\"string\",\"description\":\"Detector that produced the item\"},"       \
    "\"params\":{\"type\":\"object\",\"description\":\"Effective detector parameters\"},"           \
    "\"score\":{\"type\":\"number\",\"minimum\":0,\"maximum\":1,"                                   \
    "\"description\":\"Strength or confidence, 0..1 (higher = more salient)\"}"
#define R_DETECTION "\"detector\",\"params\",\"score\""

#define P_SPAN                                                                                     \
    "\"start\":" SECS("Start") ",\"end\":" SECS("End") ",\"duration\":" SECS("end - start")
#define P_SPAN_VIDEO                                                                               \
    "\"start_frame\":" INT0("First frame number (0-based)") ","                                    \
    "\"end_frame\":" INT0("Frame number at end (exclusive)") ",\"start_tc\":" TC("Start") ","    \
    "\"end_tc\":" TC("End")
#define P_POINT_VIDEO "\"frame\":" INT0("Frame number (0-based)") ",\"timecode\":" TC("Time")

#define P_MEDIA                                                                                    \
    "\"media\":{\"type\":\"object\",\"description\":\"What the probe found in the input\","        \
    "\"required\":[\"duration_s\"],\"properties\":{"                                                \
    "\"duration_s\":" SECS("Media duration") ",\"has_audio\":{\"type\":\"boolean\"},"               \
    "\"has_video\":{\"type\":\"boolean\"},\"fps\":" NUM("Video frame rate") ","                     \
    "\"drop_frame\":{\"type\":\"boolean\",\"description\":\"Timecodes are drop-frame\"},"           \
    "\"frame_count\":" INT0("Video frames") ","                                                     \
    "\"width\":" INT0("Video width as shown, px (upright, square pixels)") ","                      \
    "\"height\":" INT0("Video height as shown, px") ","                                             \
    "\"rotation\":{\"type\":\"integer\",\"enum\":[0,90,180,270],\"description\":\"The display "     \
    "matrix's turn, counter-clockwise as ffprobe reports it; frames and clips come out upright\"}," \
    "\"sample_rate\":" INT0("Audio sample rate, Hz") ","                                            \
    "\"covered_s\":" SECS("Media the analysis read, when it differs from duration_s") ","         \
    "\"truncated\":{\"type\":\"boolean\",\"description\":\"The file ends well before duration_s: "   \
    "the result covers covered_s, and only that is billed\"},"                                      \
    "\"limited\":{\"type\":\"boolean\",\"description\":\"The file runs past the duration the job "  \
    "was priced on: the analysis stopped at covered_s\"}}}"

#define P_ENVELOPE(ep)                                                                             \
    "\"endpoint\":{\"type\":\"string\",\"const\":\"" ep "\"},"                                     \
    "\"job_id\":{\"type\":\"string\"},"                                                             \
    "\"params\":{\"type\":\"object\",\"description\":\"Params as run, defaults filled in\"},"       \
    "\"detector_version\":{\"type\":\"string\",\"description\":\"Changes when results could\"}," P_MEDIA
#define R_ENVELOPE "\"endpoint\",\"params\",\"media\""

#define RESULT_HEAD(ep, title)                                                                     \
    "{" SCHEMA_ID "\"title\":\"" title "\",\"type\":\"object\",\"properties\":{" P_ENVELOPE(ep) ","

/* ---- audio/silence ---- */
static const char silence_params[] =
    "{" SCHEMA_ID "\"title\":\"audio/silence params\",\"type\":\"object\","
    "\"additionalProperties\":false,\"properties\":{"
    "\"min_silence_s\":{\"type\":\"number\",\"default\":0.5,\"minimum\":0.05,\"maximum\":60,"
    "\"description\":\"Shortest quiet stretch, in seconds, reported as a silence\"},"
    "\"threshold_db\":{\"type\":\"number\",\"default\":-35,\"minimum\":-90,\"maximum\":0,"
    "\"description\":\"Level in dBFS below which audio counts as silent; lower is stricter "
    "(-45 for studio speech, -30 for noisy rooms)\"}}}";

#define SILENCE_ITEM                                                                               \
    "{\"type\":\"object\",\"required\":[\"start\",\"end\",\"duration\"," R_DETECTION "],"          \
    "\"properties\":{" P_SPAN ",\"mean_db\":" NUM("Mean level inside, dBFS") "," P_DETECTION "}}"

static const char silence_result[] =
    RESULT_HEAD("audio/silence", "audio/silence result")
    "\"silences\":{\"type\":\"array\",\"items\":" SILENCE_ITEM "},"
    "\"silence_total_s\":" SECS("Sum of silence durations") ","
    "\"speech_ratio\":{\"type\":\"number\",\"minimum\":0,\"maximum\":1,"
    "\"description\":\"Share of the media that is not silence\"},"
    "\"audio_classes\":{\"type\":\"array\",\"description\":\"What the sound is, in runs of about "
    "1 s blocks: speech, music or other, with the classifier's confidence (0..1)\","
    "\"items\":{\"type\":\"object\",\"required\":[\"start\",\"end\",\"type\",\"confidence\"],"
    "\"properties\":{" P_SPAN ",\"type\":{\"type\":\"string\",\"enum\":[\"speech\",\"music\","
    "\"other\"]},\"confidence\":{\"type\":\"number\",\"minimum\":0,\"maximum\":1}}}}},"
    "\"required\":[" R_ENVELOPE ",\"silences\",\"speech_ratio\"]}";

/* ---- audio/energy ---- */
static const char energy_params[] =
    "{" SCHEMA_ID "\"title\":\"audio/energy params\",\"type\":\"object\","
    "\"additionalProperties\":false,\"properties\":{"
    "\"window_s\":{\"type\":\"number\",\"default\":0.5,\"minimum\":0.05,\"maximum\":60,"
    "\"description\":\"RMS window length in seconds\"},"
    "\"top_k\":{\"type\":\"integer\",\"default\":10,\"minimum\":0,\"maximum\":1000,"
    "\"description\":\"How many loudest peaks to return\"},"
    "\"min_peak_gap_s\":{\"type\":\"number\",\"default\":2,\"minimum\":0,\"maximum\":600,"
    "\"description\":\"Peaks closer than this are merged into the louder one\"}}}";

#define WINDOW_ITEM                                                                                \
    "{\"type\":\"object\",\"required\":[\"start\",\"end\",\"rms_db\"],\"properties\":{"           \
    "\"start\":" SECS("Window start") ",\"end\":" SECS("Window end") ","                          \
    "\"rms_db\":{\"type\":\"number\",\"maximum\":0,"                                               \
    "\"description\":\"RMS level, dBFS (digital silence is -120)\"}}}"
#define PEAK_ITEM                                                                                  \
    "{\"type\":\"object\",\"required\":[\"time\",\"rms_db\"," R_DETECTION "],\"properties\":{"     \
    "\"time\":" SECS("Peak centre") ",\"rms_db\":" NUM("RMS level, dBFS") ","                     \
    "\"rank\":{\"type\":\"integer\",\"minimum\":1}," P_DETECTION "}}"

static const char energy_result[] =
    RESULT_HEAD("audio/energy", "audio/energy result")
    "\"windows\":{\"type\":\"array\",\"items\":" WINDOW_ITEM "},"
    "\"peaks\":{\"type\":\"array\",\"items\":" PEAK_ITEM "},"
    "\"integrated_lufs\":" NUM("EBU R128 integrated loudness, LUFS") ","
    "\"loudness_range_lu\":" NUM("EBU R128 loudness range, LU") ","
    "\"true_peak_dbtp\":" NUM("Maximum true peak (BS.1770-4, 4x oversampled), dBTP") ","
    "\"short_term\":{\"type\":\"object\",\"description\":\"EBU R128 short-term loudness (3 s "
    "window) every step_s seconds; lufs[i] is for the window ending at first_end_s + i * step_s, "
    "floored at -70\",\"properties\":{\"window_s\":" SECS("Window length") ","
    "\"step_s\":" SECS("Time between values") ",\"first_end_s\":" SECS("End of the first window") ","
    "\"lufs\":{\"type\":\"array\",\"items\":{\"type\":\"number\"}}}}},"
    "\"required\":[" R_ENVELOPE ",\"windows\",\"peaks\",\"integrated_lufs\"]}";

/* ---- video/scenes ---- */
static const char scenes_params[] =
    "{" SCHEMA_ID "\"title\":\"video/scenes params\",\"type\":\"object\","
    "\"additionalProperties\":false,\"properties\":{"
    "\"threshold\":{\"type\":\"number\",\"default\":0.3,\"minimum\":0.01,\"maximum\":1,"
    "\"description\":\"Scene-change score (0..1) above which a frame starts a new scene; "
    "lower finds more, softer cuts\"},"
    "\"min_scene_s\":{\"type\":\"number\",\"default\":1,\"minimum\":0,\"maximum\":3600,"
    "\"description\":\"Cuts closer than this to the previous cut are dropped\"},"
    "\"black_min_s\":{\"type\":\"number\",\"default\":2,\"minimum\":0.04,\"maximum\":3600,"
    "\"description\":\"Shortest black stretch reported\"},"
    "\"frozen_min_s\":{\"type\":\"number\",\"default\":2,\"minimum\":0.04,\"maximum\":3600,"
    "\"description\":\"Shortest frozen (still) stretch reported\"}}}";

#define CUT_ITEM                                                                                    \
    "{\"type\":\"object\",\"required\":[\"time\",\"frame\",\"timecode\"," R_DETECTION "],"          \
    "\"properties\":{\"time\":" SECS("Where the new shot takes over") "," P_POINT_VIDEO ","         \
    "\"type\":{\"type\":\"string\",\"enum\":[\"cut\",\"dissolve\",\"fade\"],"                       \
    "\"description\":\"cut: one frame; dissolve: a blend of the two shots; fade: out to black "     \
    "and in again\"}," P_SPAN_POINTS "," P_DETECTION "}}"
/* A change's span: a cut's start and end are its time. */
#define P_SPAN_POINTS                                                                               \
    "\"start\":" SECS("Last frame of the old shot alone") ","                                       \
    "\"end\":" SECS("First frame of the new shot alone") ","                                        \
    "\"start_frame\":" INT0("Frame at start") ",\"end_frame\":" INT0("Frame at end") ","            \
    "\"start_tc\":" TC("Start") ",\"end_tc\":" TC("End")
#define STILL_ITEM                                                                                  \
    "{\"type\":\"object\",\"required\":[\"start\",\"end\",\"duration\"," R_DETECTION "],"           \
    "\"properties\":{" P_SPAN "," P_SPAN_VIDEO "," P_DETECTION "}}"
#define SCENE_ITEM                                                                                 \
    "{\"type\":\"object\",\"required\":[\"index\",\"start\",\"end\",\"start_frame\","              \
    "\"end_frame\",\"start_tc\",\"end_tc\"," R_DETECTION "],\"properties\":{"                      \
    "\"index\":" INT0("Scene number, 0-based") "," P_SPAN "," P_SPAN_VIDEO "," P_DETECTION "}}"

static const char scenes_result[] =
    RESULT_HEAD("video/scenes", "video/scenes result")
    "\"cuts\":{\"type\":\"array\",\"items\":" CUT_ITEM "},"
    "\"scenes\":{\"type\":\"array\",\"items\":" SCENE_ITEM "},"
    "\"black\":{\"type\":\"array\",\"items\":" STILL_ITEM ","
    "\"description\":\"Black stretches (98% of pixels within 10% of black)\"},"
    "\"frozen\":{\"type\":\"array\",\"items\":" STILL_ITEM ","
    "\"description\":\"Frozen stretches (every frame within -60 dB of the first)\"}},"
    "\"required\":[" R_ENVELOPE ",\"cuts\",\"scenes\"]}";

/* ---- video/frames ---- */
static const char frames_params[] =
    "{" SCHEMA_ID "\"title\":\"video/frames params\",\"type\":\"object\","
    "\"additionalProperties\":false,"
    "\"description\":\"Give exactly one of timestamps, every_s or at_scenes\","
    "\"properties\":{"
    "\"timestamps\":{\"type\":\"array\",\"minItems\":1,\"maxItems\":1000,"
    "\"items\":{\"type\":\"number\",\"minimum\":0},"
    "\"description\":\"Times in seconds to grab a frame at\"},"
    "\"every_s\":{\"type\":\"number\",\"minimum\":0.04,\"maximum\":3600,"
    "\"description\":\"Grab a frame every N seconds from 0\"},"
    "\"at_scenes\":{\"type\":\"boolean\",\"default\":false,"
    "\"description\":\"Grab the first frame of every detected scene\"},"
    "\"scene_threshold\":{\"type\":\"number\",\"default\":0.3,\"minimum\":0.01,\"maximum\":1,"
    "\"description\":\"Scene threshold used with at_scenes\"},"
    "\"max_frames\":{\"type\":\"integer\",\"default\":200,\"minimum\":1,\"maximum\":5000,"
    "\"description\":\"Upper bound on frames; with at_scenes the estimate reserves this many\"},"
    "\"width\":{\"type\":\"integer\",\"default\":640,\"minimum\":16,\"maximum\":3840,"
    "\"description\":\"Output width in px; height keeps the aspect ratio\"},"
    "\"format\":{\"type\":\"string\",\"enum\":[\"jpg\",\"png\",\"webp\"],\"default\":\"jpg\","
    "\"description\":\"Image format\"}}}";

#define FILE_PROPS                                                                                 \
    "\"url\":{\"type\":\"string\",\"format\":\"uri\","                                             \
    "\"description\":\"Signed, expiring URL; refresh with POST /v1/jobs/{id}/outputs/refresh\"},"  \
    "\"expires_at\":{\"type\":\"string\",\"format\":\"date-time\"},"                               \
    "\"bytes\":" INT0("File size")
#define FRAME_ITEM                                                                                 \
    "{\"type\":\"object\",\"required\":[\"index\",\"time\",\"frame\",\"timecode\",\"url\","         \
    R_DETECTION "],\"properties\":{\"index\":" INT0("Output number") ","                            \
    "\"time\":" SECS("Time of the frame actually grabbed") "," P_POINT_VIDEO ","                   \
    "\"requested_time\":" SECS("Time asked for") ",\"width\":" INT0("px") ","                      \
    "\"height\":" INT0("px") ",\"format\":{\"type\":\"string\"}," FILE_PROPS "," P_DETECTION "}}"

static const char frames_result[] =
    RESULT_HEAD("video/frames", "video/frames result")
    "\"frames\":{\"type\":\"array\",\"items\":" FRAME_ITEM "}},"
    "\"required\":[" R_ENVELOPE ",\"frames\"]}";

/* ---- video/clips ---- */
static const char clips_params[] =
    "{" SCHEMA_ID "\"title\":\"video/clips params\",\"type\":\"object\","
    "\"additionalProperties\":false,\"required\":[\"clips\"],\"properties\":{"
    "\"clips\":{\"type\":\"array\",\"minItems\":1,\"maxItems\":100,"
    "\"description\":\"Spans to cut, in seconds; end must be after start\","
    "\"items\":{\"type\":\"object\",\"additionalProperties\":false,"
    "\"required\":[\"start\",\"end\"],\"properties\":{"
    "\"start\":{\"type\":\"number\",\"minimum\":0},"
    "\"end\":{\"type\":\"number\",\"exclusiveMinimum\":0},"
    "\"label\":{\"type\":\"string\",\"maxLength\":200}}}},"
    "\"mode\":{\"type\":\"string\",\"enum\":[\"copy\",\"reencode\"],\"default\":\"copy\","
    "\"description\":\"copy: fast, cuts on keyframes (may start early); "
    "reencode: frame-accurate, slower, priced higher\"},"
    "\"format\":{\"type\":\"string\",\"enum\":[\"mp4\",\"mov\",\"mkv\"],\"default\":\"mp4\","
    "\"description\":\"Output container\"},"
    "\"width\":{\"type\":\"integer\",\"minimum\":16,\"maximum\":3840,"
    "\"description\":\"Scale to this width (reencode only; default keeps the source)\"}}}";

#define CLIP_ITEM                                                                                  \
    "{\"type\":\"object\",\"required\":[\"index\",\"start\",\"end\",\"url\",\"mode\"],"             \
    "\"properties\":{\"index\":" INT0("Position in the request") "," P_SPAN "," P_SPAN_VIDEO ","    \
    "\"actual_start\":" SECS("Where the file really starts (copy mode snaps to a keyframe)") ","   \
    "\"actual_end\":" SECS("Where the file really ends") ",\"label\":{\"type\":\"string\"},"       \
    "\"mode\":{\"type\":\"string\",\"enum\":[\"copy\",\"reencode\"]}," FILE_PROPS "}}"

static const char clips_result[] =
    RESULT_HEAD("video/clips", "video/clips result")
    "\"clips\":{\"type\":\"array\",\"items\":" CLIP_ITEM "},"
    "\"output_total_s\":" SECS("Sum of clip durations") "},"
    "\"required\":[" R_ENVELOPE ",\"clips\"]}";

/* ---- timeline/moments ---- */
static const char moments_params[] =
    "{" SCHEMA_ID "\"title\":\"timeline/moments params\",\"type\":\"object\","
    "\"additionalProperties\":false,\"properties\":{"
    "\"include\":{\"type\":\"array\",\"uniqueItems\":true,\"minItems\":1,"
    "\"items\":{\"type\":\"string\",\"enum\":[\"speech\",\"music\",\"other\",\"silence\","
    "\"scene\",\"peak\",\"dissolve\",\"fade\",\"black\",\"freeze\"]},"
    "\"default\":[\"speech\",\"music\",\"other\",\"silence\",\"scene\",\"peak\",\"dissolve\","
    "\"fade\",\"black\",\"freeze\"],"
    "\"description\":\"Segment types to return (scene, dissolve, fade, black and freeze need a "
    "video stream; speech, music and other are the non-silent audio as the classifier types it)\"},"
    "\"silence\":{\"type\":\"object\",\"additionalProperties\":false,\"default\":{},"
    "\"properties\":{"
    "\"min_silence_s\":{\"type\":\"number\",\"default\":0.5,\"minimum\":0.05,\"maximum\":60},"
    "\"threshold_db\":{\"type\":\"number\",\"default\":-35,\"minimum\":-90,\"maximum\":0}}},"
    "\"energy\":{\"type\":\"object\",\"additionalProperties\":false,\"default\":{},"
    "\"properties\":{"
    "\"window_s\":{\"type\":\"number\",\"default\":0.5,\"minimum\":0.05,\"maximum\":60},"
    "\"top_k\":{\"type\":\"integer\",\"default\":10,\"minimum\":0,\"maximum\":1000}}},"
    "\"scenes\":{\"type\":\"object\",\"additionalProperties\":false,\"default\":{},"
    "\"properties\":{"
    "\"threshold\":{\"type\":\"number\",\"default\":0.3,\"minimum\":0.01,\"maximum\":1},"
    "\"min_scene_s\":{\"type\":\"number\",\"default\":1,\"minimum\":0,\"maximum\":3600},"
    "\"black_min_s\":{\"type\":\"number\",\"default\":2,\"minimum\":0.04,\"maximum\":3600},"
    "\"frozen_min_s\":{\"type\":\"number\",\"default\":2,\"minimum\":0.04,\"maximum\":3600}}},"
    "\"highlights\":{\"type\":\"object\",\"additionalProperties\":false,\"default\":{},"
    "\"description\":\"Suggested highlight clips, ranked by energy peaks, scene changes and "
    "speech\",\"properties\":{"
    "\"count\":{\"type\":\"integer\",\"default\":5,\"minimum\":0,\"maximum\":50},"
    "\"clip_s\":{\"type\":\"number\",\"default\":20,\"minimum\":1,\"maximum\":600}}}}}";

#define SEGMENT_ITEM                                                                               \
    "{\"type\":\"object\",\"required\":[\"type\",\"start\",\"end\"," R_DETECTION "],"              \
    "\"properties\":{\"type\":{\"type\":\"string\","                                               \
    "\"enum\":[\"speech\",\"music\",\"other\",\"silence\",\"scene\",\"peak\","              \
    "\"dissolve\",\"fade\",\"black\",\"freeze\"]},"                                              \
    "\"index\":" INT0("Order within its type") "," P_SPAN "," P_SPAN_VIDEO ","                     \
    "\"time\":" SECS("Peak centre (peak); where the new shot takes over (dissolve, fade)") ","      \
    "\"rms_db\":" NUM("Peak level, dBFS") ","                                                       \
    P_DETECTION "}}"
#define HIGHLIGHT_ITEM                                                                             \
    "{\"type\":\"object\",\"required\":[\"start\",\"end\",\"score\"],\"properties\":{"              \
    "\"rank\":{\"type\":\"integer\",\"minimum\":1}," P_SPAN "," P_SPAN_VIDEO ","                   \
    "\"score\":{\"type\":\"number\",\"minimum\":0,\"maximum\":1},"                                 \
    "\"reasons\":{\"type\":\"array\",\"items\":{\"type\":\"string\"},"                             \
    "\"description\":\"Why it was picked (peak, scene, speech)\"}}}"

static const char moments_result[] =
    RESULT_HEAD("timeline/moments", "timeline/moments result")
    "\"segments\":{\"type\":\"array\",\"items\":" SEGMENT_ITEM ","
    "\"description\":\"Merged timeline sorted by start\"},"
    "\"highlights\":{\"type\":\"array\",\"items\":" HIGHLIGHT_ITEM ","
    "\"description\":\"Best first; pass as clips to video/clips\"},"
    "\"speech_ratio\":{\"type\":\"number\",\"minimum\":0,\"maximum\":1},"
    "\"integrated_lufs\":" NUM("EBU R128 integrated loudness, LUFS") ","
    "\"loudness_range_lu\":" NUM("EBU R128 loudness range, LU") ","
    "\"true_peak_dbtp\":" NUM("Maximum true peak, dBTP") ","
    "\"short_term\":{\"type\":\"object\",\"description\":\"Short-term loudness curve, as "
    "audio/energy gives it\"}},"
    "\"required\":[" R_ENVELOPE ",\"segments\",\"highlights\"]}";

static const miq_endpoint ep_silence = {
    "audio/silence", MIQ_SCOPE_AUDIO, "Silence detection",
    "Finds silent stretches in the audio track and the share of speech.",
    "Measures the audio level and reports every stretch quieter than threshold_db that lasts at "
    "least min_silence_s, with start, end and duration in seconds, plus the speech ratio. Use it "
    "to trim dead air from podcasts and lectures, to split recordings at pauses, or to find where "
    "people talk. Works on audio files and on the audio stream of videos; media without audio "
    "fails with unsupported_media and is not billed.",
    "Silences (pauses, dead air) and the speech ratio.", "audio or video", "silences",
    silence_params, silence_result, "{\"min_silence_s\":0.8,\"threshold_db\":-40}",
    "episode.mp3"};

static const miq_endpoint ep_energy = {
    "audio/energy", MIQ_SCOPE_AUDIO, "Audio energy and loudness",
    "RMS level per window, EBU R128 loudness and the loudest peaks.",
    "Computes the RMS level in dBFS for every window_s window, the integrated loudness and "
    "loudness range (EBU R128) and the top_k loudest peaks as {time, rms_db}. Peaks point at "
    "laughter, applause, goals and raised voices, which makes them good highlight candidates; "
    "the loudness figures answer QA questions such as 'is this episode at -16 LUFS?'.",
    "Loudness over time, integrated loudness and loud peaks.", "audio or video",
    "windows,peaks", energy_params, energy_result, "{\"window_s\":1,\"top_k\":5}",
    "episode.mp3"};

static const miq_endpoint ep_scenes = {
    "video/scenes", MIQ_SCOPE_VIDEO, "Scene and cut detection",
    "Finds hard cuts and splits the video into scenes.",
    "Scores the visual change between consecutive frames and reports a cut wherever the score "
    "exceeds threshold, at least min_scene_s after the previous cut. Returns the cuts and the "
    "resulting scenes [{index, start, end}] with frame numbers, SMPTE timecodes and a score. "
    "Use it for chapter markers, shot lists, thumbnails per scene and edit decision lists.",
    "Shot boundaries (cuts) and scenes.", "video", "cuts,scenes", scenes_params, scenes_result,
    "{\"threshold\":0.35,\"min_scene_s\":2}", "video.mp4"};

static const miq_endpoint ep_frames = {
    "video/frames", MIQ_SCOPE_VIDEO, "Frame extraction",
    "Still images at given times, at a fixed interval, or at each scene start.",
    "Grabs frames as jpg, png or webp images scaled to width px, either at the given timestamps, "
    "every every_s seconds, or at the first frame of each scene (at_scenes). Each frame comes "
    "with its exact time, frame number, timecode and a signed, expiring URL. Priced per frame: "
    "use it for thumbnails, storyboards and for feeding a vision model a few images instead of "
    "the whole video.",
    "Nothing: it extracts still frames where you ask.", "video", "frames", frames_params,
    frames_result, "{\"every_s\":10,\"width\":640,\"format\":\"jpg\",\"max_frames\":50}",
    "video.mp4"};

static const miq_endpoint ep_clips = {
    "video/clips", MIQ_SCOPE_VIDEO, "Clip cutting",
    "Cuts the given spans out of the media into separate files.",
    "Writes one file per {start, end} span. mode copy is fast and lossless but starts on the "
    "keyframe at or before start (actual_start says where); mode reencode is frame-accurate and "
    "slower. Each clip comes with frame numbers, timecodes and a signed, expiring URL. Priced per "
    "started minute of output. Feed it the highlights of timeline/moments or spans you computed "
    "from silences or scenes.",
    "Nothing: it cuts the spans you give.", "video", "clips", clips_params, clips_result,
    "{\"clips\":[{\"start\":12.5,\"end\":42,\"label\":\"intro\"},{\"start\":95,\"end\":120.25}],"
    "\"mode\":\"reencode\",\"format\":\"mp4\"}",
    "video.mp4"};

static const miq_endpoint ep_moments = {
    "timeline/moments", MIQ_SCOPE_TIMELINE, "Moment timeline",
    "Silence, speech, scenes and peaks merged into one timeline, plus highlight suggestions.",
    "Runs silence, energy and scene detection in one decode pass and merges them into one "
    "timeline of typed segments (speech, silence, scene, peak), sorted by time, and ranks "
    "suggested highlight clips. This is the best first call when you do not know yet what you "
    "need: it answers 'where are the interesting moments?' and its highlights can be passed "
    "straight to video/clips. Audio-only media gets speech, silence and peaks.",
    "Speech, silence, scene and loudness-peak segments and highlight candidates.",
    "audio or video", "segments,highlights", moments_params, moments_result,
    "{\"highlights\":{\"count\":5,\"clip_s\":20},\"silence\":{\"min_silence_s\":0.8}}",
    "video.mp4"};

static const miq_endpoint *const catalog[] = {&ep_silence, &ep_energy, &ep_scenes,
                                              &ep_frames,  &ep_clips,  &ep_moments};

const miq_endpoint *const *miq_endpoints_all(apr_size_t *n)
{
    if (n)
        *n = sizeof(catalog) / sizeof(catalog[0]);
    return catalog;
}

/* ---- shared job-level schemas ---- */
#define ERROR_OBJ                                                                                  \
    "{\"type\":\"object\",\"required\":[\"code\",\"message\"],\"properties\":{"                    \
    "\"code\":{\"type\":\"string\",\"enum\":[\"invalid_request\",\"authentication_required\","     \
    "\"invalid_api_key\",\"billing_required\",\"insufficient_credits\",\"spend_cap_exceeded\","    \
    "\"connector_scope_denied\",\"not_found\",\"conflict\",\"payload_too_large\","                 \
    "\"unsupported_media\",\"rate_limited\",\"processing_limit_exceeded\",\"server_error\"]},"     \
    "\"message\":{\"type\":\"string\"}}}"
#define TIME_OR_NULL "{\"type\":[\"string\",\"null\"],\"format\":\"date-time\"}"

const char miq_endpoints_error_schema[] =
    "{" SCHEMA_ID "\"title\":\"Error\",\"type\":\"object\",\"required\":[\"error\"],"
    "\"properties\":{\"error\":" ERROR_OBJ "}}";

const char *const miq_endpoints_job_statuses[] = {"queued", "running", "succeeded", "failed",
                                                "canceled", NULL};

const char miq_endpoints_job_schema[] =
    "{" SCHEMA_ID "\"title\":\"Job\",\"type\":\"object\","
    "\"required\":[\"job_id\",\"endpoint\",\"status\",\"progress\",\"created_at\"],"
    "\"properties\":{"
    "\"job_id\":{\"type\":\"string\"},"
    "\"endpoint\":{\"type\":\"string\",\"enum\":[\"audio/silence\",\"audio/energy\","
    "\"video/scenes\",\"video/frames\",\"video/clips\",\"timeline/moments\"]},"
    "\"status\":{\"type\":\"string\",\"enum\":[\"queued\",\"running\",\"succeeded\",\"failed\","
    "\"canceled\"],\"description\":\"queued -> running -> succeeded | failed | canceled\"},"
    "\"progress\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":100},"
    "\"upload_id\":{\"type\":\"string\"},"
    "\"params\":{\"type\":\"object\"},"
    "\"idempotency_key\":{\"type\":[\"string\",\"null\"]},"
    "\"estimated_credits\":" INT0("Credits reserved at creation") ","
    "\"charged_credits\":{\"type\":[\"integer\",\"null\"],\"minimum\":0,"
    "\"description\":\"Settled on success; failed and canceled jobs are not billed\"},"
    "\"attempts\":" INT0("Worker attempts so far") ","
    "\"error\":{\"oneOf\":[{\"type\":\"null\"}," ERROR_OBJ "]},"
    "\"created_at\":{\"type\":\"string\",\"format\":\"date-time\"},"
    "\"started_at\":" TIME_OR_NULL ",\"finished_at\":" TIME_OR_NULL ","
    "\"updated_at\":" TIME_OR_NULL ","
    "\"result_url\":{\"type\":\"string\","
    "\"description\":\"GET it once status is succeeded (?format=json|vtt|csv|edl|fcpxml|otio)\"}}}";

const char miq_endpoints_upload_schema[] =
    "{" SCHEMA_ID "\"title\":\"Upload\",\"type\":\"object\","
    "\"required\":[\"upload_id\",\"duration_s\"],\"properties\":{"
    "\"upload_id\":{\"type\":\"string\"},\"filename\":{\"type\":\"string\"},"
    "\"bytes\":" INT0("Stored size") ",\"duration_s\":" SECS("Probed duration") ","
    "\"format\":{\"type\":\"string\",\"description\":\"Container\"},"
    "\"streams\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"required\":[\"type\"],"
    "\"properties\":{\"index\":" INT0("Stream index") ","
    "\"type\":{\"type\":\"string\",\"enum\":[\"audio\",\"video\",\"subtitle\",\"data\"]},"
    "\"codec\":{\"type\":\"string\"},\"fps\":" NUM("Frame rate") ","
    "\"width\":" INT0("px") ",\"height\":" INT0("px") ","
    "\"sample_rate\":" INT0("Hz") ",\"channels\":" INT0("Audio channels") "}}},"
    "\"expires_at\":" TIME_OR_NULL "}}";

const char miq_endpoints_estimate_schema[] =
    "{" SCHEMA_ID "\"title\":\"Estimate\",\"type\":\"object\","
    "\"required\":[\"endpoint\",\"credits\",\"lines\"],\"properties\":{"
    "\"endpoint\":{\"type\":\"string\"},\"duration_s\":" SECS("Media duration priced") ","
    "\"credits\":{\"type\":\"integer\",\"minimum\":0,"
    "\"description\":\"Total, rounded up to a whole credit\"},"
    "\"upper_bound\":{\"type\":\"boolean\","
    "\"description\":\"The count is a cap (at_scenes); billing settles on the real count\"},"
    "\"lines\":{\"type\":\"array\",\"items\":{\"type\":\"object\","
    "\"required\":[\"unit\",\"units\",\"unit_credits\"],\"properties\":{"
    "\"unit\":{\"type\":\"string\"},\"units\":" INT0("Billable units") ","
    "\"unit_credits\":{\"type\":\"number\",\"minimum\":0},"
    "\"subtotal\":{\"type\":\"number\",\"minimum\":0},\"basis\":{\"type\":\"string\"}}}},"
    "\"rounding\":{\"type\":\"string\"}}}";

const miq_error_code miq_endpoints_error_codes[] = {
    {"invalid_request", 400, "malformed body or params"},
    {"authentication_required", 401, "no credentials where needed"},
    {"invalid_api_key", 401, "unknown, expired or revoked key or token"},
    {"billing_required", 402, "free credits spent and no billing set up"},
    {"insufficient_credits", 402, "balance below the estimate"},
    {"spend_cap_exceeded", 402, "the estimate would cross the monthly spend cap"},
    {"connector_scope_denied", 403, "token scope does not cover the endpoint"},
    {"not_found", 404, "unknown, or owned by another account"},
    {"conflict", 409, "idempotency key reused with other params; result not ready"},
    {"payload_too_large", 413, "upload over the size cap"},
    {"unsupported_media", 415, "not decodable media (or no audio for an audio endpoint)"},
    {"rate_limited", 429, "too many requests; honour Retry-After"},
    {"processing_limit_exceeded", 422,
     "a job's media needed more time, CPU or memory than its bounds (a job error); not billed"},
    {"server_error", 500, "server fault or not configured (503 when unavailable)"},
    {NULL, 0, NULL}};
