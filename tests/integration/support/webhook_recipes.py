#!/usr/bin/env python3
"""Runs a signature-verification recipe exactly as docs/webhooks.md prints
it (the fenced block after "<!-- recipe:LANG -->"), with a small driver, on
a delivery the test receiver recorded. Exit 0: the recipe verified it; 1:
the recipe refused it; 2: the recipe could not be found or run.

usage: webhook_recipes.py DOCS sh|python|js SECRET SIGNATURE_HEADER BODY_FILE"""
import os, re, subprocess, sys, tempfile

docs, lang, secret, header, body_file = sys.argv[1:6]
text = open(docs, encoding="utf-8").read()
m = re.search(r"<!-- recipe:%s -->\s*```[a-z]*\n(.*?)```" % re.escape(lang), text, re.S)
if not m:
    print("no recipe:%s block in %s" % (lang, docs))
    sys.exit(2)
code = m.group(1)
env = dict(os.environ, WEBHOOK_SECRET=secret, SIG=header, BODY_FILE=body_file)
with tempfile.TemporaryDirectory() as d:
    if lang == "sh":
        with open(body_file, "rb") as src, open(os.path.join(d, "body.json"), "wb") as dst:
            dst.write(src.read())
        cmd = ["bash", "-c", "set -u\n" + code]
    elif lang == "python":
        driver = ("\nimport os\nbody = open(os.environ['BODY_FILE'], 'rb').read()\n"
                  "ok = verify(os.environ['WEBHOOK_SECRET'], os.environ['SIG'], body)\n"
                  "print('verified' if ok else 'refused')\nraise SystemExit(0 if ok else 1)\n")
        cmd = ["python3", "-c", code + driver]
    elif lang == "js":
        driver = ("\nconst body = require('fs').readFileSync(process.env.BODY_FILE);\n"
                  "const ok = verify(process.env.WEBHOOK_SECRET, process.env.SIG, body);\n"
                  "console.log(ok ? 'verified' : 'refused');\nprocess.exit(ok ? 0 : 1);\n")
        cmd = ["node", "-e", code + driver]
    else:
        sys.exit(2)
    try:
        p = subprocess.run(cmd, cwd=d, env=env, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as e:
        print("recipe %s did not run: %s" % (lang, e))
        sys.exit(2)
    sys.stdout.write(p.stdout)
    sys.stdout.write(p.stderr)
    if p.returncode == 0 and "verified" in p.stdout:
        sys.exit(0)
    sys.exit(1 if p.returncode in (0, 1) else 2)
