#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# certmaker's ACME (RFC 8555) through a real web server: the directory,
# nonces, problem documents and the headers every answer carries, checked
# with curl; the protocol rules stock clients do not exercise, with
# acme_client.py (JWS checks, accounts, key rollover, dns and ip
# identifiers, finalize, revocation three ways, ARI); then Debian 12's
# certbot end to end (register, certonly with http-01 on its standalone
# server, renew, revoke) and lego likewise, each revocation seen at once
# by OCSP and in the CRL.
#
# certbot and lego take seconds a run, more when ./dev test runs suites
# side by side:
# gh-timeout: 900

GH_HOST=certmaker.localhost
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

# The http-01 port certmaker fetches from (ACME_PORT): the clients'
# standalone servers.
# shellcheck source-path=SCRIPTDIR source=acme_lib.sh
. "$(dirname "$0")/acme_lib.sh"
acme_start acme-it-admin
export LEGO_CA_CERTIFICATES=$GH_STATE/ca.pem

for tool in certbot lego openssl jq; do
	check "$tool is installed" "install it: ./dev installs it" \
		test -n "$(command -v "$tool")"
done

# --- the directory, nonces, errors ----------------------------------------------

req GET /acme/directory
expect_status 200
expect_json .newNonce "$BASE/new-nonce"
expect_json .newAccount "$BASE/new-account"
expect_json .newOrder "$BASE/new-order"
expect_json .revokeCert "$BASE/revoke-cert"
expect_json .keyChange "$BASE/key-change"
expect_json .renewalInfo "$BASE/renewal-info"
expect_json .meta.externalAccountRequired false
expect_header Replay-Nonce '^[A-Za-z0-9_-]{24}$'
expect_header Link "^<$DIRECTORY>;rel=\"index\"\$"

req HEAD /acme/new-nonce
expect_status 200
expect_header Replay-Nonce '^[A-Za-z0-9_-]{24}$'
expect_header Cache-Control 'no-store'
req GET /acme/new-nonce
expect_status 204
expect_header Replay-Nonce '^[A-Za-z0-9_-]{24}$'
expect_header Cache-Control 'no-store'
expect_header Link 'rel="index"'
n1=$(res_header Replay-Nonce)
req GET /acme/new-nonce
n2=$(res_header Replay-Nonce)
check "each answer has a new nonce" "$n1 twice" test "$n1" != "$n2"

req POST /acme/new-account -H 'Content-Type: application/jose+json' \
	--data '{"protected":"e30","payload":"","signature":"AA"}'
expect_status 400
expect_header Content-Type '^application/problem\+json'
expect_header Replay-Nonce '^[A-Za-z0-9_-]{24}$'
expect_header Link 'rel="index"'
expect_json .status 400
expect_json_match .type '^urn:ietf:params:acme:error:'

req POST /acme/new-account -H 'Content-Type: application/json' --data '{}'
expect_status 415
expect_header Content-Type '^application/problem\+json'

req POST /acme/no-such-thing -H 'Content-Type: application/jose+json' --data '{}'
expect_status 404
expect_header Content-Type '^application/problem\+json'
expect_header Replay-Nonce '^[A-Za-z0-9_-]{24}$'
expect_json .status 404

req PUT /acme/new-order
expect_status 405
expect_header Content-Type '^application/problem\+json'
expect_header Replay-Nonce '.'

# in_crl CERT: the CRL lists CERT's serial.
in_crl() {
	local serial
	serial=$(openssl x509 -in "$1" -noout -serial | cut -d= -f2)
	req GET /api/v1/crl
	openssl crl -inform DER -in "$RES_BODY" -noout -text 2>/dev/null |
		tr -d ' ' | grep -qi "^SerialNumber:$serial\$"
}

# --- the protocol rules, by a client of our own ---------------------------------

while IFS= read -r line; do
	case $line in
	"ok - "*) ok "acme_client.py: ${line#ok - }" ;;
	"not ok - "*) not_ok "acme_client.py: ${line#not ok - }" ;;
	*) not_ok "acme_client.py said: $line" ;;
	esac
done < <(python3 "$GH_ROOT/tests/integration/acme_client.py" "$DIRECTORY" \
	"$GH_STATE/ca.pem" "$ACME_PORT" 2>&1)

# --- certbot --------------------------------------------------------------------

CB=(--server "$DIRECTORY" --config-dir "$W/certbot/etc"
	--work-dir "$W/certbot/work" --logs-dir "$W/certbot/log" -n)
NAME=www.acme-test.localhost

out=$(certbot register "${CB[@]}" --agree-tos \
	--register-unsafely-without-email 2>&1)
check "certbot register" "$out" grep -qi 'account registered' <<<"$out"

out=$(certbot certonly "${CB[@]}" --standalone --http-01-port "$ACME_PORT" \
	--http-01-address 127.0.0.1 -d "$NAME" 2>&1)
LIVE=$W/certbot/etc/live/$NAME
check "certbot certonly with http-01" "$out" test -s "$LIVE/cert.pem"
out=$(openssl verify -CAfile "$W/root.pem" "$LIVE/cert.pem" 2>&1)
check "the certificate chains to certmaker's root" "$out" \
	grep -q ': OK$' <<<"$out"
out=$(openssl x509 -in "$LIVE/cert.pem" -noout -text 2>&1)
check "it names $NAME" "$out" grep -q "DNS:$NAME" <<<"$out"
check "it names the CRL distribution point" "$out" \
	grep -q "URI:https://certmaker.localhost:$GH_PORT/api/v1/crl" <<<"$out"
check "fullchain.pem is leaf then root" "$(cat "$LIVE/fullchain.pem")" \
	test "$(grep -c BEGIN "$LIVE/fullchain.pem")" -eq 2
first=$(openssl x509 -in "$LIVE/cert.pem" -noout -serial)

out=$(certbot renew "${CB[@]}" --force-renewal --no-random-sleep-on-renew --standalone \
	--http-01-port "$ACME_PORT" --http-01-address 127.0.0.1 2>&1)
second=$(openssl x509 -in "$LIVE/cert.pem" -noout -serial)
check "certbot renew --force-renewal gets a new certificate" "$out" \
	test "$first" != "$second"

out=$(ocsp "$LIVE/cert.pem")
check "OCSP: good before revocation" "$out" grep -q ': good' <<<"$out"
out=$(certbot revoke "${CB[@]}" --cert-path "$LIVE/cert.pem" \
	--reason keycompromise --no-delete-after-revoke 2>&1)
check "certbot revoke" "$out" grep -qi 'revoked' <<<"$out"
out=$(ocsp "$LIVE/cert.pem")
check "OCSP: revoked at once" "$out" grep -q ': revoked' <<<"$out"
check "the CRL lists it at once" "$(openssl crl -inform DER -in "$RES_BODY" -noout -text 2>&1 | head -20)" \
	in_crl "$LIVE/cert.pem"

# --- external account binding ------------------------------------------------------

read -r EAB_KID EAB_HMAC < <(gatectl certmaker acme eab add acme-it-admin 2>/dev/null)
secret "$EAB_HMAC"
check "gatectl certmaker acme eab add prints a key id and an HMAC key" \
	"got '$EAB_KID'" test "${#EAB_KID}" -eq 20 -a "${#EAB_HMAC}" -eq 43
# Both go on command lines: never one that reads as an option (a random
# base64url string starts with '-' once in 64 draws).
dash=0
for ((i = 0; i < 64; i++)); do
	read -r kid hmac < <(gatectl certmaker acme eab add acme-it-admin 2>/dev/null)
	secret "$hmac"
	[[ -n $kid && $kid != -* && $hmac != -* ]] || dash=$((dash + 1))
done
check "gatectl certmaker acme eab add: 64 keys, no key id or HMAC key starts with '-'" \
	"$dash bad" test "$dash" -eq 0
out=$(certbot register --server "$DIRECTORY" --config-dir "$W/eab/etc" \
	--work-dir "$W/eab/work" --logs-dir "$W/eab/log" -n --agree-tos \
	--register-unsafely-without-email --eab-kid "$EAB_KID" \
	--eab-hmac-key "$EAB_HMAC" 2>&1)
check "certbot register with EAB" "$out" grep -qi 'account registered' <<<"$out"
out=$(gatectl certmaker acme accounts 2>&1)
check "gatectl certmaker acme accounts: the EAB account acts for its user" \
	"$out" grep -qE '^[A-Za-z0-9_-]{20} +valid +acme-it-admin ' <<<"$out"
out=$(certbot register --server "$DIRECTORY" --config-dir "$W/eab2/etc" \
	--work-dir "$W/eab2/work" --logs-dir "$W/eab2/log" -n --agree-tos \
	--register-unsafely-without-email --eab-kid "$EAB_KID" \
	--eab-hmac-key "$EAB_HMAC" 2>&1)
check "an EAB key binds one account only" "$out" \
	eval '! grep -qi "account registered" <<<"$out"'
out=$(gatectl certmaker acme orders 2>&1)
check "gatectl certmaker acme orders lists certbot's, valid" "$out" \
	grep -qE ' valid +[0-9TZ:-]+ [0-9a-f]{32}$' <<<"$out"

# --- lego (ES256 account key, its own http-01 server) ----------------------------

LG=(--server "$DIRECTORY" --path "$W/lego" --accept-tos
	--email acme-it@example.org --http --http.port "127.0.0.1:$ACME_PORT")
NAME=lego.acme-test.localhost
out=$(lego "${LG[@]}" -d "$NAME" run 2>&1)
LCERT=$W/lego/certificates/$NAME.crt
check "lego run: registers and gets a certificate with http-01" "$out" \
	test -s "$LCERT"
out=$(openssl verify -CAfile "$W/root.pem" -untrusted "$W/root.pem" "$LCERT" 2>&1)
check "lego's certificate chains to the root" "$out" grep -q ': OK$' <<<"$out"
first=$(openssl x509 -in "$LCERT" -noout -serial)
out=$(lego "${LG[@]}" -d "$NAME" renew --days 3650 --no-random-sleep 2>&1)
second=$(openssl x509 -in "$LCERT" -noout -serial)
check "lego renew gets a new certificate" "$out" test "$first" != "$second"
cp "$LCERT" "$W/lego.pem"
out=$(lego "${LG[@]}" -d "$NAME" revoke --reason 4 --keep 2>&1)
check "lego revoke" "$out" grep -qi 'revoked' <<<"$out"
out=$(ocsp "$W/lego.pem")
check "OCSP: lego's certificate revoked at once" "$out" \
	grep -q ': revoked' <<<"$out"
check "the CRL lists lego's certificate" "not in the CRL" \
	in_crl "$W/lego.pem"

finish
