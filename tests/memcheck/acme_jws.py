#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""acme_jws.py URL NONCE good|bad: a flattened JWS (RFC 8555 6.2) for
memcheck.sh's ACME requests, signed with a new ES256 key sent as jwk: a
newAccount payload, with its signature ("good") or with the signature of
another key ("bad").  Prints the body."""

import base64
import json
import sys

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, utils


def b64(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def main():
    url, nonce, kind = sys.argv[1:4]
    key = ec.generate_private_key(ec.SECP256R1())
    pub = key.public_key().public_numbers()
    jwk = {"crv": "P-256", "kty": "EC", "x": b64(pub.x.to_bytes(32, "big")),
           "y": b64(pub.y.to_bytes(32, "big"))}
    prot = b64(json.dumps({"alg": "ES256", "jwk": jwk, "nonce": nonce,
                           "url": url}).encode())
    pay = b64(json.dumps({"termsOfServiceAgreed": True,
                          "contact": ["mailto:mc@example.org"]}).encode())
    signer = key if kind == "good" else ec.generate_private_key(
        ec.SECP256R1())
    r, s = utils.decode_dss_signature(
        signer.sign(f"{prot}.{pay}".encode(), ec.ECDSA(hashes.SHA256())))
    sig = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    print(json.dumps({"protected": prot, "payload": pay,
                      "signature": b64(sig)}))


if __name__ == "__main__":
    main()
