#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""An echo app for apihost's gateway, on 127.0.0.1 only.

    echo.py PORTFILE [--port N] [--lifetime S]

Binds a free port, or N (written to PORTFILE once listening), and speaks
HTTP/1.1 with keep-alive.  Every request is answered with JSON naming the
method, the path (with its query), the headers it received, the size
of its body (read in pieces, never held) and the client's port (the same
port again: a kept-alive connection).  The answer also carries a
Set-Cookie and the app's own CORS headers, which the gateway must drop,
and X-Echo: yes, which it must pass.  Two paths behave differently:

    .../big?bytes=N     N bytes of body (application/octet-stream), streamed
    .../slow?s=S        the JSON answer after S seconds

Stops on SIGTERM, or by itself after --lifetime seconds (default 3600).
"""
import json
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

portfile = sys.argv[1]
args = sys.argv[2:]
port = int(args[args.index("--port") + 1]) if "--port" in args else 0
lifetime = float(args[args.index("--lifetime") + 1]) if "--lifetime" in args else 3600
CHUNK = 64 * 1024
BIG_MAX = 2 * 1024 * 1024 * 1024


class Echo(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "echo"

    def log_message(self, fmt, *a):
        pass

    def read_body(self):
        """Read and count the body, Content-Length or chunked."""
        n = 0
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return n
                while size > 0:
                    got = self.rfile.read(min(size, CHUNK))
                    if not got:
                        return n
                    n += len(got)
                    size -= len(got)
                self.rfile.readline()
        left = int(self.headers.get("Content-Length") or 0)
        while left > 0:
            got = self.rfile.read(min(left, CHUNK))
            if not got:
                break
            n += len(got)
            left -= len(got)
        return n

    def answer(self):
        body_len = self.read_body()
        url = urlsplit(self.path)
        q = parse_qs(url.query)
        if url.path.endswith("/slow"):
            time.sleep(min(float(q.get("s", ["1"])[0]), 60))
        self.send_response(200)
        self.send_header("Set-Cookie", "session=from-the-app; Path=/")
        self.send_header("Access-Control-Allow-Origin", "https://app.example")
        self.send_header("X-Echo", "yes")
        if url.path.endswith("/big"):
            n = min(int(q.get("bytes", ["0"])[0]), BIG_MAX)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(n))
            self.end_headers()
            if self.command == "HEAD":
                return
            block = b"x" * CHUNK
            while n > 0:
                self.wfile.write(block[:min(n, CHUNK)])
                n -= min(n, CHUNK)
            return
        data = json.dumps({
            "method": self.command,
            "path": self.path,
            "headers": {k: v for k, v in self.headers.items()},
            "body_bytes": body_len,
            "peer_port": self.client_address[1],
        }, sort_keys=True).encode()
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = \
        do_OPTIONS = do_PROPFIND = do_MKCOL = answer


def main():
    server = ThreadingHTTPServer(("127.0.0.1", port), Echo)
    server.daemon_threads = True
    tmp = portfile + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % server.server_address[1])
    os.replace(tmp, portfile)
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    stop = threading.Timer(lifetime, lambda: os.kill(os.getpid(), signal.SIGTERM))
    stop.daemon = True
    stop.start()
    server.serve_forever()


if __name__ == "__main__":
    main()
