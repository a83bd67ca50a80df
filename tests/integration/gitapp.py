#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""A git app for apihost's gateway: stock `git http-backend` over HTTP/1.1.

    gitapp.py PORTFILE ROOT [--lifetime S]

Binds a free port of 127.0.0.1 (written to PORTFILE once listening) and
runs `git http-backend` as a CGI program for every request, with
GIT_PROJECT_ROOT=ROOT: the repositories under ROOT can be cloned,
fetched and pushed to (http.receivepack is turned on, as the gateway has
authenticated the client already; and any owner of ROOT will do).
Request bodies (Content-Length or
chunked) are copied to the program in pieces; its answer is streamed
back, chunked, with the Status it names.  This is the grain of Sandstorm's
git case: git talks to apihost with the API token as its Basic password.

Stops on SIGTERM, or by itself after --lifetime seconds (default 600).
"""
import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

portfile, root = sys.argv[1], sys.argv[2]
args = sys.argv[3:]
lifetime = float(args[args.index("--lifetime") + 1]) if "--lifetime" in args else 600
CHUNK = 64 * 1024


class Git(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "gitapp"

    def log_message(self, fmt, *a):
        sys.stderr.write("gitapp: %s\n" % (fmt % a))

    def copy_body(self, out):
        """Copy the request body to out; its length."""
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
                    out.write(got)
                    n += len(got)
                    size -= len(got)
                self.rfile.readline()
        left = int(self.headers.get("Content-Length") or 0)
        while left > 0:
            got = self.rfile.read(min(left, CHUNK))
            if not got:
                break
            out.write(got)
            n += len(got)
            left -= len(got)
        return n

    def handle_any(self):
        url = urlsplit(self.path)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "GIT_PROJECT_ROOT": root,
            "GIT_HTTP_EXPORT_ALL": "1",
            "GIT_CONFIG_COUNT": "2",
            "GIT_CONFIG_KEY_0": "http.receivepack",
            "GIT_CONFIG_VALUE_0": "true",
            # The tests' state directory may belong to another account.
            "GIT_CONFIG_KEY_1": "safe.directory",
            "GIT_CONFIG_VALUE_1": "*",
            "REQUEST_METHOD": self.command,
            "PATH_INFO": url.path,
            "QUERY_STRING": url.query,
            "REMOTE_ADDR": self.client_address[0],
            "REMOTE_USER": self.headers.get("X-Sandstorm-User-Id", "git"),
            "SERVER_PROTOCOL": "HTTP/1.1",
            "GATEWAY_INTERFACE": "CGI/1.1",
        }
        for name in ("Content-Type", "Content-Encoding", "Git-Protocol", "Accept"):
            if self.headers.get(name):
                env["HTTP_" + name.upper().replace("-", "_")] = self.headers[name]
        if self.headers.get("Content-Type"):
            env["CONTENT_TYPE"] = self.headers["Content-Type"]
        # The body goes to a temporary file first: http-backend wants
        # CONTENT_LENGTH for an uncompressed body, and a chunked one has none.
        body = open(os.path.join(root, ".body.%d" % threading.get_ident()), "w+b")
        try:
            n = self.copy_body(body)
            body.seek(0)
            env["CONTENT_LENGTH"] = str(n)
            proc = subprocess.Popen(["git", "http-backend"], env=env,
                                    stdin=body, stdout=subprocess.PIPE)
        finally:
            os.unlink(body.name)
            body.close()
        status, head = "200 OK", []
        while True:
            line = proc.stdout.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.decode("latin-1").rstrip("\r\n").partition(":")
            if name.lower() == "status":
                status = value.strip()
            else:
                head.append((name, value.strip()))
        self.send_response_only(int(status.split()[0]), status.partition(" ")[2])
        for name, value in head:
            self.send_header(name, value)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        while True:
            data = proc.stdout.read1(CHUNK)
            if not data:
                break
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.write(b"0\r\n\r\n")
        proc.wait()

    do_GET = do_POST = handle_any


def main():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Git)
    srv.daemon_threads = True
    tmp = portfile + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, portfile)
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    threading.Thread(target=lambda: (time.sleep(lifetime), os._exit(0)),
                     daemon=True).start()
    srv.serve_forever()


main()
