#!/usr/bin/env python3
"""The webhook receiver of scripts/soak.sh: a real HTTP server that checks
each delivery's Standard Webhooks signature (HMAC-SHA256 over
`{webhook-id}.{webhook-timestamp}.{raw body}`, keyed with the base64 part
of the secret after `whsec_`), answers 204 to a good one and 401 to a bad
one, and counts. `GET /stats` answers the counts as JSON: deliveries,
distinct event ids, bad signatures, events whose position came before one
already received (out of order), and the highest position.

Usage: soak_receiver.py PORT SECRET   (python3, standard library only)
"""

import base64
import hashlib
import hmac
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT = int(sys.argv[1])
KEY = base64.b64decode(sys.argv[2].removeprefix("whsec_"))
LOCK = threading.Lock()
STATS = {"deliveries": 0, "distinct": 0, "bad_signatures": 0, "out_of_order": 0, "max_position": 0}
SEEN = set()


def signed(headers, body):
    content = b"%s.%s.%s" % (
        headers.get("webhook-id", "").encode(),
        headers.get("webhook-timestamp", "").encode(),
        body,
    )
    expected = base64.b64encode(hmac.new(KEY, content, hashlib.sha256).digest()).decode()
    offered = [s.split(",", 1)[1] for s in headers.get("webhook-signature", "").split() if "," in s]
    return any(hmac.compare_digest(expected, s) for s in offered)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        good = signed(self.headers, body)
        with LOCK:
            STATS["deliveries"] += 1
            if not good:
                STATS["bad_signatures"] += 1
            else:
                position = json.loads(body)["data"]["position"]
                event = self.headers["webhook-id"]
                if event not in SEEN:
                    SEEN.add(event)
                    STATS["distinct"] += 1
                    if position < STATS["max_position"]:
                        STATS["out_of_order"] += 1
                    STATS["max_position"] = max(STATS["max_position"], position)
        self.send_response(204 if good else 401)
        self.send_header("content-length", "0")
        self.end_headers()

    def do_GET(self):
        with LOCK:
            answer = json.dumps(STATS).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
