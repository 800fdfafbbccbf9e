/* video/scenes: keyframe comparison during the pass, exact placement by
 * decoding only the suspicious GOPs in finish() (see miqw_scenes.h). */
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <apr_strings.h>
#include <libswscale/swscale.h>
#include "endpoints/miq_endpoints.h"
#include "analyses/miqw_scenes.h"
#include "analyses/miqw_video.h"
#include "analyses/miqw_shots.h"
#include "analyses/miqw_peek.h"
#include "analyses/miqw_gops.h"
#include "analyses/miqw_scenes_json.h"
#include "analyses/miqw_changes.h"
#include "base/miq_json.h"

#define TW    MIQW_TW
#define TH    MIQW_TH
#define TY    MIQW_TY
#define TC    MIQW_TC
#define TSIZE MIQW_TSIZE
/* score = GAIN x (frame difference - the larger neighbouring difference) */
#define GAIN   4.0
#define RECENT 6

/* Non-key packets this much smaller than the keyframe are "tiny" (a still or
 * black picture costs the encoder almost nothing); a run of TINY_RUN of them
 * marks the GOP for a full look. */
#define TINY_SHARE 40
#define TINY_RUN   8
/* ... or at most this many bytes plus 1/2 bit per 16x16 block: a picture so
 * simple that its keyframe is small (test bars, a title card) still costs its
 * unchanged frames about nothing (skipped blocks), a changed one more. */
#define TINY_FLOOR 32
/* The pass keeps up to this many packets after each keyframe, to decode the
 * frame after it when the GOP or the one before is of tiny packets and
 * short (probe_flush; the frame is that many packets or fewer after it in
 * decode order). */
#define PROBE_MAX 8
/* How far past a run's end decoding goes on while a transition is open. */
#define MAX_SPILL_FRAMES 96
/* After a cut, the rest of its GOP is looked at first through the next
 * keyframe when at least this many frames remain (the keyframe costs about
 * as much as this many predicted frames). */
#define REST_MIN_FRAMES 12

typedef miqw_gop gop;

/* Streaming spike test: a frame is evaluated once the difference after it is known. */
typedef struct spike {
    int n;          /* pending differences held (0..2) */
    double dl, dm;  /* difference before the pending frame, of the pending frame */
    int64_t pm;     /* pending frame pts */
    int64_t lo, hi; /* cuts are accepted for lo < pts <= hi */
} spike;

typedef struct scene_state {
    miqw_media *m;
    double threshold, min_scene_s;
    AVCodecContext *dec;
    AVFrame *frame;
    AVPacket *pkt;
    struct SwsContext *sws;
    gop *gops;
    int ngops, gcap;
    miqw_changes changes;
    uint8_t prev[TSIZE] __attribute__((aligned(64)));
    uint8_t cur[TSIZE] __attribute__((aligned(64)));
    uint8_t prev2[TSIZE]; /* the pass's keyframe before prev's, if prev2_ok */
    int prev_gop;         /* gop whose keyframe is in prev, -1 */
    int prev2_ok;
    int recent[RECENT], nrecent, last_key_size, tiny_run, tiny_floor;
    miqw_shots *shots, *kshots; /* refined frames; the pass's keyframes (all-intra runs) */
    double black_min_s, frozen_min_s;
    int64_t frame_ts, last_fed; /* one frame in stream units; last pts given to shots */
    int fed_any;
    int64_t packets, decoded, end_pts, refined, seeks, still_skipped;
    uint8_t key[TSIZE];    /* the refine run's latest keyframe, of GOP key_gop */
    int key_gop, in_order; /* in_order: keyframes came in pts order */
    int failed;
    miqw_peek peek;             /* read-ahead to the next keyframe after a cut */
    uint8_t peek_key[TSIZE];    /* that keyframe's thumbnail */
    int64_t rest_skipped;       /* frames after a cut not decoded (the GOP's rest unchanged) */
    int peeked_gop;             /* the GOP whose next keyframe still_rest read ahead, -1 */
    int spike_gop;              /* the GOP whose rest after its last spike was judged, -1 */
    AVPacket *probe[PROBE_MAX]; /* packets after the latest keyframe, up to the frame after it */
    int nprobe, probe_ready;    /* probe_ready: that frame's packet is among them */
    int64_t reorder_ts;         /* the decoder's reorder delay, stream units */
    double tb;                  /* seconds per stream unit */
} scene_state;

static int thumb(scene_state *s, const AVFrame *f, uint8_t *out)
{
    return miqw_video_thumb(&s->sws, f, out, TW, TH);
}

static double thumb_diff(const uint8_t *a, const uint8_t *b)
{
    return miqw_thumb_diff(a, b);
}

static void add_cut(scene_state *s, int64_t pts, double score)
{
    miqw_changes_add(&s->changes, 0, pts, pts, pts, score);
    if (s->changes.failed)
        s->failed = 1;
}

static void spike_eval(scene_state *s, spike *k, double dr, int has_r)
{
    double nb = k->n > 1 ? k->dl : 0, score;
    if (has_r && dr > nb)
        nb = dr;
    if (k->n < 2 && !has_r)
        return; /* an isolated difference proves nothing */
    score = GAIN * (k->dm - nb);
    if (k->pm > k->lo && k->pm <= k->hi && score >= s->threshold)
        add_cut(s, k->pm, score);
}

static void spike_push(scene_state *s, spike *k, int64_t pts, double d)
{
    if (k->n)
        spike_eval(s, k, d, 1);
    k->dl = k->n ? k->dm : -1;
    k->n = k->n ? 2 : 1;
    k->dm = d;
    k->pm = pts;
}

static void spike_end(scene_state *s, spike *k)
{
    if (k->n)
        spike_eval(s, k, 0, 0);
    k->n = 0;
}

static gop *gop_add(scene_state *s, int64_t pts)
{
    if (s->ngops == s->gcap) {
        int cap = s->gcap ? s->gcap * 2 : 256;
        gop *n = realloc(s->gops, cap * sizeof(*n));
        if (!n)
            return NULL;
        s->gops = n;
        s->gcap = cap;
    }
    s->gops[s->ngops].pts = s->gops[s->ngops].last_pts = pts;
    s->gops[s->ngops].last_big = s->gops[s->ngops].last_spike = INT64_MIN;
    s->gops[s->ngops].last_still = INT64_MIN;
    s->gops[s->ngops].diff = -1;
    s->gops[s->ngops].along = NAN;
    s->gops[s->ngops].across = -1;
    s->gops[s->ngops].flags = 0;
    s->gops[s->ngops].packets = 1;
    return &s->gops[s->ngops++];
}

/* A decoded keyframe from the pass: compare with the previous one. */
static void on_keyframe(scene_state *s, const AVFrame *f)
{
    int64_t pts = f->best_effort_timestamp;
    int j;
    s->decoded++;
    for (j = s->ngops - 1; j >= 0 && j >= s->ngops - 64; j--)
        if (s->gops[j].pts == pts)
            break;
    if (j < 0 || j < s->ngops - 64) {
        /* the frame after the latest keyframe (probe_flush; frames come
         * out in display order, before the next keyframe): may it share a
         * frozen stretch with it? */
        if (s->prev_gop >= 0 && pts == s->gops[s->prev_gop].pts + s->frame_ts &&
            thumb(s, f, s->cur) == 0)
            s->gops[s->prev_gop].flags |= G_PROBED |
                                          (miqw_thumb_may_share_freeze(s->prev, s->cur) ? G_HELD
                                                                                        : 0);
        return;
    }
    if (thumb(s, f, s->cur) < 0)
        return;
    if (s->prev_gop >= 0 && s->prev_gop == j - 1) {
        s->gops[j - 1].diff = thumb_diff(s->prev, s->cur);
        if (miqw_thumb_frozen(s->prev, s->cur))
            s->gops[j - 1].flags |= G_SAME;
        if (s->prev2_ok) { /* for the GOPs a dissolve may spill into (miqw_gops.h) */
            s->gops[j - 1].along = miqw_key_along(s->prev2, s->prev, s->cur);
            s->gops[j - 1].across = thumb_diff(s->prev2, s->cur);
        }
        memcpy(s->prev2, s->prev, TSIZE);
    }
    s->prev2_ok = s->prev_gop >= 0 && s->prev_gop == j - 1;
    if (miqw_thumb_black(s->cur))
        s->gops[j].flags |= G_BLACK;
    /* Adjacent keyframes are consecutive frames: the pass alone sees their
     * transitions and stills. */
    if (j == 0 || pts - s->gops[j - 1].pts > s->frame_ts + s->frame_ts / 2)
        miqw_shots_reset(s->kshots);
    miqw_shots_frame(s->kshots, pts, pts + s->frame_ts, s->cur);
    memcpy(s->prev, s->cur, TSIZE);
    s->prev_gop = j;
}

static void drain(scene_state *s)
{
    while (avcodec_receive_frame(s->dec, s->frame) >= 0) {
        on_keyframe(s, s->frame);
        av_frame_unref(s->frame);
    }
}

/* GOP j (next keyframe at pts next) is of tiny packets and shorter than the
 * shortest still stretch reported: the frames after its keyframes may rule
 * such a stretch out (miqw_gops.c). */
static int probe_helps(const scene_state *s, int j, int64_t next)
{
    double min_s = s->black_min_s < s->frozen_min_s ? s->black_min_s : s->frozen_min_s;
    return j >= 0 && (s->gops[j].flags & G_STILL) && next != INT64_MAX &&
           (double)(next - s->gops[j].pts) * s->tb < min_s - 1e-6;
}

/* The latest GOP's packets are all seen (next: the pts of the keyframe after
 * it, INT64_MAX at the end): when that helps, the frame after its keyframe
 * is decoded from the packets kept. */
static void probe_flush(scene_state *s, int64_t next)
{
    int i, last = s->ngops - 1;
    if (s->probe_ready && last >= 0 &&
        (probe_helps(s, last, next) || probe_helps(s, last - 1, s->gops[last].pts))) {
        for (i = 0; i < s->nprobe; i++) {
            if (avcodec_send_packet(s->dec, s->probe[i]) == AVERROR(EAGAIN)) {
                drain(s);
                avcodec_send_packet(s->dec, s->probe[i]);
            }
            drain(s);
        }
    }
    for (i = 0; i < s->nprobe; i++)
        av_packet_free(&s->probe[i]);
    s->nprobe = 0;
    s->probe_ready = 0;
}

static int sc_packet(miqw_consumer *c, miqw_media *m, const AVPacket *pkt, const char **err,
                     const char **code)
{
    scene_state *s = c->state;
    int64_t pts = pkt->pts != AV_NOPTS_VALUE ? pkt->pts : pkt->dts;
    if (pkt->stream_index != m->video_idx)
        return 0;
    s->packets++;
    if (pts != AV_NOPTS_VALUE) {
        int64_t e = pts + (pkt->duration > 0 ? pkt->duration : 0);
        if (e > s->end_pts)
            s->end_pts = e;
    }
    if (!(pkt->flags & AV_PKT_FLAG_KEY)) {
        /* A cut inside a GOP: the frame after it costs nearly intra bits. */
        int i,
            mx = 0,
            tiny = (int64_t)pkt->size * TINY_SHARE < s->last_key_size || pkt->size <= s->tiny_floor;
        if (s->ngops) {
            gop *g = &s->gops[s->ngops - 1];
            g->packets++;
            if (pts != AV_NOPTS_VALUE && pts > g->last_pts)
                g->last_pts = pts;
            if (!tiny && (pts == AV_NOPTS_VALUE || pts > g->last_big))
                g->last_big = pts == AV_NOPTS_VALUE ? INT64_MAX : pts;
        }
        for (i = 0; i < s->nrecent && i < RECENT; i++)
            if (s->recent[i] > mx)
                mx = s->recent[i];
        if (s->ngops && s->nrecent >= 3 && pkt->size > 2 * mx && pkt->size > s->last_key_size / 4) {
            gop *g = &s->gops[s->ngops - 1];
            g->flags |= G_SUSPECT;
            /* the latest in display order (a B-frame spike follows its P-frame's) */
            if (pts == AV_NOPTS_VALUE || pts > g->last_spike)
                g->last_spike = pts == AV_NOPTS_VALUE ? INT64_MAX : pts;
        }
        /* A still or black stretch: frames that cost the encoder nothing. */
        s->tiny_run = tiny ? s->tiny_run + 1 : 0;
        if (s->ngops && s->tiny_run >= TINY_RUN) {
            gop *g = &s->gops[s->ngops - 1];
            g->flags |= G_STILL;
            if (pts == AV_NOPTS_VALUE || pts > g->last_still)
                g->last_still = pts == AV_NOPTS_VALUE ? INT64_MAX : pts;
        }
        s->recent[s->nrecent++ % RECENT] = pkt->size;
        if (s->ngops && !s->probe_ready && s->nprobe < PROBE_MAX &&
            (s->probe[s->nprobe] = av_packet_clone(pkt))) {
            s->nprobe++;
            s->probe_ready = pts != AV_NOPTS_VALUE &&
                             pts == s->gops[s->ngops - 1].pts + s->frame_ts;
        }
        return 0;
    }
    if (pts == AV_NOPTS_VALUE)
        return 0;
    probe_flush(s, pts);
    if (!gop_add(s, pts)) {
        *err = "out of memory";
        *code = "server_error";
        return -1;
    }
    s->last_key_size = pkt->size;
    s->tiny_run = 0;
    /* A keyframe that does not decode leaves its GOPs' diffs unknown (refined). */
    if (avcodec_send_packet(s->dec, pkt) == AVERROR(EAGAIN)) {
        drain(s);
        avcodec_send_packet(s->dec, pkt);
    }
    drain(s);
    return 0;
}

/* One fully decoded frame of a refine run: the cut spike test and the
 * transition / still detector. cont: the run continues frames already fed. */
static void refine_frame(scene_state *s, spike *k, int64_t pts, int *have_prev)
{
    if (s->fed_any && pts <= s->last_fed)
        return; /* a run that overlaps the previous one: these frames were seen */
    if (*have_prev)
        spike_push(s, k, pts, thumb_diff(s->prev, s->cur));
    miqw_shots_frame(s->shots, pts, pts + s->frame_ts, s->cur);
    memcpy(s->prev, s->cur, TSIZE);
    *have_prev = 1;
    s->last_fed = pts;
    s->fed_any = 1;
}

/* The GOP whose keyframe is at pts, -1 if none (keyframes in pts order). */
static int gop_index(const scene_state *s, int64_t pts)
{
    int lo = 0, hi = s->ngops - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (s->gops[mid].pts == pts)
            return mid;
        if (s->gops[mid].pts < pts)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

/* A refine run need not decode the rest of a GOP when what follows the
 * frame just decoded (pts, in s->cur) is a copy of it: every later packet of
 * the GOP is tiny (skipped blocks; only a weighted-prediction fade that comes
 * back to the same picture also costs that little), the frame is frozen
 * against the GOP's keyframe and the next keyframe against this one (a change
 * and back within the GOP would cost bits), and the GOP is at a constant rate
 * (so the skipped frames' times are known). Returns the next keyframe's pts,
 * or 0 when the GOP must be decoded on. */
static int64_t still_rest(scene_state *s, int64_t pts, int64_t sent_key)
{
    const gop *g;
    int64_t next;
    if (!s->in_order || s->key_gop < 0 || s->key_gop + 1 >= s->ngops)
        return 0;
    g = &s->gops[s->key_gop];
    next = s->gops[s->key_gop + 1].pts;
    if (pts < g->pts || pts + s->frame_ts >= next || pts < g->last_big ||
        g->last_pts - g->pts != (int64_t)(g->packets - 1) * s->frame_ts ||
        next - g->pts != (int64_t)g->packets * s->frame_ts)
        return 0;
    if (g->flags & G_SAME)
        return miqw_thumb_frozen(s->key, s->cur) ? next : 0;
    /* The keyframes differ (a cut into a still picture, say): the frame is
     * compared with the next keyframe itself, read ahead (once a GOP). */
    if (s->peeked_gop == s->key_gop || sent_key >= next)
        return 0;
    s->peeked_gop = s->key_gop;
    if (miqw_peek_key(&s->peek, s->m, next, &s->sws, s->peek_key) < 0)
        return 0;
    s->decoded++;
    return miqw_thumb_frozen(s->cur, s->peek_key) ? next : 0;
}

/* A cut was just placed, the frame after it decoded (pts, in s->cur): the
 * rest of its GOP need not be decoded when the next keyframe (decoded alone,
 * read ahead) is unchanged against that frame, as a GOP whose keyframes look
 * alike is not decoded at all; nor may anything else in the rest show: no
 * packet-size spike after the cut's own (which may come up to the reorder
 * delay later: a cut on a B-frame is paid by the next P-frame), no run of
 * tiny packets after it (a frozen stretch of TINY_RUN frames or more; the
 * still shot before a cut is no matter), no black keyframe or
 * black stretch open, no freeze against the keyframe; a frozen stretch open
 * (the B-frames of the cut alike) only matters when a shorter one than
 * TINY_RUN could be reported. A transition window open before the cut closes
 * as it would: the frames after it, unchanged, extend no blend. Returns the
 * next keyframe's pts, or 0 when the rest must be decoded. */
static int64_t rest_unchanged(scene_state *s, int64_t pts, int64_t sent_key)
{
    const gop *g;
    int64_t next;
    if (!s->in_order || s->key_gop < 0 || s->key_gop + 1 >= s->ngops)
        return 0;
    g = &s->gops[s->key_gop];
    next = s->gops[s->key_gop + 1].pts;
    if (pts < g->pts || next - pts < REST_MIN_FRAMES * s->frame_ts || sent_key >= next ||
        g->last_spike > pts + s->reorder_ts || g->last_still > pts || (g->flags & G_BLACK) ||
        (s->gops[s->key_gop + 1].flags & G_BLACK) ||
        (miqw_shots_still_open(s->shots) &
         (s->frozen_min_s < (TINY_RUN + 2) * s->frame_ts * s->tb ? 3 : MIQW_BLACK_OPEN)) ||
        miqw_peek_key(&s->peek, s->m, next, &s->sws, s->peek_key) < 0)
        return 0;
    s->decoded++;
    if (GAIN * thumb_diff(s->cur, s->peek_key) >= s->threshold * 0.5 ||
        miqw_thumb_frozen(s->cur, s->peek_key))
        return 0;
    return next;
}

/* A GOP decoded for a packet-size spike alone (its keyframes alike, no run
 * of tiny packets, not black, not long): once the frame after its last spike
 * is decoded (a cut there would be placed by now), the rest of the GOP is
 * judged as a GOP with alike keyframes is, by rest_unchanged, and besides:
 * no transition can open on the frames decoded (miqw_shots_settled), and
 * when the next GOP's keyframes differ, the rest moves less than MIQW_SPILL x
 * the threshold toward its keyframe (no dissolve spills into it). Judged
 * once per GOP (spike_gop). Returns the next keyframe's pts, or 0. */
static int64_t rest_after_spike(scene_state *s, int64_t pts, int64_t sent_key)
{
    const gop *g, *n;
    int64_t next;
    if (!s->in_order || s->key_gop < 0 || s->key_gop + 1 >= s->ngops || s->spike_gop == s->key_gop)
        return 0;
    g = &s->gops[s->key_gop];
    n = &s->gops[s->key_gop + 1];
    if (g->last_spike == INT64_MIN || pts <= g->last_spike || g->diff < 0 ||
        GAIN * g->diff >= s->threshold * 0.5 || (g->flags & (G_STILL | G_BLACK)) ||
        (double)(n->pts - g->pts) * s->tb > MIQW_LONG_GOP_S)
        return 0;
    s->spike_gop = s->key_gop;
    if (!miqw_shots_settled(s->shots) || !(next = rest_unchanged(s, pts, sent_key)))
        return 0;
    if ((n->diff < 0 || GAIN * n->diff >= s->threshold * 0.5) &&
        GAIN * thumb_diff(s->cur, s->peek_key) >= s->threshold * MIQW_SPILL)
        return 0;
    return next;
}

/* Decodes [from, ...) fully and feeds the spike test and the shot detector;
 * stops after the first frame past hi (or at the end), or, while a transition
 * or a still stretch is open there, up to MAX_SPILL_FRAMES later. A run that
 * starts inside the frames already fed continues them; otherwise the shot
 * detector is told there is a gap. */
static int refine(scene_state *s, int64_t from, int64_t hi)
{
    miqw_media *m = s->m;
    int cont = s->fed_any && from <= s->last_fed;
    spike k = {0, 0, 0, 0, cont ? s->last_fed : from, hi};
    int have_prev = cont, done = 0, eof = 0, rv, first = 1, tries = 0;
    int64_t past = 0, target = from, skip_until = 0, sent_key = INT64_MIN, gap_until = 0;
    /* 2 s in stream units: how much earlier to look again when a seek lands late */
    int64_t back = llround(2.0 / av_q2d(m->fmt->streams[m->video_idx]->time_base));
    s->seeks++;
    if (!cont)
        miqw_shots_reset(s->shots);
    s->key_gop = -1;
    miqw_peek_clear(&s->peek);
    if (av_seek_frame(m->fmt, m->video_idx, target, AVSEEK_FLAG_BACKWARD) < 0)
        return -1;
    avcodec_flush_buffers(s->dec);
    while (!done && !eof) {
        rv = miqw_peek_read(&s->peek, m, s->pkt);
        if (rv < 0) {
            eof = 1;
            avcodec_send_packet(s->dec, NULL);
        }
        else {
            int64_t ppts = s->pkt->pts != AV_NOPTS_VALUE ? s->pkt->pts : s->pkt->dts;
            if (skip_until) { /* the rest of a still GOP: on to the next keyframe */
                if (!(s->pkt->flags & AV_PKT_FLAG_KEY) || ppts == AV_NOPTS_VALUE ||
                    ppts < skip_until) {
                    av_packet_unref(s->pkt);
                    continue;
                }
                avcodec_flush_buffers(s->dec);
                skip_until = 0;
            }
            if ((s->pkt->flags & AV_PKT_FLAG_KEY) && ppts != AV_NOPTS_VALUE && ppts > sent_key)
                sent_key = ppts;
            rv = avcodec_send_packet(s->dec, s->pkt);
            av_packet_unref(s->pkt);
            if (rv < 0 && rv != AVERROR(EAGAIN) && rv != AVERROR_INVALIDDATA)
                return -1;
        }
        while (!done && avcodec_receive_frame(s->dec, s->frame) >= 0) {
            int64_t pts = s->frame->best_effort_timestamp;
            if (first && pts != AV_NOPTS_VALUE && pts > from && tries < 4) {
                /* Files without an index (MPEG-TS) seek by bytes and may land
                 * past the keyframe: look again earlier (frames before from
                 * are skipped). */
                av_frame_unref(s->frame);
                tries++;
                target -= back;
                miqw_peek_clear(&s->peek);
                if (av_seek_frame(m->fmt, m->video_idx, target, AVSEEK_FLAG_BACKWARD) < 0)
                    return -1;
                avcodec_flush_buffers(s->dec);
                break;
            }
            if (pts != AV_NOPTS_VALUE)
                first = 0;
            if (gap_until && pts != AV_NOPTS_VALUE && pts < gap_until) {
                s->decoded++; /* decoded before the rest of its GOP was skipped */
                av_frame_unref(s->frame);
                continue;
            }
            if (gap_until) { /* the frames are not consecutive any more */
                gap_until = 0;
                spike_end(s, &k);
                have_prev = 0;
                miqw_shots_reset(s->shots);
            }
            if (pts != AV_NOPTS_VALUE && pts >= from && !(s->fed_any && pts <= s->last_fed) &&
                thumb(s, s->frame, s->cur) == 0) {
                int64_t next, q;
                int g = gop_index(s, pts), ncuts = s->changes.n;
                s->decoded++;
                if (g >= 0) {
                    memcpy(s->key, s->cur, TSIZE);
                    s->key_gop = g;
                }
                /* past hi: a cut on an earlier frame counts (it has both neighbours) */
                if (hi != INT64_MAX && pts > hi && s->fed_any && s->last_fed > k.hi)
                    k.hi = s->last_fed;
                refine_frame(s, &k, pts, &have_prev);
                next = skip_until             ? 0
                       : s->changes.n > ncuts ? rest_unchanged(s, pts, sent_key)
                                              : rest_after_spike(s, pts, sent_key);
                if (next) {
                    s->rest_skipped += (next - pts) / s->frame_ts - 1;
                    skip_until = gap_until = next;
                }
                if (hi != INT64_MAX && pts > hi &&
                    (!miqw_shots_open(s->shots) || ++past > MAX_SPILL_FRAMES))
                    done = 1;
                if (!done && !skip_until && (next = still_rest(s, pts, sent_key)) > 0) {
                    for (q = pts + s->frame_ts; q < next; q += s->frame_ts) {
                        refine_frame(s, &k, q, &have_prev); /* s->cur: the copy */
                        s->still_skipped++;
                        past += hi != INT64_MAX && q > hi;
                    }
                    /* unless the decoder has its keyframe already (frames
                     * out lag packets in): the frames between are dropped */
                    skip_until = sent_key >= next ? 0 : next;
                }
            }
            else if (pts != AV_NOPTS_VALUE && pts >= from)
                s->decoded++; /* decoded, already seen */
            av_frame_unref(s->frame);
        }
    }
    spike_end(s, &k);
    if (eof)
        miqw_shots_reset(s->shots);
    return 0;
}

static miqw_scene_params params_of(const scene_state *s)
{
    miqw_scene_params sp = {s->threshold, s->min_scene_s, s->black_min_s, s->frozen_min_s};
    return sp;
}

/* The lists of a failed finish, freed with the pool (one JSON ownership rule). */
static void drop_lists(apr_pool_t *p, json_t *a, json_t *b, json_t *c, json_t *d)
{
    miq_json_pool(p, a);
    miq_json_pool(p, b);
    miq_json_pool(p, c);
    miq_json_pool(p, d);
}

static const char *sc_finish(miqw_consumer *c, miqw_media *m, apr_pool_t *p, json_t *result,
                             const char **code)
{
    scene_state *s = c->state;
    double fdur = m->fps > 0 ? 1.0 / m->fps : 0.04, end_t;
    json_t *cuts = json_array(), *scenes = json_array(), *stats, *sc;
    json_t *black = json_array(), *frozen = json_array();
    int j;
    int64_t end_frame, key_decoded;
    spike k = {0, 0, 0, 0, INT64_MIN, INT64_MAX};
    miqw_scene_params sp = params_of(s);
    miqw_shots *const shots[] = {s->shots, s->kshots};
    double still_min_s = s->black_min_s < s->frozen_min_s ? s->black_min_s : s->frozen_min_s;
    probe_flush(s, INT64_MAX);
    avcodec_send_packet(s->dec, NULL);
    drain(s);
    key_decoded = s->decoded;
    /* Adjacent keyframes (all-intra runs): the keyframe diffs are frame diffs. */
    for (j = 0; j + 1 < s->ngops; j++) {
        double span = miqw_ts_seconds(m, m->video_idx, s->gops[j + 1].pts) -
                      miqw_ts_seconds(m, m->video_idx, s->gops[j].pts);
        if (span <= fdur * 1.5 && s->gops[j].diff >= 0)
            spike_push(s, &k, s->gops[j + 1].pts, s->gops[j].diff);
        else
            spike_end(s, &k);
    }
    spike_end(s, &k);
    s->in_order = 1;
    for (j = 0; j + 1 < s->ngops; j++)
        if (s->gops[j + 1].pts <= s->gops[j].pts)
            s->in_order = 0;
    /* Runs of candidate GOPs, each decoded in one go. */
    for (j = 0; j < s->ngops && !s->failed; j++) {
        int b = j;
        if (!miqw_gop_candidate(s->gops, s->ngops, s->m, GAIN, s->threshold, j, fdur, still_min_s))
            continue;
        while (b + 1 < s->ngops && miqw_gop_candidate(s->gops, s->ngops, s->m, GAIN, s->threshold,
                                                      b + 1, fdur, still_min_s))
            b++;
        s->refined += b - j + 1;
        avcodec_flush_buffers(s->dec);
        if (refine(s, s->gops[j].pts, b + 1 < s->ngops ? s->gops[b + 1].pts : INT64_MAX) < 0) {
            *code = "server_error";
            return "could not seek in the video to place the cuts";
        }
        j = b;
    }
    miqw_shots_reset(s->shots);
    miqw_shots_reset(s->kshots);
    if (s->failed ||
        miqw_changes_join(&s->changes, m, &sp, p, shots, 2, s->frame_ts, black, frozen) < 0) {
        drop_lists(p, cuts, scenes, black, frozen);
        *code = "server_error";
        return "out of memory";
    }
    if (!s->decoded) { /* packets but not one picture: nothing was analysed */
        drop_lists(p, cuts, scenes, black, frozen);
        *code = "unsupported_media";
        return "no video frame of the media could be decoded (corrupt or truncated file)";
    }
    end_t = s->end_pts > 0 ? miqw_ts_seconds(m, m->video_idx, s->end_pts) : m->duration_s;
    end_frame = miqw_frame_number(m, end_t);
    miqw_changes_lists(&s->changes, m, &sp, p, end_frame, scenes, cuts);
    json_object_set_new(result, "cuts", cuts);
    json_object_set_new(result, "scenes", scenes);
    json_object_set_new(result, "black", black);
    json_object_set_new(result, "frozen", frozen);
    if (!(stats = json_object_get(result, "stats"))) {
        stats = json_object();
        json_object_set_new(result, "stats", stats);
    }
    sc = json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "decoded_frames", (json_int_t)s->decoded,
                   "still_frames", (json_int_t)s->still_skipped, "keyframe_frames",
                   (json_int_t)key_decoded, "total_frames", (json_int_t)s->packets, "keyframes",
                   (json_int_t)s->ngops, "refined_gops", (json_int_t)s->refined, "seeks",
                   (json_int_t)s->seeks);
    json_object_set_new(sc, "rest_skipped_frames", json_integer(s->rest_skipped));
    json_object_set_new(sc, "decoded_ratio",
                        json_real(s->packets ? (double)s->decoded / s->packets : 0));
    json_object_set_new(stats, "scenes", sc);
    return NULL;
}

static void sc_destroy(miqw_consumer *c)
{
    scene_state *s = c->state;
    int i;
    if (!s)
        return;
    avcodec_free_context(&s->dec);
    miqw_peek_free(&s->peek);
    for (i = 0; i < s->nprobe; i++)
        av_packet_free(&s->probe[i]);
    av_frame_free(&s->frame);
    av_packet_free(&s->pkt);
    sws_freeContext(s->sws);
    free(s->gops);
    miqw_changes_free(&s->changes);
    miqw_shots_free(s->shots);
    miqw_shots_free(s->kshots);
    free(s);
    c->state = NULL;
}

miqw_consumer *miqw_scene_consumer(apr_pool_t *p, miqw_media *m, const json_t *params,
                                   const char **err)
{
    miqw_consumer *c;
    scene_state *s;
    *err = NULL;
    if (m->video_idx < 0) {
        *err = MIQW_NO_VIDEO;
        return NULL;
    }
    /* Ranges and defaults: the video/scenes schema (timeline/moments nests the same object). */
    if (!(params = miqw_endpoint_params(p, "video/scenes", params, err)))
        return NULL;
    if (!(s = calloc(1, sizeof(*s)))) {
        *err = "out of memory";
        return NULL;
    }
    s->m = m;
    s->threshold = json_number_value(json_object_get(params, "threshold"));
    s->min_scene_s = json_number_value(json_object_get(params, "min_scene_s"));
    s->black_min_s = json_number_value(json_object_get(params, "black_min_s"));
    s->frozen_min_s = json_number_value(json_object_get(params, "frozen_min_s"));
    s->prev_gop = -1;
    s->key_gop = -1;
    s->peeked_gop = -1;
    s->spike_gop = -1;
    /* half a bit per 16x16 block */
    s->tiny_floor = TINY_FLOOR +
                    (int)(((int64_t)(m->width + 15) / 16) * ((m->height + 15) / 16) / 16);
    {
        AVStream *st = m->fmt->streams[m->video_idx];
        double f = m->fps > 0 ? m->fps : 25;
        s->frame_ts = llround(1.0 / (f * av_q2d(st->time_base)));
        if (s->frame_ts < 1)
            s->frame_ts = 1;
        s->tb = av_q2d(st->time_base);
        s->reorder_ts = s->frame_ts *
                        (st->codecpar->video_delay > 0 ? st->codecpar->video_delay : 0);
    }
    s->shots = miqw_shots_new(GAIN, s->threshold);
    s->kshots = miqw_shots_new(GAIN, s->threshold);
    s->frame = av_frame_alloc();
    s->pkt = av_packet_alloc();
    if (!s->frame || !s->pkt || !s->shots || !s->kshots ||
        !(s->dec = miqw_video_decoder(m, MIQW_DEC_FAST, err))) {
        c = apr_pcalloc(p, sizeof(*c));
        c->state = s;
        sc_destroy(c);
        if (!*err)
            *err = "out of memory";
        return NULL;
    }
    c = apr_pcalloc(p, sizeof(*c));
    c->name = "scenes";
    c->state = s;
    c->on_packet = sc_packet;
    c->finish = sc_finish;
    c->destroy = sc_destroy;
    return c;
}
