# SPDX-License-Identifier: ISC
# shellcheck shell=bash source-path=SCRIPTDIR
#
# lib.sh: what every tests/hostile/NNNN-*.sh script sources.  It brings in
# the integration harness (../integration/lib.sh: start_server, req,
# expect_status, expect_json, check, ok/not_ok, finish), so the checks
# print the same "ok - <server>: …" / "not ok - …" lines, and adds what
# hostile input needs:
#
#	batch_add / batch_run / batch_pick	many requests in one curl
#	raw_add / raw_run / raw_pick, raw_req	raw HTTP/1.1 requests (NUL, CR,
#						LF, invalid UTF-8 where curl
#						sends none), raw.py
#	h2_add / h2_run / h2_pick		HTTP/2 requests with such header
#						values, h2raw.py
#	expect_h2_reset				an HTTP/2 stream reset, no answer
#	db_snap NAME, expect_db_same NAME SNAP	row counts and a digest of a
#						service's database, read-only
#	icy_tally, incidents_now,		icyfire's incident log
#	expect_incidents
#	alive SERVICE…				an ordinary request to each
#	by_server LIGHTTPD APACHE		the status a web server gives itself
#	uri_enc, json_str, rep			quoting and padding without forks
#	sqli TABLE				SQL injection strings for every field
#
# Every hostile request must be refused with a 4xx: expect_status fails
# on a 5xx and on no answer at all ("000").  The one refusal without an
# answer is an HTTP/2 stream reset for a malformed request (RFC 9113
# 8.2.1; Apache's mod_http2), which expect_h2_reset checks as such, and
# alive then shows the service serving on.  What is not refused is said
# where it is checked: lighttpd's own 501 for a method it does not know
# (RFC 9110), OCSP's malformedRequest in an HTTP 200 (RFC 6960), and SQL
# in a free-text field, which is text like any other (stored verbatim,
# exactly one row, checked).

# shellcheck source=../integration/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"

HOSTILE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# Debian's python3: python3-h2 is a Debian package, and a python3 found
# first on PATH may be a slow wrapper (pyenv's shims take most of a second).
SYS_PYTHON=/usr/bin/python3
[[ -x $SYS_PYTHON ]] || SYS_PYTHON=python3

# The harness's free_port with that python3 (see above), once per start.
free_port() {
	local port i
	for ((i = 0; i < 50; i++)); do
		port=$((20000 + RANDOM % 12000))
		"$SYS_PYTHON" -c 'import socket,sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))' "$port" 2>/dev/null || continue
		printf '%s\n' "$port"
		return 0
	done
	return 1
}

# SQL injection attempts: each goes into every field of every write and
# into every path segment and query parameter a service reads.  Stored
# verbatim where the field takes free text, refused where it does not;
# never run.  $1 names a table of the service for the DROP.
sqli() {
	printf '%s\n' \
		"' OR 1=1--" \
		"\"; DROP TABLE $1; --" \
		"x'); DELETE FROM $1; --" \
		"\\x27 OR \\x271\\x27=\\x271" \
		"1 UNION SELECT sqlite_version()"
}

# uri_enc [-v VAR] STRING: STRING percent-encoded (all but RFC 3986
# unreserved), printed or put in VAR.  Plain bash, as are json_str, rep
# and desc_clean: a fork (a jq, a python, even a $(…)) costs up to a
# hundredth of a second on a busy machine, and these run in loops.
uri_enc() {
	local LC_ALL=C _var='' _s _out='' _c _i
	if [[ $1 == -v ]]; then
		_var=$2
		shift 2
	fi
	_s=$1
	for ((_i = 0; _i < ${#_s}; _i++)); do
		_c=${_s:_i:1}
		case $_c in
		[A-Za-z0-9._~-]) _out+=$_c ;;
		*) printf -v _c '%%%02X' "'$_c"
		   _out+=$_c ;;
		esac
	done
	if [[ -n $_var ]]; then
		printf -v "$_var" '%s' "$_out"
	else
		printf '%s\n' "$_out"
	fi
}

# json_str [-v VAR] STRING: STRING as a JSON string literal, quotes
# included, printed or put in VAR.
json_str() {
	local LC_ALL=C _var='' _s _i _c _h _u
	if [[ $1 == -v ]]; then
		_var=$2
		shift 2
	fi
	_s=$1
	_s=${_s//\\/\\\\}
	_s=${_s//\"/\\\"}
	_s=${_s//$'\n'/\\n}
	_s=${_s//$'\r'/\\r}
	_s=${_s//$'\t'/\\t}
	if [[ $_s == *[[:cntrl:]]* ]]; then
		for ((_i = 1; _i < 32; _i++)); do
			printf -v _h '%02x' "$_i"
			printf -v _c '%b' "\\x$_h"
			[[ $_s == *"$_c"* ]] || continue
			printf -v _u '\\u%04x' "$_i"
			_s=${_s//"$_c"/$_u}
		done
	fi
	if [[ -n $_var ]]; then
		printf -v "$_var" '"%s"' "$_s"
	else
		printf '"%s"\n' "$_s"
	fi
}

# short TEXT: TEXT for a description, on one line, at most 40 characters.
short() {
	local s=${1//$'\r'/\\r}
	s=${s//$'\n'/\\n}
	if ((${#s} > 40)); then
		printf '%s…' "${s:0:40}"
	else
		printf '%s' "$s"
	fi
}

# desc_clean VAR: the description in VAR made printable on one line (CR
# and LF written \r and \n, other control characters as ?) and cut to
# 120 characters, so that a script may put hostile values in it as they
# are.
desc_clean() {
	local -n _d=$1
	_d=${_d//$'\r'/\\r}
	_d=${_d//$'\n'/\\n}
	_d=${_d//[[:cntrl:]]/?}
	((${#_d} > 120)) && _d="${_d:0:120}…"
	return 0
}

# rep VAR TEXT N: VAR is TEXT repeated N times, by doubling (no fork,
# unlike head | tr; and ${s// /x} is quadratic in bash).
rep() {
	local -n _rep_out=$1
	local _s=$2
	if (($3 == 0)); then
		_rep_out=
		return
	fi
	while ((${#_s} < $3 * ${#2})); do
		_s+=$_s
	done
	_rep_out=${_s:0:$3 * ${#2}}
}

# by_server LIGHTTPD APACHE: the one for this run's server (what the web
# server answers itself where the two differ).
by_server() {
	if [[ $GH_SERVER == apache ]]; then
		printf '%s\n' "$2"
	else
		printf '%s\n' "$1"
	fi
}

# expect_body_has TEXT [DESC]: the body holds TEXT (a fixed string), as
# expect_body_contains, without a grep per check.
expect_body_has() {
	local text=$1 desc=${2:-"$REQ_DESC: body contains '$1'"} body=
	IFS= read -r -d '' body <"$RES_BODY"
	if [[ $body == *"$text"* ]]; then
		ok "$desc"
	else
		not_ok "$desc" "body: $(body_excerpt)"
	fi
}

# --- many requests in one curl --------------------------------------------
# Each curl process costs a TLS handshake; a batch sends its requests over
# one kept-alive connection (a new one only where the server closed it):
#
#	batch_reset
#	batch_add "DESC" METHOD PATH [curl args…]	(as req)
#	batch_run
#	for ((i = 0; i < BATCH_N; i++)); do batch_pick $i; expect_status 400; done

BATCH_N=0
BATCH_ARGS=()
BATCH_DESC=()
BATCH_STATUS=()

batch_reset() {
	BATCH_N=0
	BATCH_ARGS=()
	BATCH_DESC=()
	BATCH_STATUS=()
}

# batch_add DESC METHOD PATH [curl args…]
batch_add() {
	local desc=$1 method=$2 path=$3 i=$BATCH_N
	shift 3
	((i > 0)) && BATCH_ARGS+=(--next)
	BATCH_ARGS+=(-sS --max-time 20 --cacert "$GH_STATE/ca.pem"
		--resolve "$GH_HOST:$GH_PORT:127.0.0.1"
		-D "$GH_STATE/batch.$i.h" -o "$GH_STATE/batch.$i.b"
		-w '%{http_code}\n')
	if [[ $method == HEAD ]]; then
		BATCH_ARGS+=(--head)
	else
		BATCH_ARGS+=(-X "$method")
	fi
	BATCH_ARGS+=("$@" "https://$GH_HOST:$GH_PORT$path")
	desc_clean desc
	BATCH_DESC[i]=$desc
	BATCH_N=$((i + 1))
}

# Send the batch; BATCH_STATUS[i] is each status ("000": no answer).
batch_run() {
	local i out
	for ((i = 0; i < BATCH_N; i++)); do
		: >"$GH_STATE/batch.$i.h"
		: >"$GH_STATE/batch.$i.b"
	done
	((BATCH_N > 0)) || return 0
	out=$(curl "${BATCH_ARGS[@]}" 2>"$GH_STATE/batch.err")
	mapfile -t BATCH_STATUS <<<"$out"
	for ((i = 0; i < BATCH_N; i++)); do
		[[ ${BATCH_STATUS[i]:-} =~ ^[0-9]{3}$ ]] || BATCH_STATUS[i]=000
	done
}

# batch_pick I: make request I of the batch the "last request" for the
# expect_* functions (RES_STATUS, RES_HEADERS, RES_BODY, REQ_DESC).
batch_pick() {
	RES_STATUS=${BATCH_STATUS[$1]}
	RES_HEADERS=$GH_STATE/batch.$1.h
	RES_BODY=$GH_STATE/batch.$1.b
	RES_ERROR=
	# (Only when needed: a fork is dear on a busy machine.)
	[[ $RES_STATUS == 000 ]] && RES_ERROR=$(head -n 3 "$GH_STATE/batch.err" 2>/dev/null)
	REQ_DESC=${BATCH_DESC[$1]}
}

# batch_expect WANT: every request of the batch answered WANT (alternatives
# as "400|404"), each one a check of its own.
batch_expect() {
	local i
	for ((i = 0; i < BATCH_N; i++)); do
		batch_pick "$i"
		expect_status "$1"
	done
}

# --- bytes curl will not send ------------------------------------------------

# raw_req HOST DESC REQUEST: send the bytes of REQUEST (printf %b escapes:
# "\r\n", "\x00", "\xff") as they are (TLS, HTTP/1.1, SNI HOST) to the
# server and fill RES_* as req does.  REQUEST should say "Connection:
# close".  RES_STATUS is 000 when the server closed the connection
# without an answer.
raw_req() {
	raw_reset
	raw_add "$@"
	raw_run
	raw_pick 0
}

# Many raw requests in one Python process (each on its own connection):
#	raw_reset; raw_add HOST DESC REQUEST…; raw_run
#	raw_pick I, or raw_expect WANT, as for batches.
RAW_N=0
RAW_DESC=()
RAW_STATUS=()

raw_reset() {
	RAW_N=0
	RAW_DESC=()
	RAW_STATUS=()
	: >"$GH_STATE/raw.jobs"
}

raw_add() {
	local i=$RAW_N desc=$2
	printf '%b' "$3" >"$GH_STATE/raw.$i.req"
	printf '%s %s %s %s\n' "$1" "$GH_STATE/raw.$i.req" "$GH_STATE/raw.$i.h" \
		"$GH_STATE/raw.$i.b" >>"$GH_STATE/raw.jobs"
	: >"$GH_STATE/raw.$i.h"
	: >"$GH_STATE/raw.$i.b"
	desc_clean desc
	RAW_DESC[i]=$desc
	RAW_N=$((i + 1))
}

raw_run() {
	local i out
	out=$("$SYS_PYTHON" "$HOSTILE_DIR/raw.py" "$GH_PORT" "$GH_STATE/ca.pem" \
		<"$GH_STATE/raw.jobs" 2>"$GH_STATE/raw.err")
	mapfile -t RAW_STATUS <<<"$out"
	for ((i = 0; i < RAW_N; i++)); do
		[[ ${RAW_STATUS[i]:-} =~ ^[0-9]{3}$ ]] || RAW_STATUS[i]=000
	done
}

raw_pick() {
	RES_STATUS=${RAW_STATUS[$1]}
	RES_HEADERS=$GH_STATE/raw.$1.h
	RES_BODY=$GH_STATE/raw.$1.b
	RES_ERROR=
	[[ $RES_STATUS == 000 ]] &&
		RES_ERROR=$(grep -F "raw.$1.req:" "$GH_STATE/raw.err" | head -n 3)
	REQ_DESC=${RAW_DESC[$1]}
}

# HTTP/2 requests with the header values given, CR, LF and NUL included
# (h2raw.py), in one Python process:
#	h2_reset; h2_add HOST DESC HEADERS-JSON…; h2_run; h2_pick I
# HEADERS-JSON is a JSON list of [name, value] pairs, pseudo-headers
# first.  A status is "noh2" when the server offers no HTTP/2.
H2_N=0
H2_DESC=()
H2_STATUS=()

h2_reset() {
	H2_N=0
	H2_DESC=()
	H2_STATUS=()
	: >"$GH_STATE/h2.jobs"
}

h2_add() {
	local i=$H2_N desc=$2 j=$3
	# One job a line: the JSON's own line breaks and tabs are white space.
	j=${j//$'\n'/ }
	j=${j//$'\t'/ }
	printf '{"host": "%s", "head": "%s", "body": "%s", "headers": %s}\n' \
		"$1" "$GH_STATE/h2.$i.h" "$GH_STATE/h2.$i.b" "$j" >>"$GH_STATE/h2.jobs"
	: >"$GH_STATE/h2.$i.h"
	: >"$GH_STATE/h2.$i.b"
	desc_clean desc
	H2_DESC[i]=$desc
	H2_N=$((i + 1))
}

h2_run() {
	local i out
	if ! "$SYS_PYTHON" -c 'import h2' 2>/dev/null; then
		out=
		echo "python3-h2 is not installed (apt-get install python3-h2)" \
			>"$GH_STATE/h2.err"
	else
		out=$("$SYS_PYTHON" "$HOSTILE_DIR/h2raw.py" "$GH_PORT" \
			"$GH_STATE/ca.pem" <"$GH_STATE/h2.jobs" 2>"$GH_STATE/h2.err")
	fi
	mapfile -t H2_STATUS <<<"$out"
	for ((i = 0; i < H2_N; i++)); do
		[[ ${H2_STATUS[i]:-} =~ ^[0-9]{3}$|^noh2$ ]] || H2_STATUS[i]=000
	done
}

# expect_h2_reset [DESC]: the last h2 request got no answer because the
# server reset its stream, as RFC 9113 (8.2.1, 8.3) has it do with a
# malformed request: Apache's mod_http2 (nghttp2) does that with CR, LF,
# NUL, a space or a control character in a field, and a :path that is
# not a path.  (alive, after, shows that the server serves on.)
expect_h2_reset() {
	local desc=${1:-"$REQ_DESC: refused, stream reset (RFC 9113 8.2.1)"}
	if [[ $RES_STATUS == 000 ]] && grep -qF "$RES_HEADERS: no answer" "$GH_STATE/h2.err"; then
		ok "$desc"
	else
		not_ok "$desc" "status $RES_STATUS $RES_ERROR"
	fi
}

h2_pick() {
	RES_STATUS=${H2_STATUS[$1]}
	RES_HEADERS=$GH_STATE/h2.$1.h
	RES_BODY=$GH_STATE/h2.$1.b
	RES_ERROR=
	[[ $RES_STATUS == 000 ]] && RES_ERROR=$(head -n 3 "$GH_STATE/h2.err")
	REQ_DESC=${H2_DESC[$1]}
}

# --- the databases -----------------------------------------------------------

# db_snap NAME: "tables <names>", then one line per table of
# $GH_STATE/NAME.db, "table count", then "digest <SHA3 of every row>", so
# that a changed row shows as well as an added one and a dropped table as
# well as an emptied one.  One sqlite3, read-only and with a busy timeout,
# so that reading never makes a writer wait long; a database that cannot
# be read prints "unreadable".  (The table list is read once per database.)
# DB_VOLATILE[NAME]="TABLE.COLUMN" leaves out of the digest a column that
# ordinary requests may write (apihost's token.last_used, written at most
# once a minute on a token's use).
declare -A DB_TABLES=() DB_VOLATILE=()
db_snap() {
	local db=$GH_STATE/$1.db t sql='' rows='' cols vt='' vc=''
	if [[ -n ${DB_VOLATILE[$1]:-} ]]; then
		vt=${DB_VOLATILE[$1]%%.*}
		vc=${DB_VOLATILE[$1]#*.}
	fi
	if [[ -z ${DB_TABLES[$1]:-} ]]; then
		DB_TABLES[$1]=$(sqlite3 -readonly -cmd '.timeout 5000' \
			"file:$db?mode=ro" "SELECT group_concat(name, ' ') FROM
			 (SELECT name FROM sqlite_master WHERE type = 'table' AND
			  name NOT LIKE 'sqlite_%' ORDER BY name)" 2>/dev/null) || {
			echo unreadable
			return
		}
	fi
	for t in ${DB_TABLES[$1]}; do
		sql+="SELECT '$t', count(*) FROM \"$t\";"$'\n'
		cols='*'
		[[ $t == "$vt" ]] && cols="(SELECT group_concat(name, ', ') FROM
			pragma_table_info('$t') WHERE name != '$vc')"
		if [[ $cols == '*' ]]; then
			rows+="SELECT * FROM \"$t\"; "
		else
			# The column list is built by SQL, so the query is too.
			rows+="' || (SELECT 'SELECT ' || group_concat(name, ', ') ||
			    ' FROM \"$t\"; ' FROM pragma_table_info('$t')
			    WHERE name != '$vc') || '"
		fi
	done
	sqlite3 -readonly -cmd '.timeout 5000' -separator ' ' "file:$db?mode=ro" \
		"SELECT 'tables', group_concat(name, ' ') FROM (SELECT name FROM
		 sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
		 ORDER BY name);
		 $sql
		 SELECT 'digest', substr(hex(sha3_query('$rows')), 1, 16);" 2>&1 ||
		echo unreadable
}

# db_count NAME TABLE: the rows of TABLE in NAME.db (read-only).
db_count() {
	sqlite3 -readonly -cmd '.timeout 5000' "file:$GH_STATE/$1.db?mode=ro" \
		"SELECT count(*) FROM \"$2\"" 2>&1
}

# expect_db_same NAME BEFORE DESC: NAME.db holds what db_snap printed as
# BEFORE: the same tables (none dropped), the same row counts, the same
# content.
expect_db_same() {
	local name=$1 before=$2 desc=$3 now counts
	now=$(db_snap "$name")
	counts=
	while read -r t n; do
		[[ $t == tables || $t == digest ]] || counts+="$t $n "
	done <<<"$now"
	if [[ $before == unreadable || $now == unreadable ]]; then
		not_ok "$desc: $name.db unchanged" "cannot read $GH_STATE/$name.db"
	elif [[ $now == "$before" ]]; then
		ok "$desc: $name.db unchanged (${counts% })"
	else
		not_ok "$desc: $name.db unchanged" "before: $(tr '\n' ' ' <<<"$before")" \
			"after:  $(tr '\n' ' ' <<<"$now")"
	fi
}

# --- the server and what each service needs to answer ------------------------

HOSTILE_PIDS=()	# helpers this script started (the echo app)

hostile_cleanup() {
	local pid
	for pid in "${HOSTILE_PIDS[@]}"; do
		kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	done
	HOSTILE_PIDS=()
	cleanup
}

# hostile_start: start_server, with the cleanup of this file's helpers.
hostile_start() {
	start_server "$GH_SERVER"
	trap hostile_cleanup EXIT
}

# A certmaker user; its token in CM_TOKEN.
setup_certmaker() {
	CM_TOKEN=$(gatectl certmaker user add "${1:-hostile}" 2>"$GH_STATE/ctl.err")
	check "gatectl certmaker user add ${1:-hostile}" "$(cat "$GH_STATE/ctl.err")" \
		test "${#CM_TOKEN}" -eq 43
}

# icyfire's four tokens (ICY_R, ICY_C, ICY_D, ICY_S) and worker server 1
# (slots 1-10080, all unclaimed).
setup_icyfire() {
	local out
	out=$(gatectl icyfire tokens generate 2>"$GH_STATE/ctl.err")
	ICY_R=$(awk '$1 == "read" { print $2 }' <<<"$out")
	ICY_C=$(awk '$1 == "cred" { print $2 }' <<<"$out")
	ICY_D=$(awk '$1 == "delete" { print $2 }' <<<"$out")
	ICY_S=$(awk '$1 == "security" { print $2 }' <<<"$out")
	check "gatectl icyfire tokens generate" "$out $(cat "$GH_STATE/ctl.err")" \
		test -n "$ICY_R" -a -n "$ICY_C" -a -n "$ICY_D" -a -n "$ICY_S"
	check "gatectl icyfire server add 1" "gatectl failed" \
		gatectl icyfire server add 1
}

# The echo app (../integration/echo.py) on a free port of 127.0.0.1 as
# the grain "echo" with apiPath /api/; its port in ECHO_PORT, a token for
# it in API_TOKEN, the grain secret in GRAIN_SECRET.
setup_apihost() {
	local i webkey
	"$SYS_PYTHON" "$GH_ROOT/tests/integration/echo.py" "$GH_STATE/echo.port" \
		--lifetime 300 </dev/null >"$GH_STATE/log/echo.log" 2>&1 &
	HOSTILE_PIDS+=($!)
	for ((i = 0; i < 200; i++)); do
		[[ -s $GH_STATE/echo.port ]] && break
		sleep 0.05
	done
	ECHO_PORT=$(cat "$GH_STATE/echo.port" 2>/dev/null)
	check "the echo app listens" "no port file" test -n "$ECHO_PORT"
	GRAIN_SECRET=$(gatectl apihost grain add echo \
		--upstream "http://127.0.0.1:$ECHO_PORT" --api-path /api/ \
		2>"$GH_STATE/ctl.err")
	webkey=$(gatectl apihost token add --grain echo --user-id u-1 \
		--username 'Ada Lovelace' --permissions read,write \
		2>>"$GH_STATE/ctl.err")
	API_TOKEN=${webkey#*#}
	check "a grain and a token for the echo app" "$(cat "$GH_STATE/ctl.err")" \
		eval '[[ ${#API_TOKEN} -eq 43 && ${#GRAIN_SECRET} -eq 43 ]]'
}

# alive SERVICE…: one ordinary request to each service named (factory,
# certmaker, icyfire, apihost), in one batch, each answered as usual: the
# service keeps serving.  DESC ($ALIVE_AFTER) says after what.
alive() {
	local host=$GH_HOST svc i=0 want=()
	batch_reset
	for svc in "$@"; do
		case $svc in
		factory)
			GH_HOST=factory.localhost
			batch_add "factory still serves after $ALIVE_AFTER" GET \
				/v1/domain/available.gent -H "Authorization: Bearer $GH_MOCK_TOKEN"
			want+=(200) ;;
		certmaker)
			GH_HOST=certmaker.localhost
			batch_add "certmaker still serves after $ALIVE_AFTER" GET \
				/api/v1/root-certificate/obtain -H "X-Auth-Token: $CM_TOKEN"
			want+=(200) ;;
		icyfire)
			GH_HOST=icyfire.localhost
			batch_add "icyfire still serves after $ALIVE_AFTER" GET \
				"/api/_r/1/auth=$ICY_R&$ICY_C&1"
			want+=(218) ;;
		apihost)
			GH_HOST=api.localhost
			batch_add "apihost still serves after $ALIVE_AFTER" GET \
				/alive -H "Authorization: Bearer $API_TOKEN"
			want+=(200) ;;
		esac
	done
	GH_HOST=$host
	batch_run
	for svc in "$@"; do
		batch_pick "$i"
		expect_status "${want[i]}"
		[[ $svc == icyfire ]] && icy_tally
		i=$((i + 1))
	done
}

# icyfire records an incident for every request its program answers
# (icyfire-api.md, NOTES.md: "Every API request is recorded"), refused
# ones included, in a log database of its own (icyfire_log.db); requests
# the web server refuses itself never reach it.  ICY_ANSWERS counts the
# answers that came from the program (every answer of a Gatehouse
# program says "X-Content-Type-Options: nosniff"; the servers' own error
# pages do not), so that the log can be checked to have grown by exactly
# that many rows.
ICY_ANSWERS=0
icy_tally() {
	local head=
	IFS= read -r -d '' head <"$RES_HEADERS"
	if [[ ${head,,} == *'x-content-type-options: nosniff'* ]]; then
		ICY_ANSWERS=$((ICY_ANSWERS + 1))
	fi
}

# icy_tally_batch: icy_tally for every request of the last batch.
icy_tally_batch() {
	local i
	for ((i = 0; i < BATCH_N; i++)); do
		batch_pick "$i"
		icy_tally
	done
}

# incidents_now: the incident log's rows once the answers so far are in
# it: icyfire writes its incidents in batches, each at most ICY_BATCH_MS
# (500 ms) after its answer.
incidents_now() {
	sleep 0.7
	db_count icyfire_log incident
}

# expect_incidents BEFORE DESC: the incident log holds BEFORE +
# ICY_ANSWERS rows.  An incident is written after its answer is out, so
# this waits up to 10 s (a busy machine) for the last ones.
expect_incidents() {
	local before=$1 desc=$2 want now i
	want=$((before + ICY_ANSWERS))
	for ((i = 0; i < 100; i++)); do
		now=$(db_count icyfire_log incident)
		[[ $now == "$want" ]] && break
		sleep 0.1
	done
	if [[ $now == "$want" ]]; then
		ok "$desc: one incident per answer of the program ($ICY_ANSWERS), nothing else"
	else
		not_ok "$desc: one incident per answer of the program" \
			"incidents: $before before, $now now; $ICY_ANSWERS answers"
	fi
}
