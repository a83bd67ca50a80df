#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# A database locked by another writer for longer than the busy timeout
# (GH_DB_BUSY_TIMEOUT_MS in lib/db.h, 5 s).  Gatehouse's writers take two
# locks in turn (lib/db.c, gh_db_begin): an flock() of "<db>.lock", the
# funnel they queue on, then SQLite's write lock (BEGIN IMMEDIATE); each
# is waited for within the one busy timeout.  tests/load/holdlock.py
# holds, at once:
#   SQLite's write lock (BEGIN EXCLUSIVE, as the sqlite3 shell or any
#   program that bypasses the funnel would take it) on factory.db and
#   icyfire.db
#   the funnel's flock (as a writer stuck inside its transaction holds
#   it) on certmaker.db and apihost.db
# While they are held, each service gets a write, the same write again a
# second later (it queues on the funnel behind the first), and a read:
#   factory POST /v1/site, GET /v1/site/<domain>; certmaker POST
#   certificate/request, GET certificate/<serial>/obtain; icyfire _d, _r;
#   apihost POST /.apihost/offer-template, GET through the gateway
# Checked: each write is answered 503 with Retry-After, after waiting the
# busy timeout and no more than MARGIN_S beyond it (never a 500, never a
# hang: the second write too, whose two waits, for the funnel and then
# for SQLite's lock, share the one timeout), and stores nothing; the read
# is answered 200 (WAL: readers do not wait for writers, though one may
# wait for a FastCGI process that a writer holds) within the same bound;
# once the locks are released the same writes succeed.  Meanwhile a wrk
# of orders (2 connections) runs: every answer is a 503 with Retry-After
# (or a 201 once the lock is gone), the slowest within the same bound.
# About 20 s.

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

MARGIN_S=2	# beyond the busy timeout: TLS, the web server, a busy machine
STAGGER_S=1	# the second write follows the first by this much
HOLD_S=$((BUSY_MS / 1000 + 3))	# the lock is held this long
BUSY_S=$((BUSY_MS / 1000))

start_server "$GH_SERVER"
load_setup 1000
load_headers
load_specs
seed_order
probe_all
# A certificate to read back, and the offer-template body.
GH_HOST=certmaker.localhost req POST /api/v1/certificate/request \
	-H "${LOAD_HEADERS[certmaker]}" -H 'Content-Type: application/json' \
	--data-binary '{"domains":["read.example.test"]}'
expect_status 200 "certmaker: a certificate to read back → 200"
SERIAL=$(jq -r .serial "$RES_BODY" 2>/dev/null)
# No second lost to mod_fcgid's spawning (Apache) in the timings below.
load_warm 16
# Orders only, for the wrk that runs through round 1.
spec orders \
	"POST|/v1/site|-|{\"domain\":\"o{n}.gent\",\"callback\":\"http://127.0.0.1:$UP_PORT/cb\",\"installerSecret\":\"s\"}"
# shellcheck disable=SC2016 # $API_HOST is the template's
OFFER='{"template":"curl $API_HOST/","petname":"lock"}'

[[ -n $BUSY_MS ]] || { not_ok "GH_DB_BUSY_TIMEOUT_MS found in lib/db.h"; finish; }
command -v python3 >/dev/null || { not_ok "python3 is installed"; finish; }

# The write and the read of each service, as curl_bg arguments after the
# name: HOST METHOD PATH [curl args…].  N makes the write's name unique.
write_args() {
	local s=$1 n=$2 j=(-H 'Content-Type: application/json')
	case $s in
	factory) echo factory.localhost POST /v1/site ;;
	certmaker) echo certmaker.localhost POST /api/v1/certificate/request ;;
	icyfire) echo icyfire.localhost GET "/api/_d/314/auth=$ICY_R&$ICY_D&1" ;;
	apihost) echo api.localhost POST /.apihost/offer-template ;;
	esac >"$GH_STATE/args"
	read -r -a WRITE <"$GH_STATE/args"
	case $s in
	factory) WRITE+=(-H "${LOAD_HEADERS[factory]}" "${j[@]}" --data-binary \
		"{\"domain\":\"lock-$n.gent\",\"callback\":\"http://127.0.0.1:$UP_PORT/cb\",\"installerSecret\":\"s\"}") ;;
	certmaker) WRITE+=(-H "${LOAD_HEADERS[certmaker]}" "${j[@]}" --data-binary \
		'{"domains":["lock.example.test"]}') ;;
	apihost) WRITE+=(-H "Authorization: Bearer $API_SECRET" "${j[@]}" \
		--data-binary "$OFFER") ;;
	esac
}
read_args() {
	case $1 in
	factory) READ=(factory.localhost GET /v1/site/seed.gent -H "${LOAD_HEADERS[factory]}") ;;
	certmaker) READ=(certmaker.localhost GET "/api/v1/certificate/$SERIAL/obtain" \
		-H "${LOAD_HEADERS[certmaker]}") ;;
	icyfire) READ=(icyfire.localhost GET "/api/_r/314/auth=$ICY_R&$ICY_C&1") ;;
	apihost) READ=(api.localhost GET /hello -H "${LOAD_HEADERS[apihost]}") ;;
	esac
}
declare -A WRITE_OK=([factory]=201 [certmaker]=200 [icyfire]=204 [apihost]=201)

# answered STATUS LO HI: the last use_res answer has STATUS (a 503 with a
# Retry-After header), and took between LO and HI seconds; one line.
answered() {
	local want=$1 lo=$2 hi=$3 why=
	[[ $RES_STATUS == "$want" ]] ||
		why="status $RES_STATUS${RES_ERROR:+ ($RES_ERROR)}; body: $(body_excerpt)"
	if [[ $want == 503 && -z $why ]] && ! grep -qi '^retry-after: *[0-9]' "$RES_HEADERS"; then
		why="no Retry-After header"
	fi
	if [[ -z $why ]] && ! awk -v t="$RES_TIME" -v lo="$lo" -v hi="$hi" \
		'BEGIN { exit !(t >= lo && t <= hi) }'; then
		why="took $RES_TIME s, not $lo to $hi"
	fi
	local desc="$REQ_DESC → $want"
	[[ $want == 503 ]] && desc+=" with Retry-After"
	desc+=" after $RES_TIME s (bound: $lo to $hi s)"
	if [[ -z $why ]]; then
		ok "$desc"
	else
		not_ok "$desc" "$why"
	fi
}

# rows: what the writes store, one line, to see that a 503 stored nothing.
rows() {
	printf '%s %s %s %s\n' \
		"$(db_count "$GH_STATE/factory.db" 'SELECT count(*) FROM site_order')" \
		"$(db_count "$GH_STATE/certmaker.db" 'SELECT count(*) FROM cert')" \
		"$(db_count "$GH_STATE/icyfire.db" 'SELECT count(*) FROM post')" \
		"$(db_count "$GH_STATE/apihost.db" 'SELECT count(*) FROM offer')"
}

# How each service's database is locked, and what that is called.
declare -A KIND=([factory]=sqlite [icyfire]=sqlite [certmaker]=flock [apihost]=flock)
declare -A LOCK_NAME=([sqlite]="SQLite's write lock (BEGIN EXCLUSIVE)"
	[flock]="the writers' flock (<db>.lock)")

# hold KIND DB…: a holder of lock KIND on the DBs, in the background; it
# writes locked-KIND once they are held.  HOLDERS gets its PID.
HOLDERS=()
hold() {
	local kind=$1 holder
	shift
	rm -f "$GH_STATE/locked-$kind"
	python3 "$LOAD_DIR/holdlock.py" "$kind" "$HOLD_S" "$GH_STATE/locked-$kind" \
		"$@" 2>"$GH_STATE/holdlock-$kind.err" &
	holder=$!
	bg_track "$holder"
	HOLDERS+=("$holder")
}

hold sqlite "$GH_STATE/factory.db" "$GH_STATE/icyfire.db"
hold flock "$GH_STATE/certmaker.db" "$GH_STATE/apihost.db"
for ((i = 0; i < 100; i++)); do	# at most 10 s
	[[ -e $GH_STATE/locked-sqlite && -e $GH_STATE/locked-flock ]] && break
	sleep 0.1
done
for kind in sqlite flock; do
	if [[ ! -e $GH_STATE/locked-$kind ]]; then
		not_ok "${LOCK_NAME[$kind]}: held" "$(cat "$GH_STATE/holdlock-$kind.err")"
		finish
	fi
done
ok "held for $HOLD_S s (the busy timeout is $BUSY_MS ms): ${LOCK_NAME[sqlite]} on factory.db and icyfire.db, ${LOCK_NAME[flock]} on certmaker.db and apihost.db"
before=$(rows)

wrk_start factory factory.localhost 2 $((HOLD_S - 2)) "$GH_STATE/orders.spec" - - \
	-H "${LOAD_HEADERS[factory]}" -H 'Content-Type: application/json'
pids=()
for s in "${LOAD_SERVICES[@]}"; do
	write_args "$s" 1
	read_args "$s"
	curl_bg "w-$s-1" "${WRITE[@]}" &
	pids+=($!)
	curl_bg "r-$s" "${READ[@]}" &
	pids+=($!)
done
sleep "$STAGGER_S"
for s in "${LOAD_SERVICES[@]}"; do
	write_args "$s" 1
	curl_bg "w-$s-2" "${WRITE[@]}" &
	pids+=($!)
done
wait "${pids[@]}"
after=$(rows)
for s in "${LOAD_SERVICES[@]}"; do
	write_args "$s" 1
	label="${LOCK_NAME[${KIND[$s]}]}"
	for i in 1 2; do
		use_res "w-$s-$i" "$label: $s: ${WRITE[1]} ${WRITE[2]/auth=*/auth=***}"
		((i == 2)) && REQ_DESC+=" (${STAGGER_S} s later)"
		answered 503 $((BUSY_S - 1)) $((BUSY_S + MARGIN_S))
	done
	read_args "$s"
	use_res "r-$s" "$label: $s: ${READ[1]} ${READ[2]/auth=*/auth=***}"
	answered 200 0 $((BUSY_S + MARGIN_S))
done
check "the 503s stored nothing (orders certificates posts offers: $before)" \
	"after: $after" test "$before" = "$after"

wrk_wait factory
reqs=$(wrk_get factory requests)
s503=$(wrk_get factory "status 503")
s201=$(wrk_get factory "status 201")
nra=$(wrk_get factory no-retry-after)
max=$(wrk_get factory latency-max-ms)
check "wrk, 2 connections of orders meanwhile: $reqs answers, $s503 503 and $s201 201 (once released), nothing else" \
	"$(wrk_report factory)" \
	test "$reqs" -gt 0 -a $((s503 + s201)) -eq "$reqs" -a "$(wrk_get factory errors)" -eq 0
check "wrk: every 503 carried Retry-After" "$nra without" test "$nra" -eq 0
check "wrk: the slowest answer took $max ms, within $MARGIN_S s of the busy timeout" \
	"$(wrk_report factory)" \
	awk -v m="$max" -v b=$((BUSY_MS + MARGIN_S * 1000)) 'BEGIN { exit !(m <= b) }'

# Released: the same writes succeed.
wait "${HOLDERS[@]}" 2>/dev/null
for s in "${LOAD_SERVICES[@]}"; do
	write_args "$s" 1
	curl_bg "again-$s" "${WRITE[@]}"
	use_res "again-$s" "released: $s: ${WRITE[1]} ${WRITE[2]/auth=*/auth=***} again"
	answered "${WRITE_OK[$s]}" 0 $((BUSY_S + MARGIN_S))
done

finish
