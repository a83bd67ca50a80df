#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# certmaker's ACME with external account binding required
# (acme_eab_required = yes), and the two other ACME clients Debian 12
# ships that 0009 does not run: uacme and dehydrated.  Without a binding
# newAccount gets an externalAccountRequired problem; certbot registers
# with --eab-kid/--eab-hmac-key; uacme and dehydrated each register with a
# key of their own from `gatectl certmaker acme eab add`, get a
# certificate with http-01 (served from a web root on the acme_http_port,
# as their hooks and WELLKNOWN write it), and revoke it, which OCSP says
# at once.
#
# Each client takes seconds a run, more when ./dev test runs suites side
# by side:
# gh-timeout: 600

GH_HOST=certmaker.localhost
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

# shellcheck source-path=SCRIPTDIR source=acme_lib.sh
. "$(dirname "$0")/acme_lib.sh"
acme_start acme-clients-admin 'acme_eab_required = yes'

for tool in certbot uacme dehydrated openssl jq python3 unshare mount; do
	check "$tool is installed" "install it: ./dev installs it" \
		test -n "$(command -v "$tool")"
done

# eab_key: a new binding key of the admin user in KID and HMAC, the HMAC
# key a secret of the run.
eab_key() {
	read -r KID HMAC < <(gatectl certmaker acme eab add acme-clients-admin 2>/dev/null)
	secret "$HMAC"
}

# --- external account binding required -------------------------------------------

req GET /acme/directory
expect_status 200
expect_json .meta.externalAccountRequired true

# newAccount without a binding, by a client of our own (a real JWS): RFC
# 8555 7.3.4 names the problem type; the status is ours (403, as for
# other refusals of an authenticated request).
out=$(python3 - "$DIRECTORY" "$GH_STATE/ca.pem" 2>&1 <<'EOF'
import base64, json, ssl, sys, urllib.error, urllib.request
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, utils
ctx = ssl.create_default_context(cafile=sys.argv[2])
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
d = json.load(urllib.request.urlopen(sys.argv[1], context=ctx))
r = urllib.request.urlopen(urllib.request.Request(d["newNonce"], method="HEAD"), context=ctx)
k = ec.generate_private_key(ec.SECP256R1())
n = k.public_key().public_numbers()
jwk = {"crv": "P-256", "kty": "EC", "x": b64(n.x.to_bytes(32, "big")),
       "y": b64(n.y.to_bytes(32, "big"))}
prot = b64(json.dumps({"alg": "ES256", "jwk": jwk, "url": d["newAccount"],
                       "nonce": r.headers["Replay-Nonce"]}).encode())
pay = b64(json.dumps({"termsOfServiceAgreed": True}).encode())
rr, ss = utils.decode_dss_signature(
    k.sign(f"{prot}.{pay}".encode(), ec.ECDSA(hashes.SHA256())))
body = json.dumps({"protected": prot, "payload": pay, "signature":
                   b64(rr.to_bytes(32, "big") + ss.to_bytes(32, "big"))})
try:
    urllib.request.urlopen(urllib.request.Request(
        d["newAccount"], data=body.encode(),
        headers={"Content-Type": "application/jose+json"}), context=ctx)
    print("201 no problem")
except urllib.error.HTTPError as e:
    p = json.loads(e.read())
    print(e.code, e.headers["Content-Type"], p.get("type"), p.get("status"))
EOF
)
check "newAccount without a binding: 403 externalAccountRequired" "$out" \
	test "$out" = "403 application/problem+json urn:ietf:params:acme:error:externalAccountRequired 403"

out=$(certbot register --server "$DIRECTORY" --config-dir "$W/cb0/etc" \
	--work-dir "$W/cb0/work" --logs-dir "$W/cb0/log" -n --agree-tos \
	--register-unsafely-without-email 2>&1)
check "certbot register without a binding is refused" "$out" \
	grep -qi 'externalAccountRequired\|external account' <<<"$out"
eab_key
out=$(certbot register --server "$DIRECTORY" --config-dir "$W/cb/etc" \
	--work-dir "$W/cb/work" --logs-dir "$W/cb/log" -n --agree-tos \
	--register-unsafely-without-email --eab-kid "$KID" \
	--eab-hmac-key "$HMAC" 2>&1)
check "certbot register with --eab-kid/--eab-hmac-key" "$out" \
	grep -qi 'account registered' <<<"$out"

# --- the http-01 web root both clients write to ------------------------------------

WWW=$W/www
mkdir -p "$WWW/.well-known/acme-challenge"
python3 -m http.server --bind 127.0.0.1 --directory "$WWW" "$ACME_PORT" \
	>"$GH_STATE/log/http01.log" 2>&1 &
HTTP_PID=$!
trap 'kill "$HTTP_PID" 2>/dev/null; cleanup' EXIT
for _ in $(seq 50); do
	curl -s -o /dev/null "http://127.0.0.1:$ACME_PORT/" && break
	sleep 0.1
done

# --- uacme ----------------------------------------------------------------------

# uacme 1.7.4 has no CA option and its libcurl (GnuTLS) trusts only the
# system's bundle: it runs in a mount namespace of its own in which that
# bundle is the test CA, the system's left as it is.
uacme_() {
	# shellcheck disable=SC2016 # $1 and $@ are the inner shell's
	unshare -m sh -c 'mount --bind "$1" /etc/ssl/certs/ca-certificates.crt &&
		shift && exec uacme "$@"' sh "$GH_STATE/ca.pem" \
		-a "$DIRECTORY" -c "$W/uacme" -t EC "$@"
}
NAME=uacme.acme-test.localhost
eab_key
out=$(uacme_ -y -e "$KID:$HMAC" new 2>&1)
check "uacme new (registers with a binding)" "$out" \
	test -s "$W/uacme/private/key.pem"
out=$(UACME_CHALLENGE_PATH=$WWW/.well-known/acme-challenge \
	uacme_ -h /usr/share/uacme/uacme.sh issue "$NAME" 2>&1)
UCERT=$W/uacme/$NAME/cert.pem
check "uacme issue with http-01" "$out" test -s "$UCERT"
out=$(openssl verify -CAfile "$W/root.pem" "$UCERT" 2>&1)
check "uacme's certificate chains to the root" "$out" grep -q ': OK$' <<<"$out"
out=$(ocsp "$UCERT")
check "OCSP: good before revocation" "$out" grep -q ': good' <<<"$out"
cp "$UCERT" "$W/uacme.pem"	# revoke moves it aside
out=$(uacme_ -r 1 revoke "$UCERT" 2>&1)
rc=$?
check "uacme revoke" "$out" test "$rc" -eq 0
out=$(ocsp "$W/uacme.pem")
check "OCSP: uacme's certificate revoked at once" "$out" \
	grep -q ': revoked' <<<"$out"

# --- dehydrated -----------------------------------------------------------------

NAME=dehydrated.acme-test.localhost
eab_key
DH=$W/dehydrated
mkdir -p "$DH"
cat >"$DH/config" <<EOF
CA="$DIRECTORY"
BASEDIR="$DH"
CHALLENGETYPE=http-01
WELLKNOWN="$WWW/.well-known/acme-challenge"
CURL_OPTS="--cacert $GH_STATE/ca.pem"
KEY_ALGO=secp384r1
EAB_KID="$KID"
EAB_HMAC_KEY="$HMAC"
EOF
out=$(dehydrated -f "$DH/config" --register --accept-terms 2>&1)
check "dehydrated --register (with a binding)" "$out" grep -q 'Done!' <<<"$out"
out=$(dehydrated -f "$DH/config" -c -d "$NAME" 2>&1)
DCERT=$DH/certs/$NAME/cert.pem
check "dehydrated -c with http-01" "$out" test -s "$DCERT"
out=$(openssl verify -CAfile "$W/root.pem" "$DCERT" 2>&1)
check "dehydrated's certificate chains to the root" "$out" \
	grep -q ': OK$' <<<"$out"
out=$(ocsp "$DCERT")
check "OCSP: good before revocation" "$out" grep -q ': good' <<<"$out"
cp "$DCERT" "$W/dehydrated.pem"	# revoke moves it aside
out=$(dehydrated -f "$DH/config" -r "$DCERT" 2>&1)
check "dehydrated -r (revoke)" "$out" grep -q 'Done' <<<"$out"
out=$(ocsp "$W/dehydrated.pem")
check "OCSP: dehydrated's certificate revoked at once" "$out" \
	grep -q ': revoked' <<<"$out"

out=$(gatectl certmaker acme accounts 2>&1)
check "gatectl certmaker acme accounts: three accounts, each bound" "$out" \
	test "$(grep -cE ' valid +acme-clients-admin ' <<<"$out")" -eq 3

kill "$HTTP_PID" 2>/dev/null
wait "$HTTP_PID" 2>/dev/null
finish
