/* Gradual transitions, black and frozen stretches from analysis thumbnails
 * (see miqw_shots.h). */
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include "analyses/miqw_shots.h"

#define RING 192
/* Half-widths, in frames, of the windows a blend is looked for in: a window
 * [c-w, c+w] is a dissolve when its inner frames are blends of its ends. */
static const int lags[] = {2, 3, 5, 8, 12, 18, 27, 40};
#define NLAGS   ((int)(sizeof(lags) / sizeof(lags[0])))
#define MAX_LAG 40
/* The longest side a window's calm test looks at (side_len). */
#define MAX_SIDE 24
/* Frames after the last matching window before a transition is closed. */
#define SETTLE 12
/* Fit tolerances: residual per pixel against the change between the ends,
 * plus one grey level of coding noise; alpha may step back this much; no
 * single frame may carry more than this share of the change (a cut). */
#define RESID_SHARE 0.22
#define RESID_FLOOR 1.0
#define ALPHA_BACK  0.15
#define ALPHA_STEP  0.6
/* Longest window taken as one transition (longer: a camera move). */
#define MAX_SPAN 120
/* Change allowed on the calmer and on the other side of a transition,
 * against its own. */
#define SIDE_CALM   0.3
#define SIDE_MOVING 0.8
/* blackdetect: pixels at most 10% above black, 98% of them. */
#define BLACK_PIX   (16 + 0.10 * (235 - 16))
#define BLACK_RATIO 0.98
/* freezedetect: -60 dB mean absolute difference (of 255 levels). */
#define FREEZE_MAFD (0.001 * 255)

/* The blend fit runs on a coarse 16x9 luma grid (4x4 thumbnail pixels a
 * cell): motion inside the shots and coding noise, which a dissolve makes
 * worse, average out; whether a frame is a blend or a moved picture is then
 * told by its luma variance (a blend of two unrelated pictures is flatter
 * than either, a moved picture is not). */
#define CW        16
#define CH        9
#define CN        (CW * CH)
#define VAR_SHARE 0.2

typedef struct slot {
    int64_t pts, next;
    double var; /* luma variance of the thumbnail */
    float co[CN];
    uint8_t th[MIQW_TSIZE];
} slot;

struct miqw_shots {
    double gain, threshold;
    slot ring[RING];
    int64_t n; /* frames since the last reset */
    /* open transition: window [lo, hi] (frame numbers since reset) */
    int open;
    int64_t lo, hi, quiet_after; /* no window centred before quiet_after */
    /* black run */
    int black;
    int64_t black_start, black_next;
    double black_sum;
    int64_t black_frames;
    /* frozen run: reference = its first frame */
    uint8_t ref[MIQW_TSIZE];
    int have_ref;
    int64_t ref_start, ref_next, ref_frames;
    double ref_worst;
    miqw_shot_event *ev;
    int nev, cap, failed;
};

double miqw_thumb_diff(const uint8_t *a, const uint8_t *b)
{
    long sy = 0, sc = 0;
    int i;
    for (i = 0; i < MIQW_TY; i++)
        sy += abs(a[i] - b[i]);
    for (; i < MIQW_TSIZE; i++)
        sc += abs(a[i] - b[i]);
    return (2.0 * sy / MIQW_TY + (double)sc / MIQW_TC) / (4.0 * 255.0);
}

miqw_shots *miqw_shots_new(double gain, double threshold)
{
    miqw_shots *s = calloc(1, sizeof(*s));
    if (s) {
        s->gain = gain;
        s->threshold = threshold;
        s->quiet_after = -1;
    }
    return s;
}

void miqw_shots_free(miqw_shots *s)
{
    if (s) {
        free(s->ev);
        free(s);
    }
}

static void emit(miqw_shots *s, int type, int64_t start, int64_t take, int64_t end, double score)
{
    if (s->nev == s->cap) {
        int cap = s->cap ? s->cap * 2 : 16;
        miqw_shot_event *n = realloc(s->ev, cap * sizeof(*n));
        if (!n) {
            s->failed = 1;
            return;
        }
        s->ev = n;
        s->cap = cap;
    }
    s->ev[s->nev].type = type;
    s->ev[s->nev].start = start;
    s->ev[s->nev].take = take;
    s->ev[s->nev].end = end;
    s->ev[s->nev].score = score < 0 ? 0 : score > 1 ? 1 : score;
    s->nev++;
}

static const slot *at(const miqw_shots *s, int64_t k)
{
    return &s->ring[k % RING];
}

static double black_ratio(const uint8_t *th)
{
    int i, b = 0;
    for (i = 0; i < MIQW_TY; i++)
        b += th[i] <= BLACK_PIX;
    return (double)b / MIQW_TY;
}

int miqw_thumb_black(const uint8_t *thumb)
{
    return black_ratio(thumb) >= BLACK_RATIO;
}

static double luma_mafd(const uint8_t *a, const uint8_t *b)
{
    long d = 0;
    int i;
    for (i = 0; i < MIQW_TY; i++)
        d += abs(a[i] - b[i]);
    return (double)d / MIQW_TY;
}

int miqw_thumb_frozen(const uint8_t *ref, const uint8_t *thumb)
{
    return luma_mafd(ref, thumb) <= FREEZE_MAFD;
}

int miqw_thumb_may_share_freeze(const uint8_t *a, const uint8_t *b)
{
    return luma_mafd(a, b) <= 2 * FREEZE_MAFD;
}

/* Blend coefficient of frame f between a (0) and b (1), luma, and the mean
 * absolute residual of that blend in grey levels. */
static double alpha_of(const float *a, const float *b, const float *f, double *resid)
{
    double num = 0, den = 0, al, r = 0;
    int i;
    for (i = 0; i < CN; i++) {
        double d = b[i] - a[i];
        num += (f[i] - a[i]) * d;
        den += d * d;
    }
    al = den > 0 ? num / den : 0;
    for (i = 0; i < CN; i++)
        r += fabs(f[i] - a[i] - al * (b[i] - a[i]));
    *resid = r / CN;
    return al;
}

static double coarse_mafd(const float *a, const float *b)
{
    double d = 0;
    int i;
    for (i = 0; i < CN; i++)
        d += fabs(a[i] - b[i]);
    return d / CN;
}

/* Luma covariance of two thumbnails. */
static double covariance(const uint8_t *a, const uint8_t *b)
{
    double sa = 0, sb = 0, sab = 0;
    int i;
    for (i = 0; i < MIQW_TY; i++) {
        sa += a[i];
        sb += b[i];
        sab += (double)a[i] * b[i];
    }
    return sab / MIQW_TY - (sa / MIQW_TY) * (sb / MIQW_TY);
}

/* Frame f's variance is what a blend of a and b at alpha would have. */
static int variance_fits(const slot *a, const slot *b, const slot *f, double al)
{
    double cov = covariance(a->th, b->th);
    double pred = al * al * b->var + (1 - al) * (1 - al) * a->var + 2 * al * (1 - al) * cov;
    double big = a->var > b->var ? a->var : b->var;
    return fabs(f->var - pred) <= VAR_SHARE * big + 4.0;
}

/* Is every frame of [a, b] a blend of its ends, with alpha rising smoothly? */
static int blend_fits(const miqw_shots *s, int64_t a, int64_t b)
{
    const float *A = at(s, a)->co, *B = at(s, b)->co;
    double tol = RESID_SHARE * coarse_mafd(A, B) + RESID_FLOOR, res, al, prev = 0;
    int64_t k, c = (a + b) / 2;
    al = alpha_of(A, B, at(s, c)->co, &res);
    if (al < 0.2 || al > 0.8 || res > tol || !variance_fits(at(s, a), at(s, b), at(s, c), al))
        return 0;
    for (k = a + 1; k <= b; k++) {
        al = k == b ? 1 : alpha_of(A, B, at(s, k)->co, &res);
        if ((k < b && res > tol) || al < prev - ALPHA_BACK || al - prev > ALPHA_STEP)
            return 0;
        if (al > prev)
            prev = al;
    }
    return 1;
}

/* How far each side of a window of half-width w must hold still for the
 * blend in it to be a transition: a pan or a zoom keeps changing at the same
 * rate before and after any window of it; two shots joined by a dissolve do
 * not (one side at least is calm). */
static int64_t side_len(int w)
{
    return w < 4 ? 4 : w > MAX_SIDE ? MAX_SIDE : w;
}

static int sides_hold(const miqw_shots *s, int64_t a, int64_t b, int64_t l)
{
    double d = miqw_thumb_diff(at(s, a)->th, at(s, b)->th), before, after, lo, hi;
    /* a side not seen in full (the run started inside it) is not calm */
    before = a >= l ? miqw_thumb_diff(at(s, a - l)->th, at(s, a)->th) : 1;
    after = miqw_thumb_diff(at(s, b)->th, at(s, b + l)->th);
    lo = before < after ? before : after;
    hi = before < after ? after : before;
    return lo <= SIDE_CALM * d && hi <= SIDE_MOVING * d;
}

/* The blend [a, b] as one event: its span from the alphas. */
static void emit_blend(miqw_shots *s, int type, int64_t a, int64_t b)
{
    const float *A = at(s, a)->co, *B = at(s, b)->co;
    int64_t k, start = -1, take = -1, end = -1;
    double res, score = s->gain * miqw_thumb_diff(at(s, a)->th, at(s, b)->th);
    /* Merged windows whose ends are closer than the threshold are no change
     * of shot: a pan or a swing that turns back (its windows each fit a
     * blend, the merged span returns to where it began). */
    if (b <= a || (type == MIQW_DISSOLVE && score < s->threshold))
        return;
    for (k = a; k <= b; k++) { /* alpha is 1 at b: take and end are always found */
        double al = k == a ? 0 : k == b ? 1 : alpha_of(A, B, at(s, k)->co, &res);
        if (start < 0 && al > 0.1)
            start = k - 1;
        if (take < 0 && al >= 0.5)
            take = k;
        if (end < 0 && al >= 0.9)
            end = k;
    }
    if (start < a)
        start = a;
    emit(s, type, at(s, start)->pts, at(s, take)->pts, at(s, end)->pts, score);
}

/* Closes the open window: a dissolve, or, around black frames, a fade-out
 * and/or a fade-in. */
static void close_transition(miqw_shots *s)
{
    int64_t k, b0 = -1, b1 = -1;
    s->open = 0;
    s->quiet_after = s->hi;
    if (s->hi - s->lo > MAX_SPAN)
        return;
    for (k = s->lo; k <= s->hi; k++)
        if (black_ratio(at(s, k)->th) >= BLACK_RATIO) {
            if (b0 < 0)
                b0 = k;
            b1 = k;
        }
    if (b0 < 0) {
        emit_blend(s, MIQW_DISSOLVE, s->lo, s->hi);
        return;
    }
    if (b0 > s->lo)
        emit_blend(s, MIQW_FADE_OUT, s->lo, b0);
    if (b1 < s->hi)
        emit_blend(s, MIQW_FADE_IN, b1, s->hi);
}

/* Windows end side_len frames before the newest frame, so that both their
 * sides are known when they are judged. */
static void look_for_blend(miqw_shots *s)
{
    int64_t n = s->n;
    int i;
    for (i = 0; i < NLAGS; i++) {
        int w = lags[i];
        int64_t l = side_len(w), b = n - l, a = b - 2 * w, c = b - w;
        if (a < 0 || c <= s->quiet_after)
            break;
        if (s->gain * miqw_thumb_diff(at(s, a)->th, at(s, b)->th) < s->threshold)
            continue;
        if (!blend_fits(s, a, b) || !sides_hold(s, a, b, l))
            continue;
        if (!s->open) {
            s->open = 1;
            s->lo = a;
            s->hi = b;
        }
        else {
            if (a < s->lo)
                s->lo = a;
            if (b > s->hi)
                s->hi = b;
        }
        break;
    }
    if (s->open && (n - s->hi >= SETTLE + 24 || n - s->lo >= RING - 2))
        close_transition(s);
}

static void close_black(miqw_shots *s)
{
    if (s->black && s->black_frames >= 2)
        emit(s, MIQW_BLACK, s->black_start, s->black_start, s->black_next,
             s->black_sum / s->black_frames);
    s->black = 0;
}

static void close_frozen(miqw_shots *s)
{
    if (s->have_ref && s->ref_frames >= 2)
        emit(s, MIQW_FROZEN, s->ref_start, s->ref_start, s->ref_next,
             1.0 - 0.5 * s->ref_worst / FREEZE_MAFD);
    s->have_ref = 0;
}

static void still_frame(miqw_shots *s, int64_t pts, int64_t next, const uint8_t *th)
{
    double br = black_ratio(th), d;
    if (br >= BLACK_RATIO) {
        close_frozen(s);
        if (!s->black) {
            s->black = 1;
            s->black_start = pts;
            s->black_sum = 0;
            s->black_frames = 0;
        }
        s->black_sum += br;
        s->black_frames++;
        s->black_next = next;
        return;
    }
    close_black(s);
    if (s->have_ref && (d = luma_mafd(s->ref, th)) <= FREEZE_MAFD) {
        s->ref_frames++;
        s->ref_next = next;
        if (d > s->ref_worst)
            s->ref_worst = d;
        return;
    }
    close_frozen(s);
    memcpy(s->ref, th, MIQW_TSIZE);
    s->have_ref = 1;
    s->ref_start = pts;
    s->ref_next = next;
    s->ref_frames = 1;
    s->ref_worst = 0;
}

void miqw_shots_frame(miqw_shots *s, int64_t pts, int64_t next_pts, const uint8_t *thumb)
{
    slot *sl = &s->ring[s->n % RING];
    int x, y, i;
    double sum = 0, sq = 0;
    sl->pts = pts;
    sl->next = next_pts;
    memcpy(sl->th, thumb, MIQW_TSIZE);
    memset(sl->co, 0, sizeof(sl->co));
    for (y = 0; y < MIQW_TH; y++)
        for (x = 0; x < MIQW_TW; x++) {
            int v = thumb[y * MIQW_TW + x];
            sl->co[(y / 4) * CW + x / 4] += v / 16.0f;
            sum += v;
            sq += (double)v * v;
        }
    sl->var = sq / MIQW_TY - (sum / MIQW_TY) * (sum / MIQW_TY);
    (void)i;
    still_frame(s, pts, next_pts, thumb);
    look_for_blend(s);
    s->n++;
}

int miqw_shots_open(const miqw_shots *s)
{
    return s->open || s->black || (s->have_ref && s->ref_frames >= 2);
}

int miqw_shots_still_open(const miqw_shots *s)
{
    return (s->black ? MIQW_BLACK_OPEN : 0) |
           (s->have_ref && s->ref_frames >= 2 ? MIQW_FROZEN_OPEN : 0);
}

int miqw_shots_settled(const miqw_shots *s)
{
    int64_t last = s->n - 1, b;
    int i;
    if (s->open)
        return 0;
    /* the windows look_for_blend judges once more frames come: both ends fed,
     * the far side not yet */
    for (i = 0; i < NLAGS; i++)
        for (b = last - side_len(lags[i]) + 1; b <= last; b++) {
            int64_t a = b - 2 * lags[i];
            if (a >= 0 && b - lags[i] > s->quiet_after &&
                s->gain * miqw_thumb_diff(at(s, a)->th, at(s, b)->th) >= s->threshold &&
                blend_fits(s, a, b))
                return 0;
        }
    return 1;
}

void miqw_shots_reset(miqw_shots *s)
{
    if (s->open)
        close_transition(s);
    close_black(s);
    close_frozen(s);
    s->n = 0;
    s->quiet_after = -1;
}

const miqw_shot_event *miqw_shots_events(const miqw_shots *s, int *n, int *failed)
{
    *n = s->nev;
    *failed = s->failed;
    return s->ev;
}
