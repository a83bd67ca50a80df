/* SPDX-License-Identifier: ISC */
/*
 * jose: flattened JWS parsing, public JWKs and JWS verification for ACME,
 * over json-c (through lib/json.c's strict parser) and OpenSSL 3.
 *
 * Everything from outside is bounded before it is decoded, every base64url
 * string has one spelling, and a JWK's numbers must be minimal, so that a
 * key has one JWK and one thumbprint.  The signature is checked only after
 * the header has been accepted, and only with a key that fits the "alg".
 */
#include "jose.h"
#include "jose_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>

#include "crypto.h"
#include "json.h"
#include "token.h"

/* The decoded size of len base64url characters, rounded up. */
#define B64_DECODED_MAX(len)	((len) / 4 * 3 + 2)
/* The base64url length of n bytes, without padding or NUL. */
#define B64_ENCODED_LEN(n)	\
	((n) / 3 * 4 + ((n) % 3 != 0 ? (n) % 3 + 1 : 0))

static const char *const jose_errstr[GH_JOSE_ERR__MAX] = {
	[GH_JOSE_OK] = "success",
	[GH_JOSE_EMALFORMED] = "malformed JWS",
	[GH_JOSE_ETOOBIG] = "JWS too large",
	[GH_JOSE_EBADNONCE] = "missing or malformed nonce",
	[GH_JOSE_EBADALG] = "unsupported signature algorithm",
	[GH_JOSE_EBADKEY] = "unsupported or invalid public key",
	[GH_JOSE_EBADSIG] = "signature does not verify",
	[GH_JOSE_ENOMEM] = "out of memory",
	[GH_JOSE_ECRYPTO] = "OpenSSL failed",
};

static const char *const jose_acme[GH_JOSE_ERR__MAX] = {
	[GH_JOSE_OK] = NULL,
	[GH_JOSE_EMALFORMED] = "malformed",
	[GH_JOSE_ETOOBIG] = "malformed",
	[GH_JOSE_EBADNONCE] = "badNonce",
	[GH_JOSE_EBADALG] = "badSignatureAlgorithm",
	[GH_JOSE_EBADKEY] = "badPublicKey",
	[GH_JOSE_EBADSIG] = "malformed",
	[GH_JOSE_ENOMEM] = "serverInternal",
	[GH_JOSE_ECRYPTO] = "serverInternal",
};

/* The names, and what each wants of a key (jose_int.h). */
const struct gh_jose_algdef gh_jose_algs[GH_JOSE_ALG__MAX] = {
	[GH_JOSE_RS256] = { "RS256", EVP_PKEY_RSA, NULL, 0 },
	[GH_JOSE_ES256] = { "ES256", EVP_PKEY_EC, "prime256v1", 32 },
	[GH_JOSE_ES384] = { "ES384", EVP_PKEY_EC, "secp384r1", 48 },
	[GH_JOSE_EDDSA] = { "EdDSA", EVP_PKEY_ED25519, NULL, 0 },
	[GH_JOSE_HS256] = { "HS256", EVP_PKEY_NONE, NULL, 0 },
};

const char *
gh_jose_strerror(enum gh_jose_err err)
{
	if ((unsigned)err >= GH_JOSE_ERR__MAX)
		return "unknown error";
	return jose_errstr[err];
}

const char *
gh_jose_acme_type(enum gh_jose_err err)
{
	if ((unsigned)err >= GH_JOSE_ERR__MAX)
		return "serverInternal";
	return jose_acme[err];
}

const char *
gh_jose_alg_name(enum gh_jose_alg alg)
{
	if ((unsigned)alg >= GH_JOSE_ALG__MAX)
		return "?";
	return gh_jose_algs[alg].name;
}

static int
is_b64url(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/*
 * Only the url alphabet here; lib/token.c then decodes, refusing a lone
 * sixth character and non-zero unused bits.
 */
enum gh_jose_err
gh_jose_b64_decode(const char *s, size_t len, unsigned char *out,
    size_t outsz, size_t *outlen)
{
	size_t	 i;

	if (len > 0 && s == NULL)
		return GH_JOSE_EMALFORMED;
	for (i = 0; i < len; i++)
		if (!is_b64url((unsigned char)s[i]))
			return GH_JOSE_EMALFORMED;
	switch (gh_b64url_decode(s, len, out, outsz, outlen)) {
	case GH_OK:
		return GH_JOSE_OK;
	case GH_ETOOBIG:
		return GH_JOSE_ETOOBIG;
	default:
		return GH_JOSE_EMALFORMED;
	}
}

enum gh_jose_err
gh_jose_b64_encode(const void *p, size_t n, char *out, size_t outsz)
{
	if (gh_b64url_encode(p, n, out, outsz) != GH_OK)
		return GH_JOSE_ETOOBIG;
	return GH_JOSE_OK;
}

/*
 * Decode the base64url string s[0..len) of at most max decoded bytes into
 * a new NUL-terminated buffer *out (the caller frees it).  GH_JOSE_ETOOBIG
 * when it decodes to more than max.
 */
static enum gh_jose_err
b64_decode_new(const char *s, size_t len, size_t max, unsigned char **out,
    size_t *outlen)
{
	unsigned char	*buf;
	size_t		 n = 0, cap;
	enum gh_jose_err err;

	cap = B64_DECODED_MAX(len);
	if (cap > max)
		cap = max;
	if ((buf = malloc(cap + 1)) == NULL)
		return GH_JOSE_ENOMEM;
	err = gh_jose_b64_decode(s, len, buf, cap, &n);
	if (err != GH_JOSE_OK) {
		free(buf);
		return err;
	}
	buf[n] = '\0';
	*out = buf;
	*outlen = n;
	return GH_JOSE_OK;
}

/*
 * Turn a JWS ECDSA signature, R || S of coord bytes each (RFC 7518
 * 3.4), into the DER that OpenSSL verifies: a new buffer *der of *derlen
 * bytes that the caller frees with OPENSSL_free().
 */
static enum gh_jose_err
ecdsa_raw_to_der(const unsigned char *sig, size_t siglen, size_t coord,
    unsigned char **der, size_t *derlen, const char **why)
{
	ECDSA_SIG	*es = NULL;
	BIGNUM		*r = NULL, *s = NULL;
	unsigned char	*p = NULL;
	int		 n;

	if (siglen != 2 * coord)
		return gh_jose_fail(why, "ECDSA signature not of the curve's size",
		    GH_JOSE_EBADSIG);
	if ((es = ECDSA_SIG_new()) == NULL ||
	    (r = BN_bin2bn(sig, (int)coord, NULL)) == NULL ||
	    (s = BN_bin2bn(sig + coord, (int)coord, NULL)) == NULL ||
	    ECDSA_SIG_set0(es, r, s) != 1) {
		BN_free(r);
		BN_free(s);
		ECDSA_SIG_free(es);
		return gh_jose_fail(why, "OpenSSL failed", GH_JOSE_ECRYPTO);
	}
	/* es owns r and s now. */
	n = i2d_ECDSA_SIG(es, &p);
	ECDSA_SIG_free(es);
	if (n <= 0)
		return gh_jose_fail(why, "OpenSSL failed", GH_JOSE_ECRYPTO);
	*der = p;
	*derlen = (size_t)n;
	return GH_JOSE_OK;
}

enum gh_jose_err
gh_jose_verify_sig(enum gh_jose_alg alg, EVP_PKEY *key, const void *msg,
    size_t n, const unsigned char *sig, size_t siglen, const char **why)
{
	EVP_MD_CTX	*ctx = NULL;
	unsigned char	*der = NULL;
	const unsigned char *vsig = sig;
	size_t		 vlen = siglen, coord = 0;
	const char	*md = NULL;
	enum gh_jose_err err;
	int		 rc;

	if ((unsigned)alg >= GH_JOSE_ALG__MAX || alg == GH_JOSE_HS256)
		return gh_jose_fail(why, "alg not for a public key", GH_JOSE_EBADALG);
	if ((err = gh_jwk_check(key, alg, &coord, why)) != GH_JOSE_OK)
		return err;
	if (sig == NULL || siglen == 0 || siglen > GH_JOSE_SIG_MAX ||
	    (msg == NULL && n > 0))
		return gh_jose_fail(why, "signature empty or too long",
		    GH_JOSE_EBADSIG);
	switch (alg) {
	case GH_JOSE_RS256:
		md = "SHA256";
		if (siglen != (size_t)EVP_PKEY_get_size(key))
			return gh_jose_fail(why, "RSA signature not of the key's size",
			    GH_JOSE_EBADSIG);
		break;
	case GH_JOSE_ES256:
	case GH_JOSE_ES384:
		md = alg == GH_JOSE_ES256 ? "SHA256" : "SHA384";
		err = ecdsa_raw_to_der(sig, siglen, coord, &der, &vlen, why);
		if (err != GH_JOSE_OK)
			return err;
		vsig = der;
		break;
	default:
		/* EdDSA hashes inside: no digest. */
		if (siglen != 64)
			return gh_jose_fail(why, "Ed25519 signature not 64 bytes",
			    GH_JOSE_EBADSIG);
		break;
	}

	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestVerifyInit_ex(ctx, NULL, md, NULL, NULL, key,
	    NULL) != 1) {
		err = gh_jose_fail(why, "OpenSSL failed", GH_JOSE_ECRYPTO);
		goto out;
	}
	/*
	 * EVP_DigestVerify() gives 1 for a good signature, 0 for a bad one and
	 * a negative value for an error, which for a signature from outside
	 * (a DER that OpenSSL finds wrong, an R out of range) is a bad
	 * signature too; only the steps before it are our failures.
	 */
	rc = EVP_DigestVerify(ctx, vsig, vlen, msg != NULL ?
	    (const unsigned char *)msg : (const unsigned char *)"", n);
	if (rc == 1)
		err = GH_JOSE_OK;
	else
		err = gh_jose_fail(why, "signature does not verify", GH_JOSE_EBADSIG);
out:
	EVP_MD_CTX_free(ctx);
	OPENSSL_free(der);
	/* A bad signature leaves OpenSSL's reasons queued: not ours to keep. */
	ERR_clear_error();
	return err;
}

enum gh_jose_err
gh_jws_verify(const struct gh_jws *jws, EVP_PKEY *key, const char **why)
{
	if (jws == NULL)
		return gh_jose_fail(why, "no JWS", GH_JOSE_EMALFORMED);
	return gh_jose_verify_sig(jws->alg, key, jws->input, jws->input_len,
	    jws->sig, jws->sig_len, why);
}

enum gh_jose_err
gh_jws_verify_hs256(const struct gh_jws *jws, const void *k, size_t klen,
    const char **why)
{
	unsigned char	 mac[32];
	enum gh_jose_err err;

	if (jws == NULL)
		return gh_jose_fail(why, "no JWS", GH_JOSE_EMALFORMED);
	if (jws->alg != GH_JOSE_HS256)
		return gh_jose_fail(why, "alg not HS256", GH_JOSE_EBADALG);
	if (k == NULL || klen == 0 || klen > GH_JOSE_HMAC_KEY_MAX)
		return gh_jose_fail(why, "HMAC key empty or too long",
		    GH_JOSE_EBADKEY);
	/* The length of a MAC is no secret; its bytes are. */
	if (jws->sig_len != sizeof(mac))
		return gh_jose_fail(why, "HS256 MAC not 32 bytes", GH_JOSE_EBADSIG);
	if (gh_hmac_sha256(k, klen, jws->input, jws->input_len, mac) != GH_OK)
		return gh_jose_fail(why, "OpenSSL failed", GH_JOSE_ECRYPTO);
	if (gh_ct_eq(mac, jws->sig, sizeof(mac)))
		err = GH_JOSE_OK;
	else
		err = gh_jose_fail(why, "MAC does not verify", GH_JOSE_EBADSIG);
	OPENSSL_cleanse(mac, sizeof(mac));
	return err;
}

enum gh_jose_err
gh_jws_payload_object(const struct gh_jws *jws, struct json_object **out,
    const char **why)
{
	const char	*reason = NULL;

	if (jws == NULL || jws->payload_len == 0)
		return gh_jose_fail(why, "empty payload", GH_JOSE_EMALFORMED);
	switch (gh_json_parse_object((const char *)jws->payload,
	    jws->payload_len, out, &reason)) {
	case GH_OK:
		return GH_JOSE_OK;
	case GH_ENOMEM:
		return gh_jose_fail(why, reason, GH_JOSE_ENOMEM);
	default:
		return gh_jose_fail(why, reason, GH_JOSE_EMALFORMED);
	}
}

void
gh_jws_free(struct gh_jws *jws)
{
	if (jws == NULL)
		return;
	EVP_PKEY_free(jws->jwk);
	json_object_put(jws->header);
	free(jws->payload_buf);
	free(jws->input);
	free(jws->sig);
	free(jws);
}

enum jws_kind {
	JWS_ACME,	/* an ACME request */
	JWS_EAB,	/* the inner JWS of external account binding */
	JWS_KEYCHANGE	/* the inner JWS of a keyChange request */
};

/* A string member of at most max characters, not empty; borrowed. */
static int
get_short_string(struct json_object *obj, const char *key, size_t max,
    const char **out)
{
	const char	*s;
	size_t		 len;

	if (gh_json_get_string(obj, key, &s, &len) != GH_OK || len == 0 ||
	    len > max)
		return 0;
	*out = s;
	return 1;
}

/*
 * Check the decoded protected header hdr (borrowed) of a JWS of kind and
 * fill in jws's alg, keyref, nonce, url, kid and jwk.
 */
static enum gh_jose_err
header_check(struct json_object *hdr, enum jws_kind kind, struct gh_jws *jws,
    const char **why)
{
	struct json_object	*v;
	const char		*alg, *nonce;
	unsigned char		 nbuf[GH_JOSE_NONCE_MAX];
	size_t			 i, nlen, n;
	int			 has_jwk, has_kid;

	if (gh_json_get_string(hdr, "alg", &alg, NULL) != GH_OK)
		return gh_jose_fail(why, "alg missing or not a string",
		    GH_JOSE_EMALFORMED);
	for (i = 0; i < GH_JOSE_ALG__MAX; i++)
		if (strcmp(alg, gh_jose_algs[i].name) == 0)
			break;
	if (i == GH_JOSE_ALG__MAX)
		return gh_jose_fail(why, strcmp(alg, "none") == 0 ? "alg none" :
		    "alg not RS256, ES256, ES384 or EdDSA", GH_JOSE_EBADALG);
	jws->alg = (enum gh_jose_alg)i;
	if (kind != JWS_EAB && jws->alg == GH_JOSE_HS256)
		return gh_jose_fail(why, "a MAC alg on an ACME request",
		    GH_JOSE_EBADALG);
	if (kind == JWS_EAB && jws->alg != GH_JOSE_HS256)
		return gh_jose_fail(why, "EAB alg not HS256", GH_JOSE_EBADALG);

	if (json_object_object_get_ex(hdr, "crit", NULL))
		return gh_jose_fail(why, "crit in the protected header",
		    GH_JOSE_EMALFORMED);
	if (json_object_object_get_ex(hdr, "b64", &v) &&
	    !(json_object_is_type(v, json_type_boolean) &&
	    json_object_get_boolean(v)))
		return gh_jose_fail(why, "unencoded payload (b64)",
		    GH_JOSE_EMALFORMED);

	if (!get_short_string(hdr, "url", GH_JOSE_URL_MAX, &jws->url))
		return gh_jose_fail(why, "url missing, empty, too long or not a string",
		    GH_JOSE_EMALFORMED);

	if (kind != JWS_ACME) {
		if (json_object_object_get_ex(hdr, "nonce", NULL))
			return gh_jose_fail(why, "nonce in an inner JWS",
			    GH_JOSE_EMALFORMED);
	} else {
		if (gh_json_get_string(hdr, "nonce", &nonce, &nlen) != GH_OK)
			return gh_jose_fail(why, "nonce missing or not a string",
			    GH_JOSE_EBADNONCE);
		if (nlen == 0 || nlen > GH_JOSE_NONCE_MAX ||
		    gh_jose_b64_decode(nonce, nlen, nbuf, sizeof(nbuf),
		    &n) != GH_JOSE_OK)
			return gh_jose_fail(why, "nonce empty, too long or not "
			    "base64url", GH_JOSE_EBADNONCE);
		jws->nonce = nonce;
	}

	/* Present means present: "jwk": null is a jwk, a malformed one. */
	has_jwk = json_object_object_get_ex(hdr, "jwk", NULL);
	has_kid = json_object_object_get_ex(hdr, "kid", NULL);
	if (has_jwk && has_kid)
		return gh_jose_fail(why, "both jwk and kid", GH_JOSE_EMALFORMED);
	if (!has_jwk && !has_kid)
		return gh_jose_fail(why, "neither jwk nor kid", GH_JOSE_EMALFORMED);
	if (has_kid && kind == JWS_KEYCHANGE)
		return gh_jose_fail(why, "kid in a keyChange inner JWS",
		    GH_JOSE_EMALFORMED);
	if (has_kid) {
		if (!get_short_string(hdr, "kid", GH_JOSE_URL_MAX, &jws->kid))
			return gh_jose_fail(why, "kid empty, too long or not a string",
			    GH_JOSE_EMALFORMED);
		jws->keyref = GH_JWS_KID;
		return GH_JOSE_OK;
	}
	if (kind == JWS_EAB)
		return gh_jose_fail(why, "jwk in an EAB JWS", GH_JOSE_EMALFORMED);
	json_object_object_get_ex(hdr, "jwk", &v);
	jws->keyref = GH_JWS_JWK;
	return gh_jwk_parse(v, &jws->jwk, why);
}

/*
 * What gh_jws_parse(), gh_jws_parse_eab() and gh_jws_parse_keychange()
 * share: obj is the JWS object (borrowed).  Its strings are bounded here
 * one by one, and together by the bound on the text they came in.
 */
static enum gh_jose_err
jws_from_object(struct json_object *obj, enum jws_kind kind,
    struct gh_jws **out, const char **why)
{
	struct gh_jws		*jws = NULL;
	const char		*prot, *payload, *sig, *reason = NULL;
	unsigned char		*hbuf = NULL;
	size_t			 plen, paylen, siglen, hlen;
	enum gh_jose_err	 err;

	if (!json_object_is_type(obj, json_type_object))
		return gh_jose_fail(why, "JWS not a JSON object", GH_JOSE_EMALFORMED);
	if (json_object_object_get_ex(obj, "signatures", NULL))
		return gh_jose_fail(why, "general JWS serialisation",
		    GH_JOSE_EMALFORMED);
	if (json_object_object_get_ex(obj, "header", NULL))
		return gh_jose_fail(why, "unprotected header", GH_JOSE_EMALFORMED);
	if (gh_json_get_string(obj, "protected", &prot, &plen) != GH_OK ||
	    plen == 0)
		return gh_jose_fail(why, "protected missing, empty or not a string",
		    GH_JOSE_EMALFORMED);
	if (gh_json_get_string(obj, "payload", &payload, &paylen) != GH_OK)
		return gh_jose_fail(why, "payload missing or not a string",
		    GH_JOSE_EMALFORMED);
	if (gh_json_get_string(obj, "signature", &sig, &siglen) != GH_OK ||
	    siglen == 0)
		return gh_jose_fail(why, "signature missing, empty or not a string",
		    GH_JOSE_EMALFORMED);
	if (plen > B64_ENCODED_LEN(GH_JOSE_HEADER_MAX))
		return gh_jose_fail(why, "protected header too long", GH_JOSE_ETOOBIG);
	if (siglen > B64_ENCODED_LEN(GH_JOSE_SIG_MAX))
		return gh_jose_fail(why, "signature too long", GH_JOSE_ETOOBIG);
	if (paylen > GH_JOSE_JWS_MAX)
		return gh_jose_fail(why, "payload too long", GH_JOSE_ETOOBIG);

	if ((jws = calloc(1, sizeof(*jws))) == NULL)
		return gh_jose_fail(why, "out of memory", GH_JOSE_ENOMEM);

	if ((err = b64_decode_new(prot, plen, GH_JOSE_HEADER_MAX, &hbuf,
	    &hlen)) != GH_JOSE_OK) {
		reason = "protected header not base64url or too long";
		goto err;
	}
	switch (gh_json_parse_object((const char *)hbuf, hlen, &jws->header,
	    &reason)) {
	case GH_OK:
		break;
	case GH_ENOMEM:
		err = GH_JOSE_ENOMEM;
		goto err;
	default:
		err = GH_JOSE_EMALFORMED;
		goto err;
	}
	if ((err = header_check(jws->header, kind, jws, &reason)) !=
	    GH_JOSE_OK)
		goto err;
	if ((err = b64_decode_new(payload, paylen, GH_JOSE_JWS_MAX,
	    &jws->payload_buf, &jws->payload_len)) != GH_JOSE_OK) {
		reason = "payload not base64url or too long";
		goto err;
	}
	jws->payload = jws->payload_buf;
	if ((err = b64_decode_new(sig, siglen, GH_JOSE_SIG_MAX, &jws->sig,
	    &jws->sig_len)) != GH_JOSE_OK) {
		reason = "signature not base64url or too long";
		goto err;
	}

	/* The signing input: ASCII(protected || '.' || payload). */
	jws->input_len = plen + 1 + paylen;
	if ((jws->input = malloc(jws->input_len + 1)) == NULL) {
		err = GH_JOSE_ENOMEM;
		reason = "out of memory";
		goto err;
	}
	memcpy(jws->input, prot, plen);
	jws->input[plen] = '.';
	memcpy(jws->input + plen + 1, payload, paylen);
	jws->input[jws->input_len] = '\0';

	free(hbuf);
	*out = jws;
	return GH_JOSE_OK;
err:
	free(hbuf);
	gh_jws_free(jws);
	if (err == GH_JOSE_ENOMEM)
		reason = "out of memory";
	return gh_jose_fail(why, reason, err);
}

enum gh_jose_err
gh_jws_parse(const char *s, size_t len, size_t max, struct gh_jws **out,
    const char **why)
{
	struct json_object	*obj = NULL;
	const char		*reason = NULL;
	enum gh_jose_err	 err;

	if (max == 0 || max > GH_JOSE_JWS_MAX)
		max = GH_JOSE_JWS_MAX;
	if (len > max)
		return gh_jose_fail(why, "JWS too long", GH_JOSE_ETOOBIG);
	switch (gh_json_parse_object(s, len, &obj, &reason)) {
	case GH_OK:
		break;
	case GH_ENOMEM:
		return gh_jose_fail(why, reason, GH_JOSE_ENOMEM);
	default:
		return gh_jose_fail(why, reason, GH_JOSE_EMALFORMED);
	}
	err = jws_from_object(obj, JWS_ACME, out, why);
	json_object_put(obj);
	return err;
}

enum gh_jose_err
gh_jws_parse_eab(struct json_object *obj, struct gh_jws **out,
    const char **why)
{
	return jws_from_object(obj, JWS_EAB, out, why);
}

enum gh_jose_err
gh_jws_parse_keychange(struct json_object *obj, struct gh_jws **out,
    const char **why)
{
	return jws_from_object(obj, JWS_KEYCHANGE, out, why);
}
