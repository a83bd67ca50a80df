#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# The icyfire worker API (shared spec icyfire-api.md and NOTES.md) through a
# real web server: every documented status and message of _r, _d and _rs,
# the FIFO queue, _d with post_id, HEAD deleting nothing, wrong tokens as
# flagged incidents, every _rs argument, and the tokens in no log or
# database afterwards.  GH_DATABASE=postgresql://... runs it on PostgreSQL.

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

GH_HOST=icyfire.localhost
start_server "$GH_SERVER"

# SQL on the incident log, wherever GH_DATABASE (server.sh) put it.
incident_sql() {
	case ${GH_DATABASE:-sqlite} in
	sqlite) sqlite3 "$GH_STATE/icyfire_log.db" "$1" ;;
	*) PGOPTIONS='-c search_path=icyfire_log' psql -X -q -At \
		-d "$GH_DATABASE" -c "$1" ;;
	esac
}

# Incidents are written in batches, each at most ICY_BATCH_MS (500 ms)
# after its answer: incidents_reach N waits, a second at most, until the
# log holds N of them.
incident_count() {
	incident_sql 'SELECT count(*) FROM incident'
}
incidents_at_least() {
	(($(incident_count) >= $1))
}
incidents_reach() {
	wait_for 1 incidents_at_least "$1"
}

# The four tokens, from files, as an operator would set them.
check "gatectl icyfire tokens set" "gatectl exited non-zero" icyfire_tokens it
R=$(cat "$GH_STATE/read.token")
C=$(cat "$GH_STATE/cred.token")
D=$(cat "$GH_STATE/delete.token")
S=$(cat "$GH_STATE/security.token")
secret "$R" "$C" "$D" "$S"

# Server 1 (slots 1-10080), server 2; a domain with a twitter credential on
# slot 314 and an empty reddit queue on slot 315; slot 316 unclaimed.
check "server add 1" "gatectl exited non-zero" gatectl icyfire server add 1
check "server add 2" "gatectl exited non-zero" gatectl icyfire server add 2
check "domain add" "gatectl exited non-zero" gatectl icyfire domain add example.gent
check "credential set twitter" "gatectl exited non-zero" gatectl icyfire credential set example.gent \
	twitter consumer_key=ck-1 consumer_secret=cs-1 access_key=ak-1 \
	access_secret=as-1
check "credential set reddit" "gatectl exited non-zero" gatectl icyfire credential set example.gent \
	reddit client_id=ci client_secret=cs user_agent=ua username=un \
	password=pw target_subreddit=gatehouse
check "timeslot claim 314" "gatectl exited non-zero" gatectl icyfire timeslot claim 314 example.gent twitter
check "timeslot claim 315" "gatectl exited non-zero" gatectl icyfire timeslot claim 315 example.gent reddit
check "timeslot claim 10081" "gatectl exited non-zero" gatectl icyfire timeslot claim 10081 example.gent twitter
id1=$(gatectl icyfire post add example.gent twitter --type text --body first)
id2=$(gatectl icyfire post add example.gent twitter --type image \
	--body second --link https://example.gent/2 --media-url https://example.gent/2.png)
id3=$(gatectl icyfire post add example.gent twitter --type long --body third)

# --- _r ------------------------------------------------------------------------

req GET "/api/_r/314/auth=$R&$C/1"
expect_status 200
expect_header Content-Type '^application/json'
expect_header Cache-Control 'no-store'
expect_json .platform twitter
expect_json .post.id "$id1"
expect_json .post.body first
expect_json '.credentials | keys' '["access_key","access_secret","consumer_key","consumer_secret"]'
tok=$(jq -r .credentials.consumer_key <"$RES_BODY")
if [[ $(printf '%s\n' "$tok" | gatectl icyfire decrypt) == ck-1 ]]; then
	ok "credential is a Fernet token that gatectl decrypts"
else
	not_ok "credential is a Fernet token that gatectl decrypts" "token: $tok"
fi
# A stock Fernet library (python3-cryptography) with the key file.
got=$(/usr/bin/python3 -c 'import sys; from cryptography.fernet import Fernet
print(Fernet(open(sys.argv[1], "rb").read().strip()).decrypt(sys.argv[2].encode()).decode())' \
	"$GH_STATE/icyfire.fernet" "$tok" 2>&1)
if [[ $got == ck-1 ]]; then
	ok "python3-cryptography decrypts the credential"
else
	not_ok "python3-cryptography decrypts the credential" "$got"
fi

# The other separator form.
req GET "/api/_r/314/auth=$R&$C&1"
expect_status 200
expect_json .post.id "$id1"

req GET "/api/_r/99999/auth=$R&$C&1"
expect_status 400
expect_json .error_details "ERROR: Malformed request; timeslot not found"
expect_json .status 400

# A slot of server 2 asked for by server 1.
req GET "/api/_r/10081/auth=$R&$C&1"
expect_status 400
expect_json .error_details "ERROR: Malformed request; timeslot not found"
req GET "/api/_r/10081/auth=$R&$C&2"
expect_status 200

req GET "/api/_r/abc/auth=$R&$C&1"
expect_status 400
expect_json .error_details "ERROR: Malformed request; timeslot not found"

req GET "/api/_r/315/auth=$R&$C&1"
expect_status 404
expect_json .error_details "ERROR: Queue is empty"

req GET "/api/_r/316/auth=$R&$C&1"
expect_status 218
expect_json .error_details "ERROR: Timeslot is empty"
expect_json .status 218
if tr -d '\r' <"$RES_HEADERS" | grep -q '^HTTP/[0-9.]* 218'; then
	ok "218 on the wire"
else
	not_ok "218 on the wire" "$(head -n 1 "$RES_HEADERS")"
fi

req GET "/api/_r/314/auth=$R&wrong-cred&1"
expect_status 403
expect_json .error_details "ERROR: Authentication token(s) incorrect"
req GET "/api/_r/314/auth=$C&$R&1"
expect_status 403
# The DELETE token is not the CRED token.
req GET "/api/_r/314/auth=$R&$D&1"
expect_status 403

req POST "/api/_r/314/auth=$R&$C&1" --data-binary ""
expect_status 405
req GET "/nothing"
expect_status 404

# --- _d ------------------------------------------------------------------------

req HEAD "/api/_d/314/auth=$R&$D&1"
expect_status 405 "HEAD on _d is refused"
req GET "/api/_r/314/auth=$R&$C&1"
expect_json .post.id "$id1" "HEAD on _d deleted nothing"

req GET "/api/_d/314/auth=$R&$C&1"
expect_status 403 "_d with the CRED token instead of DELETE"

# post_id: delete the second post, out of order.
req GET "/api/_d/314/auth=$R&$D&1?post_id=$id2"
expect_status 204
if [[ ! -s $RES_BODY ]]; then ok "204 has no body"; else not_ok "204 has no body" "$(body_excerpt)"; fi
req GET "/api/_d/314/auth=$R&$D&1?post_id=$id2"
expect_status 404
expect_json .error_details "ERROR: Queue is empty"

# FIFO: the oldest goes first.
req GET "/api/_d/314/auth=$R&$D/1"
expect_status 204
req GET "/api/_r/314/auth=$R&$C&1"
expect_json .post.id "$id3" "FIFO: the third post is next"
expect_json .post.type long
req GET "/api/_d/314/auth=$R&$D&1"
expect_status 204
req GET "/api/_d/314/auth=$R&$D&1"
expect_status 404
expect_json .error_details "ERROR: Queue is empty"
req GET "/api/_r/314/auth=$R&$C&1"
expect_status 404
req GET "/api/_d/316/auth=$R&$D&1"
expect_status 218
expect_json .error_details "ERROR: Timeslot is empty"
req GET "/api/_d/99999/auth=$R&$D&1"
expect_status 400
expect_json .error_details "ERROR: Malformed request; timeslot not found"
req GET "/api/_d/314/auth=wrong&$D&1"
expect_status 403
expect_json .error_details "ERROR: Authentication token(s) incorrect"

# --- _rs -----------------------------------------------------------------------

# Every answer so far is in the log: the batches were due long ago.  A
# new one is there within a second.
sleep 1
n=$(incident_count)
req GET "/api/_r/99999/auth=$R&$C&1"
expect_status 400
t0=$(date +%s%N)
incidents_reach $((n + 1))
ms=$((($(date +%s%N) - t0) / 1000000))
check "an answer's incident is in the log within a second (${ms} ms)" \
	"$(incident_count) incidents, $n before" test "$ms" -lt 1000

# An incident from an IPv6 address (the servers here listen on 127.0.0.1).
incident_sql "INSERT INTO incident (timestamp, ip_address, endpoint,
	status_code, status_message, flag) VALUES ($(date +%s), '2001:db8::7',
	'api._r', 200, 'SUCCESS', 0)"

req GET "/api/_rs/auth=$R&$S/query=status_code:403"
expect_status 200
expect_json '.[0].status_code' 403
expect_json '.[0].flag' true
expect_json '.[0].status_message' "ERROR: Authentication token(s) incorrect"
expect_json '.[0].ip_address' 127.0.0.1
expect_json '.[0] | keys' '["domain_id","endpoint","flag","id","ip_address","status_code","status_message","timestamp","user_id"]'
sid=$(jq -r '.[0].id' <"$RES_BODY")

req GET "/api/_rs/auth=$R&$S/query=sentry_id:$sid"
expect_status 200
expect_json 'length' 1
expect_json '.[0].id' "$sid"
req GET "/api/_rs/auth=$R&$S/query=flag:True"
expect_status 200
expect_json '[.[].flag] | unique' '[true]'
req GET "/api/_rs/auth=$R&$S/query=flag:false"
expect_status 200
expect_json '[.[].flag] | unique' '[false]'
req GET "/api/_rs/auth=$R&$S/query=ip_address:2001:db8::7"
expect_status 200
expect_json 'length' 1
expect_json '.[0].ip_address' "2001:db8::7"
req GET "/api/_rs/auth=$R&$S/query=ip_address:127.0.0.1?limit=2"
expect_status 200
expect_json 'length' 2
req GET "/api/_rs/auth=$R&$S/query=timestamp:1"
expect_status 200
req GET "/api/_rs/auth=$R&$S/query=domain_id:1"
expect_status 200
expect_json '[.[].domain_id] | unique' '[1]'
req GET "/api/_rs/auth=$R&$S/query=endpoint:api._d"
expect_status 200
expect_json '[.[].endpoint] | unique' '["api._d"]'
req GET "/api/_rs/auth=$R&$S/query=endpoint_prefix:api"
expect_status 200
req GET "/api/_rs/auth=$R&$S/query=status_code:218"
expect_status 200
expect_json '.[0].status_code' 218
req GET "/api/_rs/auth=$R&$S/query=user_id:45"
expect_status 404
expect_json .error_details "ERROR: No results found"
req GET "/api/_rs/auth=$R&$S/query=endpoint_prefix:auth"
expect_status 404
expect_json .error_details "ERROR: No results found"
req GET "/api/_rs/auth=$R&$S/query=colour:blue"
expect_status 400
expect_json .error_details "ERROR: Malformed request; argument not found"
req GET "/api/_rs/auth=$R&$S/query=sentry_id:abc"
expect_status 400
expect_json .error_details "ERROR: Malformed request; argument not found"
req GET "/api/_rs/auth=$R&wrong/query=flag:True"
expect_status 403
expect_json .error_details "ERROR: Authentication token(s) incorrect"
req GET "/api/_rs/auth=$R&$C/query=flag:True"
expect_status 403

# A wrong token: a flagged incident that does not hold it.
n=$(incident_count)
req GET "/api/_r/314/auth=$R&wrong-secret-xyzzy&1"
expect_status 403
incidents_reach $((n + 1))
got=$(incident_sql "SELECT flag FROM incident ORDER BY id DESC LIMIT 1")
[[ $got == 1 ]] && ok "the wrong token's incident is flagged" ||
	not_ok "the wrong token's incident is flagged" "flag: $got"

# Right tokens, but this address has failed many times within the hour:
# the next failure is flagged too.
n=$(incident_count)
req GET "/api/_r/99999/auth=$R&$C&1"
expect_status 400
incidents_reach $((n + 1))
got=$(incident_sql "SELECT status_code, flag FROM incident ORDER BY id DESC LIMIT 1")
[[ $got == "400|1" ]] && ok "a failure after repeated failures is flagged" ||
	not_ok "a failure after repeated failures is flagged" "status|flag: $got"

# Other spellings of "auth=" are masked too: in capitals (not a route),
# and percent-encoded (the route sees "auth=", and a wrong token).
req GET "/api/_r/314/AUTH=$R&odd-spelling-zyxxy&1"
expect_status 400
req GET "/api/_r/314/auth%3D$R&odd-encoding-zyxxy&1"
expect_status 403

# --- retention -----------------------------------------------------------------

n=$(gatectl icyfire incidents prune --older-than 1)
[[ $n == 0 ]] && ok "prune --older-than 1 removes nothing from today" ||
	not_ok "prune --older-than 1 removes nothing from today" "removed: $n"
sleep 1.1
n=$(gatectl icyfire incidents prune --older-than 0)
left=$(incident_sql "SELECT count(*) FROM incident")
if [[ $n =~ ^[1-9][0-9]*$ && $left == 0 ]]; then
	ok "prune --older-than 0 removes every incident ($n)"
else
	not_ok "prune --older-than 0 removes every incident" "removed: $n, left: $left"
fi
req GET "/api/_rs/auth=$R&$S/query=status_code:403"
expect_status 404 "_rs finds nothing after the prune"

# --- the tokens are nowhere --------------------------------------------------

# Stopped at once after an answer, the server's program writes its batch
# before it leaves.  (The batches before it are due first.)
sleep 1
n=$(incident_count)
req GET "/api/_r/99999/auth=$R&$C&1"
t0=$(date +%s%N)
gh_server_stop
ms=$((($(date +%s%N) - t0) / 1000000))
check "stopped right after an answer (in ${ms} ms), icyfire wrote its incident first" \
	"$(incident_count) incidents, $n before" test "$(incident_count)" -eq $((n + 1))
for t in "$R" "$C" "$D" "$S" wrong-secret-xyzzy odd-spelling-zyxxy \
	odd-encoding-zyxxy; do
	if grep -rqaF -- "$t" "$GH_STATE"/log "$GH_STATE"/*.db "$GH_STATE"/*.db-wal 2>/dev/null; then
		not_ok "token ${t:0:6}… appears in no log or database" \
			"$(grep -rlaF -- "$t" "$GH_STATE"/log "$GH_STATE"/*.db* 2>/dev/null)"
	else
		ok "token ${t:0:6}… appears in no log or database"
	fi
done
access=$GH_STATE/log/$GH_SERVER-access.log
if grep -qa '"GET /api/_r/314/auth=\*\*\*' "$access"; then
	ok "the web server's access log shows the auth= segment masked"
else
	not_ok "the web server's access log shows the auth= segment masked" \
		"$(grep -a icyfire "$access" | tail -n 3)"
fi

finish
