#!/usr/bin/env bash
# The architecture, checked: core folders include only what their README's
# "May use:" line allows, the allowed graph has no cycle, the core never
# includes httpd headers, the worker and momentiqctl never include the glue
# (nor each other), and no two object files of one binary call each other in
# a circle (from the symbols of the built objects in $1, the build dir).
# Prints one line per check and "N passed, N failed".
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
exec python3 - "$ROOT" "${1:-$ROOT/var/build}" <<'PY'
import os, re, subprocess, sys
root, build = sys.argv[1], sys.argv[2]
core = os.path.join(root, 'mod_momentiq/core')
passed = failed = 0
def check(name, problems):
    global passed, failed
    if problems:
        failed += 1
        print(f"FAIL {name}")
        for p in problems[:40]:
            print(f"    {p}")
    else:
        passed += 1
        print(f"ok   {name}")

inc_rx = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')
def includes(path):
    with open(path, encoding='utf-8', errors='replace') as f:
        for n, line in enumerate(f, 1):
            m = inc_rx.match(line)
            if m:
                yield n, m.group(1), m.group(2)

def sources(top):
    for d, dirs, files in os.walk(top):
        dirs.sort()
        for f in sorted(files):
            if f.endswith(('.c', '.h')):
                yield os.path.join(d, f)

# ---- core folders and their README rules ----------------------------------
folders = {}
for d, dirs, files in os.walk(core):
    rel = os.path.relpath(d, core)
    if rel == '.':
        continue
    if any(f.endswith(('.c', '.h')) for f in files):
        folders[rel] = None
        readme = os.path.join(d, 'README.md')
        if os.path.exists(readme):
            m = re.search(r'^May use:\s*(.*)$', open(readme).read(), re.M)
            if m:
                words = [w.strip() for w in m.group(1).split(',')]
                folders[rel] = set(w for w in words if w and not w.startswith('('))
check('every core folder has a README with a "May use:" line',
      [f"mod_momentiq/core/{k}/README.md" for k, v in folders.items() if v is None])
unknown = [f"{k} may use unknown folder {u}" for k, v in folders.items() if v for u in v if u not in folders]
check('"May use:" names only core folders', unknown)

# the allowed graph is acyclic
def find_cycle(graph):
    state, stack = {}, []
    def visit(n):
        state[n] = 1; stack.append(n)
        for m in sorted(graph.get(n, ())):
            if state.get(m) == 1:
                return stack[stack.index(m):] + [m]
            if not state.get(m):
                c = visit(m)
                if c: return c
        state[n] = 2; stack.pop()
        return None
    for n in sorted(graph):
        if not state.get(n):
            c = visit(n)
            if c: return c
    return None
allowed = {k: (v or set()) for k, v in folders.items()}
cyc = find_cycle(allowed)
check('the folders\' "May use:" graph has no cycle', [' -> '.join(cyc)] if cyc else [])

httpd_hdr = re.compile(r'^(httpd|http_[a-z_]+|ap_[a-z_]+|util_[a-z_]+|mod_[a-z_]+|mpm_[a-z_]+|scoreboard|apr_dbd_internal)\.h$')
wrong, httpd_in_core, actual = [], [], {}
for path in sources(core):
    rel = os.path.relpath(path, core)
    folder = os.path.dirname(rel)
    for n, kind, name in includes(path):
        where = f"mod_momentiq/core/{rel}:{n}"
        if kind == '<' and httpd_hdr.match(os.path.basename(name)):
            httpd_in_core.append(f"{where}: <{name}>")
        if kind == '"':
            if name.startswith('mod_momentiq'):
                httpd_in_core.append(f"{where}: \"{name}\" (a glue header)")
                continue
            tgt = os.path.dirname(name)
            if not tgt:
                wrong.append(f"{where}: \"{name}\" must name its folder")
                continue
            if tgt not in folders:
                wrong.append(f"{where}: \"{name}\" is not a core folder's header")
                continue
            if tgt != folder:
                actual.setdefault(folder, set()).add(tgt)
                if tgt not in allowed.get(folder, set()):
                    wrong.append(f"{where}: {folder} may not use {tgt} (see its README)")
check('core includes follow the folders\' "May use:" lines', wrong)
check('the core includes no httpd or glue header', httpd_in_core)
cyc = find_cycle(actual)
check('no cycle between core folders (as included)', [' -> '.join(cyc)] if cyc else [])

# ---- JSON ownership: pool-bound values, json_decref only in base/miq_json.c --
decref = []
for top in ('mod_momentiq', 'worker', 'ctl'):
    for path in sources(os.path.join(root, top)):
        rel = os.path.relpath(path, root)
        if rel == 'mod_momentiq/core/base/miq_json.c':
            continue
        for n, line in enumerate(open(path, encoding='utf-8', errors='replace'), 1):
            if re.search(r'\bjson_decref\s*\(', line):
                decref.append(f"{rel}:{n}: json_decref (bind the value to a pool: miq_json_pool)")
check('JSON has one ownership rule: no json_decref outside base/miq_json.c', decref)

# ---- worker and ctl ----------------------------------------------------------
bad = []
for top, other in (('worker', 'ctl'), ('ctl', 'worker')):
    for path in sources(os.path.join(root, top)):
        for n, kind, name in includes(path):
            where = f"{os.path.relpath(path, root)}:{n}"
            base = os.path.basename(name)
            if name.startswith('mod_momentiq') or httpd_hdr.match(base):
                bad.append(f"{where}: {name} (httpd or glue)")
            if kind == '"' and os.path.exists(os.path.join(root, other, name)):
                bad.append(f"{where}: {name} belongs to {other}/")
check('worker/ and ctl/ include no glue, httpd or each other\'s header', bad)

# ---- file-level cycles from the built objects ------------------------------
src_of = {'core': os.path.join(root, 'mod_momentiq/core'), 'mod': os.path.join(root, 'mod_momentiq'),
          'worker': os.path.join(root, 'worker'), 'ctl': os.path.join(root, 'ctl')}
def objects(sub):
    """The build's objects of today's sources (a build dir may keep objects of
    files since moved or deleted)."""
    out = []
    top = os.path.join(build, sub)
    for d, _, files in os.walk(top):
        for f in files:
            if not f.endswith('.o'):
                continue
            o = os.path.join(d, f)
            if os.path.exists(os.path.join(src_of[sub], os.path.relpath(o, top)[:-2] + '.c')):
                out.append(o)
    return sorted(out)
def nm(o, flags):
    r = subprocess.run(['nm', '-P'] + flags + [o], capture_output=True, text=True)
    return r.stdout.splitlines()
for sub, label in (('core', 'core'), ('mod', 'glue'), ('worker', 'worker'), ('ctl', 'ctl')):
    objs = objects(sub)
    if not objs:
        check(f'{label}: no two files call each other in a circle', [f"no objects under {build}/{sub}: build first"])
        continue
    defs, uses = {}, {}
    for o in objs:
        uses[o] = set()
        for line in nm(o, []):
            parts = line.split()
            if len(parts) >= 2:
                sym, t = parts[0], parts[1]
                if sym == 'momentiq_module':
                    continue  # the module record: every glue file names it (APLOG_USE_MODULE)
                if t in 'TDBR':
                    defs.setdefault(sym, o)
                elif t == 'U':
                    uses[o].add(sym)
    graph = {o: {defs[s] for s in uses[o] if s in defs and defs[s] != o} for o in objs}
    cyc = find_cycle(graph)
    name = lambda o: os.path.relpath(o, os.path.join(build, sub))
    check(f'{label}: no two files call each other in a circle',
          [' -> '.join(name(o) for o in cyc)] if cyc else [])

print(f"{passed} passed, {failed} failed")
PY
