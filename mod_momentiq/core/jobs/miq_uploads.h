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
#include <jansson.h>
#include "db/miq_db.h"
#include "jobs/miq_jobs.h"
#include "base/miq_server.h"

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

/* ---- services shared by /v1/uploads and momentiq.create_upload ---------------- */

/* What the upload services need from the configuration. */
typedef struct miq_upload_conf {
    const char *storage_dir;  /* MomentIQStorageDir */
    apr_off_t max_bytes;      /* MomentIQMaxUploadSize */
    int retention_s;          /* MomentIQRetention (uploads) */
    int url_ttl_s;            /* signed upload URL lifetime (MomentIQFileURLTTL) */
    int allow_private;        /* MomentIQImportAllowPrivate */
    int import_timeout_s;     /* whole source_url transfer; 0: 300 */
    const char *ca_file;      /* MomentIQFetchCAFile */
    const char *probe_cmd;    /* MomentIQProbeCommand: momentiq-probe, or NULL: in process */
    int probe_timeout_s;      /* how long one probe may take */
    const miq_quotas *quotas; /* MomentIQQuota (storage, imports); NULL: none */
    apr_int64_t min_free;     /* MomentIQStorageMinFree: bytes the disk keeps free */
} miq_upload_conf;

/* Columns of MIQ_SQL_UPLOAD_GET. */
enum {
    MIQ_UC_ID,
    MIQ_UC_FILENAME,
    MIQ_UC_PATH,
    MIQ_UC_STATUS,
    MIQ_UC_SIZE,
    MIQ_UC_DURATION,
    MIQ_UC_PROBE,
    MIQ_UC_CREATED,
    MIQ_UC_EXPIRES,
    MIQ_UC_PUT_HASH,
    MIQ_UC_COUNT
};

/* The public view of an upload row (MIQ_SQL_UPLOAD_GET): upload_id, filename,
 * status, bytes, duration_s, format, streams, has_audio, has_video,
 * created_at, expires_at. Pool-bound. */
json_t *miq_upload_view(apr_pool_t *p, const char *const *row);
/* The account's upload as a reply with status (200, 201), or 404 / 503. */
void miq_upload_read(apr_pool_t *p, const miq_db *db, const char *id, const char *account,
                     int status, miq_reply *out);
/* Probes a received file: 1 with *probe (pool-bound), *duration and *ext; 0
 * with a 415/500 reply, the file removed. */
int miq_upload_probe_part(apr_pool_t *p, const miq_upload_conf *c, const char *part,
                          const char *filename, apr_off_t bytes, json_t **probe, double *duration,
                          const char **ext, miq_reply *out);
/* 1 when the storage disk can take incoming more bytes and keep min_free
 * free (statvfs of storage_dir); 0 with 503 server_error "storage full"
 * (Retry-After worthy). A disk that cannot be measured passes. */
int miq_upload_space_ok(apr_pool_t *p, const miq_upload_conf *c, apr_off_t incoming,
                        miq_reply *out);
/* A received body at part (below storage_dir/uploads): probe, move into place
 * as uploads/<id>.<ext>, record. 201 with the upload view, or an error with
 * nothing left on disk. source_url: the redacted import URL or NULL. */
void miq_upload_store(apr_pool_t *p, const miq_upload_conf *c, const miq_db *db,
                      const char *account, const char *id, const char *part, apr_off_t bytes,
                      const char *filename, const char *source_url, miq_reply *out);
/* Imports url (miq_fetch_fetch with the configured limits), then stores it
 * like a body. filename NULL: the URL's last path segment. 201 upload, or
 * 400 invalid_request / 413 payload_too_large / 415 unsupported_media / 429
 * quota_exceeded (storage, or the imports in flight) / 5xx. */
void miq_upload_import(apr_pool_t *p, const miq_upload_conf *c, const miq_db *db,
                       const char *account, const char *url, const char *filename, miq_reply *out);
/* DELETE /v1/uploads/{id}: the upload, its file and every derived job's
 * outputs go; its queued and running jobs are canceled (reservations
 * released). Needs the all scope: a connector limited to a family must not
 * destroy media other connectors use. 200 {deleted, upload_id,
 * jobs_canceled, jobs_outputs_deleted}, or 403 / 404 / 503. */
void miq_upload_delete(apr_pool_t *p, const miq_upload_conf *c, const miq_db *db,
                       const miq_caller *caller, const char *id, miq_reply *out);
/* An awaiting_bytes upload and its signed PUT URL, valid url_ttl_s from now:
 * 201 {upload_id, filename, status, upload_url, upload_method, expires_at}. */
void miq_upload_signed(apr_pool_t *p, const miq_server *srv, const miq_upload_conf *c,
                       const miq_db *db, const char *account, const char *filename, apr_time_t now,
                       miq_reply *out);

#endif
