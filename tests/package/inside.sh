#!/bin/bash
# SPDX-License-Identifier: ISC
#
# inside.sh: the half of the package test that runs inside the Debian root,
# in a network namespace of its own (run.sh puts it there), so that the
# web servers it starts on ports 80 and 443 are seen by nothing else.
#
#   inside.sh serve apache|lighttpd DOMAIN
#       enable the site (a2ensite) or the module (lighty-enable-mod), start
#       Debian's server, check the four services on 443, order DOMAIN and
#       see the worker provision it, check what the server answers itself
#       and passes on (HTTP/2, a bodyless POST, 404 and 413 as JSON; with
#       Apache, HTTP/2 bodies without a Content-Length), that a service
#       whose processes are all killed answers on (lighttpd:
#       gatehouse-spawn), then stop the server and disable the site or
#       module again
#   inside.sh kept DOMAIN
#       after an upgrade: start Apache again, without mod_cgid, and check
#       that the token and the order made before are still there and that
#       an HTTP/2 body without a Content-Length gets the site's 411; stop
#       it, the site left enabled for the purge to disable
#
# Prints "ok: WHAT" or "FAIL: WHAT" a check; run.sh counts them.

set -uo pipefail

CONF=/etc/gatehouse/gatehouse.conf
TOKENS=/root/gatehouse-test.tokens	# "NAME TOKEN" lines, kept between runs

ok() { printf 'ok: %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*"; }
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else fail "$what"; fi
}

ctl() { runuser -u www-data -- gatectl -c "$CONF" "$@"; }

# curl HOST PATH [ARGS…]: an HTTPS request to 127.0.0.1:443 for HOST; the
# body goes to /tmp/body, the headers to /tmp/head, the status to stdout.
# -k: the certificate is Debian's snakeoil, made for this machine's name.
req() {
	local host=$1 path=$2
	shift 2
	rm -f /tmp/body /tmp/head
	curl -sk --max-time 30 -o /tmp/body -D /tmp/head -w '%{http_code}' \
		--resolve "$host:443:127.0.0.1" "$@" "https://$host$path"
}

# is STATUS HOST PATH [ARGS…]
is() {
	local want=$1 got
	shift
	got=$(req "$@")
	[[ $got == "$want" ]] && return 0
	printf '  %s %s: %s, wanted %s: %s\n' "$1" "$2" "$got" "$want" \
		"$(head -c 300 /tmp/body 2>/dev/null)"
	return 1
}

# wait_for SECONDS COMMAND…: until COMMAND succeeds, polling 5 times a second.
wait_for() {
	local i n=$(($1 * 5))
	shift
	for ((i = 0; i < n; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	return 1
}

token() { awk -v n="$1" '$1 == n { print $2 }' "$TOKENS"; }

# The tokens of every service, made once (as www-data, by gatectl).
make_tokens() {
	[[ -s $TOKENS ]] && return 0
	local t
	printf 'callback-secret\n' >/tmp/cb.secret
	chown www-data: /tmp/cb.secret
	chmod 0600 /tmp/cb.secret
	{
		t=$(ctl token add tester --callback-secret-file /tmp/cb.secret) &&
			printf 'factory %s\n' "$t" &&
			t=$(ctl certmaker user add tester) &&
			printf 'certmaker %s\n' "$t" &&
			ctl icyfire tokens generate &&
			ctl icyfire server add 1 >/dev/null
	} >"$TOKENS.new" && mv "$TOKENS.new" "$TOKENS"
}

order_state() {
	req factory.localhost "/v1/site/$1" \
		-H "Authorization: Bearer $(token factory)" >/dev/null &&
		grep -q "\"state\": *\"$2\"" /tmp/body
}

# masked_in LOG TOKEN: LOG has an icyfire line with auth=*** and no TOKEN.
masked_in() {
	grep -q 'auth=\*\*\*' "$1" && ! grep -q "$2" "$1"
}

# The four services, as a client sees them.
services() {
	local name=$1 domain=$2 log=$3 r c
	check "$name: factory 200 with a token made by gatectl" \
		is 200 factory.localhost /v1/domain/example.gent \
		-H "Authorization: Bearer $(token factory)"
	check "$name: factory 401 without" \
		is 401 factory.localhost /v1/domain/example.gent
	check "$name: factory order 201" \
		is 201 factory.localhost /v1/site \
		-H "Authorization: Bearer $(token factory)" \
		-H 'Content-Type: application/json' \
		-d "{\"domain\": \"$domain\", \"callback\": \"https://receiver.example/cb\", \"installerSecret\": \"s3cret\"}"
	check "$name: the worker provisions the order" \
		wait_for 20 order_state "$domain" created
	check "$name: certmaker 200 for its root" \
		is 200 certmaker.localhost /api/v1/root-certificate/obtain \
		-H "X-Auth-Token: $(token certmaker)"
	check "$name: certmaker's root is a certificate" \
		grep -q 'BEGIN CERTIFICATE' /tmp/body
	r=$(token read) c=$(token cred)
	check "$name: icyfire 218 for an unclaimed slot" \
		is 218 icyfire.localhost "/api/_r/314/auth=$r&$c&1"
	# Apache may write an HTTP/2 stream's log line after its answer.
	check "$name: icyfire's tokens are masked in the access log" \
		wait_for 5 masked_in "$log" "$r"
	# Sandstorm's answer to a browser-less request without a token.
	check "$name: apihost 403 without a token, in its own words" \
		eval "is 403 api.localhost /anything && grep -q 'API token' /tmp/body"
	check "$name: a name that is no service gets 404" \
		is 404 other.localhost /v1/domain/example.gent
	check "$name: that 404 is JSON, {\"error\": …}" server_json
	# Debian's lighttpd enables 90-javascript-alias, server-wide: under a
	# name that is no service, nothing of the disk is served on 443.
	mkdir -p /usr/share/javascript
	echo probe >/usr/share/javascript/gatehouse-probe.js
	check "$name: no file from disk under another name (/javascript/)" \
		is 404 other.localhost /javascript/gatehouse-probe.js
	rm -f /usr/share/javascript/gatehouse-probe.js
	check "$name: nothing of ours on port 80" \
		eval "! curl -s --max-time 5 -H 'Authorization: Bearer $(token factory)' \
			--resolve factory.localhost:80:127.0.0.1 \
			http://factory.localhost/v1/domain/example.gent | grep -q available"
}

# server_json: the last answer (/tmp/head, /tmp/body) is an error in the
# programs' shape: Content-Type application/json, {"error": "…"}, no HTML.
server_json() {
	grep -qi '^content-type: *application/json' /tmp/head &&
		grep -q '^{"error": *"[^"]' /tmp/body && ! grep -qi '<html' /tmp/body &&
		return 0
	printf '  not JSON: %s | %s\n' "$(grep -i '^content-type' /tmp/head)" \
		"$(head -c 200 /tmp/body)"
	return 1
}

# spoken VERSION: curl, asking factory for HTTP/VERSION, speaks it.
spoken() {
	local got
	got=$(curl -sk --max-time 10 "--http$1" -o /dev/null -w '%{http_version}' \
		--resolve factory.localhost:443:127.0.0.1 https://factory.localhost/)
	[[ $got == "$1" ]] && return 0
	printf '  asked for HTTP/%s, curl spoke %s\n' "$1" "$got"
	return 1
}

# bodyless_revoke VERSION SERIAL: certmaker revokes SERIAL for a POST
# without a body (curl -X POST without -d: no Content-Length either),
# the reason in the query.
bodyless_revoke() {
	is 200 certmaker.localhost \
		"/api/v1/certificate/${2:-none}/revoke?reason=keyCompromise" \
		"--http$1" -X POST -H "X-Auth-Token: $(token certmaker)" &&
		grep -q '"reason": *"keyCompromise"' /tmp/body
}

# unknown_404 VERSION: a name that is no service gets 404 as JSON.
unknown_404() { is 404 other.localhost /x "--http$1" && server_json; }

# program_413 VERSION: 2 MiB to factory get the program's own 413 (its
# max_body is 16 KiB): over the 1 MiB the servers capped bodies at
# before, far under their 64 MiB now.
program_413() {
	is 413 factory.localhost /v1/site "--http$1" \
		-H "Authorization: Bearer $(token factory)" \
		-H 'Content-Type: application/json' --data-binary @/tmp/2m &&
		grep -q 'request body larger than 16384 bytes' /tmp/body
}

# What the server answers itself, and what it passes on, over HTTP/1.1
# and HTTP/2: the site and the module keep what the self-contained
# templates learned (README, "The web servers' own answers").
edges() {
	local name=$1 v serial
	head -c $((2 * 1024 * 1024)) /dev/zero >/tmp/2m
	for v in 1.1 2; do
		check "$name: HTTP/$v when the client asks for it" spoken "$v"
		check "$name: HTTP/$v: certmaker issues a certificate" \
			is 200 certmaker.localhost /api/v1/certificate/request \
			"--http$v" -H "X-Auth-Token: $(token certmaker)" \
			-H 'Content-Type: application/json' \
			--data-binary "{\"domains\": [\"edges$v.example.test\"]}"
		serial=$(sed -n 's/.*"serial": *"\([^"]*\)".*/\1/p' /tmp/body)
		check "$name: HTTP/$v: POST …/revoke without a body reaches certmaker" \
			bodyless_revoke "$v" "$serial"
		check "$name: HTTP/$v: a name that is no service: 404 JSON" \
			unknown_404 "$v"
		check "$name: HTTP/$v: 2 MiB to factory: the program's own 413" \
			program_413 "$v"
	done
	rm -f /tmp/2m
	# Other sites of the server keep its own pages: Debian's default
	# site on port 80.
	check "$name: port 80 still answers its own HTML 404" \
		eval "curl -s --max-time 10 -D - -o /dev/null http://127.0.0.1/gatehouse-nothing |
			grep -qi '^content-type: *text/html'"
}

# apache_up [MODULE…]: enable the modules (the site's header line:
# ssl fcgid http2 headers cgid) and the site, and start Apache.
# h2_unknown STATUS HOST PATH [ARGS…] <BODY: an HTTP/2 POST of stdin
# without a Content-Length (curl -T -: its size is unknown), like git
# push's; curl -v's trace goes to /tmp/trace.  Fails unless it got STATUS
# over HTTP/2 and the trace shows no Content-Length sent.
h2_unknown() {
	local want=$1 host=$2 path=$3 got
	shift 3
	rm -f /tmp/body /tmp/head /tmp/trace
	got=$(curl -vsk --http2 --max-time 30 -o /tmp/body -D /tmp/head \
		-w '%{http_code} HTTP/%{http_version}' \
		--resolve "$host:443:127.0.0.1" -X POST -T - "$@" \
		"https://$host$path" 2>/tmp/trace)
	if ! grep -q '^> POST ' /tmp/trace; then
		printf '  %s %s: no request in the trace\n' "$host" "$path"
		return 1
	elif grep -Eiq '^(> |\* h2h3 \[)content-length' /tmp/trace; then
		printf '  %s %s: curl sent a Content-Length: %s\n' "$host" "$path" \
			"$(grep -Ei 'content-length' /tmp/trace | head -n 2)"
		return 1
	fi
	[[ $got == "$want HTTP/2" ]] && return 0
	printf '  %s %s: %s, wanted %s over HTTP/2: %s\n' "$host" "$path" "$got" \
		"$want" "$(head -c 300 /tmp/body 2>/dev/null)"
	return 1
}

# program_said: the last answer is the program's (every one carries
# X-Content-Type-Options; none of Apache's own does).
program_said() { grep -qi '^x-content-type-options: *nosniff' /tmp/head; }

# HTTP/2 bodies of unknown length under the packaged Apache: the site runs
# the program as CGI (mod_cgid) for them, and it reads them to their end
# (README, "Bodies of unknown length").  Not a 411.
h2_bodies() {
	check "apache: HTTP/2 POST without Content-Length: factory reads the body (400 on its domain)" \
		eval "h2_unknown 400 factory.localhost /v1/site \
			-H 'Authorization: Bearer $(token factory)' \
			-H 'Content-Type: application/json' < <(printf '{\"domain\": 7}') &&
			program_said && grep -q 'domain' /tmp/body"
	check "apache: HTTP/2 POST without Content-Length: factory orders (201)" \
		eval "h2_unknown 201 factory.localhost /v1/site \
			-H 'Authorization: Bearer $(token factory)' \
			-H 'Content-Type: application/json' \
			< <(printf '{\"domain\": \"h2.gent\", \"callback\": \"https://receiver.example/cb\", \"installerSecret\": \"s3cret\"}') &&
			program_said"
	check "apache: HTTP/2 POST without Content-Length: certmaker issues a certificate" \
		eval "h2_unknown 200 certmaker.localhost /api/v1/certificate/request \
			-H 'X-Auth-Token: $(token certmaker)' \
			-H 'Content-Type: application/json' \
			< <(printf '{\"domains\": [\"h2.example.test\"]}') &&
			grep -q '\"serial\": *\"' /tmp/body"
	check "apache: HTTP/2 2 MiB without Content-Length to factory: the program's own 413" \
		eval "h2_unknown 413 factory.localhost /v1/site \
			-H 'Authorization: Bearer $(token factory)' \
			-H 'Content-Type: application/json' < <(head -c 2097152 /dev/zero) &&
			grep -q 'request body larger than 16384 bytes' /tmp/body"
	# a2enmod cgid turns on Debian's serve-cgi-bin.conf (ScriptAlias
	# /cgi-bin/ server-wide): these hosts still send every path to
	# their program, or to the 404 of a name that is no service.
	check "apache: /cgi-bin/… still goes to the factory" \
		eval "is 404 factory.localhost /cgi-bin/x \
			-H 'Authorization: Bearer $(token factory)' && program_said"
	check "apache: /cgi-bin/… under a name that is no service: 404 JSON" \
		eval "is 404 other.localhost /cgi-bin/x && server_json"
}

apache_up() {
	local mods="${*:-ssl fcgid http2 headers cgid}"
	check "apache: a2enmod $mods && a2ensite gatehouse" \
		eval "a2enmod -q $mods && a2ensite -q gatehouse"
	check "apache: apache2ctl configtest" apache2ctl configtest
	check "apache: apache2ctl start" apache2ctl start
	wait_for 10 req factory.localhost / || true
}

# gone PIDFILE: the process it names has exited.  (Not pidof: /proc here
# shows every process of the machine, the host's servers too.)
gone() {
	local pid
	pid=$(cat "$1" 2>/dev/null) || return 0
	[[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null
}

# apache_down [enabled]: stop Apache; disable the site unless "enabled".
apache_down() {
	local pidfile=/run/apache2/apache2.pid
	apache2ctl stop >/dev/null 2>&1
	check "apache: stopped" wait_for 20 gone $pidfile
	[[ ${1:-} == enabled ]] || a2dissite -q gatehouse
}

cmd_serve() {
	local server=$1 domain=$2 pid
	make_tokens || { fail "gatectl makes the tokens"; return; }
	ok "gatectl makes the tokens as www-data"
	case $server in
	apache)
		apache_up
		services apache "$domain" /var/log/gatehouse/apache-access.log
		edges apache
		h2_bodies
		apache_down
		;;
	lighttpd)
		check "lighttpd: lighty-enable-mod gatehouse" \
			eval 'lighty-enable-mod gatehouse >/dev/null'
		check "lighttpd: lighttpd -tt" \
			lighttpd -tt -f /etc/lighttpd/lighttpd.conf
		check "lighttpd: /etc/init.d/lighttpd start" \
			/etc/init.d/lighttpd start
		wait_for 10 req factory.localhost / || true
		services lighttpd "$domain" /var/log/gatehouse/lighttpd-access.log
		edges lighttpd
		whole_service
		check "lighttpd: port 80 still answers a bodyless POST with its own 411" \
			eval "curl -s --max-time 10 -X POST -o /dev/null -w '%{http_code}' \
				http://127.0.0.1/ | grep -qx 411"
		pid=$(cat /run/lighttpd.pid 2>/dev/null)
		/etc/init.d/lighttpd stop >/dev/null 2>&1
		check "lighttpd: stopped" wait_for 20 eval "! kill -0 ${pid:-0} 2>/dev/null"
		lighty-disable-mod gatehouse >/dev/null
		;;
	esac
}

# The PIDs of the processes whose command line is exactly ARGS (read from
# /proc: the root may have no procps).
procs() {
	local d
	for d in /proc/[0-9]*; do
		[[ $({ tr '\0' ' ' <"$d/cmdline"; } 2>/dev/null) == "$* " ]] &&
			printf '%s\n' "${d#/proc/}"
	done
}

# lighttpd runs each service under gatehouse-spawn, which holds its
# socket: with every certmaker process killed, the next request is still
# the program's (a new copy), not lighttpd's 503.
whole_service() {
	local lib=/usr/libexec/gatehouse sup pids
	sup=$(procs "$lib/gatehouse-spawn" 4 "$lib/certmaker")
	check "lighttpd: certmaker runs under gatehouse-spawn" \
		test -n "$sup" -a "$(wc -w <<<"$sup")" -eq 1
	mapfile -t pids < <(procs "$lib/certmaker")
	check "lighttpd: certmaker's processes are there" test "${#pids[@]}" -eq 4
	kill -9 "${pids[@]}" 2>/dev/null
	check "lighttpd: all certmaker processes killed, the next request gets the program's 200" \
		is 200 certmaker.localhost /api/v1/root-certificate/obtain \
		-H "X-Auth-Token: $(token certmaker)"
	check "lighttpd: gatehouse-spawn survived and runs 4 new ones" \
		eval "kill -0 ${sup:-0} && [[ \$(procs $lib/certmaker | wc -l) -eq 4 ]]"
}

cmd_kept() {
	local domain=$1
	# As a server enabled with the site's line from before mod_cgid:
	# the site then answers 411 to an HTTP/2 body without a
	# Content-Length, and never hands out the program's file.
	a2dismod -q -f cgid >/dev/null 2>&1
	apache_up ssl fcgid http2 headers
	check "upgrade, without mod_cgid: an HTTP/2 body without Content-Length gets 411 JSON" \
		eval "h2_unknown 411 factory.localhost /v1/site \
			-H 'Authorization: Bearer $(token factory)' \
			< <(printf '{}') && server_json"
	check "upgrade: the old factory token still gets 200" \
		is 200 factory.localhost /v1/domain/example.gent \
		-H "Authorization: Bearer $(token factory)"
	check "upgrade: the old order is still there, provisioned" \
		order_state "$domain" created
	check "upgrade: certmaker's user and root are still there" \
		is 200 certmaker.localhost /api/v1/root-certificate/obtain \
		-H "X-Auth-Token: $(token certmaker)"
	# Left enabled: the purge must disable it (postrm).
	apache_down enabled
}

case ${1:-} in
serve) cmd_serve "$2" "$3" ;;
kept) cmd_kept "$2" ;;
*) echo "usage: inside.sh serve apache|lighttpd DOMAIN | kept DOMAIN" >&2; exit 2 ;;
esac
