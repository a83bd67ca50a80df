#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# What a PostgreSQL outage costs icyfire (on a throwaway cluster,
# tests/pg.sh) through a real web server:
#
# - The stack starts while PostgreSQL is down: the FastCGI programs (all
#   four) do not exit, every request is a 503 with Retry-After, at once; once
#   PostgreSQL is started the same processes answer 200 within seconds,
#   with nothing restarted.
# - PostgreSQL restarts (pg_ctl stop -m fast, start) under a bounded wrk
#   load (icyfire's reads, and orders at the factory, each 201 then found
#   as one row and none twice): every answer is a 200 (201) or a 503 with
#   Retry-After (never a 500, a
#   socket error or a timeout), the same processes serve again within
#   seconds, and the rows add up: icyfire records every request it
#   answers (its spec), after the answer is out, so its incidents plus
#   the ones it logged it could not record (the answers of the outage,
#   and a few 200s of the moment of the cut) are exactly its answers.
# gh-timeout: 240

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

LOAD_CONNS=8
LOAD_SECONDS=12

pg_setup

# The programs' PIDs (they run as $GH_STATE/libexec/NAME), sorted.
icyfire_pids() {
	ps -eo pid=,args= | awk -v p="$GH_STATE/libexec/icyfire" \
		'$2 == p { print $1 }' | sort -n | tr '\n' ' '
}

# Every PID of $1 still runs icyfire.
# shellcheck disable=SC2317 # run through check
pids_alive() {
	local p
	for p in $1; do
		[[ $(ps -o args= -p "$p" 2>/dev/null) == "$GH_STATE/libexec/icyfire"* ]] ||
			return 1
	done
	[[ -n $1 ]]
}

# Poll the read route until it answers 200; the seconds it took (or fail
# after $1 s).
until_200() {
	local t0=$SECONDS
	while ((SECONDS - t0 < $1)); do
		req GET "/api/_r/314/auth=$R&$C/1"
		if [[ $RES_STATUS == 200 ]]; then
			echo $((SECONDS - t0))
			return 0
		fi
		sleep 0.2
	done
	return 1
}

# icyfire's own request lines ("icyfire: METHOD PATH STATUS TIMEus") and
# the incidents it said it could not record, in the servers' logs.
prog_log() {
	cat "$GH_STATE/log/gatehouse.log" "$GH_STATE/log/apache-error.log" \
		2>/dev/null
}
answered() {
	prog_log | grep -cE "icyfire: [A-Z]+ [^ ]+ ${1:-[0-9]+} [0-9]+us"
}

# Seeded while PostgreSQL is up, then it goes down before the server
# starts: the programs start without a database.
before_start() {
	icyfire_tokens pg &&
		gatectl icyfire server add 1 &&
		gatectl icyfire domain add example.gent &&
		gatectl icyfire credential set example.gent twitter \
			consumer_key=ck-1 consumer_secret=cs-1 access_key=ak-1 \
			access_secret=as-1 &&
		gatectl icyfire timeslot claim 314 example.gent twitter &&
		gatectl icyfire post add example.gent twitter --type text \
			--body first >"$GH_STATE/post.id" || SEED_FAILED=1
	pg halt || SEED_FAILED=1
}

SEED_FAILED=
GH_HOST=icyfire.localhost
start_server "$GH_SERVER"
check "icyfire seeded, then PostgreSQL stopped" "gatectl or pg_ctl failed" \
	test -z "$SEED_FAILED"
R=$(cat "$GH_STATE/read.token")
C=$(cat "$GH_STATE/cred.token")
D=$(cat "$GH_STATE/delete.token")
S=$(cat "$GH_STATE/security.token")
secret "$R" "$C" "$D" "$S"

# --- started without a database ------------------------------------------------

for _ in 1 2 3; do
	t0=$(date +%s%N)
	req GET "/api/_r/314/auth=$R&$C/1"
	ms=$((($(date +%s%N) - t0) / 1000000))
	expect_status 503 "$REQ_DESC (PostgreSQL never up) → 503"
	expect_header Retry-After '^1$'
	check "answered in ${ms} ms, under 2 s" "it waited" test "$ms" -lt 2000
done
expect_json .status 503
# apihost looks a token up in the database: down, a 503 too (JSON for a
# client that is not a browser), not a 403 nor a 500.
nobody=$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=' | cut -c1-43)
GH_HOST=api.localhost req GET /whatever -H "Authorization: Bearer $nobody"
expect_status 503 "apihost: a token lookup (PostgreSQL never up) → 503"
expect_header Retry-After '^1$'
# The factory (a token lookup) and certmaker (its root, read at first
# use: the CRL) started without a database as well.
GH_HOST=factory.localhost req GET /v1/domain/available.gent \
	-H "Authorization: Bearer $GH_MOCK_TOKEN"
expect_status 503 "factory: a token lookup (PostgreSQL never up) → 503"
expect_header Retry-After '^1$'
GH_HOST=certmaker.localhost req GET /api/v1/crl
expect_status 503 "certmaker: the CRL (PostgreSQL never up) → 503"
expect_header Retry-After '^1$'
pids0=$(icyfire_pids)
check "icyfire's processes run without a database ($pids0)" "none" test -n "$pids0"

check "PostgreSQL starts" "pg_ctl failed" pg start
if took=$(until_200 10); then
	ok "the same processes answer 200 ${took} s after PostgreSQL started"
else
	not_ok "icyfire answers 200 once PostgreSQL is up" "last: $RES_STATUS"
fi
# (until_200 ran in a subshell: ask once more here for the answer's body.)
req GET "/api/_r/314/auth=$R&$C/1"
expect_status 200
expect_json .post.id "$(cat "$GH_STATE/post.id")"
check "no process was started anew ($pids0)" "now: $(icyfire_pids)" \
	pids_alive "$pids0"
GH_HOST=api.localhost req GET /whatever -H "Authorization: Bearer $nobody"
expect_status 403 "apihost: an unknown token (PostgreSQL up) → 403"
GH_HOST=factory.localhost req GET /v1/domain/available.gent \
	-H "Authorization: Bearer $GH_MOCK_TOKEN"
expect_status 200 "factory: PostgreSQL up → 200"
GH_HOST=certmaker.localhost req GET /api/v1/crl
expect_status 200 "certmaker: the CRL, its root read now (PostgreSQL up) → 200"

# --- a restart under load --------------------------------------------------------

printf 'GET\t/api/_r/314/auth=%s&%s/1\n' "$R" "$C" >"$GH_STATE/outage.spec"
pids1=$(icyfire_pids)
timeout $((LOAD_SECONDS + 30)) wrk -t 2 -c "$LOAD_CONNS" -d "${LOAD_SECONDS}s" \
	--timeout 5s -H "Host: $GH_HOST:$GH_PORT" \
	-s "$GH_ROOT/tests/load/load.lua" "https://127.0.0.1:$GH_PORT/" -- \
	"$GH_STATE/outage.spec" "outage$(date +%s)" >"$GH_STATE/wrk.out" 2>&1 &
wrk_pid=$!
# And orders at the factory at the same time: each answered 201 recorded
# (load.lua), to be found in the database afterwards exactly once.
printf 'POST\t/v1/site\tContent-Type: application/json\t{"domain":"o{n}.gent","callback":"https://cb.example/hook","installerSecret":"outage-secret"}\n' \
	>"$GH_STATE/orders.spec"
timeout $((LOAD_SECONDS + 30)) wrk -t 2 -c 4 -d "${LOAD_SECONDS}s" \
	--timeout 5s -H "Host: factory.localhost:$GH_PORT" \
	-H "Authorization: Bearer $GH_MOCK_TOKEN" \
	-s "$GH_ROOT/tests/load/load.lua" "https://127.0.0.1:$GH_PORT/" -- \
	"$GH_STATE/orders.spec" "orders$(date +%s)" "$GH_STATE/rec-orders" 201 \
	'"domain":%s*"([^"]+)"' >"$GH_STATE/wrk-orders.out" 2>&1 &
orders_pid=$!
sleep 3
t0=$(date +%s%N)
check "PostgreSQL restarts under load" "pg_ctl failed" pg restart
ms=$((($(date +%s%N) - t0) / 1000000))
if took=$(until_200 5); then
	ok "served again ${took} s after the restart (it took ${ms} ms)"
else
	not_ok "served again within 5 s of the restart" "last: $RES_STATUS"
fi
wait "$wrk_pid"
wrk_rc=$?
wait "$orders_pid"
orders_rc=$?

# load.lua's figures: "load: KEY… N".
figure() {
	awk -v k="$1" '$1 == "load:" { $1 = ""; n = $NF; $NF = "";
		gsub(/^ +| +$/, ""); if ($0 == k) { print n; f = 1 } }
		END { if (!f) print 0 }' "${2:-$GH_STATE/wrk.out}"
}
statuses=$(awk '$1 == "load:" && $2 == "status" { printf "%s%s:%s", s, $3, $4; s = " " }' \
	"$GH_STATE/wrk.out")
n200=$(figure "status 200")
n503=$(figure "status 503")
nall=$(figure requests)
read -r _ _ _ ec _ er _ ew _ et < <(grep '^load: errors' "$GH_STATE/wrk.out")
check "wrk ran to its end" "status $wrk_rc: $(tail -n 3 "$GH_STATE/wrk.out")" \
	test "$wrk_rc" -eq 0 -a "$nall" -gt 0
check "every answer under load a 200 or a 503 ($statuses)" \
	"$(grep '^load:' "$GH_STATE/wrk.out")" test "$((n200 + n503))" -eq "$nall"
check "answers under load: 200s before and after the restart" \
	"only $n200" test "$n200" -gt 0
check "no socket error, no timeout (connect ${ec:-?} read ${er:-?} write ${ew:-?} timeout ${et:-?})" \
	"$(grep '^load:' "$GH_STATE/wrk.out")" test "$((ec + er + ew + et))" -eq 0
check "every 503 carried Retry-After" "$(figure no-retry-after) without" \
	test "$(figure no-retry-after)" -eq 0
lat=$(figure latency-max-ms)
lat=${lat%.*}
check "the slowest answer took ${lat} ms, under 5 s" "a request waited" \
	test "$lat" -lt 5000
check "the processes from before the restart serve on ($pids1)" \
	"now: $(icyfire_pids)" pids_alive "$pids1"

# --- the rows add up ------------------------------------------------------------

# Each answer's incident is written after the answer went out: let the
# last ones land.
sleep 2
incidents=$(PGOPTIONS='-c search_path=icyfire_log' psql -X -q -At \
	-d "$GH_DATABASE" -c 'SELECT count(*) FROM incident')
inc200=$(PGOPTIONS='-c search_path=icyfire_log' psql -X -q -At \
	-d "$GH_DATABASE" -c 'SELECT count(*) FROM incident WHERE status_code = 200')
lost=$(prog_log | sed -n 's/.*cannot record \([0-9][0-9]*\) incident(s).*/\1/p' |
	awk '{ n += $1 } END { print n + 0 }')
ans=$(answered)
ans200=$(answered 200)
check "incidents $incidents + not recorded $lost == icyfire's answers $ans" \
	"$(prog_log | grep -E 'icyfire: ' | grep -vE ' (200|503) [0-9]+us' | head -5)" \
	test "$((incidents + lost))" -eq "$ans"
# A 200 whose incident is missing was answered at the cut (read on one
# connection, its incident then on the other, already cut): each is among
# the ones logged.
check "incidents of a 200 ($inc200) + logged lost >= icyfire's 200s ($ans200)" \
	"$((ans200 - inc200)) missing, $lost logged" \
	test "$inc200" -le "$ans200" -a "$((ans200 - inc200))" -le "$lost"
check "icyfire's 200s ($ans200) cover wrk's ($n200)" "fewer" \
	test "$ans200" -ge "$n200"
# The orders: every answer a 201 or a 503, every 201 a row, no order
# twice; a 503 whose COMMIT was cut may have stored its order (commit
# uncertain), so the rows are at most the 201s plus the 503s.
o201=$(figure "status 201" "$GH_STATE/wrk-orders.out")
o503=$(figure "status 503" "$GH_STATE/wrk-orders.out")
oall=$(figure requests "$GH_STATE/wrk-orders.out")
check "orders: wrk ran to its end, every answer a 201 or a 503 ($o201 + $o503 of $oall)" \
	"status $orders_rc: $(grep '^load:' "$GH_STATE/wrk-orders.out")" \
	test "$orders_rc" -eq 0 -a "$oall" -gt 0 -a "$((o201 + o503))" -eq "$oall"
factory_sql() {
	PGOPTIONS='-c search_path=factory' psql -X -q -At -d "$GH_DATABASE" -c "$1"
}
rows=$(factory_sql "SELECT count(*) FROM site_order WHERE domain LIKE 'o%'")
twice=$(factory_sql "SELECT count(*) FROM (SELECT domain FROM site_order GROUP BY domain HAVING count(*) > 1) d")
# The recorded domains that are not rows: one query, then comm.
factory_sql "SELECT domain FROM site_order WHERE domain LIKE 'o%'" |
	sort >"$GH_STATE/orders.rows"
sort "$GH_STATE"/rec-orders.* 2>/dev/null >"$GH_STATE/orders.201"
missing=$(comm -23 "$GH_STATE/orders.201" "$GH_STATE/orders.rows" | wc -l)
check "orders: each of the $o201 answered 201 is one row ($missing missing)" \
	"$missing missing" test "$missing" -eq 0 -a "$(cat "$GH_STATE"/rec-orders.* | wc -l)" -eq "$o201"
check "orders: $rows rows for $o201 201s and $o503 503s, none twice" \
	"$twice twice" test "$rows" -ge "$o201" -a "$rows" -le "$((o201 + o503))" -a "$twice" -eq 0
if prog_log | grep -qE ' 500 [0-9]+us'; then
	not_ok "no request answered 500" "$(prog_log | grep -E ' 500 [0-9]+us' | head -3)"
else
	ok "no request answered 500"
fi

finish
