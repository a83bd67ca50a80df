#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""A small ACME (RFC 8555) client for 0009-acme.sh: the protocol rules
that stock clients do not exercise, each a check printed as "ok - WHAT"
or "not ok - WHAT: WHY".  Usage: acme_client.py DIRECTORY CAFILE HTTPPORT

It serves its own http-01 answers on 127.0.0.1:HTTPPORT and orders a dns
and an ip identifier (RFC 8738) together."""

import base64
import hashlib
import http.server
import json
import ssl
import sys
import threading
import urllib.error
import urllib.request

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils
from cryptography.x509.oid import NameOID

DIRECTORY, CAFILE, HTTP_PORT = sys.argv[1], sys.argv[2], int(sys.argv[3])
NAME = "py.acme-test.localhost"
IP = "127.0.0.1"
FAILED = 0
TOKENS = {}


def b64(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def check(what, cond, why=""):
    global FAILED
    if cond:
        print(f"ok - {what}", flush=True)
    else:
        FAILED += 1
        print(f"not ok - {what}: {why}", flush=True)


class Key:
    def __init__(self, kind="ec"):
        self.kind = kind
        if kind == "ec":
            self.k = ec.generate_private_key(ec.SECP256R1())
            self.alg = "ES256"
        else:
            self.k = rsa.generate_private_key(65537, 2048)
            self.alg = "RS256"

    def jwk(self):
        pub = self.k.public_key().public_numbers()
        if self.kind == "ec":
            return {"crv": "P-256", "kty": "EC",
                    "x": b64(pub.x.to_bytes(32, "big")),
                    "y": b64(pub.y.to_bytes(32, "big"))}
        n = pub.n.to_bytes((pub.n.bit_length() + 7) // 8, "big")
        e = pub.e.to_bytes((pub.e.bit_length() + 7) // 8, "big")
        return {"e": b64(e), "kty": "RSA", "n": b64(n)}

    def thumb(self):
        c = json.dumps(self.jwk(), sort_keys=True, separators=(",", ":"))
        return b64(hashlib.sha256(c.encode()).digest())

    def sign(self, data):
        if self.kind == "ec":
            r, s = utils.decode_dss_signature(
                self.k.sign(data, ec.ECDSA(hashes.SHA256())))
            return r.to_bytes(32, "big") + s.to_bytes(32, "big")
        return self.k.sign(data, padding.PKCS1v15(), hashes.SHA256())


class Answer:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.raw = status, headers, body
        try:
            self.json = json.loads(body)
        except ValueError:
            self.json = None

    def why(self):
        return f"status {self.status}, body {self.raw[:300]!r}"


CTX = ssl.create_default_context(cafile=CAFILE)


def fetch(method, url, body=None, ctype="application/jose+json"):
    req = urllib.request.Request(url, data=body, method=method)
    if body is not None:
        req.add_header("Content-Type", ctype)
    try:
        with urllib.request.urlopen(req, context=CTX, timeout=20) as r:
            return Answer(r.status, r.headers, r.read())
    except urllib.error.HTTPError as e:
        return Answer(e.code, e.headers, e.read())


DIR = fetch("GET", DIRECTORY).json


def nonce():
    return fetch("HEAD", DIR["newNonce"]).headers["Replay-Nonce"]


def jws(url, payload, key, kid=None, nonce_=None, jwk=None):
    prot = {"alg": key.alg, "nonce": nonce_ or nonce(), "url": url}
    if kid:
        prot["kid"] = kid
    else:
        prot["jwk"] = jwk or key.jwk()
    p = b64(json.dumps(prot).encode())
    pl = "" if payload is None else b64(json.dumps(payload).encode())
    sig = b64(key.sign(f"{p}.{pl}".encode()))
    return {"protected": p, "payload": pl, "signature": sig}


def post(url, payload, key, kid=None, **kw):
    return fetch("POST", url, json.dumps(jws(url, payload, key, kid,
                                            **kw)).encode())


class Challenges(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        tok = self.path.rsplit("/", 1)[-1]
        if self.path.startswith("/.well-known/acme-challenge/") and \
                tok in TOKENS:
            body = TOKENS[tok].encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        else:
            self.send_error(404)

    def log_message(self, *args):
        pass


def csr_for(key, names, ips=()):
    sans = [x509.DNSName(n) for n in names]
    import ipaddress
    sans += [x509.IPAddress(ipaddress.ip_address(i)) for i in ips]
    b = x509.CertificateSigningRequestBuilder().subject_name(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME,
                                      names[0] if names else ips[0])]))
    b = b.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    c = b.sign(key.k, hashes.SHA256())
    return b64(c.public_bytes(serialization.Encoding.DER))


def problem(a, typ, status):
    return (a.status == status and a.json is not None and
            a.json.get("type") == "urn:ietf:params:acme:error:" + typ and
            a.json.get("status") == status and
            a.headers.get("Content-Type", "").startswith(
                "application/problem+json") and
            a.headers.get("Replay-Nonce"))


def main():
    srv = http.server.HTTPServer(("127.0.0.1", HTTP_PORT), Challenges)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    acct_key, cert_key = Key("ec"), Key("ec")

    # --- newAccount -----------------------------------------------------
    a = post(DIR["newAccount"], {"onlyReturnExisting": True}, acct_key)
    check("onlyReturnExisting, unknown key: 400 accountDoesNotExist",
          problem(a, "accountDoesNotExist", 400), a.why())
    a = post(DIR["newAccount"], {"termsOfServiceAgreed": True,
                                 "contact": ["mailto:py@example.org"]},
             acct_key)
    kid = a.headers.get("Location")
    check("newAccount: 201, Location, status valid",
          a.status == 201 and kid and a.json.get("status") == "valid",
          a.why())
    check("newAccount: the contact is kept",
          a.json and a.json.get("contact") == ["mailto:py@example.org"],
          a.why())
    a = post(DIR["newAccount"], {}, acct_key)
    check("newAccount, known key: 200 with the same Location",
          a.status == 200 and a.headers.get("Location") == kid,
          f"{a.why()} Location {a.headers.get('Location')}")
    a = post(DIR["newAccount"], {"onlyReturnExisting": True}, acct_key)
    check("onlyReturnExisting, known key: 200 with its Location",
          a.status == 200 and a.headers.get("Location") == kid, a.why())
    a = post(DIR["newAccount"], {"contact": ["tel:+1"]}, Key("ec"))
    check("newAccount: a tel: contact is unsupportedContact",
          problem(a, "unsupportedContact", 400), a.why())
    rsa_key = Key("rsa")
    a = post(DIR["newAccount"], {}, rsa_key)
    rsa_kid = a.headers.get("Location")
    check("newAccount with an RS256 key", a.status == 201 and rsa_kid,
          a.why())

    # --- the JWS rules ----------------------------------------------------
    n = nonce()
    a = post(DIR["newOrder"], {"identifiers": []}, acct_key, kid, nonce_=n)
    a = post(DIR["newOrder"], {"identifiers": [{"type": "dns",
             "value": NAME}]}, acct_key, kid, nonce_=n)
    check("a used nonce: 400 badNonce (with status, so lego retries)",
          problem(a, "badNonce", 400), a.why())
    body = jws(DIR["newAccount"], {}, acct_key, kid)
    a = fetch("POST", DIR["newOrder"], json.dumps(body).encode())
    check("a JWS signed for another url: 401 unauthorized",
          problem(a, "unauthorized", 401), a.why())
    a = post(DIR["newOrder"], {"identifiers": [{"type": "dns",
             "value": NAME}]}, acct_key)
    check("jwk where kid belongs: 400 malformed",
          problem(a, "malformed", 400), a.why())
    a = post(DIR["newAccount"], {}, acct_key, kid)
    check("kid on newAccount: 400 malformed",
          problem(a, "malformed", 400), a.why())
    a = post(DIR["newOrder"], {"identifiers": [{"type": "dns",
             "value": NAME}]}, acct_key, kid.replace("acct/", "acct/x"))
    check("an unknown kid: 400 accountDoesNotExist",
          problem(a, "accountDoesNotExist", 400), a.why())
    other = Key("ec")
    b = jws(DIR["newOrder"], {"identifiers": []}, acct_key, kid)
    b["signature"] = b64(other.sign(f"{b['protected']}."
                                    f"{b['payload']}".encode()))
    a = fetch("POST", DIR["newOrder"], json.dumps(b).encode())
    check("a signature by another key: 400 malformed",
          problem(a, "malformed", 400), a.why())
    a = post(kid, None, acct_key, kid)
    check("POST-as-GET of the account: 200, status valid",
          a.status == 200 and a.json.get("status") == "valid", a.why())
    a = post(DIR["newOrder"], {"identifiers": [{"type": "dns",
             "value": "*.acme-test.localhost"}]}, acct_key, kid)
    check("a wildcard: 400 rejectedIdentifier",
          problem(a, "rejectedIdentifier", 400), a.why())

    # --- an order for a dns and an ip identifier ---------------------------
    a = post(DIR["newOrder"], {"identifiers": [
        {"type": "dns", "value": NAME}, {"type": "ip", "value": IP}]},
        acct_key, kid)
    order = a.headers.get("Location")
    check("newOrder (dns and ip): 201, Location, pending",
          a.status == 201 and order and a.json["status"] == "pending",
          a.why())
    o = a.json
    fin = o["finalize"]
    a = post(fin, {"csr": csr_for(cert_key, [NAME], [IP])}, acct_key, kid)
    check("finalize before the authorizations: 403 orderNotReady",
          problem(a, "orderNotReady", 403), a.why())
    for url in o["authorizations"]:
        z = post(url, None, acct_key, kid).json
        ch = z["challenges"][0]
        check(f"authz {z['identifier']['value']}: one pending http-01",
              ch["type"] == "http-01" and z["status"] == "pending", z)
        TOKENS[ch["token"]] = ch["token"] + "." + acct_key.thumb()
        a = post(ch["url"], {}, acct_key, kid)
        check(f"challenge {z['identifier']['value']}: valid, with a "
              "quoted Link rel=\"up\" first",
              a.status == 200 and a.json.get("status") == "valid" and
              ", ".join(a.headers.get_all("Link", [])).startswith(
                  f'<{url}>;rel="up"'),
              f"{a.why()} {a.headers.get_all('Link')}")
    a = post(order, None, acct_key, kid)
    check("the order is ready", a.json and a.json["status"] == "ready",
          a.why())
    a = post(fin, {"csr": csr_for(cert_key, [NAME])}, acct_key, kid)
    check("a CSR without the ip: 400 badCSR", problem(a, "badCSR", 400),
          a.why())
    a = post(fin, {"csr": csr_for(acct_key, [NAME], [IP])}, acct_key, kid)
    check("a CSR with the account key: 400 badCSR",
          problem(a, "badCSR", 400), a.why())
    a = post(fin, {"csr": csr_for(cert_key, [NAME], [IP])}, acct_key, kid)
    check("finalize: 200, valid, a certificate URL",
          a.status == 200 and a.json["status"] == "valid" and
          "certificate" in a.json, a.why())
    cert_url = a.json.get("certificate", "")
    a = post(fin, {"csr": csr_for(cert_key, [NAME], [IP])}, acct_key, kid)
    check("finalize again: 403 orderNotReady (never ready again)",
          problem(a, "orderNotReady", 403), a.why())
    a = post(order, None, acct_key, kid)
    check("the order stays valid", a.json["status"] == "valid", a.why())
    a = post(cert_url, None, acct_key, kid)
    check("the certificate: application/pem-certificate-chain, leaf first",
          a.status == 200 and a.headers.get("Content-Type", "").startswith(
              "application/pem-certificate-chain") and
          a.raw.count(b"BEGIN CERTIFICATE") == 2, a.why())
    # One at a time: Debian 12's python3-cryptography (38) has no
    # load_pem_x509_certificates().
    end = b"-----END CERTIFICATE-----"
    certs = [x509.load_pem_x509_certificate(p + end)
             for p in a.raw.split(end) if b"BEGIN CERTIFICATE" in p]
    leaf = certs[0]
    san = leaf.extensions.get_extension_for_class(
        x509.SubjectAlternativeName).value
    check("the leaf names the dns and the ip identifier",
          san.get_values_for_type(x509.DNSName) == [NAME] and
          [str(i) for i in san.get_values_for_type(x509.IPAddress)] == [IP],
          str(san))
    a = post(cert_url, None, rsa_key, rsa_kid)
    check("another account cannot fetch it: 404", a.status == 404, a.why())

    # --- ARI (RFC 9773) ---------------------------------------------------
    aki = leaf.extensions.get_extension_for_class(
        x509.AuthorityKeyIdentifier).value.key_identifier
    sn = leaf.serial_number.to_bytes(
        (leaf.serial_number.bit_length() + 8) // 8, "big")
    certid = f"{b64(aki)}.{b64(sn)}"
    a = fetch("GET", f"{DIR['renewalInfo']}/{certid}")
    check("renewalInfo: a suggested window",
          a.status == 200 and "start" in a.json.get("suggestedWindow", {}),
          a.why())
    a = post(DIR["newOrder"], {"identifiers": [{"type": "dns",
             "value": NAME}], "replaces": certid}, acct_key, kid)
    check("newOrder replaces the certificate (ARI)",
          a.status == 201 and a.json.get("replaces"), a.why())
    replacing = a.json
    a = post(DIR["newOrder"], {"identifiers": [{"type": "dns",
             "value": NAME}], "replaces": certid}, acct_key, kid)
    check("replacing it again: 409 alreadyReplaced",
          problem(a, "alreadyReplaced", 409), a.why())
    post(replacing["authorizations"][0], {"status": "deactivated"},
         acct_key, kid)
    a = post(DIR["newOrder"], {"identifiers": [{"type": "dns",
             "value": NAME}], "replaces": certid}, acct_key, kid)
    check("once the replacing order is invalid, another may replace it",
          a.status == 201 and a.json.get("replaces"), a.why())
    a = post(DIR["newOrder"], {"identifiers": [{"type": "dns",
             "value": NAME}], "replaces": certid}, rsa_key, rsa_kid)
    check("another account cannot replace it: 409",
          a.status == 409, a.why())

    # --- authorization deactivation ---------------------------------------
    a = post(DIR["newOrder"], {"identifiers": [{"type": "dns",
             "value": "gone." + NAME}]}, acct_key, kid)
    o2, order2 = a.json, a.headers.get("Location")
    a = post(o2["authorizations"][0], {"status": "deactivated"}, acct_key,
             kid)
    check("authz deactivation: deactivated",
          a.status == 200 and a.json["status"] == "deactivated", a.why())
    a = post(order2, None, acct_key, kid)
    check("its order becomes invalid", a.json["status"] == "invalid",
          a.why())

    # --- revocation ---------------------------------------------------------
    der = b64(leaf.public_bytes(serialization.Encoding.DER))
    a = post(DIR["revokeCert"], {"certificate": der}, rsa_key, rsa_kid)
    check("revokeCert by an account without authorizations: 403",
          problem(a, "unauthorized", 403), a.why())
    a = post(DIR["revokeCert"], {"certificate": der, "reason": 2},
             acct_key, kid)
    check("revokeCert, reason cACompromise: badRevocationReason",
          problem(a, "badRevocationReason", 400), a.why())
    a = post(DIR["revokeCert"], {"certificate": der, "reason": 1},
             cert_key)
    check("revokeCert signed by the certificate's key (jwk): 200",
          a.status == 200, a.why())
    a = post(DIR["revokeCert"], {"certificate": der}, acct_key, kid)
    check("revoking it again: alreadyRevoked",
          problem(a, "alreadyRevoked", 400), a.why())

    # --- key rollover, then deactivation --------------------------------------
    new_key = Key("ec")
    prot = {"alg": new_key.alg, "jwk": new_key.jwk(), "url": DIR["keyChange"]}
    p = b64(json.dumps(prot).encode())
    pl = b64(json.dumps({"account": kid, "oldKey": acct_key.jwk()}).encode())
    inner = {"protected": p, "payload": pl,
             "signature": b64(new_key.sign(f"{p}.{pl}".encode()))}
    a = post(DIR["keyChange"], inner, acct_key, kid)
    check("keyChange: 200", a.status == 200, a.why())
    a = post(kid, None, acct_key, kid)
    check("the old key no longer works", a.status >= 400, a.why())
    a = post(kid, None, new_key, kid)
    check("the new key does", a.status == 200, a.why())
    a = post(kid, {"status": "deactivated"}, new_key, kid)
    check("account deactivation: deactivated",
          a.status == 200 and a.json["status"] == "deactivated", a.why())
    a = post(DIR["newOrder"], {"identifiers": [{"type": "dns",
             "value": NAME}]}, new_key, kid)
    check("a deactivated account: 401 unauthorized",
          problem(a, "unauthorized", 401), a.why())
    srv.shutdown()
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
