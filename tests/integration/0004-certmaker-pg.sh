#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# certmaker on a throwaway PostgreSQL (tests/pg.sh).  First 0004-certmaker.sh
# again, its lines tagged +pg: users, the root, certificates, OCSP, the CRL
# and challenges through the same requests on the other backend.  Then, as
# 0008-icyfire-pg does for icyfire, what a database restart and outage
# cost: nothing for a restart between requests, a 503 with Retry-After
# (never a 500 or a hang) while it is down, and the same processes serving
# again once it is back, with what was issued before kept.

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

pg_throwaway || finish
trap pg_throwaway_stop EXIT
pg_run 0004-certmaker.sh certmaker "SELECT count(*) FROM cert"

# A server of our own, on a fresh schema: the root of the first run is
# sealed with its state directory's key.
GH_TAG=${GH_TAG:-}+pg
check "the schema of the first run is dropped" "psql failed" \
	env PGOPTIONS='-c client_min_messages=warning' psql -X -q \
	-d "$GH_DATABASE" -c "DROP SCHEMA certmaker CASCADE"
GH_HOST=certmaker.localhost
start_server "$GH_SERVER"
# shellcheck disable=SC2317 # run by the EXIT trap
pg_cleanup() {
	cleanup
	pg_throwaway_stop
}
trap pg_cleanup EXIT
# shellcheck disable=SC2317 # run through check
pg() {
	sh "$GH_ROOT/tests/pg.sh" "$1" "$PGDIR" >/dev/null
}

# path_of URL: the path of a full location URL.
path_of() {
	local u=${1#https://}
	printf '/%s\n' "${u#*/}"
}

TOK=$(gatectl certmaker user add pg-outage 2>/dev/null)
secret "$TOK"
t=(-H "X-Auth-Token: $TOK")
json=(-H 'Content-Type: application/json')
check "the SQLite file of certmaker is not made" "certmaker.db exists" \
	test ! -e "$GH_STATE/certmaker.db"
req POST /api/v1/certificate/request "${t[@]}" "${json[@]}" \
	--data-binary '{"domains":["before.pg.test"]}'
expect_status 200
before=$(res_header X-Certificate-Location)

# A restart between two requests: nobody notices.
check "PostgreSQL restarts" "pg_ctl failed" pg restart
req GET "$(path_of "$before")" "${t[@]}"
expect_status 200
req POST /api/v1/certificate/request "${t[@]}" "${json[@]}" \
	--data-binary '{"domains":["after.pg.test"]}'
expect_status 200

# Down: 503 and Retry-After, at once, for a read and for a write.
check "PostgreSQL stops" "pg_ctl failed" pg halt
req GET "$(path_of "$before")" "${t[@]}"
expect_status 503
expect_header Retry-After '^[0-9]+$'
req POST /api/v1/certificate/request "${t[@]}" "${json[@]}" \
	--data-binary '{"domains":["down.pg.test"]}'
expect_status 503
expect_header Retry-After '^[0-9]+$'
req GET /api/v1/crl
expect_status 503

# Up again: the same processes serve, and what was issued is kept.
check "PostgreSQL starts again" "pg_ctl failed" pg start
req GET "$(path_of "$before")" "${t[@]}"
expect_status 200
req GET /api/v1/crl
expect_status 200
n=$(db_sql certmaker "SELECT count(*) FROM cert WHERE user_id = (SELECT id FROM \"user\" WHERE name = 'pg-outage')")
check "two certificates issued, none while down" "$n rows" test "$n" = 2
if grep -qE ' 500 [0-9]+us' "$GH_STATE/log/gatehouse.log" \
	"$GH_STATE/log/apache-error.log" 2>/dev/null; then
	not_ok "no request answered 500" "$(grep -hE ' 500 [0-9]+us' \
		"$GH_STATE"/log/*.log | head -3)"
else
	ok "no request answered 500"
fi

finish
