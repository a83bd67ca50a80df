# SPDX-License-Identifier: ISC
# shellcheck shell=bash source-path=SCRIPTDIR
#
# lib.sh: what every tests/integration/NNNN-*.sh script sources.  A script
# starts a real web server (GH_SERVER: lighttpd or apache, set by ./dev
# test) on a free port with a fresh state directory, sends requests with
# curl and checks the answers:
#
#	. "$(dirname "$0")/lib.sh"
#	start_server "$GH_SERVER"
#	req GET /v1/domain/available.gent -H "Authorization: Bearer $GH_MOCK_TOKEN"
#	expect_status 200
#	expect_json .available true
#	finish
#
# Each check prints "ok - <server>: <what>" or "not ok - <server>: <what>"
# followed by "#"-lines with the reason; ./dev counts those lines.  The
# script exits with the number of failed checks (at most 100).  A missing
# prerequisite (server, program, jq) is a failed check, never a skip.
#
# Environment: GH_SERVER (default lighttpd); GH_TAG, a suffix of the server
# name in those lines ("+asan"); GH_KEEP=1 keeps the state
# directory (and tells where); everything server.sh reads (GH_BUILD,
# GH_LIBEXEC, GH_GATECTL, GH_USER).

set -uo pipefail

GH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=../../httpd-conf/server.sh
. "$GH_ROOT/httpd-conf/server.sh"

GH_SERVER=${GH_SERVER:-lighttpd}
GH_HOST=${GH_HOST:-factory.localhost}	# the virtual host req() talks to
GH_STATE=		# this run's state directory
GH_PORT=		# the TLS port the server listens on
GH_PASSED=0
GH_FAILED=0

# What the last req() got: status ("000" if there was no HTTP answer),
# and files holding the response headers and body.
RES_STATUS=
RES_HEADERS=
RES_BODY=
RES_ERROR=
REQ_DESC=

# --- reporting ---------------------------------------------------------------

ok() {
	GH_PASSED=$((GH_PASSED + 1))
	printf 'ok - %s%s: %s\n' "$GH_SERVER" "${GH_TAG:-}" "$1"
}

# not_ok DESCRIPTION [REASON…]: each line of each REASON becomes a
# "#   " line.
not_ok() {
	GH_FAILED=$((GH_FAILED + 1))
	printf 'not ok - %s%s: %s\n' "$GH_SERVER" "${GH_TAG:-}" "$1"
	shift
	local reason line
	for reason in "$@"; do
		while IFS= read -r line; do
			printf '#   %s\n' "$line"
		done <<<"$reason"
	done
}

# check DESCRIPTION REASON COMMAND…: ok if COMMAND succeeds.
check() {
	local desc=$1 reason=$2
	shift 2
	if "$@"; then
		ok "$desc"
	else
		not_ok "$desc" "$reason"
	fi
}

# wait_for SECONDS COMMAND…: poll every 0.1 s until COMMAND succeeds.
wait_for() {
	local limit=$1 i
	shift
	for ((i = 0; i < limit * 10; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

# The first 300 bytes of the last body, on one line, for reasons.
body_excerpt() {
	[[ -s $RES_BODY ]] || { printf '(empty body)'; return; }
	head -c 300 "$RES_BODY" | tr '\n\r\t' '   '
}

# Exit with the number of failures; a script that checked nothing fails.
# A script that made a state directory gets its final checks first.
finish() {
	if ((GH_PASSED + GH_FAILED == 0)); then
		not_ok "${0##*/} ran no check"
	fi
	[[ -n $GH_STATE && -d $GH_STATE ]] && final_checks
	exit $((GH_FAILED > 100 ? 100 : GH_FAILED))
}

# --- after every script ---------------------------------------------------------

# The secrets this run used, for the search at the end (secret VALUE…).
GH_SECRETS=()

# secret VALUE…: remember each VALUE (a token, a webkey, an installerSecret,
# a key) to be searched for in the logs, databases and core files when the
# script ends.  Values under 6 characters would match by chance: ignored.
secret() {
	local v
	for v in "$@"; do
		((${#v} >= 6)) && GH_SECRETS+=("$v")
	done
	return 0
}

# icyfire_tokens PREFIX: icyfire's four tokens (read, cred, delete,
# security) made at random into $GH_STATE/NAME.token (0600), as an
# operator would write them, and set with gatectl; its status.
icyfire_tokens() {
	local t
	for t in read cred delete security; do
		printf '%s-%s-%s\n' "$1" "$t" \
			"$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')" \
			>"$GH_STATE/$t.token" && chmod 600 "$GH_STATE/$t.token" ||
			return 1
	done
	gatectl icyfire tokens set --read-file "$GH_STATE/read.token" \
		--cred-file "$GH_STATE/cred.token" \
		--delete-file "$GH_STATE/delete.token" \
		--security-file "$GH_STATE/security.token"
}

# The keys of the state directory: each line of the one-line key files and
# each base64 line of the PEM private keys.
state_keys() {
	local f
	for f in "$GH_STATE/secret.key" "$GH_STATE/icyfire.fernet"; do
		[[ -r $f ]] && head -n 1 "$f"
	done
	for f in "$GH_STATE"/tls/*.key; do
		[[ -r $f ]] && grep -v -- '-----' "$f"
	done
	return 0
}

# What the server and the programs leave behind, in which no secret may be
# found in the clear: every log, every database file and any core dump.
leftovers() {
	find "$GH_STATE" -type f \( -path "$GH_STATE/log/*" -o -name '*.db' \
		-o -name '*.db-wal' -o -name '*.db-shm' -o -name '*.db-journal' \
		-o -name 'core' -o -name 'core.[0-9]*' \) -print0
}

# final_checks: with the server stopped (its logs complete), (1) no secret
# of this run in any log, database or core file; (2) the state directory
# 0700 and its databases and keys 0600; (3) no sanitizer report (ASan,
# UBSan, LSan) in the logs, which an answer alone would not show.
final_checks() {
	local pat hits bad f mode
	gh_server_stop
	pat=$GH_STATE/.secrets
	{ printf '%s\n' "${GH_SECRETS[@]}"; state_keys; } | grep -v '^$' | sort -u >"$pat"
	if [[ ! -s $pat ]]; then
		not_ok "no secret in the clear in logs, databases or cores" "no secret to look for"
	elif hits=$(leftovers | xargs -0r grep -laF -f "$pat" --); then
		not_ok "no secret in the clear in logs, databases or cores" \
			"found in: $(tr '\n' ' ' <<<"${hits//$GH_STATE\//}")"
	else
		ok "none of $(wc -l <"$pat") secrets in the clear in $(leftovers | tr -cd '\0' | wc -c) logs, databases and cores"
	fi
	rm -f "$pat"
	bad=
	mode=$(stat -c %a "$GH_STATE")
	[[ $mode == 700 ]] || bad+="state directory $mode; "
	while IFS= read -r -d '' f; do
		mode=$(stat -c %a "$f")
		[[ $mode == 600 ]] || bad+="${f#"$GH_STATE"/} $mode; "
	done < <(find "$GH_STATE" -maxdepth 1 -type f \( -name '*.db' -o -name '*.db-wal' \
		-o -name '*.db-shm' -o -name '*.lock' -o -name secret.key \
		-o -name icyfire.fernet \) -print0; find "$GH_STATE/tls" -name '*.key' -print0)
	check "the state directory is 0700, its databases and keys 0600" "$bad" test -z "$bad"
	if hits=$(grep -rlE 'ERROR: (Address|Leak)Sanitizer|runtime error:|SUMMARY: (Address|Undefined)' \
		"$GH_STATE/log" 2>/dev/null); then
		not_ok "no sanitizer report in the logs" "$(grep -h -m 3 -A 12 -E 'ERROR: |runtime error:' $hits)"
	else
		ok "no sanitizer report in the logs"
	fi
}

# db_dump SERVICE: the service's database as SQL text, on the backend that
# GH_DATABASE names (SQLite's file in the state directory, or the
# service's schema on PostgreSQL).
db_dump() {
	case ${GH_DATABASE:-sqlite} in
	sqlite) sqlite3 "file:$GH_STATE/$1.db?mode=ro" .dump ;;
	*) pg_dump -d "$GH_DATABASE" -n "$1" ;;
	esac
}

# db_sql SERVICE SQL: run SQL on the service's database, either backend;
# rows on stdout, one a line, columns joined by |.
db_sql() {
	case ${GH_DATABASE:-sqlite} in
	sqlite) sqlite3 -cmd '.timeout 5000' "$GH_STATE/$1.db" "$2" ;;
	*) PGOPTIONS="-c search_path=$1" psql -X -q -At -d "$GH_DATABASE" \
		-c "$2" ;;
	esac
}

# pg_throwaway: a throwaway PostgreSQL (tests/pg.sh) in a temporary
# directory PGDIR, its URI exported as GH_DATABASE for the server's
# gatehouse.conf; a not ok line and status 1 when it cannot start.
# pg_throwaway_stop removes it.
pg_throwaway() {
	PGDIR=$(mktemp -d "${TMPDIR:-/tmp}/gatehouse-pg.XXXXXX") || return 1
	if ! GH_DATABASE=$(sh "$GH_ROOT/tests/pg.sh" start "$PGDIR"); then
		rm -rf "$PGDIR"
		not_ok "a throwaway PostgreSQL starts" "tests/pg.sh start failed"
		return 1
	fi
	export GH_DATABASE
}
pg_throwaway_stop() {
	sh "$GH_ROOT/tests/pg.sh" stop "$PGDIR" >/dev/null 2>&1
	rm -rf "$PGDIR"
}

# pg_run SCRIPT SERVICE SQL: another integration script again, on the
# cluster of pg_throwaway, its lines tagged +pg; then a check that
# SERVICE's rows went there (SQL counts them: not 0).  Its failures are
# added to ours for finish.
pg_run() {
	local script=$1 service=$2 sql=$3 rc=0 n
	GH_TAG=${GH_TAG:-}+pg bash "$(dirname "$0")/$script" || rc=$?
	n=$(db_sql "$service" "$sql" 2>&1)
	GH_TAG=${GH_TAG:-}+pg check "$script kept $service's data in PostgreSQL" \
		"$sql: $n" test "${n:-0}" -gt 0 2>/dev/null
	GH_FAILED=$((GH_FAILED + rc))
}

# --- the server --------------------------------------------------------------

# A TCP port on 127.0.0.1 that nothing listens on, below the ephemeral
# range so that no client connection takes it in the meantime.
free_port() {
	local port i
	for ((i = 0; i < 50; i++)); do
		port=$((20000 + RANDOM % 12000))
		if command -v python3 >/dev/null; then
			python3 -c 'import socket,sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))' "$port" 2>/dev/null || continue
		elif (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			continue
		fi
		printf '%s\n' "$port"
		return 0
	done
	return 1
}

cleanup() {
	gh_server_stop
	if [[ -n $PGDIR ]]; then
		sh "$GH_ROOT/tests/pg.sh" stop "$PGDIR" >/dev/null 2>&1
		rm -rf "$PGDIR"
		PGDIR=
	fi
	if ((GH_FAILED > 0)) && [[ -n $GH_STATE ]]; then
		gh_server_logs "$GH_STATE" | sed 's/^/#   /'
	fi
	if [[ -n $GH_STATE ]]; then
		if [[ ${GH_KEEP:-} == 1 ]]; then
			printf '# state kept in %s\n' "$GH_STATE"
		else
			rm -rf "$GH_STATE"
		fi
	fi
}

# pg_setup: a throwaway PostgreSQL (tests/pg.sh) in PGDIR, its URI
# exported as GH_DATABASE for the state directory start_server makes; it
# goes with the server on exit.  Not starting is a failed check that ends
# the script.  pg start|restart|halt acts on it.
PGDIR=
pg_setup() {
	trap cleanup EXIT
	trap 'exit 100' INT TERM
	PGDIR=$(mktemp -d "${TMPDIR:-/tmp}/gatehouse-pg.XXXXXX") || exit 1
	if ! GH_DATABASE=$(sh "$GH_ROOT/tests/pg.sh" start "$PGDIR"); then
		not_ok "a throwaway PostgreSQL starts" "tests/pg.sh start failed"
		finish
	fi
	export GH_DATABASE
}

pg() {
	sh "$GH_ROOT/tests/pg.sh" "$1" "$PGDIR" >/dev/null
}

# start_server [lighttpd|apache]: a fresh state directory (test-mode
# configuration, certificates, `gatectl init`), a free port, the server
# from the templates, and a wait (up to 10 s) until HTTPS answers.  Stops
# it all on exit.  Not starting is a failed check that ends the script
# (the server's logs follow it).  A script that defines before_start gets
# it called with the state directory before the server starts.
start_server() {
	local server=${1:-$GH_SERVER} port err
	GH_SERVER=$server
	trap cleanup EXIT
	trap 'exit 100' INT TERM
	GH_STATE=$(mktemp -d "${TMPDIR:-/tmp}/gatehouse-it.XXXXXX") || {
		not_ok "start $server" "mktemp failed"
		finish
	}
	chmod 755 "$GH_STATE"
	if ! err=$( (gh_state_init "$GH_STATE" && gh_server_check "$server" "$GH_STATE") 2>&1); then
		not_ok "start $server" "$err"
		finish
	fi
	# A script may adjust the configuration before the programs read it.
	if declare -F before_start >/dev/null; then
		before_start "$GH_STATE"
	fi
	for _ in 1 2 3; do
		port=$(free_port) || break
		if ! err=$(gh_server_config "$server" "$GH_STATE" "$port" 2>&1); then
			not_ok "start $server" "$err"
			finish
		fi
		gh_server_start "$server" "$GH_STATE" || break
		if gh_server_wait "$GH_STATE" "$port" 10; then
			GH_PORT=$port
			ok "$server answers on https://$GH_HOST:$port"
			return 0
		fi
		gh_server_stop
		# Only a port taken in the meantime is worth another try.
		grep -qsi 'address already in use' "$GH_STATE"/log/*.log || break
	done
	not_ok "start $server" "no answer from the program through HTTPS within 10 s"
	finish
}

# start_echo: the echo app (echo.py) on a free port of 127.0.0.1, its
# port in ECHO_PORT (empty if it did not start within 5 s); stop_echo.
ECHO_PID=
ECHO_PORT=
start_echo() {
	python3 "$GH_ROOT/tests/integration/echo.py" "$GH_STATE/echo.port" \
		--lifetime 600 </dev/null >"$GH_STATE/log/echo.log" 2>&1 &
	ECHO_PID=$!
	for _ in $(seq 50); do
		[[ -s $GH_STATE/echo.port ]] && break
		sleep 0.1
	done
	ECHO_PORT=$(cat "$GH_STATE/echo.port" 2>/dev/null)
}

stop_echo() {
	[[ -n $ECHO_PID ]] && kill "$ECHO_PID" 2>/dev/null && wait "$ECHO_PID" 2>/dev/null
	ECHO_PID=
}

# gatectl ARGS…: gatectl on this run's configuration.
gatectl() {
	gh_gatectl "$GH_STATE" "$@"
}

# --- requests ----------------------------------------------------------------

# req METHOD PATH [curl args…]: send a request to https://$GH_HOST:$GH_PORT
# with the run's CA; fills RES_STATUS, RES_HEADERS, RES_BODY (RES_ERROR
# says why when no HTTP answer came).  Pass a body with --data-binary, a
# header with -H, as with curl.  REQ_DESC ("GET /path") starts the default
# description of the checks that follow; a script may add to it.
req() {
	local method=$1 path=$2 err
	shift 2
	RES_HEADERS=$GH_STATE/res.headers
	RES_BODY=$GH_STATE/res.body
	: >"$RES_HEADERS"
	: >"$RES_BODY"
	RES_ERROR=
	# Tokens in a path (icyfire's "auth=…") stay out of the test output.
	REQ_DESC="$method $(sed -E 's/(auth=)[^/?]*/\1***/Ig' <<<"$path")"
	# curl -X HEAD would wait for a body; --head writes the headers to -o.
	local -a how=(-X "$method" -o "$RES_BODY")
	[[ $method == HEAD ]] && how=(--head -o /dev/null)
	if ! RES_STATUS=$(curl -sS --max-time 20 --cacert "$GH_STATE/ca.pem" \
		--resolve "$GH_HOST:$GH_PORT:127.0.0.1" \
		-D "$RES_HEADERS" -w '%{http_code}' \
		"${how[@]}" "$@" "https://$GH_HOST:$GH_PORT$path" 2>"$GH_STATE/res.err"); then
		err=$(head -n 3 "$GH_STATE/res.err")
		RES_ERROR=${err:-curl failed}
		RES_STATUS=000
	fi
}

# --- expectations ------------------------------------------------------------
# Each takes an optional last argument: the description (default: the
# request and what is expected of it).

# expect_status CODE [DESC]: CODE may be alternatives, "200|204".
expect_status() {
	local want=$1 desc=${2:-"$REQ_DESC → $1"}
	if [[ $RES_STATUS =~ ^($want)$ ]]; then
		ok "$desc"
	elif [[ $RES_STATUS == 000 ]]; then
		not_ok "$desc" "no HTTP answer: $RES_ERROR"
	else
		not_ok "$desc" "status $RES_STATUS, expected $want" \
			"body: $(body_excerpt)"
	fi
}

# The values of response header NAME (case-insensitive), one a line.
res_header() {
	local name=${1,,}
	tr -d '\r' <"$RES_HEADERS" | while IFS= read -r line; do
		if [[ ${line,,} == "$name:"* ]]; then
			line=${line#*:}
			line=${line#"${line%%[![:space:]]*}"}
			printf '%s\n' "$line"
		fi
	done
}

# expect_header NAME REGEX [DESC]: some NAME header matches REGEX (ERE).
expect_header() {
	local name=$1 re=$2 desc=${3:-"$REQ_DESC: header $1 ~ /$2/"} values v
	values=$(res_header "$name")
	while IFS= read -r v; do
		if [[ $v =~ $re ]]; then
			ok "$desc"
			return
		fi
	done <<<"$values"
	if [[ -z $values ]]; then
		not_ok "$desc" "no $name header (status $RES_STATUS)"
	else
		not_ok "$desc" "$name: $(tr '\n' ' ' <<<"$values")"
	fi
}

# expect_no_header NAME [DESC]
expect_no_header() {
	local name=$1 desc=${2:-"$REQ_DESC: no $1 header"} values
	values=$(res_header "$name")
	if [[ -z $values ]]; then
		ok "$desc"
	else
		not_ok "$desc" "$name: $(tr '\n' ' ' <<<"$values")"
	fi
}

# json_value FILTER: the body through jq -c FILTER, or fail.
json_value() {
	jq -c "$1" <"$RES_BODY" 2>/dev/null
}

# Is jq there and the body a single JSON value?  Otherwise a failed check.
json_ready() {
	local desc=$1
	if ! command -v jq >/dev/null; then
		not_ok "$desc" "jq is not installed (apt-get install jq)"
		return 1
	fi
	if [[ ! -s $RES_BODY ]] || ! jq . <"$RES_BODY" >/dev/null 2>&1; then
		not_ok "$desc" "body is not JSON (status $RES_STATUS): $(body_excerpt)"
		return 1
	fi
}

# expect_json FILTER EXPECTED [DESC]: jq FILTER of the body equals
# EXPECTED, taken as JSON when it parses (true, 3, null, "x", {…}) and as
# a string otherwise (pending).
expect_json() {
	local filter=$1 want=$2 desc=${3:-"$REQ_DESC: $1 == $2"} got
	json_ready "$desc" || return 0
	if [[ -z $want ]] || ! jq . >/dev/null 2>&1 <<<"$want"; then
		want=$(jq -Rc . <<<"$want")
	else
		want=$(jq -c . <<<"$want")
	fi
	got=$(json_value "$filter") || got="(jq failed on $filter)"
	if [[ $want == "$got" ]]; then
		ok "$desc"
	else
		not_ok "$desc" "$filter is $got, expected $want" "body: $(body_excerpt)"
	fi
}

# expect_json_match FILTER REGEX [DESC]: jq -r FILTER matches REGEX.
expect_json_match() {
	local filter=$1 re=$2 desc=${3:-"$REQ_DESC: $1 ~ /$2/"} got
	json_ready "$desc" || return 0
	got=$(jq -r "$filter" <"$RES_BODY" 2>/dev/null) || got="(jq failed on $filter)"
	if [[ $got =~ $re ]]; then
		ok "$desc"
	else
		not_ok "$desc" "$filter is '$got', expected /$re/" "body: $(body_excerpt)"
	fi
}

# expect_body_contains TEXT [DESC]: the body holds TEXT (a fixed string).
expect_body_contains() {
	local text=$1 desc=${2:-"$REQ_DESC: body contains '$1'"}
	if grep -qF -- "$text" "$RES_BODY"; then
		ok "$desc"
	else
		not_ok "$desc" "body: $(body_excerpt)"
	fi
}
