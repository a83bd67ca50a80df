#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# The factory on a throwaway PostgreSQL (tests/pg.sh).  First
# 0001-factory.sh and 0002-factory-worker.sh run as they are with
# GH_DATABASE pointing at it (their lines tagged "+pg"; a fresh cluster
# for each, as each makes a state directory with a key of its own).  Then
# two nodes on one database, at once: node A is lighttpd, node B Apache,
# on two ports, with two state directories sharing the key file, each
# with its own worker in --loop.  An order placed on node A while A's
# worker is stopped is delivered by B's, woken by NOTIFY (no spawn, no
# cron).  Then a client places 40 orders alternating between A and B;
# meanwhile slow-k.gent (a 3.5 s deploy) is ordered on B, and the worker
# that the database says holds it mid-deploy is killed with -9: the other
# node's worker deploys it again (a retry) once its lease has run out
# (deploy_timeout_s 4 + lease_s 5).  Every order is registered, deployed
# and called back exactly once (the deploy log, the receiver's log and the
# rows); slow-k.gent's deploy started twice, and ended ok once.
# After a restart of PostgreSQL, B's worker has reconnected and listens
# again.  Under GH_SERVER=apache the two-node part is a SKIP line: the
# lighttpd run has both servers.
# gh-timeout: 900

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

HERE=$(cd "$(dirname "$0")" && pwd)
PGDIR=$(mktemp -d "${TMPDIR:-/tmp}/gatehouse-pg.XXXXXX") || exit 1
NODE_B=
PIDS=()

# shellcheck disable=SC2317 # run by the EXIT trap
pg_cleanup() {
	local pid
	for pid in "${PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${PIDS[@]}"; do
		wait "$pid" 2>/dev/null
	done
	declare -F stop_node_b >/dev/null && stop_node_b
	if ((GH_FAILED > 0)) && [[ -n $NODE_B ]]; then
		gh_server_logs "$NODE_B" | sed 's/^/#   /'
	fi
	cleanup
	[[ -n $NODE_B ]] && rm -rf "$NODE_B"
	sh "$GH_ROOT/tests/pg.sh" stop "$PGDIR" >/dev/null 2>&1
	rm -rf "$PGDIR"
}
trap pg_cleanup EXIT

# pg_fresh: a new, empty cluster in PGDIR; its URI in GH_DATABASE.
pg_fresh() {
	sh "$GH_ROOT/tests/pg.sh" stop "$PGDIR" >/dev/null 2>&1
	GH_DATABASE=$(sh "$GH_ROOT/tests/pg.sh" start "$PGDIR") || return 1
	export GH_DATABASE
}

# --- 0001 and 0002 on PostgreSQL -------------------------------------------------
for t in 0001-factory.sh 0002-factory-worker.sh; do
	if ! pg_fresh; then
		not_ok "a throwaway PostgreSQL starts for $t" "tests/pg.sh start failed"
		continue
	fi
	out=$(GH_TAG="${GH_TAG:-}+pg" bash "$HERE/$t" 2>&1) && rc=0 || rc=$?
	printf '%s\n' "$out"
	# Their lines are theirs to count; a silent failure is ours.
	if ((rc != 0)) && ! grep -q '^not ok - ' <<<"$out"; then
		not_ok "$t on PostgreSQL exited with status $rc"
	elif ((rc == 0)); then
		ok "$t passes on PostgreSQL"
	fi
done

# --- two nodes on one database ---------------------------------------------------
# Node A is lighttpd, node B Apache, both at once.  Under GH_SERVER=apache
# the run with lighttpd has done it (the roles need no second run).
if [[ $GH_SERVER != lighttpd ]]; then
	ok "two nodes # SKIP lighttpd's run has Apache as node B"
	finish
fi
if ! pg_fresh; then
	not_ok "a throwaway PostgreSQL starts" "tests/pg.sh start failed"
	finish
fi
AUTH="Authorization: Bearer $GH_MOCK_TOKEN"
SECRET="pg-two-nodes-installer-secret-$RANDOM$RANDOM"
secret "$SECRET" "$GH_MOCK_TOKEN"

# No worker is ever started by the factory here: only the two below work.
# The deploy command of each node logs "start DOMAIN retry=R node=N" to
# node A's deploy.log; slow-* take 3.5 s on a first attempt, inside
# deploy_timeout_s (4), so that a worker killed then holds its lease for
# 4 + lease_s (5) s from the start of the deploy.
# shellcheck disable=SC2317 # run by start_server
deploy_script() {	# deploy_script DIR NODE LOG
	cat >"$1/deploy.sh" <<EOF
#!/bin/sh
cat >/dev/null
echo "start \$1 retry=\$GATEHOUSE_DEPLOY_RETRY node=$2" >>"$3"
case \$1/\$GATEHOUSE_DEPLOY_RETRY in
slow-*/0) sleep 3.5 ;;
*) sleep 0.2 ;;
esac
EOF
	chmod 755 "$1/deploy.sh"
}
# shellcheck disable=SC2317 # run by start_server
before_start() {
	sed -i -e 's|^worker_program =.*|worker_program =|' \
		-e "s|^deploy_command =.*|deploy_command = $1/deploy.sh|" \
		-e 's|^deploy_timeout_s =.*|deploy_timeout_s = 4|' \
		-e 's|^lease_s =.*|lease_s = 5|' \
		"$1/gatehouse.conf"
	deploy_script "$1" a "$1/deploy.log"
	: >"$1/deploy.log"
	chmod 666 "$1/deploy.log"
}
start_server lighttpd
trap pg_cleanup EXIT
A_PORT=$GH_PORT

# Node B: its own state directory, configuration and Apache, the same
# database and the same key file (here a copy; see doc/ on sharing it),
# the same programs and certificate.
NODE_B=$(mktemp -d "${TMPDIR:-/tmp}/gatehouse-node-b.XXXXXX")
mkdir -p "$NODE_B/log" "$NODE_B/run"
sed -e "s|^state_dir = .*|state_dir = $NODE_B|" \
	-e "s|^deploy_command =.*|deploy_command = $NODE_B/deploy.sh|" \
	"$GH_STATE/gatehouse.conf" >"$NODE_B/gatehouse.conf"
deploy_script "$NODE_B" b "$GH_STATE/deploy.log"
cp -p "$GH_STATE/secret.key" "$NODE_B/secret.key"
[[ -e $GH_STATE/icyfire.fernet ]] && cp -p "$GH_STATE/icyfire.fernet" "$NODE_B/"
cp -pR "$GH_STATE/libexec" "$GH_STATE/tls" "$GH_STATE/ca.pem" "$NODE_B/"
chmod 700 "$NODE_B"
gh_state_chown "$NODE_B"
check "node B's configuration names the same database" "$(grep '^database' "$NODE_B/gatehouse.conf")" \
	grep -qxF "database = $GH_DATABASE" "$NODE_B/gatehouse.conf"

# start_node_b: Apache on NODE_B and a free port (B_PORT), beside node A's
# lighttpd; its pid in B_PID (GH_SERVER_PID stays node A's).
B_PID=
B_PORT=
start_node_b() {
	local a_pid=$GH_SERVER_PID port err
	for _ in 1 2 3; do
		port=$(free_port) || break
		err=$(gh_server_config apache "$NODE_B" "$port" 2>&1) || break
		gh_server_start apache "$NODE_B" || break
		B_PID=$GH_SERVER_PID
		if gh_server_wait "$NODE_B" "$port" 10; then
			B_PORT=$port
			break
		fi
		stop_node_b
		grep -qsi 'address already in use' "$NODE_B"/log/*.log || break
	done
	GH_SERVER_PID=$a_pid
	[[ -n $B_PORT ]]
}
# shellcheck disable=SC2317 # run by pg_cleanup
stop_node_b() {
	local a_pid=$GH_SERVER_PID
	[[ -n $B_PID ]] || return 0
	GH_SERVER_PID=$B_PID
	gh_server_stop
	GH_SERVER_PID=$a_pid
	B_PID=
}
if start_node_b; then
	ok "node A (lighttpd) on port $A_PORT and node B (Apache) on port $B_PORT"
else
	not_ok "node B: Apache answers beside node A's lighttpd" "$err" \
		"$(gh_server_logs "$NODE_B")"
	finish
fi

# worker DIR NAME: a --loop worker on DIR's configuration, logging to
# $GH_STATE/log/NAME.log; its pid is in PIDS and in WORKER[NAME].
declare -A WORKER=()
worker() {
	gh_worker_as "$1" --loop 2>>"$GH_STATE/log/$2.log" &
	WORKER[$2]=$!
	PIDS+=($!)
}
gh_worker_as() {
	local dir=$1 user group
	shift
	# exec: the job's pid is the worker's (or runuser's, which passes
	# SIGTERM on), so that stop_worker reaches it.
	if [[ $EUID -eq 0 ]]; then
		read -r user group < <(gh_service_account)
		exec runuser -u "$user" -- "$dir/libexec/gatehouse-worker" \
			-c "$dir/gatehouse.conf" "$@"
	fi
	exec "$dir/libexec/gatehouse-worker" -c "$dir/gatehouse.conf" "$@"
}
stop_worker() {	# stop_worker NAME
	kill -TERM "${WORKER[$1]}" 2>/dev/null
	wait "${WORKER[$1]}" 2>/dev/null
}

rm -f "$GH_STATE/cb.port"
: >"$GH_STATE/cb.log"
python3 "$HERE/receiver.py" "$GH_STATE/cb.port" "$GH_STATE/cb.log" \
	>>"$GH_STATE/log/receivers.log" 2>&1 &
PIDS+=($!)
for ((i = 0; i < 50; i++)); do
	[[ -s $GH_STATE/cb.port ]] && break
	sleep 0.1
done
CB="http://127.0.0.1:$(cat "$GH_STATE/cb.port")/cb"

port_of() { case $1 in a) echo "$A_PORT" ;; b) echo "$B_PORT" ;; esac; }
body() { printf '{"domain":"%s","callback":"%s","installerSecret":"%s"}' "$1" "$CB" "$SECRET"; }
order() {	# order DOMAIN [NODE (a)]
	local GH_PORT
	GH_PORT=$(port_of "${2:-a}")
	req POST /v1/site -H "$AUTH" -H 'Content-Type: application/json' \
		--data-binary "$(body "$1")"
	[[ $RES_STATUS == 201 ]]
}
# shellcheck disable=SC2317 # run through check and wait_for
delivered() {	# delivered DOMAIN
	req GET "/v1/site/$1" -H "$AUTH" >/dev/null
	[[ $(jq -r .callbackState "$RES_BODY" 2>/dev/null) == delivered ]]
}
calls() { grep -c "/cb/site/$1?status=201" "$GH_STATE/cb.log"; }
deploys() { grep -c "^start $1 " "$GH_STATE/deploy.log"; }
fsql() { db_sql factory "$1" 2>&1; }

# b_delivers DOMAIN SECONDS WHY: DOMAIN ordered on node A, whose worker is
# not running, is called back by node B's within SECONDS.
b_delivers() {
	local desc="node B's worker delivers $1, ordered on node A, within $2 s ($3)"
	if order "$1"; then
		ok "an order for $1 on node A → 201"
	else
		not_ok "an order for $1 on node A → 201" "$(body_excerpt)"
	fi
	if wait_for "$2" delivered "$1"; then
		ok "$desc"
	else
		not_ok "$desc" "$(gatectl factory order "$1" 2>&1)" \
			"$(tail -5 "$GH_STATE/log/worker-b.log")"
	fi
}

# Node B's worker alone: an order placed on A reaches it through NOTIFY.
worker "$NODE_B" worker-b
sleep 1
b_delivers x.gent 5 "woken by NOTIFY"

# --- clients on both nodes, and kill -9 of a worker mid-order --------------------
# A bounded load: N orders, l1.gent … lN.gent, by a client that
# alternates between node A and node B (odd on A, even on B), one at a
# time with a pause, so that it still runs when the worker is killed.
# Its lines: "DOMAIN NODE STATUS" in load.log.
worker "$GH_STATE" worker-a
sleep 1
N=40
load() {
	local i node code
	for ((i = 1; i <= N; i++)); do
		node=$( ((i % 2)) && echo a || echo b)
		code=$(curl -sS --max-time 20 --cacert "$GH_STATE/ca.pem" \
			--resolve "factory.localhost:$(port_of "$node"):127.0.0.1" \
			-o /dev/null -w '%{http_code}' -X POST \
			-H "$AUTH" -H 'Content-Type: application/json' \
			--data-binary "$(body "l$i.gent")" \
			"https://factory.localhost:$(port_of "$node")/v1/site" 2>&1)
		echo "l$i.gent $node $code" >>"$GH_STATE/load.log"
		sleep 0.1
	done
}
: >"$GH_STATE/load.log"
t0=$SECONDS
load &
LOAD=$!
PIDS+=($!)
# Once the load is under way, slow-k.gent on node B: a worker claims it
# and starts its 3.5 s deploy; the worker holding it is killed then.
# shellcheck disable=SC2317 # run through wait_for
loaded() { (($(wc -l <"$GH_STATE/load.log") >= $1)); }
wait_for 10 loaded 10
if order slow-k.gent b; then
	ok "an order for slow-k.gent on node B under load → 201"
else
	not_ok "an order for slow-k.gent on node B under load → 201" "$(body_excerpt)"
fi
victim=
if wait_for 10 grep -q '^start slow-k.gent retry=0' "$GH_STATE/deploy.log"; then
	claim=$(fsql "SELECT state, lease_owner, lease_until FROM site_order WHERE domain = 'slow-k.gent'")
	IFS='|' read -r state owner lease_until <<<"$claim"
	pid=$(cut -d: -f2 <<<"$owner")
	# Which node's worker that is: its command line names its configuration.
	for name in worker-a worker-b; do
		dir=$GH_STATE
		[[ $name == worker-b ]] && dir=$NODE_B
		tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null |
			grep -qF -- "-c $dir/gatehouse.conf --loop" && victim=$name
	done
	check "slow-k.gent is claimed mid-deploy by a worker of ours (row: $claim)" \
		"$(ps -o pid,args -p "$pid" 2>&1)" \
		test -n "$victim" -a "$state" = deploying
fi
if [[ -n $victim ]]; then
	kill -KILL "$pid"
	kill_at=$(date +%s)
	done_then=$(wc -l <"$GH_STATE/load.log")
	wait "${WORKER[$victim]}" 2>/dev/null
	other=worker-a
	[[ $victim == worker-a ]] && other=worker-b
	check "kill -9 of $victim (pid $pid) during slow-k.gent's deploy, with $done_then of $N orders of the load placed" \
		"the load was over" test "$done_then" -lt "$N"
	wait "$LOAD"
	load_s=$((SECONDS - t0))
	placed=$(grep -c ' 201$' "$GH_STATE/load.log")
	check "the load placed $placed orders in $load_s s, $(grep -c ' a 201$' "$GH_STATE/load.log") on A, $(grep -c ' b 201$' "$GH_STATE/load.log") on B" \
		"$(grep -v ' 201$' "$GH_STATE/load.log")" test "$placed" = "$N"
	check "$other finishes slow-k.gent once the lease runs out" \
		"$(gatectl factory order slow-k.gent 2>&1)" wait_for 30 delivered slow-k.gent
	# Not before: the retry started when the lease had run out.
	retry_at=$(fsql "SELECT max(s.started) FROM order_step s JOIN site_order o ON o.id = s.order_id WHERE o.domain = 'slow-k.gent' AND s.step = 'deploy'")
	[[ $retry_at =~ ^[0-9]+$ ]] || retry_at=0
	check "its retry started $((retry_at - lease_until)) s after the lease's end, $((retry_at - kill_at)) s after the kill" \
		"retry at $retry_at, lease until $lease_until" test "$retry_at" -ge "$lease_until"
	check "slow-k.gent was deployed again, once, as a retry, by $other" \
		"$(grep '^start slow-k.gent ' "$GH_STATE/deploy.log")" \
		test "$(grep -c "^start slow-k.gent retry=1 node=${other#worker-}\$" "$GH_STATE/deploy.log")/$(deploys slow-k.gent)" = 1/2
else
	not_ok "a worker holds slow-k.gent mid-deploy" \
		"$(gatectl factory order slow-k.gent 2>&1)" "$(grep slow-k "$GH_STATE/deploy.log")"
	wait "$LOAD"
fi

# shellcheck disable=SC2317 # run through wait_for
all_delivered() {
	local n
	n=$(fsql "SELECT count(*) FROM site_order WHERE domain LIKE 'l%.gent' AND callback_state = 'delivered'")
	[[ $n == "$N" ]]
}
check "every order of the load is created and called back" \
	"$(fsql "SELECT domain, state, callback_state FROM site_order WHERE domain LIKE 'l%.gent' AND callback_state <> 'delivered'")" \
	wait_for 40 all_delivered
sleep 2	# nothing more may come
twice=
for d in $(seq -f 'l%g.gent' 1 "$N") slow-k.gent; do
	[[ $(calls "$d") == 1 ]] || twice+="$d: $(calls "$d") callbacks"$'\n'
	[[ $d == slow-k.gent || $(deploys "$d") == 1 ]] ||
		twice+="$d: $(deploys "$d") deploys"$'\n'
done
check "each order was deployed once and called back once (slow-k.gent: deployed twice, the second a retry)" \
	"$twice" test -z "$twice"
# The rows: each order registered once and deployed once (ok), one
# callback attempt, answered 200.
rows=$(fsql "SELECT o.domain, o.state,
	(SELECT count(*) FROM order_step s WHERE s.order_id = o.id AND s.step = 'register' AND s.result = 'ok'),
	(SELECT count(*) FROM order_step s WHERE s.order_id = o.id AND s.step = 'deploy' AND s.result = 'ok'),
	(SELECT count(*) FROM callback_attempt c WHERE c.order_id = o.id),
	(SELECT count(*) FROM callback_attempt c WHERE c.order_id = o.id AND c.http_status = 200)
	FROM site_order o WHERE o.domain LIKE 'l%.gent' OR o.domain = 'slow-k.gent'")
bad=$(grep -v '|created|1|1|1|1$' <<<"$rows")
check "$(wc -l <<<"$rows") rows: created, one register and one deploy ok, one callback (200) each" \
	"$bad" test "$(wc -l <<<"$rows")" = $((N + 1)) -a -z "$bad"
check "x.gent too" "$(deploys x.gent) deploys, $(calls x.gent) callbacks" \
	test "$(deploys x.gent)/$(calls x.gent)" = 1/1
# Both nodes' workers took a share.
a=$(grep -c ' node=a$' "$GH_STATE/deploy.log")
b=$(grep -c ' node=b$' "$GH_STATE/deploy.log")
check "both workers deployed: A $a, B $b" "A $a, B $b" test "$a" -gt 0 -a "$b" -gt 0
failed_passes=$(grep -h 'pass failed' "$GH_STATE/log/worker-a.log" "$GH_STATE/log/worker-b.log")
check "no worker logged a failed pass" "$failed_passes" test -z "$failed_passes"

# PostgreSQL restarts under the idle workers: each reconnects and LISTENs
# again, and the next order placed on A is delivered by B alone.
[[ $victim == worker-b ]] && worker "$NODE_B" worker-b
stop_worker worker-a
if sh "$GH_ROOT/tests/pg.sh" restart "$PGDIR" >/dev/null; then
	ok "PostgreSQL restarts under the workers"
else
	not_ok "PostgreSQL restarts under the workers" "pg_ctl failed"
fi
sleep 1
b_delivers y.gent 15 "reconnected, listening again"
check "y.gent was deployed once and called back once" \
	"$(deploys y.gent) deploys, $(calls y.gent) callbacks" \
	test "$(deploys y.gent)/$(calls y.gent)" = 1/1
check "node B's worker is still running" "it exited" kill -0 "${WORKER[worker-b]}"
stop_worker worker-b

# Node B's logs (Apache's, the programs' lines among them) hold no secret
# either; node A's are searched by finish.
stop_node_b
if hits=$(grep -rlaF -e "$SECRET" -e "$GH_MOCK_TOKEN" \
	-e "$(head -n 1 "$NODE_B/secret.key")" "$NODE_B/log"); then
	not_ok "no secret in the clear in node B's logs" "found in: $hits"
else
	ok "no secret in the clear in node B's $(find "$NODE_B/log" -type f | wc -l) logs"
fi

finish
