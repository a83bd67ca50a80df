#!/bin/sh
# SPDX-License-Identifier: ISC
# pg.sh: a throwaway PostgreSQL for tests and ./dev, listening on a Unix
# socket inside DIR only (no TCP port), with a database "gatehouse".
#
#   sh tests/pg.sh start DIR     initdb DIR/data (unless there), start;
#                                print the URI
#   sh tests/pg.sh restart DIR   stop fast and start again (same data)
#   sh tests/pg.sh halt DIR      stop, keep DIR/data (./dev serve)
#   sh tests/pg.sh stop DIR      stop and remove DIR/data
#   sh tests/pg.sh uri DIR       print the URI
#
# As root the cluster runs as the postgres user (PostgreSQL refuses root);
# --no-sync and fsync=off: test data need not survive a power cut.  With
# GH_PG_DURABLE=1 (the benches) it commits as a production server does:
# fsync, synchronous_commit and full_page_writes on.  The server binaries
# are Debian's (GH_PG_BIN, default its PostgreSQL 15).
set -eu
PGBIN=${GH_PG_BIN:-}
if [ -z "$PGBIN" ]; then
	for d in /usr/lib/postgresql/*/bin; do
		[ -x "$d/initdb" ] && PGBIN=$d	# the glob sorts: the newest last
	done
fi

die() {
	echo "pg.sh: $*" >&2
	exit 1
}

if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ]; then
	die "no PostgreSQL server binaries: apt-get install postgresql"
fi

# Run a command as the cluster's owner.
as_owner() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

# The server's options: socket in DIR/sock only, no TCP port.
server_opts() {
	if [ "${GH_PG_DURABLE:-0}" = 1 ]; then
		sync="-c fsync=on -c synchronous_commit=on -c full_page_writes=on"
	else
		sync="-c fsync=off -c full_page_writes=off"
	fi
	echo "-k $1/sock -c listen_addresses= $sync -c max_connections=200"
}

user() {
	if [ "$(id -u)" = 0 ]; then echo postgres; else id -un; fi
}

uri() {
	echo "postgresql:///gatehouse?host=$1/sock&user=$(user)"
}

case ${1:-} in
start)
	[ $# = 2 ] || die "usage: pg.sh start DIR"
	dir=$(cd "$2" && pwd)
	mkdir -p "$dir/sock"
	if [ "$(id -u)" = 0 ]; then
		chown postgres "$dir" "$dir/sock"
		# The path to DIR must be searchable by postgres.
		chmod o+x "$dir"
	fi
	fresh=
	if [ ! -e "$dir/data/PG_VERSION" ]; then
		fresh=1
		nosync=--no-sync
		[ "${GH_PG_DURABLE:-0}" = 1 ] && nosync=
		# shellcheck disable=SC2086
		as_owner "$PGBIN/initdb" -D "$dir/data" $nosync --auth=trust \
			-U "$(user)" -E UTF8 --locale=C.UTF-8 \
			>"$dir/initdb.log" 2>&1 ||
			{ cat "$dir/initdb.log" >&2; die "initdb failed"; }
	fi
	as_owner "$PGBIN/pg_ctl" -D "$dir/data" \
		-o "$(server_opts "$dir")" \
		-l "$dir/pg.log" -w -s start ||
		{ cat "$dir/pg.log" >&2; die "cannot start"; }
	if [ -n "$fresh" ]; then
		as_owner "$PGBIN/createdb" -h "$dir/sock" -U "$(user)" \
			gatehouse || die "createdb failed"
	fi
	uri "$dir"
	;;
restart)
	[ $# = 2 ] || die "usage: pg.sh restart DIR"
	dir=$(cd "$2" && pwd)
	as_owner "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w -s stop ||
		die "cannot stop"
	as_owner "$PGBIN/pg_ctl" -D "$dir/data" \
		-o "$(server_opts "$dir")" \
		-l "$dir/pg.log" -w -s start || die "cannot start"
	;;
halt)
	[ $# = 2 ] || die "usage: pg.sh halt DIR"
	dir=$(cd "$2" && pwd)
	if [ -e "$dir/data/postmaster.pid" ]; then
		as_owner "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w -s stop ||
			die "cannot stop"
	fi
	;;
stop)
	[ $# = 2 ] || die "usage: pg.sh stop DIR"
	dir=$(cd "$2" && pwd)
	if [ -e "$dir/data/postmaster.pid" ]; then
		as_owner "$PGBIN/pg_ctl" -D "$dir/data" -m immediate -w -s \
			stop || true
	fi
	rm -rf "$dir/data" "$dir/sock" "$dir/pg.log" "$dir/initdb.log"
	;;
uri)
	[ $# = 2 ] || die "usage: pg.sh uri DIR"
	uri "$(cd "$2" && pwd)"
	;;
*)
	die "usage: pg.sh start|restart|halt|stop|uri DIR"
	;;
esac
