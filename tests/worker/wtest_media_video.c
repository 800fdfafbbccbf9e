/* Video test media; see wtest_media_video.h. */
#include <unistd.h>
#include <sys/stat.h>
#include <apr_strings.h>
#include "wtest_media.h"
#include "wtest_media_video.h"

#define ENC "-c:v libx264 -preset veryfast -g 48 -keyint_min 48 -sc_threshold 0 -bf 2 -an"
/* One shot: a lavfi source at the test size and rate, d seconds. */
#define SHOT(src, d) src "=s=320x180:r=25:d=" #d ",format=yuv420p,setsar=1"

const int wtv_trans_spans[5][2] = {{100, 125}, {200, 225}, {300, 325}, {425, 425}, {525, 565}};

static const char *cached(apr_pool_t *p, const char *name)
{
    const char *path = wtest_path(p, name);
    return path && access(path, R_OK) == 0 ? path : NULL;
}

/* Shots that move as filmed pictures do: slow pans and zooms, grain. */
const char *wtv_transitions(apr_pool_t *p)
{
    const char *path = cached(p, "v2_trans.mp4");
    if (path)
        return path;
    return wtest_ffmpeg(
        p, "v2_trans.mp4",
        "-filter_complex \""
        "testsrc=s=640x180:r=25:d=5,crop=320:180:x='t*20':y=0,format=yuv420p,setsar=1,"
        "drawbox=c=white:t=fill:enable='eq(n,50)'[s0];"
        "smptehdbars=s=320x180:r=25:d=5,noise=alls=8:allf=t,format=yuv420p,setsar=1[s1];"
        "mandelbrot=s=320x180:r=25:maxiter=100,trim=end_frame=125,setpts=PTS-STARTPTS,"
        "format=yuv420p,setsar=1[s2];"
        "testsrc=s=1200x180:r=25:d=5,crop=320:180:x='t*30':y=0,format=yuv420p,setsar=1[s3];"
        "[s0][s1]xfade=transition=fade:duration=1:offset=4[x1];"
        "[x1][s2]xfade=transition=dissolve:duration=1:offset=8[x2];"
        "[x2][s3]xfade=transition=fadeblack:duration=1:offset=12[x3];"
        "testsrc2=s=320x180:r=25:d=4.8,format=yuv420p,setsar=1,hue=h=250,"
        "fade=t=out:st=4:d=0.8[s4];"
        "testsrc2=s=320x180:r=25:d=4,format=yuv420p,setsar=1,negate,fade=t=in:st=0:d=0.8[s5];"
        "[x3][s4][s5]concat=n=3:v=1:a=0[v]\" -map '[v]' " ENC);
}

const char *wtv_no_changes(apr_pool_t *p)
{
    const char *path = cached(p, "v2_pans.mp4");
    if (path)
        return path;
    return wtest_ffmpeg(p, "v2_pans.mp4",
                        "-filter_complex \"testsrc=s=2400x180:r=25:d=12,crop=320:180:y=0:"
                        "x='if(lt(t,5),t*50,if(lt(t,5.6),250+(t-5)*1000,850+(t-5.6)*50))',"
                        "format=yuv420p,setsar=1[a];"
                        "testsrc2=s=640x360:r=25:d=8,zoompan=z='1+0.003*in':d=1:s=320x180:fps=25,"
                        "format=yuv420p,setsar=1[b];[a][b]concat=n=2:v=1:a=0[v]\" -map '[v]' " ENC);
}

const char *wtv_stills(apr_pool_t *p)
{
    const char *path = cached(p, "v2_stills.mp4");
    if (path)
        return path;
    return wtest_ffmpeg(
        p, "v2_stills.mp4",
        "-filter_complex \"" SHOT(
            "testsrc2",
            3) "[a];"
               "color=c=black:s=320x180:r=25:d=2.5,format=yuv420p,setsar=1[b];" SHOT(
                   "testsrc2",
                   3) ",hue=h=90[c];testsrc2=s=320x180:r=25,trim=start_frame=40:end_frame=41,"
                      "setpts=PTS-STARTPTS,loop=loop=74:size=1,format=yuv420p,setsar=1[d];"
                      "testsrc2=s=320x180:r=25:d=3,format=yuv420p,setsar=1[e];"
                      "[a][b][c][d][e]concat=n=5:v=1:a=0[v]\" -map '[v]' " ENC);
}

const char *wtv_rotated(apr_pool_t *p)
{
    const char *src = wtv_transitions(p), *path = cached(p, "v2_rot90.mp4");
    if (path || !src)
        return path;
    return wtest_ffmpeg(p, "v2_rot90.mp4", "-i '%s' -c copy -metadata:s:v:0 rotate=90", src);
}

const char *wtv_anamorphic(apr_pool_t *p)
{
    const char *path = cached(p, "v2_anamorphic.mp4");
    if (path)
        return path;
    return wtest_ffmpeg(
        p, "v2_anamorphic.mp4",
        "-f lavfi -i 'testsrc2=s=720x576:r=25:d=4,setsar=64/45,format=yuv420p' " ENC);
}

const char *wtv_ts_offset(apr_pool_t *p)
{
    const char *src = wtv_transitions(p), *path = cached(p, "v2_offset.ts");
    if (path || !src)
        return path;
    return wtest_ffmpeg(p, "v2_offset.ts", "-i '%s' -c copy -output_ts_offset 10 -f mpegts", src);
}

const char *wtv_truncated_ts(apr_pool_t *p, double fraction, const char *name)
{
    const char *src = wtv_ts_offset(p);
    return src ? wtest_truncated(p, src, name, fraction) : NULL;
}

const char *wtv_head(apr_pool_t *p, const char *src, const char *name, long bytes)
{
    struct stat sb;
    if (!src || stat(src, &sb) != 0 || sb.st_size <= 0)
        return NULL;
    return wtest_truncated(p, src, name, (double)bytes / sb.st_size);
}
