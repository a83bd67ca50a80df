#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Hold a service database's write lock, as another writer would.

    holdlock.py sqlite|flock|both SECONDS READYFILE DB...

Gatehouse's writers take two locks in turn (lib/db.c, gh_db_begin): an
flock() of "<db>.lock", which they wait for at most busy_timeout, then
SQLite's own write lock (BEGIN IMMEDIATE), which they wait for at most
busy_timeout too.  "sqlite" holds SQLite's lock (BEGIN EXCLUSIVE: in WAL
mode readers go on, writers wait), as the sqlite3 shell or any program
that bypasses the funnel would; "flock" holds the funnel's lock, as
another Gatehouse writer stuck inside its transaction would; "both" holds
the two.  Every DB is locked, then READYFILE is written (the time, one
line) and the locks are held SECONDS, then released: rolled back, nothing
written.  SIGTERM releases them early.
"""
import fcntl
import os
import signal
import sqlite3
import sys
import time


def main():
    how, seconds, ready, dbs = sys.argv[1], float(sys.argv[2]), sys.argv[3], sys.argv[4:]
    if how not in ("sqlite", "flock", "both") or not dbs:
        sys.exit(__doc__)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    held = []
    for db in dbs:
        if how in ("flock", "both"):
            # The product opens "<db>.lock" O_RDWR|O_CREAT; so do we, and
            # flock() it exclusively, as lock_writers() does.
            fd = os.open(db + ".lock", os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(fd, fcntl.LOCK_EX)
            held.append(fd)
        if how in ("sqlite", "both"):
            con = sqlite3.connect(db, timeout=30, isolation_level=None)
            con.execute("BEGIN EXCLUSIVE")
            held.append(con)
    with open(ready + ".new", "w") as f:
        f.write("%.3f\n" % time.time())
    os.rename(ready + ".new", ready)
    try:
        time.sleep(seconds)
    finally:
        for h in held:
            if isinstance(h, sqlite3.Connection):
                h.rollback()
                h.close()
            else:
                os.close(h)


if __name__ == "__main__":
    main()
