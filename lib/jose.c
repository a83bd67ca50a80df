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

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/param_build.h>

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

/* The names, and what each wants of a key. */
static const struct {
	const char	*name;
	int		 pkey_id;	/* EVP_PKEY_* */
	const char	*group;	/* OpenSSL's name of the EC curve */
	size_t		 coord;	/* bytes of a coordinate, and of R, S */
} algs[GH_JOSE_ALG__MAX] = {
	[GH_JOSE_RS256] = { "RS256", EVP_PKEY_RSA, NULL, 0 },
	[GH_JOSE_ES256] = { "ES256", EVP_PKEY_EC, "prime256v1", 32 },
	[GH_JOSE_ES384] = { "ES384", EVP_PKEY_EC, "secp384r1", 48 },
	[GH_JOSE_EDDSA] = { "EdDSA", EVP_PKEY_ED25519, NULL, 0 },
	[GH_JOSE_HS256] = { "HS256", EVP_PKEY_NONE, NULL, 0 },
};

/* The EC curves of JWK, by their JOSE and OpenSSL names. */
static const struct {
	const char	*crv;
	const char	*group;
	size_t		 coord;
} curves[] = {
	{ "P-256", "prime256v1", 32 },
	{ "P-384", "secp384r1", 48 },
};

/* Members that only a private JWK has (RFC 7518 6.3.2, 6.2.2, 6.4). */
static const char *const private_members[] = {
	"d", "p", "q", "dp", "dq", "qi", "oth", "k", NULL
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
	return algs[alg].name;
}

/* Set *why (when wanted) and return err: for one-line failures. */
static enum gh_jose_err
fail(const char **why, const char *reason, enum gh_jose_err err)
{
	if (why != NULL)
		*why = reason;
	return err;
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
 * Decode the base64url member key of obj into buf of bufsz bytes: the
 * helper of gh_jwk_parse().  GH_JOSE_EBADKEY when absent, not a string,
 * not strict base64url or longer than bufsz.
 */
static enum gh_jose_err
jwk_member(struct json_object *obj, const char *key, unsigned char *buf,
    size_t bufsz, size_t *n, const char **why)
{
	const char	*s;
	size_t		 len;

	if (gh_json_get_string(obj, key, &s, &len) != GH_OK)
		return fail(why, "JWK member missing or not a string",
		    GH_JOSE_EBADKEY);
	if (gh_jose_b64_decode(s, len, buf, bufsz, n) != GH_JOSE_OK)
		return fail(why, "JWK member not base64url or too long",
		    GH_JOSE_EBADKEY);
	return GH_JOSE_OK;
}

/*
 * Build a key from OSSL_PARAMs made by bld: EVP_PKEY_fromdata() of the
 * public part of type name.  *out is new on success.
 */
static enum gh_jose_err
pkey_fromdata(const char *name, OSSL_PARAM_BLD *bld, EVP_PKEY **out,
    const char **why)
{
	OSSL_PARAM	*params = NULL;
	EVP_PKEY_CTX	*ctx = NULL;
	EVP_PKEY	*pkey = NULL;
	enum gh_jose_err err = GH_JOSE_ECRYPTO;

	if ((params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, name, NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) != 1)
		goto out;
	/* The data came from outside: a refusal is the key's fault. */
	if (EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1) {
		err = fail(why, "OpenSSL refused the public key",
		    GH_JOSE_EBADKEY);
		goto out;
	}
	*out = pkey;
	pkey = NULL;
	err = GH_JOSE_OK;
out:
	EVP_PKEY_free(pkey);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	if (err == GH_JOSE_ECRYPTO && why != NULL)
		*why = "OpenSSL failed";
	return err;
}

/* The significant bits of the big-endian number p[0..n), p[0] != 0. */
static size_t
be_bits(const unsigned char *p, size_t n)
{
	size_t		 bits = (n - 1) * 8;
	unsigned char	 c = p[0];

	while (c != 0) {
		bits++;
		c >>= 1;
	}
	return bits;
}

/*
 * An RSA JWK.  The checks are SP 800-56B's on a public key that cost
 * nothing (sizes, odd n, odd e of at least 65537 below 2^256), not its
 * Miller-Rabin on n, which would let anyone make us spend tens of
 * milliseconds a request.  A key with a bad n only hurts its owner.
 */
static enum gh_jose_err
jwk_rsa(struct json_object *jwk, EVP_PKEY **out, const char **why)
{
	unsigned char	 n[GH_JOSE_RSA_MAX_BITS / 8], e[32];
	size_t		 nlen, elen, bits;
	BIGNUM		*bn_n = NULL, *bn_e = NULL;
	OSSL_PARAM_BLD	*bld = NULL;
	enum gh_jose_err err;

	if ((err = jwk_member(jwk, "n", n, sizeof(n), &nlen, why)) !=
	    GH_JOSE_OK ||
	    (err = jwk_member(jwk, "e", e, sizeof(e), &elen, why)) !=
	    GH_JOSE_OK)
		return err;
	if (nlen == 0 || n[0] == 0 || elen == 0 || e[0] == 0)
		return fail(why, "RSA number empty or not minimal",
		    GH_JOSE_EBADKEY);
	bits = be_bits(n, nlen);
	if (bits < GH_JOSE_RSA_MIN_BITS)
		return fail(why, "RSA key shorter than 2048 bits",
		    GH_JOSE_EBADKEY);
	if (bits > GH_JOSE_RSA_MAX_BITS)
		return fail(why, "RSA key longer than 4096 bits",
		    GH_JOSE_EBADKEY);
	if ((n[nlen - 1] & 1) == 0)
		return fail(why, "RSA modulus even", GH_JOSE_EBADKEY);
	if ((e[elen - 1] & 1) == 0 || elen < 3 ||
	    (elen == 3 && (e[0] << 16 | e[1] << 8 | e[2]) < 65537))
		return fail(why, "RSA exponent even or below 65537",
		    GH_JOSE_EBADKEY);

	err = GH_JOSE_ECRYPTO;
	if ((bn_n = BN_bin2bn(n, (int)nlen, NULL)) == NULL ||
	    (bn_e = BN_bin2bn(e, (int)elen, NULL)) == NULL ||
	    (bld = OSSL_PARAM_BLD_new()) == NULL ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e) != 1) {
		if (why != NULL)
			*why = "OpenSSL failed";
		goto out;
	}
	err = pkey_fromdata("RSA", bld, out, why);
out:
	OSSL_PARAM_BLD_free(bld);
	BN_free(bn_n);
	BN_free(bn_e);
	return err;
}

/*
 * An EC JWK: the point must be on the curve, which EVP_PKEY_fromdata()
 * checks, and so again does EVP_PKEY_public_check_quick() with its
 * coordinates in range and not at infinity.  Not the full check, which
 * also multiplies the point by the group order: P-256 and P-384 have
 * cofactor 1, so every other point on them has that order anyway, and
 * the multiplication doubled the cost of a P-384 request.
 */
static enum gh_jose_err
jwk_ec(struct json_object *jwk, EVP_PKEY **out, const char **why)
{
	unsigned char	 pub[1 + 2 * 48];
	const char	*crv;
	size_t		 i, xlen, ylen, coord;
	OSSL_PARAM_BLD	*bld = NULL;
	EVP_PKEY	*pkey = NULL;
	EVP_PKEY_CTX	*ctx = NULL;
	enum gh_jose_err err;

	if (gh_json_get_string(jwk, "crv", &crv, NULL) != GH_OK)
		return fail(why, "EC JWK without crv", GH_JOSE_EBADKEY);
	for (i = 0; i < GH_NELEM(curves); i++)
		if (strcmp(crv, curves[i].crv) == 0)
			break;
	if (i == GH_NELEM(curves))
		return fail(why, "EC curve not P-256 or P-384",
		    GH_JOSE_EBADKEY);
	coord = curves[i].coord;
	pub[0] = POINT_CONVERSION_UNCOMPRESSED;
	if ((err = jwk_member(jwk, "x", pub + 1, coord, &xlen, why)) !=
	    GH_JOSE_OK ||
	    (err = jwk_member(jwk, "y", pub + 1 + coord, coord, &ylen,
	    why)) != GH_JOSE_OK)
		return err;
	if (xlen != coord || ylen != coord)
		return fail(why, "EC coordinate not of the curve's size",
		    GH_JOSE_EBADKEY);

	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
	    curves[i].group, 0) != 1 ||
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
	    pub, 1 + 2 * coord) != 1) {
		err = fail(why, "OpenSSL failed", GH_JOSE_ECRYPTO);
		goto out;
	}
	if ((err = pkey_fromdata("EC", bld, &pkey, why)) != GH_JOSE_OK) {
		if (err == GH_JOSE_EBADKEY && why != NULL)
			*why = "EC point not on the curve";
		goto out;
	}
	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL)) == NULL) {
		err = fail(why, "OpenSSL failed", GH_JOSE_ECRYPTO);
		goto out;
	}
	if (EVP_PKEY_public_check_quick(ctx) != 1) {
		err = fail(why, "EC point not on the curve", GH_JOSE_EBADKEY);
		goto out;
	}
	*out = pkey;
	pkey = NULL;
out:
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	OSSL_PARAM_BLD_free(bld);
	return err;
}

/*
 * The encodings of Ed25519's points of order 1, 4 and 8 with either sign
 * bit (those of order 2 are caught with the non-canonical ones).  OpenSSL
 * verifies without a cofactor check, and a signature under such a key is
 * forged one time in eight without knowing any secret: an account must
 * not have one.
 */
static const unsigned char ed25519_small_order[][32] = {
	{ 0 },
	{ [31] = 0x80 },
	{ 0x01 },
	{ 0x01, [31] = 0x80 },
	{ 0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4,
	  0x89, 0xf2, 0xef, 0x98, 0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6,
	  0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05 },
	{ 0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4,
	  0x89, 0xf2, 0xef, 0x98, 0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6,
	  0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x85 },
	{ 0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b,
	  0x76, 0x0d, 0x10, 0x67, 0x0f, 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39,
	  0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a },
	{ 0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b,
	  0x76, 0x0d, 0x10, 0x67, 0x0f, 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39,
	  0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0xfa },
};

/*
 * Whether the Ed25519 encoding x is one we refuse: a point of small order
 * or a y that is not below p = 2^255 - 19 (RFC 8032 5.1.3).  The first
 * test takes y >= p - 1, little-endian: y = p - 1 is the point of order 2.
 */
static int
ed25519_bad_point(const unsigned char x[32])
{
	size_t	 i;

	for (i = 1; i < 31 && x[i] == 0xff; i++)
		continue;
	if (i == 31 && (x[31] & 0x7f) == 0x7f && x[0] >= 0xec)
		return 1;
	for (i = 0; i < GH_NELEM(ed25519_small_order); i++)
		if (memcmp(x, ed25519_small_order[i], 32) == 0)
			return 1;
	return 0;
}

/* An OKP JWK: Ed25519 only (RFC 8037; no Ed448, no X25519). */
static enum gh_jose_err
jwk_okp(struct json_object *jwk, EVP_PKEY **out, const char **why)
{
	unsigned char	 x[32];
	const char	*crv;
	size_t		 xlen;
	EVP_PKEY	*pkey;
	enum gh_jose_err err;

	if (gh_json_get_string(jwk, "crv", &crv, NULL) != GH_OK)
		return fail(why, "OKP JWK without crv", GH_JOSE_EBADKEY);
	if (strcmp(crv, "Ed25519") != 0)
		return fail(why, "OKP curve not Ed25519", GH_JOSE_EBADKEY);
	if ((err = jwk_member(jwk, "x", x, sizeof(x), &xlen, why)) !=
	    GH_JOSE_OK)
		return err;
	if (xlen != sizeof(x))
		return fail(why, "Ed25519 key not 32 bytes", GH_JOSE_EBADKEY);
	if (ed25519_bad_point(x))
		return fail(why, "Ed25519 point of small order or not "
		    "canonical", GH_JOSE_EBADKEY);
	pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, x,
	    sizeof(x));
	if (pkey == NULL)
		return fail(why, "OpenSSL refused the public key",
		    GH_JOSE_EBADKEY);
	*out = pkey;
	return GH_JOSE_OK;
}

enum gh_jose_err
gh_jwk_parse(struct json_object *jwk, EVP_PKEY **out, const char **why)
{
	const char	*kty;
	size_t		 i;
	enum gh_jose_err err;

	if (!json_object_is_type(jwk, json_type_object))
		return fail(why, "JWK not an object", GH_JOSE_EBADKEY);
	for (i = 0; private_members[i] != NULL; i++)
		if (json_object_object_get_ex(jwk, private_members[i], NULL))
			return fail(why, "JWK has private key members",
			    GH_JOSE_EBADKEY);
	if (gh_json_get_string(jwk, "kty", &kty, NULL) != GH_OK)
		return fail(why, "JWK without kty", GH_JOSE_EBADKEY);
	if (strcmp(kty, "RSA") == 0)
		err = jwk_rsa(jwk, out, why);
	else if (strcmp(kty, "EC") == 0)
		err = jwk_ec(jwk, out, why);
	else if (strcmp(kty, "OKP") == 0)
		err = jwk_okp(jwk, out, why);
	else
		err = fail(why, "JWK kty not RSA, EC or OKP", GH_JOSE_EBADKEY);
	/* What OpenSSL said of a bad key is no error of the process's. */
	ERR_clear_error();
	return err;
}

enum gh_jose_err
gh_jwk_parse_text(const char *s, size_t len, EVP_PKEY **out, const char **why)
{
	struct json_object	*obj = NULL;
	enum gh_jose_err	 err;
	const char		*reason = NULL;

	if (len > GH_JOSE_HEADER_MAX)
		return fail(why, "JWK too long", GH_JOSE_ETOOBIG);
	switch (gh_json_parse_object(s, len, &obj, &reason)) {
	case GH_OK:
		break;
	case GH_ENOMEM:
		return fail(why, reason, GH_JOSE_ENOMEM);
	default:
		return fail(why, reason, GH_JOSE_EBADKEY);
	}
	err = gh_jwk_parse(obj, out, why);
	json_object_put(obj);
	return err;
}

/*
 * Whether key is one this module deals in, and for alg when alg is not
 * GH_JOSE_ALG__MAX.  For EC keys, *coord gets the coordinate size.
 * GH_JOSE_EBADKEY for an unsupported key, GH_JOSE_EBADALG when it does not
 * fit alg.
 */
static enum gh_jose_err
key_check(EVP_PKEY *key, enum gh_jose_alg alg, size_t *coord,
    const char **why)
{
	char		 group[64];
	size_t		 i, glen = 0;
	int		 id, bits;

	if (key == NULL)
		return fail(why, "no key", GH_JOSE_EBADKEY);
	id = EVP_PKEY_get_base_id(key);
	switch (id) {
	case EVP_PKEY_RSA:
		bits = EVP_PKEY_get_bits(key);
		if (bits < GH_JOSE_RSA_MIN_BITS || bits > GH_JOSE_RSA_MAX_BITS)
			return fail(why, "RSA key not of 2048 to 4096 bits",
			    GH_JOSE_EBADKEY);
		break;
	case EVP_PKEY_EC:
		if (EVP_PKEY_get_utf8_string_param(key,
		    OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
		    &glen) != 1)
			return fail(why, "EC key without a named curve",
			    GH_JOSE_EBADKEY);
		for (i = 0; i < GH_NELEM(curves); i++)
			if (strcmp(group, curves[i].group) == 0)
				break;
		if (i == GH_NELEM(curves))
			return fail(why, "EC curve not P-256 or P-384",
			    GH_JOSE_EBADKEY);
		if (coord != NULL)
			*coord = curves[i].coord;
		if (alg < GH_JOSE_ALG__MAX && algs[alg].group != NULL &&
		    strcmp(algs[alg].group, group) != 0)
			return fail(why, "alg not for the key's curve",
			    GH_JOSE_EBADALG);
		break;
	case EVP_PKEY_ED25519:
		break;
	default:
		return fail(why, "key type not RSA, EC or Ed25519",
		    GH_JOSE_EBADKEY);
	}
	if (alg < GH_JOSE_ALG__MAX && algs[alg].pkey_id != id)
		return fail(why, "alg not for the key's type",
		    GH_JOSE_EBADALG);
	return GH_JOSE_OK;
}

/* Append the string s; GH_JOSE_ENOMEM or GH_JOSE_ETOOBIG from the buffer. */
static enum gh_jose_err
buf_puts(struct gh_buf *out, const char *s)
{
	switch (gh_buf_puts(out, s)) {
	case GH_OK:
		return GH_JOSE_OK;
	case GH_ENOMEM:
		return GH_JOSE_ENOMEM;
	default:
		return GH_JOSE_ETOOBIG;
	}
}

/* Append the base64url of the big number bn, minimal or padded to pad bytes. */
static enum gh_jose_err
buf_add_bn(struct gh_buf *out, const BIGNUM *bn, size_t pad)
{
	unsigned char	 bin[GH_JOSE_RSA_MAX_BITS / 8];
	char		 txt[GH_B64URL_SIZE(sizeof(bin))];
	size_t		 n;
	int		 rc;

	n = pad != 0 ? pad : (size_t)BN_num_bytes(bn);
	if (n > sizeof(bin))
		return GH_JOSE_EBADKEY;
	rc = BN_bn2binpad(bn, bin, (int)n);
	if (rc < 0 || (size_t)rc != n)
		return GH_JOSE_EBADKEY;
	if (gh_jose_b64_encode(bin, n, txt, sizeof(txt)) != GH_JOSE_OK)
		return GH_JOSE_EBADKEY;
	return buf_puts(out, txt);
}

/*
 * RFC 7638 section 3.2: the required members, sorted, no white space.
 * Base64url and the fixed names need no JSON escaping.  On failure the
 * buffer is cut back to where it was.
 */
enum gh_jose_err
gh_jwk_canonical(EVP_PKEY *key, struct gh_buf *out)
{
	unsigned char	 raw[32];
	char		 txt[GH_B64URL_SIZE(32)];
	BIGNUM		*a = NULL, *b = NULL;
	size_t		 start = out->len, coord = 0;
	size_t		 rawlen = sizeof(raw);
	enum gh_jose_err err;

	if ((err = key_check(key, GH_JOSE_ALG__MAX, &coord, NULL)) !=
	    GH_JOSE_OK)
		return err;
	switch (EVP_PKEY_get_base_id(key)) {
	case EVP_PKEY_RSA:
		if (EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E,
		    &a) != 1 ||
		    EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N,
		    &b) != 1) {
			err = GH_JOSE_ECRYPTO;
			break;
		}
		if ((err = buf_puts(out, "{\"e\":\"")) == GH_JOSE_OK &&
		    (err = buf_add_bn(out, a, 0)) == GH_JOSE_OK &&
		    (err = buf_puts(out, "\",\"kty\":\"RSA\",\"n\":\"")) ==
		    GH_JOSE_OK &&
		    (err = buf_add_bn(out, b, 0)) == GH_JOSE_OK)
			err = buf_puts(out, "\"}");
		break;
	case EVP_PKEY_EC:
		if (EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X,
		    &a) != 1 ||
		    EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y,
		    &b) != 1) {
			err = GH_JOSE_ECRYPTO;
			break;
		}
		if ((err = buf_puts(out, coord == 32 ?
		    "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"" :
		    "{\"crv\":\"P-384\",\"kty\":\"EC\",\"x\":\"")) ==
		    GH_JOSE_OK &&
		    (err = buf_add_bn(out, a, coord)) == GH_JOSE_OK &&
		    (err = buf_puts(out, "\",\"y\":\"")) == GH_JOSE_OK &&
		    (err = buf_add_bn(out, b, coord)) == GH_JOSE_OK)
			err = buf_puts(out, "\"}");
		break;
	case EVP_PKEY_ED25519:
		if (EVP_PKEY_get_raw_public_key(key, raw, &rawlen) != 1 ||
		    rawlen != sizeof(raw) ||
		    gh_jose_b64_encode(raw, rawlen, txt, sizeof(txt)) !=
		    GH_JOSE_OK) {
			err = GH_JOSE_ECRYPTO;
			break;
		}
		if ((err = buf_puts(out,
		    "{\"crv\":\"Ed25519\",\"kty\":\"OKP\",\"x\":\"")) ==
		    GH_JOSE_OK &&
		    (err = buf_puts(out, txt)) == GH_JOSE_OK)
			err = buf_puts(out, "\"}");
		break;
	default:
		err = GH_JOSE_EBADKEY;
		break;
	}
	BN_free(a);
	BN_free(b);
	if (err != GH_JOSE_OK && out->data != NULL) {
		out->len = start;
		out->data[start] = '\0';
	}
	return err;
}

enum gh_jose_err
gh_jwk_to_json(EVP_PKEY *key, struct json_object **out)
{
	struct gh_buf		 b;
	enum gh_jose_err	 err;

	gh_buf_init(&b, GH_JOSE_HEADER_MAX);
	err = gh_jwk_canonical(key, &b);
	if (err == GH_JOSE_OK && gh_json_parse_object(b.data, b.len, out,
	    NULL) != GH_OK)
		err = GH_JOSE_ENOMEM;
	gh_buf_free(&b);
	return err;
}

enum gh_jose_err
gh_jwk_thumbprint(EVP_PKEY *key, char out[GH_JOSE_THUMB_LEN + 1])
{
	unsigned char		 md[GH_SHA256_LEN];
	struct gh_buf		 b;
	enum gh_jose_err	 err;

	gh_buf_init(&b, GH_JOSE_HEADER_MAX);
	err = gh_jwk_canonical(key, &b);
	if (err == GH_JOSE_OK) {
		gh_sha256(b.data, b.len, md);
		err = gh_jose_b64_encode(md, sizeof(md), out,
		    GH_JOSE_THUMB_LEN + 1);
	}
	gh_buf_free(&b);
	return err;
}

int
gh_jwk_equal(const EVP_PKEY *a, const EVP_PKEY *b)
{
	if (a == NULL || b == NULL)
		return 0;
	return EVP_PKEY_eq(a, b) == 1;
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
		return fail(why, "ECDSA signature not of the curve's size",
		    GH_JOSE_EBADSIG);
	if ((es = ECDSA_SIG_new()) == NULL ||
	    (r = BN_bin2bn(sig, (int)coord, NULL)) == NULL ||
	    (s = BN_bin2bn(sig + coord, (int)coord, NULL)) == NULL ||
	    ECDSA_SIG_set0(es, r, s) != 1) {
		BN_free(r);
		BN_free(s);
		ECDSA_SIG_free(es);
		return fail(why, "OpenSSL failed", GH_JOSE_ECRYPTO);
	}
	/* es owns r and s now. */
	n = i2d_ECDSA_SIG(es, &p);
	ECDSA_SIG_free(es);
	if (n <= 0)
		return fail(why, "OpenSSL failed", GH_JOSE_ECRYPTO);
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
		return fail(why, "alg not for a public key", GH_JOSE_EBADALG);
	if ((err = key_check(key, alg, &coord, why)) != GH_JOSE_OK)
		return err;
	if (sig == NULL || siglen == 0 || siglen > GH_JOSE_SIG_MAX ||
	    (msg == NULL && n > 0))
		return fail(why, "signature empty or too long",
		    GH_JOSE_EBADSIG);
	switch (alg) {
	case GH_JOSE_RS256:
		md = "SHA256";
		if (siglen != (size_t)EVP_PKEY_get_size(key))
			return fail(why, "RSA signature not of the key's size",
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
			return fail(why, "Ed25519 signature not 64 bytes",
			    GH_JOSE_EBADSIG);
		break;
	}

	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestVerifyInit_ex(ctx, NULL, md, NULL, NULL, key,
	    NULL) != 1) {
		err = fail(why, "OpenSSL failed", GH_JOSE_ECRYPTO);
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
		err = fail(why, "signature does not verify", GH_JOSE_EBADSIG);
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
		return fail(why, "no JWS", GH_JOSE_EMALFORMED);
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
		return fail(why, "no JWS", GH_JOSE_EMALFORMED);
	if (jws->alg != GH_JOSE_HS256)
		return fail(why, "alg not HS256", GH_JOSE_EBADALG);
	if (k == NULL || klen == 0 || klen > GH_JOSE_HMAC_KEY_MAX)
		return fail(why, "HMAC key empty or too long",
		    GH_JOSE_EBADKEY);
	/* The length of a MAC is no secret; its bytes are. */
	if (jws->sig_len != sizeof(mac))
		return fail(why, "HS256 MAC not 32 bytes", GH_JOSE_EBADSIG);
	if (gh_hmac_sha256(k, klen, jws->input, jws->input_len, mac) != GH_OK)
		return fail(why, "OpenSSL failed", GH_JOSE_ECRYPTO);
	if (gh_ct_eq(mac, jws->sig, sizeof(mac)))
		err = GH_JOSE_OK;
	else
		err = fail(why, "MAC does not verify", GH_JOSE_EBADSIG);
	OPENSSL_cleanse(mac, sizeof(mac));
	return err;
}

enum gh_jose_err
gh_jws_payload_object(const struct gh_jws *jws, struct json_object **out,
    const char **why)
{
	const char	*reason = NULL;

	if (jws == NULL || jws->payload_len == 0)
		return fail(why, "empty payload", GH_JOSE_EMALFORMED);
	switch (gh_json_parse_object((const char *)jws->payload,
	    jws->payload_len, out, &reason)) {
	case GH_OK:
		return GH_JOSE_OK;
	case GH_ENOMEM:
		return fail(why, reason, GH_JOSE_ENOMEM);
	default:
		return fail(why, reason, GH_JOSE_EMALFORMED);
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
		return fail(why, "alg missing or not a string",
		    GH_JOSE_EMALFORMED);
	for (i = 0; i < GH_JOSE_ALG__MAX; i++)
		if (strcmp(alg, algs[i].name) == 0)
			break;
	if (i == GH_JOSE_ALG__MAX)
		return fail(why, strcmp(alg, "none") == 0 ? "alg none" :
		    "alg not RS256, ES256, ES384 or EdDSA", GH_JOSE_EBADALG);
	jws->alg = (enum gh_jose_alg)i;
	if (kind != JWS_EAB && jws->alg == GH_JOSE_HS256)
		return fail(why, "a MAC alg on an ACME request",
		    GH_JOSE_EBADALG);
	if (kind == JWS_EAB && jws->alg != GH_JOSE_HS256)
		return fail(why, "EAB alg not HS256", GH_JOSE_EBADALG);

	if (json_object_object_get_ex(hdr, "crit", NULL))
		return fail(why, "crit in the protected header",
		    GH_JOSE_EMALFORMED);
	if (json_object_object_get_ex(hdr, "b64", &v) &&
	    !(json_object_is_type(v, json_type_boolean) &&
	    json_object_get_boolean(v)))
		return fail(why, "unencoded payload (b64)",
		    GH_JOSE_EMALFORMED);

	if (!get_short_string(hdr, "url", GH_JOSE_URL_MAX, &jws->url))
		return fail(why, "url missing, empty, too long or not a string",
		    GH_JOSE_EMALFORMED);

	if (kind != JWS_ACME) {
		if (json_object_object_get_ex(hdr, "nonce", NULL))
			return fail(why, "nonce in an inner JWS",
			    GH_JOSE_EMALFORMED);
	} else {
		if (gh_json_get_string(hdr, "nonce", &nonce, &nlen) != GH_OK)
			return fail(why, "nonce missing or not a string",
			    GH_JOSE_EBADNONCE);
		if (nlen == 0 || nlen > GH_JOSE_NONCE_MAX ||
		    gh_jose_b64_decode(nonce, nlen, nbuf, sizeof(nbuf),
		    &n) != GH_JOSE_OK)
			return fail(why, "nonce empty, too long or not "
			    "base64url", GH_JOSE_EBADNONCE);
		jws->nonce = nonce;
	}

	/* Present means present: "jwk": null is a jwk, a malformed one. */
	has_jwk = json_object_object_get_ex(hdr, "jwk", NULL);
	has_kid = json_object_object_get_ex(hdr, "kid", NULL);
	if (has_jwk && has_kid)
		return fail(why, "both jwk and kid", GH_JOSE_EMALFORMED);
	if (!has_jwk && !has_kid)
		return fail(why, "neither jwk nor kid", GH_JOSE_EMALFORMED);
	if (has_kid && kind == JWS_KEYCHANGE)
		return fail(why, "kid in a keyChange inner JWS",
		    GH_JOSE_EMALFORMED);
	if (has_kid) {
		if (!get_short_string(hdr, "kid", GH_JOSE_URL_MAX, &jws->kid))
			return fail(why, "kid empty, too long or not a string",
			    GH_JOSE_EMALFORMED);
		jws->keyref = GH_JWS_KID;
		return GH_JOSE_OK;
	}
	if (kind == JWS_EAB)
		return fail(why, "jwk in an EAB JWS", GH_JOSE_EMALFORMED);
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
		return fail(why, "JWS not a JSON object", GH_JOSE_EMALFORMED);
	if (json_object_object_get_ex(obj, "signatures", NULL))
		return fail(why, "general JWS serialisation",
		    GH_JOSE_EMALFORMED);
	if (json_object_object_get_ex(obj, "header", NULL))
		return fail(why, "unprotected header", GH_JOSE_EMALFORMED);
	if (gh_json_get_string(obj, "protected", &prot, &plen) != GH_OK ||
	    plen == 0)
		return fail(why, "protected missing, empty or not a string",
		    GH_JOSE_EMALFORMED);
	if (gh_json_get_string(obj, "payload", &payload, &paylen) != GH_OK)
		return fail(why, "payload missing or not a string",
		    GH_JOSE_EMALFORMED);
	if (gh_json_get_string(obj, "signature", &sig, &siglen) != GH_OK ||
	    siglen == 0)
		return fail(why, "signature missing, empty or not a string",
		    GH_JOSE_EMALFORMED);
	if (plen > B64_ENCODED_LEN(GH_JOSE_HEADER_MAX))
		return fail(why, "protected header too long", GH_JOSE_ETOOBIG);
	if (siglen > B64_ENCODED_LEN(GH_JOSE_SIG_MAX))
		return fail(why, "signature too long", GH_JOSE_ETOOBIG);
	if (paylen > GH_JOSE_JWS_MAX)
		return fail(why, "payload too long", GH_JOSE_ETOOBIG);

	if ((jws = calloc(1, sizeof(*jws))) == NULL)
		return fail(why, "out of memory", GH_JOSE_ENOMEM);

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
	return fail(why, reason, err);
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
		return fail(why, "JWS too long", GH_JOSE_ETOOBIG);
	switch (gh_json_parse_object(s, len, &obj, &reason)) {
	case GH_OK:
		break;
	case GH_ENOMEM:
		return fail(why, reason, GH_JOSE_ENOMEM);
	default:
		return fail(why, reason, GH_JOSE_EMALFORMED);
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
