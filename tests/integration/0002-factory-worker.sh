#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# The factory's worker end to end: an order is registered, deployed and
# called back on a receiver on loopback, promptly and signed; failing,
# gone and down receivers; a deploy that always fails; kill -9 during a
# deploy and during a callback; two workers at once; callbacks to addresses
# the policy denies; and the installerSecret in no argv, environment or log.
#
# The state directory's configuration has a short schedule (callback
# retries after 1, 2, 3 s; two provisioning attempts 1 s apart): see
# gh_state_config in httpd-conf/server.sh.

. "$(dirname "$0")/lib.sh"

start_server "$GH_SERVER"

HERE=$(cd "$(dirname "$0")" && pwd)
AUTH="Authorization: Bearer $GH_MOCK_TOKEN"
SECRET="worker-it-installer-secret-$RANDOM$RANDOM"
secret "$SECRET" "$GH_MOCK_TOKEN"
RECEIVERS=()

stop_all() {
	local pid
	for pid in "${RECEIVERS[@]}"; do
		kill "$pid" 2>/dev/null
	done
	pkill -KILL -f "$GH_STATE/libexec/gatehouse-worker" 2>/dev/null
	pkill -KILL -f "$GH_STATE/deploy.sh" 2>/dev/null
	cleanup
}
trap stop_all EXIT

# The deploy command: records its argv, environment and a hash of its
# stdin; fails for fail-*, takes 4 s for slow-*, 1 s for two-*.
cat >"$GH_STATE/deploy.sh" <<'EOF'
#!/bin/sh
log=$(dirname "$0")/deploy.log
sum=$(sha256sum | cut -c1-64)
echo "start $1 retry=$GATEHOUSE_DEPLOY_RETRY argv=$* stdin=$sum" >>"$log"
env >>"$(dirname "$0")/deploy.env"
case $1 in
fail-*) exit 1 ;;
slow-*) sleep 4 ;;
two-*) sleep 1 ;;
esac
echo "done $1" >>"$log"
EOF
chmod 755 "$GH_STATE/deploy.sh"
: >"$GH_STATE/deploy.log"
: >"$GH_STATE/deploy.env"
chmod 666 "$GH_STATE/deploy.log" "$GH_STATE/deploy.env"
sed -i "s|^deploy_command =.*|deploy_command = $GH_STATE/deploy.sh|" \
	"$GH_STATE/gatehouse.conf"

# receiver NAME [ARGS…]: start a receiver; its port is in $GH_STATE/NAME.port
# and its requests in $GH_STATE/NAME.log.
receiver() {
	local name=$1 i
	shift
	rm -f "$GH_STATE/$name.port"
	: >"$GH_STATE/$name.log"
	python3 "$HERE/receiver.py" "$GH_STATE/$name.port" "$GH_STATE/$name.log" \
		"$@" >>"$GH_STATE/log/receivers.log" 2>&1 &
	RECEIVERS+=($!)
	for ((i = 0; i < 50; i++)); do
		[[ -s $GH_STATE/$name.port ]] && return 0
		sleep 0.1
	done
	not_ok "receiver $name starts"
	return 1
}
port_of() { cat "$GH_STATE/$1.port"; }
hits() { wc -l <"$GH_STATE/$1.log"; }

# order DOMAIN CALLBACK: POST /v1/site; records the time of the 201.
order() {
	req POST /v1/site -H "$AUTH" -H 'Content-Type: application/json' \
		--data-binary "{\"domain\":\"$1\",\"callback\":\"$2\",\"installerSecret\":\"$SECRET\"}"
	ORDERED_AT=$(date +%s.%N)
	expect_status 201
}

site_is() {	# site_is DOMAIN FIELD VALUE
	req GET "/v1/site/$1" -H "$AUTH" >/dev/null
	[[ $(jq -r ".$2" "$RES_BODY" 2>/dev/null) == "$3" ]]
}
has_hits() { (($(hits "$1") >= $2)); }
# One pass of the worker, as cron runs it.
cron_worker() { gh_worker "$GH_STATE" -q 2>>"$GH_STATE/log/worker-cron.log"; }
# Run cron-style passes until the order's field has the value.
cron_until() {	# cron_until SECONDS DOMAIN FIELD VALUE
	local limit=$1 i
	for ((i = 0; i < limit; i++)); do
		site_is "$2" "$3" "$4" && return 0
		cron_worker
		sleep 1
	done
	site_is "$2" "$3" "$4"
}
order_report() { gatectl factory order "$1" 2>&1; }
steps_ok() {	# steps_ok DOMAIN STEP: how many rows of STEP ended ok
	order_report "$1" | grep -cE "^  $2 +[0-9]+ .* ok( |$)"
}

# --- a callback, promptly, with the right request and a valid signature -------
receiver ok
order a.gent "http://127.0.0.1:$(port_of ok)/cb"
if wait_for 10 has_hits ok 1; then
	ms=$(python3 -c "import json,sys; t=json.loads(open(sys.argv[1]).readline())['time']; print(int((t - float(sys.argv[2])) * 1000))" \
		"$GH_STATE/ok.log" "$ORDERED_AT")
	ok "the callback arrives ${ms} ms after the 201 (no cron tick)"
	check "it arrives within 2 s" "${ms} ms" test "$ms" -lt 2000
	line=$(head -n 1 "$GH_STATE/ok.log")
	check "PATCH <callback>/site/a.gent?status=201" "$line" \
		test "$(jq -r '.method + " " + .path' <<<"$line")" = \
		"PATCH /cb/site/a.gent?status=201"
	check "the callback carries the client's Bearer secret" "$line" \
		test "$(jq -r '.headers.authorization' <<<"$line")" = "Bearer $GH_MOCK_TOKEN"
	check "the webhook signature verifies" "$line" python3 -c '
import base64, hashlib, hmac, json, sys
r = json.loads(sys.argv[1]); h = r["headers"]
msg = "%s.%s.%s" % (h["webhook-id"], h["webhook-timestamp"], r["body"])
mac = base64.b64encode(hmac.new(sys.argv[2].encode(), msg.encode(), hashlib.sha256).digest()).decode()
sys.exit(0 if "v1," + mac in h["webhook-signature"].split() else 1)' "$line" "$GH_MOCK_TOKEN"
else
	not_ok "the callback arrives within 10 s" "$(order_report a.gent)"
fi
check "a.gent ends created and delivered" "$(order_report a.gent)" \
	wait_for 5 site_is a.gent callbackState delivered
check "GET /v1/site/a.gent says created" "$(body_excerpt)" site_is a.gent state created
check "the deploy command ran once for a.gent" "$(cat "$GH_STATE/deploy.log")" \
	test "$(grep -c '^start a.gent ' "$GH_STATE/deploy.log")" = 1

# --- the installerSecret: on the deploy's stdin only -------------------------
want=$(printf '%s' "$SECRET" | sha256sum | cut -c1-64)
check "the deploy command got the installerSecret on stdin" \
	"$(cat "$GH_STATE/deploy.log")" grep -q "^start a.gent .*stdin=$want" "$GH_STATE/deploy.log"
check "…and not in its argv" "$(cat "$GH_STATE/deploy.log")" \
	bash -c '! grep -qF -- "$1" "$2"' _ "$SECRET" "$GH_STATE/deploy.log"
check "…nor in its environment" "(deploy.env)" \
	bash -c '! grep -qF -- "$1" "$2"' _ "$SECRET" "$GH_STATE/deploy.env"

# --- a receiver that fails twice, then answers 200 ----------------------------
receiver flaky --fail 2
order b.gent "http://127.0.0.1:$(port_of flaky)/cb"
if wait_for 15 site_is b.gent callbackState delivered; then
	sleep 2	# nothing more may come
	check "three attempts, exactly one successful" "$(cat "$GH_STATE/flaky.log")" \
		test "$(hits flaky)/$(grep -c '"answered": 200' "$GH_STATE/flaky.log")" = 3/1
	check "every attempt is recorded" "$(order_report b.gent)" \
		test "$(order_report b.gent | grep -cE '^ +[0-9]+ +[0-9]{4}-')" -ge 3
	check "retries keep the webhook-id" "$(cat "$GH_STATE/flaky.log")" \
		test "$(jq -r '.headers["webhook-id"]' "$GH_STATE/flaky.log" | sort -u | wc -l)" = 1
else
	not_ok "b.gent's callback is delivered after two failures" "$(order_report b.gent)"
fi

# --- 410 stops ------------------------------------------------------------------
receiver gone --status 410
order c.gent "http://127.0.0.1:$(port_of gone)/cb"
if wait_for 10 site_is c.gent callbackState gone; then
	sleep 3
	check "410 is not retried" "$(cat "$GH_STATE/gone.log")" test "$(hits gone)" = 1
else
	not_ok "c.gent's callback ends gone after a 410" "$(order_report c.gent)"
fi

# --- a receiver that is down, then comes up -------------------------------------
port=$(free_port)
order d.gent "http://127.0.0.1:$port/cb"
sleep 1.5
receiver late --port "$port"
check "d.gent's callback is delivered once the receiver is up" "$(order_report d.gent)" \
	wait_for 15 site_is d.gent callbackState delivered
check "the refused attempt was recorded" "$(order_report d.gent)" \
	test "$(order_report d.gent | grep -cE '^ +[0-9]+ +[0-9]{4}-')" -ge 2

# --- a deploy that always fails: callback status=500 ----------------------------
order fail-e.gent "http://127.0.0.1:$(port_of ok)/cb"
check "fail-e.gent ends failed" "$(order_report fail-e.gent)" \
	wait_for 15 site_is fail-e.gent state failed
check "its callback says status=500" "$(cat "$GH_STATE/ok.log")" \
	wait_for 5 grep -q '"path": "/cb/site/fail-e.gent?status=500"' "$GH_STATE/ok.log"

# --- kill -9 during a deploy ----------------------------------------------------
order slow-f.gent "http://127.0.0.1:$(port_of ok)/cb"
if wait_for 10 grep -q '^start slow-f.gent ' "$GH_STATE/deploy.log"; then
	check "the secret is in no process's argv during a deploy" "(ps)" \
		bash -c '! ps -eo args | grep -v grep | grep -qF -- "$1"' _ "$SECRET"
	pkill -KILL -f "$GH_STATE/libexec/gatehouse-worker"
	ok "kill -9 of the worker during slow-f.gent's deploy"
	check "a cron-style worker finishes slow-f.gent" "$(order_report slow-f.gent)" \
		cron_until 20 slow-f.gent callbackState delivered
	check "slow-f.gent was registered once" "$(order_report slow-f.gent)" \
		test "$(steps_ok slow-f.gent register)" = 1
	check "its deploy was repeated as a retry" "$(cat "$GH_STATE/deploy.log")" \
		grep -q '^start slow-f.gent retry=1' "$GH_STATE/deploy.log"
	check "and ended ok once" "$(order_report slow-f.gent)" \
		test "$(steps_ok slow-f.gent deploy)" = 1
else
	not_ok "slow-f.gent's deploy starts" "$(order_report slow-f.gent)"
fi

# --- kill -9 during a callback --------------------------------------------------
receiver slowcb --delay-first 4
order g.gent "http://127.0.0.1:$(port_of slowcb)/cb"
if wait_for 10 has_hits slowcb 1; then
	pkill -KILL -f "$GH_STATE/libexec/gatehouse-worker"
	ok "kill -9 of the worker during g.gent's callback"
	check "a cron-style worker delivers g.gent's callback" "$(order_report g.gent)" \
		cron_until 20 g.gent callbackState delivered
	check "the repeated delivery keeps its webhook-id" "$(cat "$GH_STATE/slowcb.log")" \
		test "$(jq -r '.headers["webhook-id"]' "$GH_STATE/slowcb.log" | sort -u | wc -l)" = 1
	check "g.gent was deployed once" "$(cat "$GH_STATE/deploy.log")" \
		test "$(grep -c '^start g.gent ' "$GH_STATE/deploy.log")" = 1
else
	not_ok "g.gent's callback starts" "$(order_report g.gent)"
fi

# --- two workers at once never deploy the same order twice -----------------------
order two-h.gent "http://127.0.0.1:$(port_of ok)/cb"
cron_worker & w1=$!
cron_worker & w2=$!
wait "$w1" "$w2"
check "two-h.gent is created" "$(order_report two-h.gent)" \
	cron_until 15 two-h.gent state created
check "two-h.gent was deployed exactly once" "$(cat "$GH_STATE/deploy.log")" \
	test "$(grep -c '^start two-h.gent ' "$GH_STATE/deploy.log")" = 1

# --- the address policy: callbacks to loopback only when allowed -----------------
# The generated configuration allows 127.0.0.0/8 and ::1.  First the
# default (loopback denied): a name that resolves to loopback is refused on
# the address connected to.
# A worker reads the file when it starts, and the one the factory started
# lingers for 30 s: it is asked to stop (SIGTERM: after its step), so that
# the next order's wake-up starts one that reads the new value.
conf_allow() {	# conf_allow VALUE: set [factory] callback_allow
	local pids i
	sed -i "s|^callback_allow =.*|callback_allow = $1|" "$GH_STATE/gatehouse.conf"
	pids=$(pgrep -f "$GH_STATE/libexec/gatehouse-worker") || return 0
	# shellcheck disable=SC2086
	kill -TERM $pids 2>/dev/null
	for ((i = 0; i < 100; i++)); do
		pgrep -f "$GH_STATE/libexec/gatehouse-worker" >/dev/null || return 0
		sleep 0.1
	done
	not_ok "the workers stop on SIGTERM within 10 s"
}
refused() {	# refused DOMAIN: an attempt was recorded as not allowed
	order_report "$1" | grep -q 'is not allowed'
}
before=$(hits ok)
conf_allow ""
order p1.gent "http://localhost:$(port_of ok)/cb"
check "a callback to localhost is refused by default (loopback is denied)" \
	"$(order_report p1.gent)" wait_for 10 refused p1.gent
check "…with the address in the attempt's error" "$(order_report p1.gent)" \
	bash -c 'grep -qE "address (127\.0\.0\.1|::1) is not allowed" <<<"$1"' _ \
	"$(order_report p1.gent)"
check "…and the receiver saw no request" "$(hits ok) hits, $before before" \
	test "$(hits ok)" = "$before"
check "p1.gent's callback is not delivered" "$(order_report p1.gent)" \
	bash -c '! grep -q delivered <<<"$1"' _ "$(order_report p1.gent)"
# Only 127.0.0.1/32 allowed: 127.0.0.2 is still in the denied 127.0.0.0/8.
conf_allow "127.0.0.1/32"
order p2.gent "http://127.0.0.2:$(port_of ok)/cb"
check "a callback to 127.0.0.2 with only 127.0.0.1/32 allowed is refused" \
	"$(order_report p2.gent)" wait_for 10 refused p2.gent
check "…naming 127.0.0.2" "$(order_report p2.gent)" \
	bash -c 'grep -qF "address 127.0.0.2 is not allowed" <<<"$1"' _ \
	"$(order_report p2.gent)"
order p3.gent "http://127.0.0.1:$(port_of ok)/cb"
check "…while one to 127.0.0.1 is delivered" "$(order_report p3.gent)" \
	wait_for 10 site_is p3.gent callbackState delivered
conf_allow "127.0.0.0/8, ::1/128"

# --- no secret in any log or database -------------------------------------------
check "the installerSecret is in no log and no database" \
	"$(grep -rlF -- "$SECRET" "$GH_STATE" 2>/dev/null)" \
	bash -c '! grep -rqF -- "$1" "$2"/log "$2"/*.db* "$2"/deploy.log' _ "$SECRET" "$GH_STATE"

finish
