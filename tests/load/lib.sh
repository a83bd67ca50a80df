# SPDX-License-Identifier: ISC
# shellcheck shell=bash source-path=SCRIPTDIR
#
# lib.sh: what every tests/load/NNNN-*.sh script sources, on top of
# tests/integration/lib.sh (start_server, req, expect_*, ok / not_ok,
# finish: the same "ok - …" / "not ok - …" lines).  It adds:
#
#   load_setup [POSTS]    after start_server: background processes
#                         stopped on exit; every service seeded (a
#                         certmaker user, icyfire tokens, slot 314 and
#                         POSTS posts queued, an apihost grain on an nginx
#                         upstream and its token)
#   load_headers, load_specs, seed_order, probe_all
#                         each service's wrk headers and request mix
#                         (a write among reads), checked once by hand
#   load_warm CONNS       Apache: mod_fcgid's pools filled first
#   load_start NAME CONNS SECONDS, wrk_wait NAME…
#                         a service's mix under wrk (load.lua), in the
#                         background; wrk_get NAME KEY reads its figures,
#                         wrk_check NAME DESC: no 5xx, no socket error
#   prog_pids NAME…       the PIDs of FastCGI programs of this state dir
#   prog_table            name, PID and parent of each, one ps for all
#   start_worker          gatehouse-worker --loop, as ./dev serve runs it
#   curl_bg NAME HOST …   a request that may run beside others; use_res
#                         NAME loads its answer for expect_status & co
#   missing_rows, db_count  the database afterwards
#
# Everything started in the background is recorded in LOAD_BG and
# stopped (TERM, then KILL) on exit, before the server stops; so are the
# workers of this state directory (the factory may start one itself).
#
# Environment: GH_LOAD_SECONDS (default 60), the length of the main load
# run of 0001; everything tests/integration/lib.sh reads.

# shellcheck source=../integration/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"

LOAD_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck disable=SC2034 # the scripts use these
LOAD_SECONDS=${GH_LOAD_SECONDS:-60}
LOAD_BG=()
# The services, their virtual hosts and the programs' names.
LOAD_SERVICES=(factory certmaker icyfire apihost)
declare -A LOAD_HOST=([factory]=factory.localhost
	[certmaker]=certmaker.localhost [icyfire]=icyfire.localhost
	[apihost]=api.localhost)

# The busy timeout the product waits for either write lock (lib/db.h).
# shellcheck disable=SC2034 # used by the scripts
BUSY_MS=$(sed -n 's/^#define[[:space:]]*GH_DB_BUSY_TIMEOUT_MS[[:space:]]*\([0-9]*\).*/\1/p' \
	"$GH_ROOT/lib/db.h")

# --- processes -----------------------------------------------------------------

# prog_pids NAME…: PIDs of the processes running $GH_STATE/libexec/NAME
# (argv[0]: both lighttpd and mod_fcgid start the programs by that path),
# one a line.
prog_pids() {
	local names=" $* "
	ps -eo pid=,args= | awk -v d="$GH_STATE/libexec/" -v names="$names" '
		index($2, d) == 1 && index(names, " " substr($2, length(d) + 1) " ") {
			print $1
		}'
}

# prog_table: "name pid ppid" for every program of this state directory,
# one ps for all (a ps costs up to half a second when the machine is
# busy).  lighttpd runs each service's programs under gatehouse-spawn
# ("gatehouse-spawn N PROGRAM", their parent): its line is named
# "spawn:NAME" after the program it runs, so that a service's programs
# and their supervisor are told apart.
prog_table() {
	ps -eo pid=,ppid=,args= | awk -v d="$GH_STATE/libexec/" '
		index($3, d) != 1 { next }
		{ name = substr($3, length(d) + 1) }
		name == "gatehouse-spawn" && index($5, d) == 1 {
			name = "spawn:" substr($5, length(d) + 1)
		}
		{ print name, $1, $2 }'
}

# Stop what we started in the background, then the workers of this state
# directory (by PID), then the server (integration lib's cleanup).
load_cleanup() {
	local pid i left
	# Whoever read our output may be gone (^C): finish the cleanup anyway.
	trap '' PIPE
	for pid in "${LOAD_BG[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	for ((i = 0; i < 20; i++)); do
		left=
		for pid in "${LOAD_BG[@]}"; do
			kill -0 "$pid" 2>/dev/null && left=1
		done
		[[ -z $left ]] && break
		sleep 0.1
	done
	for pid in "${LOAD_BG[@]}"; do
		kill -KILL "$pid" 2>/dev/null
	done
	LOAD_BG=()
	if [[ -n $GH_STATE ]]; then
		for pid in $(prog_pids gatehouse-worker); do
			kill -KILL "$pid" 2>/dev/null
		done
	fi
	cleanup
}

# bg_track PID: stop PID on exit.
bg_track() {
	LOAD_BG+=("$1")
}

# The worker in its loop (as ./dev serve runs it), as the service account.
start_worker() {
	gh_worker "$GH_STATE" --loop 2>>"$GH_STATE/log/worker.log" &
	bg_track $!
	# shellcheck disable=SC2034 # the scripts use it
	WORKER_PID=$!
}

# --- the upstream ----------------------------------------------------------------

# nginx on a free port of 127.0.0.1: apihost's grain (GET /api/hello, a
# small JSON file) and the factory's callback receiver (PATCH /cb/…: 200).
# Plain files and a fixed answer: it costs the machine little, and its
# listen backlog (511) takes mod_fcgid's bursts of new connections.
start_upstream() {
	local dir=$GH_STATE/nginx user=
	command -v nginx >/dev/null || {
		not_ok "nginx is installed (apt-get install nginx)"
		finish
	}
	UP_PORT=$(free_port) || { not_ok "a free port for nginx"; finish; }
	mkdir -p "$dir/root/api" "$dir/logs" "$dir/tmp"
	printf '{"hello": "world", "from": "the upstream"}\n' >"$dir/root/api/hello"
	if [[ $EUID -eq 0 ]]; then
		user="user $(gh_service_account);"
	fi
	cat >"$dir/nginx.conf" <<EOF
$user
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/logs/error.log warn;
events { worker_connections 1024; }
http {
	access_log off;
	client_body_temp_path $dir/tmp/body;
	proxy_temp_path $dir/tmp/proxy;
	fastcgi_temp_path $dir/tmp/fastcgi;
	uwsgi_temp_path $dir/tmp/uwsgi;
	scgi_temp_path $dir/tmp/scgi;
	keepalive_requests 100000;
	default_type application/json;
	server {
		listen 127.0.0.1:$UP_PORT;
		root $dir/root;
		location /cb/ { return 200 "{}"; }
	}
}
EOF
	chmod -R a+rX "$dir"
	nginx -c "$dir/nginx.conf" -p "$dir" -g 'daemon off;' \
		</dev/null >"$dir/logs/stdout.log" 2>&1 &
	bg_track $!
	local i
	for ((i = 0; i < 50; i++)); do
		curl -s -o /dev/null "http://127.0.0.1:$UP_PORT/api/hello" && return 0
		sleep 0.1
	done
	not_ok "nginx answers on 127.0.0.1:$UP_PORT" "$(cat "$dir/logs/"*.log)"
	finish
}

# --- seeding ------------------------------------------------------------------------

# The tokens and data every load script uses:
#   factory     the mock token (test mode), orders called back on nginx
#   certmaker   CM_TOKEN, a user's token
#   icyfire     ICY_R, ICY_C, ICY_D, ICY_S; server 1, load.gent's twitter
#               credential on slot 314 with ICY_POSTS posts queued
#   apihost     grain "load" on nginx: API_TOKEN (its token), API_SECRET
# The queue is filled with one sqlite3 INSERT, as bench/icyfire does:
# gatectl adds one post per run, and tens of thousands of runs would take
# minutes.  (The writers that run *during* the load are gatectl.)
load_seed() {
	local posts=${1:-1000} webkey
	CM_TOKEN=$(gatectl certmaker user add load 2>&1) ||
		{ not_ok "gatectl certmaker user add" "$CM_TOKEN"; finish; }
	gatectl icyfire tokens generate >"$GH_STATE/icyfire.tokens" 2>&1 ||
		{ not_ok "gatectl icyfire tokens generate" "$(cat "$GH_STATE/icyfire.tokens")"; finish; }
	ICY_R=$(awk '$1 == "read" { print $2 }' "$GH_STATE/icyfire.tokens")
	ICY_C=$(awk '$1 == "cred" { print $2 }' "$GH_STATE/icyfire.tokens")
	ICY_D=$(awk '$1 == "delete" { print $2 }' "$GH_STATE/icyfire.tokens")
	ICY_S=$(awk '$1 == "security" { print $2 }' "$GH_STATE/icyfire.tokens")
	if ! { gatectl icyfire server add 1 &&
		gatectl icyfire domain add load.gent &&
		gatectl icyfire credential set load.gent twitter consumer_key=ck \
			consumer_secret=cs access_key=ak access_secret=as &&
		gatectl icyfire timeslot claim 314 load.gent twitter; } \
		>"$GH_STATE/seed.log" 2>&1; then
		not_ok "gatectl seeds icyfire" "$(cat "$GH_STATE/seed.log")"
		finish
	fi
	if ! sqlite3 "$GH_STATE/icyfire.db" "
		BEGIN;
		WITH RECURSIVE i(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM i
		    WHERE n < $posts)
		INSERT INTO post (credential_id, type, body, link, media_url, created)
		SELECT credential.id, 'text', 'Load post ' || n, NULL, NULL,
		    strftime('%s', 'now')
		FROM i, credential JOIN domain ON domain.id = domain_id
		WHERE domain.name = 'load.gent';
		COMMIT;" 2>"$GH_STATE/seed.log"; then
		not_ok "$posts posts queued on slot 314" "$(cat "$GH_STATE/seed.log")"
		finish
	fi
	gh_state_chown "$GH_STATE"
	start_upstream
	API_SECRET=$(gatectl apihost grain add load --upstream "http://127.0.0.1:$UP_PORT" \
		--api-path /api/ 2>&1) ||
		{ not_ok "gatectl apihost grain add" "$API_SECRET"; finish; }
	webkey=$(gatectl apihost token add --grain load --user-id load \
		--username load --permissions read,write 2>&1) ||
		{ not_ok "gatectl apihost token add" "$webkey"; finish; }
	API_TOKEN=${webkey#*#}
	printf 'load-callback-secret\n' >"$GH_STATE/cb.secret"
}

# load_setup [POSTS]: after start_server: stop everything on exit, seed.
load_setup() {
	trap load_cleanup EXIT
	load_seed "$@"
}

# load_warm CONNS: under Apache, fill each service's mod_fcgid pool (a
# 2-second burst of CONNS connections a service) before anything is
# measured, as bench/ does: mod_fcgid starts processes only on demand,
# and a request that finds the pool busy sleeps a second first, holding
# its Apache thread; with a child's threads all held so, mpm_event closes
# that child's kept-alive connections (read errors in wrk).  A steady
# state is what the checks are about; the pools' growth is mod_fcgid's.
# lighttpd starts its processes itself: nothing to do.
load_warm() {
	local conns=$1 s pids=()
	[[ $GH_SERVER == apache ]] || return 0
	for s in "${LOAD_SERVICES[@]}"; do
		gh_server_warm "$GH_PORT" "${LOAD_HOST[$s]}" "$conns" 2 &
		pids+=($!)
	done
	wait "${pids[@]}"
	# What was in flight when wrk stopped (icyfire writes its incident
	# after the answer) must not land after the caller's counts.
	sleep 1
	ok "mod_fcgid's pools warmed: $(prog_pids "${LOAD_SERVICES[@]}" | wc -l) processes"
}

# --- requests ------------------------------------------------------------------------

# curl_bg NAME HOST METHOD PATH [curl args…]: one request that may run in
# the background beside others; its answer goes to $GH_STATE/c-NAME.*
# (status and seconds taken, headers, body).  --max-time CURL_MAX_TIME
# (60): a request that hangs is reported as one, not waited for.
curl_bg() {
	local name=$1 host=$2 method=$3 path=$4 out=$GH_STATE/c-$1
	shift 4
	if ! curl -sS --max-time "${CURL_MAX_TIME:-60}" --cacert "$GH_STATE/ca.pem" \
		--resolve "$host:$GH_PORT:127.0.0.1" -X "$method" \
		-D "$out.headers" -o "$out.body" -w '%{http_code} %{time_total}\n' \
		"$@" "https://$host:$GH_PORT$path" >"$out.status" 2>"$out.err"; then
		printf '000 %s\n' "$(awk '{ print $2 }' "$out.status" 2>/dev/null)" >"$out.status"
	fi
}

# use_res NAME DESC: the answer curl_bg NAME got, for expect_status,
# expect_header, … (RES_*), with REQ_DESC = DESC; RES_TIME in seconds.
use_res() {
	local out=$GH_STATE/c-$1
	RES_HEADERS=$out.headers
	RES_BODY=$out.body
	read -r RES_STATUS RES_TIME <"$out.status" || { RES_STATUS=000; RES_TIME=0; }
	RES_TIME=${RES_TIME:-0}
	RES_ERROR=$(head -n 3 "$out.err" 2>/dev/null)
	REQ_DESC=$2
}

# --- wrk ------------------------------------------------------------------------------

# wrk_start NAME HOST CONNS SECONDS SPEC RECORD-STATUS RECORD-PATTERN [wrk args…]:
# wrk in the background, 2 threads (1 for a single connection), keep-alive,
# with load.lua sending SPEC's requests; its report goes to
# $GH_STATE/wrk-NAME.out.  RECORD-STATUS and RECORD-PATTERN ("-" for
# none): the captures of answers of that status go to
# $GH_STATE/rec-NAME.<thread> (see load.lua).  --timeout 30s: six times the
# busy timeout, so a timeout means a hang, not a slow machine.  The run tag
# for unique names is NAME plus the time.
wrk_start() {
	local name=$1 host=$2 conns=$3 secs=$4 spec=$5 rstatus=$6 rpattern=$7
	local threads=2
	shift 7
	((conns < 2)) && threads=1
	rm -f "$GH_STATE/rec-$name".*
	timeout $((secs + 60)) wrk -t "$threads" -c "$conns" -d "${secs}s" \
		--timeout 30s -H "Host: $host:$GH_PORT" "$@" \
		-s "$LOAD_DIR/load.lua" "https://127.0.0.1:$GH_PORT/" -- \
		"$spec" "$name$(date +%s)" "$GH_STATE/rec-$name" "$rstatus" \
		"$rpattern" >"$GH_STATE/wrk-$name.out" 2>&1 &
	bg_track $!
	WRK_PID[$name]=$!
}
declare -A WRK_PID=()

# wrk_wait NAME…: wait for those wrk runs to end.
wrk_wait() {
	local name
	for name in "$@"; do
		wait "${WRK_PID[$name]}" 2>/dev/null
	done
}

# wrk_get NAME KEY: the number after "load: KEY " in wrk-NAME's report
# ("status 201", "class 5xx", "requests", "no-retry-after",
# "latency-max-ms"); 0 when absent.  wrk_get NAME errors: the sum of the
# socket errors and timeouts.  Read with builtins only: a fork costs some
# 25 ms on this machine when it is busy, and the checks read many figures.
wrk_get() {
	local name=$1 key=$2 tag k v rest c r w t
	while read -r tag k v rest; do
		[[ $tag == load: ]] || continue
		if [[ $key == errors && $k == errors ]]; then
			read -r _ c _ r _ w _ t <<<"$v $rest"
			echo $((c + r + w + t))
			return
		fi
		if [[ $k == "$key" ]]; then
			echo "${v%%.*}"
			return
		elif [[ "$k $v" == "$key" ]]; then
			echo "${rest%% *}"
			return
		fi
	done <"$GH_STATE/wrk-$name.out"
	echo 0
}

# The statuses of wrk-NAME on one line: "201:1234 200:1200".
wrk_statuses() {
	local tag k v n out=
	while read -r tag k v n; do
		[[ $tag == load: && $k == status ]] && out+="${out:+ }$v:$n"
	done <"$GH_STATE/wrk-$1.out"
	echo "$out"
}

# The "load:" lines and wrk's own errors, for a reason.
wrk_report() {
	grep -E '^(load:|  Socket errors|unable|.*error)' "$GH_STATE/wrk-$1.out" 2>/dev/null |
		head -n 20
}

# wrk_check NAME DESC: wrk ran and answered, with no 5xx, no socket error
# and no timeout.  None is acceptable: nothing here kills a process, the
# server's connection limits are far above what we open, and a timeout
# (30 s) would be a hang.
wrk_check() {
	local name=$1 desc=$2 reqs fivexx errs
	reqs=$(wrk_get "$name" requests)
	fivexx=$(wrk_get "$name" "class 5xx")
	errs=$(wrk_get "$name" errors)
	if ! grep -q '^load: requests' "$GH_STATE/wrk-$name.out" 2>/dev/null; then
		not_ok "$desc: wrk ran" "$(tail -n 5 "$GH_STATE/wrk-$name.out" 2>/dev/null)"
		return
	fi
	check "$desc: $reqs answers ($(wrk_statuses "$name")), no 5xx" \
		"$(wrk_report "$name")" test "$reqs" -gt 0 -a "$fivexx" -eq 0
	check "$desc: no socket error or timeout" "$(wrk_report "$name")" \
		test "$errs" -eq 0
}

# recorded NAME: how many captures wrk-NAME recorded (all threads).
recorded() {
	cat "$GH_STATE/rec-$1".* 2>/dev/null | wc -l
}

# missing_rows NAME:DB:SQL[:sha256]…: for each wrk run NAME, how many of
# its captures SQL (a count with one parameter) finds no row for, as
# "NAME N up-to-three-of-them" lines.  With sha256 the parameter is the
# SHA-256 of the capture (apihost stores offer page ids hashed).  One
# python3 for all: it takes a second to start on this busy machine.
missing_rows() {
	python3 -c '
import glob, hashlib, sqlite3, sys
state = sys.argv[1]
for arg in sys.argv[2:]:
    name, db, sql, how = (arg.split(":") + ["plain"])[:4]
    con = sqlite3.connect("%s/%s" % (state, db), timeout=30)
    missing = []
    for f in sorted(glob.glob("%s/rec-%s.*" % (state, name))):
        for line in open(f):
            v = line.strip()
            if not v:
                continue
            p = hashlib.sha256(v.encode()).digest() if how == "sha256" else v
            if con.execute(sql, (p,)).fetchone()[0] == 0:
                missing.append(v)
    con.close()
    print(name, len(missing), " ".join(missing[:3]))' "$GH_STATE" "$@"
}

# db_count DB SQL: one number from a query (a read: it takes no write lock).
db_count() {
	sqlite3 -cmd '.timeout 30000' "$1" "$2"
}

# --- request specs ------------------------------------------------------------------

# spec NAME LINE…: write $GH_STATE/NAME.spec for load.lua, one request a
# LINE, fields separated by "|" here (tabs in the file).  The file holds
# tokens: it stays in the state directory.
spec() {
	local name=$1 line
	shift
	: >"$GH_STATE/$name.spec"
	for line in "$@"; do
		printf '%s\n' "${line//|/$'\t'}" >>"$GH_STATE/$name.spec"
	done
	chmod 600 "$GH_STATE/$name.spec"
}

# The four services' request mixes: a write the answer promises (an order,
# a certificate, a deleted post, an offer) among reads.  Written by
# load_specs once the seed's tokens are known.
load_specs() {
	local cb="http://127.0.0.1:$UP_PORT/cb"
	spec factory \
		"POST|/v1/site|-|{\"domain\":\"l{n}.gent\",\"callback\":\"$cb\",\"installerSecret\":\"load-secret\"}" \
		"GET|/v1/domain/available.gent" \
		"POST|/v1/site|-|{\"domain\":\"l{n}.gent\",\"callback\":\"$cb\",\"installerSecret\":\"load-secret\"}" \
		"GET|/v1/site/seed.gent"
	spec certmaker \
		'POST|/api/v1/certificate/request|-|{"domains":["load.example.test"],"ips":["192.0.2.1"],"days":1}' \
		"GET|/api/v1/root-certificate/obtain"
	spec icyfire \
		"GET|/api/_r/314/auth=$ICY_R&$ICY_C&1" \
		"GET|/api/_d/314/auth=$ICY_R&$ICY_D&1" \
		"GET|/api/_r/314/auth=$ICY_R&$ICY_C&1" \
		"GET|/api/_rs/auth=$ICY_R&$ICY_S/query=sentry_id:1"
	spec apihost \
		"GET|/hello" \
		"GET|/hello?n={n}" \
		"GET|/hello" \
		"POST|/.apihost/offer-template|Authorization: Bearer $API_SECRET|{\"template\":\"curl \$API_HOST/ # {n}\",\"petname\":\"load {n}\"}"
}

# The headers each service's wrk sends, as wrk arguments.
declare -A LOAD_HEADERS=()
load_headers() {
	LOAD_HEADERS[factory]="Authorization: Bearer $GH_MOCK_TOKEN"
	LOAD_HEADERS[certmaker]="X-Auth-Token: $CM_TOKEN"
	LOAD_HEADERS[icyfire]="X-Load: icyfire"
	LOAD_HEADERS[apihost]="Authorization: Bearer $API_TOKEN"
}

# What each service's wrk records, and where those rows must be:
#   RECORD_STATUS RECORD_PATTERN (load.lua) and the SQL that counts one.
declare -A LOAD_REC_STATUS=([factory]=201 [certmaker]=200 [icyfire]=- [apihost]=201)
declare -A LOAD_REC_PATTERN=(
	[factory]='"domain":%s*"([^"]+)"'
	[certmaker]='"serial":%s*"([0-9a-fA-F]+)"'
	[icyfire]=-
	[apihost]='/offer/([A-Za-z0-9_-]+)"')

# load_start NAME CONNS SECONDS: that service's mix under wrk.
load_start() {
	local name=$1
	wrk_start "$name" "${LOAD_HOST[$name]}" "$2" "$3" "$GH_STATE/$name.spec" \
		"${LOAD_REC_STATUS[$name]}" "${LOAD_REC_PATTERN[$name]}" \
		-H "${LOAD_HEADERS[$name]}" -H 'Content-Type: application/json'
}

# An order made before the load, which the factory's mix reads back.
seed_order() {
	GH_HOST=factory.localhost req POST /v1/site \
		-H "Authorization: Bearer $GH_MOCK_TOKEN" -H 'Content-Type: application/json' \
		--data-binary "{\"domain\":\"seed.gent\",\"callback\":\"http://127.0.0.1:$UP_PORT/cb\",\"installerSecret\":\"load-secret\"}"
	expect_status 201 "the order the load reads back (seed.gent) → 201"
}

rs_first_incident() {
	GH_HOST=icyfire.localhost req GET \
		"/api/_rs/auth=$ICY_R&$ICY_S/query=sentry_id:1"
	[[ $RES_STATUS == 200 ]]
}

# probe_all: each service's mix answers as expected once, before the load
# (a wrong token or path would otherwise make a run of 4xx pass).
probe_all() {
	local h=(-H 'Content-Type: application/json')
	GH_HOST=factory.localhost req GET /v1/domain/available.gent \
		-H "${LOAD_HEADERS[factory]}"
	expect_status 200 "factory: GET /v1/domain/available.gent → 200"
	GH_HOST=certmaker.localhost req POST /api/v1/certificate/request \
		-H "${LOAD_HEADERS[certmaker]}" "${h[@]}" \
		--data-binary '{"domains":["probe.example.test"]}'
	expect_status 200 "certmaker: POST certificate/request → 200"
	GH_HOST=icyfire.localhost req GET "/api/_r/314/auth=$ICY_R&$ICY_C&1"
	expect_status 200 "icyfire: GET _r/314 → 200"
	# The mix asks _rs for incident 1, this _r's, which the process that
	# answered writes within ICY_BATCH_MS: until then another process's
	# _rs finds nothing (404).
	wait_for 3 rs_first_incident
	expect_status 200 "icyfire: GET _rs/query=sentry_id:1 → 200 within 3 s"
	GH_HOST=api.localhost req GET /hello -H "${LOAD_HEADERS[apihost]}"
	expect_status 200 "apihost: GET /hello through the gateway → 200"
	# shellcheck disable=SC2016 # $API_HOST is the template's
	GH_HOST=api.localhost req POST /.apihost/offer-template \
		-H "Authorization: Bearer $API_SECRET" "${h[@]}" \
		--data-binary '{"template":"curl $API_HOST/"}'
	expect_status 201 "apihost: POST /.apihost/offer-template → 201"
}
