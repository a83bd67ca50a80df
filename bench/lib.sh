# SPDX-License-Identifier: ISC
# shellcheck shell=bash
# The globals this file sets are the callers' (HELLO_PID, MIN_PID, BROKEN…).
# shellcheck disable=SC2034
#
# bench/lib.sh: what the bench scripts share (bench/run for the factory,
# bench/icyfire, bench/apihost, bench/certmaker): building, starting a
# server from httpd-conf/ on a free port, the two FastCGI floors (hello
# under the template, hello under a minimal lighttpd), running and reading
# wrk, the FastCGI processes' CPU and memory, medians and verdicts.
# Source it after httpd-conf/server.sh.  The caller sets WORK (its work
# directory), SERVER (lighttpd or apache), DURATION, THREADS and BENCH_DIR,
# GH_ROOT, GH_BUILD.
#
# Results: measure appends one line a run to $WORK/results.tsv, tab-
# separated: round name conns rps p50_ms p99_ms non2xx sockerr requests
# cpu_us_per_request.  Verdicts: verdict and info also append
# "name<TAB>value<TAB>op<TAB>target<TAB>verdict" to the file named by
# GH_BENCH_VERDICTS, when set (bench/all collects them).

# The state directories the benches make run the shipped default: no
# program log line per request, only the access log's (gh_state_config
# writes one for the tests, which read it).
export GH_LOG_REQUESTS=no

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

# verdict LABEL VALUE OP LIMIT: one line, PASS or MISS (OP is >=, < or
# <=; a VALUE that is not a number is a MISS), recorded in
# GH_BENCH_VERDICTS when set.
verdict() {
	local label=$1 value=$2 op=$3 limit=$4 ok
	ok=$(awk -v v="$value" -v l="$limit" -v op="$op" 'BEGIN {
		if (v !~ /^-?[0-9.]+$/) { print "MISS"; exit }
		ok = op == ">=" ? v >= l : op == "<=" ? v <= l : v < l
		print (ok ? "PASS" : "MISS") }')
	printf '%-4s  %s: %s (target %s %s)\n' "$ok" "$label" "$value" "$op" \
		"$limit"
	record "$label" "$value" "$op" "$limit" "$ok"
}

# info LABEL VALUE: a figure without a target, printed and recorded.
info() {
	printf 'info  %s: %s\n' "$1" "$2"
	record "$1" "$2" - - INFO
}

# record NAME VALUE OP TARGET VERDICT: one line of GH_BENCH_VERDICTS.
record() {
	[[ -n ${GH_BENCH_VERDICTS:-} ]] || return 0
	printf '%s\t%s\t%s\t%s\t%s\n' "$@" >>"$GH_BENCH_VERDICTS"
}

# The value of --rounds, checked.
rounds_arg() {
	[[ ${1:-} =~ ^[1-9][0-9]*$ ]] || die "--rounds wants a number"
	printf '%s\n' "$1"
}

# --- the two floors ----------------------------------------------------------

# The template with bench/hello.c as every program, on a state directory
# of its own (made as the service's is, so that hello gets whatever the
# template needs): the template's own floor.  Ask it with the Host of the
# service measured, so that hello runs under that virtual host's settings.
# Sets HELLO_DIR, HELLO_PORT and HELLO_PID.
#   start_hello FIRST_PORT
start_hello() {
	local entry db=${GH_DATABASE:-sqlite}
	HELLO_DIR=$WORK/hello
	# SQLite, whatever the service's backend: hello uses no database, and
	# another key file must not init the service's PostgreSQL schemas.
	export GH_DATABASE=sqlite
	gh_state_init "$HELLO_DIR"
	GH_DATABASE=$db
	for entry in "${GH_PROGRAMS[@]}"; do
		cp -f "$WORK/bin/hello" "$HELLO_DIR/libexec/${entry%%:*}"
	done
	gh_state_chown "$HELLO_DIR"
	HELLO_PORT=$(free_port "$1")
	start_server "$HELLO_DIR" "$HELLO_PORT"
	HELLO_PID=$GH_SERVER_PID
	GH_SERVER_PID=
}

# How many factory processes the lighttpd template runs: the N of its
# bin-path "gatehouse-spawn N …" (else its max-procs; 4 when neither can
# be read).
template_max_procs() {
	local n
	n=$(awk '/@FACTORY_HOST@/ { f = 1 }
		f && match($0, /gatehouse-spawn[[:space:]]+[0-9]+/) {
			s = substr($0, RSTART, RLENGTH)
			sub(/gatehouse-spawn[[:space:]]+/, "", s)
			print s
			exit
		}
		f && match($0, /"max-procs"[[:space:]]*=>[[:space:]]*[0-9]+/) {
			s = substr($0, RSTART, RLENGTH)
			sub(/.*=>[[:space:]]*/, "", s)
			print s
			exit
		}' "$GH_ROOT/httpd-conf/lighttpd.conf.in")
	[[ -n $n ]] ||
		note "no process count for the factory in lighttpd.conf.in: the minimal floor runs 4"
	printf '%s\n' "${n:-4}"
}

# The minimal floor: bench/hello.c under a lighttpd with mod_openssl and
# mod_fastcgi and nothing else (no access log, no magnet, no parse
# options, one host), the same certificate as CERT_DIR's and the factory's
# max-procs of the template.  Whatever our template costs over this is
# the template's own (issue 18).  Always lighttpd, also when SERVER is
# apache.  Its configuration is written to $WORK/minimal/lighttpd.conf.
# Sets MIN_DIR, MIN_PORT and MIN_PID; its processes are named hello.
#   start_minimal CERT_DIR FIRST_PORT
start_minimal() {
	local cert=$1 user group
	command -v lighttpd >/dev/null ||
		die "lighttpd is not installed (the minimal floor needs it)"
	MIN_DIR=$WORK/minimal
	mkdir -p "$MIN_DIR/run" "$MIN_DIR/log" "$MIN_DIR/libexec"
	cp -f "$WORK/bin/hello" "$MIN_DIR/libexec/hello"
	cp -f "$cert/ca.pem" "$MIN_DIR/ca.pem"
	read -r user group < <(gh_service_account)
	MIN_PORT=$(free_port "$2")
	cat >"$MIN_DIR/lighttpd.conf" <<EOF
# The minimal FastCGI floor (bench/lib.sh): mod_openssl + mod_fastcgi only.
server.modules		= ( "mod_openssl", "mod_fastcgi" )
server.bind		= "127.0.0.1"
server.port		= $MIN_PORT
server.username		= "$user"
server.groupname	= "$group"
server.errorlog		= "$MIN_DIR/log/lighttpd-error.log"
server.document-root	= "/nonexistent"
ssl.engine		= "enable"
ssl.pemfile		= "$cert/tls/server.pem"
ssl.privkey		= "$cert/tls/server.key"
fastcgi.server = ( "/" => ((
	"bin-path"	=> "$MIN_DIR/libexec/hello",
	"socket"	=> "$MIN_DIR/run/hello.sock",
	"max-procs"	=> $(template_max_procs),
	"check-local"	=> "disable",
)) )
EOF
	gh_state_chown "$MIN_DIR"
	lighttpd -tt -f "$MIN_DIR/lighttpd.conf" >"$MIN_DIR/log/check.log" 2>&1 ||
		{ cat "$MIN_DIR/log/check.log" >&2; die "lighttpd refused the minimal configuration"; }
	setsid lighttpd -D -f "$MIN_DIR/lighttpd.conf" \
		</dev/null >>"$MIN_DIR/log/stdout.log" 2>&1 &
	GH_SERVER_PID=$!
	if ! gh_server_wait "$MIN_DIR" "$MIN_PORT" 20; then
		gh_server_logs "$MIN_DIR" >&2
		die "the minimal lighttpd on port $MIN_PORT did not answer"
	fi
	MIN_PID=$GH_SERVER_PID
	GH_SERVER_PID=
}

# --- measuring ------------------------------------------------------------------

# One wrk run: appends the results line (see the top) to $WORK/results.tsv
# and prints a progress line.  PID and PROG name the server and its
# FastCGI processes whose CPU time is counted (empty PID: none); with
# WATCH 1 their memory is sampled during the run (mem_watch).  The wrk
# arguments come last, the URL among them; wrk's output goes to
# $WORK/wrk-N-NAME-CONNS.txt only (URLs may hold tokens).
#   measure ROUND NAME CONNS PID PROG WATCH WRK_ARG...
measure() {
	local round=$1 name=$2 conns=$3 pid=$4 prog=$5 watch=$6
	local threads out before='' after='' rps p50 p99 bad sock reqs cpu
	shift 6
	NRUN=$((NRUN + 1))
	out=$WORK/wrk-$NRUN-$name-$conns.txt
	threads=$((conns < ${THREADS:-2} ? conns : ${THREADS:-2}))
	[[ -n $pid ]] && before=$(fcgi_cpu "$pid" "$prog")
	((watch)) && mem_watch_start "$pid" "$prog"
	timeout $((DURATION + 30)) wrk -t "$threads" -c "$conns" \
		-d "${DURATION}s" --latency --timeout 10s "$@" >"$out" 2>&1 ||
		die "wrk failed or overran (see $out): $(tail -n 3 "$out")"
	((watch)) && mem_watch_stop "$name"
	[[ -n $pid ]] && after=$(fcgi_cpu "$pid" "$prog")
	read -r rps p50 p99 bad sock reqs <<<"$(wrk_parse "$out")"
	# A process started during the run (mod_fcgid) counts from zero.
	cpu=$(printf '%s\n%s\n' "$before" "$after" | awk -v n="$reqs" '
		NF != 2 { next }
		$1 in t0 { used += $2 - t0[$1]; next }
		{ t0[$1] = $2 }
		END { printf "%.1f\n", (n > 0 ? used / n / 1000 : 0) }')
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" \
		"$name" "$conns" "$rps" "$p50" "$p99" "$bad" "$sock" "$reqs" \
		"$cpu" >>"$WORK/results.tsv"
	note "$(printf 'round %d  %-8s %3d conns  %8s req/s  p50 %s ms' \
		"$round" "$name" "$conns" "$rps" "$p50")" \
		" p99 $p99 ms  $cpu us CPU/req"
	if ((bad > 0 || sock > 0 || reqs == 0)); then
		note "FAILED: $name at $conns connections: $bad non-2xx," \
			"$sock socket errors, $reqs requests ($out)"
		BROKEN=1
	fi
	return 0
}

# The median over the rounds of FIELD (4 req/s, 5 p50, 6 p99, 10 CPU per
# request) of NAME at CONNS.
median_of() {
	awk -F '\t' -v e="$1" -v c="$2" -v f="$3" \
		'$2 == e && $3 == c { print $f }' "$WORK/results.tsv" | median
}

# NAME's req/s over BASE's in the same round at CONNS, the median over the
# rounds, to two decimals.
ratio_of() {
	awk -F '\t' -v e="$1" -v b="$2" -v c="$3" '
	$2 == b && $3 == c { base[$1] = $4 }
	$2 == e && $3 == c { v[$1] = $4 }
	END { for (r in v) if (base[r] > 0) print v[r] / base[r] }' \
		"$WORK/results.tsv" | median | awk '{ printf "%.2f\n", $1 }'
}

# --- memory ---------------------------------------------------------------------

# "USS RSS" in KiB of NAME's processes under the server PID, each the
# largest over them: USS (private memory: Private_Clean + Private_Dirty
# of /proc/PID/smaps_rollup) and RSS.  Nothing when there is no process.
# One awk over /proc, so that a sample is quick on a busy machine.
#   fcgi_mem PID NAME
fcgi_mem() {
	awk -v root="$1" -v name="$2" '
	BEGIN {
		for (i = 1; i < ARGC; i++) {
			f = ARGV[i]
			if ((getline line < f) <= 0)
				continue
			close(f)
			# pid (comm) state ppid ...; comm may hold spaces.
			o = index(line, "(")
			if (!match(line, /\) [A-Za-z] /))
				continue
			pid = substr(line, 1, o - 2) + 0
			comm[pid] = substr(line, o + 1, RSTART - o - 1)
			split(substr(line, RSTART + 2), r, " ")
			parent[pid] = r[2] + 0
		}
		for (pid in comm) {
			if (comm[pid] != name)
				continue
			for (p = parent[pid]; p > 1 && p != root && n++ < 50;)
				p = parent[p]
			n = 0
			if (p != root)
				continue
			f = "/proc/" pid "/smaps_rollup"
			u = 0
			rss = -1
			while ((getline line < f) > 0) {
				split(line, w, " ")
				if (w[1] == "Rss:")
					rss = w[2]
				else if (w[1] ~ /^Private_(Clean|Dirty):$/)
					u += w[2]
			}
			close(f)
			if (rss < 0)
				continue
			found = 1
			if (u > maxu) maxu = u
			if (rss + 0 > maxr) maxr = rss + 0
		}
		if (found)
			print maxu + 0, maxr + 0
	}' /proc/[0-9]*/stat
}

# Record NAME's idle memory (before any load) in $WORK/mem.tsv.
#   mem_idle NAME PID PROG
mem_idle() {
	local m
	m=$(fcgi_mem "$2" "$3")
	[[ -n $m ]] && printf 'idle\t%s\t%s\n' "$1" "${m/ /$'\t'}" >>"$WORK/mem.tsv"
	return 0
}

# Sample the memory of PROG under PID every half second, in the background,
# until mem_watch_stop NAME records the largest in $WORK/mem.tsv.
MEM_WATCH=
MEM_PID=
MEM_PROG=
mem_watch_start() {
	local pid=$1 prog=$2
	MEM_PID=$pid
	MEM_PROG=$prog
	: >"$WORK/mem-watch"
	(
		set +e
		while :; do
			fcgi_mem "$pid" "$prog"
			sleep 0.5
		done
	) >>"$WORK/mem-watch" 2>/dev/null &
	MEM_WATCH=$!
}

mem_watch_stop() {
	[[ -n $MEM_WATCH ]] || return 0
	kill "$MEM_WATCH" 2>/dev/null || true
	wait "$MEM_WATCH" 2>/dev/null || true
	MEM_WATCH=
	# And once as the load ends: a run too short for any sample to
	# finish still has a figure.
	fcgi_mem "$MEM_PID" "$MEM_PROG" >>"$WORK/mem-watch" 2>/dev/null || true
	awk -v n="$1" '$1 > u { u = $1 } $2 > r { r = $2 }
		END { if (NR) printf "load\t%s\t%d\t%d\n", n, u, r }' \
		"$WORK/mem-watch" >>"$WORK/mem.tsv"
}

# Print and judge the memory of SERVICE (its rows in mem.tsv named NAME…:
# idle, and under load the largest over the named runs).  Targets
# (PERFORMANCE.md): < 2 MiB private per process idle, and flat under
# load, which we take as growing by no more than 10 % of the idle USS or
# 256 KiB, whichever is larger.
#   mem_report SERVICE NAME...
mem_report() {
	local svc=$1 iu ir lu lr slack grow s
	shift
	s=$(db_label)
	[[ -s $WORK/mem.tsv ]] || { info "$s: $svc memory" "not measured"; return 0; }
	read -r iu ir lu lr < <(awk -F '\t' -v names=" $* " '
		index(names, " " $2 " ") == 0 { next }
		$1 == "idle" && $3 > iu { iu = $3 } $1 == "idle" && $4 > ir { ir = $4 }
		$1 == "load" && $3 > lu { lu = $3 } $1 == "load" && $4 > lr { lr = $4 }
		END { print iu + 0, ir + 0, lu + 0, lr + 0 }' "$WORK/mem.tsv")
	slack=$(((iu / 10) > 256 ? iu / 10 : 256))
	printf 'memory (KiB, largest FastCGI process of %s): USS idle %s, under load %s; RSS idle %s, under load %s\n' \
		"$svc" "$iu" "$lu" "$ir" "$lr"
	# No sample is no figure (a MISS), not a zero.
	((iu > 0)) || iu=n/a
	verdict "$s: $svc USS idle, KiB" "$iu" "<" 2048
	[[ $iu != n/a ]] && ((lu > 0)) && grow=$((lu - iu)) || grow=n/a
	verdict "$s: $svc USS growth under load, KiB" "$grow" "<=" "$slack"
	info "$s: $svc RSS idle / under load, KiB" "$ir / $lr"
}

# The load average's first three fields.
loadavg() {
	cut -d ' ' -f 1-3 /proc/loadavg
}


# --- the database ---------------------------------------------------------------

# --db sqlite|postgresql|URI, checked (bench/run, bench/icyfire).
db_arg() {
	case ${1:-} in
	sqlite | postgresql | postgresql://* | postgres://*) printf '%s\n' "$1" ;;
	*) die "--db wants sqlite, postgresql or a postgresql:// URI" ;;
	esac
}

# The database the service's state directory names, as ./dev serve --db
# does it: GH_DATABASE, which gh_state_init writes into gatehouse.conf
# as [gatehouse] database.  "postgresql": a throwaway cluster in
# $WORK/pg (tests/pg.sh, socket only), but durable (GH_PG_DURABLE: fsync,
# synchronous_commit and full_page_writes on), so that its writes compare
# fairly with SQLite's durable commits; stopped by db_stop.  Sets
# GH_DATABASE, BENCH_PG (the cluster's directory, or empty) and DB_DESC
# (what ran, for the output).
#   db_start DB
BENCH_PG=
DB_DESC=sqlite
db_start() {
	local db=$1 settings
	case $db in
	sqlite)
		GH_DATABASE=sqlite
		DB_DESC="sqlite (WAL, durable commits)"
		;;
	postgresql)
		mkdir -p "$WORK/pg"
		BENCH_PG=$WORK/pg
		GH_DATABASE=$(GH_PG_DURABLE=1 sh "$GH_ROOT/tests/pg.sh" start \
			"$WORK/pg") || die "cannot start PostgreSQL in $WORK/pg"
		;;
	*) GH_DATABASE=$db ;;
	esac
	export GH_DATABASE
	[[ $db == sqlite ]] && return 0
	command -v psql >/dev/null ||
		die "psql is not installed (apt-get install postgresql-client)"
	settings=$(psql -X -q -A -t -d "$GH_DATABASE" -c "SELECT
	    'PostgreSQL ' || current_setting('server_version') ||
	    ', fsync=' || current_setting('fsync') ||
	    ', synchronous_commit=' || current_setting('synchronous_commit') ||
	    ', full_page_writes=' || current_setting('full_page_writes')") ||
		die "cannot ask PostgreSQL for its settings ($GH_DATABASE)"
	if [[ -n $BENCH_PG ]]; then
		DB_DESC="postgresql (throwaway cluster on a Unix socket; $settings)"
	else
		DB_DESC="postgresql (the URI given; $settings)"
	fi
	note "database: $DB_DESC"
}

# Stop the throwaway cluster, if db_start made one.
db_stop() {
	[[ -n $BENCH_PG ]] || return 0
	sh "$GH_ROOT/tests/pg.sh" stop "$BENCH_PG" >/dev/null 2>&1 || true
	BENCH_PG=
}

# The label prefix of a verdict: the server, and the backend unless it is
# SQLite (bench/all keeps both backends' rows apart).
db_label() {
	if [[ ${GH_DATABASE:-sqlite} == sqlite ]]; then
		printf '%s\n' "$SERVER"
	else
		printf '%s, postgresql\n' "$SERVER"
	fi
}

# SQL for the service's database: the sqlite3 shell on STATE/FILE.db, or
# psql with the service's schema first on the search_path.
#   db_sql STATE FILE SCHEMA SQL
db_sql() {
	if [[ $GH_DATABASE == sqlite ]]; then
		sqlite3 "$1/$2.db" "$4"
	else
		PGOPTIONS="-c search_path=$3" psql -X -q -A -t -v ON_ERROR_STOP=1 \
			-d "$GH_DATABASE" -c "$4"
	fi
}
