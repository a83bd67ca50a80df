#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# The four services under load at once, for GH_LOAD_SECONDS (60): one web
# server, one wrk per virtual host (64 connections each: see CONNS),
# keep-alive, while the worker runs in its loop (provisioning the orders
# and calling them back to nginx) and a gatectl loop writes to every
# service's database (factory clients, certmaker users, icyfire posts,
# apihost tokens).  Each mix holds a write that its 2xx promises:
#   factory     POST /v1/site, a new order each (201), among GETs
#   certmaker   POST certificate/request, a new certificate each (200)
#   icyfire     _d, a deleted post each (204), among _r and _rs
#   apihost     POST /.apihost/offer-template, a new offer (201), among
#               GETs through the gateway to nginx
# Checked afterwards:
#   - no 5xx, no socket error, no timeout (30 s) in any wrk run
#   - no lost write: every order and certificate answered is in the
#     database (by its domain / serial), every offer (by its page id);
#     the rows added are the 2xx seen plus at most the requests in flight
#     when wrk stopped (one a connection); icyfire's deleted posts equal
#     the 204s likewise, and every request left an incident
#   - the worker and the gatectl writer ran through it, every gatectl
#     write succeeded
#   - each FastCGI process's resident memory is flat: its largest sample
#     in the run's last 10 s is within a bound of its largest in its own
#     first 10 s (see rss_verdict and the bound below)
# Under a minute and a half here, on either server.

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

# 64 connections per service, 256 in all, on either server (lighttpd's
# default max-connections is 1365).  Apache's template runs two children
# of 256 threads, both started at once: a child whose threads are all
# busy closes its kept-alive connections, and a request wrk had just sent
# on one is lost (hundreds of read errors a run at 64 a service with four
# children of 64, a few with eight).
CONNS=${GH_LOAD_CONNS:-64}
D=$LOAD_SECONDS

start_server "$GH_SERVER"
# More posts than _d can delete in the run (some 250 a second here).
load_setup $((D * 1000))
load_headers
load_specs
seed_order
probe_all
load_warm $((CONNS + 16))
start_worker

# --- the writer: gatectl, the product's own, in a bounded loop -------------------

# w DESC COMMAND…: run a gatectl command, one line in writer.log.
w() {
	if "$@" >>"$GH_STATE/writer.out" 2>>"$GH_STATE/writer.err"; then
		echo "ok $1 $2 $3"
	else
		echo "fail $*"
	fi >>"$GH_STATE/writer.log"
}

# writer_loop SECONDS: writes to each database in turn until SECONDS
# have passed; posts it adds go to writer-posts (their ids).
writer_loop() {
	local end=$((SECONDS + $1)) i=0 id
	: >"$GH_STATE/writer.log"
	: >"$GH_STATE/writer-posts"
	while ((SECONDS < end)); do
		i=$((i + 1))
		w gatectl token add "load-w$i" --callback-secret-file "$GH_STATE/cb.secret"
		w gatectl token revoke "load-w$i"
		w gatectl certmaker user add "loadw$i"
		w gatectl certmaker user disable "loadw$i"
		if id=$(gatectl icyfire post add load.gent twitter --type text \
			--body "added by the writer, $i" 2>>"$GH_STATE/writer.err"); then
			echo "$id" >>"$GH_STATE/writer-posts"
			echo "ok icyfire post add" >>"$GH_STATE/writer.log"
		else
			echo "fail icyfire post add" >>"$GH_STATE/writer.log"
		fi
		w gatectl apihost token add --grain load --user-id "w$i" \
			--username writer --permissions read
		w gatectl apihost token purge
		sleep 0.1
	done
}

# --- resident memory, once a second ----------------------------------------------

# rss_sampler SECONDS: "ms name pid kB" lines in rss.tsv for every
# FastCGI process of this state directory, once a second.
rss_sampler() {
	local end_us t0=${EPOCHREALTIME/./} now files
	end_us=$((t0 + $1 * 1000000))
	: >"$GH_STATE/rss.tsv"
	while :; do
		now=${EPOCHREALTIME/./}
		((now < end_us)) || break
		files=$(ps -eo pid=,args= | awk -v d="$GH_STATE/libexec/" '
			index($2, d) == 1 && $2 !~ /gatehouse-worker$/ {
				printf "/proc/%s/status\n", $1
			}')
		if [[ -n $files ]]; then
			# shellcheck disable=SC2086 # one file a word
			awk -v ms=$(((now - t0) / 1000)) -v d="$GH_STATE/libexec/" '
				FNR == 1 { split(FILENAME, p, "/"); pid = p[3]; name = "" }
				/^Name:/ { name = $2 }
				/^VmRSS:/ { print ms, name, pid, $2 }' $files \
				2>/dev/null >>"$GH_STATE/rss.tsv"
		fi
		sleep 1
	done
}

# --- the run ------------------------------------------------------------------------

count() { db_count "$GH_STATE/$1" "$2"; }
# icyfire writes its incidents in batches, each within 500 ms of its
# answer, and under Apache a request that found every process busy
# sleeps a second in mod_fcgid first: the incidents are counted once two
# counts 1.5 s apart agree (15 s at most).
incidents_settled() {
	local a b i
	b=$(count icyfire_log.db 'SELECT count(*) FROM incident')
	for ((i = 0; i < 10; i++)); do
		a=$b
		sleep 1.5
		b=$(count icyfire_log.db 'SELECT count(*) FROM incident')
		[[ $a == "$b" ]] && break
	done
	echo "$b"
}
orders0=$(count factory.db 'SELECT count(*) FROM site_order')
certs0=$(count certmaker.db 'SELECT count(*) FROM cert')
offers0=$(count apihost.db 'SELECT count(*) FROM offer')
posts0=$(count icyfire.db 'SELECT count(*) FROM post')
incidents0=$(incidents_settled)

started=$SECONDS
rss_sampler "$D" &
bg_track $!
SAMPLER=$!
writer_loop "$D" &
bg_track $!
WRITER=$!
for s in "${LOAD_SERVICES[@]}"; do
	load_start "$s" "$CONNS" "$D"
done
wrk_wait "${LOAD_SERVICES[@]}"
wait "$WRITER" "$SAMPLER" 2>/dev/null
ok "$D s of load on the four services at once, $CONNS connections each (took $((SECONDS - started)) s)"
# Requests in flight when wrk stopped are still answered, and icyfire
# writes its incident after the answer: let them finish.
sleep 1

# --- no 5xx -------------------------------------------------------------------------

for s in "${LOAD_SERVICES[@]}"; do
	wrk_check "$s" "$s under load"
done

# --- the worker and the writer --------------------------------------------------------

check "the worker (--loop) ran through the load" "it exited: $(tail -n 5 "$GH_STATE/log/worker.log")" \
	kill -0 "$WORKER_PID"
writes=$(grep -c '^ok ' "$GH_STATE/writer.log")
fails=$(grep -c '^fail ' "$GH_STATE/writer.log")
check "gatectl wrote $writes times to the four databases meanwhile, none failed" \
	"$(grep '^fail ' "$GH_STATE/writer.log" | head -n 3; tail -n 5 "$GH_STATE/writer.err")" \
	test "$writes" -gt 0 -a "$fails" -eq 0

# --- no lost write --------------------------------------------------------------------

# rows_check NAME ANSWERED ADDED: ANSWERED 2xx seen, ADDED rows added; the
# difference is requests whose answer wrk did not wait for when its time
# was up (at most one a connection) plus those it counted as errors.
rows_check() {
	local name=$1 answered=$2 added=$3 what=$4 slack
	slack=$((CONNS + $(wrk_get "$name" errors)))
	check "$name: $added $what for $answered answered (at most $slack more: in flight at the end)" \
		"stored $added, answered $answered" \
		test "$added" -ge "$answered" -a "$added" -le $((answered + slack))
}

# The captures of each run that are not in the database.
missing=$(missing_rows \
	'factory:factory.db:SELECT count(*) FROM site_order WHERE domain = ?' \
	'certmaker:certmaker.db:SELECT count(*) FROM cert WHERE serial = ?' \
	'apihost:apihost.db:SELECT count(*) FROM offer WHERE page_hash = ?:sha256')

# lost_check NAME ANSWERED WHAT: each of the ANSWERED answers (or "-":
# not known from the statuses alone) named a WHAT, and every one of those
# is a row.
lost_check() {
	local name=$1 answered=$2 n lost rest
	n=$(recorded "$name")
	if [[ $answered != - ]]; then
		check "$name: each of the $answered answers ${LOAD_REC_STATUS[$name]} named its $3 ($n recorded)" \
			"recorded $n of $answered" test "$n" -eq "$answered"
	fi
	read -r _ lost rest < <(grep "^$name " <<<"$missing")
	check "$name: each of the $n ${3}s answered is in the database" \
		"${lost:-?} missing, e.g. $rest" test "$n" -gt 0 -a "${lost:-1}" -eq 0
}

lost_check factory "$(wrk_get factory 'status 201')" domain
orders=$(($(count factory.db 'SELECT count(*) FROM site_order') - orders0))
rows_check factory "$(wrk_get factory 'status 201')" "$orders" "orders stored"
read -r moved delivered < <(count factory.db "SELECT sum(state != 'pending'), sum(callback_state = 'delivered') FROM site_order" | tr '|' ' ')
ok "factory: the worker moved $moved of the orders on and called $delivered back; the rest wait (pending counts as stored)"

# GET root-certificate/obtain answers 200 too: the certificates issued
# are the serials recorded (from each POST's JSON body).
lost_check certmaker - serial
certs=$(($(count certmaker.db 'SELECT count(*) FROM cert') - certs0))
rows_check certmaker "$(recorded certmaker)" "$certs" "certificates stored"

lost_check apihost "$(wrk_get apihost 'status 201')" "offer page"
offers=$(($(count apihost.db 'SELECT count(*) FROM offer') - offers0))
rows_check apihost "$(wrk_get apihost 'status 201')" "$offers" "offers stored"

added=$(wc -l <"$GH_STATE/writer-posts")
posts=$(count icyfire.db 'SELECT count(*) FROM post')
deleted=$((posts0 + added - posts))
rows_check icyfire "$(wrk_get icyfire 'status 204')" "$deleted" \
	"posts deleted ($posts0 queued + $added by gatectl - $posts left)"
incidents=$(($(incidents_settled) - incidents0))
rows_check icyfire "$(wrk_get icyfire requests)" "$incidents" "incidents recorded"

# --- memory ---------------------------------------------------------------------------

# rss_verdict: per program, from rss.tsv: for each process, the growth of
# its largest sample from its first 10 s to the run's last 10 s.  A
# process's first 10 s start a second after it was first seen: Apache
# starts processes during the run, and one caught as it starts has not
# yet opened its database or served a request (under 1 MiB).  Only
# processes whose first window ends before the last begins are compared.
# (Runs under 21 s: windows of (D - 1) / 2 s.)  Prints "name processes
# first_kB last_kB growth_kB pid" for the process that grew most.
rss_verdict() {
	local win=$((D >= 21 ? 10000 : (D - 1) * 500))
	awk -v win="$win" -v end=$((D * 1000)) '
		{ key = $2 " " $3 }
		!(key in t0) { t0[key] = $1 }
		$1 >= t0[key] + 1000 && $1 < t0[key] + 1000 + win {
			if ($4 > first[key]) first[key] = $4
		}
		$1 >= end - win { if ($4 > last[key]) last[key] = $4 }
		END {
			for (key in first) {
				if (!(key in last) || t0[key] + 1000 + win > end - win)
					continue
				split(key, k, " ")
				n[k[1]]++
				g = last[key] - first[key]
				if (!(k[1] in worst) || g > worst[k[1]]) {
					worst[k[1]] = g; wf[k[1]] = first[key]
					wl[k[1]] = last[key]; wp[k[1]] = k[2]
				}
			}
			for (name in n)
				print name, n[name], wf[name], wl[name], worst[name], wp[name]
		}' "$GH_STATE/rss.tsv"
}

mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
verdicts=$(rss_verdict)
for s in "${LOAD_SERVICES[@]}"; do
	read -r _ nproc first last growth pid < <(grep "^$s " <<<"$verdicts")
	if [[ -z ${nproc:-} ]]; then
		not_ok "$s: resident memory flat" "no process sampled in both windows" \
			"$(awk -v s="$s" '$2 == s' "$GH_STATE/rss.tsv" | head -n 3)"
		continue
	fi
	# The bound, generous: SQLite's page cache (16 pages a connection,
	# lib/db_sqlite.c; icyfire has two databases open) fills as the
	# run touches new pages; the WAL index (-shm, mapped and
	# counted as resident) grows 32 KiB per 4096 WAL frames; malloc's
	# arena keeps freed chunks.  So: 2 MiB per database plus 1 MiB, or
	# 10 % of the first figure if more.  A leak of 100 bytes a request
	# would pass it only below some 30 requests a second per process.
	dbs=1
	[[ $s == icyfire ]] && dbs=2
	bound=$((dbs * 2048 + 1024))
	((first / 10 > bound)) && bound=$((first / 10))
	check "$s: resident memory flat over $nproc processes: the one that grew most, $(mib "$first") MiB in its first 10 s, $(mib "$last") MiB in the last (+$(mib "$growth") MiB, bound +$(mib "$bound") MiB)" \
		"$(awk -v p="$pid" '$3 == p { printf "%s ms: %s kB\n", $1, $4 }' "$GH_STATE/rss.tsv" | tr '\n' ' ')" \
		test "$growth" -le "$bound"
done

finish
