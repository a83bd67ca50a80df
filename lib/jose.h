/* SPDX-License-Identifier: ISC */
/*
 * jose: the JOSE that ACME (RFC 8555) needs and no more.  Strict
 * base64url; the flattened JSON serialisation of a JWS (RFC 7515 section
 * 7.2.2) with the protected header of RFC 8555 section 6.2; public JWKs
 * (RSA and EC of RFC 7518, Ed25519 of RFC 8037) as OpenSSL keys, their
 * RFC 7638 thumbprints; verification of RS256, ES256, ES384 and EdDSA, and
 * HS256 for the inner JWS of external account binding (RFC 8555 7.3.4);
 * the inner JWS of key rollover (7.3.5).
 *
 * It knows no service: whether an endpoint takes jwk or kid, whether the
 * nonce is fresh and the url the right one, is the ACME layer's to decide.
 * Every input is bounded; the bounds are below.
 */
#ifndef GH_JOSE_H
#define GH_JOSE_H

#include <stddef.h>

#include <json-c/json.h>
#include <openssl/evp.h>

#include "util.h"

/* A JWS whatever the caller allows; a decoded protected header; signature. */
#define GH_JOSE_JWS_MAX		(256u * 1024)
#define GH_JOSE_HEADER_MAX	8192
#define GH_JOSE_SIG_MAX		512	/* RSA-4096 */
#define GH_JOSE_RSA_MIN_BITS	2048
#define GH_JOSE_RSA_MAX_BITS	4096
#define GH_JOSE_NONCE_MAX	128	/* characters of a nonce */
#define GH_JOSE_URL_MAX		2048	/* characters of url or kid */
#define GH_JOSE_HMAC_KEY_MAX	256	/* bytes of an EAB HMAC key */
#define GH_JOSE_THUMB_LEN	43	/* base64url of a SHA-256 */

/*
 * The outcomes of this module.  Each comment ends with the RFC 8555
 * problem type the ACME layer answers with (gh_jose_acme_type() gives it).
 * A bad signature is "malformed", as in Boulder and Pebble; over a size
 * bound too, though the HTTP layer may say 413 first.
 */
enum gh_jose_err {
	GH_JOSE_OK = 0,
	GH_JOSE_EMALFORMED,	/* not a JWS as ACME wants it: malformed */
	GH_JOSE_ETOOBIG,	/* over a size bound: malformed */
	GH_JOSE_EBADNONCE,	/* nonce missing or not base64url: badNonce */
	GH_JOSE_EBADALG,	/* none, MAC, unknown, not the key's:
				   badSignatureAlgorithm */
	GH_JOSE_EBADKEY,	/* JWK unsupported, invalid, weak, private:
				   badPublicKey */
	GH_JOSE_EBADSIG,	/* the signature does not verify: malformed */
	GH_JOSE_ENOMEM,		/* serverInternal */
	GH_JOSE_ECRYPTO,	/* OpenSSL failed (not the input):
				   serverInternal */
	GH_JOSE_ERR__MAX
};

/* A short static English description of err; never NULL. */
const char	*gh_jose_strerror(enum gh_jose_err err);

/*
 * The RFC 8555 problem type for err without its "urn:ietf:params:acme:error:"
 * prefix ("malformed", "badNonce", …, "serverInternal"); NULL for GH_JOSE_OK.
 */
const char	*gh_jose_acme_type(enum gh_jose_err err);

enum gh_jose_alg {
	GH_JOSE_RS256,
	GH_JOSE_ES256,
	GH_JOSE_ES384,
	GH_JOSE_EDDSA,
	GH_JOSE_HS256,	/* only for external account binding */
	GH_JOSE_ALG__MAX
};

/* The JOSE name of alg ("RS256", …, "EdDSA"); never NULL. */
const char	*gh_jose_alg_name(enum gh_jose_alg alg);

/*
 * Strict base64url without padding (RFC 7515 section 2): only the 64
 * characters of the url alphabet, no "=", no white space, unused bits
 * zero, so every byte string has exactly one spelling.  GH_JOSE_EMALFORMED
 * on anything else, GH_JOSE_ETOOBIG when outsz is short.  On failure out
 * and *outlen are untouched.
 */
enum gh_jose_err gh_jose_b64_decode(const char *s, size_t len,
		    unsigned char *out, size_t outsz, size_t *outlen);

/*
 * Encode n bytes unpadded and NUL-terminated; GH_JOSE_ETOOBIG if outsz
 * is short.
 */
enum gh_jose_err gh_jose_b64_encode(const void *p, size_t n, char *out,
		    size_t outsz);

/* Which key the protected header names: exactly one of them. */
enum gh_jws_keyref {
	GH_JWS_JWK = 1,
	GH_JWS_KID
};

/*
 * A parsed JWS.  It owns everything it points to; gh_jws_free() frees it.
 * The strings are NUL-terminated and free of NULs; the payload is
 * NUL-terminated too, but may hold NULs: payload_len counts its bytes.
 */
struct gh_jws {
	enum gh_jose_alg	 alg;
	enum gh_jws_keyref	 keyref;
	const char		*nonce;	/* base64url; NULL if inner JWS */
	const char		*url;	/* never NULL */
	const char		*kid;	/* when keyref is GH_JWS_KID */
	EVP_PKEY		*jwk;	/* when keyref is GH_JWS_JWK */
	const unsigned char	*payload;	/* decoded, NUL-ended */
	size_t			 payload_len;	/* 0: POST-as-GET */
	/* The rest is jose.c's. */
	struct json_object	*header;	/* owns nonce, url and kid */
	unsigned char		*payload_buf;
	char			*input;		/* signing input */
	size_t			 input_len;
	unsigned char		*sig;
	size_t			 sig_len;
};

/*
 * Parse len bytes at s as the flattened JSON serialisation of a JWS signed
 * for an ACME request.  max bounds len (0, or anything above it, means
 * GH_JOSE_JWS_MAX).  The rules:
 * - one JSON object with string "protected", "payload" and "signature";
 *   "signatures" (the general serialisation) and "header" (unprotected
 *   members) are refused; other members are ignored (RFC 7515 7.2.1);
 * - the protected header has "alg" (never "none" or a MAC: EBADALG),
 *   "nonce" (missing or not base64url: EBADNONCE), "url", exactly one of
 *   "jwk" (parsed with gh_jwk_parse(): EBADKEY) and "kid"; no "crit", and
 *   no "b64" other than true (RFC 8555 6.2 forbids unencoded payloads);
 * - "payload" may be "" (POST-as-GET), which is not the same as absent
 *   (malformed).
 * The signature is not checked here: see gh_jws_verify().  On success
 * *out is a new JWS the caller frees; on failure *out is untouched and
 * why (if not NULL) gets a static reason.
 */
enum gh_jose_err gh_jws_parse(const char *s, size_t len, size_t max,
		    struct gh_jws **out, const char **why);

/*
 * Parse the inner JWS of external account binding (RFC 8555 7.3.4): the
 * value of "externalAccountBinding" in a newAccount payload, borrowed.
 * As gh_jws_parse() but "alg" must be HS256, "kid" is required, "jwk" and
 * "nonce" are refused.  The payload should be the outer JWS's jwk: the
 * caller compares with gh_jwk_parse_text() and gh_jwk_equal().
 */
enum gh_jose_err gh_jws_parse_eab(struct json_object *obj,
		    struct gh_jws **out, const char **why);

/*
 * Parse the inner JWS of a keyChange request (RFC 8555 7.3.5): the outer
 * JWS's payload as an object (gh_jws_payload_object()), borrowed.  As
 * gh_jws_parse() but "jwk" (the new key) is required, and "kid" and
 * "nonce" are refused.  The caller checks that its url is the outer one's,
 * verifies it with jws->jwk, and reads "account" and "oldKey" from its
 * payload.
 */
enum gh_jose_err gh_jws_parse_keychange(struct json_object *obj,
		    struct gh_jws **out, const char **why);

/* Free a JWS; NULL is fine. */
void		 gh_jws_free(struct gh_jws *jws);

/*
 * Verify jws's signature with key (borrowed; for a jwk request, jws->jwk).
 * GH_JOSE_EBADALG when jws->alg does not fit the key (RS256 wants RSA of
 * 2048 to 4096 bits, ES256 P-256, ES384 P-384, EdDSA Ed25519; HS256 is
 * never accepted here), GH_JOSE_EBADSIG when the signature is wrong.
 */
enum gh_jose_err gh_jws_verify(const struct gh_jws *jws, EVP_PKEY *key,
		    const char **why);

/*
 * Verify an EAB JWS's HS256 MAC with the HMAC key k[0..klen) (1 to
 * GH_JOSE_HMAC_KEY_MAX bytes) in constant time.  GH_JOSE_EBADALG unless
 * jws->alg is HS256, GH_JOSE_EBADSIG when the MAC is wrong.
 */
enum gh_jose_err gh_jws_verify_hs256(const struct gh_jws *jws,
		    const void *k, size_t klen, const char **why);

/*
 * Verify a JWS signature sig[0..siglen) over the signing input msg[0..n)
 * with alg and key (borrowed): what gh_jws_verify() does once parsed, for
 * JWSs in other serialisations (the RFC examples are compact).  Not for
 * HS256.  Errors as gh_jws_verify().
 */
enum gh_jose_err gh_jose_verify_sig(enum gh_jose_alg alg, EVP_PKEY *key,
		    const void *msg, size_t n, const unsigned char *sig,
		    size_t siglen, const char **why);

/*
 * Parse a JWS's payload strictly (lib/json.c) as a JSON object: *out is a
 * new reference the caller puts.  GH_JOSE_EMALFORMED when it is empty
 * (POST-as-GET) or anything but an object.
 */
enum gh_jose_err gh_jws_payload_object(const struct gh_jws *jws,
		    struct json_object **out, const char **why);

/*
 * Parse a public JWK (borrowed) into a new key the caller frees with
 * EVP_PKEY_free().  Accepted: kty "RSA" (n, e; 2048 to 4096 bits, odd n,
 * odd e from 65537 below 2^256), "EC" (crv P-256 or P-384, x and y of the
 * curve's full size, a point on the curve) and "OKP" (crv Ed25519, x of 32
 * bytes).  Numbers must be minimal (no leading zero octets), as RFC 7518
 * wants.  Private members (d, p, q, dp, dq, qi, oth, k) are refused; other
 * members (kid, use, alg, …) are ignored.  Anything else: GH_JOSE_EBADKEY.
 */
enum gh_jose_err gh_jwk_parse(struct json_object *jwk, EVP_PKEY **out,
		    const char **why);

/* As gh_jwk_parse(), from len bytes of JSON (at most GH_JOSE_HEADER_MAX). */
enum gh_jose_err gh_jwk_parse_text(const char *s, size_t len, EVP_PKEY **out,
		    const char **why);

/*
 * Append key's public JWK to out, in the canonical form of RFC 7638
 * (required members only, in lexicographic order, no white space): what
 * the thumbprint hashes, and a compact form to store.  GH_JOSE_EBADKEY
 * for a key of a type or size gh_jwk_parse() would not accept,
 * GH_JOSE_ETOOBIG / GH_JOSE_ENOMEM from the buffer; out is unchanged then.
 */
enum gh_jose_err gh_jwk_canonical(EVP_PKEY *key, struct gh_buf *out);

/* key's canonical JWK as a new json-c object the caller puts. */
enum gh_jose_err gh_jwk_to_json(EVP_PKEY *key, struct json_object **out);

/* The RFC 7638 SHA-256 thumbprint of key, base64url, into out. */
enum gh_jose_err gh_jwk_thumbprint(EVP_PKEY *key,
		    char out[GH_JOSE_THUMB_LEN + 1]);

/*
 * 1 when a and b (borrowed) are the same public key, else 0 (also when
 * either is NULL or OpenSSL cannot compare them).
 */
int		 gh_jwk_equal(const EVP_PKEY *a, const EVP_PKEY *b);

#endif
