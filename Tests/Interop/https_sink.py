#!/usr/bin/env python3
"""A loopback HTTPS EPCIS capture sink for the delivery queue's crash test and benchmark.

  https_sink.py --certs DIR --port N --log FILE [--fail-rate P] [--drop-rate P] [--seed S]
                [--timeout SECONDS]

Serves POST /capture -> 202 + Location /capture/<id>, and GET /capture/<id> -> a finished,
successful capture job. With --fail-rate it answers that share of POSTs with 503 +
Retry-After: 1; with --drop-rate it reads that share of POSTs whole and then closes the
connection without answering (the sender cannot know whether the document arrived, so it sends
it again). Every request is logged to FILE as one JSON line, after the sink answered (or tried
to): the method, the Idempotency-Key and EPCIS-Gateway-Attempt headers, the bytes declared and
read, the body's SHA-256, what the sink answered, and whether the answer was written. A body cut
off by a sender that died is logged with "whole": false: it was not received. Binds 127.0.0.1
only; stops after --timeout seconds. DIR is the output of ../shared/peers/as2/gen_certs.sh (partner.pem is
the server identity).
"""
import argparse
import hashlib
import json
import os
import random
import secrets
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--certs", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--fail-rate", type=float, default=0.0)
    parser.add_argument("--drop-rate", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=600)
    options = parser.parse_args()

    chance = random.Random(options.seed)
    lock = threading.Lock()
    log = open(options.log, "a", buffering=1)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def answer(self, status, headers=None, body=b""):
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def record(self, entry):
            with lock:
                log.write(json.dumps(entry) + "\n")

        def do_POST(self):
            declared = int(self.headers.get("Content-Length", "0"))
            body = b""
            try:
                while len(body) < declared:
                    piece = self.rfile.read(declared - len(body))
                    if not piece:
                        break
                    body += piece
            except OSError:
                pass
            entry = {"method": "POST", "key": self.headers.get("Idempotency-Key"),
                     "attempt": self.headers.get("EPCIS-Gateway-Attempt"), "declared": declared,
                     "bytes": len(body), "whole": len(body) == declared,
                     "sha256": hashlib.sha256(body).hexdigest(), "answer": None, "answered": False}
            if not entry["whole"]:
                self.close_connection = True
                return self.record(entry)
            with lock:
                roll = chance.random()
            outcome = "drop" if roll < options.drop_rate else "503" if roll < options.drop_rate + options.fail_rate else "202"
            entry["answer"] = outcome
            try:
                if outcome == "drop":
                    self.close_connection = True
                    self.connection.shutdown(2)
                elif outcome == "503":
                    self.answer(503, {"Retry-After": "1"}, b'{"title":"injected failure"}')
                    entry["answered"] = True
                else:
                    self.answer(202, {"Location": "/capture/" + secrets.token_hex(8)})
                    entry["answered"] = True
            except OSError:
                self.close_connection = True
            self.record(entry)

        def do_GET(self):
            job = self.path.rsplit("/", 1)[-1]
            body = json.dumps({"captureID": job, "running": False, "success": True,
                               "captureErrorBehaviour": "rollback", "errors": []}).encode()
            entry = {"method": "GET", "key": None, "attempt": self.headers.get("EPCIS-Gateway-Attempt"),
                     "answer": "200", "answered": False}
            try:
                self.answer(200, {"Content-Type": "application/json"}, body)
                entry["answered"] = True
            except OSError:
                self.close_connection = True
            self.record(entry)

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(os.path.join(options.certs, "partner.pem"))
    server = ThreadingHTTPServer(("127.0.0.1", options.port), Handler)
    server.daemon_threads = True
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(json.dumps({"event": "listening", "url": "https://127.0.0.1:%d" % options.port, "pid": os.getpid()}), flush=True)
    threading.Event().wait(options.timeout)
    server.shutdown()


if __name__ == "__main__":
    main()
