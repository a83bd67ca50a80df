#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# Hostile input to certmaker (doc/spec/certmaker-api.txt, doc/certmaker.md:
# how we read it), with HTTP challenges on, so that a request that is
# taken writes one challenge row and a refused one writes nothing: SQL
# injection in every field of the JSON request, in CSR names, in serials,
# challenge ids, revocation reasons, ?days= and the token; CR, LF, NUL
# and invalid UTF-8 in names and subject fields; bad JSON, wrong types,
# numbers out of range, more names than allowed; wrong content types;
# bad X-Challenge-Port values; malformed OCSP requests.  Every refusal is
# a 4xx (malformed OCSP gets RFC 6960's malformedRequest, as it must),
# certmaker.db is unchanged by it, and certmaker keeps serving.

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

GH_HOST=certmaker.localhost
before_start() {
	sed -i 's/^challenge = no$/challenge = yes/' "$1/gatehouse.conf"
}
hostile_start
setup_certmaker

A=/api/v1
tok=(-H "X-Auth-Token: $CM_TOKEN")
json=(-H 'Content-Type: application/json')
mapfile -t SQLI < <(sqli cert)

# creq DESC BODY [curl args…]: queue POST certificate/request.
creq() {
	local desc=$1 b=$2
	shift 2
	batch_add "POST certificate/request $desc" POST "$A/certificate/request" \
		"${tok[@]}" "${json[@]}" --data-binary "$b" "$@"
}

# CSRs (PEM) into files, each with a common name and DNS names and signed
# by a fresh P-256 key, in one python3-cryptography run (it writes any
# bytes as a name, CR and LF included, which openssl req will not).
# Arguments: a JSON list of [file, common name, [DNS names…]].
make_csrs() {
	"$SYS_PYTHON" - "$1" <<'PY'
import json, sys
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
for path, cn, names in json.loads(sys.argv[1]):
    key = ec.generate_private_key(ec.SECP256R1())
    b = x509.CertificateSigningRequestBuilder().subject_name(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
    if names:
        b = b.add_extension(x509.SubjectAlternativeName(
            [x509.DNSName(n) for n in names]), critical=False)
    with open(path, "wb") as f:
        f.write(b.sign(key, hashes.SHA256()).public_bytes(
            serialization.Encoding.PEM))
PY
}

ALIVE_AFTER="the set-up"
alive certmaker
SNAP=$(db_snap certmaker)

# --- SQL injection: names, subject, days, key_type, field names --------------------
batch_reset
for s in "${SQLI[@]}"; do
	json_str -v q "$s"
	creq "(domains [$s])" "{\"domains\":[$q]}"
	creq "(ips [$s])" "{\"ips\":[$q]}"
	creq "(email_addresses [$s])" "{\"email_addresses\":[$q]}"
	json_str -v qe "$s@x.test"
	creq "(emails [$s@x.test])" "{\"emails\":[$qe]}"
	creq "(subject.country $s)" "{\"domains\":[\"a.test\"],\"subject\":{\"country\":$q}}"
	creq "(days $s)" "{\"domains\":[\"a.test\"],\"days\":$q}"
	creq "(key_type $s)" "{\"domains\":[\"a.test\"],\"key_type\":$q}"
	creq "(a field named $s)" "{\"domains\":[\"a.test\"],$q:1}"
	creq "(a subject field named $s)" "{\"domains\":[\"a.test\"],\"subject\":{$q:\"x\"}}"
done
batch_run
batch_expect 400
expect_db_same certmaker "$SNAP" "SQL injection in names and fields"
ALIVE_AFTER="SQL injection in names and fields"
alive certmaker

# Free text takes any printable characters: the SQL goes into the
# subject (and a quote into an e-mail's local part) as it came, one
# challenge row each, and no table is touched otherwise.
n0=$(db_count certmaker challenge)
batch_reset
for s in "${SQLI[@]}"; do
	json_str -v q "$s"
	creq "(every subject text field $s)" \
		"{\"domains\":[\"sqli.test\"],\"subject\":{\"common_name\":$q,\"organization\":$q,\"province\":$q,\"locality\":$q,\"street_address\":$q,\"postal_code\":$q}}"
done
creq "(e-mail x'--@example.test)" '{"email_addresses":["x'"'"'--@example.test"]}'
batch_run
batch_expect 202
n1=$(db_count certmaker challenge)
check "each taken request adds exactly one challenge ($n0 → $n1)" "challenge: $n0 → $n1" \
	test "$n1" -eq $((n0 + ${#SQLI[@]} + 1))
stored=$(sqlite3 -readonly "file:$GH_STATE/certmaker.db?mode=ro" \
	"SELECT count(*) FROM challenge WHERE CAST(request AS TEXT) =
	 '{\"email_addresses\":[\"x''--@example.test\"]}'")
check "the request with a quote is stored as it came" "rows holding it: $stored" \
	test "$stored" = 1
tables=$(sqlite3 -readonly "file:$GH_STATE/certmaker.db?mode=ro" \
	"SELECT group_concat(name, ' ') FROM (SELECT name FROM sqlite_master
	 WHERE type = 'table' ORDER BY name)")
check "every certmaker table is still there" "tables: $tables" \
	test "$tables" = "acme_account acme_authz acme_eab acme_nonce acme_order ca cert challenge counter user"
SNAP=$(db_snap certmaker)

# --- CR, LF, NUL, invalid UTF-8 in names and subject fields -----------------------
printf '{"domains":["a\xff.test"]}' >"$GH_STATE/ff.json"
printf '{"domains":["a.test"],"subject":{"organization":"\xc0\xaf"}}' >"$GH_STATE/overlong.json"
printf '{"domains":["a.test"],"subject":{"locality":"a\xed\xa0\x80"}}' >"$GH_STATE/surrogate.json"
printf '{"domains":["a.test\r\nX-Injected: 1"]}' >"$GH_STATE/rawcrlf.json"
printf '{"domains":["a.test"],"subject":{"common_name":"x\0y"}}' >"$GH_STATE/nul.json"
batch_reset
for f in ff overlong surrogate rawcrlf nul; do
	creq "(body $f.json)" "@$GH_STATE/$f.json"
done
for v in 'a.test\r\nX-Injected: 1' 'a.test\n' 'a%0d%0a.test' 'a.test\u0000' '\ud800.test' \
	'b\u00fccher.test' 'a.test\t'; do
	creq "(domains [\"$v\"])" "{\"domains\":[\"$v\"]}"
done
for v in '127.0.0.1\r\n' '127.0.0.1\u0000' '::1\n' '1.2.3.4/8' '1.2.3.4 ' '0x7f.1' '1.2.3.4%0d%0a'; do
	creq "(ips [\"$v\"])" "{\"ips\":[\"$v\"]}"
done
for v in 'a@b.test\r\nBcc: x@y.test' 'a\r\n@b.test' 'a\u0000@b.test' 'a@b.test\n'; do
	creq "(email_addresses [\"$v\"])" "{\"email_addresses\":[\"$v\"]}"
done
for f in common_name organization country province locality street_address postal_code; do
	for v in 'x\r\ny' 'x\u0000' 'x\u007f' 'x\u001b[31m'; do
		creq "(subject.$f \"$v\")" "{\"domains\":[\"a.test\"],\"subject\":{\"$f\":\"$v\"}}"
	done
done
batch_run
batch_expect 400
batch_pick 0; expect_body_has '"body: invalid UTF-8"'
batch_pick 1; expect_body_has '"body: invalid UTF-8"'
batch_pick 2; expect_body_has '"body: invalid UTF-8"'
batch_pick 3; expect_body_has '"body: control character in a string"'
batch_pick 4; expect_body_has '"body: NUL byte in input"'
expect_db_same certmaker "$SNAP" "CR, LF, NUL and invalid UTF-8"
ALIVE_AFTER="CR, LF, NUL and invalid UTF-8"
alive certmaker

# --- JSON: depth, size, syntax, duplicates, types, numbers, counts -----------------
rep deep '[' 10000
rep deepobj '{"a":' 2000
rep open17 '[' 17
rep close17 ']' 17
rep pad ' ' 66000
many=
for ((i = 0; i < 51; i++)); do
	many+="\"n$i.test\","
done
bodies=(
	"$deep" "$deepobj" "{\"domains\":${open17}\"a.test\"$close17}"
	'{"domains":["a.test"]' '{"domains":["a.test"],' '{' '' 'null' '[]' '"a.test"'
	'{"domains":["a.test"]}x' '{"domains":["a.test"]}{}'
	'{"domains":["a.test"],"domains":["b.test"]}'
	'{"domains":["a.test"],"subject":{"country":"DE","country":"FR"}}'
	'{"email_addresses":["a@b.test"],"emails":["a@b.test"]}'
	'{"domains":"a.test"}' '{"domains":[["a.test"]]}' '{"domains":[1]}' '{"domains":[null]}'
	'{"domains":{"0":"a.test"}}' '{"ips":[2130706433]}' '{"subject":[],"domains":["a.test"]}'
	'{"subject":"CN=x","domains":["a.test"]}' '{"domains":["a.test"],"subject":{"organization":7}}'
	'{"domains":["a.test"],"key_type":"rsa-4096"}' '{"domains":["a.test"],"key_type":["ed25519"]}'
	"{\"domains\":[${many%,}]}"
	'{"domains":["a.test"],"subject":{"country":"de"}}' '{"domains":["a.test"],"subject":{"country":"DEU"}}'
)
for d in 0 -1 398 1e400 1.5 7.0 '"7"' true '[7]' 99999999999999999999 \
	-9223372036854775808 9223372036854775807 1e2 NaN Infinity 0x10 07 '-0'; do
	bodies+=("{\"domains\":[\"a.test\"],\"days\":$d}")
done
rep x65 x 65
rep x250 x 250
rep a64 a 64
bodies+=("{\"domains\":[\"a.test\"],\"subject\":{\"organization\":\"$x65\"}}"
	"{\"email_addresses\":[\"$x250@b.test\"]}" "{\"domains\":[\"$a64.test\"]}")
batch_reset
for b in "${bodies[@]}"; do
	creq "(body '$b')" "$b"
done
creq "(a 66 kB body, over the 64 KiB cap)" "{\"domains\":[\"a.test\"],\"pad\":\"$pad\"}"
batch_run
for ((i = 0; i < BATCH_N - 1; i++)); do
	batch_pick "$i"
	expect_status 400
done
batch_pick 0; expect_body_has '"body: nesting too deep"'
batch_pick 12; expect_body_has '"body: duplicate key in an object"'
batch_pick 13; expect_body_has '"body: duplicate key in an object"'
batch_pick $((BATCH_N - 1)); expect_status 413
expect_db_same certmaker "$SNAP" "bad JSON and numbers out of range"
ALIVE_AFTER="bad JSON and numbers out of range"
alive certmaker

# --- content types ------------------------------------------------------------------------
batch_reset
for ct in text/plain application/x-www-form-urlencoded application/xml \
	application/pkcs10 'application/json-seq' 'application/json, text/html'; do
	batch_add "POST certificate/request with Content-Type: $ct" POST \
		"$A/certificate/request" "${tok[@]}" -H "Content-Type: $ct" \
		--data-binary '{"domains":["ct.test"]}'
done
batch_add "POST certificate/request as multipart/form-data" POST \
	"$A/certificate/request" "${tok[@]}" -F 'domains=ct.test'
batch_add "POST ocsp with Content-Type: text/plain" POST "$A/ocsp" \
	-H 'Content-Type: text/plain' --data-binary 'x'
batch_add "POST ocsp with no Content-Type" POST "$A/ocsp" \
	-H 'Content-Type:' --data-binary 'x'
batch_run
batch_expect 415
expect_db_same certmaker "$SNAP" "wrong content types"

# --- CSRs: names with SQL, CR, LF, NUL; garbage; too large --------------------------
json_str -v q0 "${SQLI[0]}"
json_str -v q1 "x.test${SQLI[1]}"
make_csrs "[[\"$GH_STATE/good.csr\", \"csr.test\", [\"csr.test\"]],
	[\"$GH_STATE/sqlcn.csr\", $q0, []],
	[\"$GH_STATE/sqlsan.csr\", \"x.test\", [$q1]],
	[\"$GH_STATE/crlf.csr\", \"x.test\", [\"a.test\\r\\nX-Injected: 1\"]],
	[\"$GH_STATE/nul.csr\", \"x.test\", [\"a\\u0001.test\"]],
	[\"$GH_STATE/dots.csr\", \"x.test\", [\"../../etc.test\"]]]"
head -c 300 "$GH_STATE/good.csr" >"$GH_STATE/truncated.csr"
printf '\x30\x82\xff\xff\x00\x00' >"$GH_STATE/der.csr"
head -c 70000 /dev/urandom >"$GH_STATE/big.csr"
batch_reset
for f in sqlcn sqlsan crlf nul dots truncated der; do
	batch_add "POST certificate/request-with-csr ($f.csr)" POST \
		"$A/certificate/request-with-csr" "${tok[@]}" --data-binary "@$GH_STATE/$f.csr"
done
batch_add "POST certificate/request-with-csr (no body)" POST \
	"$A/certificate/request-with-csr" "${tok[@]}" --data-binary ''
# ?days= with the good CSR: the number is the only thing wrong.
for q in -1 0 398 1e3 7.5 0x10 '%207' '' "$(uri_enc "${SQLI[0]}")" \
	99999999999999999999 '%EF%BC%97'; do
	batch_add "POST certificate/request-with-csr?days=$q" POST \
		"$A/certificate/request-with-csr?days=$q" "${tok[@]}" \
		--data-binary "@$GH_STATE/good.csr"
done
batch_add "POST certificate/request-with-csr (70 kB, over the 64 KiB cap)" POST \
	"$A/certificate/request-with-csr" "${tok[@]}" --data-binary "@$GH_STATE/big.csr"
batch_run
for ((i = 0; i < BATCH_N - 1; i++)); do
	batch_pick "$i"
	expect_status 400
done
batch_pick 2; expect_body_has 'invalid DNS name'
batch_pick $((BATCH_N - 1)); expect_status 413
# A NUL in ?days=: lighttpd refuses it itself; certmaker's 400 with Apache.
# (HTTP/1.1: over HTTP/2 lighttpd resets the stream of the upload it
# refuses, and curl reports the reset rather than the answer.)
req POST "$A/certificate/request-with-csr?days=7%00" "${tok[@]}" \
	--data-binary "@$GH_STATE/good.csr" --http1.1
expect_status 400
expect_db_same certmaker "$SNAP" "hostile CSRs and ?days="
ALIVE_AFTER="hostile CSRs"
alive certmaker

# --- ids in paths, the token ----------------------------------------------------------
# A serial or challenge id with SQL, traversal, NUL, CRLF: no such thing.
ids=()
for s in "${SQLI[@]}"; do
	uri_enc -v e "$s"
	ids+=("$e")
done
ids+=('..%2f..%2f' '%2e%2e' '00112233445566778899aabbccddeeff%0d%0a'
	"$(printf '%040d' 0)" '0x00112233445566778899aabbccddeeff' '-1'
	'00112233445566778899AABBCCDDEEFG' '%2500')
batch_reset
for id in "${ids[@]}"; do
	batch_add "GET certificate/$id/obtain" GET "$A/certificate/$id/obtain" "${tok[@]}" --path-as-is
	batch_add "GET privatekey/$id/obtain" GET "$A/privatekey/$id/obtain" "${tok[@]}" --path-as-is
	batch_add "POST certificate/$id/revoke" POST "$A/certificate/$id/revoke" "${tok[@]}" --path-as-is --data-binary ''
	batch_add "GET challenge/$id/solve" GET "$A/challenge/$id/solve" "${tok[@]}" --path-as-is
done
batch_run
for ((i = 0; i < BATCH_N; i++)); do
	batch_pick "$i"
	# lighttpd refuses an encoded CR or LF in a path itself (400).
	if [[ $REQ_DESC == *%0d%0a* ]]; then
		expect_status "$(by_server 400 404)"
	else
		expect_status 404
	fi
done
# The token: as the spec has it, a token with no account is a 404, a
# missing one 401.
batch_reset
rep A300 A 300
for s in "${SQLI[@]}" "$A300"; do
	batch_add "GET root-certificate/obtain with X-Auth-Token '$s'" GET \
		"$A/root-certificate/obtain" -H "X-Auth-Token: $s"
	batch_add "POST certificate/request with X-Auth-Token '$s'" POST \
		"$A/certificate/request" -H "X-Auth-Token: $s" "${json[@]}" \
		--data-binary '{"domains":["tok.test"]}'
done
batch_add "GET root-certificate/obtain with an empty X-Auth-Token" GET \
	"$A/root-certificate/obtain" -H "X-Auth-Token;"
batch_run
for ((i = 0; i < BATCH_N - 1; i++)); do
	batch_pick "$i"
	expect_status 404
done
batch_pick $((BATCH_N - 1)); expect_status 401
expect_db_same certmaker "$SNAP" "hostile ids and tokens"
ALIVE_AFTER="hostile ids and tokens"
alive certmaker

# --- a challenge: bad ports never fetch, bad reasons never revoke ---------------------
# localhost and 127.0.0.1 are never fetched: a challenge for them is
# solved by asking, which gives a certificate to revoke below.
req POST "$A/certificate/request" "${tok[@]}" "${json[@]}" \
	--data-binary '{"domains":["localhost"],"ips":["127.0.0.1"]}'
expect_status 202
cpath=$(res_header X-Challenge-Location)
cpath=/${cpath#https://*/}
SNAP=$(db_snap certmaker)
batch_reset
for p in 0 65536 -1 80.0 1e3 0x50 99999999999999999999 \
	"${SQLI[0]}" "${SQLI[1]}" '８０' '80,443' '80%0d%0a' '80 80'; do
	batch_add "GET challenge/…/solve with X-Challenge-Port '$p'" GET "$cpath" \
		"${tok[@]}" -H "X-Challenge-Port: $p"
done
batch_add "GET challenge/…/solve with X-Validation-Port '${SQLI[0]}'" GET "$cpath" \
	"${tok[@]}" -H "X-Validation-Port: ${SQLI[0]}"
batch_run
batch_expect 400
expect_db_same certmaker "$SNAP" "bad challenge ports: nothing fetched or issued"
req GET "$cpath" "${tok[@]}" -H 'X-Challenge-Port: 8080'
expect_status 200 "$REQ_DESC (X-Challenge-Port: 8080; localhost is never fetched)"
serial=$(jq -r .serial "$RES_BODY" 2>/dev/null)
check "the challenge, once solved, names its certificate" "serial: $serial" \
	eval '[[ $serial =~ ^[0-9a-f]{32}$ ]]'
SNAP=$(db_snap certmaker)
batch_reset
for s in "${SQLI[@]}" 'keyCompromise ' 'removeFromCRL' '8' '' 'key%43ompromise'; do
	json_str -v q "$s"
	uri_enc -v e "$s"
	batch_add "POST certificate/…/revoke {\"reason\": \"$s\"}" POST \
		"$A/certificate/$serial/revoke" "${tok[@]}" "${json[@]}" \
		--data-binary "{\"reason\":$q}"
	batch_add "POST certificate/…/revoke?reason=$s" POST \
		"$A/certificate/$serial/revoke?reason=$e" "${tok[@]}" --data-binary ''
done
for b in '{"reason":1}' '{"reason":["keyCompromise"]}' '{"reason":"keyCompromise","x":1}' \
	'{"reason":"keyCompromise\u0000"}' '{"reason":"keyCompromise\r\n"}' \
	'{"reason":"keyCompromise","reason":"superseded"}' '{"reason":' 'keyCompromise'; do
	batch_add "POST certificate/…/revoke $b" POST \
		"$A/certificate/$serial/revoke" "${tok[@]}" "${json[@]}" --data-binary "$b"
done
batch_run
batch_expect 400
expect_db_same certmaker "$SNAP" "hostile revocation reasons: the certificate is not revoked"
ALIVE_AFTER="bad challenge ports and revocation reasons"
alive certmaker

# --- OCSP ------------------------------------------------------------------------------
# RFC 6960 answers a malformed request with the malformedRequest status
# in an HTTP 200: that is the clear refusal here, and nothing is written.
batch_reset
for b64 in "$(uri_enc "${SQLI[0]}")" '%2e%2e%2f%2e%2e' 'AAAA' "$(printf 'QUFB%.0s' {1..100})" \
	'MA%3D%3D' '%C3%BC'; do
	batch_add "GET ocsp/$b64" GET "$A/ocsp/$b64" --path-as-is
done
batch_add "POST ocsp with garbage" POST "$A/ocsp" \
	-H 'Content-Type: application/ocsp-request' --data-binary "${SQLI[1]}"
batch_add "POST ocsp with a 70 kB body" POST "$A/ocsp" \
	-H 'Content-Type: application/ocsp-request' --data-binary "@$GH_STATE/big.csr"
batch_run
# malformedRequest is the five bytes 30 03 0a 01 01 (an OCSPResponse of
# status 1 and nothing else); openssl reads the first, to be sure.
batch_pick 0
out=$(openssl ocsp -respin "$RES_BODY" -resp_text 2>&1)
check "$REQ_DESC: openssl reads malformedRequest" "$out" grep -qi 'malformedrequest' <<<"$out"
for ((i = 0; i < BATCH_N - 1; i++)); do
	batch_pick "$i"
	expect_status 200
	got=
	IFS= read -r -d '' -N 6 got <"$RES_BODY"
	if [[ $got == $'\x30\x03\x0a\x01\x01' ]]; then
		ok "$REQ_DESC: malformedRequest"
	else
		not_ok "$REQ_DESC: malformedRequest" "$(od -An -tx1 "$RES_BODY" | head -n 2)"
	fi
done
batch_pick $((BATCH_N - 1)); expect_status 413
rep b64big A 3000
req GET "$A/ocsp/$b64big"
expect_status 414 "GET ocsp/<3000 characters> → 414"
expect_db_same certmaker "$SNAP" "malformed OCSP requests"
ALIVE_AFTER="everything"
alive certmaker

finish
