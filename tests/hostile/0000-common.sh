#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# Hostile input every service gets alike, on each of the four virtual
# hosts: oversized request lines, paths, queries, headers and bodies; NUL
# bytes and invalid UTF-8 in paths and header values; HTTP/2 paths no
# HTTP/1.1 request line can hold; path traversal
# (/../, %2e%2e, %2F, double encoding, backslashes) that would reach
# another program; bad Host headers; request smuggling (Content-Length
# with Transfer-Encoding, two Content-Lengths); unknown methods.  Each is
# a 4xx, from the program or from the web server before it; every service
# serves on afterwards; and no database changes (icyfire's incident log
# grows by one row per answer of its program, as its spec wants).

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

hostile_start
setup_certmaker
setup_icyfire
setup_apihost

HOSTS=(factory.localhost certmaker.localhost icyfire.localhost api.localhost)
SERVICES=(factory certmaker icyfire apihost)
# What an unknown path gets from each program (apihost asks for a token
# before anything else: 403).
declare -A UNKNOWN=([factory.localhost]=404 [certmaker.localhost]=404
	[icyfire.localhost]=404 [api.localhost]=403)

ALIVE_AFTER="the set-up"
alive "${SERVICES[@]}"
declare -A SNAP
for db in factory certmaker icyfire apihost; do
	SNAP[$db]=$(db_snap "$db")
done
INCIDENTS=$(incidents_now)
ICY_ANSWERS=0

# raw_all DESC WANT REQUEST-TEMPLATE: queue the raw request (printf %b
# escapes, @HOST@ for the host) for every host; WANT is a status, or
# "program" for the program's answer to an unknown path.  raw_check
# sends the queue and checks each answer.
RAW_WANT=()
raw_all() {
	local desc=$1 want=$2 tmpl=$3 host
	for host in "${HOSTS[@]}"; do
		RAW_WANT[RAW_N]=$want
		[[ $want == program ]] && RAW_WANT[RAW_N]=${UNKNOWN[$host]}
		raw_add "$host" "$host: $desc" "${tmpl//@HOST@/$host}"
	done
}

raw_check() {
	local i
	raw_run
	for ((i = 0; i < RAW_N; i++)); do
		raw_pick "$i"
		expect_status "${RAW_WANT[i]}"
		[[ $REQ_DESC == icyfire.localhost:* ]] && icy_tally
	done
	raw_reset
	RAW_WANT=()
}

# --- oversized: paths, queries, request lines, headers, bodies -------------

rep a3000 a 3000
rep a9000 a 9000
rep a20000 a 20000
many=()
for ((i = 0; i < 1000; i++)); do
	many+=(-H "X-Many-$i: 0123456789")
done
for host in "${HOSTS[@]}"; do
	GH_HOST=$host
	batch_reset
	# Over the programs' 2 KiB bounds, under the servers': the program's 414.
	batch_add "$host: a 3000-byte path → 414" GET "/$a3000"
	batch_add "$host: a 3000-byte query → 414" GET "/x?q=$a3000"
	batch_add "$host: 18 KiB of headers in two → 431" GET / \
		-H "X-Big-1: $a9000" -H "X-Big-2: $a9000"
	batch_run
	batch_expect "414|414|431"
	[[ $host == icyfire.localhost ]] && icy_tally_batch
	# Over the servers' own bounds: they answer themselves (lighttpd:
	# 431 for 16 KiB of request head; Apache: 414 for a request line
	# over 8 KiB, 400 for a field over 16 KiB or more than 100 fields).
	batch_reset
	# (HTTP/1.1: over HTTP/2, lighttpd resets the stream of a request
	# whose head is too large instead of answering.)
	batch_add "$host: a 20000-byte request line" GET "/$a20000" --http1.1
	batch_add "$host: a 20000-byte header" GET / -H "X-Big: $a20000" --http1.1
	batch_add "$host: 1000 headers" GET / "${many[@]}" --http1.1
	batch_run
	batch_pick 0; expect_status "$(by_server 431 414)"
	batch_pick 1; expect_status "$(by_server 431 400)"
	batch_pick 2; expect_status "$(by_server 431 400)"
done
# A Content-Length over the server's cap (64 MiB; apihost's: 1 GiB) is
# refused before a byte of the body is read: the 413 comes at once.
raw_reset
for host in "${HOSTS[@]}"; do
	cl=100000000
	[[ $host == api.localhost ]] && cl=2147483648
	RAW_WANT[RAW_N]=413
	raw_add "$host" "$host: Content-Length $cl, no body sent" \
		"POST / HTTP/1.1\r\nHost: $host\r\nContent-Type: application/json\r\nContent-Length: $cl\r\nConnection: close\r\n\r\n"
done
raw_check
ALIVE_AFTER="oversized requests"
alive "${SERVICES[@]}"

# --- NUL and invalid UTF-8 ------------------------------------------------------

raw_reset
raw_all "a NUL byte in the path" 400 \
	'GET /a\x00b HTTP/1.1\r\nHost: @HOST@\r\nConnection: close\r\n\r\n'
raw_all "a NUL byte in a header value" 400 \
	'GET / HTTP/1.1\r\nHost: @HOST@\r\nX-Nul: a\x00b\r\nConnection: close\r\n\r\n'
# lighttpd refuses %00 in a path, Apache too (with its 404).
raw_all "%00 in the path" "$(by_server 400 404)" \
	'GET /a%00b HTTP/1.1\r\nHost: @HOST@\r\nConnection: close\r\n\r\n'
# lighttpd refuses a path that is not UTF-8 (raw or encoded); Apache hands
# it on, and each program finds no such path.
raw_all "invalid UTF-8 in the path" "$(by_server 400 program)" \
	'GET /\xff\xfe\xc0\xae HTTP/1.1\r\nHost: @HOST@\r\nConnection: close\r\n\r\n'
raw_all "encoded invalid UTF-8 (%ff%fe) in the path" "$(by_server 400 program)" \
	'GET /%ff%fe HTTP/1.1\r\nHost: @HOST@\r\nConnection: close\r\n\r\n'
raw_all "an overlong UTF-8 dot (%c0%ae%c0%ae) in the path" "$(by_server 400 program)" \
	'GET /%c0%ae%c0%ae/x HTTP/1.1\r\nHost: @HOST@\r\nConnection: close\r\n\r\n'
# Control characters in header values: a bare CR or LF would start a
# header of the client's choosing; both servers refuse the request.
raw_all "a bare CR in a header value" 400 \
	'GET / HTTP/1.1\r\nHost: @HOST@\r\nX-A: a\rX-Injected: 1\r\nConnection: close\r\n\r\n'
raw_all "a bare LF in a header value" 400 \
	'GET / HTTP/1.1\r\nHost: @HOST@\r\nX-A: a\nX-Injected: 1\r\nConnection: close\r\n\r\n'
raw_all "a control character in a header value" 400 \
	'GET / HTTP/1.1\r\nHost: @HOST@\r\nX-A: a\x01b\x7f\r\nConnection: close\r\n\r\n'
raw_all "a space in a header name" 400 \
	'GET / HTTP/1.1\r\nHost: @HOST@\r\nBad Name: x\r\nConnection: close\r\n\r\n'
raw_check
# HTTP/2 lets a :path hold what no HTTP/1.1 request line can (a space, a
# '#'), or not start with '/'.  lighttpd refuses some itself (400) and
# hands the rest on; each program finds no such path.  Apache's mod_http2
# resets the stream of all but '#' (RFC 9113 8.2.1), which gets its 400.
h2_reset
for host in "${HOSTS[@]}"; do
	for p in '/a b' '/a#b' 'x' '*' '/a\r\nX-Injected: yes'; do
		h2_add "$host" "$host: HTTP/2 :path '$p'" \
			"[[\":method\", \"GET\"], [\":path\", \"$p\"], [\":scheme\", \"https\"],
			  [\":authority\", \"$host\"]]"
	done
done
h2_run
for ((i = 0; i < H2_N; i++)); do
	h2_pick "$i"
	host=${HOSTS[i / 5]}
	if [[ $GH_SERVER == apache ]]; then
		case $((i % 5)) in
		1) expect_status 400 ;;
		*) expect_h2_reset ;;
		esac
	else
		case $((i % 5)) in
		0 | 1) expect_status "${UNKNOWN[$host]}" ;;
		*) expect_status 400 ;;
		esac
	fi
	[[ $host == icyfire.localhost ]] && icy_tally
done
ALIVE_AFTER="NUL bytes and invalid UTF-8"
alive "${SERVICES[@]}"

# --- path traversal ----------------------------------------------------------------
# Every program lives beside the others in one directory, and Apache maps
# a host's whole path onto its program (ScriptAliasMatch): a dot segment
# that survived would run another service under this host's name.  The
# target is certmaker's CRL, which needs no token: it must never come back.
# Apache refuses a dot segment above the root itself (400); lighttpd
# resolves it, and the program finds no such path.
dots=(
	'/../certmaker/api/v1/crl'
	'/%2e%2e/certmaker/api/v1/crl'
	'/%2E%2E/%2e%2e/certmaker/api/v1/crl'
	'/x/../../certmaker/api/v1/crl'
	'/.%2e/.%2e/certmaker/api/v1/crl'
)
# These stay inside the host: %2F is not a separator to either server
# (AllowEncodedSlashes NoDecode, url-path-2f-decode disabled), %252e is
# "%2e" once decoded, a backslash is a character: the program's 404.
inside=(
	'/x/..%2f..%2fcertmaker/api/v1/crl'
	'/x/..%2F..%2F..%2Fetc%2Fpasswd'
	'/%252e%252e/%252e%252e/certmaker/api/v1/crl'
	'/x\..\..\certmaker\api\v1\crl'
	'//certmaker/api/v1/crl'
)
for host in "${HOSTS[@]}"; do
	GH_HOST=$host
	batch_reset
	for p in "${dots[@]}"; do
		batch_add "$host: GET $p" GET "$p" --path-as-is
	done
	for p in "${inside[@]}"; do
		batch_add "$host: GET $p" GET "$p" --path-as-is
	done
	batch_run
	crls=
	for ((i = 0; i < BATCH_N; i++)); do
		batch_pick "$i"
		if ((i < ${#dots[@]})); then
			expect_status "$(by_server "${UNKNOWN[$host]}" 400)"
		else
			expect_status "${UNKNOWN[$host]}"
		fi
		# A CRL is DER, which starts with 0x30 ("0"); JSON and pages do not.
		first=
		IFS= read -r -n 1 first <"$RES_BODY"
		[[ $first == 0 ]] && crls+="$REQ_DESC; "
	done
	check "$host: no traversal got certmaker's CRL" "$crls" test -z "$crls"
	[[ $host == icyfire.localhost ]] && icy_tally_batch
done
ALIVE_AFTER="path traversal"
alive "${SERVICES[@]}"

# --- the Host header --------------------------------------------------------------

raw_reset
raw_all "a SQL injection in Host" 400 \
	"GET / HTTP/1.1\r\nHost: @HOST@' OR 1=1--\r\nConnection: close\r\n\r\n"
raw_all "a path in Host" 400 \
	'GET / HTTP/1.1\r\nHost: @HOST@/../x\r\nConnection: close\r\n\r\n'
raw_all "two Host headers" 400 \
	'GET / HTTP/1.1\r\nHost: @HOST@\r\nHost: evil.example\r\nConnection: close\r\n\r\n'
raw_all "port 99999 in Host" 400 \
	'GET / HTTP/1.1\r\nHost: @HOST@:99999\r\nConnection: close\r\n\r\n'
raw_all "no Host" 400 \
	'GET / HTTP/1.1\r\nConnection: close\r\n\r\n'
# A name that is none of ours: no program, the server's 404.
raw_all "a Host that is no service" 404 \
	'GET / HTTP/1.1\r\nHost: nosuch.localhost\r\nConnection: close\r\n\r\n'

# --- smuggling, methods, protocol --------------------------------------------------

raw_all "Content-Length and Transfer-Encoding: chunked" "$(by_server 400 program)" \
	'POST / HTTP/1.1\r\nHost: @HOST@\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n'
raw_all "two different Content-Lengths" 400 \
	'POST / HTTP/1.1\r\nHost: @HOST@\r\nContent-Length: 2\r\nContent-Length: 3\r\nConnection: close\r\n\r\n{}x'
raw_all "a negative Content-Length" 400 \
	'POST / HTTP/1.1\r\nHost: @HOST@\r\nContent-Length: -1\r\nConnection: close\r\n\r\n'
raw_all "a 23-digit Content-Length" 400 \
	'POST / HTTP/1.1\r\nHost: @HOST@\r\nContent-Length: 99999999999999999999999\r\nConnection: close\r\n\r\n'
# Apache takes the host of an absolute URI for the request's (RFC 9112
# section 3.2.2): no such virtual host, its default host's 404.
raw_all "an absolute URI for another host" "$(by_server 400 404)" \
	'GET https://evil.example/ HTTP/1.1\r\nHost: @HOST@\r\nConnection: close\r\n\r\n'
# A method no server knows.  lighttpd answers 501 itself, as RFC 9110
# (section 9.1) says a server SHOULD for a method it does not recognise:
# the only 5xx these tests take, and never the program's.  Apache hands it on:
# the program's 405 (apihost takes any method to the app, so asks for a
# token first: 403).
declare -A KNOWN=([factory.localhost]=/v1/domain/available.gent
	[certmaker.localhost]=/api/v1/crl [icyfire.localhost]='/api/_r/1/auth=a&b&1'
	[api.localhost]=/x)
for host in "${HOSTS[@]}"; do
	want=405
	[[ $host == api.localhost ]] && want=403
	for m in FOO get; do
		RAW_WANT[RAW_N]=$(by_server 501 "$want")
		raw_add "$host" "$host: method '$m'" \
			"$m ${KNOWN[$host]} HTTP/1.1\r\nHost: $host\r\nConnection: close\r\n\r\n"
	done
	# Not a token at all: Apache refuses the request line (lighttpd: 501).
	RAW_WANT[RAW_N]=$(by_server 501 400)
	raw_add "$host" "$host: method 'G(T'" \
		"G(T ${KNOWN[$host]} HTTP/1.1\r\nHost: $host\r\nConnection: close\r\n\r\n"
done
raw_check
ALIVE_AFTER="bad Host headers, smuggling and unknown methods"
alive "${SERVICES[@]}"

# --- nothing was written ---------------------------------------------------------------

for db in factory certmaker icyfire apihost; do
	expect_db_same "$db" "${SNAP[$db]}" "after every hostile request"
done
expect_incidents "$INCIDENTS" "icyfire_log.db after every hostile request"

finish
