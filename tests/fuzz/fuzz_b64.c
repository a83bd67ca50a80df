/* SPDX-License-Identifier: ISC */
/*
 * Fuzz harness for lib/token.c's base64: what Basic credentials, OCSP GET
 * paths, Fernet tokens and webkeys carry.  Decoding must keep within the
 * output buffer (any size), and what decodes has one spelling: encoding
 * it again gives the input back (for base64url, up to the alphabet and
 * the optional padding).
 */
#include <string.h>

#include "fuzz.h"
#include "token.h"

#define B64_MAX	4096

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned char	 bin[B64_MAX];
	static char		 txt[B64_MAX * 2], norm[B64_MAX * 2];
	const char		*s = (const char *)data;
	size_t			 n, outsz, i, len;

	if (size > B64_MAX)
		return 0;
	/* A short buffer first: GH_ETOOBIG, never a write past it. */
	outsz = size / 2;
	if (gh_b64_decode(s, size, bin, outsz, &n) == GH_OK && n > outsz)
		abort();
	if (gh_b64_decode(s, size, bin, sizeof(bin), &n) == GH_OK) {
		if (gh_b64_encode(bin, n, txt, sizeof(txt)) != GH_OK ||
		    strlen(txt) != size || memcmp(txt, s, size) != 0)
			abort();
	}
	if (gh_b64url_decode(s, size, bin, outsz, &n) == GH_OK && n > outsz)
		abort();
	if (gh_b64url_decode(s, size, bin, sizeof(bin), &n) == GH_OK) {
		if (gh_b64url_encode(bin, n, txt, sizeof(txt)) != GH_OK)
			abort();
		/* The input in the url alphabet, without padding. */
		for (i = len = 0; i < size && s[i] != '='; i++)
			norm[len++] = s[i] == '+' ? '-' : s[i] == '/' ? '_' :
			    s[i];
		if (strlen(txt) != len || memcmp(txt, norm, len) != 0)
			abort();
	}
	return 0;
}
