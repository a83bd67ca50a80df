#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# apihost's script (0005-apihost.sh) again, on a throwaway PostgreSQL
# (tests/pg.sh) instead of SQLite, its lines tagged "+pg".  With lighttpd
# only: 0005 runs with both servers on SQLite, and 0008 and 0011 run
# PostgreSQL with both servers.

dir=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$dir/../.." && pwd)
server=${GH_SERVER:-lighttpd}
if [[ $server != lighttpd ]]; then
	echo "ok - $server+pg: 0012-apihost-pg # SKIP runs with lighttpd only"
	exit 0
fi
PGDIR=$(mktemp -d "${TMPDIR:-/tmp}/gatehouse-pg.XXXXXX") || exit 1
trap 'sh "$root/tests/pg.sh" stop "$PGDIR" >/dev/null 2>&1; rm -rf "$PGDIR"' EXIT
trap 'exit 100' INT TERM
if ! uri=$(sh "$root/tests/pg.sh" start "$PGDIR"); then
	echo "not ok - $server+pg: a throwaway PostgreSQL starts"
	exit 1
fi
GH_DATABASE=$uri GH_TAG="${GH_TAG:-}+pg" bash "$dir/0005-apihost.sh"
