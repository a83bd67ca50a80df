#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""A callback receiver for the integration tests, on 127.0.0.1 only.

    receiver.py PORTFILE LOGFILE [--port N] [--fail N] [--status CODE]
                                 [--delay-first S]

Binds a free port, or N (written to PORTFILE once listening), answers
every request with 200, or with 500 for the first N requests (--fail N),
or always with CODE (--status CODE), and appends one JSON line per request
to LOGFILE as it arrives: method, path, headers, body, the status it
answers and the time.  --delay-first holds the first answer S seconds.
Stops on SIGTERM, or by itself after 10 minutes.
"""
import json
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

portfile, logfile = sys.argv[1], sys.argv[2]
args = sys.argv[3:]
fail = int(args[args.index("--fail") + 1]) if "--fail" in args else 0
always = int(args[args.index("--status") + 1]) if "--status" in args else 0
port = int(args[args.index("--port") + 1]) if "--port" in args else 0
delay = float(args[args.index("--delay-first") + 1]) if "--delay-first" in args else 0
seen = 0
lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    def answer(self):
        global seen
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n).decode("utf-8", "replace") if n else ""
        with lock:
            seen += 1
            status = always or (500 if seen <= fail else 200)
            with open(logfile, "a") as f:
                f.write(json.dumps({
                    "method": self.command, "path": self.path,
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "body": body, "answered": status, "time": time.time(),
                }) + "\n")
            first = seen == 1
        if first and delay:
            time.sleep(delay)
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = answer

    def log_message(self, *a):
        pass


server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
with open(portfile + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.replace(portfile + ".tmp", portfile)
signal.signal(signal.SIGTERM, lambda *a: os._exit(0))
limit = threading.Timer(600, lambda: os._exit(0))
limit.daemon = True
limit.start()
server.serve_forever()
