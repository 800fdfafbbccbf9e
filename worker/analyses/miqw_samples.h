/* Small loops over decoded float samples that the audio analyses run on every
 * sample (miqw_audio.c, miqw_loudness.c), written with GCC/Clang vector
 * types: the build is -O2 for a generic CPU, where GCC does not vectorise
 * these reductions by itself, and they run at the decoder's pace. Four lanes
 * of floats or two of doubles map to SSE2 / NEON, or to plain scalar code
 * elsewhere. Results are those of the plain loops (sums in double; the peak
 * ignores NaN, as `a > m ? a : m` does). */
#ifndef MIQW_SAMPLES_H
#define MIQW_SAMPLES_H

#include <stdint.h>
#include <string.h>
#ifdef __SSE__
#include <xmmintrin.h>
#endif

typedef float miqw_v4f __attribute__((vector_size(16)));
typedef int32_t miqw_v4i __attribute__((vector_size(16)));
typedef double miqw_v2d __attribute__((vector_size(16)));
typedef float miqw_v2f __attribute__((vector_size(8)));

static inline miqw_v4f miqw_load4(const float *x)
{
    miqw_v4f v;
    memcpy(&v, x, sizeof(v)); /* unaligned load */
    return v;
}

/* m where m >= v, else v (m when v is NaN): the ternary of the plain loop,
 * which is MAXPS on x86 (GCC does not emit it for the ternary itself). */
static inline miqw_v4f miqw_max4(miqw_v4f v, miqw_v4f m)
{
#ifdef __SSE__
    return (miqw_v4f)_mm_max_ps((__m128)v, (__m128)m);
#else
    miqw_v4i gt = v > m;
    return (miqw_v4f)(((miqw_v4i)v & gt) | ((miqw_v4i)m & ~gt));
#endif
}

/* The largest |x[i]| (0 for n <= 0; NaN never wins). Two accumulators: the
 * max is a loop-carried chain. */
static inline float miqw_abs_peak(const float *x, int n)
{
    const miqw_v4i absmask = {0x7fffffff, 0x7fffffff, 0x7fffffff, 0x7fffffff};
    miqw_v4f m0 = {0, 0, 0, 0}, m1 = m0;
    float pk, a;
    int i;
    for (i = 0; i + 8 <= n; i += 8) {
        m0 = miqw_max4((miqw_v4f)((miqw_v4i)miqw_load4(x + i) & absmask), m0);
        m1 = miqw_max4((miqw_v4f)((miqw_v4i)miqw_load4(x + i + 4) & absmask), m1);
    }
    m0 = miqw_max4(m1, m0);
    pk = m0[0] > m0[1] ? m0[0] : m0[1];
    pk = m0[2] > pk ? m0[2] : pk;
    pk = m0[3] > pk ? m0[3] : pk;
    for (; i < n; i++) {
        a = x[i] < 0 ? -x[i] : x[i];
        pk = a > pk ? a : pk;
    }
    return pk;
}

/* Sum of x[i]^2, accumulated in double. */
static inline double miqw_sumsq(const float *x, int n)
{
    miqw_v2d a0 = {0, 0}, a1 = {0, 0};
    double s;
    int i;
    for (i = 0; i + 4 <= n; i += 4) {
        miqw_v2f f0, f1;
        miqw_v2d lo, hi;
        memcpy(&f0, x + i, sizeof(f0));
        memcpy(&f1, x + i + 2, sizeof(f1));
        lo = __builtin_convertvector(f0, miqw_v2d);
        hi = __builtin_convertvector(f1, miqw_v2d);
        a0 += lo * lo;
        a1 += hi * hi;
    }
    s = (a0[0] + a0[1]) + (a1[0] + a1[1]);
    for (; i < n; i++)
        s += (double)x[i] * x[i];
    return s;
}

/* out[i] = (a[i] + b[i]) / 2: the mean of two channels (in float this equals
 * the mean taken in double and rounded once, but for subnormals). */
static inline void miqw_mix2(float *out, const float *a, const float *b, int n)
{
    const miqw_v4f half = {0.5f, 0.5f, 0.5f, 0.5f};
    int i;
    for (i = 0; i + 4 <= n; i += 4) {
        miqw_v4f v = (miqw_load4(a + i) + miqw_load4(b + i)) * half;
        memcpy(out + i, &v, sizeof(v));
    }
    for (; i < n; i++)
        out[i] = (a[i] + b[i]) * 0.5f;
}

#endif
