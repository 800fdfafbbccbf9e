"""Replaces the examples of docs/openapi.json with the real responses the
integration suite "openapi" captured (/tmp/momentiq-openapi-capture/<name>.json),
after a change of a response's shape made that suite fail:

    MOMENTIQ_TEST_SUITES=integration MOMENTIQ_IT_SUITES=openapi ./build.sh test
    python3 tests/openapi/refresh_examples.py && tests/openapi/run.sh

Only examples that already exist are replaced (a new one is added to the
document by hand, with the operation that refers to it). Signatures of the
test stack's signed URLs are not published."""
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DOC = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "docs", "openapi.json")
CAP = os.environ.get("MOMENTIQ_OPENAPI_CAPTURE", "/tmp/momentiq-openapi-capture")


def scrub(v):
    if isinstance(v, str):
        return re.sub(r"(sig=)[A-Za-z0-9_%-]+", r"\1SIGNATURE", v)
    if isinstance(v, list):
        return [scrub(x) for x in v]
    if isinstance(v, dict):
        return {k: scrub(x) for k, x in v.items()}
    return v


doc = json.load(open(DOC))
examples = doc["components"]["examples"]
replaced = 0
for name, ex in examples.items():
    path = os.path.join(CAP, name + ".json")
    if os.path.exists(path):
        ex["value"] = scrub(json.load(open(path)))
        replaced += 1
    else:
        print("no capture for %s (kept)" % name)
with open(DOC, "w") as f:
    json.dump(doc, f, indent=2, ensure_ascii=False)
    f.write("\n")
print("%d examples replaced in %s" % (replaced, DOC))
