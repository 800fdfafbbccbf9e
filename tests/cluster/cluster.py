"""Real multi-process set-ups for the cluster suites: a PostgreSQL cluster of
their own, httpd nodes rendered from conf/httpd.conf.in with the built module,
and workers. Used by scaleout.py and vhosts.py (run by ./build.sh test).

Environment (set by build.sh): MIQ_ROOT (the repo or its staged share), MIQ_SRC
(the repo), MIQ_BUILD, MIQ_RUNUSER (the service account when run as root)."""
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

ROOT = os.environ["MIQ_ROOT"]
SRC = os.environ.get("MIQ_SRC", ROOT)
BUILD = os.environ["MIQ_BUILD"]
RUNUSER = os.environ.get("MIQ_RUNUSER", "momentiq")
PGBIN = "/usr/lib/postgresql/15/bin"
# What httpd needs in its environment (a sanitizer runtime under --asan).
HTTPD_ENV = dict(os.environ, **dict(kv.split("=", 1) for kv in
                                    os.environ.get("MIQ_HTTPD_ENV", "").split() if "=" in kv))
AS_ROOT = os.geteuid() == 0
PGUSER = RUNUSER if AS_ROOT else os.environ.get("USER", "postgres")


class Results:
    """Counts checks and prints the runner's last line."""

    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, ok, what, detail=""):
        if ok:
            self.passed += 1
            print("ok: " + what, flush=True)
        else:
            self.failed += 1
            print("FAIL: " + what + (": " + str(detail)[:400] if detail else ""), flush=True)
        return ok

    def done(self):
        print("%d passed, %d failed" % (self.passed, self.failed), flush=True)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def as_service(cmd, **kw):
    """Runs a command as the service account (peer authentication to PostgreSQL)."""
    if AS_ROOT:
        cmd = ["runuser", "-u", RUNUSER, "--"] + cmd
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def chown_service(*paths):
    if AS_ROOT:
        for p in paths:
            subprocess.run(["chown", "-R", RUNUSER + ":", p], check=True)


class Postgres:
    """A private PostgreSQL cluster in DIR."""

    def __init__(self, base):
        self.dir = os.path.join(base, "pg")
        self.sock = os.path.join(self.dir, "run")
        self.port = free_port()
        os.makedirs(self.sock, exist_ok=True)
        os.makedirs(os.path.join(self.dir, "log"), exist_ok=True)
        chown_service(self.dir)
        r = as_service([PGBIN + "/initdb", "-D", self.dir + "/data", "-U", PGUSER,
                        "--auth-local=peer", "--auth-host=reject", "-E", "UTF8",
                        "--locale=C.UTF-8"])
        if r.returncode:
            raise RuntimeError("initdb: " + r.stderr)
        with open(self.dir + "/data/postgresql.conf", "a") as f:
            f.write("listen_addresses = ''\nunix_socket_directories = '%s'\n"
                    "max_connections = 300\nfsync = off\n" % self.sock)
        self.start()

    def ctl(self, *args):
        return as_service([PGBIN + "/pg_ctl", "-D", self.dir + "/data", "-o",
                           "-p %d -k %s" % (self.port, self.sock), "-l",
                           self.dir + "/log/postgres.log", "-w", "-t", "60"] + list(args))

    def start(self):
        r = self.ctl("start")
        if r.returncode:
            raise RuntimeError("pg_ctl start: " + r.stderr + r.stdout)

    def restart(self):
        return self.ctl("-m", "fast", "restart").returncode == 0

    def stop(self):
        self.ctl("-m", "fast", "stop")

    def conninfo(self, db):
        return "host=%s port=%d dbname=%s user=%s" % (self.sock, self.port, db, PGUSER)

    def sql(self, db, query):
        r = as_service(["psql", "-X", "-At", "-v", "ON_ERROR_STOP=1", "-h", self.sock, "-p",
                        str(self.port), "-d", db, "-c", query])
        if r.returncode:
            raise RuntimeError("psql: " + r.stderr)
        return r.stdout.strip()

    def create_db(self, db):
        self.sql("postgres", "CREATE DATABASE %s" % db)
        r = ctl(self.conninfo(db), "migrate")
        if "catalog statements prepare" not in r.stdout:
            raise RuntimeError("migrate: " + r.stdout + r.stderr)


def ctl(conninfo, *args, stdin=None):
    return as_service(["env", "MOMENTIQ_DB=" + conninfo, "MOMENTIQ_SQL_DIR=" + ROOT + "/sql",
                       BUILD + "/momentiqctl"] + list(args), input=stdin)


def render_httpd(var, port, extra):
    """httpd.conf for a node: conf/httpd.conf.in as build.sh renders it, then
    EXTRA (the node's own directives, vhosts, overrides) included last."""
    for d in ("httpd/run", "httpd/logs", "httpd/san", "conf.d", "storage"):
        os.makedirs(os.path.join(var, d), exist_ok=True)
    with open(os.path.join(var, "secret"), "w") as f:
        f.write(os.urandom(36).hex())
    os.chmod(os.path.join(var, "secret"), 0o600)
    with open(os.path.join(SRC, "conf/httpd.conf.in")) as f:
        conf = f.read()
    user_lines = "User %s\nGroup %s" % (RUNUSER, RUNUSER) if AS_ROOT else ""
    for k, v in (("@ROOT@", ROOT), ("@VAR@", var), ("@PORT@", str(port)), ("@BUILD@", BUILD),
                 ("@USER_LINES@", user_lines), ("@PGSOCK@", "/nonexistent"),
                 ("@PGPORT@", "1"), ("@PGUSER@", PGUSER)):
        conf = conf.replace(k, v)
    with open(os.path.join(var, "httpd/httpd.conf"), "w") as f:
        f.write(conf)
    with open(os.path.join(var, "conf.d/node.conf"), "w") as f:
        f.write(extra)
    chown_service(os.path.join(var, "storage"), os.path.join(var, "secret"),
                  os.path.join(var, "httpd/san"))


def stop_httpd(args, pidf):
    """Stops an httpd started with ARGS, in the environment it started with
    (without the sanitizer runtime, `-k stop` under --asan cannot even load
    the module, and the server would outlive the suite); if its pid file is
    still there after 10 s, its parent is killed."""
    subprocess.run(args + ["-k", "stop"], capture_output=True, env=HTTPD_ENV)
    for _ in range(100):
        if not os.path.exists(pidf):
            return
        time.sleep(0.1)
    try:
        with open(pidf) as f:
            os.kill(int(f.read().strip()), signal.SIGKILL)
    except (OSError, ValueError):
        pass


class Httpd:
    def __init__(self, var, port, extra):
        self.var = var
        self.port = port
        render_httpd(var, port, extra)
        self.args = ["/usr/sbin/apache2", "-d", var + "/httpd", "-f", var + "/httpd/httpd.conf"]
        r = subprocess.run(self.args + ["-k", "start"], capture_output=True, text=True,
                           env=HTTPD_ENV)
        if r.returncode:
            raise RuntimeError("apache2: " + r.stderr)
        for _ in range(100):
            try:
                urllib.request.urlopen("http://127.0.0.1:%d/mcp/status" % port, timeout=2)
                break
            except urllib.error.HTTPError:
                break
            except Exception:
                time.sleep(0.1)

    def url(self, path=""):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def error_log(self):
        with open(self.var + "/httpd/logs/error_log", errors="replace") as f:
            return f.read()

    def stop(self):
        stop_httpd(self.args, self.var + "/httpd/run/httpd.pid")


class Worker:
    def __init__(self, conninfo, storage, logfile, *args):
        self.log = open(logfile, "a")
        # The worker writes its pid file as the service account.
        rundir = os.path.join(os.path.dirname(logfile), "run")
        os.makedirs(rundir, exist_ok=True)
        chown_service(rundir)
        self.pidfile = os.path.join(rundir, os.path.basename(logfile) + ".pid")
        if os.path.exists(self.pidfile):
            os.unlink(self.pidfile)
        cmd = ["env", "MOMENTIQ_DB=" + conninfo, BUILD + "/momentiq-worker", "--storage",
               storage, "--pidfile", self.pidfile] + list(args)
        if AS_ROOT:
            cmd = ["runuser", "-u", RUNUSER, "--"] + cmd
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def kill(self, sig=signal.SIGKILL):
        """Kills the worker and its job children (its process group)."""
        try:
            os.killpg(self.proc.pid, sig)
        except ProcessLookupError:
            pass
        self.proc.wait(timeout=30)

    def pid(self):
        """The worker's own pid (runuser stands between it and Popen)."""
        for _ in range(100):
            try:
                with open(self.pidfile) as f:
                    return int(f.read().strip())
            except (OSError, ValueError):
                time.sleep(0.1)
        return -1

    def alive(self):
        return self.proc.poll() is None


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kw):
        return None  # the caller reads Location itself


_opener = urllib.request.build_opener(_NoRedirect)


class Http:
    """A client with its own cookies (sent by hand: __Host- cookies over http)
    that never follows redirects."""

    def __init__(self):
        self.cookies = {}

    def request(self, method, url, body=None, headers=None, raw=None):
        h = dict(headers or {})
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
            h.setdefault("Content-Type", "application/json")
        if self.cookies:
            h["Cookie"] = "; ".join("%s=%s" % kv for kv in self.cookies.items())
        req = urllib.request.Request(url, data=data, method=method, headers=h)
        try:
            resp = _opener.open(req, timeout=60)
            status, hdrs, text = resp.status, resp.headers, resp.read()
        except urllib.error.HTTPError as e:
            status, hdrs, text = e.code, e.headers, e.read()
        except (urllib.error.URLError, ConnectionError, socket.timeout) as e:
            return 0, {}, {"transport_error": str(e)}
        for c in hdrs.get_all("Set-Cookie") or []:
            name, _, rest = c.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        try:
            js = json.loads(text) if text else None
        except ValueError:
            js = {"text": text[:2000].decode(errors="replace")}
        return status, hdrs, js


def media_wav(path, seconds=2):
    """A short tone with a silence in the middle, made with ffmpeg."""
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    "sine=frequency=440:duration=%g" % seconds, "-af",
                    "volume=enable='between(t,0.8,1.3)':volume=0", path], check=True)
    return path


def login(http, node, email, password):
    st, _, js = http.request("POST", node.url("/api/auth/login"),
                             {"email": email, "password": password})
    return js.get("csrf_token") if st == 200 and js else None


def make_account(conninfo, email, password, credits):
    r = ctl(conninfo, "user", "create", email, "--password-stdin", stdin=password + "\n")
    if r.returncode:
        raise RuntimeError("user create: " + r.stderr)
    if credits:
        ctl(conninfo, "credits", "grant", "--email", email, "--credits", str(credits))


def make_key(conninfo, email):
    r = ctl(conninfo, "key", "create", "--user", email, "--name", "cluster test")
    for word in r.stdout.split():
        if word.startswith("miq_live_"):
            return word
    raise RuntimeError("key create: " + r.stdout + r.stderr)


def cleanup(path):
    shutil.rmtree(path, ignore_errors=True)
