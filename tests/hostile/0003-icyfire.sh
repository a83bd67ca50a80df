#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# Hostile input to icyfire (doc/spec/icyfire-api.md, doc/icyfire.md:
# how we read it): every part of its paths (slot, tokens, server id, the
# _rs argument and data) and every query parameter it reads (post_id,
# limit, before_id) with SQL injection, NUL, CR/LF, invalid UTF-8,
# traversal, numbers out of range; LIKE wildcards that must match
# nothing; bodies on GET; other methods.  Each is the document's 4xx
# with its message (or the web server's own 4xx); no post is deleted by
# a refused _d and icyfire.db does not change.
#
# "Nothing is written", for icyfire: the spec wants every API request
# recorded as an incident, refused ones above all (a wrong token is a
# flagged one), so the incident log (icyfire_log.db, a database of its
# own) grows by exactly one row per answer of the program, holding the
# endpoint, status and message icyfire chose and the client's address,
# never a byte of the hostile input; the queue database does not change.

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

GH_HOST=icyfire.localhost
hostile_start
setup_icyfire
# A domain whose twitter credential has claimed slot 314, with 3 posts;
# slot 315 is unclaimed.
check "icyfire domain add" "gatectl failed" gatectl icyfire domain add example.gent
check "icyfire credential set" "gatectl failed" gatectl icyfire credential set \
	example.gent twitter consumer_key=ck consumer_secret=cs access_key=ak access_secret=as
check "icyfire timeslot claim 314" "gatectl failed" gatectl icyfire timeslot claim 314 \
	example.gent twitter
for i in 1 2 3; do
	gatectl icyfire post add example.gent twitter --type text --body "post $i" >/dev/null
done
R=$ICY_R C=$ICY_C D=$ICY_D S=$ICY_S
mapfile -t SQLI < <(sqli post)

MSG_SLOT='ERROR: Malformed request; timeslot not found'
MSG_AUTH='ERROR: Authentication token(s) incorrect'
MSG_ARG='ERROR: Malformed request; argument not found'
MSG_NONE='ERROR: No results found'

# add DESC PATH [curl args…]: queue a GET (--path-as-is: the path as given).
add() {
	batch_add "$1" GET "$2" --path-as-is "${@:3}"
}

# run_expect STATUS MESSAGE: run the batch; each answer is STATUS with
# the document's MESSAGE, and counts as one incident.
run_expect() {
	local i
	batch_run
	for ((i = 0; i < BATCH_N; i++)); do
		batch_pick "$i"
		expect_status "$1"
		[[ -n $2 ]] && expect_body_has "\"error_details\":\"$2\""
		icy_tally
	done
}

ALIVE_AFTER="the set-up"
alive icyfire
req GET "/api/_r/314/auth=$R&$C&1"
expect_status 200 "GET /api/_r/314 (claimed, 3 posts) → 200"
icy_tally
SNAP=$(db_snap icyfire)
INCIDENTS=$(incidents_now)
MAXID=$(sqlite3 -readonly "file:$GH_STATE/icyfire_log.db?mode=ro" \
	"SELECT coalesce(max(id), 0) FROM incident")
ICY_ANSWERS=0

# --- the slot and the server id: 400, "timeslot not found" ----------------------
slots=()
for s in "${SQLI[@]}"; do
	uri_enc -v e "$s"
	slots+=("$e" "314$e")
done
slots+=(-1 0 0314 1e3 3.14 0x13a 999999999999999 99999999999999999999 '314%20' '%20314'
	'%2B314' '314%2F..' '%2e%2e' '%c3%bc' '314;DROP')
batch_reset
for s in "${slots[@]}"; do
	add "GET /api/_r/$s/auth=…&1 (slot)" "/api/_r/$s/auth=$R&$C&1"
	add "GET /api/_d/$s/auth=…&1 (slot)" "/api/_d/$s/auth=$R&$D&1"
done
servers=()
for s in "${SQLI[@]}"; do
	uri_enc -v e "$s"
	servers+=("$e")
done
# (2: slot 314 is server 1's; 99999999999: no such server.)
servers+=(-1 0 01 1e2 2 99999999999 '1%20' '1%2F..' '1%3Fx%3D' '%2B1' ''
	"1/auth=$R&$C&1" '1/..')
for s in "${servers[@]}"; do
	add "GET /api/_r/314/auth=…&$s (server id)" "/api/_r/314/auth=$R&$C&$s"
	add "GET /api/_d/314/auth=…/$s (server id)" "/api/_d/314/auth=$R&$D/$s"
done
run_expect 400 "$MSG_SLOT"
check "no post was deleted" "post rows: $(db_count icyfire post)" test "$(db_count icyfire post)" = 3

# --- the tokens: 403 whatever they hold; flagged incidents ---------------------
batch_reset
n0=$(db_count icyfire_log incident)
t0=$ICY_ANSWERS
for s in "${SQLI[@]}" '%2e%2e' '%C3%BC' 'a%20b'; do
	[[ $s == *%* ]] || uri_enc -v s "$s"
	add "GET /api/_r/314 with READ token '$s'" "/api/_r/314/auth=$s&$C&1"
	add "GET /api/_r/314 with CRED token '$s'" "/api/_r/314/auth=$R&$s&1"
	add "GET /api/_d/314 with DELETE token '$s'" "/api/_d/314/auth=$R&$s&1"
	add "GET /api/_rs with SECURITY token '$s'" "/api/_rs/auth=$R&$s/query=flag:True"
done
add "GET /api/_d/314 with the CRED token as DELETE" "/api/_d/314/auth=$R&$C&1"
add "GET /api/_r/314 with the tokens swapped" "/api/_r/314/auth=$C&$R&1"
run_expect 403 "$MSG_AUTH"
n403=$((ICY_ANSWERS - t0))
# Longer than a token can be (GH_TOKEN_MAX, 256): the path is malformed,
# and _r and _d say so as for any other malformed path; _rs, whose path
# holds only the tokens and the query, answers 403 for every bad one.
rep T300 T 300
batch_reset
add "GET /api/_r/314 with a 300-byte READ token" "/api/_r/314/auth=$T300&$C&1"
add "GET /api/_d/314 with a 300-byte DELETE token" "/api/_d/314/auth=$R&$T300&1"
run_expect 400 "$MSG_SLOT"
batch_reset
add "GET /api/_rs with a 300-byte SECURITY token" "/api/_rs/auth=$R&$T300/query=flag:True"
run_expect 403 "$MSG_AUTH"
n403=$((n403 + 1))
check "no post was deleted" "post rows: $(db_count icyfire post)" test "$(db_count icyfire post)" = 3
# Each wrong token is a flagged incident (once all are written).
for ((i = 0; i < 100; i++)); do
	[[ $(db_count icyfire_log incident) == $((n0 + ICY_ANSWERS - t0)) ]] && break
	sleep 0.1
done
flagged=$(sqlite3 -readonly "file:$GH_STATE/icyfire_log.db?mode=ro" \
	"SELECT count(*) FROM incident WHERE id > $MAXID AND status_code = 403 AND flag = 1")
check "every wrong token is a flagged incident ($n403)" "flagged 403s: $flagged" \
	test "$flagged" = "$n403"
ALIVE_AFTER="hostile slots, server ids and tokens"
alive icyfire

# --- _d?post_id=: never a deletion ---------------------------------------------------------
ids=()
for s in "${SQLI[@]}"; do
	uri_enc -v e "$s"
	ids+=("$e" "1$e")
done
ids+=(-1 0 1.0 1e0 0x1 999999999999999 99999999999999999999 '1%20' '%201' '1,2'
	'1%2C2' '(1)' '1%00' '')
batch_reset
for p in "${ids[@]}"; do
	add "GET /api/_d/314/auth=…&1?post_id=$p" "/api/_d/314/auth=$R&$D&1?post_id=$p"
done
batch_run
for ((i = 0; i < BATCH_N; i++)); do
	batch_pick "$i"
	# (lighttpd refuses the encoded NUL itself, with a 400 of its own.)
	expect_status 400
	[[ $REQ_DESC == *post_id=1%00 ]] ||
		expect_body_has "\"error_details\":\"$MSG_SLOT\""
	icy_tally
done
# A post id that is no post of this slot's queue: 404, nothing deleted.
batch_reset
add "GET /api/_d/314?post_id=999999 (no such post)" "/api/_d/314/auth=$R&$D&1?post_id=999999"
# A second post_id does not override the first.
add "GET /api/_d/314?post_id=999999&post_id=1" "/api/_d/314/auth=$R&$D&1?post_id=999999&post_id=1"
run_expect 404 'ERROR: Queue is empty'
check "no post was deleted by a refused _d" "post rows: $(db_count icyfire post)" \
	test "$(db_count icyfire post)" = 3
expect_db_same icyfire "$SNAP" "hostile post ids"
ALIVE_AFTER="hostile post ids"
alive icyfire

# --- _rs: arguments, data, LIKE wildcards, limit, before_id -----------------------------
batch_reset
for s in "${SQLI[@]}" '' '%25' 'flag%00' 'ip_address%0d%0a' 'ENDPOINT' 'id' 'timestamp ' \
	'sqlite_master' 'sentry_id;'; do
	[[ $s == *%* ]] || uri_enc -v s "$s"
	[[ $s == *%0d%0a* || $s == *%00* ]] && continue
	add "GET /api/_rs query=$s:1 (argument)" "/api/_rs/auth=$R&$S/query=$s:1"
done
for arg in sentry_id timestamp user_id domain_id status_code flag; do
	for s in "${SQLI[@]}" -1 1.5 1e3 0x10 99999999999999999999 'true%20' '%00' ''; do
		[[ $s == %00 ]] && continue
		[[ $arg == flag && $s == '' ]] && continue
		uri_enc -v e "$s"
		add "GET /api/_rs query=$arg:$s" "/api/_rs/auth=$R&$S/query=$arg:$e"
	done
done
add "GET /api/_rs with no query=" "/api/_rs/auth=$R&$S/flag:True"
add "GET /api/_rs with query= and no colon" "/api/_rs/auth=$R&$S/query=flag"
for q in "limit=$(uri_enc "${SQLI[0]}")" limit=0 limit=-1 limit=1001 limit=1e3 limit=1.5 \
	"before_id=$(uri_enc "${SQLI[1]}")" before_id=0 before_id=-5 before_id=99999999999999999999 \
	'limit=%2010' 'limit='; do
	add "GET /api/_rs query=flag:True?$q" "/api/_rs/auth=$R&$S/query=flag:True?$q"
done
run_expect 400 "$MSG_ARG"
# String arguments take any data: SQL, and LIKE's wildcards, find nothing.
batch_reset
for arg in ip_address endpoint endpoint_prefix; do
	for s in "${SQLI[@]}" '%' '_' '%.%' 'api%' 'api._%' '*' '.*' "' OR '1'='1"; do
		uri_enc -v e "$s"
		add "GET /api/_rs query=$arg:$s" "/api/_rs/auth=$R&$S/query=$arg:$e"
	done
done
run_expect 404 "$MSG_NONE"
ALIVE_AFTER="hostile _rs queries"
alive icyfire

# --- NUL, CR/LF, invalid UTF-8 in paths and queries ----------------------------
# lighttpd refuses an encoded NUL, CR or LF, and invalid UTF-8, in a path
# itself; with Apache icyfire answers as for any other bad slot, token or
# argument (Apache's own 404 for %00 in a path).
batch_reset
add "GET /api/_r/3%00/auth=…" "/api/_r/3%00/auth=$R&$C&1"
add "GET /api/_r/314/auth=R%00&C&1" "/api/_r/314/auth=$R%00&$C&1"
add "GET /api/_rs query=ip_address:%00" "/api/_rs/auth=$R&$S/query=ip_address:%00"
batch_run
batch_expect "$(by_server 400 404)"
batch_reset
add "GET /api/_r/3%0d%0a/auth=…" "/api/_r/3%0d%0a/auth=$R&$C&1"
add "GET /api/_r/%ff/auth=…" "/api/_r/%ff/auth=$R&$C&1"
add "GET /api/_r/314/auth=R%0d%0aX:%20y&C&1" "/api/_r/314/auth=$R%0d%0aX:%20y&$C&1"
add "GET /api/_rs query=endpoint:%0d%0a" "/api/_rs/auth=$R&$S/query=endpoint:%0d%0a"
add "GET /api/_rs query=endpoint:%c0%ae" "/api/_rs/auth=$R&$S/query=endpoint:%c0%ae"
batch_run
for ((i = 0; i < BATCH_N; i++)); do
	batch_pick "$i"
	case $i in
	0 | 1) expect_status 400 ;;
	2) expect_status "$(by_server 400 403)" ;;
	*) expect_status "$(by_server 400 404)" ;;
	esac
	icy_tally
done
# A NUL in a query parameter: the program cannot decode it, 400.
batch_reset
add "GET /api/_d/314?post_id=%00" "/api/_d/314/auth=$R&$D&1?post_id=%00"
add "GET /api/_rs …?limit=%00" "/api/_rs/auth=$R&$S/query=flag:True?limit=%00"
batch_run
batch_expect 400
icy_tally_batch
check "no post was deleted" "post rows: $(db_count icyfire post)" test "$(db_count icyfire post)" = 3

ALIVE_AFTER="NUL, CR/LF and invalid UTF-8"
alive icyfire

# --- methods and bodies --------------------------------------------------------------------
rep kb2 x 2048
batch_reset
for m in POST PUT DELETE PATCH; do
	batch_add "$m /api/_d/314/auth=…" "$m" "/api/_d/314/auth=$R&$D&1" --data-binary '{}'
done
batch_add "HEAD /api/_d/314/auth=…" HEAD "/api/_d/314/auth=$R&$D&1"
batch_run
batch_expect 405
icy_tally_batch
batch_reset
batch_add "GET /api/_d/314/auth=… with a 2 kB body (cap 1 KiB)" GET \
	"/api/_d/314/auth=$R&$D&1" --data-binary "$kb2" --http1.1
batch_run
# lighttpd refuses a GET with a body itself (400; over HTTP/2 it resets
# the stream, hence HTTP/1.1 here); with Apache the program's cap
# answers (413).
batch_expect "$(by_server 400 413)"
icy_tally_batch
check "no post was deleted" "post rows: $(db_count icyfire post)" test "$(db_count icyfire post)" = 3

# --- what was written ---------------------------------------------------------------------
expect_db_same icyfire "$SNAP" "every hostile request"
expect_incidents "$INCIDENTS" "icyfire_log.db"
odd=$(sqlite3 -readonly "file:$GH_STATE/icyfire_log.db?mode=ro" \
	"SELECT count(*) FROM incident WHERE id > $MAXID AND (ip_address != '127.0.0.1'
	 OR endpoint NOT IN ('api._r', 'api._d', 'api._rs', 'unknown')
	 OR user_id IS NOT NULL OR (domain_id IS NOT NULL AND domain_id != 1)
	 OR status_message GLOB '*[^ -~]*' OR status_message LIKE '%DROP%'
	 OR status_message LIKE '%OR 1=1%' OR status_message LIKE '%Injected%')")
check "the incidents hold what icyfire chose, never the hostile input" \
	"$odd incidents hold something else" test "$odd" = 0
leak=$(sqlite3 -readonly "file:$GH_STATE/icyfire_log.db?mode=ro" .dump |
	grep -c -e "$R" -e "$C" -e "$D" -e "$S")
check "no token is in the incident log" "$leak lines hold a token" test "$leak" = 0
# icyfire logs its paths decoded (to mask "auth=" however it is spelt):
# an encoded CR or LF must not start a log line of the client's making.
log=$GH_STATE/log/$(by_server gatehouse.log apache-error.log)
check "no log line is forged by an encoded CR or LF" \
	"$(grep -a -n -e '^X: y' -e $'\r' "$log" | head -n 3)" \
	eval "! grep -a -q -e '^X: y' -e \$'\\r' '$log'"
ALIVE_AFTER="everything"
alive icyfire

finish
