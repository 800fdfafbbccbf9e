/* Throw-away HTTP(S) file servers on loopback (python3's http.server): the
 * origin of source_url imports and of OAuth Client ID Metadata Documents. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <apr_strings.h>
#include "it_support.h"

/* An HTTP(S) server on a free loopback port serving dir (python3's
 * http.server), for source_url imports and metadata documents. Waits until
 * probe_file answers 200. Returns the base URL and *pid (kill it when done). */
static const char *file_server(const char *dir, const char *probe_file, int tls, pid_t *pid)
{
    static const char
        *const serve = "import functools, http.server, ssl, sys\n"
                       "port, d, tls = int(sys.argv[1]), sys.argv[2], sys.argv[3]\n"
                       "h = functools.partial(http.server.SimpleHTTPRequestHandler, directory=d)\n"
                       "s = http.server.ThreadingHTTPServer(('127.0.0.1', port), h)\n"
                       "if tls:\n"
                       "    c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)\n"
                       "    c.load_cert_chain(tls + '/cert.pem', tls + '/key.pem')\n"
                       "    s.socket = c.wrap_socket(s.socket, server_side=True)\n"
                       "s.serve_forever()\n";
    struct sockaddr_in a;
    socklen_t n = sizeof(a);
    int fd, port = 0, i;
    const char *base;
    if (tls && !itenv.tls_dir)
        return NULL;
    fd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && !bind(fd, (struct sockaddr *)&a, sizeof(a)) &&
        !getsockname(fd, (struct sockaddr *)&a, &n))
        port = ntohs(a.sin_port);
    if (fd >= 0)
        close(fd);
    if (port <= 0)
        return NULL;
    *pid = fork();
    if (*pid == 0) {
        char pbuf[16];
        snprintf(pbuf, sizeof(pbuf), "%d", port);
        if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr))
            _exit(127);
        execlp("python3", "python3", "-c", serve, pbuf, dir, tls ? itenv.tls_dir : "",
               (char *)NULL);
        _exit(127);
    }
    if (*pid < 0)
        return NULL;
    base = apr_psprintf(itp, "%s://127.0.0.1:%d", tls ? "https" : "http", port);
    for (i = 0; i < 100; i++) { /* wait for it to listen */
        it_resp *r = it_request("GET", apr_pstrcat(itp, base, "/", probe_file, NULL), NULL, NULL,
                                0);
        if (r->status == 200)
            return base;
        apr_sleep(apr_time_from_msec(100));
    }
    return NULL;
}

const char *it_file_server(const char *dir, const char *probe_file, pid_t *pid)
{
    return file_server(dir, probe_file, 0, pid);
}

const char *it_file_server_tls(const char *dir, const char *probe_file, pid_t *pid)
{
    return file_server(dir, probe_file, 1, pid);
}
