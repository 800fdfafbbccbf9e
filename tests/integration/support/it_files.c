/* Files of the test stack: error_log reads since the run began, paths in the
 * stack's directory, whole-file reads and writes. */
#define _XOPEN_SOURCE 700 /* nftw */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <apr_strings.h>
#include "it_support.h"

/* ---- files ------------------------------------------------------------------------------ */

/* The run's directory for test files: one mkdtemp under /tmp, so a run leaves
 * nothing behind however many suites made media (before, each run left some
 * 170 MB in /tmp). Only the process that made it removes it: children forked
 * by a test (fake servers) may exit() through the same atexit list. */
static char run_dir[] = "/tmp/miq-itest-XXXXXX";
static pid_t run_dir_owner;

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st, (void)type, (void)ftw;
    return remove(path) ? -1 : 0;
}

static void remove_run_dir(void)
{
    if (getpid() == run_dir_owner && !getenv("MIQ_IT_KEEP_TMP"))
        nftw(run_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

const char *it_tmpdir(const char *name)
{
    char *dir;
    if (!run_dir_owner) {
        if (!mkdtemp(run_dir))
            return NULL;
        run_dir_owner = getpid();
        atexit(remove_run_dir);
    }
    dir = apr_psprintf(it_root_pool, "%s/%s-XXXXXX", run_dir, name); /* the run's pool */
    return mkdtemp(dir);
}

const char *it_stack_path(const char *name)
{
    char *dir, *p;
    int i;
    if (!itenv.error_log)
        return NULL;
    dir = apr_pstrdup(itp, itenv.error_log); /* .../stack/httpd/logs/error_log */
    for (i = 0; i < 3 && (p = strrchr(dir, '/')); i++)
        *p = 0;
    return apr_pstrcat(itp, dir, "/", name, NULL);
}

int it_write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    size_t n = strlen(text);
    int ok = f && fwrite(text, 1, n, f) == n;
    if (f && fclose(f) != 0)
        ok = 0;
    return ok ? 0 : -1;
}

const char *it_read_file(const char *path, long offset)
{
    FILE *f = fopen(path, "rb");
    long size;
    char *buf;
    size_t n;
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    size = ftell(f);
    if (offset > size)
        offset = 0; /* rotated or truncated */
    fseek(f, offset, SEEK_SET);
    buf = apr_palloc(itp, size - offset + 1);
    n = fread(buf, 1, size - offset, f);
    buf[n] = 0;
    fclose(f);
    return buf;
}

const char *it_error_log_grep(const char *needle)
{
    const char *text, *line, *found = NULL;
    if (!itenv.error_log || !(text = it_read_file(itenv.error_log, itenv.error_log_start)))
        return NULL;
    for (line = text; *line;) {
        const char *nl = strchr(line, '\n');
        apr_size_t n = nl ? (apr_size_t)(nl - line) : strlen(line);
        char *l = apr_pstrndup(itp, line, n);
        if (strstr(l, needle))
            found = found ? apr_pstrcat(itp, found, "\n", l, NULL) : l;
        line += n + (nl ? 1 : 0);
    }
    return found;
}
