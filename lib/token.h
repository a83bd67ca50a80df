/* SPDX-License-Identifier: ISC */
/*
 * token: random secrets, URL-safe base64, SHA-256, constant-time comparison.
 * Tokens are stored only as their SHA-256.
 */
#ifndef GH_TOKEN_H
#define GH_TOKEN_H

#include <stddef.h>

#include "err.h"

#define GH_SHA256_LEN		32
#define GH_TOKEN_BYTES		32	/* 256 random bits */
#define GH_TOKEN_LEN		43	/* base64url of 32 bytes, no padding */
#define GH_TOKEN_MAX		256	/* longest token we accept from outside */

/* Characters needed to base64url-encode n bytes without padding, plus NUL. */
#define GH_B64URL_SIZE(n)	((((n) + 2) / 3) * 4 + 1)

/* Encode n bytes as base64url without padding into out (outsz bytes). GH_ETOOBIG if short. */
enum gh_err	 gh_b64url_encode(const void *p, size_t n, char *out, size_t outsz);
/*
 * Decode base64url (padding optional; the standard alphabet's + and / are
 * accepted too) into out.  *outlen is the decoded length. GH_EINVAL on junk.
 * Padding must be exact when present and unused bits zero (one spelling
 * per value); GH_ETOOBIG when outsz is short.  On failure out and *outlen
 * are untouched.
 */
enum gh_err	 gh_b64url_decode(const char *s, size_t len, unsigned char *out,
		    size_t outsz, size_t *outlen);
/*
 * Standard base64 with padding (for Basic auth and webhook signatures).
 * Decoding requires the padding and refuses - and _; otherwise as above.
 */
enum gh_err	 gh_b64_encode(const void *p, size_t n, char *out, size_t outsz);
enum gh_err	 gh_b64_decode(const char *s, size_t len, unsigned char *out,
		    size_t outsz, size_t *outlen);

/* Fill p with n bytes from RAND_bytes. GH_ECRYPTO on failure. */
enum gh_err	 gh_random(void *p, size_t n);

/* A new token of GH_TOKEN_BYTES random bytes, base64url: out holds GH_TOKEN_LEN + 1. */
enum gh_err	 gh_token_new(char out[GH_TOKEN_LEN + 1]);

/*
 * SHA-256 of n bytes.  If OpenSSL fails (out of memory), out gets random
 * bytes, which match no stored hash; if that fails too, abort().
 */
void		 gh_sha256(const void *p, size_t n, unsigned char out[GH_SHA256_LEN]);

/* 1 when the n bytes at a and b are equal; time depends on n only. */
int		 gh_ct_eq(const void *a, const void *b, size_t n);

/* Lower-case hex of n bytes into out (2n + 1 bytes). */
void		 gh_hex(const void *p, size_t n, char *out);

#endif
