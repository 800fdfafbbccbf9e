/* momentiqctl report: the operators' reports (miqctl_report.c). */
#ifndef MIQCTL_REPORT_H
#define MIQCTL_REPORT_H

#include <apr_pools.h>

int miqctl_report_handles(const char *cmd);
int miqctl_report_run(apr_pool_t *p, const char *conninfo, int argc, const char *const *argv);

#endif
