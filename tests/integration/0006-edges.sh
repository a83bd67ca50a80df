#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# What stock clients send, over HTTP/1.1 and HTTP/2 (issue 16):
#   - both servers speak HTTP/2 where the client offers it (ALPN);
#   - a POST without a body is a POST with an empty body (lighttpd's
#     parser wants a Content-Length: errors.lua passes it on): certmaker's
#     revoke with the reason in the query, apihost's app sees a POST;
#   - a too-large upload gets the service's own 413 JSON, with its
#     max_body (factory: 16 KiB; apihost: max_body = 100000 here), over
#     HTTP/2 as over HTTP/1.1; past the web server's cap (64 MiB) the
#     server's 413 in the same JSON shape (HTTP/1.1: over HTTP/2 the
#     stream is reset, which curl 7.88 reports as an error);
#   - the errors the web servers make themselves (411, 413, 414, 431,
#     501, 404 for an unknown name, lighttpd's 503 while a service's
#     gatehouse-spawn is not running) are {"error": "..."} with their
#     status; apihost's page for a browser stays HTML.

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

before_start() {
	sed -i '/^\[apihost\]/a max_body = 100000' "$1/gatehouse.conf"
}
start_server "$GH_SERVER"
trap 'stop_echo; cleanup' EXIT
start_echo
check "the echo app listens" "no port file" test -n "$ECHO_PORT"

CM=$(gatectl certmaker user add edges 2>/dev/null)
secret "$CM"
gatectl apihost grain add echo --upstream "http://127.0.0.1:$ECHO_PORT" \
	--api-path /api/ >/dev/null 2>&1
WEBKEY=$(gatectl apihost token add --grain echo --user-id u-1 \
	--username Edges --permissions read,write 2>/dev/null)
TOKEN=${WEBKEY#*#}
secret "$TOKEN"
check "a certmaker user and an apihost token" "CM '$CM', webkey '$WEBKEY'" \
	eval '[[ ${#CM} -eq 43 && ${#TOKEN} -eq 43 ]]'
mock=(-H "Authorization: Bearer $GH_MOCK_TOKEN")

W=$GH_STATE/edges
mkdir -p "$W"
head -c $((20 * 1024 * 1024)) /dev/zero >"$W/20m"
head -c $((65 * 1024 * 1024)) /dev/zero >"$W/65m"

# proto_of: the HTTP version curl spoke for the last req (from its
# header dump: "HTTP/2 200" or "HTTP/1.1 200").
proto_of() {
	local line
	IFS= read -r line <"$RES_HEADERS"
	line=${line%% *}
	printf '%s\n' "${line#HTTP/}"
}

# expect_server_json STATUS DESC: an answer of the web server itself in
# the programs' shape: STATUS, Content-Type application/json, a body
# that is one JSON object with a non-empty "error" string, no HTML.
expect_server_json() {
	local want=$1 desc=$2
	REQ_DESC=$desc
	expect_status "$want"
	expect_header Content-Type '^application/json' "$desc: Content-Type application/json"
	expect_json_match '.error | strings' '.' "$desc: {\"error\": \"…\"}"
}

for proto in 1.1 2; do
	v=--http$proto
	P="HTTP/$proto"

	# --- HTTP/2 offered by both -----------------------------------------
	GH_HOST=factory.localhost
	req GET /v1/domain/available.gent "${mock[@]}" "$v"
	expect_status 200
	check "$P: the server speaks $P when the client asks for it" \
		"curl spoke HTTP/$(proto_of)" test "$(proto_of)" = "$proto"

	# --- a POST without a body ------------------------------------------
	GH_HOST=certmaker.localhost
	req POST /api/v1/certificate/request -H "X-Auth-Token: $CM" \
		-H 'Content-Type: application/json' \
		--data-binary '{"domains":["edges.example.test"]}' "$v"
	expect_status 200
	serial=$(jq -r .serial "$RES_BODY" 2>/dev/null)
	req POST "/api/v1/certificate/$serial/revoke?reason=keyCompromise" \
		-H "X-Auth-Token: $CM" "$v"
	REQ_DESC="$P: POST …/revoke?reason=keyCompromise without a body"
	expect_status 200
	expect_json .reason keyCompromise
	GH_HOST=api.localhost
	req POST /nobody -H "Authorization: Bearer $TOKEN" "$v"
	REQ_DESC="$P: POST without a body through apihost"
	expect_status 200
	expect_json .method POST
	expect_json .body_bytes 0
	GH_HOST=factory.localhost
	req POST /v1/site "${mock[@]}" "$v"
	REQ_DESC="$P: POST /v1/site without a body: the program's answer"
	expect_status 400
	expect_header X-Content-Type-Options '^nosniff$'

	# --- too large: the service's own 413 -------------------------------
	req POST /v1/site "${mock[@]}" -H 'Content-Type: application/json' \
		--data-binary "@$W/20m" "$v"
	REQ_DESC="$P: 20 MiB to factory"
	expect_status 413
	expect_json .error "request body larger than 16384 bytes"
	GH_HOST=api.localhost
	req PUT /up -H "Authorization: Bearer $TOKEN" --data-binary "@$W/20m" "$v"
	REQ_DESC="$P: 20 MiB to apihost (max_body 100000)"
	expect_status 413
	expect_body_contains "request body larger than 100000 bytes"

	# --- errors the servers make themselves -----------------------------
	GH_HOST=factory.localhost
	long=$(head -c 9000 /dev/zero | tr '\0' a)
	req GET "/$long" "$v" -H "X-Long: $long" -H "X-Longer: $long$long"
	expect_server_json '414|431|400' "$P: 36 KB of request line and headers"
	long=$(head -c 70000 /dev/zero | tr '\0' a)
	req GET "/$long" "$v"
	if [[ $proto == 1.1 ]]; then
		expect_server_json '414|431' "$P: a request line of 70 KB"
	else
		# HPACK: past the server's header table the connection goes.
		check "$P: a :path of 70 KB: the connection is closed" \
			"status $RES_STATUS" test "$RES_STATUS" = 000
	fi
	req GET /x "$v" -H 'Host: nowhere.localhost'
	expect_server_json 404 "$P: a name that is no service"
done

# HTTP/1.1 only: past the servers' own cap (64 MiB) their 413 (over
# HTTP/2 the server resets the stream, which curl reports as an error).
req POST /v1/site "${mock[@]}" --data-binary "@$W/65m" --http1.1
expect_server_json 413 "HTTP/1.1: 65 MiB to factory: the server's 413"

# A method lighttpd does not know is its own 501; Apache hands it to the
# program (404 or 405, JSON).
req FOO /v1/site "${mock[@]}"
if [[ $GH_SERVER == lighttpd ]]; then
	expect_server_json 501 "an unknown method: lighttpd's 501"
else
	expect_status '404|405'
	expect_header X-Content-Type-Options '^nosniff$'
fi

# An HTTP/2 POST whose body has no Content-Length (README, "Bodies of
# unknown length").  Apache hands it to the program (run as CGI: see
# apache.conf.in), which reads it to its end; lighttpd 1.4.69 refuses it
# with a 411.  (h2raw.py sends HEADERS, then the body in a DATA frame;
# curl -T - from a pipe sends a larger one likewise, in many.  curl may
# still be sending when lighttpd's 411 comes, and takes the reset stream
# that follows for an error.)
if /usr/bin/python3 -c 'import h2' 2>/dev/null; then
	printf '{"host": "api.localhost", "head": "%s", "body": "%s", "data": "{}", "headers": [[":method", "POST"], [":path", "/up"], [":scheme", "https"], [":authority", "api.localhost"], ["authorization", "Bearer %s"]]}\n' \
		"$W/h2.h" "$W/h2.b" "$TOKEN" >"$W/h2.jobs"
	RES_STATUS=$(/usr/bin/python3 "$GH_ROOT/tests/hostile/h2raw.py" "$GH_PORT" \
		"$GH_STATE/ca.pem" <"$W/h2.jobs" 2>"$W/h2.err")
	RES_HEADERS=$W/h2.h
	RES_BODY=$W/h2.b
	RES_ERROR=$(head -n 3 "$W/h2.err")
	if [[ $GH_SERVER == apache ]]; then
		REQ_DESC="HTTP/2: a POST body without Content-Length through apihost"
		expect_status 200
		expect_json .method POST
		expect_json .body_bytes 2
	else
		expect_server_json 411 "HTTP/2: a POST body without Content-Length to apihost"
	fi
else
	not_ok "HTTP/2: a POST body without Content-Length" \
		"python3-h2 is not installed (apt-get install python3-h2)"
fi
if [[ $GH_SERVER == apache ]]; then
	GH_HOST=api.localhost
	head -c 99000 /dev/zero | tr '\0' u >"$W/99k"
	req POST /up -H "Authorization: Bearer $TOKEN" --http2 -T - <"$W/99k"
	REQ_DESC="HTTP/2: 99 KB without Content-Length through apihost"
	expect_status 200
	expect_json .body_bytes 99000
	req POST /up -H "Authorization: Bearer $TOKEN" --http2 -T - <"$W/20m"
	REQ_DESC="HTTP/2: 20 MiB without Content-Length to apihost (max_body 100000)"
	expect_status 413
	expect_body_contains "request body larger than 100000 bytes"
	GH_HOST=factory.localhost
	req POST /v1/site "${mock[@]}" -H 'Content-Type: application/json' \
		--http2 -T - <"$W/20m"
	REQ_DESC="HTTP/2: 20 MiB without Content-Length to factory"
	expect_status 413
	expect_json .error "request body larger than 16384 bytes"
	req POST /v1/site "${mock[@]}" -H 'Content-Type: application/json' \
		--http2 -T - < <(printf '{"domain": 7}')
	REQ_DESC="HTTP/2: a small JSON body without Content-Length to factory"
	expect_status 400
	expect_header X-Content-Type-Options '^nosniff$'
	expect_json_match .error 'domain' "$REQ_DESC: the program read the body"
fi

# lighttpd answers 503 itself while no process of a program runs and it
# cannot start one.  A program's copies dying is not that: gatehouse-spawn
# holds the socket and starts new ones (tests/load/0002-kill.sh).  So here
# certmaker's gatehouse-spawn is stopped (SIGTERM: it stops its copies and
# leaves after them) and cannot be started again for a moment (not
# executable).  The same request again afterwards is the program's.
if [[ $GH_SERVER == lighttpd ]]; then
	GH_HOST=certmaker.localhost
	spawn=$GH_STATE/libexec/gatehouse-spawn
	mapfile -t pids < <(pgrep -f "^$spawn [0-9]+ $GH_STATE/libexec/certmaker\$")
	if ((${#pids[@]} != 1)); then
		not_ok "certmaker's gatehouse-spawn" "found: ${pids[*]}"
	else
		chmod a-x "$spawn"
		kill -TERM "${pids[@]}"
		for ((i = 0; i < 50; i++)); do
			kill -0 "${pids[@]}" 2>/dev/null || break
			sleep 0.1
		done
		req GET /api/v1/root-certificate/obtain -H "X-Auth-Token: $CM"
		chmod a+x "$spawn"
		expect_server_json 503 "a request while certmaker's gatehouse-spawn is gone"
		for ((i = 0; i < 50; i++)); do
			req GET /api/v1/root-certificate/obtain -H "X-Auth-Token: $CM"
			[[ $RES_STATUS == 200 ]] && break
			sleep 0.2
		done
		expect_status 200 "certmaker serves again once lighttpd restarted it"
	fi
fi

# apihost's page for a browser stays HTML: it is the program's.
GH_HOST=api.localhost
req GET / -H 'Accept: text/html,application/xhtml+xml'
expect_status 403
expect_header Content-Type '^text/html'
finish
