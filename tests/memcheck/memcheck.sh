#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# shellcheck source-path=SCRIPTDIR
#
# memcheck.sh [NAME…]: each FastCGI program (or those named, here or in
# GH_MEMCHECK_PROGRAMS: factory, certmaker, icyfire, apihost) under
# valgrind memcheck for a loop of GH_MEMCHECK_REQUESTS (1000) requests,
# sent one at a time through cgi-fcgi, libfcgi's own client, over a Unix
# socket, as a web server would.  The loop
# cycles through a mix of good, bad and unauthorised requests for that
# service.  Per program it checks that every answer had the expected status
# and that valgrind saw no invalid read or write, no use of uninitialised
# memory and no definite or indirect leak when the process ended on SIGTERM
# (as lighttpd and mod_fcgid end it).
#
# Prints ok / not ok lines like tests/integration; run by ./dev test.
# certmaker's loop takes in its ACME routes (newNonce, newAccount, JWS
# signed well and badly: acme_jws.py).
# GH_KEEP=1 keeps the state directory with the valgrind logs.

. "$(dirname "$0")/../integration/lib.sh"

N=${GH_MEMCHECK_REQUESTS:-1000}
GH_SERVER=memcheck	# the prefix of every ok line
VG_PID=

# The program, the echo app, and the workers the factory started for its
# orders (still calling back to a closed port).
stop_all() {
	[[ -n $VG_PID ]] && kill "$VG_PID" 2>/dev/null && wait "$VG_PID" 2>/dev/null
	stop_echo
	VG_PID=
	[[ -n $GH_STATE ]] && pkill -f "^$GH_STATE/libexec/" 2>/dev/null
	return 0
}
trap 'stop_all; cleanup' EXIT
trap 'exit 100' INT TERM

for p in valgrind cgi-fcgi python3 jq; do
	command -v "$p" >/dev/null || { not_ok "$p is installed"; finish; }
done
GH_STATE=$(mktemp -d "${TMPDIR:-/tmp}/gatehouse-mc.XXXXXX") || exit 1
chmod 755 "$GH_STATE"
if ! err=$(gh_state_init "$GH_STATE" 2>&1); then
	not_ok "state directory" "$err"
	finish
fi

# --- the program under valgrind ------------------------------------------------

# vg_start NAME: the state's copy of program NAME under valgrind, with a
# listening Unix socket as its standard input (the FastCGI convention),
# the way lighttpd's bin-path starts it.  Sets SOCK and VG_LOG.
vg_start() {
	local name=$1
	SOCK=$GH_STATE/run/$name.sock
	VG_LOG=$GH_STATE/log/valgrind-$name.log
	rm -f "$SOCK"
	GATEHOUSE_CONFIG=$GH_STATE/gatehouse.conf python3 -c '
import os, socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(64)
os.dup2(s.fileno(), 0)
os.execvp(sys.argv[2], sys.argv[2:])' "$SOCK" \
		valgrind --tool=memcheck --leak-check=full \
		--show-leak-kinds=definite,indirect \
		--errors-for-leak-kinds=definite,indirect \
		--num-callers=30 --log-file="$VG_LOG" \
		"$GH_STATE/libexec/$name" </dev/null >/dev/null 2>&1 &
	VG_PID=$!
	for _ in $(seq 100); do
		[[ -S $SOCK ]] && return 0
		sleep 0.1
	done
	return 1
}

# vg_stop: SIGTERM, as the web servers send it, and the wait for valgrind's
# final report.
vg_stop() {
	kill -TERM "$VG_PID" 2>/dev/null
	wait "$VG_PID" 2>/dev/null
	VG_PID=
}

# vg_verdict NAME: ok when the log has no error and no definite or
# indirect leak; otherwise the log's first error and its summary.
vg_verdict() {
	local name=$1 errors
	errors=$(sed -n 's/^==[0-9]*== ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$VG_LOG" | tail -n 1)
	if [[ $errors == 0 ]]; then
		ok "$name under valgrind: no memory errors, no definite or indirect leak"
	else
		not_ok "$name under valgrind: ${errors:-no} errors" \
			"$(grep -m 1 -A 25 -E '^==[0-9]+== (Invalid|Conditional|Use of|Syscall|Mismatched|[0-9,]+ bytes in)' "$VG_LOG" |
				sed 's/^==[0-9]*== //')" \
			"$(grep -A 6 'LEAK SUMMARY' "$VG_LOG" | sed 's/^==[0-9]*== //')" \
			"log: $VG_LOG (GH_KEEP=1 keeps it)"
	fi
}

# --- requests -------------------------------------------------------------------

# A request is one line of TEMPLATES: "STATUS METHOD URI[ HEADER=VALUE…]"
# with an optional body in BODIES under the same index.  In a URI, @I@ is
# the loop counter (a fresh domain per order).
TEMPLATES=()
BODIES=()
HOST=

# t STATUS METHOD URI [BODY] [NAME=VALUE…]: add a template (a body is
# sent only when it is not "-").
t() {
	local status=$1 method=$2 uri=$3 body=${4:--}
	shift 3
	(($#)) && shift
	local IFS=$'\x1f'
	TEMPLATES+=("$status$IFS$method$IFS$uri$IFS$*")
	BODIES+=("$body")
}

# fcgi METHOD URI BODY [NAME=VALUE…]: one request to the program through
# cgi-fcgi, with the CGI variables a web server sets (no body when BODY is
# "-"); prints the answer, headers and body.
fcgi() {
	local method=$1 uri=$2 body=$3 qs=
	shift 3
	[[ $uri == *\?* ]] && qs=${uri#*\?}
	local -a env=(REQUEST_METHOD="$method" REQUEST_URI="$uri" SCRIPT_NAME=
		PATH_INFO="${uri%%\?*}" QUERY_STRING="$qs"
		SERVER_PROTOCOL=HTTP/1.1 GATEWAY_INTERFACE=CGI/1.1 HTTPS=on
		SERVER_NAME="$HOST" SERVER_PORT=443 HTTP_HOST="$HOST"
		REMOTE_ADDR=127.0.0.1 REMOTE_PORT=40000 "$@")
	if [[ $body == - ]]; then
		env -i "${env[@]}" cgi-fcgi -bind -connect "$SOCK" </dev/null
	else
		env -i "${env[@]}" CONTENT_LENGTH="${#body}" \
			cgi-fcgi -bind -connect "$SOCK" <<<"$body"
	fi
}

# send I: request I of the loop; its status in STATUS (empty without
# an answer).  One fork a request: under valgrind the loop is slow enough.
STATUS=
send() {
	local i=$1 k=$(($1 % ${#TEMPLATES[@]})) status method uri hdrs body out
	local kind url
	local -a h=()
	IFS=$'\x1f' read -r status method uri hdrs <<<"${TEMPLATES[k]}"
	[[ -n $hdrs ]] && IFS=$'\x1f' read -r -a h <<<"$hdrs"
	body=${BODIES[k]}
	# "@JWS good|bad URL": a JWS made now, with a nonce fresh from the
	# program (acme_jws.py).
	if [[ $body == "@JWS "* ]]; then
		read -r _ kind url <<<"$body"
		body=$(python3 "$GH_ROOT/tests/memcheck/acme_jws.py" "$url" \
			"$(fcgi HEAD /acme/new-nonce - | header Replay-Nonce)" "$kind")
	fi
	out=$(fcgi "$method" "${uri//@I@/$i}" "${body//@I@/$i}" "${h[@]}")
	STATUS=
	[[ $out =~ ^Status:\ ([0-9]+) ]] && STATUS=${BASH_REMATCH[1]}
	return 0
}

# masked TEMPLATE: the template on one line, its tokens masked.
masked() {
	sed -E 's/\x1f/ /g; s/(auth=)[^/? ]*/\1***/Ig
		s/((AUTHORIZATION|TOKEN)=(Bearer )?)[^ ]*/\1***/g' <<<"$1"
}

# loop NAME: N requests; one check that each got the status its template
# expects (the first few mismatches as the reason).
loop() {
	local name=$1 i k got want bad=0 first=() t0=$SECONDS
	for ((i = 0; i < N; i++)); do
		k=$((i % ${#TEMPLATES[@]}))
		want=${TEMPLATES[k]%%$'\x1f'*}
		send "$i"
		got=$STATUS
		if [[ ! $got =~ ^($want)$ ]]; then
			bad=$((bad + 1))
			((${#first[@]} < 5)) && first+=("request $i ($(masked "${TEMPLATES[k]}")): got '${got:-no answer}', want $want")
		fi
	done
	if ((bad == 0)); then
		ok "$name under valgrind: $N requests, each with the expected status ($((SECONDS - t0)) s)"
	else
		not_ok "$name under valgrind: $bad of $N requests with another status" "${first[@]}"
	fi
}

# run NAME: the loop of TEMPLATES through program NAME, which vg_start
# has started; then its verdict.
run() {
	local name=$1
	loop "$name"
	vg_stop
	vg_verdict "$name"
}

# up NAME: vg_start, or a failed check.
up() {
	vg_start "$1" && return 0
	not_ok "$1 starts under valgrind" "no socket within 10 s"
	return 1
}

# header NAME: the value of header NAME in the answer on standard input.
header() {
	tr -d '\r' | sed -n "s/^$1: //Ip" | head -n 1
}

# --- the services ------------------------------------------------------------------

factory() {
	local a="HTTP_AUTHORIZATION=Bearer $GH_MOCK_TOKEN" j=CONTENT_TYPE=application/json
	HOST=factory.localhost TEMPLATES=() BODIES=()
	secret "$GH_MOCK_TOKEN" mc-secret
	t 200 GET /v1/domain/available.gent - "$a"
	t 200 GET /v1/domain/unavailable.gent - "$a"
	t 503 GET /v1/domain/error.gent - "$a"
	t 400 GET /v1/domain/no_such..domain - "$a"
	t 401 GET /v1/domain/available.gent
	t 401 GET /v1/domain/available.gent - "HTTP_AUTHORIZATION=Bearer wrong"
	t 201 POST /v1/site '{"domain":"site-@I@.gent","callback":"http://127.0.0.1:9/cb","installerSecret":"mc-secret"}' "$a" "$j"
	t 200 GET /v1/site/site-6.gent - "$a"
	t 404 GET /v1/site/never-ordered.gent - "$a"
	t 400 POST /v1/site '{"domain":"x.gent","callback":' "$a" "$j"
	t 409 POST /v1/site '{"domain":"unavailable.gent","callback":"http://127.0.0.1:9/cb","installerSecret":"s"}' "$a" "$j"
	t 405 DELETE /v1/site/site-6.gent - "$a"
	t 404 GET /nowhere - "$a"
	up factory && run factory
}

certmaker() {
	local a x jose acct j=CONTENT_TYPE=application/json serial cert ocsp csr
	HOST=certmaker.localhost TEMPLATES=() BODIES=()
	a=HTTP_X_AUTH_TOKEN=$(gatectl certmaker user add mc 2>/dev/null)
	secret "${a#*=}"
	up certmaker || return
	# A certificate, and an OCSP request for it, for the requests that
	# need a serial.
	serial=$(fcgi POST /api/v1/certificate/request '{"domains":["mc.example.test"]}' "$a" "$j" |
		header X-Certificate-Location | sed -n 's|.*/certificate/\([0-9a-f]*\)/obtain$|\1|p')
	fcgi GET "/api/v1/certificate/$serial/obtain" - "$a" |
		sed '1,/^\r\{0,1\}$/d' >"$GH_STATE/mc.pem"
	fcgi GET /api/v1/root-certificate/obtain - "$a" |
		sed '1,/^\r\{0,1\}$/d' >"$GH_STATE/root.pem"
	ocsp=$(openssl ocsp -issuer "$GH_STATE/root.pem" -cert "$GH_STATE/mc.pem" \
		-no_nonce -reqout /dev/stdout 2>/dev/null | base64 -w0 | tr '+/' '-_' | tr -d '=')
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$GH_STATE/csr.key" -out "$GH_STATE/csr.pem" \
		-subj /CN=csr.example.test -addext subjectAltName=DNS:csr.example.test 2>/dev/null
	csr=$(cat "$GH_STATE/csr.pem")
	if [[ -z $serial || -z $ocsp || -z $csr ]]; then
		not_ok "certmaker: a certificate, its OCSP request and a CSR for the loop" \
			"serial '$serial', OCSP request '$ocsp'"
		vg_stop
		return
	fi
	x="HTTP_X_AUTH_TOKEN=not-a-token"
	t 200 GET /api/v1/root-certificate/obtain - "$a"
	t 401 GET /api/v1/root-certificate/obtain
	t 404 GET /api/v1/root-certificate/obtain - "$x"
	t 200 POST /api/v1/certificate/request '{"domains":["n@I@.example.test"],"days":7}' "$a" "$j"
	t 200 POST /api/v1/certificate/request-with-csr "$csr" "$a" CONTENT_TYPE=application/pkcs10
	t 400 POST /api/v1/certificate/request-with-csr 'not a csr' "$a" CONTENT_TYPE=application/pkcs10
	t 400 POST /api/v1/certificate/request '{"domains":[1]}' "$a" "$j"
	t 200 GET "/api/v1/certificate/$serial/obtain" - "$a"
	t 200 GET "/api/v1/privatekey/$serial/obtain" - "$a"
	t 404 GET /api/v1/certificate/00112233445566778899aabbccddeeff/obtain - "$a"
	t 200 GET "/api/v1/ocsp/$ocsp"
	t 200 GET /api/v1/ocsp/AAAA
	t 200 GET /api/v1/crl
	t 400 POST "/api/v1/certificate/$serial/revoke" '{"reason":"nonsense"}' "$a" "$j"
	t 404 POST /api/v1/certificate/00112233445566778899aabbccddeeff/revoke - "$a"
	# ACME: the directory, nonces, newAccount signed well (a new account
	# each time) and badly, a JWS whose url is another resource's, and
	# bodies that are no JWS.
	jose=CONTENT_TYPE=application/jose+json
	acct=$(fcgi GET /acme/directory - | sed '1,/^\r\{0,1\}$/d' | jq -r .newAccount)
	t 200 GET /acme/directory
	t 200 HEAD /acme/new-nonce
	t 204 GET /acme/new-nonce
	t 201 POST /acme/new-account "@JWS good $acct" "$jose"
	t 400 POST /acme/new-account "@JWS bad $acct" "$jose"
	t 401 POST /acme/new-order "@JWS good $acct" "$jose"
	t 400 POST /acme/new-account '{"protected":"e30","payload":"","signature":"AA"}' "$jose"
	t 415 POST /acme/new-account '{}' "$j"
	t 404 POST /acme/no-such-thing '{}' "$jose"
	t 405 PUT /acme/new-order
	run certmaker
}

icyfire() {
	local tok R C D S i
	HOST=icyfire.localhost TEMPLATES=() BODIES=()
	for tok in read cred delete security; do
		printf 'mc-%s-%s\n' "$tok" "$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')" \
			>"$GH_STATE/$tok.token"
	done
	R=$(cat "$GH_STATE/read.token") C=$(cat "$GH_STATE/cred.token")
	D=$(cat "$GH_STATE/delete.token") S=$(cat "$GH_STATE/security.token")
	secret "$R" "$C" "$D" "$S"
	if ! { gatectl icyfire tokens set --read-file "$GH_STATE/read.token" \
		--cred-file "$GH_STATE/cred.token" --delete-file "$GH_STATE/delete.token" \
		--security-file "$GH_STATE/security.token" &&
		gatectl icyfire server add 1 && gatectl icyfire domain add example.gent &&
		gatectl icyfire credential set example.gent twitter consumer_key=ck \
			consumer_secret=cs access_key=ak access_secret=as &&
		gatectl icyfire timeslot claim 314 example.gent twitter; } \
		>/dev/null 2>"$GH_STATE/ctl.err"; then
		not_ok "icyfire: tokens and a domain for the loop" "$(cat "$GH_STATE/ctl.err")"
		return
	fi
	t 200 GET "/api/_r/314/auth=$R&$C&1"
	t 200 GET "/api/_r/314/auth=$R&$C/1"
	t 204 GET "/api/_d/314/auth=$R&$D&1"
	t 404 GET "/api/_d/314/auth=$R&$D&1?post_id=999999"
	t 218 GET "/api/_r/316/auth=$R&$C&1"
	t 400 GET "/api/_r/abc/auth=$R&$C&1"
	t 403 GET "/api/_r/314/auth=$R&wrong&1"
	t 200 GET "/api/_rs/auth=$R&$S/query=status_code:403"
	t 200 GET "/api/_rs/auth=$R&$S/query=ip_address:127.0.0.1?limit=2"
	t 404 GET /api/nothing
	t 405 POST "/api/_r/314/auth=$R&$C&1"
	# Slot 314's queue: a post for each _d of the loop and 20 more, so
	# that _r always finds one.
	for ((i = 0; i < N / ${#TEMPLATES[@]} + 21; i++)); do
		gatectl icyfire post add example.gent twitter --type text \
			--body "post $i" >/dev/null 2>"$GH_STATE/ctl.err" || {
			not_ok "icyfire: posts for the loop" "$(cat "$GH_STATE/ctl.err")"
			return
		}
	done
	up icyfire && run icyfire
}

apihost() {
	local secret token a j=CONTENT_TYPE=application/json port
	HOST=api.localhost TEMPLATES=() BODIES=()
	start_echo
	port=$ECHO_PORT
	secret=$(gatectl apihost grain add echo --upstream "http://127.0.0.1:$port" \
		--api-path /api/ 2>/dev/null)
	token=$(gatectl apihost token add --grain echo --user-id u-1 \
		--username memcheck --permissions read,write 2>/dev/null)
	token=${token#*#}
	secret "$secret" "$token"
	if [[ -z $port || -z $secret || -z $token ]]; then
		not_ok "apihost: the echo app, a grain and a webkey for the loop" \
			"port '$port'"
		return
	fi
	a="HTTP_AUTHORIZATION=Bearer $token"
	t 200 GET '/some/path?x=1' - "$a" HTTP_COOKIE=s=1 HTTP_X_SANDSTORM_USER_ID=forged
	t 200 POST /upload 'hello, upstream' "$a" CONTENT_TYPE=text/plain
	t 200 PUT /doc '{"a":1}' "$a" "$j"
	t 200 DELETE /doc - "$a"
	t 200 OPTIONS /anything - HTTP_ORIGIN=https://page.example \
		HTTP_ACCESS_CONTROL_REQUEST_METHOD=PUT \
		HTTP_ACCESS_CONTROL_REQUEST_HEADERS=authorization,content-type
	t 403 GET / - "HTTP_AUTHORIZATION=Bearer not-a-token"
	t 400 GET '/a/%2e%2e/secret' - "$a"
	t 201 POST /.apihost/offer-template '{"template":"key $API_TOKEN","petname":"mc"}' \
		"HTTP_AUTHORIZATION=Bearer $secret" "$j"
	t 401 POST /.apihost/offer-template '{"template":"key $API_TOKEN"}' "$a" "$j"
	t 200 GET /.apihost/offer.js
	up apihost && run apihost
	stop_echo
}

run_named() {
	local name
	for name in "$@"; do
		case $name in
		factory|certmaker|icyfire|apihost) "$name" ;;
		*) not_ok "no program '$name'" ;;
		esac
	done
}

# shellcheck disable=SC2086 # a list of names
if (($#)); then
	run_named "$@"
else
	run_named ${GH_MEMCHECK_PROGRAMS:-factory certmaker icyfire apihost}
fi
finish
