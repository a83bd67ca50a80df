/* SPDX-License-Identifier: ISC */
/*
 * Fuzz harness for cgi-bin/icyfire/fernet.c: a token as icyfire receives
 * it, decrypted under a fixed key with and without a TTL.  A token that
 * decrypts must carry a valid HMAC: the fuzzer finds one only by building
 * it, so the first input byte picks whether the rest is taken as a token
 * or as a plaintext that is encrypted first (and must then round-trip).
 */
#include <string.h>

#include "fuzz.h"
#include "icyfire.h"
#include "util.h"

/* The spec's test key (github.com/fernet/spec, generate.json). */
static const char key_b64[] = "cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=";

#define FUZZ_NOW	499162800ULL	/* the spec's "now" */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned char	 iv[16] = { 0 };
	struct fernet_key		 key;
	struct gh_buf			 tok, pt;
	enum gh_err			 err;

	if (fernet_key_parse(key_b64, strlen(key_b64), &key) != GH_OK)
		abort();
	memset(&tok, 0, sizeof(tok));
	memset(&pt, 0, sizeof(pt));
	if (size > 0 && data[0] == 'E') {
		if (fernet_encrypt(&key, data + 1, size - 1, FUZZ_NOW, iv,
		    &tok) != GH_OK)
			abort();
		err = fernet_decrypt(&key, tok.data, tok.len, FUZZ_NOW, 60, &pt);
		if (err != GH_OK || pt.len != size - 1 ||
		    (pt.len > 0 && memcmp(pt.data, data + 1, pt.len) != 0))
			abort();
	} else {
		(void)fernet_decrypt(&key, (const char *)data, size, FUZZ_NOW,
		    0, &pt);
		pt.len = 0;
		(void)fernet_decrypt(&key, (const char *)data, size, FUZZ_NOW,
		    60, &pt);
	}
	gh_buf_free(&tok);
	gh_buf_free(&pt);
	return 0;
}
