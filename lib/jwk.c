/* SPDX-License-Identifier: ISC */
/*
 * jwk: public JWKs (RSA and EC of RFC 7518, Ed25519 of RFC 8037) as
 * OpenSSL keys and back, their RFC 7638 thumbprints, and which algorithm
 * fits which key: the key half of lib/jose (jose.h declares it).
 *
 * A JWK's numbers must be minimal and its coordinates of full size, so
 * that a key has one JWK and one thumbprint.
 */
#include "jose.h"
#include "jose_int.h"

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
		return gh_jose_fail(why, "JWK member missing or not a string",
		    GH_JOSE_EBADKEY);
	if (gh_jose_b64_decode(s, len, buf, bufsz, n) != GH_JOSE_OK)
		return gh_jose_fail(why, "JWK member not base64url or too long",
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
		err = gh_jose_fail(why, "OpenSSL refused the public key",
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
		return gh_jose_fail(why, "RSA number empty or not minimal",
		    GH_JOSE_EBADKEY);
	bits = be_bits(n, nlen);
	if (bits < GH_JOSE_RSA_MIN_BITS)
		return gh_jose_fail(why, "RSA key shorter than 2048 bits",
		    GH_JOSE_EBADKEY);
	if (bits > GH_JOSE_RSA_MAX_BITS)
		return gh_jose_fail(why, "RSA key longer than 4096 bits",
		    GH_JOSE_EBADKEY);
	if ((n[nlen - 1] & 1) == 0)
		return gh_jose_fail(why, "RSA modulus even", GH_JOSE_EBADKEY);
	if ((e[elen - 1] & 1) == 0 || elen < 3 ||
	    (elen == 3 && (e[0] << 16 | e[1] << 8 | e[2]) < 65537))
		return gh_jose_fail(why, "RSA exponent even or below 65537",
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
		return gh_jose_fail(why, "EC JWK without crv", GH_JOSE_EBADKEY);
	for (i = 0; i < GH_NELEM(curves); i++)
		if (strcmp(crv, curves[i].crv) == 0)
			break;
	if (i == GH_NELEM(curves))
		return gh_jose_fail(why, "EC curve not P-256 or P-384",
		    GH_JOSE_EBADKEY);
	coord = curves[i].coord;
	pub[0] = POINT_CONVERSION_UNCOMPRESSED;
	if ((err = jwk_member(jwk, "x", pub + 1, coord, &xlen, why)) !=
	    GH_JOSE_OK ||
	    (err = jwk_member(jwk, "y", pub + 1 + coord, coord, &ylen,
	    why)) != GH_JOSE_OK)
		return err;
	if (xlen != coord || ylen != coord)
		return gh_jose_fail(why, "EC coordinate not of the curve's size",
		    GH_JOSE_EBADKEY);

	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
	    curves[i].group, 0) != 1 ||
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
	    pub, 1 + 2 * coord) != 1) {
		err = gh_jose_fail(why, "OpenSSL failed", GH_JOSE_ECRYPTO);
		goto out;
	}
	if ((err = pkey_fromdata("EC", bld, &pkey, why)) != GH_JOSE_OK) {
		if (err == GH_JOSE_EBADKEY && why != NULL)
			*why = "EC point not on the curve";
		goto out;
	}
	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL)) == NULL) {
		err = gh_jose_fail(why, "OpenSSL failed", GH_JOSE_ECRYPTO);
		goto out;
	}
	if (EVP_PKEY_public_check_quick(ctx) != 1) {
		err = gh_jose_fail(why, "EC point not on the curve", GH_JOSE_EBADKEY);
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
		return gh_jose_fail(why, "OKP JWK without crv", GH_JOSE_EBADKEY);
	if (strcmp(crv, "Ed25519") != 0)
		return gh_jose_fail(why, "OKP curve not Ed25519", GH_JOSE_EBADKEY);
	if ((err = jwk_member(jwk, "x", x, sizeof(x), &xlen, why)) !=
	    GH_JOSE_OK)
		return err;
	if (xlen != sizeof(x))
		return gh_jose_fail(why, "Ed25519 key not 32 bytes", GH_JOSE_EBADKEY);
	if (ed25519_bad_point(x))
		return gh_jose_fail(why, "Ed25519 point of small order or not "
		    "canonical", GH_JOSE_EBADKEY);
	pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, x,
	    sizeof(x));
	if (pkey == NULL)
		return gh_jose_fail(why, "OpenSSL refused the public key",
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
		return gh_jose_fail(why, "JWK not an object", GH_JOSE_EBADKEY);
	for (i = 0; private_members[i] != NULL; i++)
		if (json_object_object_get_ex(jwk, private_members[i], NULL))
			return gh_jose_fail(why, "JWK has private key members",
			    GH_JOSE_EBADKEY);
	if (gh_json_get_string(jwk, "kty", &kty, NULL) != GH_OK)
		return gh_jose_fail(why, "JWK without kty", GH_JOSE_EBADKEY);
	if (strcmp(kty, "RSA") == 0)
		err = jwk_rsa(jwk, out, why);
	else if (strcmp(kty, "EC") == 0)
		err = jwk_ec(jwk, out, why);
	else if (strcmp(kty, "OKP") == 0)
		err = jwk_okp(jwk, out, why);
	else
		err = gh_jose_fail(why, "JWK kty not RSA, EC or OKP", GH_JOSE_EBADKEY);
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
		return gh_jose_fail(why, "JWK too long", GH_JOSE_ETOOBIG);
	switch (gh_json_parse_object(s, len, &obj, &reason)) {
	case GH_OK:
		break;
	case GH_ENOMEM:
		return gh_jose_fail(why, reason, GH_JOSE_ENOMEM);
	default:
		return gh_jose_fail(why, reason, GH_JOSE_EBADKEY);
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
enum gh_jose_err
gh_jwk_check(EVP_PKEY *key, enum gh_jose_alg alg, size_t *coord,
    const char **why)
{
	char		 group[64];
	size_t		 i, glen = 0;
	int		 id, bits;

	if (key == NULL)
		return gh_jose_fail(why, "no key", GH_JOSE_EBADKEY);
	id = EVP_PKEY_get_base_id(key);
	switch (id) {
	case EVP_PKEY_RSA:
		bits = EVP_PKEY_get_bits(key);
		if (bits < GH_JOSE_RSA_MIN_BITS || bits > GH_JOSE_RSA_MAX_BITS)
			return gh_jose_fail(why, "RSA key not of 2048 to 4096 bits",
			    GH_JOSE_EBADKEY);
		break;
	case EVP_PKEY_EC:
		if (EVP_PKEY_get_utf8_string_param(key,
		    OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
		    &glen) != 1)
			return gh_jose_fail(why, "EC key without a named curve",
			    GH_JOSE_EBADKEY);
		for (i = 0; i < GH_NELEM(curves); i++)
			if (strcmp(group, curves[i].group) == 0)
				break;
		if (i == GH_NELEM(curves))
			return gh_jose_fail(why, "EC curve not P-256 or P-384",
			    GH_JOSE_EBADKEY);
		if (coord != NULL)
			*coord = curves[i].coord;
		if (alg < GH_JOSE_ALG__MAX && gh_jose_algs[alg].group != NULL &&
		    strcmp(gh_jose_algs[alg].group, group) != 0)
			return gh_jose_fail(why, "alg not for the key's curve",
			    GH_JOSE_EBADALG);
		break;
	case EVP_PKEY_ED25519:
		break;
	default:
		return gh_jose_fail(why, "key type not RSA, EC or Ed25519",
		    GH_JOSE_EBADKEY);
	}
	if (alg < GH_JOSE_ALG__MAX && gh_jose_algs[alg].pkey_id != id)
		return gh_jose_fail(why, "alg not for the key's type",
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

	if ((err = gh_jwk_check(key, GH_JOSE_ALG__MAX, &coord, NULL)) !=
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

