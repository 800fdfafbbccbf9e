#!/usr/bin/env python3
"""Shared hosting, proven: one httpd loading the module once, serving two
customers' <VirtualHost>s, each with its own database (DBDParams), storage,
secret, base URL, prices, OAuth client and worker, and a third vhost without
MomentIQEnable (issue 16).
  tests/cluster/vhosts.py TESTDIR      (environment: see cluster.py)
Nothing of one vhost — key, session, OAuth code, signed file URL, job — is
accepted, seen or run by the other; the third serves nothing of ours.
Prints "N passed, N failed"."""
import base64
import hashlib
import html
import os
import re
import subprocess
import sys
import time
import urllib.parse

import cluster as c

T = sys.argv[1]
res = c.Results()
c.cleanup(T)
os.makedirs(T)
pg = c.Postgres(T)
port = c.free_port()
MODDIR = subprocess.run(["apxs", "-q", "LIBEXECDIR"], capture_output=True, text=True).stdout.strip()
REDIRECT = "https://client.example/callback"

sites = {}
for name, price in (("a", 2), ("b", 7)):
    d = os.path.join(T, "site-" + name)
    os.makedirs(d + "/storage/uploads")
    os.makedirs(d + "/storage/outputs")
    with open(d + "/secret", "w") as f:
        f.write(os.urandom(36).hex())
    c.chown_service(d)
    os.chmod(d + "/secret", 0o600)
    pg.create_db("site_" + name)
    sites[name] = {"dir": d, "db": pg.conninfo("site_" + name), "host": "%s.test:%d" % (name, port),
                   "price": price, "client": "client-" + name}


def vhost(name):
    s = sites[name]
    return """
<VirtualHost *:%(port)d>
    ServerName %(name)s.test
    DBDriver pgsql
    DBDParams "%(db)s application_name=httpd-%(name)s"
    MomentIQEnable On
    MomentIQBaseURL http://%(host)s
    MomentIQSecretFile "%(dir)s/secret"
    MomentIQStorageDir "%(dir)s/storage"
    MomentIQProbeCommand "%(build)s/momentiq-probe"
    MomentIQPrice audio/silence %(price)d
    MomentIQOAuthClient %(client)s "Client %(name)s" gateway %(redirect)s
    MomentIQRateLimit api 100000 10
    MomentIQRateLimit login 100000 600
    MomentIQQuota jobs 1000
    <Directory "%(dir)s/storage/outputs">
        Require all granted
    </Directory>
</VirtualHost>
""" % dict(s, name=name, port=port, build=c.BUILD, redirect=REDIRECT)


H = os.path.join(T, "httpd")
for sub in ("run", "logs"):
    os.makedirs(os.path.join(H, sub))
conf = ["ServerRoot \"%s\"" % H, "Listen 127.0.0.1:%d" % port, "ServerName localhost",
        "PidFile \"%s/run/httpd.pid\"" % H, "DefaultRuntimeDir \"%s/run\"" % H,
        "Mutex file:%s/run default" % H, "ErrorLog \"%s/logs/error_log\"" % H, "LogLevel warn",
        "TypesConfig /etc/mime.types"]
if c.AS_ROOT:
    conf += ["User " + c.RUNUSER, "Group " + c.RUNUSER]
for m in ("mpm_event", "authz_core", "authn_core", "authz_host", "mime", "alias", "dbd"):
    conf.append("LoadModule %s_module %s/mod_%s.so" % (m, MODDIR, m))
conf.append("LoadModule momentiq_module \"%s/mod_momentiq.so\"" % c.BUILD)
conf.append("<Directory />\n    Require all denied\n</Directory>")
# The third site: Apache's default page, nothing of ours.
conf.append("<VirtualHost *:%d>\n    ServerName c.test\n    DocumentRoot \"%s\"\n"
            "    <Directory \"%s\">\n        Require all granted\n    </Directory>\n</VirtualHost>"
            % (port, T, T))
conf += [vhost("a"), vhost("b")]
with open(H + "/httpd.conf", "w") as f:
    f.write("\n".join(conf) + "\n")
args = ["/usr/sbin/apache2", "-d", H, "-f", H + "/httpd.conf"]
r = subprocess.run(args + ["-k", "start"], capture_output=True, text=True, env=c.HTTPD_ENV)
res.check(r.returncode == 0, "one httpd with three virtual hosts starts", r.stderr)
workers = [c.Worker(sites[n]["db"], sites[n]["dir"] + "/storage", T + "/worker-%s.log" % n,
                    "--jobs", "1", "--price", "audio/silence=%d" % sites[n]["price"])
           for n in ("a", "b")]
base = "http://127.0.0.1:%d" % port
http = c.Http()


def req(site, method, path, body=None, headers=None, raw=None, client=None):
    h = dict(headers or {})
    h["Host"] = sites[site]["host"] if site in sites else "%s.test:%d" % (site, port)
    return (client or http).request(method, base + path, body, h, raw)


try:
    for _ in range(100):
        st, _, _ = req("a", "GET", "/mcp/status")
        if st == 200:
            break
        time.sleep(0.1)

    # --- the site without MomentIQEnable serves nothing of ours ---------------
    for path in ("/mcp", "/mcp/status", "/v1/account", "/.well-known/oauth-authorization-server",
                 "/api/auth/session", "/files/x?exp=1&sig=x"):
        st, _, js = req("c", "GET", path)
        res.check(st == 404, "c.test (no MomentIQEnable) answers 404 on " + path, (st, js))

    # --- accounts, keys, sessions ---------------------------------------------
    keys = {}
    for n in ("a", "b"):
        c.make_account(sites[n]["db"], "owner@%s.test" % n, "correct horse battery " + n, 1000)
        keys[n] = c.make_key(sites[n]["db"], "owner@%s.test" % n)
    st_a, _, _ = req("a", "GET", "/v1/account", headers={"Authorization": "Bearer " + keys["a"]})
    st_x, _, _ = req("b", "GET", "/v1/account", headers={"Authorization": "Bearer " + keys["a"]})
    res.check(st_a == 200 and st_x == 401, "a's key works on a, 401 on b", (st_a, st_x))
    # The same email and password on both sites are two accounts.
    c.make_account(sites["b"]["db"], "owner@a.test", "another password for b", 0)
    sess = c.Http()
    st, _, js = req("a", "POST", "/api/auth/login",
                    {"email": "owner@a.test", "password": "correct horse battery a"}, client=sess)
    csrf = (js or {}).get("csrf_token")
    res.check(st == 200 and csrf, "sign-in on a", (st, js))
    st_a, _, _ = req("a", "GET", "/api/auth/session", client=sess)
    st_b, _, js_b = req("b", "GET", "/api/auth/session", client=sess)
    res.check(st_a == 200 and st_b != 200, "a's session cookie is no session on b", (st_a, st_b, js_b))
    st, _, _ = req("b", "POST", "/api/dashboard/keys", {"name": "x"},
                   {"X-CSRF-Token": csrf or ""}, client=sess)
    res.check(st in (401, 403), "a's session and CSRF token change nothing on b", st)

    # --- prices are the site's own ---------------------------------------------
    est = {}
    for n in ("a", "b"):
        st, _, js = req(n, "POST", "/v1/estimate", {"endpoint": "audio/silence", "duration_s": 60})
        est[n] = (js or {}).get("credits", (js or {}).get("estimated_credits"))
    res.check(est["a"] is not None and est["b"] is not None and est["a"] != est["b"],
              "each site prices with its own MomentIQPrice", est)

    # --- OAuth: a's code is worthless on b --------------------------------------
    verifier = base64.urlsafe_b64encode(os.urandom(32)).rstrip(b"=").decode()
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    q = urllib.parse.urlencode({"response_type": "code", "client_id": "client-a",
                                "redirect_uri": REDIRECT, "code_challenge": challenge,
                                "code_challenge_method": "S256", "state": "s1",
                                "resource": "http://%s/mcp" % sites["a"]["host"]})
    st, _, page = req("a", "GET", "/api/auth/oauth/authorize?" + q, client=sess)
    text = (page or {}).get("text", "")
    fields = {html.unescape(m.group(1)): html.unescape(m.group(2)) for m in re.finditer(
        r'<input type="hidden" name="([^"]*)" value="([^"]*)"', text)}
    res.check(st == 200 and "csrf_token" in fields, "a's consent screen", (st, text[:300]))
    fields.update({"decision": "approve", "grant_all": "1"})
    st, hdrs, _ = req("a", "POST", "/api/auth/oauth/authorize",
                      headers={"Content-Type": "application/x-www-form-urlencoded"},
                      raw=urllib.parse.urlencode(fields).encode(), client=sess)
    loc = hdrs.get("Location", "") if hdrs else ""
    code = urllib.parse.parse_qs(urllib.parse.urlparse(loc).query).get("code", [None])[0]
    res.check(st == 303 and code, "a issues an authorization code", (st, loc[:200]))
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    redeem = urllib.parse.urlencode({"grant_type": "authorization_code", "code": code or "",
                                     "code_verifier": verifier, "redirect_uri": REDIRECT,
                                     "client_id": "client-a"}).encode()
    st_b, _, js_b = req("b", "POST", "/api/auth/oauth/token", headers=form, raw=redeem)
    res.check(st_b in (400, 401) and "access_token" not in (js_b or {}),
              "a's code is refused at b's token endpoint", (st_b, js_b))
    st_a, _, js_a = req("a", "POST", "/api/auth/oauth/token", headers=form, raw=redeem)
    at = (js_a or {}).get("access_token")
    res.check(st_a == 200 and at, "the same code still works on a (b did not consume it)", (st_a, js_a))
    if at:
        st, _, _ = req("b", "GET", "/v1/account", headers={"Authorization": "Bearer " + at})
        res.check(st == 401, "a's OAuth access token is refused on b", st)

    # --- jobs and signed file URLs -------------------------------------------
    video = os.path.join(T, "clip.mp4")
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    "testsrc=size=320x240:rate=25:duration=3", "-pix_fmt", "yuv420p", video], check=True)
    with open(video, "rb") as f:
        data = f.read()
    auth = {"Authorization": "Bearer " + keys["a"]}
    st, _, js = req("a", "POST", "/v1/uploads?filename=clip.mp4", headers=dict(auth), raw=data)
    upload = (js or {}).get("upload_id")
    res.check(st == 201 and upload, "upload on a", (st, js))
    st, _, js = req("a", "POST", "/v1/jobs", {"endpoint": "video/frames", "upload_id": upload,
                                             "params": {"timestamps": [1.0]}}, auth)
    job = (js or {}).get("job_id")
    res.check(st in (200, 201, 202) and job, "a frames job on a", (st, js))
    js = {}
    for _ in range(120):
        st, _, js = req("a", "GET", "/v1/jobs/%s?wait_s=5" % job, headers=auth)
        if (js or {}).get("status") in ("succeeded", "failed", "canceled"):
            break
    res.check((js or {}).get("status") == "succeeded", "a's worker ran a's job", js)
    st, _, js = req("b", "GET", "/v1/jobs/%s" % job, headers={"Authorization": "Bearer " + keys["b"]})
    res.check(st == 404, "b does not know a's job", (st, js))
    res.check(pg.sql("site_b", "SELECT count(*) FROM jobs") == "0", "nothing of a's reached b's database")
    st, _, js = req("a", "POST", "/v1/jobs/%s/outputs/refresh" % job, {}, auth)
    urls = [o.get("url") for o in (js or {}).get("outputs", []) if o.get("url")]
    res.check(st == 200 and urls, "a signs its output URLs", (st, js))
    if urls:
        u = urllib.parse.urlparse(urls[0])
        path = u.path + "?" + u.query
        st_a, _, _ = req("a", "GET", path)
        st_b, _, _ = req("b", "GET", path)
        res.check(u.netloc == sites["a"]["host"] and st_a == 200, "a serves its signed file", (u.netloc, st_a))
        res.check(st_b in (403, 404), "b refuses a's signed file URL", st_b)
    res.check("exit signal" not in open(H + "/logs/error_log", errors="replace").read(),
              "no httpd child crashed")
finally:
    for w in workers:
        w.kill()
    c.stop_httpd(args, H + "/run/httpd.pid")
    pg.stop()
res.done()
