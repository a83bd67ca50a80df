/* SPDX-License-Identifier: ISC */
/*
 * token: random secrets, base64 in its two alphabets (RFC 4648 sections 4
 * and 5), SHA-256 and constant-time comparison, all over OpenSSL 3.
 */
#include "token.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

static const char b64std[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/*
 * Encode n bytes with alphabet abc, padded with '=' when pad is set, into
 * out of outsz bytes, NUL-terminated.  GH_ETOOBIG, out untouched, when the
 * text and its NUL do not fit.
 */
static enum gh_err
b64_encode(const char *abc, int pad, const unsigned char *p, size_t n,
    char *out, size_t outsz)
{
	size_t		 full, rem, enclen, i, o;
	uint32_t	 v;

	full = n / 3;
	rem = n % 3;
	if (full > (SIZE_MAX - 5) / 4)
		return GH_ETOOBIG;
	enclen = full * 4;
	if (rem != 0)
		enclen += pad ? 4 : rem + 1;
	if (outsz == 0 || enclen > outsz - 1)
		return GH_ETOOBIG;

	o = 0;
	for (i = 0; i < full * 3; i += 3) {
		v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		out[o++] = abc[v >> 18 & 0x3f];
		out[o++] = abc[v >> 12 & 0x3f];
		out[o++] = abc[v >> 6 & 0x3f];
		out[o++] = abc[v & 0x3f];
	}
	if (rem != 0) {
		v = (uint32_t)p[i] << 16;
		if (rem == 2)
			v |= (uint32_t)p[i + 1] << 8;
		out[o++] = abc[v >> 18 & 0x3f];
		out[o++] = abc[v >> 12 & 0x3f];
		if (rem == 2)
			out[o++] = abc[v >> 6 & 0x3f];
		else if (pad)
			out[o++] = '=';
		if (pad)
			out[o++] = '=';
	}
	out[o] = '\0';
	return GH_OK;
}

/*
 * The 6-bit value of base64 character c, or -1.  The standard alphabet
 * is always accepted; "-" and "_" only when url is set.
 */
static int
b64_val(unsigned char c, int url)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || (url && c == '-'))
		return 62;
	if (c == '/' || (url && c == '_'))
		return 63;
	return -1;
}

/*
 * Decode len characters of base64.  With url set, both alphabets and
 * optional padding are accepted; otherwise only the standard alphabet and
 * the text must be padded to a multiple of 4.  Padding, where present,
 * must be exactly what the length calls for, and the unused low bits of
 * the last character must be zero, so each byte string has exactly one
 * accepted spelling per alphabet.  The whole input is checked before out
 * is written: on failure out and *outlen are untouched.
 */
static enum gh_err
b64_decode(int url, const char *s, size_t len, unsigned char *out,
    size_t outsz, size_t *outlen)
{
	size_t		 i, npad, nchar, rem, dlen, o;
	uint32_t	 v;
	int		 c, last;

	if (len > 0 && s == NULL)
		return GH_EINVAL;
	npad = 0;
	while (npad < 2 && npad < len && s[len - 1 - npad] == '=')
		npad++;
	if (!url || npad > 0) {
		/* Padded text comes in whole quanta. */
		if (len % 4 != 0)
			return GH_EINVAL;
	}
	nchar = len - npad;
	rem = nchar % 4;
	if (rem == 1)
		return GH_EINVAL;
	if (npad > 0 && npad != 4 - rem)
		return GH_EINVAL;

	last = 0;
	for (i = 0; i < nchar; i++) {
		c = b64_val((unsigned char)s[i], url);
		if (c < 0)
			return GH_EINVAL;
		last = c;
	}
	/* One leftover char of 2 carries 4 unused bits, of 3 carries 2. */
	if ((rem == 2 && (last & 0x0f) != 0) ||
	    (rem == 3 && (last & 0x03) != 0))
		return GH_EINVAL;

	dlen = nchar / 4 * 3 + (rem != 0 ? rem - 1 : 0);
	if (dlen > outsz)
		return GH_ETOOBIG;

	o = 0;
	v = 0;
	for (i = 0; i < nchar; i++) {
		v = v << 6 | (uint32_t)b64_val((unsigned char)s[i], url);
		if (i % 4 == 3) {
			out[o++] = (unsigned char)(v >> 16);
			out[o++] = (unsigned char)(v >> 8);
			out[o++] = (unsigned char)v;
			v = 0;
		}
	}
	if (rem == 2) {
		out[o++] = (unsigned char)(v >> 4);
	} else if (rem == 3) {
		out[o++] = (unsigned char)(v >> 10);
		out[o++] = (unsigned char)(v >> 2);
	}
	*outlen = o;
	return GH_OK;
}

enum gh_err
gh_b64url_encode(const void *p, size_t n, char *out, size_t outsz)
{
	return b64_encode(b64url, 0, p, n, out, outsz);
}

enum gh_err
gh_b64url_decode(const char *s, size_t len, unsigned char *out, size_t outsz,
    size_t *outlen)
{
	return b64_decode(1, s, len, out, outsz, outlen);
}

enum gh_err
gh_b64_encode(const void *p, size_t n, char *out, size_t outsz)
{
	return b64_encode(b64std, 1, p, n, out, outsz);
}

enum gh_err
gh_b64_decode(const char *s, size_t len, unsigned char *out, size_t outsz,
    size_t *outlen)
{
	return b64_decode(0, s, len, out, outsz, outlen);
}

/* RAND_bytes() takes an int, so larger requests go in chunks. */
enum gh_err
gh_random(void *p, size_t n)
{
	unsigned char	*q = p;
	size_t		 chunk;

	while (n > 0) {
		chunk = n < INT_MAX ? n : INT_MAX;
		if (RAND_bytes(q, (int)chunk) != 1)
			return GH_ECRYPTO;
		q += chunk;
		n -= chunk;
	}
	return GH_OK;
}

/* out is written only on success; the raw bytes are wiped either way. */
enum gh_err
gh_token_new(char out[GH_TOKEN_LEN + 1])
{
	unsigned char	 raw[GH_TOKEN_BYTES];
	enum gh_err	 err;

	err = gh_random(raw, sizeof(raw));
	if (err == GH_OK)
		err = gh_b64url_encode(raw, sizeof(raw), out, GH_TOKEN_LEN + 1);
	OPENSSL_cleanse(raw, sizeof(raw));
	return err;
}

/*
 * SHA-256 through EVP.  The contract has no way to report failure (only
 * an allocation inside OpenSSL can fail), so then out is filled with
 * random bytes: a digest that matches no stored hash fails closed.  If
 * even that fails the process cannot safely go on comparing secrets.
 */
void
gh_sha256(const void *p, size_t n, unsigned char out[GH_SHA256_LEN])
{
	/*
	 * Fetched once and kept for the process: EVP_sha256() makes every
	 * EVP_Digest() look the provider's algorithm up again, which showed in
	 * the profile of a request that hashes one token.  Our programs are
	 * single-threaded, so one context serves every call.
	 */
	static EVP_MD		*md;
	static EVP_MD_CTX	*ctx;
	unsigned int		 mdlen = 0;

	if (md == NULL)
		md = EVP_MD_fetch(NULL, "SHA256", NULL);
	if (ctx == NULL)
		ctx = EVP_MD_CTX_new();
	if (md != NULL && ctx != NULL &&
	    EVP_DigestInit_ex2(ctx, md, NULL) == 1 &&
	    EVP_DigestUpdate(ctx, p, n) == 1 &&
	    EVP_DigestFinal_ex(ctx, out, &mdlen) == 1 &&
	    mdlen == GH_SHA256_LEN)
		return;
	if (RAND_bytes(out, GH_SHA256_LEN) != 1)
		abort();
}

int
gh_ct_eq(const void *a, const void *b, size_t n)
{
	return CRYPTO_memcmp(a, b, n) == 0;
}

void
gh_hex(const void *p, size_t n, char *out)
{
	static const char	 digits[] = "0123456789abcdef";
	const unsigned char	*q = p;
	size_t			 i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[q[i] >> 4];
		out[2 * i + 1] = digits[q[i] & 0x0f];
	}
	out[2 * n] = '\0';
}
