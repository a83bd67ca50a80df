#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# The factory API (shared spec factory-api.md and NOTES.md) through a real
# web server: test-mode fixtures, domain validation, auth, orders, bad
# bodies, limits, methods, TLS only, and tokens made with gatectl.

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

# Core files allowed, so that the crash below would leave one if the
# program let it (core_pattern permitting).
ulimit -c unlimited 2>/dev/null || true
start_server "$GH_SERVER"

auth=(-H "Authorization: Bearer $GH_MOCK_TOKEN")
secret "$GH_MOCK_TOKEN" s3cret
json=(-H 'Content-Type: application/json')

# post_site BODY [curl args…]: POST /v1/site with the mock token.
post_site() {
	local body=$1
	shift
	req POST /v1/site "${auth[@]}" "${json[@]}" --data-binary "$body" "$@"
}

# expect_body_lacks TEXT [DESC]: the body never holds TEXT (a secret).
expect_body_lacks() {
	local desc=${2:-"$REQ_DESC: body does not echo '$1'"}
	if grep -qF -- "$1" "$RES_BODY"; then
		not_ok "$desc" "body: $(body_excerpt)"
	else
		ok "$desc"
	fi
}

# --- GET /v1/domain/<domain>: the documented test fixtures -------------------

req GET /v1/domain/available.gent "${auth[@]}"
expect_status 200
expect_json .available true
expect_header Content-Type '^application/json'
expect_header X-Content-Type-Options '^nosniff$'

req GET /v1/domain/unavailable.gent "${auth[@]}"
expect_status 200
expect_json .available false

req GET /v1/domain/error.gent "${auth[@]}"
expect_status 503
expect_json_match .error '.' "$REQ_DESC: JSON error message"

req HEAD /v1/domain/available.gent "${auth[@]}"
expect_status 200

# Names are lower-cased before the lookup (NOTES).
req GET /v1/domain/Available.GENT "${auth[@]}"
expect_status 200
expect_json .available true

# --- domain validation: 400 before any lookup --------------------------------

label63=$(printf 'a%.0s' {1..63})
label64=$(printf 'a%.0s' {1..64})
long="$label63.$label63.$label63.$label63.gent"	# 260 > 253 characters
for name in bad_name.gent -x.gent x-.gent "$label64.gent" nodot a..gent \
	"$long" 'sp%20ace.gent'; do
	req GET "/v1/domain/$name" "${auth[@]}"
	expect_status 400 "GET /v1/domain/${name:0:24}$([[ ${#name} -gt 24 ]] && echo …) (bad name) → 400"
done
req GET "/v1/domain/$label63.gent" "${auth[@]}"
expect_status 200 "GET /v1/domain/<63-character label>.gent → 200"

# --- authentication ------------------------------------------------------------

req GET /v1/domain/available.gent
REQ_DESC+=" (no Authorization)"
expect_status 401
expect_header WWW-Authenticate '^Bearer'
expect_json_match .error '.' "$REQ_DESC: JSON error"

req GET /v1/domain/available.gent -H 'Authorization: Bearer wrong-token'
REQ_DESC+=" (wrong token)"
expect_status 401
expect_header WWW-Authenticate '^Bearer'

req GET /v1/domain/available.gent -H "Authorization: Basic $(printf 'x:%s' "$GH_MOCK_TOKEN" | base64 -w0)"
REQ_DESC+=" (Basic, not Bearer)"
expect_status 401

req GET /v1/domain/available.gent -H 'Authorization: Bearer'
REQ_DESC+=" (empty Bearer)"
expect_status 401

req POST /v1/site "${json[@]}" --data-binary '{"domain":"noauth.gent","callback":"https://hallo.example/cb","installerSecret":"s3cret"}'
REQ_DESC+=" (no Authorization)"
expect_status 401

# --- routes and methods --------------------------------------------------------

req GET /v1/nope "${auth[@]}"
expect_status 404
req GET /v2/domain/available.gent "${auth[@]}"
expect_status 404
req GET / "${auth[@]}"
expect_status 404

req DELETE /v1/domain/available.gent "${auth[@]}"
expect_status 405
expect_header Allow 'GET'

req GET /v1/site "${auth[@]}"
expect_status 405
expect_header Allow 'POST'

# --- POST /v1/site ---------------------------------------------------------------

order='{"domain":"mysite.gent","callback":"https://hallo.example/cb","installerSecret":"s3cret"}'
post_site "$order"
expect_status 201
expect_header Location '^/v1/site/mysite\.gent$'
expect_header Content-Type '^application/json'
expect_json .domain mysite.gent
expect_body_lacks s3cret

post_site "$order"
REQ_DESC+=" (the same order again)"
expect_status 201
expect_header Location '^/v1/site/mysite\.gent$'

post_site '{"domain":"mysite.gent","callback":"https://hallo.example/cb","installerSecret":"other"}'
REQ_DESC+=" (same domain, another installerSecret)"
expect_status 409

post_site '{"domain":"unavailable.gent","callback":"https://hallo.example/cb","installerSecret":"s3cret"}'
REQ_DESC+=" (unavailable.gent)"
expect_status 409

post_site '{"domain":"error.gent","callback":"https://hallo.example/cb","installerSecret":"s3cret"}'
REQ_DESC+=" (error.gent)"
expect_status 503

# The test configuration allows plain-http callbacks (a local receiver).
post_site '{"domain":"httpcb.gent","callback":"http://127.0.0.1:9/cb","installerSecret":"s3cret"}'
REQ_DESC+=" (http:// callback, allowed in test mode)"
expect_status 201

# --- GET /v1/site/<domain> ---------------------------------------------------------

req GET /v1/site/mysite.gent "${auth[@]}"
expect_status 200
expect_json_match .state '^(pending|registering|deploying|created|conflict|failed)$'
expect_json .domain mysite.gent
expect_body_lacks s3cret

req GET /v1/site/unknown.gent "${auth[@]}"
expect_status 404

req GET /v1/site/bad_name.gent "${auth[@]}"
expect_status 400

# --- bad bodies: 400 each, and nothing stored ---------------------------------------

cb='"callback":"https://hallo.example/cb"'
sec='"installerSecret":"s3cret"'
bad_bodies=(
	'not json at all'
	'["badbody.gent"]'
	'"badbody.gent"'
	''
	"{$cb,$sec}"
	"{\"domain\":42,$cb,$sec}"
	"{\"domain\":null,$cb,$sec}"
	"{\"domain\":\"bad_name.gent\",$cb,$sec}"
	"{\"domain\":\"badbody.gent\",$sec}"
	"{\"domain\":\"badbody.gent\",\"callback\":\"ftp://x\",$sec}"
	"{\"domain\":\"badbody.gent\",\"callback\":\"not a url\",$sec}"
	"{\"domain\":\"badbody.gent\",\"callback\":7,$sec}"
	"{\"domain\":\"badbody.gent\",$cb}"
	"{\"domain\":\"badbody.gent\",$cb,\"installerSecret\":\"\"}"
	"{\"domain\":\"badbody.gent\",$cb,\"installerSecret\":5}"
	"{\"domain\":\"badbody.gent\",$cb,$sec} trailing"
	"{\"domain\":\"badbody.gent\",$cb,$sec}{}"
	"{\"domain\":\"badbody.gent\",$cb,$sec,\"extra\":1}"
	"{\"domain\":\"badbody.gent\",$cb,$sec"
)
for body in "${bad_bodies[@]}"; do
	post_site "$body"
	short=${body:0:60}
	[[ ${#body} -gt 60 ]] && short+=…
	expect_status 400 "POST /v1/site bad body '$short' → 400"
done

req GET /v1/site/badbody.gent "${auth[@]}"
REQ_DESC+=" (only bad bodies were posted)"
expect_status 404

# --- limits ------------------------------------------------------------------------

# The factory's max_body defaults to 16384 bytes.
pad=$(head -c 20000 /dev/zero | tr '\0' a)
post_site "{\"domain\":\"big.gent\",$cb,$sec,\"pad\":\"$pad\"}"
expect_status 413 "POST /v1/site with a 20 kB body → 413"

# --- TLS only ---------------------------------------------------------------------

# mod_ssl answers plain HTTP on its TLS port with its own 400 page; lighttpd
# closes the connection.  Either way the API never answers.
status=$(curl -sS --max-time 5 -o "$GH_STATE/plain.body" -w '%{http_code}' \
	"${auth[@]}" "http://127.0.0.1:$GH_PORT/v1/domain/available.gent" \
	2>/dev/null) || status=000
if [[ $status == 000 || $status == 400 ]] &&
	! grep -q available "$GH_STATE/plain.body" 2>/dev/null; then
	ok "plain http:// on the TLS port gets no API answer (status $status)"
else
	not_ok "plain http:// on the TLS port gets no API answer" \
		"status $status: $(head -c 200 "$GH_STATE/plain.body")"
fi

# --- tokens made with gatectl --------------------------------------------------------

printf 'callback-secret-%s\n' "$RANDOM$RANDOM" >"$GH_STATE/hallo.secret"
gh_state_chown "$GH_STATE"
secret "$(cat "$GH_STATE/hallo.secret")"
if token=$(gatectl token add hallo --callback-secret-file "$GH_STATE/hallo.secret" 2>"$GH_STATE/gatectl.err") && secret "$token" &&
	[[ $token =~ ^[A-Za-z0-9._~+/=-]{16,}$ ]]; then
	ok "gatectl token add prints a token alone on stdout"
	req GET /v1/domain/available.gent -H "Authorization: Bearer $token"
	REQ_DESC+=" (gatectl token)"
	expect_status 200
	if gatectl token revoke hallo >/dev/null 2>>"$GH_STATE/gatectl.err"; then
		ok "gatectl token revoke hallo"
	else
		not_ok "gatectl token revoke hallo" "$(cat "$GH_STATE/gatectl.err")"
	fi
	# A process that saw the token keeps it for up to a second (the
	# factory's auth cache): revocation is in force after that.
	sleep 1.2
	for i in 1 2 3 4 5 6; do
		req GET /v1/domain/available.gent -H "Authorization: Bearer $token"
		REQ_DESC+=" (revoked gatectl token, try $i)"
		expect_status 401
	done
else
	not_ok "gatectl token add prints a token alone on stdout" \
		"stdout: '${token:-}'" "stderr: $(cat "$GH_STATE/gatectl.err")"
fi

# --- a crash leaves no core ----------------------------------------------------------

# A program that has served tokens and installerSecrets dies of SIGABRT
# (a core-dumping signal that ASan, unlike SIGSEGV, leaves to the kernel):
# the kernel writes no core (the programs make themselves undumpable), and
# the server serves on with a new process.
pid=$(pgrep -f "^$GH_STATE/libexec/factory" | head -n 1)
if [[ -z $pid ]]; then
	not_ok "a factory process to crash" "none found"
else
	cwd=$(readlink "/proc/$pid/cwd")
	kill -ABRT "$pid"
	for _ in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	cores=$(find "$GH_STATE" "${cwd:-$GH_STATE}" -maxdepth 2 -name 'core*' -type f 2>/dev/null)
	check "a factory process killed by SIGABRT leaves no core file (pattern $(cat /proc/sys/kernel/core_pattern))" \
		"cores: $cores" test -z "$cores"
	for i in $(seq 20); do
		req GET /v1/domain/available.gent "${auth[@]}"
		[[ $RES_STATUS == 200 ]] && break
		sleep 0.5
	done
	REQ_DESC+=" (after the crash)"
	expect_status 200
fi

# --- libpq, only for PostgreSQL ----------------------------------------------------
# lib/pq.c loads libpq once the configuration names PostgreSQL: a process on
# SQLite maps none of it, nor the GnuTLS, Kerberos and LDAP it pulls in.
# The process killed above may still be a zombie, and one the server starts
# meanwhile may not have read its configuration yet: neither counts, and
# the count is taken again for up to 5 s until every live one has.
want=0
grep -q '^database = postgres' "$GH_STATE/gatehouse.conf" && want=1
for _ in $(seq 20); do
	procs=0 mapped=0
	for p in $(gh_descendants "$GH_SERVER_PID"); do
		[[ $(cat "/proc/$p/comm" 2>/dev/null) == factory ]] || continue
		grep -q '^State:.*zombie' "/proc/$p/status" 2>/dev/null && continue
		procs=$((procs + 1))
		grep -q '/libpq\.so' "/proc/$p/maps" 2>/dev/null && mapped=$((mapped + 1))
	done
	((want == 0 || mapped == procs)) && break
	sleep 0.25
done
if ((want)); then
	check "each of the $procs factory processes maps libpq (PostgreSQL)" \
		"$mapped do" test "$procs" -gt 0 -a "$mapped" = "$procs"
else
	check "none of the $procs factory processes maps libpq (SQLite)" \
		"$mapped do" test "$procs" -gt 0 -a "$mapped" = 0
fi

# --- logs ---------------------------------------------------------------------------

# The installerSecret and the tokens never reach a log (NOTES, DESIGN).
secrets=(-e s3cret -e "$GH_MOCK_TOKEN")
[[ -n ${token:-} ]] && secrets+=(-e "$token")
if leaks=$(grep -rlF "${secrets[@]}" "$GH_STATE/log" 2>/dev/null); then
	not_ok "no log holds the installerSecret or a token" "found in: $leaks"
else
	ok "no log holds the installerSecret or a token"
fi

finish
