# SPDX-License-Identifier: ISC
# shellcheck shell=bash
#
# acme_lib.sh: what the ACME scripts (0009-acme.sh, 0010-acme-clients.sh)
# share; sourced after lib.sh.  GH_HOST is certmaker.localhost.

ACME_PORT=	# where certmaker fetches http-01: the clients' servers
ACME_CONF=()	# more [certmaker] lines for this run

before_start() {
	local line
	gh_state_acme_http_port "$1" "$ACME_PORT"
	for line in "${ACME_CONF[@]}"; do
		sed -i -E "/^acme_http_port *=/a $line" "$1/gatehouse.conf"
	done
}

# acme_start ADMIN [LINE…]: the server, with http-01 fetched from a free
# port (ACME_PORT) and each LINE added to [certmaker]; W, the clients'
# directory; BASE and DIRECTORY, the ACME URLs; certbot's trust of the
# test CA; an admin user ADMIN (for EAB keys) and certmaker's root in
# $W/root.pem.
acme_start() {
	local admin=$1 token
	shift
	ACME_PORT=$(free_port)
	ACME_CONF=("$@")
	start_server "$GH_SERVER"
	W=$GH_STATE/acme
	mkdir -p "$W"
	BASE=https://certmaker.localhost:$GH_PORT/acme
	# shellcheck disable=SC2034 # the sourcing script's
	DIRECTORY=$BASE/directory
	export REQUESTS_CA_BUNDLE=$GH_STATE/ca.pem	# certbot (python requests)
	token=$(gatectl certmaker user add "$admin" --admin 2>/dev/null)
	secret "$token"
	req GET /api/v1/root-certificate/obtain -H "X-Auth-Token: $token"
	cp "$RES_BODY" "$W/root.pem"
}

# ocsp CERT: openssl ocsp against this server; prints its output.
ocsp() {
	openssl ocsp -issuer "$W/root.pem" -cert "$1" -CAfile "$W/root.pem" \
		-url "https://127.0.0.1:$GH_PORT/api/v1/ocsp" \
		-header Host=certmaker.localhost 2>&1
}
