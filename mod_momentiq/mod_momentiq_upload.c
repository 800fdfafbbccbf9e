/* /v1/uploads: media streamed to the storage directory (64 KiB at a time,
 * whatever the size), size-capped, probed with libavformat, then recorded.
 *
 *   POST   /v1/uploads?filename=NAME        raw body                     -> 201 upload
 *   POST   /v1/uploads  {"source_url","filename"?}   import with libcurl -> 201 upload
 *   POST   /v1/uploads  {"filename","signed_url":true}                 -> 201 {upload_url}
 *   PUT    /v1/uploads/{id}/bytes?exp=&sig=  no API key (signed URL)    -> 200 upload
 *   GET    /v1/uploads/{id}                                             -> 200 upload
 *   DELETE /v1/uploads/{id}   the file and every derived job's outputs  -> 200 {deleted}
 *
 * NAME is metadata only: stored files are uploads/<upload_id>.<ext>. Anything
 * that fails (too big, not media, interrupted) leaves nothing on disk. */
#include <string.h>
#include <httpd.h>
#include <http_config.h>
#include <http_core.h>
#include <http_log.h>
#include <http_protocol.h>
#include <util_script.h>
#include <apr_strings.h>
#include <apr_file_io.h>
#include "mod_momentiq_private.h"
#include "mod_momentiq_upload.h"
#include "mod_momentiq_config.h"
#include "mod_momentiq_body.h"
#include "mod_momentiq_dbd.h"
#include "mod_momentiq_dbd_core.h"
#include "base/miq_crypto.h"
#include "base/miq_http_rules.h"
#include "base/miq_json.h"
#include "jobs/miq_uploads.h"
#include "limits/miq_quota.h"

#define CHUNK         (64 * 1024)
#define JSON_BODY_MAX (64 * 1024)

static const char *spath(request_rec *r, const miq_srv_conf *sc, const char *rel)
{
    return apr_pstrcat(r->pool, sc->storage_dir, "/", rel, NULL);
}

static int storage_error(request_rec *r, apr_status_t rv, const char *what)
{
    ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r, MIQLOGNO(10960) "MomentIQ: storage: %s", what);
    return miq_send_error(r, HTTP_INTERNAL_SERVER_ERROR, "server_error",
                          "the upload could not be stored");
}

static apr_status_t uploads_dir(request_rec *r, const miq_srv_conf *sc)
{
    return apr_dir_make_recursive(spath(r, sc, "uploads"),
                                  APR_FPROT_UREAD | APR_FPROT_UWRITE | APR_FPROT_UEXECUTE |
                                      APR_FPROT_GREAD | APR_FPROT_GEXECUTE,
                                  r->pool);
}

/* ---- services (core/miq_uploads.c) and their replies ---------------------------------- */

void miq_upload_conf_of(request_rec *r, miq_upload_conf *c)
{
    const miq_srv_conf *sc = miq_conf(r->server);
    miq_quotas *q = apr_pcalloc(r->pool, sizeof(*q));
    memset(c, 0, sizeof(*c));
    miq_conf_quotas(r, q, &c->min_free);
    c->quotas = q;
    c->storage_dir = sc->storage_dir;
    c->max_bytes = sc->max_upload;
    c->retention_s = sc->upload_retention_s;
    c->url_ttl_s = sc->file_url_ttl_s;
    c->allow_private = sc->import_allow_private == 1;
    c->ca_file = sc->fetch_ca_file;
    c->probe_cmd = sc->probe_cmd;
    c->probe_timeout_s = sc->probe_timeout_s;
}

/* A service reply as HTTP (miq_send_reply), a new upload with its Location. */
static int send_reply(request_rec *r, const miq_reply *rep)
{
    if (rep->status == HTTP_CREATED && miq_upload_id_ok(miq_json_str(rep->body, "upload_id", "")))
        apr_table_setn(r->headers_out, "Location",
                       apr_pstrcat(r->pool, "/v1/uploads/",
                                   miq_json_str(rep->body, "upload_id", ""), NULL));
    return miq_send_reply(r, rep);
}

static int send_upload(request_rec *r, ap_dbd_t *dbd, int status, const char *id,
                       const char *account)
{
    miq_db db;
    miq_reply rep;
    miq_db_bind(r, dbd, &db);
    memset(&rep, 0, sizeof(rep));
    miq_upload_read(r->pool, &db, id, account, status, &rep);
    return send_reply(r, &rep);
}

/* ---- receiving a body --------------------------------------------------------------- */

/* The largest body accepted here: MomentIQMaxUploadSize, and httpd's
 * LimitRequestBody when that is lower (it would cut the body first). */
static apr_off_t upload_limit(request_rec *r, const miq_srv_conf *sc)
{
    apr_off_t lim = sc->max_upload, core = ap_get_limit_req_body(r);
    return core > 0 && core < lim ? core : lim;
}

static int too_large(request_rec *r, apr_off_t limit)
{
    r->connection->keepalive = AP_CONN_CLOSE; /* the rest of the body is never read */
    return miq_send_error(r, HTTP_REQUEST_ENTITY_TOO_LARGE, "payload_too_large",
                          apr_psprintf(r->pool,
                                       "the upload is larger than the limit of %" APR_OFF_T_FMT
                                       " bytes",
                                       limit));
}

/* Streams the request body into path (created exclusively). Returns OK with
 * *bytes, or the response already sent (nothing left on disk). */
static int receive_body(request_rec *r, const miq_srv_conf *sc, ap_dbd_t *dbd, const char *account,
                        const char *path, apr_off_t *bytes, int *sent)
{
    miq_upload_conf c;
    miq_reply rep;
    miq_db db;
    apr_off_t limit = upload_limit(r, sc), total = 0;
    const char *cl = apr_table_get(r->headers_in, "Content-Length");
    apr_file_t *f;
    apr_status_t rv, werr = APR_SUCCESS;
    char *buf;
    int status = OK;
    *bytes = 0;
    *sent = 1;
    if (cl) {
        char *end;
        apr_int64_t v = apr_strtoi64(cl, &end, 10);
        if (end == cl || *end || v < 0)
            return miq_send_error(r, HTTP_BAD_REQUEST, "invalid_request",
                                  "Content-Length is not a number");
        if (v > limit)
            return too_large(r, limit); /* refused before a byte is read */
    }
    /* The account's storage quota and the disk, before a byte is read: with
     * the announced length (a chunked body is counted again once received). */
    miq_upload_conf_of(r, &c);
    miq_db_bind(r, dbd, &db);
    memset(&rep, 0, sizeof(rep));
    if (!miq_quota_check(r->pool, &db, c.quotas, account, cl ? apr_atoi64(cl) : 0, 0, &rep) ||
        !miq_upload_space_ok(r->pool, &c, cl ? (apr_off_t)apr_atoi64(cl) : 0, &rep)) {
        r->connection->keepalive = AP_CONN_CLOSE; /* the body is never read */
        if (rep.status == HTTP_SERVICE_UNAVAILABLE)
            apr_table_setn(r->err_headers_out, "Retry-After", "60");
        return miq_send_reply(r, &rep);
    }
    if (ap_setup_client_block(r, REQUEST_CHUNKED_DECHUNK) != OK)
        return miq_send_error(r, HTTP_BAD_REQUEST, "invalid_request",
                              "the request body could not be read");
    if ((rv = uploads_dir(r, sc)) != APR_SUCCESS)
        return storage_error(r, rv, "cannot create the uploads directory");
    rv = apr_file_open(&f, path,
                       APR_FOPEN_WRITE | APR_FOPEN_CREATE | APR_FOPEN_EXCL | APR_FOPEN_BINARY,
                       APR_FPROT_UREAD | APR_FPROT_UWRITE | APR_FPROT_GREAD, r->pool);
    if (rv != APR_SUCCESS)
        return storage_error(r, rv, "cannot create an upload file");
    buf = apr_palloc(r->pool, CHUNK);
    if (ap_should_client_block(r)) {
        for (;;) {
            long n = ap_get_client_block(r, buf, CHUNK);
            if (n == 0)
                break;
            if (n < 0) {
                /* httpd's own LimitRequestBody ends the body with an error too. */
                status = total + CHUNK > limit ? HTTP_REQUEST_ENTITY_TOO_LARGE : HTTP_BAD_REQUEST;
                break;
            }
            total += n;
            if (total > limit) {
                status = HTTP_REQUEST_ENTITY_TOO_LARGE;
                break;
            }
            if ((rv = apr_file_write_full(f, buf, (apr_size_t)n, NULL)) != APR_SUCCESS) {
                status = HTTP_INTERNAL_SERVER_ERROR;
                werr = rv;
                break;
            }
        }
    }
    if ((rv = apr_file_close(f)) != APR_SUCCESS && status == OK) {
        status = HTTP_INTERNAL_SERVER_ERROR;
        werr = rv;
    }
    if (status != OK) {
        apr_file_remove(path, r->pool);
        if (status == HTTP_REQUEST_ENTITY_TOO_LARGE)
            return too_large(r, limit);
        if (status == HTTP_BAD_REQUEST)
            return miq_send_error(r, HTTP_BAD_REQUEST, "invalid_request",
                                  "the upload was interrupted before the end of the body");
        if (APR_STATUS_IS_ENOSPC(werr)) { /* the disk filled during the body: nothing kept */
            ap_log_rerror(APLOG_MARK, APLOG_WARNING, werr, r,
                          APLOGNO(10961) "MomentIQ: storage full while receiving an upload");
            r->connection->keepalive = AP_CONN_CLOSE;
            apr_table_setn(r->err_headers_out, "Retry-After", "60");
            return miq_send_error(r, HTTP_SERVICE_UNAVAILABLE, "server_error",
                                  "storage full: the server cannot take this upload now; retry "
                                  "later");
        }
        return storage_error(r, werr, "cannot write an upload file");
    }
    *bytes = total;
    *sent = 0;
    return OK;
}

/* A received and accepted body: probe, move into place, record. 201 upload. */
static int store_upload(request_rec *r, ap_dbd_t *dbd, const miq_caller *caller, const char *id,
                        const char *part, apr_off_t bytes, const char *filename)
{
    miq_upload_conf c;
    miq_db db;
    miq_reply rep;
    miq_upload_conf_of(r, &c);
    miq_db_bind(r, dbd, &db);
    memset(&rep, 0, sizeof(rep));
    miq_upload_store(r->pool, &c, &db, caller->account_id, id, part, bytes, filename, NULL, &rep);
    return send_reply(r, &rep);
}

/* ---- POST /v1/uploads ---------------------------------------------------------------- */

static int post_raw(request_rec *r, const miq_srv_conf *sc, ap_dbd_t *dbd, const miq_caller *caller)
{
    apr_table_t *args = NULL;
    const char *id = miq_upload_id_new(r->pool), *part, *filename;
    apr_off_t bytes;
    int sent, rv;
    if (!id)
        return storage_error(r, APR_EGENERAL, "no randomness for an upload id");
    ap_args_to_table(r, &args);
    filename = miq_upload_filename(r->pool, args ? apr_table_get(args, "filename") : NULL);
    part = spath(r, sc, apr_pstrcat(r->pool, "uploads/", id, ".part", NULL));
    rv = receive_body(r, sc, dbd, caller->account_id, part, &bytes, &sent);
    if (sent)
        return rv;
    return store_upload(r, dbd, caller, id, part, bytes, filename);
}

static int post_import(request_rec *r, ap_dbd_t *dbd, const miq_caller *caller, const char *url,
                       const char *filename)
{
    miq_upload_conf c;
    miq_db db;
    miq_reply rep;
    miq_upload_conf_of(r, &c);
    miq_db_bind(r, dbd, &db);
    memset(&rep, 0, sizeof(rep));
    miq_upload_import(r->pool, &c, &db, caller->account_id, url, filename, &rep);
    return send_reply(r, &rep);
}

static int post_signed(request_rec *r, const miq_srv_conf *sc, ap_dbd_t *dbd,
                       const miq_caller *caller, const char *filename)
{
    miq_upload_conf c;
    miq_db db;
    miq_reply rep;
    if (!sc->mcp)
        return miq_send_error(r, HTTP_INTERNAL_SERVER_ERROR, "server_error",
                              "signed upload URLs are not configured");
    miq_upload_conf_of(r, &c);
    miq_db_bind(r, dbd, &db);
    memset(&rep, 0, sizeof(rep));
    miq_upload_signed(r->pool, sc->mcp, &c, &db, caller->account_id, filename, apr_time_now(),
                      &rep);
    return send_reply(r, &rep);
}

static int post_uploads(request_rec *r, const miq_srv_conf *sc, ap_dbd_t *dbd,
                        const miq_caller *caller)
{
    json_t *body, *v;
    const char *err, *url, *filename = NULL;
    int rv, signed_url;
    if (!miq_http_ctype_is(apr_table_get(r->headers_in, "Content-Type"), "application/json"))
        return post_raw(r, sc, dbd, caller);
    if ((rv = miq_read_json_body(r, JSON_BODY_MAX, &body, &err)) != OK)
        return miq_send_error(r, rv == HTTP_REQUEST_ENTITY_TOO_LARGE ? rv : HTTP_BAD_REQUEST,
                              rv == HTTP_REQUEST_ENTITY_TOO_LARGE ? "payload_too_large"
                                                                  : "invalid_request",
                              err);
    if ((v = json_object_get(body, "filename")) && !json_is_null(v)) {
        if (!json_is_string(v))
            return miq_send_error(r, HTTP_BAD_REQUEST, "invalid_request",
                                  "filename must be a string");
        filename = miq_upload_filename(r->pool, json_string_value(v));
    }
    v = json_object_get(body, "signed_url");
    if (v && !json_is_boolean(v))
        return miq_send_error(r, HTTP_BAD_REQUEST, "invalid_request",
                              "signed_url must be true or false");
    signed_url = json_is_true(v);
    v = json_object_get(body, "source_url");
    if (v && !json_is_null(v) && !json_is_string(v))
        return miq_send_error(r, HTTP_BAD_REQUEST, "invalid_request",
                              "source_url must be a string");
    url = json_is_string(v) ? json_string_value(v) : NULL;
    if (url && signed_url)
        return miq_send_error(r, HTTP_BAD_REQUEST, "invalid_request",
                              "give either source_url or signed_url, not both");
    if (url)
        return post_import(r, dbd, caller, url, filename);
    if (signed_url)
        return post_signed(r, sc, dbd, caller, filename ? filename : "upload");
    return miq_send_error(r, HTTP_BAD_REQUEST, "invalid_request",
                          "send the media as the request body (POST /v1/uploads?filename=NAME), "
                          "or JSON {\"source_url\": URL} to import, or {\"filename\": NAME, "
                          "\"signed_url\": true} for an upload URL");
}

/* ---- PUT /v1/uploads/{id}/bytes (signed URL) ----------------------------------------- */

/* Columns of MIQ_SQL_UPLOAD_PUT_GET. */
enum { PC_ACCOUNT, PC_FILENAME, PC_STATUS, PC_HASH, PC_LIVE, PC_COUNT };

static int put_bytes(request_rec *r, const char *id)
{
    miq_srv_conf *sc = miq_conf(r->server);
    apr_table_t *args = NULL;
    const char *exp, *sig, *hash, **row, *part, *rel, *a[7], **done, *ext;
    ap_dbd_t *dbd;
    apr_off_t bytes;
    json_t *probe;
    double duration;
    miq_reply rep;
    miq_upload_conf uc;
    int ncols = 0, rv, sent;
    ap_args_to_table(r, &args);
    exp = args ? apr_table_get(args, "exp") : NULL;
    sig = args ? apr_table_get(args, "sig") : NULL;
    if (!exp || !sig)
        return miq_send_error(r, HTTP_FORBIDDEN, "invalid_signature",
                              "this upload URL needs its exp and sig parameters");
    if (!sc->mcp || !miq_upload_put_sig_ok(r->pool, sc->mcp, id, exp, sig, apr_time_now()))
        return miq_send_error(r, HTTP_FORBIDDEN, "invalid_signature",
                              "the upload URL is invalid or expired; ask for a new one");
    if (!(dbd = miq_dbd(r)))
        return miq_send_db_unavailable(r, NULL);
    rv = miq_db_row(r, dbd, MIQ_SQL_UPLOAD_PUT_GET, 1, &id, &row, &ncols);
    if (rv < 0 || (rv == 1 && ncols < PC_COUNT))
        return miq_send_db_unavailable(r, NULL);
    if (rv == 0)
        return miq_send_error(r, HTTP_NOT_FOUND, "not_found", "no such upload");
    hash = miq_sha256_hex(r->pool, sig, strlen(sig));
    if (strcmp(row[PC_STATUS], "awaiting_bytes")) /* the signature was valid */
        return miq_send_error(r, HTTP_CONFLICT, "conflict",
                              "this upload already received its bytes");
    if (!miq_secure_streq(hash, row[PC_HASH]) || strcmp(row[PC_LIVE], "live"))
        return miq_send_error(r, HTTP_FORBIDDEN, "invalid_signature",
                              "the upload URL is invalid or expired; ask for a new one");
    part = spath(r, sc,
                 apr_pstrcat(r->pool, "uploads/", id, ".", miq_random_hex(r->pool, 4), ".part",
                             NULL));
    rv = receive_body(r, sc, dbd, row[PC_ACCOUNT], part, &bytes, &sent);
    if (sent)
        return rv;
    memset(&rep, 0, sizeof(rep));
    {
        miq_upload_conf c;
        miq_db db;
        miq_upload_conf_of(r, &c);
        miq_db_bind(r, dbd, &db);
        if (!miq_quota_check(r->pool, &db, c.quotas, row[PC_ACCOUNT], bytes, 0, &rep)) {
            apr_file_remove(part, r->pool);
            return send_reply(r, &rep);
        }
    }
    miq_upload_conf_of(r, &uc);
    if (!miq_upload_probe_part(r->pool, &uc, part, row[PC_FILENAME], bytes, &probe, &duration, &ext,
                               &rep))
        return send_reply(r, &rep);
    rel = apr_pstrcat(r->pool, "uploads/", id, ".", ext, NULL);
    a[0] = rel;
    a[1] = apr_psprintf(r->pool, "%" APR_OFF_T_FMT, bytes);
    a[2] = apr_psprintf(r->pool, "%.6f", duration);
    a[3] = miq_json_dump(r->pool, probe);
    a[4] = apr_itoa(r->pool, sc->upload_retention_s);
    a[5] = id;
    a[6] = hash;
    /* The row flips first (one PUT wins), then the winner's file moves into place. */
    rv = miq_db_row(r, dbd, MIQ_SQL_UPLOAD_READY, 7, a, &done, &ncols);
    if (rv != 1) {
        apr_file_remove(part, r->pool);
        if (rv < 0)
            return miq_send_db_unavailable(r, NULL);
        return miq_send_error(r, HTTP_CONFLICT, "conflict",
                              "this upload already received its bytes");
    }
    if ((rv = apr_file_rename(part, spath(r, sc, rel), r->pool)) != APR_SUCCESS) {
        apr_file_remove(part, r->pool);
        return storage_error(r, rv, "cannot move an upload into place");
    }
    return send_upload(r, dbd, HTTP_OK, id, row[PC_ACCOUNT]);
}

/* ---- GET / DELETE /v1/uploads/{id} ------------------------------------------------------ */

static int delete_upload(request_rec *r, ap_dbd_t *dbd, const miq_caller *caller, const char *id)
{
    miq_upload_conf c;
    miq_db db;
    miq_reply rep;
    miq_upload_conf_of(r, &c);
    miq_db_bind(r, dbd, &db);
    memset(&rep, 0, sizeof(rep));
    miq_upload_delete(r->pool, &c, &db, caller, id, &rep);
    return send_reply(r, &rep);
}

/* ---- routing ------------------------------------------------------------------------------ */

/* "/v1/uploads/ID/bytes" -> ID, else NULL. */
static const char *bytes_route_id(request_rec *r)
{
    static const char prefix[] = "/v1/uploads/";
    const char *rest, *slash;
    if (!r->uri || strncmp(r->uri, prefix, sizeof(prefix) - 1))
        return NULL;
    rest = r->uri + sizeof(prefix) - 1;
    if (!(slash = strchr(rest, '/')) || strcmp(slash, "/bytes"))
        return NULL;
    return apr_pstrndup(r->pool, rest, (apr_size_t)(slash - rest));
}

int miq_upload_put_route(request_rec *r)
{
    const char *id = bytes_route_id(r);
    if (!id)
        return DECLINED;
    if (r->method_number != M_PUT) {
        apr_table_setn(r->headers_out, "Allow", "PUT");
        return miq_send_error(r, HTTP_METHOD_NOT_ALLOWED, "invalid_request",
                              "PUT the media bytes to the signed upload URL");
    }
    if (!miq_upload_id_ok(id))
        return miq_send_error(r, HTTP_NOT_FOUND, "not_found", "no such upload");
    return put_bytes(r, id);
}

int miq_handle_uploads(request_rec *r, const miq_caller *caller)
{
    miq_srv_conf *sc = miq_conf(r->server);
    const char *rest, *id;
    ap_dbd_t *dbd;
    int rv;
    if ((rv = miq_upload_put_route(r)) != DECLINED)
        return rv;
    if (!caller || !caller->account_id)
        return miq_send_error(r, HTTP_UNAUTHORIZED, "authentication_required",
                              "send Authorization: Bearer <API key or connector token>");
    if (strncmp(r->uri, "/v1/uploads", 11) || (r->uri[11] && r->uri[11] != '/'))
        return miq_send_error(r, HTTP_NOT_FOUND, "not_found", "no such route");
    rest = r->uri + 11;
    if (!*rest || !strcmp(rest, "/")) {
        if (r->method_number != M_POST) {
            apr_table_setn(r->headers_out, "Allow", "POST");
            return miq_send_error(r, HTTP_METHOD_NOT_ALLOWED, "invalid_request",
                                  "POST /v1/uploads creates an upload");
        }
        if (!(dbd = miq_dbd(r)))
            return miq_send_db_unavailable(r, NULL);
        return post_uploads(r, sc, dbd, caller);
    }
    id = rest + 1;
    if (strchr(id, '/'))
        return miq_send_error(r, HTTP_NOT_FOUND, "not_found",
                              apr_psprintf(r->pool, "no such route: %s %s", r->method, r->uri));
    if (r->method_number != M_GET && r->method_number != M_DELETE) {
        apr_table_setn(r->headers_out, "Allow", "GET, DELETE");
        return miq_send_error(r, HTTP_METHOD_NOT_ALLOWED, "invalid_request",
                              "GET or DELETE /v1/uploads/{id}");
    }
    if (!miq_upload_id_ok(id))
        return miq_send_error(r, HTTP_NOT_FOUND, "not_found", "no such upload");
    if (!(dbd = miq_dbd(r)))
        return miq_send_db_unavailable(r, NULL);
    if (r->method_number == M_DELETE)
        return delete_upload(r, dbd, caller, id);
    return send_upload(r, dbd, HTTP_OK, id, caller->account_id);
}
