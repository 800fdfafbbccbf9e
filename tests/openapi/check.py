"""docs/openapi.json against the route table and the code examples (see
run.sh). The last line printed is "<passed> <failed>"."""
import json
import re
import sys

doc_path, table_path, examples_path = sys.argv[1:4]
passed = failed = 0


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL: " + what)


doc = json.load(open(doc_path))
paths = doc.get("paths", {})
doc_ops = {(p, m.upper()) for p, ops in paths.items() for m in ops
           if m in ("get", "put", "post", "delete", "patch")}

# The table: {"path", MATCH, "methods", ...}; /v1 routes but the catch-all prefix.
src = re.sub(r'/\*.*?\*/', '', open(table_path).read(), flags=re.S)
table_ops = set()
for path, match, methods in re.findall(r'\{\s*"(/v1/[^"]*)",\s*(\w+),\s*"([^"]*)"', src):
    if match == "PREFIX":
        continue
    for m in methods.replace(" ", "").split(","):
        if m and m != "HEAD":  # HEAD is GET without the body
            table_ops.add((path, m))
check(table_ops, "no /v1 routes found in " + table_path)
for p, m in sorted(table_ops - doc_ops):
    check(False, "route %s %s is not in the OpenAPI document" % (m, p))
for p, m in sorted(doc_ops - table_ops):
    check(False, "the OpenAPI document has %s %s, which the route table does not" % (m, p))
for op in sorted(table_ops & doc_ops):
    check(True, "")

# Every operation documents its errors and has an operationId.
for p, ops in paths.items():
    for m, op in ops.items():
        check("operationId" in op, "%s %s has no operationId" % (m, p))

# The code examples' REST calls (paths with the shell/JS/Python variables
# replaced by the templates' names) and the job request fields.
ex = open(examples_path).read()
used = set(re.findall(r'/v1/[A-Za-z_/${}.]*', ex))
norm = set()
for u in used:
    u = re.sub(r'\$\{?\w+\}?|\{\w+\}', '{job_id}', u).rstrip('/.')
    norm.add(u)
for u in sorted(norm):
    check(u in paths, "get_code_example calls %s, which the document does not describe" % u)
create = doc["components"]["schemas"]["JobCreate"]["properties"]
for field in ("endpoint", "upload_id", "params", "idempotency_key", "max_credits"):
    check(field in create and re.search(r'\b%s\b' % field, ex),
          "JobCreate and get_code_example disagree on %s" % field)
est = doc["components"]["schemas"]["EstimateRequest"]["properties"]
check("credits" in doc["components"]["schemas"]["Estimate"]["properties"] and ".credits" in ex,
      "the examples read estimate.credits, the document must describe it")
for field in ("endpoint", "upload_id", "params"):
    check(field in est, "EstimateRequest lacks %s" % field)
print(passed, failed)
