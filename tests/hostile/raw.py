#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Send raw HTTP/1.1 requests over TLS, for bytes curl will not send.

    raw.py PORT CAFILE < JOBS

Each line of JOBS is "HOST REQFILE HEADFILE BODYFILE".  For each, raw.py
connects to 127.0.0.1:PORT with TLS (SNI and certificate name HOST,
verified against CAFILE), writes the bytes of REQFILE exactly as they
are (a request line with a NUL, a header value with a bare CR or LF,
invalid UTF-8, …), and reads the answer until it is complete
(Content-Length, the last chunk) or the server closes the connection, at
most 10 s.  The status line and headers go to HEADFILE, the body
(de-chunked) to BODYFILE, and the status code is printed on a line of
its own, or 000 when no HTTP answer came (the server closed the
connection, or said nothing in time; whatever came is then in BODYFILE,
and the reason on stderr).  One process for many requests: a Python
start costs more than a TLS handshake.
"""
import socket
import ssl
import sys

port, cafile = sys.argv[1:3]


def dechunk(data):
    out = b""
    while True:
        line, sep, rest = data.partition(b"\r\n")
        if not sep:
            return out
        try:
            size = int(line.split(b";")[0].strip() or b"0", 16)
        except ValueError:
            return out + data
        if size == 0:
            return out
        out += rest[:size]
        data = rest[size + 2:]


def complete(data):
    """Whether data holds a whole answer: its head, and a body as long as
    Content-Length says, or the last chunk (else only the close ends it)."""
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        return False
    lines = head.lower().split(b"\r\n")
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip() == b"content-length":
            try:
                return len(body) >= int(value.strip())
            except ValueError:
                return False
        if name.strip() == b"transfer-encoding" and b"chunked" in value:
            return body.endswith(b"0\r\n\r\n")
    status = lines[0].split(b" ")
    return len(status) > 1 and status[1] in (b"204", b"304")


def one(ctx, host, reqfile, headfile, bodyfile):
    with open(reqfile, "rb") as f:
        request = f.read()
    data = b""
    try:
        with socket.create_connection(("127.0.0.1", int(port)), timeout=10) as s:
            with ctx.wrap_socket(s, server_hostname=host) as t:
                t.sendall(request)
                while not complete(data):
                    try:
                        got = t.recv(65536)
                    except (ssl.SSLError, ConnectionResetError):
                        break
                    if not got:
                        break
                    data += got
    except (OSError, ssl.SSLError) as e:
        if not data:
            print("%s: %s" % (reqfile, e), file=sys.stderr)
            return "000"
    head, sep, body = data.partition(b"\r\n\r\n")
    parts = head.split(b" ", 2)
    if not sep or len(parts) < 2 or not parts[0].startswith(b"HTTP/") \
            or not parts[1].isdigit():
        print("%s: no HTTP answer: %r" % (reqfile, data[:200]), file=sys.stderr)
        with open(bodyfile, "wb") as f:
            f.write(data)
        return "000"
    if b"\r\ntransfer-encoding: chunked" in head.lower():
        body = dechunk(body)
    with open(headfile, "wb") as f:
        f.write(head + b"\r\n\r\n")
    with open(bodyfile, "wb") as f:
        f.write(body)
    return parts[1].decode()


def main():
    ctx = ssl.create_default_context(cafile=cafile)
    ctx.set_alpn_protocols(["http/1.1"])
    for line in sys.stdin:
        if line.strip():
            print(one(ctx, *line.split()), flush=True)


main()
