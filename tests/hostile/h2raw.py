#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""Send HTTP/2 requests whose header values curl would refuse to send.

    h2raw.py PORT CAFILE < JOBS

Each line of JOBS is a JSON object: {"host": SNI and certificate name,
"headers": [[name, value], …] (pseudo-headers first: ":method", ":path",
":scheme", ":authority"; values may hold CR, LF or NUL), "head": file,
"body": file, and optionally "data": a request body, sent in DATA frames
after HEADERS without END_STREAM and so without a length}.  Each request
goes to 127.0.0.1:PORT on a TLS connection
of its own (checked against CAFILE) with ALPN h2, with the h2 library's
own header checks turned off, so the bytes reach the server as given.
The answer's status and headers go to the head file ("HTTP/2 <status>"
and "name: value" lines), its body to the body file, and the status is
printed on a line of its own: 000 when no answer came (the server reset
the stream or closed the connection, which is also how an HTTP/2 server
may refuse a malformed header), "noh2" when the server does not speak
HTTP/2.  Needs python3-h2 (Debian), hence /usr/bin/python3.
"""
import json
import socket
import ssl
import sys

import h2.config
import h2.connection
import h2.events

port, cafile = sys.argv[1:3]


def one(ctx, job):
    headers = [(n.encode("latin-1"), v.encode("latin-1"))
               for n, v in job["headers"]]
    try:
        sock = socket.create_connection(("127.0.0.1", int(port)), timeout=10)
        tls = ctx.wrap_socket(sock, server_hostname=job["host"])
    except (OSError, ssl.SSLError) as e:
        print("%s: %s" % (job["head"], e), file=sys.stderr)
        return "000"
    with tls:
        if tls.selected_alpn_protocol() != "h2":
            return "noh2"
        conn = h2.connection.H2Connection(config=h2.config.H2Configuration(
            client_side=True, header_encoding=None,
            validate_outbound_headers=False,
            normalize_outbound_headers=False,
            validate_inbound_headers=False))
        conn.initiate_connection()
        sid = conn.get_next_available_stream_id()
        data = job.get("data")
        conn.send_headers(sid, headers, end_stream=data is None)
        if data is not None:
            # Small bodies only: within the initial flow-control window.
            conn.send_data(sid, data.encode("latin-1"), end_stream=True)
        tls.sendall(conn.data_to_send())
        status, head, body, done = None, [], b"", False
        while not done:
            try:
                data = tls.recv(65536)
            except (OSError, ssl.SSLError):
                break
            if not data:
                break
            for ev in conn.receive_data(data):
                if isinstance(ev, h2.events.ResponseReceived):
                    for n, v in ev.headers:
                        if n == b":status":
                            status = v.decode()
                        else:
                            head.append(b"%s: %s" % (n, v))
                elif isinstance(ev, h2.events.DataReceived):
                    body += ev.data
                    conn.acknowledge_received_data(
                        ev.flow_controlled_length, ev.stream_id)
                elif isinstance(ev, (h2.events.StreamEnded,
                                     h2.events.StreamReset,
                                     h2.events.ConnectionTerminated)):
                    done = True
            out = conn.data_to_send()
            if out:
                tls.sendall(out)
    if status is None:
        print("%s: no answer" % job["head"], file=sys.stderr)
        return "000"
    with open(job["head"], "wb") as f:
        f.write(b"HTTP/2 " + status.encode() + b"\r\n" +
                b"".join(h + b"\r\n" for h in head) + b"\r\n")
    with open(job["body"], "wb") as f:
        f.write(body)
    return status


def main():
    ctx = ssl.create_default_context(cafile=cafile)
    # (Offering only h2 makes some servers refuse the handshake.)
    ctx.set_alpn_protocols(["h2", "http/1.1"])
    for line in sys.stdin:
        if line.strip():
            print(one(ctx, json.loads(line)), flush=True)


main()
