/* Uploads on disk: ids, file names, signed upload URLs, clean-up; and the
 * upload services both surfaces share (store a received body, import a
 * source_url, create a signed upload URL). */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <apr_strings.h>
#include <apr_file_io.h>
#include <apr_file_info.h>
#include "base/miq_crypto.h"
#include "base/miq_fetch.h"
#include "base/miq_json.h"
#include "base/miq_log.h"
#include "base/miq_scope.h"
#include "jobs/miq_probe.h"
#include "jobs/miq_uploads.h"
#include "limits/miq_quota.h"
#include "base/miq_text.h"

const char *miq_upload_id_new(apr_pool_t *p)
{
    const char *hex = miq_random_hex(p, 8);
    return hex ? apr_pstrcat(p, "upl_", hex, NULL) : NULL;
}

int miq_upload_id_ok(const char *s)
{
    int i;
    if (!s || strncmp(s, "upl_", 4) || strlen(s) != 20)
        return 0;
    for (i = 4; i < 20; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return 1;
}

int miq_storage_name_ok(const char *s)
{
    apr_size_t n = 0;
    if (!s || !*s || s[0] == '.')
        return 0;
    for (; s[n]; n++) {
        unsigned char c = (unsigned char)s[n];
        if (c > 0x7f || !(isalnum(c) || c == '_' || c == '.' || c == '-'))
            return 0;
        if (n >= 128)
            return 0;
    }
    return !strstr(s, "..");
}

int miq_files_relpath_ok(const char *relpath)
{
    const char *slash;
    char dir[130];
    apr_size_t n;
    if (!relpath || !(slash = strchr(relpath, '/')))
        return 0;
    n = (apr_size_t)(slash - relpath);
    if (n == 0 || n >= sizeof(dir))
        return 0;
    memcpy(dir, relpath, n);
    dir[n] = 0;
    return miq_storage_name_ok(dir) && miq_storage_name_ok(slash + 1);
}

/* Extensions a stored upload may get. */
static const char *const exts[] = {"mp4",  "m4v",  "m4a", "mov", "3gp",  "mkv",  "webm",
                                   "mka",  "avi",  "wav", "mp3", "flac", "ogg",  "oga",
                                   "ogv",  "opus", "aac", "ts",  "mts",  "m2ts", "mpg",
                                   "mpeg", "flv",  "wmv", "wma", "asf",  "aif",  "aiff",
                                   "caf",  "amr",  "ac3", "mxf", "w64",  "wv",   NULL};

/* First element of a demuxer name list -> extension. */
static const struct {
    const char *fmt, *ext;
} fmt_exts[] = {{"mov", "mp4"}, {"matroska", "mkv"}, {"avi", "avi"},   {"wav", "wav"},
                {"w64", "w64"}, {"mp3", "mp3"},      {"flac", "flac"}, {"ogg", "ogg"},
                {"aac", "aac"}, {"mpegts", "ts"},    {"mpeg", "mpg"},  {"flv", "flv"},
                {"asf", "asf"}, {"aiff", "aiff"},    {"caf", "caf"},   {"amr", "amr"},
                {"ac3", "ac3"}, {"mxf", "mxf"},      {"wv", "wv"},     {NULL, NULL}};

const char *miq_upload_extension(apr_pool_t *p, const char *filename, const char *format)
{
    const char *dot = filename ? strrchr(filename, '.') : NULL;
    int i;
    if (dot && strlen(dot + 1) <= 5) {
        char *e = apr_pstrdup(p, dot + 1), *c;
        for (c = e; *c; c++)
            *c = (char)tolower((unsigned char)*c);
        for (i = 0; exts[i]; i++)
            if (!strcmp(e, exts[i]))
                return exts[i];
    }
    if (format) {
        apr_size_t n = strcspn(format, ",");
        for (i = 0; fmt_exts[i].fmt; i++)
            if (strlen(fmt_exts[i].fmt) == n && !strncmp(format, fmt_exts[i].fmt, n))
                return fmt_exts[i].ext;
    }
    return "bin";
}

const char *miq_upload_filename(apr_pool_t *p, const char *name)
{
    const char *base, *s;
    char *out, *o;
    apr_size_t n;
    if (!name)
        return "upload";
    /* Only the last path component: "C:\\x\\a.mp4" and "../../a.mp4" are "a.mp4". */
    for (base = s = name; *s; s++)
        if (*s == '/' || *s == '\\')
            base = s + 1;
    o = out = apr_palloc(p, strlen(base) + 1);
    for (s = base; *s;) {
        unsigned char c = (unsigned char)*s;
        int len = miq_text_utf8_seq((const unsigned char *)s);
        if (len <= 0) { /* invalid UTF-8: dropped (the name ends up in JSON) */
            s++;
            continue;
        }
        if (c < 0x20 || c == 0x7f || (len == 2 && c == 0xC2 && (unsigned char)s[1] < 0xA0) ||
            (o == out && (c == '.' || c == ' '))) {
            s += len; /* C0/C1 controls, leading dots and blanks */
            continue;
        }
        memcpy(o, s, (apr_size_t)len);
        o += len;
        s += len;
    }
    while (o > out && o[-1] == ' ')
        o--;
    *o = 0;
    n = (apr_size_t)(o - out);
    if (n > 255) {
        n = 255;
        while (n > 0 && ((unsigned char)out[n] & 0xC0) == 0x80)
            n--; /* do not cut a UTF-8 sequence */
        out[n] = 0;
    }
    return *out ? out : "upload";
}

static const char *put_sig(apr_pool_t *p, const miq_server *srv, const char *upload_id,
                           const char *exp)
{
    unsigned char mac[32];
    const char *msg = apr_pstrcat(p, "PUT upload/", upload_id, "\n", exp, NULL);
    miq_hmac_sha256(srv->keys.upload_urls, sizeof(srv->keys.upload_urls), msg, strlen(msg), mac);
    return miq_b64url_encode(p, mac, sizeof(mac));
}

const char *miq_upload_put_url(apr_pool_t *p, const miq_server *srv, const char *upload_id,
                               apr_time_t expires, const char **sig)
{
    const char *exp, *s;
    if (!srv || !srv->state_key || !miq_upload_id_ok(upload_id))
        return NULL;
    exp = apr_psprintf(p, "%" APR_TIME_T_FMT, apr_time_sec(expires));
    s = put_sig(p, srv, upload_id, exp);
    if (sig)
        *sig = s;
    return apr_pstrcat(p, srv->base_url ? srv->base_url : "", "/v1/uploads/", upload_id,
                       "/bytes?exp=", exp, "&sig=", s, NULL);
}

int miq_upload_put_sig_ok(apr_pool_t *p, const miq_server *srv, const char *upload_id,
                          const char *exp, const char *sig, apr_time_t now)
{
    if (!srv || !srv->state_key || !miq_upload_id_ok(upload_id) || !sig || !miq_expiry_ok(exp, now))
        return 0;
    return miq_secure_streq(put_sig(p, srv, upload_id, exp), sig);
}

apr_status_t miq_storage_remove(apr_pool_t *p, const char *path)
{
    apr_finfo_t fi;
    apr_status_t rv = apr_stat(&fi, path, APR_FINFO_TYPE | APR_FINFO_LINK, p);
    apr_dir_t *d;
    apr_pool_t *sub;
    if (APR_STATUS_IS_ENOENT(rv))
        return APR_SUCCESS;
    if (rv != APR_SUCCESS && rv != APR_INCOMPLETE)
        return rv;
    if (fi.filetype != APR_DIR) {
        rv = apr_file_remove(path, p);
        return APR_STATUS_IS_ENOENT(rv) ? APR_SUCCESS : rv;
    }
    if ((rv = apr_dir_open(&d, path, p)) != APR_SUCCESS)
        return rv;
    apr_pool_create(&sub, p);
    for (;;) {
        apr_status_t r2 = apr_dir_read(&fi, APR_FINFO_NAME | APR_FINFO_TYPE | APR_FINFO_LINK, d);
        if ((r2 != APR_SUCCESS && r2 != APR_INCOMPLETE) || !fi.name)
            break;
        if (!strcmp(fi.name, ".") || !strcmp(fi.name, ".."))
            continue;
        r2 = miq_storage_remove(sub, apr_pstrcat(sub, path, "/", fi.name, NULL));
        if (r2 != APR_SUCCESS && rv == APR_SUCCESS)
            rv = r2;
        apr_pool_clear(sub);
    }
    apr_dir_close(d);
    apr_pool_destroy(sub);
    if (rv == APR_SUCCESS) {
        rv = apr_dir_remove(path, p);
        if (APR_STATUS_IS_ENOENT(rv))
            rv = APR_SUCCESS;
    }
    return rv;
}

/* ---- services ------------------------------------------------------------------ */

#define IMPORT_TIMEOUT_S 300

static void reply(miq_reply *out, int status, const char *code, const char *message, json_t *body)
{
    out->status = status;
    out->code = code;
    out->message = message;
    out->body = body;
}

static void db_unavailable(miq_reply *out)
{
    reply(out, 503, "server_error", "the database is unavailable; try again shortly", NULL);
}

static void storage_error(apr_pool_t *p, miq_reply *out, apr_status_t rv, const char *what)
{
    miq_log_perror(MIQ_LOG_MARK, MIQ_LOG_ERR, rv, p, "MomentIQ: storage: %s", what);
    reply(out, 500, "server_error", "the upload could not be stored", NULL);
}

static apr_array_header_t *query(apr_pool_t *p, const miq_db *db, miq_sql_id_e id, int nargs,
                                 const char *const *args, int *ncols)
{
    const char *err = NULL;
    *ncols = 0;
    return db && db->query ? db->query(db->baton, p, id, nargs, args, ncols, &err) : NULL;
}

static const char *iso_time(apr_pool_t *p, apr_time_t t)
{
    apr_time_exp_t x;
    apr_time_exp_gmt(&x, t);
    return apr_psprintf(p, "%04d-%02d-%02dT%02d:%02d:%02dZ", x.tm_year + 1900, x.tm_mon + 1,
                        x.tm_mday, x.tm_hour, x.tm_min, x.tm_sec);
}

static const char *spath(apr_pool_t *p, const miq_upload_conf *c, const char *rel)
{
    return apr_pstrcat(p, c->storage_dir, "/", rel, NULL);
}

json_t *miq_upload_view(apr_pool_t *p, const char *const *row)
{
    json_t *o = json_object(), *probe = NULL;
    const char *dur = row[MIQ_UC_DURATION];
    json_object_set_new(o, "upload_id", json_string(row[MIQ_UC_ID]));
    json_object_set_new(o, "filename",
                        json_string(row[MIQ_UC_FILENAME] ? row[MIQ_UC_FILENAME] : ""));
    json_object_set_new(o, "status", json_string(row[MIQ_UC_STATUS]));
    json_object_set_new(o, "bytes",
                        json_integer(apr_atoi64(row[MIQ_UC_SIZE] ? row[MIQ_UC_SIZE] : "0")));
    json_object_set_new(o, "duration_s",
                        json_real(dur && *dur ? round(atof(dur) * 1000.0) / 1000.0 : 0.0));
    if (row[MIQ_UC_PROBE] && strcmp(row[MIQ_UC_PROBE], "null"))
        probe = miq_json_parse(p, row[MIQ_UC_PROBE], strlen(row[MIQ_UC_PROBE]), NULL);
    if (json_is_object(probe)) {
        static const char *const keys[] = {"format", "streams", "has_audio", "has_video", NULL};
        int i;
        for (i = 0; keys[i]; i++) {
            json_t *v = json_object_get(probe, keys[i]);
            if (v)
                json_object_set(o, keys[i], v);
        }
    }
    else
        json_object_set_new(o, "streams", json_array());
    json_object_set_new(o, "created_at", json_string(row[MIQ_UC_CREATED]));
    json_object_set_new(o, "expires_at",
                        row[MIQ_UC_EXPIRES] && *row[MIQ_UC_EXPIRES]
                            ? json_string(row[MIQ_UC_EXPIRES])
                            : json_null());
    return miq_json_pool(p, o);
}

void miq_upload_read(apr_pool_t *p, const miq_db *db, const char *id, const char *account,
                     int status, miq_reply *out)
{
    const char *args[2] = {id, account};
    apr_array_header_t *rows;
    int ncols;
    if (!(rows = query(p, db, MIQ_SQL_UPLOAD_GET, 2, args, &ncols)) ||
        (rows->nelts && ncols < MIQ_UC_COUNT)) {
        db_unavailable(out);
        return;
    }
    if (!rows->nelts) {
        reply(out, 404, "not_found", "no such upload", NULL);
        return;
    }
    reply(out, status, NULL, NULL, miq_upload_view(p, APR_ARRAY_IDX(rows, 0, const char *const *)));
}

int miq_upload_probe_part(apr_pool_t *p, const miq_upload_conf *c, const char *part,
                          const char *filename, apr_off_t bytes, json_t **probe, double *duration,
                          const char **ext, miq_reply *out)
{
    const char *code = NULL, *err;
    if (bytes == 0) {
        apr_file_remove(part, p);
        reply(out, 415, "unsupported_media", "the upload is empty", NULL);
        return 0;
    }
    /* untrusted bytes are decoded in a limited child process when configured
     * (always in httpd); in process only for tools that hold no secrets */
    if (c && c->probe_cmd)
        err = miq_probe_file_isolated(p, c->probe_cmd, part, c->probe_timeout_s, probe, duration,
                                      &code);
    else
        err = miq_probe_file(p, part, probe, duration, &code);
    if (err) {
        apr_file_remove(part, p);
        if (code && !strcmp(code, "unsupported_media"))
            reply(out, 415, "unsupported_media", err, NULL);
        else {
            miq_log_perror(MIQ_LOG_MARK, MIQ_LOG_ERR, 0, p, "MomentIQ: probe: %s", err);
            reply(out, 500, "server_error", "the upload could not be examined", NULL);
        }
        return 0;
    }
    if (!(c && c->probe_cmd))
        miq_json_pool(p, *probe); /* the isolated probe's answer is pool-bound already */
    *ext = miq_upload_extension(p, filename, miq_json_str(*probe, "format", NULL));
    return 1;
}

int miq_upload_space_ok(apr_pool_t *p, const miq_upload_conf *c, apr_off_t incoming, miq_reply *out)
{
    struct statvfs fs;
    apr_int64_t avail;
    if (!c || c->min_free <= 0 || !c->storage_dir || statvfs(c->storage_dir, &fs))
        return 1;
    avail = (apr_int64_t)fs.f_bavail * (apr_int64_t)fs.f_frsize;
    if (incoming < 0)
        incoming = 0;
    if (avail - (apr_int64_t)incoming >= c->min_free)
        return 1;
    miq_log_perror(MIQ_LOG_MARK, MIQ_LOG_WARNING, 0, p,
                   "MIQ00103: storage full: %" APR_INT64_T_FMT " bytes free in %s, %" APR_OFF_T_FMT
                   " asked, %" APR_INT64_T_FMT " kept free (MomentIQStorageMinFree)",
                   avail, c->storage_dir, incoming, c->min_free);
    reply(out, 503, "server_error",
          "storage full: the server cannot take this upload now; retry later", NULL);
    return 0;
}

void miq_upload_store(apr_pool_t *p, const miq_upload_conf *c, const miq_db *db,
                      const char *account, const char *id, const char *part, apr_off_t bytes,
                      const char *filename, const char *source_url, miq_reply *out)
{
    json_t *probe;
    double duration;
    const char *ext, *rel, *args[11];
    apr_status_t rv;
    int ncols;
    if (!miq_quota_check(p, db, c->quotas, account, bytes, 0, out)) {
        apr_file_remove(part, p);
        return;
    }
    if (!miq_upload_probe_part(p, c, part, filename, bytes, &probe, &duration, &ext, out))
        return;
    rel = apr_pstrcat(p, "uploads/", id, ".", ext, NULL);
    if ((rv = apr_file_rename(part, spath(p, c, rel), p)) != APR_SUCCESS) {
        apr_file_remove(part, p);
        storage_error(p, out, rv, "cannot move an upload into place");
        return;
    }
    args[0] = id;
    args[1] = account;
    args[2] = filename;
    args[3] = rel;
    args[4] = "ready";
    args[5] = apr_psprintf(p, "%" APR_OFF_T_FMT, bytes);
    args[6] = apr_psprintf(p, "%.6f", duration);
    args[7] = miq_json_dump(p, probe);
    args[8] = source_url;
    args[9] = NULL;
    args[10] = apr_itoa(p, c->retention_s);
    if (!query(p, db, MIQ_SQL_UPLOAD_CREATE, 11, args, &ncols)) {
        apr_file_remove(spath(p, c, rel), p);
        db_unavailable(out);
        return;
    }
    miq_upload_read(p, db, id, account, 201, out);
}

static apr_status_t uploads_dir(apr_pool_t *p, const miq_upload_conf *c)
{
    return apr_dir_make_recursive(spath(p, c, "uploads"),
                                  APR_FPROT_UREAD | APR_FPROT_UWRITE | APR_FPROT_UEXECUTE |
                                      APR_FPROT_GREAD | APR_FPROT_GEXECUTE,
                                  p);
}

void miq_upload_import(apr_pool_t *p, const miq_upload_conf *c, const miq_db *db,
                       const char *account, const char *url, const char *filename, miq_reply *out)
{
    const char *id = miq_upload_id_new(p), *part, *err, *code = NULL, *lease;
    miq_fetch_opts o;
    miq_fetch_result res;
    apr_status_t rv;
    int total_s = c->import_timeout_s > 0 ? c->import_timeout_s : IMPORT_TIMEOUT_S;
    if (!id) {
        storage_error(p, out, APR_EGENERAL, "no randomness for an upload id");
        return;
    }
    if ((rv = uploads_dir(p, c)) != APR_SUCCESS) {
        storage_error(p, out, rv, "cannot create the uploads directory");
        return;
    }
    /* Full already, or the disk is: refused before anything is fetched. The
     * size is not known yet; the bytes are checked again once here. */
    if (!miq_quota_check(p, db, c->quotas, account, 0, 0, out) ||
        !miq_upload_space_ok(p, c, 0, out))
        return;
    /* One slot of the account's imports for as long as the fetch may take
     * (and the probe after it): a crashed child's slot expires with it. */
    if (!(lease = miq_quota_acquire(p, db, c->quotas, MIQ_QUOTA_IMPORTS, account, total_s + 120,
                                    out)))
        return;
    memset(&o, 0, sizeof(o));
    memset(&res, 0, sizeof(res));
    o.max_bytes = c->max_bytes;
    o.allow_private = c->allow_private == 1;
    o.connect_timeout_s = 10;
    o.total_timeout_s = total_s;
    o.max_redirects = 3;
    o.ca_file = c->ca_file;
    part = spath(p, c, apr_pstrcat(p, "uploads/", id, ".part", NULL));
    err = miq_fetch_fetch(p, url, part, &o, &res, &code);
    /* Never the query string: it often holds a signature. */
    miq_log_perror(MIQ_LOG_MARK, MIQ_LOG_INFO, 0, p, "MomentIQ: import %s for account %s: %s",
                   miq_fetch_redact(p, url), account, err ? code : "fetched");
    if (!err && !miq_upload_space_ok(p, c, 0, out)) { /* the fetch filled the disk */
        apr_file_remove(part, p);
        miq_quota_release(p, db, lease);
        return;
    }
    if (err) {
        apr_file_remove(part, p);
        miq_quota_release(p, db, lease);
        if (code && !strcmp(code, "payload_too_large"))
            reply(out, 413, code, err, NULL);
        else if (code && !strcmp(code, "server_error"))
            storage_error(p, out, APR_EGENERAL, err);
        else
            reply(out, 400, "invalid_request", err, NULL);
        return;
    }
    if (!filename)
        filename = res.name_hint;
    miq_upload_store(p, c, db, account, id, part, res.bytes, miq_upload_filename(p, filename),
                     res.url_redacted, out);
    miq_quota_release(p, db, lease);
}

void miq_upload_signed(apr_pool_t *p, const miq_server *srv, const miq_upload_conf *c,
                       const miq_db *db, const char *account, const char *filename, apr_time_t now,
                       miq_reply *out)
{
    const char *id = miq_upload_id_new(p), *sig = NULL, *url, *args[11];
    apr_time_t exp = now + apr_time_from_sec(c->url_ttl_s);
    int ncols;
    if (!id) {
        storage_error(p, out, APR_EGENERAL, "no randomness for an upload id");
        return;
    }
    if (!(url = miq_upload_put_url(p, srv, id, exp, &sig))) {
        reply(out, 500, "server_error", "signed upload URLs are not configured", NULL);
        return;
    }
    if (!miq_quota_check(p, db, c->quotas, account, 0, 0, out))
        return;
    filename = filename ? filename : "upload";
    args[0] = id;
    args[1] = account;
    args[2] = filename;
    args[3] = "";
    args[4] = "awaiting_bytes";
    args[5] = "0";
    args[6] = NULL;
    args[7] = NULL;
    args[8] = NULL;
    args[9] = miq_sha256_hex(p, sig, strlen(sig));
    args[10] = apr_itoa(p, c->url_ttl_s);
    if (!query(p, db, MIQ_SQL_UPLOAD_CREATE, 11, args, &ncols)) {
        db_unavailable(out);
        return;
    }
    reply(out, 201, NULL, NULL,
          miq_json_packp(p, "{s:s,s:s,s:s,s:s,s:s,s:s}", "upload_id", id, "filename", filename,
                         "status", "awaiting_bytes", "upload_url", url, "upload_method", "PUT",
                         "expires_at", iso_time(p, exp)));
}

void miq_upload_delete(apr_pool_t *p, const miq_upload_conf *c, const miq_db *db,
                       const miq_caller *caller, const char *id, miq_reply *out)
{
    const char *args[2], *path;
    apr_array_header_t *rows;
    json_t *res, *jobs, *job;
    apr_status_t st;
    size_t i;
    int ncols, outputs = 0;
    if (!(caller->scopes & MIQ_SCOPE_ALL)) {
        reply(out, 403, "connector_scope_denied",
              apr_psprintf(p,
                           "deleting an upload needs a token with the all scope; this token has "
                           "%s",
                           miq_scope_format(p, caller->scopes)),
              NULL);
        return;
    }
    if (!miq_upload_id_ok(id)) {
        reply(out, 404, "not_found", "no such upload", NULL);
        return;
    }
    args[0] = id;
    args[1] = caller->account_id;
    if (!(rows = query(p, db, MIQ_SQL_UPLOAD_DELETE, 2, args, &ncols)) || rows->nelts != 1 ||
        ncols < 1) {
        db_unavailable(out);
        return;
    }
    path = APR_ARRAY_IDX(rows, 0, const char **)[0];
    if (!path || !*path) {
        reply(out, 404, "not_found", "no such upload", NULL);
        return;
    }
    res = miq_json_parse(p, path, strlen(path), NULL);
    path = miq_json_str(res, "path", "");
    if (!strncmp(path, "uploads/", 8) && miq_storage_name_ok(path + 8) &&
        (st = miq_storage_remove(p, apr_pstrcat(p, c->storage_dir, "/", path, NULL))) !=
            APR_SUCCESS)
        miq_log_perror(MIQ_LOG_MARK, MIQ_LOG_ERR, st, p, "MIQ10101: MomentIQ: could not remove %s",
                       path);
    jobs = json_object_get(res, "jobs");
    json_array_foreach(jobs, i, job)
    {
        const char *jid = json_string_value(job);
        if (!jid || !miq_storage_name_ok(jid))
            continue;
        st = miq_storage_remove(p, apr_pstrcat(p, c->storage_dir, "/outputs/", jid, NULL));
        if (st != APR_SUCCESS)
            miq_log_perror(MIQ_LOG_MARK, MIQ_LOG_ERR, st, p,
                           "MIQ10102: MomentIQ: could not remove the outputs of %s", jid);
        else
            outputs++;
    }
    reply(out, 200, NULL, NULL,
          miq_json_packp(p, "{s:b,s:s,s:I,s:i}", "deleted", 1, "upload_id", id, "jobs_canceled",
                         (json_int_t)json_array_size(json_object_get(res, "canceled")),
                         "jobs_outputs_deleted", outputs));
}
