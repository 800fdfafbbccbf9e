/* Suite "video_thumb": miqw_video_thumb's area average (the scene pass's
 * 64x36 thumbnails) against a plain per-pixel reference, on planes of
 * awkward sizes: widths that are no multiple of the vector width, odd
 * chroma, bands of exactly 257 rows of 255 (the most a 16-bit column sum
 * holds) and taller bands, padded line sizes, random and saturated
 * content. */
#include <stdlib.h>
#include <string.h>
#include <CUnit/CUnit.h>
#include <libavutil/frame.h>
#include <libswscale/swscale.h>
#include "unit.h"
#include "analyses/miqw_video.h"

#define TW 64
#define TH 36

/* The area average of a w x h plane into dw x dh, one pixel at a time. */
static void reference_plane(const uint8_t *src, int ls, int w, int h, uint8_t *dst, int dw, int dh)
{
    int i, j, x, y;
    for (j = 0; j < dh; j++)
        for (i = 0; i < dw; i++) {
            int x0 = (int)((int64_t)i * w / dw), x1 = (int)((int64_t)(i + 1) * w / dw);
            int y0 = (int)((int64_t)j * h / dh), y1 = (int)((int64_t)(j + 1) * h / dh);
            uint64_t sum = 0, n = (uint64_t)(x1 - x0) * (y1 - y0);
            for (y = y0; y < y1; y++)
                for (x = x0; x < x1; x++)
                    sum += src[(size_t)y * ls + x];
            dst[j * dw + i] = (uint8_t)((sum + n / 2) / n);
        }
}

/* fill: 0 random, 1 all 255, 2 a gradient with a random speckle. Returns how
 * many of the thumbnail's bytes differ from the reference (-1: no frame). */
static int thumb_mismatches(int w, int h, int fill, unsigned seed)
{
    AVFrame *f = av_frame_alloc();
    struct SwsContext *sws = NULL;
    uint8_t got[TW * TH * 3 / 2], want[TW * TH * 3 / 2];
    int p, x, y, bad = 0;
    if (!f)
        return -1;
    f->format = AV_PIX_FMT_YUV420P;
    f->width = w;
    f->height = h;
    if (av_frame_get_buffer(f, 0) < 0) {
        av_frame_free(&f);
        return -1;
    }
    srand(seed);
    for (p = 0; p < 3; p++) {
        int pw = p ? (w + 1) / 2 : w, ph = p ? (h + 1) / 2 : h;
        for (y = 0; y < ph; y++)
            for (x = 0; x < f->linesize[p]; x++)
                f->data[p][(size_t)y * f->linesize[p] + x] =
                    x >= pw     ? 0x5a /* padding, never read */
                    : fill == 1 ? 255
                    : fill == 2 ? (uint8_t)(((unsigned)(x * 7 + y * 3) +
                                             (rand() % 9 == 0 ? (unsigned)rand() : 0u)) &
                                            255u)
                                : (uint8_t)(rand() >> 5);
    }
    reference_plane(f->data[0], f->linesize[0], w, h, want, TW, TH);
    reference_plane(f->data[1], f->linesize[1], (w + 1) / 2, (h + 1) / 2, want + TW * TH, TW / 2,
                    TH / 2);
    reference_plane(f->data[2], f->linesize[2], (w + 1) / 2, (h + 1) / 2,
                    want + TW * TH + TW * TH / 4, TW / 2, TH / 2);
    memset(got, 0, sizeof(got));
    if (miqw_video_thumb(&sws, f, got, TW, TH) != 0)
        bad = -1;
    else
        for (p = 0; p < (int)sizeof(got); p++)
            bad += got[p] != want[p];
    sws_freeContext(sws);
    av_frame_free(&f);
    return bad;
}

static void sizes_and_contents(void)
{
    static const int sizes[][2] = {{1280, 720},  {1920, 1080}, {1919, 1079}, {1000, 562},
                                   {64, 36},     {65, 37},     {97, 41},     {720, 576},
                                   {3840, 2160}, {8192, 64}};
    size_t i;
    int fill;
    for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
        for (fill = 0; fill < 3; fill++) {
            int bad = thumb_mismatches(sizes[i][0], sizes[i][1], fill,
                                       (unsigned)(i * 3 + fill + 1));
            if (bad)
                fprintf(stderr, "  %dx%d fill %d: %d bytes differ\n", sizes[i][0], sizes[i][1],
                        fill, bad);
            CU_ASSERT_EQUAL(bad, 0);
        }
}

/* A band of 257 rows of 255 is the most a 16-bit column sum holds; 258 rows
 * and more take the 32-bit path. Both exact. */
static void tall_bands(void)
{
    CU_ASSERT_EQUAL(thumb_mismatches(100, 257 * TH, 1, 7), 0);
    CU_ASSERT_EQUAL(thumb_mismatches(100, 257 * TH, 0, 8), 0);
    CU_ASSERT_EQUAL(thumb_mismatches(96, 258 * TH + 5, 1, 9), 0);
    CU_ASSERT_EQUAL(thumb_mismatches(130, 300 * TH, 2, 10), 0);
}

MIQ_SUITE("video_thumb", MIQ_TEST(sizes_and_contents), MIQ_TEST(tall_bands))
