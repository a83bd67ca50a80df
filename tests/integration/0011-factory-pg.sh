#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# The factory on a throwaway PostgreSQL (tests/pg.sh).  First
# 0001-factory.sh and 0002-factory-worker.sh run as they are with
# GH_DATABASE pointing at it (their lines tagged "+pg"; a fresh cluster
# for each, as each makes a state directory with a key of its own).  Then
# two nodes on one database: two state directories sharing the key file,
# each with its own worker in --loop.  An order placed on node A while
# A's worker is stopped is delivered by B's, woken by NOTIFY (no spawn, no
# cron); then both race over a burst of orders, and each is deployed and
# called back exactly once; after a restart of PostgreSQL, B's worker has
# reconnected and listens again.
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
if ! pg_fresh; then
	not_ok "a throwaway PostgreSQL starts" "tests/pg.sh start failed"
	finish
fi
AUTH="Authorization: Bearer $GH_MOCK_TOKEN"
SECRET="pg-two-nodes-installer-secret-$RANDOM$RANDOM"
secret "$SECRET" "$GH_MOCK_TOKEN"

# No worker is ever started by the factory here: only the two below work.
# shellcheck disable=SC2317 # run by start_server
before_start() {
	sed -i -e 's|^worker_program =.*|worker_program =|' \
		-e "s|^deploy_command =.*|deploy_command = $1/deploy.sh|" \
		"$1/gatehouse.conf"
	cat >"$1/deploy.sh" <<'EOF'
#!/bin/sh
cat >/dev/null
echo "start $1" >>"$(dirname "$0")/deploy.log"
sleep 0.2
EOF
	chmod 755 "$1/deploy.sh"
	: >"$1/deploy.log"
	chmod 666 "$1/deploy.log"
}
start_server "$GH_SERVER"
trap pg_cleanup EXIT

# Node B: its own state directory and configuration, the same database
# and the same key file (here a copy; see doc/ on sharing it).
NODE_B=$(mktemp -d "${TMPDIR:-/tmp}/gatehouse-node-b.XXXXXX")
mkdir -p "$NODE_B/log" "$NODE_B/run"
sed "s|^state_dir = .*|state_dir = $NODE_B|" "$GH_STATE/gatehouse.conf" \
	>"$NODE_B/gatehouse.conf"
cp -p "$GH_STATE/secret.key" "$NODE_B/secret.key"
chmod 700 "$NODE_B"
gh_state_chown "$NODE_B"
check "node B's configuration names the same database" "$(grep '^database' "$NODE_B/gatehouse.conf")" \
	grep -qxF "database = $GH_DATABASE" "$NODE_B/gatehouse.conf"

# worker DIR NAME: a --loop worker on DIR's configuration, logging to
# $GH_STATE/log/NAME.log; its pid is in PIDS and in WORKER[NAME].
declare -A WORKER=()
worker() {
	gh_worker_as "$1" --loop 2>>"$GH_STATE/log/$2.log" &
	WORKER[$2]=$!
	PIDS+=($!)
}
# The worker binary of node A serves node B too (one build).
gh_worker_as() {
	local dir=$1 user group
	shift
	# exec: the job's pid is the worker's (or runuser's, which passes
	# SIGTERM on), so that stop_worker reaches it.
	if [[ $EUID -eq 0 ]]; then
		read -r user group < <(gh_service_account)
		exec runuser -u "$user" -- "$GH_STATE/libexec/gatehouse-worker" \
			-c "$dir/gatehouse.conf" "$@"
	fi
	exec "$GH_STATE/libexec/gatehouse-worker" -c "$dir/gatehouse.conf" "$@"
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

order() {	# order DOMAIN
	req POST /v1/site -H "$AUTH" -H 'Content-Type: application/json' \
		--data-binary "{\"domain\":\"$1\",\"callback\":\"$CB\",\"installerSecret\":\"$SECRET\"}"
	[[ $RES_STATUS == 201 ]]
}
# shellcheck disable=SC2317 # run through check and wait_for
delivered() {	# delivered DOMAIN
	req GET "/v1/site/$1" -H "$AUTH" >/dev/null
	[[ $(jq -r .callbackState "$RES_BODY" 2>/dev/null) == delivered ]]
}
calls() { grep -c "/cb/site/$1?status=201" "$GH_STATE/cb.log"; }
deploys() { grep -c "^start $1\$" "$GH_STATE/deploy.log"; }

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

# Both workers race over a burst of orders.
worker "$GH_STATE" worker-a
sleep 1
N=24
placed=0
for ((i = 1; i <= N; i++)); do
	order "r$i.gent" && placed=$((placed + 1))
done
check "$N orders placed on node A" "$placed placed" test "$placed" = "$N"
# shellcheck disable=SC2317 # run through wait_for
all_delivered() {
	local i
	for ((i = 1; i <= N; i++)); do
		delivered "r$i.gent" || return 1
	done
}
check "every order is created and called back" "$(gatectl factory orders 2>&1)" \
	wait_for 60 all_delivered
sleep 2	# nothing more may come
twice=
for ((i = 1; i <= N; i++)); do
	[[ $(deploys "r$i.gent") == 1 && $(calls "r$i.gent") == 1 ]] ||
		twice+="r$i.gent: $(deploys "r$i.gent") deploys, $(calls "r$i.gent") callbacks"$'\n'
done
check "each order was deployed once and called back once" "$twice" test -z "$twice"
check "x.gent too" "$(deploys x.gent) deploys, $(calls x.gent) callbacks" \
	test "$(deploys x.gent)/$(calls x.gent)" = 1/1
# Both nodes took a share (the summary lines of each).
advanced() { grep -oE '[0-9]+ orders? advanced' "$GH_STATE/log/$1.log" | awk '{ n += $1 } END { print n + 0 }'; }
a=$(advanced worker-a)
b=$(advanced worker-b)
ok "node A's worker advanced $a orders, node B's $b"
check "both workers worked on the burst" "A $a, B $b" test "$a" -gt 0 -a "$b" -gt 1
failed_passes=$(grep -h 'pass failed' "$GH_STATE/log/worker-a.log" "$GH_STATE/log/worker-b.log")
check "no worker logged a failed pass" "$failed_passes" test -z "$failed_passes"

# PostgreSQL restarts under the idle workers: each reconnects and LISTENs
# again, and the next order placed on A is delivered by B alone.
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

finish
