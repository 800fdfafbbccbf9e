/* bench/classify_features: the speech / music / other classifier's features
 * of audio files, block by block, as CSV on stdout (header first):
 *   file,block,ler,edb_std,zcr_std,flux,flat,mod4,level_db,flux_cv,flux_ratio,type,confidence
 * type is what miqw_classify_decide says (-1: a block too quiet to type).
 * Built and run by bench/classify.sh (its --features mode), which fits the
 * decision's weights on such rows.
 *
 *   classify_features FILE...                                            */
#include <stdio.h>
#include <stdlib.h>
#include "analyses/miqw_classify.h"
#include "wtest_media_audio.h"

int main(int argc, char **argv)
{
    int i, b;
    printf(
        "file,block,ler,edb_std,zcr_std,flux,flat,mod4,level_db,flux_cv,flux_ratio,type,confidence\n");
    for (i = 1; i < argc; i++) {
        long n = 0;
        float *x = wtest_decode_mono(argv[i], &n);
        miqw_classify *c = x ? miqw_classify_new(44100) : NULL;
        if (!c || miqw_classify_feed(c, x, (int)n)) {
            fprintf(stderr, "classify_features: %s: could not decode or classify\n", argv[i]);
            free(x);
            miqw_classify_free(c);
            return 1;
        }
        for (b = 0; b < miqw_classify_nblocks(c); b++) {
            const miqw_class_features *f = miqw_classify_block(c, b);
            double conf = 0;
            int t = f->level_db < -50 ? -1 : miqw_classify_decide(f, &conf);
            printf("%s,%d,%.5f,%.4f,%.5f,%.5f,%.5f,%.5f,%.2f,%.4f,%.4f,%d,%.3f\n", argv[i], b,
                   f->ler, f->edb_std, f->zcr_std, f->flux, f->flat, f->mod4, f->level_db,
                   f->flux_cv, f->flux_ratio, t, conf);
        }
        miqw_classify_free(c);
        free(x);
    }
    return 0;
}
