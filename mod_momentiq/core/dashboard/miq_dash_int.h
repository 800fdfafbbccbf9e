/* Private to core/dashboard/: the helpers its two service files share. */
#ifndef MIQ_DASH_INT_H
#define MIQ_DASH_INT_H
#include "dashboard/miq_dashboard.h"

/* A catalog statement's rows, or NULL (no database, an error, or fewer than
 * min_cols columns). */
apr_array_header_t *miq_dash_run(const miq_dash_env *env, miq_sql_id_e id, int nargs,
                                 const char *const *args, int min_cols);
/* 503 server_error: the account database did not answer. */
void miq_dash_unavailable(miq_reply *out);

#endif
