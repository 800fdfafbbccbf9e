/* Uploads on disk: ids, file names, signed upload URLs, clean-up. */
#include <ctype.h>
#include <string.h>
#include <apr_strings.h>
#include <apr_file_io.h>
#include <apr_file_info.h>
#include "miq_crypto.h"
#include "miq_uploads.h"

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
static const char *const exts[] = {"mp4", "m4v", "m4a", "mov", "3gp", "mkv", "webm", "mka",
                                   "avi", "wav", "mp3", "flac", "ogg", "oga", "ogv", "opus",
                                   "aac", "ts", "mts", "m2ts", "mpg", "mpeg", "flv", "wmv",
                                   "wma", "asf", "aif", "aiff", "caf", "amr", "ac3", "mxf",
                                   "w64", "wv", NULL};

/* First element of a demuxer name list -> extension. */
static const struct {
    const char *fmt, *ext;
} fmt_exts[] = {{"mov", "mp4"},   {"matroska", "mkv"}, {"avi", "avi"},  {"wav", "wav"},
                {"w64", "w64"},   {"mp3", "mp3"},      {"flac", "flac"}, {"ogg", "ogg"},
                {"aac", "aac"},   {"mpegts", "ts"},    {"mpeg", "mpg"}, {"flv", "flv"},
                {"asf", "asf"},   {"aiff", "aiff"},    {"caf", "caf"},  {"amr", "amr"},
                {"ac3", "ac3"},   {"mxf", "mxf"},      {"wv", "wv"},    {NULL, NULL}};

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

/* Length of the valid UTF-8 sequence at s (shortest form, no surrogates), or 0. */
static int utf8_len(const unsigned char *s)
{
    int n, i;
    unsigned cp;
    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xC2 && s[0] <= 0xDF)
        n = 2, cp = s[0] & 0x1F;
    else if (s[0] >= 0xE0 && s[0] <= 0xEF)
        n = 3, cp = s[0] & 0x0F;
    else if (s[0] >= 0xF0 && s[0] <= 0xF4)
        n = 4, cp = s[0] & 0x07;
    else
        return 0;
    for (i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
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
        int len = utf8_len((const unsigned char *)s);
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
    miq_hmac_sha256(srv->state_key, srv->state_key_len, msg, strlen(msg), mac);
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
    if (!srv || !srv->state_key || !miq_upload_id_ok(upload_id) || !sig ||
        !miq_expiry_ok(exp, now))
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
