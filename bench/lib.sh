# SPDX-License-Identifier: ISC
# shellcheck shell=bash
#
# bench/lib.sh: what the bench scripts share (bench/run for the factory,
# bench/icyfire): building, starting a server from httpd-conf/ on a free
# port, running and reading wrk, medians and verdicts.  Source it after
# httpd-conf/server.sh.  The caller sets WORK (its work directory),
# SERVER (lighttpd or apache) and BENCH_DIR, GH_ROOT, GH_BUILD.

die() {
	printf 'bench: %s\n' "$*" >&2
	exit 1
}

note() {
	printf 'bench: %s\n' "$*" >&2
}

# Build the project into GH_BUILD: with `./dev build` when dev has that
# subcommand and the build directory is dev's, else as dev does it
# (autoreconf when configure is missing, configure once, make).
build_project() {
	local log=$WORK/build.log
	if [[ $GH_BUILD == "$GH_ROOT/build" ]] &&
	    grep -Eq '^[[:space:]]*build\)' "$GH_ROOT/dev" 2>/dev/null; then
		note "building with ./dev build"
		"$GH_ROOT/dev" build >"$log" 2>&1 ||
			{ tail -n 30 "$log" >&2; die "./dev build failed"; }
		return 0
	fi
	note "building in $GH_BUILD"
	if [[ ! -x $GH_ROOT/configure ]]; then
		(cd "$GH_ROOT" && autoreconf -fi) >"$log" 2>&1 ||
			{ tail -n 30 "$log" >&2; die "autoreconf failed"; }
	fi
	mkdir -p "$GH_BUILD"
	if [[ ! -f $GH_BUILD/Makefile ]]; then
		(cd "$GH_BUILD" && "$GH_ROOT/configure" -q) >>"$log" 2>&1 ||
			{ tail -n 30 "$log" >&2; die "configure failed"; }
	fi
	make -C "$GH_BUILD" -j2 >>"$log" 2>&1 ||
		{ tail -n 30 "$log" >&2; die "the build failed (log above)"; }
}

# A sanitizer build would make every figure meaningless.
check_build_flags() {
	local status=$GH_BUILD/config.status
	[[ -f $status ]] || return 0
	if grep -q -- '--enable-sanitizers' "$status"; then
		note "WARNING: $GH_BUILD is configured with --enable-sanitizers:" \
			"these figures do not represent a release build"
	fi
}

build_hello() {
	local fcgi
	read -ra fcgi <<<"$(pkg-config --cflags --libs fcgi)" ||
		die "pkg-config knows no fcgi (apt-get install libfcgi-dev)"
	mkdir -p "$WORK/bin"
	cc -O2 -Wall -Wextra -o "$WORK/bin/hello" "$BENCH_DIR/hello.c" "${fcgi[@]}" ||
		die "cannot build bench/hello.c"
}

# The first TCP port from $1 on that nothing listens on (callers start
# below the ephemeral range, 32768 and up).
free_port() {
	local port
	for ((port = $1; port < $1 + 500; port++)); do
		if [[ -z $(ss -Hltn "sport = :$port") ]]; then
			printf '%s\n' "$port"
			return 0
		fi
	done
	die "no free port from $1"
}

# Start SERVER on DIR and PORT and wait until it answers; sets
# GH_SERVER_PID.
start_server() {
	local dir=$1 port=$2
	gh_server_config "$SERVER" "$dir" "$port" ||
		die "cannot write the $SERVER configuration"
	gh_server_check "$SERVER" "$dir"
	gh_server_start "$SERVER" "$dir" ||
		die "$SERVER refused its configuration (above)"
	if ! gh_server_wait "$dir" "$port" 20; then
		gh_server_logs "$dir" >&2
		gh_server_stop
		die "$SERVER on port $port did not answer"
	fi
}

# Pull req/s, p50, p99 (in ms) and the failure counts from wrk's output.
wrk_parse() {
	awk '
	function ms(v,	n) {
		n = v + 0
		if (v ~ /us$/) return n / 1000
		if (v ~ /ms$/) return n
		if (v ~ /s$/) return n * 1000
		if (v ~ /m$/) return n * 60000
		if (v ~ /h$/) return n * 3600000
		return n
	}
	/^Requests\/sec:/		{ rps = $2 }
	/^ +50%/			{ p50 = ms($2) }
	/^ +99%/			{ p99 = ms($2) }
	/Non-2xx or 3xx responses:/	{ bad = $NF }
	/^ +[0-9]+ requests in/		{ reqs = $1 }
	/Socket errors:/ {
		gsub(/,/, "")
		sock = $4 + $6 + $8 + $10
	}
	END {
		printf "%.1f %.3f %.3f %d %d %d\n", rps, p50, p99, bad, sock, reqs
	}' "$1"
}

# CPU time used so far by each FastCGI program process named NAME
# (default factory) under the server with pid PID, as "pid nanoseconds"
# lines (hello is installed under the service's name).  Unlike req/s,
# this hardly moves when something else runs on the machine: it is the
# per-request work to compare.
#   fcgi_cpu PID [NAME]
fcgi_cpu() {
	local pid ns name=${2:-factory}
	for pid in $(gh_descendants "$1"); do
		[[ $(cat "/proc/$pid/comm" 2>/dev/null) == "$name" ]] || continue
		read -r ns _ 2>/dev/null <"/proc/$pid/schedstat" || continue
		printf '%s %s\n' "$pid" "$ns"
	done
}

# The median of the numbers on stdin.
median() {
	sort -g | awk '{ v[NR] = $1 }
	END {
		if (NR == 0) { print "nan"; exit }
		if (NR % 2) print v[(NR + 1) / 2]
		else print (v[NR / 2] + v[NR / 2 + 1]) / 2
	}'
}

# verdict LABEL VALUE OP LIMIT: one line, PASS or MISS.
verdict() {
	local label=$1 value=$2 op=$3 limit=$4 ok
	ok=$(awk -v v="$value" -v l="$limit" -v op="$op" 'BEGIN {
		ok = op == ">=" ? v >= l : v < l
		print (ok ? "PASS" : "MISS") }')
	printf '%-4s  %s: %s (target %s %s)\n' "$ok" "$label" "$value" "$op" \
		"$limit"
}

