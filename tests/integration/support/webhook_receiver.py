#!/usr/bin/env python3
"""A webhook receiver for tests/integration/cases/test_webhooks.c: a real
HTTP server on loopback that records every delivery (headers and the raw
body) as one JSON line in DIR/log.jsonl, deduplicates by MomentIQ-Event-Id
the way docs/webhooks.md recommends, and misbehaves on request:

  POST /ok/NAME               200
  POST /fail-first/N/NAME     processes the event, but answers 500 to the first N
                              deliveries of each event id (a lost acknowledgement)
  POST /slow/S/NAME           sleeps S seconds, then 200
  GET  /ready                 200 (the test waits for it)

usage: webhook_receiver.py PORT DIR"""
import base64, http.server, json, os, sys, threading, time

port, out = int(sys.argv[1]), sys.argv[2]
lock = threading.Lock()
processed = set()   # event ids handled once (the receiver's dedup store)
deliveries = {}     # event id -> deliveries seen


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, text=b"ok"):
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(text)))
        self.end_headers()
        self.wfile.write(text)

    def do_GET(self):
        self.answer(200 if self.path == "/ready" else 404)

    def do_POST(self):
        started = time.time()
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n > 0 else b""
        parts = self.path.strip("/").split("/")
        eid = self.headers.get("MomentIQ-Event-Id") or ""
        with lock:
            deliveries[eid] = deliveries.get(eid, 0) + 1
            seen = deliveries[eid]
            duplicate = eid in processed
            if not duplicate:
                processed.add(eid)
        status = 200
        if parts[0] == "fail-first" and seen <= int(parts[1]):
            status = 500
        if parts[0] == "slow":
            time.sleep(float(parts[1]))
        record = {
            "path": self.path, "name": parts[-1], "event_id": eid,
            "signature": self.headers.get("MomentIQ-Signature"),
            "user_agent": self.headers.get("User-Agent"),
            "content_type": self.headers.get("Content-Type"),
            "body_b64": base64.b64encode(body).decode(), "status": status,
            "duplicate": duplicate, "delivery": seen, "received": started,
        }
        with lock, open(os.path.join(out, "log.jsonl"), "a") as f:
            f.write(json.dumps(record) + "\n")
        try:
            self.answer(status)
        except OSError:
            pass  # the sender gave up (a timeout): nothing to answer


http.server.ThreadingHTTPServer.daemon_threads = True
http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
