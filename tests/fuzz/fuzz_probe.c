/* The media probe (core/jobs/miq_probe.c) that httpd runs on every upload:
 * the input is written to a temporary file (one per process, under $TMPDIR or
 * /tmp) and probed with libavformat restricted to MIQ_PROBE_FORMATS. The
 * result must be either a probe with a positive duration or an error code. */
#include "fuzz_common.h"
#include <stdio.h>
#include <unistd.h>
#include "base/miq_json.h"
#include "jobs/miq_probe.h"

static char path[512];

static void remove_file(void)
{
    unlink(path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *tmp = getenv("TMPDIR");
    (void)argc;
    (void)argv;
    fuzz_init();
    snprintf(path, sizeof(path), "%s/miq-fuzz-probe-%ld.bin", tmp && *tmp ? tmp : "/tmp",
             (long)getpid());
    atexit(remove_file);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    FILE *f = fopen(path, "wb");
    json_t *probe = NULL;
    double duration = -1;
    const char *code = NULL, *err;
    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f))
        abort();
    err = miq_probe_file(p, path, &probe, &duration, &code);
    miq_json_pool(p, probe);
    if (err ? (!code || probe) : (code || !json_is_object(probe) || !(duration > 0)))
        abort();
    apr_pool_destroy(p);
    return 0;
}
