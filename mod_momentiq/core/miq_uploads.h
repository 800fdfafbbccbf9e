/* Uploads on disk, without httpd: ids, client file names (metadata only),
 * stored paths, signed upload URLs and storage clean-up. Shared by the
 * upload routes, the /files/ hook and momentiqctl purge.
 *
 * Layout below MomentIQStorageDir:
 *   uploads/<upload_id>.<ext>     ext from a small allow-list
 *   uploads/<upload_id>*.part     bodies being received (removed on failure)
 *   outputs/<job_id>/<name>       job outputs, served under /files/ */
#ifndef MIQ_UPLOADS_H
#define MIQ_UPLOADS_H

#include <apr_pools.h>
#include <apr_time.h>
#include "miq_server.h"

#define MIQ_FILENAME_MAX 255

/* "upl_" + 16 lowercase hex; NULL if the RNG failed. */
const char *miq_upload_id_new(apr_pool_t *p);
/* Whether s has that exact shape. */
int miq_upload_id_ok(const char *s);
/* Whether s is one safe path component: [A-Za-z0-9_.-]{1,128}, not "." or
 * "..", no leading dot. Job ids and output file names. */
int miq_storage_name_ok(const char *s);
/* Whether relpath is exactly "<name>/<name>" with both names safe (the
 * /files/ URL space: job_id/file). */
int miq_files_relpath_ok(const char *relpath);

/* Client file names are metadata only: the last path component, at most 255
 * bytes (cut on a UTF-8 boundary), invalid UTF-8, C0/C1 control characters,
 * leading dots and blanks dropped; "" becomes "upload". Never NULL. */
const char *miq_upload_filename(apr_pool_t *p, const char *name);
/* A file extension (no dot, lowercase, from a small allow-list) for stored
 * media: the client file name's when allowed, else one fitting the probed
 * container (format may be NULL), else "bin". Never NULL. */
const char *miq_upload_extension(apr_pool_t *p, const char *filename, const char *format);

/* Signed upload URLs (PUT without an API key):
 * base_url/v1/uploads/ID/bytes?exp=UNIX&sig=B64URL with
 * sig = HMAC-SHA256(server secret, "PUT upload/ID\nEXP") (domain-separated from
 * the /files/ signatures). *sig gets the signature (store only its SHA-256). */
const char *miq_upload_put_url(apr_pool_t *p, const miq_server *srv, const char *upload_id,
                               apr_time_t expires, const char **sig);
/* 1 when sig is valid for upload_id and exp, and exp is in the future. */
int miq_upload_put_sig_ok(apr_pool_t *p, const miq_server *srv, const char *upload_id,
                          const char *exp, const char *sig, apr_time_t now);

/* Removes path: a file, a symlink (never followed) or a directory tree.
 * Missing is success. APR_SUCCESS or the first error. */
apr_status_t miq_storage_remove(apr_pool_t *p, const char *path);

#endif
