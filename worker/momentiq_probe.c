/* momentiq-probe FILE: probes one uploaded file and prints one JSON line.
 * httpd runs it for every upload (MomentIQProbeCommand) so untrusted media is
 * decoded in a process with its own CPU, memory and time limits, which holds
 * no secret and is gone after one file. See core/jobs/miq_probe.h. */
#include <stdio.h>
#include <apr_general.h>
#include "jobs/miq_probe.h"

int main(int argc, const char *const *argv)
{
    apr_pool_t *p;
    int rv;
    if (argc != 2) {
        fprintf(stderr, "usage: momentiq-probe FILE\n");
        return 2;
    }
    if (apr_app_initialize(&argc, &argv, NULL) != APR_SUCCESS ||
        apr_pool_create(&p, NULL) != APR_SUCCESS)
        return 1;
    rv = miq_probe_child_main(p, argv[1], stdout);
    apr_pool_destroy(p);
    apr_terminate();
    return rv;
}
