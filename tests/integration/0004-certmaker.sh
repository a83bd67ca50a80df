#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# certmaker (shared spec certmaker-api.txt and NOTES.md) through a real web
# server: users and X-Auth-Token, the root, certificates from JSON and from
# CSRs checked with the openssl CLI, who may fetch what, revocation, OCSP
# (POST and GET, SHA-1 and SHA-256 CertIDs, nonces), the CRL, and the HTTP
# challenge against a token server on loopback, and the outbound address
# policy refusing an address that is not allowed.

GH_HOST=certmaker.localhost
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

start_server "$GH_SERVER"

W=$GH_STATE/cm
mkdir -p "$W"
TOKEN_PID=

cm_cleanup() {
	if [[ -n $TOKEN_PID ]]; then
		kill "$TOKEN_PID" 2>/dev/null
		wait "$TOKEN_PID" 2>/dev/null
	fi
	cleanup
}
trap cm_cleanup EXIT

json=(-H 'Content-Type: application/json')

# --- users ---------------------------------------------------------------------

ALICE=$(gatectl certmaker user add alice 2>/dev/null)
BOB=$(gatectl certmaker user add bob 2>/dev/null)
ADMIN=$(gatectl certmaker user add boss --admin 2>/dev/null)
CAROL=$(gatectl certmaker user add carol 2>/dev/null)
secret "$ALICE" "$BOB" "$ADMIN" "$CAROL"
check "gatectl certmaker user add prints a token alone" "got '$ALICE'" \
	test "${#ALICE}" -eq 43
check "gatectl refuses a second user of the same name" "it did not" \
	eval '! gatectl certmaker user add alice >/dev/null 2>&1'
check "gatectl certmaker user list names every user" "no" \
	eval 'gatectl certmaker user list 2>/dev/null | grep -q "^boss .*admin"'
check "the token is stored hashed, not in the clear" "found it" \
	eval "! db_dump certmaker | grep -qF '$ALICE'"
a=(-H "X-Auth-Token: $ALICE")
b=(-H "X-Auth-Token: $BOB")
boss=(-H "X-Auth-Token: $ADMIN")

# --- auth ------------------------------------------------------------------------

req GET /api/v1/root-certificate/obtain
REQ_DESC+=" (no token)"
expect_status 401
expect_json_match .error '.' "$REQ_DESC: JSON error"
req GET /api/v1/root-certificate/obtain -H 'X-Auth-Token: no-such-token'
REQ_DESC+=" (unknown token)"
expect_status 404
gatectl certmaker user disable carol 2>/dev/null
req GET /api/v1/root-certificate/obtain -H "X-Auth-Token: $CAROL"
REQ_DESC+=" (disabled account)"
expect_status 401
gatectl certmaker user enable carol 2>/dev/null
req GET /api/v1/root-certificate/obtain -H "X-Auth-Token: $CAROL"
REQ_DESC+=" (enabled again)"
expect_status 200
OLD=$CAROL
CAROL=$(gatectl certmaker user rotate-token carol 2>/dev/null)
secret "$CAROL"
req GET /api/v1/root-certificate/obtain -H "X-Auth-Token: $OLD"
REQ_DESC+=" (rotated-away token)"
expect_status 404
req GET /api/v1/root-certificate/obtain -H "X-Auth-Token: $CAROL"
REQ_DESC+=" (rotated token)"
expect_status 200

# --- the root --------------------------------------------------------------------

req GET /api/v1/root-certificate/obtain "${a[@]}"
expect_status 200
expect_header Content-Type '^application/x-pem-file'
cp "$RES_BODY" "$W/root.pem"
check "the root is a CA certificate" "$(openssl x509 -in "$W/root.pem" -noout -text 2>&1 | head -5)" \
	eval "openssl x509 -in '$W/root.pem' -noout -text | grep -q 'CA:TRUE'"
check "the root key is encrypted at rest" "found a PEM key in the database" \
	eval "! db_dump certmaker | grep -q 'PRIVATE KEY'"
req GET /api/root-certificate/obtain "${a[@]}"
REQ_DESC+=" (the /api/ alias)"
expect_status 200

# --- issue from JSON -------------------------------------------------------------

# path_of URL: the path of a full location URL.
path_of() {
	local u=${1#https://}
	printf '/%s\n' "${u#*/}"
}

body='{"domains":["www.example.test","Api.Example.Test"],"ips":["192.0.2.7","2001:db8::1"],
 "email_addresses":["ops@example.test"],"subject":{"common_name":"www.example.test",
 "organization":"Example","country":"DE","locality":"Berlin"},"days":30}'
req POST /api/v1/certificate/request "${a[@]}" "${json[@]}" --data-binary "$body"
expect_status 200
expect_header X-Certificate-Location '^https://certmaker\.localhost:[0-9]+/api/v1/certificate/[0-9a-f]{32}/obtain$'
expect_header X-Privatekey-Location '^https://certmaker\.localhost:[0-9]+/api/v1/privatekey/[0-9a-f]{32}/obtain$'
expect_json_match .serial '^[0-9a-f]{32}$'
SERIAL=$(jq -r .serial "$RES_BODY")
CERT_URL=$(res_header X-Certificate-Location)
KEY_URL=$(res_header X-Privatekey-Location)

req GET "$(path_of "$CERT_URL")" "${a[@]}"
expect_status 200
expect_header Content-Type '^application/x-pem-file'
cp "$RES_BODY" "$W/cert.pem"
out=$(openssl verify -CAfile "$W/root.pem" "$W/cert.pem" 2>&1)
check "openssl verify -CAfile root.pem passes (JSON request)" "$out" \
	grep -q ': OK$' <<<"$out"
text=$(openssl x509 -in "$W/cert.pem" -noout -text 2>&1)
for want in 'DNS:www.example.test' 'DNS:api.example.test' 'IP Address:192.0.2.7' \
	'IP Address:2001:DB8:0:0:0:0:0:1' 'email:ops@example.test' \
	'TLS Web Server Authentication, TLS Web Client Authentication' \
	'OCSP - URI:https://certmaker.localhost' '/api/v1/crl' \
	'X509v3 Subject Key Identifier' 'X509v3 Authority Key Identifier' \
	'O = Example' 'C = DE' 'CA:FALSE'; do
	check "openssl x509 -text shows '$want'" "$(grep -A1 'Alternative' <<<"$text")" \
		grep -qF -- "$want" <<<"$text"
done
days=$(( ($(date -d "$(openssl x509 -in "$W/cert.pem" -noout -enddate | cut -d= -f2)" +%s) - $(date +%s)) / 86400 ))
check "the certificate is valid for the 30 days asked" "$days days" test "$days" -eq 29 -o "$days" -eq 30

req GET "$(path_of "$KEY_URL")" "${a[@]}"
expect_status 200
expect_header Content-Type '^application/x-pem-file'
expect_header Cache-Control 'no-store'
cp "$RES_BODY" "$W/key.pem"
# Its private key is sealed at rest: no line of it in the clear.
mapfile -t key_lines < <(grep -v -- "-----" "$W/key.pem")
secret "${key_lines[@]}"
check "the private key matches the certificate" "it does not" \
	test "$(openssl pkey -in "$W/key.pem" -pubout 2>/dev/null)" = \
	"$(openssl x509 -in "$W/cert.pem" -noout -pubkey 2>/dev/null)"
check "the issued key is encrypted at rest" "found a PEM key in the database" \
	eval "! db_dump certmaker | grep -q 'PRIVATE KEY'"

# Owner or admin only; everyone else is told it does not exist.
req GET "$(path_of "$KEY_URL")" "${b[@]}"
REQ_DESC+=" (another user)"
expect_status 404
req GET "$(path_of "$CERT_URL")" "${b[@]}"
REQ_DESC+=" (another user)"
expect_status 404
req GET "$(path_of "$KEY_URL")" "${boss[@]}"
REQ_DESC+=" (an admin)"
expect_status 200
req GET "/api/certificate/$SERIAL/obtain" "${a[@]}"
REQ_DESC+=" (the /api/ alias)"
expect_status 200
req GET "/api/v1/certificate/${SERIAL^^}/obtain" "${a[@]}"
REQ_DESC+=" (serial in upper case)"
expect_status 200
req GET /api/v1/certificate/00112233445566778899aabbccddeeff/obtain "${a[@]}"
expect_status 404
req GET /api/v1/certificate/not-hex/obtain "${a[@]}"
expect_status 404

# Key types.
for kt in rsa-2048 ed25519; do
	req POST /api/v1/certificate/request "${a[@]}" "${json[@]}" \
		--data-binary "{\"domains\":[\"$kt.example.test\"],\"key_type\":\"$kt\"}"
	REQ_DESC+=" (key_type $kt)"
	expect_status 200
	req GET "$(path_of "$(res_header X-Certificate-Location)")" "${a[@]}"
	out=$(openssl verify -CAfile "$W/root.pem" "$RES_BODY" 2>&1)
	check "openssl verify passes ($kt)" "$out" grep -q ': OK$' <<<"$out"
done

# Bad requests: 400 with the reason.
bad() {
	local what=$1 body=$2 reason=$3
	req POST /api/v1/certificate/request "${a[@]}" "${json[@]}" --data-binary "$body"
	REQ_DESC+=" ($what)"
	expect_status 400
	expect_json_match .error "$reason"
}
bad "invalid IP" '{"ips":["300.1.2.3"]}' 'invalid IP address "300\.1\.2\.3"'
bad "invalid name" '{"domains":["bad_name.test"]}' 'invalid DNS name'
bad "invalid e-mail" '{"email_addresses":["nobody"]}' 'invalid e-mail'
bad "no name" '{"subject":{"common_name":"x"}}' 'no name'
bad "days over the limit" '{"domains":["a.example.test"],"days":100000}' 'days'
bad "unknown key type" '{"domains":["a.example.test"],"key_type":"dsa"}' 'key_type'
bad "unknown field" '{"domains":["a.example.test"],"x":1}' 'unknown field'
bad "not JSON" '{"domains":' 'body'
req POST /api/v1/certificate/request "${a[@]}" "${json[@]}" \
	--data-binary '{"emails":["dev@example.test"]}'
REQ_DESC+=" (emails, the alias of email_addresses)"
expect_status 200
expect_no_header X-Nothing

# --- issue from a CSR ------------------------------------------------------------

openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$W/csr.key" -out "$W/csr.pem" -subj "/O=CSR Test/CN=csr.example.test" \
	-addext "subjectAltName=DNS:csr.example.test,DNS:alt.example.test,IP:198.51.100.9" 2>/dev/null
req POST /api/v1/certificate/request-with-csr "${a[@]}" \
	-H 'Content-Type: application/pkcs10' --data-binary "@$W/csr.pem"
REQ_DESC+=" (PEM)"
expect_status 200
expect_header X-Certificate-Location '/api/v1/certificate/[0-9a-f]{32}/obtain$'
expect_no_header X-Privatekey-Location
CSR_SERIAL=$(jq -r .serial "$RES_BODY")
req GET "/api/v1/certificate/$CSR_SERIAL/obtain" "${a[@]}"
cp "$RES_BODY" "$W/csrcert.pem"
out=$(openssl verify -CAfile "$W/root.pem" "$W/csrcert.pem" 2>&1)
check "openssl verify -CAfile root.pem passes (CSR)" "$out" grep -q ': OK$' <<<"$out"
text=$(openssl x509 -in "$W/csrcert.pem" -noout -text 2>&1)
check "the CSR's SANs are in the certificate" "$text" \
	grep -q 'DNS:csr.example.test, DNS:alt.example.test, IP Address:198.51.100.9' <<<"$text"
check "the certificate holds the CSR's key" "it does not" \
	test "$(openssl pkey -in "$W/csr.key" -pubout 2>/dev/null)" = \
	"$(openssl x509 -in "$W/csrcert.pem" -noout -pubkey 2>/dev/null)"
req GET "/api/v1/privatekey/$CSR_SERIAL/obtain" "${a[@]}"
REQ_DESC+=" (CSR: no key here)"
expect_status 404

openssl req -in "$W/csr.pem" -outform DER -out "$W/csr.der" 2>/dev/null
req POST /api/v1/certificate/request-with-csr?days=3 "${a[@]}" \
	-H 'Content-Type: application/pkcs10' --data-binary "@$W/csr.der"
REQ_DESC+=" (DER)"
expect_status 200

openssl req -new -newkey rsa:1024 -nodes -keyout "$W/weak.key" -out "$W/weak.pem" \
	-subj "/CN=weak.example.test" -addext "subjectAltName=DNS:weak.example.test" 2>/dev/null
req POST /api/v1/certificate/request-with-csr "${a[@]}" --data-binary "@$W/weak.pem"
REQ_DESC+=" (RSA-1024)"
expect_status 400
expect_json_match .error 'at least 2048 bits'
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:secp256k1 -nodes -keyout "$W/k1.key" \
	-out "$W/k1.pem" -subj "/CN=k1.example.test" 2>/dev/null
req POST /api/v1/certificate/request-with-csr "${a[@]}" --data-binary "@$W/k1.pem"
REQ_DESC+=" (secp256k1)"
expect_status 400
expect_json_match .error 'P-256 or P-384'
# A CSR whose signature no longer matches: one byte of the subject changed.
python3 - "$W/csr.der" "$W/tampered.der" <<'PY'
import sys
d = bytearray(open(sys.argv[1], 'rb').read())
i = d.find(b'csr.example')
d[i] ^= 1
open(sys.argv[2], 'wb').write(d)
PY
req POST /api/v1/certificate/request-with-csr "${a[@]}" --data-binary "@$W/tampered.der"
REQ_DESC+=" (bad signature)"
expect_status 400
expect_json_match .error 'signature'
req POST /api/v1/certificate/request-with-csr "${a[@]}" --data-binary 'not a csr'
REQ_DESC+=" (garbage)"
expect_status 400

# --- OCSP, revocation, the CRL ---------------------------------------------------

# ocsp CERT [ARGS…]: openssl ocsp against this server; prints its output.
ocsp() {
	local cert=$1
	shift
	# Options (a digest: -sha256) must come before -cert.
	openssl ocsp "$@" -issuer "$W/root.pem" -cert "$cert" -CAfile "$W/root.pem" \
		-url "https://127.0.0.1:$GH_PORT/api/v1/ocsp" \
		-header Host=certmaker.localhost 2>&1
}

out=$(ocsp "$W/cert.pem")
check "openssl ocsp: good before revocation" "$out" grep -q "cert.pem: good" <<<"$out"
check "openssl ocsp: the response verifies, nonce and all" "$out" \
	eval "grep -q 'Response verify OK' <<<\"\$out\" && ! grep -qi 'warning' <<<\"\$out\""
check "openssl ocsp: thisUpdate and nextUpdate" "$out" \
	eval "grep -q 'This Update' <<<\"\$out\" && grep -q 'Next Update' <<<\"\$out\""
out=$(ocsp "$W/cert.pem" -sha256)
check "openssl ocsp: good with a SHA-256 CertID" "$out" grep -q "cert.pem: good" <<<"$out"
out=$(openssl ocsp -issuer "$W/root.pem" -serial 0x1234567890 -CAfile "$W/root.pem" \
	-url "https://127.0.0.1:$GH_PORT/api/v1/ocsp" -header Host=certmaker.localhost 2>&1)
check "openssl ocsp: unknown for a serial never issued" "$out" grep -q ": unknown" <<<"$out"

# GET: the DER request in base64 in the path (standard alphabet, / as %2F;
# and the URL-safe one).
openssl ocsp -issuer "$W/root.pem" -cert "$W/cert.pem" -no_nonce -reqout "$W/req.der" 2>/dev/null
b64=$(base64 -w0 "$W/req.der")
req GET "/api/v1/ocsp/$(sed 's|/|%2F|g; s|+|%2B|g; s|=|%3D|g' <<<"$b64")"
REQ_DESC+=" (standard base64)"
expect_status 200
expect_header Content-Type '^application/ocsp-response'
out=$(openssl ocsp -respin "$RES_BODY" -issuer "$W/root.pem" -cert "$W/cert.pem" \
	-CAfile "$W/root.pem" 2>&1)
check "OCSP GET answers good" "$out" grep -q "cert.pem: good" <<<"$out"
req GET "/api/ocsp/$(tr '+/' '-_' <<<"$b64" | tr -d '=')"
REQ_DESC+=" (URL-safe base64, /api/ alias)"
expect_status 200
out=$(openssl ocsp -respin "$RES_BODY" -issuer "$W/root.pem" -cert "$W/cert.pem" \
	-CAfile "$W/root.pem" 2>&1)
check "OCSP GET (URL-safe) answers good" "$out" grep -q "cert.pem: good" <<<"$out"
req GET "/api/v1/ocsp/AAAA"
REQ_DESC+=" (malformed)"
expect_status 200
out=$(openssl ocsp -respin "$RES_BODY" -resp_text 2>&1)
check "a malformed OCSP request gets malformedRequest" "$out" grep -qi "malformedrequest" <<<"$out"
req POST /api/v1/ocsp -H 'Content-Type: text/plain' --data-binary "@$W/req.der"
REQ_DESC+=" (wrong Content-Type)"
expect_status 415

req POST "/api/v1/certificate/$SERIAL/revoke" "${b[@]}" "${json[@]}" --data-binary '{"reason":"keyCompromise"}'
REQ_DESC+=" (another user)"
expect_status 404
req POST "/api/v1/certificate/$SERIAL/revoke" "${a[@]}" "${json[@]}" --data-binary '{"reason":"nonsense"}'
REQ_DESC+=" (unknown reason)"
expect_status 400
req POST "/api/v1/certificate/$SERIAL/revoke" "${a[@]}" "${json[@]}" --data-binary '{"reason":"keyCompromise"}'
expect_status 200
expect_json .reason keyCompromise
req POST "/api/v1/certificate/$SERIAL/revoke" "${a[@]}" --data-binary ''
REQ_DESC+=" (again)"
expect_status 410
req POST /api/v1/certificate/00112233445566778899aabbccddeeff/revoke "${a[@]}" --data-binary ''
expect_status 404
req GET "/api/v1/certificate/$CSR_SERIAL/revoke?reason=superseded" "${boss[@]}"
REQ_DESC+=" (GET, by an admin)"
expect_status 200

out=$(ocsp "$W/cert.pem")
check "openssl ocsp: revoked after revocation" "$out" grep -q "cert.pem: revoked" <<<"$out"
check "openssl ocsp: with its reason and time" "$out" \
	eval "grep -q 'Reason: keyCompromise' <<<\"\$out\" && grep -q 'Revocation Time' <<<\"\$out\""
out=$(ocsp "$W/cert.pem" -sha256)
check "openssl ocsp: revoked with a SHA-256 CertID" "$out" grep -q "cert.pem: revoked" <<<"$out"

req GET /api/v1/crl
expect_status 200
expect_header Content-Type '^application/pkix-crl'
cp "$RES_BODY" "$W/crl.der"
out=$(openssl crl -inform DER -in "$W/crl.der" -noout -text -CAfile "$W/root.pem" 2>&1)
check "openssl crl parses the CRL and verifies it" "$out" grep -q 'verify OK' <<<"$out"
check "the CRL lists the revoked serial" "$out" grep -qi "Serial Number: $SERIAL" <<<"$out"
check "the CRL lists the CSR certificate revoked by the admin" "$out" grep -qi "Serial Number: $CSR_SERIAL" <<<"$out"
check "the CRL has a next update" "$out" grep -q 'Next Update: [A-Z]' <<<"$out"

# --- challenges ------------------------------------------------------------------

# Turn challenges on and restart the server on the same port.
sed -i 's/^challenge = no$/challenge = yes/' "$GH_STATE/gatehouse.conf"
gh_server_stop
if gh_server_start "$GH_SERVER" "$GH_STATE" && gh_server_wait "$GH_STATE" "$GH_PORT" 10; then
	ok "$GH_SERVER restarted with challenges on"
else
	not_ok "$GH_SERVER restarted with challenges on" "it did not answer"
	finish
fi

# The token server: python's http.server on loopback (all of 127/8).
TP=$(free_port)
mkdir -p "$W/www/.well-known/certmaker-challenge"
python3 -m http.server "$TP" --bind 0.0.0.0 --directory "$W/www" >/dev/null 2>&1 &
TOKEN_PID=$!
for _ in $(seq 50); do
	curl -s -o /dev/null "http://127.0.0.1:$TP/" && break
	sleep 0.1
done
serve_token() {
	printf '%s\n' "$1" >"$W/www/.well-known/certmaker-challenge/token.txt"
}

body='{"domains":["chal.localhost","localhost"],"ips":["127.0.0.2","127.0.0.1"]}'
req POST /api/v1/certificate/request "${a[@]}" "${json[@]}" --data-binary "$body"
REQ_DESC+=" (challenges on)"
expect_status 202
expect_header Content-Type '^text/plain'
expect_header X-Challenge-Location '^https://certmaker\.localhost:[0-9]+/api/v1/challenge/[0-9a-f]{32}/solve$'
CTOKEN=$(cat "$RES_BODY")
CPATH=$(path_of "$(res_header X-Challenge-Location)")
check "the challenge token is in the body" "'$CTOKEN'" test "${#CTOKEN}" -ge 32

serve_token "wrong-token"
req GET "$CPATH" "${a[@]}" -H "X-Challenge-Port: $TP"
REQ_DESC+=" (wrong token served)"
expect_status 417
req GET "$CPATH" "${a[@]}" -H "X-Challenge-Port: $(free_port)"
REQ_DESC+=" (nothing listening)"
expect_status 417
serve_token "$CTOKEN"
req GET "$CPATH" "${b[@]}" -H "X-Challenge-Port: $TP"
REQ_DESC+=" (another user)"
expect_status 404
req GET "$CPATH" "${a[@]}" -H "X-Validation-Port: $TP"
REQ_DESC+=" (solved, X-Validation-Port)"
expect_status 200
expect_header X-Certificate-Location '/api/v1/certificate/[0-9a-f]{32}/obtain$'
expect_header X-Privatekey-Location '/api/v1/privatekey/[0-9a-f]{32}/obtain$'
FIRST=$(res_header X-Certificate-Location)
req GET "$(path_of "$FIRST")" "${a[@]}"
expect_status 200
out=$(openssl x509 -in "$RES_BODY" -noout -text 2>&1)
check "the challenged certificate names every name" "$out" \
	grep -q 'DNS:chal.localhost, DNS:localhost, IP Address:127.0.0.2, IP Address:127.0.0.1' <<<"$out"
req GET "$CPATH" "${a[@]}" -H "X-Challenge-Port: $TP"
REQ_DESC+=" (solved twice)"
expect_status 200
check "solving twice gives the same certificate" "$(res_header X-Certificate-Location) vs $FIRST" \
	test "$(res_header X-Certificate-Location)" = "$FIRST"

# Expiry: the challenge's time is moved into the past.
req POST /api/v1/certificate/request "${a[@]}" "${json[@]}" --data-binary '{"ips":["127.0.0.3"]}'
expect_status 202
EPATH=$(path_of "$(res_header X-Challenge-Location)")
eid=${EPATH%/solve}
eid=${eid##*/}
db_sql certmaker "UPDATE challenge SET expires = 0 WHERE id = '$eid'" >/dev/null
gh_state_chown "$GH_STATE"
serve_token "$(cat "$RES_BODY")"
req GET "$EPATH" "${a[@]}" -H "X-Challenge-Port: $TP"
REQ_DESC+=" (expired)"
expect_status 410

# A CSR with challenges on: 202 too, then the certificate without a key.
req POST /api/v1/certificate/request-with-csr "${a[@]}" --data-binary "@$W/csr.pem"
REQ_DESC+=" (CSR, challenges on)"
expect_status 202
CPATH=$(path_of "$(res_header X-Challenge-Location)")
req GET "$CPATH" "${a[@]}" -H "X-Challenge-Port: $TP"
REQ_DESC+=" (CSR names not served)"
expect_status 417

# --- the address policy: only 127.0.0.1 allowed -----------------------------------
# Loopback is denied by default and the test configuration allows all of
# it; with only 127.0.0.1/32 allowed, 127.0.0.2 (served: the token server
# listens on every address) is refused on the address connected to.
sed -i 's|^challenge_allow =.*|challenge_allow = 127.0.0.1/32|' "$GH_STATE/gatehouse.conf"
gh_server_stop
if gh_server_start "$GH_SERVER" "$GH_STATE" && gh_server_wait "$GH_STATE" "$GH_PORT" 10; then
	ok "$GH_SERVER restarted with challenge_allow = 127.0.0.1/32"
else
	not_ok "$GH_SERVER restarted with challenge_allow = 127.0.0.1/32" "it did not answer"
	finish
fi
req POST /api/v1/certificate/request "${a[@]}" "${json[@]}" --data-binary '{"ips":["127.0.0.2"]}'
expect_status 202
serve_token "$(cat "$RES_BODY")"
PPATH=$(path_of "$(res_header X-Challenge-Location)")
check "the token for 127.0.0.2 is reachable" "" \
	curl -sf -o /dev/null "http://127.0.0.2:$TP/.well-known/certmaker-challenge/token.txt"
req GET "$PPATH" "${a[@]}" -H "X-Challenge-Port: $TP"
REQ_DESC+=" (127.0.0.2 not allowed)"
expect_status 417
expect_body_contains "address 127.0.0.2 is not allowed"
expect_body_contains "challenge failed (address not allowed)"
# A name is judged by the address it resolves to: chal.localhost is
# loopback, and 127.0.0.1 is allowed.
req POST /api/v1/certificate/request "${a[@]}" "${json[@]}" --data-binary '{"domains":["chal.localhost"]}'
expect_status 202
serve_token "$(cat "$RES_BODY")"
req GET "$(path_of "$(res_header X-Challenge-Location)")" "${a[@]}" -H "X-Challenge-Port: $TP"
REQ_DESC+=" (chal.localhost, 127.0.0.1 allowed)"
expect_status 200

finish
