#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# kill -9 under load: the four services under wrk (16 connections each,
# the mixes of 0001, the worker running), and 2 s in, FastCGI processes
# are killed with SIGKILL, two ways at once (each service has a pool of
# its own):
#   all but one   of factory's and of icyfire's processes (a crash of most
#                 of the pool)
#   all           of certmaker's and of apihost's processes (the whole
#                 service dies)
# Either way, on both servers, only the requests in flight fail, at most
# one a connection: under lighttpd the programs run under gatehouse-spawn,
# which holds the service's listening socket, so that connections made
# while no program runs wait in its backlog, and starts new copies at
# once; under Apache mod_fcgid spawns for the waiting request.  The parent
# of the killed processes (gatehouse-spawn, one a service, under lighttpd;
# mod_fcgid's process manager under Apache) survives, and the new
# processes are its children.
# For every service: the web server starts new processes and the
# service answers 2xx again within RECOVER_S seconds (the time is
# printed); every failure is a 5xx from the web server (no 4xx, no
# socket error, no timeout); no lost write (every order, certificate and
# offer answered is a row, and the rows added are at most the 2xx seen
# plus the failed requests, whose process may have committed before it
# died, plus those in flight when wrk stopped); and a run after the
# recovery has no failure at all.
# The victims are stopped (SIGSTOP) first and killed together, so the kill
# is one moment: killed one by one, a connection whose request died in an
# early victim could send its next one to a later victim.
# About half a minute.

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

CONNS=16	# per service: the bound on failures is this many a service
RUN=8		# seconds of the run with the kill
KILL_AT=2	# seconds into it
AFTER=2		# seconds of the run after the recovery
RECOVER_S=10	# a service must answer 2xx again within this

start_server "$GH_SERVER"
# More posts than _d can delete in both runs (some 250 a second here).
load_setup $(((RUN + AFTER) * 1000))
load_headers
load_specs
seed_order
probe_all
# The pools at about CONNS processes each, so that the kill leaves fewer
# than the load needs and mod_fcgid must start new ones.
load_warm "$CONNS"
start_worker

count() { db_count "$GH_STATE/$1" "$2"; }

# A read each service answers 2xx, to see it back.
declare -A PROBE=(
	[factory]="/v1/domain/available.gent"
	[certmaker]="/api/v1/root-certificate/obtain"
	[icyfire]="/api/_r/314/auth=$ICY_R&$ICY_C&1"
	[apihost]="/hello")

# back NAME: the service answers its probe with a 2xx.
back() {
	local s=$1
	CURL_MAX_TIME=5 curl_bg "probe-$s" "${LOAD_HOST[$s]}" GET "${PROBE[$s]}" \
		-H "${LOAD_HEADERS[$s]}"
	[[ $(awk '{ print $1 }' "$GH_STATE/c-probe-$s.status") == 2?? ]]
}

# stored_check NAME WHAT ANSWERED ADDED: every capture of the run is a
# row, and the rows added are between ANSWERED and ANSWERED + failures +
# connections.
stored_check() {
	local name=$1 what=$2 answered=$3 added=$4 lost rest most
	read -r _ lost rest < <(grep "^$name " <<<"$MISSING")
	check "$name: each of the $(recorded "$name") ${what}s answered is in the database" \
		"${lost:-?} missing, e.g. $rest" test "${lost:-1}" -eq 0
	most=$((answered + $(wrk_get "$name" "class 5xx") + CONNS))
	check "$name: $added ${what}s stored for $answered answered (at most $most: failed or in flight at the end)" \
		"stored $added" test "$added" -ge "$answered" -a "$added" -le "$most"
}

# How each service's processes are killed.
declare -A KIND=([factory]=but-one [icyfire]=but-one [certmaker]=all [apihost]=all)
declare -A KIND_DESC=([but-one]="all but one of its" [all]="all its")

orders0=$(count factory.db 'SELECT count(*) FROM site_order')
certs0=$(count certmaker.db 'SELECT count(*) FROM cert')
offers0=$(count apihost.db 'SELECT count(*) FROM offer')
posts0=$(count icyfire.db 'SELECT count(*) FROM post')

for s in "${LOAD_SERVICES[@]}"; do
	load_start "$s" "$CONNS" "$RUN"
done
sleep "$KILL_AT"
declare -A OLD=() RECOVERED=() PARENT=()
victims=()
table=$(prog_table)
for s in "${LOAD_SERVICES[@]}"; do
	mapfile -t pids < <(awk -v s="$s" '$1 == s { print $2 }' <<<"$table")
	[[ ${KIND[$s]} == but-one ]] && pids=("${pids[@]:1}")
	OLD[$s]="${pids[*]}"
	victims+=("${pids[@]}")
	# Their parents (one: gatehouse-spawn, or mod_fcgid's manager).
	PARENT[$s]=$(awk -v s="$s" '$1 == s { print $3 }' <<<"$table" | sort -u |
		tr '\n' ' ')
done
t0=${EPOCHREALTIME/./}
kill -STOP "${victims[@]}"
kill -KILL "${victims[@]}"
ok "SIGKILL to ${#victims[@]} FastCGI processes ${KILL_AT} s into the load: all but one of factory's ($(wc -w <<<"${OLD[factory]}")) and icyfire's ($(wc -w <<<"${OLD[icyfire]}")), all of certmaker's ($(wc -w <<<"${OLD[certmaker]}")) and apihost's ($(wc -w <<<"${OLD[apihost]}"))"

# Until every service has a process that is not a victim's and answers
# 2xx, or RECOVER_S seconds: the time each took.
left=${#LOAD_SERVICES[@]}
while ((left > 0 && ${EPOCHREALTIME/./} - t0 < RECOVER_S * 1000000)); do
	table=$(prog_table)
	for s in "${LOAD_SERVICES[@]}"; do
		[[ -n ${RECOVERED[$s]:-} ]] && continue
		fresh=
		while read -r n p _; do
			[[ $n == "$s" && " ${OLD[$s]} " != *" $p "* ]] && fresh+="$p "
		done <<<"$table"
		# "but one": a fresh process is one the victims' death brought,
		# not the survivor.
		if [[ ${KIND[$s]} == but-one ]]; then
			read -ra pids <<<"$fresh"
			((${#pids[@]} > 1)) || continue
		fi
		if [[ -z $fresh ]] || ! back "$s"; then
			continue
		fi
		RECOVERED[$s]=$(((${EPOCHREALTIME/./} - t0) / 1000))
		left=$((left - 1))
	done
	sleep 0.1
done
table=$(prog_table)
for s in "${LOAD_SERVICES[@]}"; do
	left=
	for p in ${OLD[$s]}; do
		# Still there and not a zombie (field 3 of stat: state).
		read -r _ _ st _ 2>/dev/null <"/proc/$p/stat" && [[ $st != Z ]] &&
			left+="$p "
	done
	check "$s: none of the $(wc -w <<<"${OLD[$s]}") killed processes runs" \
		"still there: $left" test -z "$left"
	# The parent survived, and the new processes are its children.
	read -ra parents <<<"${PARENT[$s]}"
	pname=$(awk -v p="${parents[0]:-0}" '$2 == p { print $1 }' <<<"$table")
	[[ $GH_SERVER == apache ]] && pname="mod_fcgid's process manager"
	alive=
	for p in "${parents[@]}"; do
		read -r _ _ st _ 2>/dev/null <"/proc/$p/stat" && [[ $st != Z ]] &&
			alive+="$p "
	done
	strays=$(awk -v s="$s" -v pp=" ${PARENT[$s]}" \
		'$1 == s && index(pp, " " $3 " ") == 0 { printf "%s ", $2 }' <<<"$table")
	check "$s: their parent ($pname, pid ${PARENT[$s]% }) survived, and the new processes are its children" \
		"parents: ${PARENT[$s]}, running: $alive; not its children: $strays" \
		test "${#parents[@]}" -eq 1 -a -n "$alive" -a -z "$strays"
	if [[ $GH_SERVER == lighttpd ]]; then
		check "$s: lighttpd runs it under gatehouse-spawn" \
			"the parent is '$pname'" test "$pname" = "spawn:$s"
	else
		# mod_fcgid's manager: an apache2 the server started.
		read -r _ comm _ grand _ 2>/dev/null <"/proc/${parents[0]:-0}/stat"
		check "$s: that parent is an apache2 child of the server (pid $GH_SERVER_PID)" \
			"it is $comm, child of ${grand:-?}" \
			test "$comm" = "(apache2)" -a "${grand:-}" = "$GH_SERVER_PID"
	fi
	if [[ -n ${RECOVERED[$s]:-} ]]; then
		ms=${RECOVERED[$s]}
		ok "$s: the server started new processes ($(grep -c "^$s " <<<"$table") now), and one answered 2xx $((ms / 1000)).$((ms % 1000 / 100)) s after the kill"
	else
		use_res "probe-$s" "$s after the kill"
		not_ok "$s: new processes, one answering 2xx within $RECOVER_S s of the kill" \
			"processes now: $(awk -v s="$s" '$1 == s { printf "%s ", $2 }' <<<"$table")" \
			"last probe: $RES_STATUS $RES_ERROR"
	fi
done
wrk_wait "${LOAD_SERVICES[@]}"
sleep 1

# --- only the requests in flight failed -------------------------------------------

for s in "${LOAD_SERVICES[@]}"; do
	reqs=$(wrk_get "$s" requests)
	two=$(wrk_get "$s" "class 2xx")
	five=$(wrk_get "$s" "class 5xx")
	errs=$(wrk_get "$s" errors)
	check "$s: $reqs answers across the kill of ${KIND_DESC[${KIND[$s]}]} processes, $five failed (at most $CONNS: one in flight a connection): $(wrk_statuses "$s")" \
		"$(wrk_report "$s")" test "$reqs" -gt 0 -a "$five" -le "$CONNS"
	check "$s: every failure is a 5xx from the server: no 4xx, no socket error or timeout" \
		"$(wrk_report "$s")" test "$reqs" -gt 0 -a $((reqs - two - five)) -eq 0 -a "$errs" -eq 0
done

# --- no lost write ------------------------------------------------------------------

MISSING=$(missing_rows \
	'factory:factory.db:SELECT count(*) FROM site_order WHERE domain = ?' \
	'certmaker:certmaker.db:SELECT count(*) FROM cert WHERE serial = ?' \
	'apihost:apihost.db:SELECT count(*) FROM offer WHERE page_hash = ?:sha256')
stored_check factory order "$(wrk_get factory 'status 201')" \
	$(($(count factory.db 'SELECT count(*) FROM site_order') - orders0))
stored_check certmaker certificate "$(recorded certmaker)" \
	$(($(count certmaker.db 'SELECT count(*) FROM cert') - certs0))
stored_check apihost offer "$(wrk_get apihost 'status 201')" \
	$(($(count apihost.db 'SELECT count(*) FROM offer') - offers0))
deleted=$((posts0 - $(count icyfire.db 'SELECT count(*) FROM post')))
most=$(($(wrk_get icyfire 'status 204') + $(wrk_get icyfire 'class 5xx') + CONNS))
check "icyfire: $deleted posts deleted for $(wrk_get icyfire 'status 204') answered 204 (at most $most)" \
	"deleted $deleted" test "$deleted" -ge "$(wrk_get icyfire 'status 204')" -a "$deleted" -le "$most"

# --- after the recovery: nothing fails ------------------------------------------------

for s in "${LOAD_SERVICES[@]}"; do
	load_start "$s" "$CONNS" "$AFTER"
done
wrk_wait "${LOAD_SERVICES[@]}"
for s in "${LOAD_SERVICES[@]}"; do
	wrk_check "$s" "$s, $AFTER s after the recovery"
done
check "the worker (--loop) ran through it" "it exited" kill -0 "$WORKER_PID"

finish
