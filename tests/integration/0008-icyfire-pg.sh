#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# icyfire on a throwaway PostgreSQL (tests/pg.sh) through a real web
# server, and what a database restart and outage cost: a restart between
# requests is invisible (the processes reconnect and prepare again), while
# the database is down every request is a 503 with Retry-After (never a
# 500 or a hang), and afterwards the same processes serve again with every
# committed write in place.

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

# The cluster in PGDIR: stopped and removed with the server (EXIT trap).
pg_setup

GH_HOST=icyfire.localhost
start_server "$GH_SERVER"

check "gatectl icyfire tokens set" "gatectl exited non-zero" icyfire_tokens pg
R=$(cat "$GH_STATE/read.token")
C=$(cat "$GH_STATE/cred.token")
D=$(cat "$GH_STATE/delete.token")
S=$(cat "$GH_STATE/security.token")
secret "$R" "$C" "$D" "$S"
check "server add 1" "gatectl exited non-zero" gatectl icyfire server add 1
check "domain add" "gatectl exited non-zero" gatectl icyfire domain add example.gent
check "credential set twitter" "gatectl exited non-zero" gatectl icyfire credential set example.gent \
	twitter consumer_key=ck-1 consumer_secret=cs-1 access_key=ak-1 \
	access_secret=as-1
check "timeslot claim 314" "gatectl exited non-zero" gatectl icyfire timeslot claim 314 example.gent twitter
id1=$(gatectl icyfire post add example.gent twitter --type text --body first)
id2=$(gatectl icyfire post add example.gent twitter --type text --body second)
check "the SQLite files of icyfire are not made" "icyfire.db exists" \
	test ! -e "$GH_STATE/icyfire.db" -a ! -e "$GH_STATE/icyfire_log.db"

req GET "/api/_r/314/auth=$R&$C/1"
expect_status 200
expect_json .post.id "$id1"

# A restart between two requests: nobody notices.
check "PostgreSQL restarts" "pg_ctl failed" pg restart
req GET "/api/_r/314/auth=$R&$C/1"
expect_status 200
expect_json .post.id "$id1"
req GET "/api/_d/314/auth=$R&$D&1"
expect_status 204

# Down: 503 and Retry-After, at once.
check "PostgreSQL stops" "pg_ctl failed" pg halt
for _ in 1 2; do
	req GET "/api/_r/314/auth=$R&$C/1"
	expect_status 503
	expect_header Retry-After '^[0-9]+$'
done

# Up again: the same processes serve, the delete made before is kept.
check "PostgreSQL starts again" "pg_ctl failed" pg start
# A process whose connect failed less than 250 ms ago answers 503 (with
# Retry-After: 1) without trying again: as a client would, ask again.
for _ in 1 2 3 4 5 6 7 8 9 10; do
	req GET "/api/_r/314/auth=$R&$C/1"
	[[ $RES_STATUS == 503 ]] || break
	sleep 0.3
done
expect_status 200
expect_json .post.id "$id2"
# The delete's incident was still in its process's batch when PostgreSQL
# stopped: the batch is kept and written once it is back, within about
# a second (ICY_BATCH_MS after the failed try).
for _ in $(seq 1 30); do
	req GET "/api/_rs/auth=$R&$S/query=endpoint:api._d"
	[[ $RES_STATUS == 200 ]] && break
	sleep 0.1
done
expect_status 200
expect_json 'length' 1
# The programs' own request lines, "METHOD PATH STATUS TIMEus", are in
# gatehouse.log (lighttpd) or apache-error.log.
answered500() {
	cat "$GH_STATE/log/gatehouse.log" "$GH_STATE/log/apache-error.log" \
		2>/dev/null | grep -E ' 500 [0-9]+us'
}
if answered500 >/dev/null; then
	not_ok "no request answered 500" "$(answered500 | head -3)"
else
	ok "no request answered 500"
fi

finish
