/* SPDX-License-Identifier: ISC */
/*
 * test_icyfire_fernet: the Fernet spec's published vectors (generate.json,
 * verify.json, and a selection of invalid.json) and round trips.
 */
#include <string.h>

#include "icyfire.h"
#include "tmain.h"

#define SPEC_KEY	"cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4="
#define SPEC_NOW	499162800ULL	/* 1985-10-26T01:20:00-07:00 */
#define SPEC_TOKEN	"gAAAAAAdwJ6wAAECAwQFBgcICQoLDA0ODy021cpGVWKZ_eEwCGM4BLLF_" \
			"5CV9dOPmrhuVUPgJobwOz7JcbmrR64jVmpU4IwqDA=="

static const unsigned char spec_iv[16] = {
	0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
};

static void
spec_key(struct fernet_key *k)
{
	CU_ASSERT_FATAL(fernet_key_parse(SPEC_KEY, strlen(SPEC_KEY), k) ==
	    GH_OK);
}

/* generate.json: the same token, byte for byte. */
static void
test_generate(void)
{
	struct fernet_key	k;
	struct gh_buf		out;

	spec_key(&k);
	gh_buf_init(&out, 0);
	CU_ASSERT_FATAL(fernet_encrypt(&k, "hello", 5, SPEC_NOW, spec_iv,
	    &out) == GH_OK);
	CU_ASSERT_STRING_EQUAL(out.data, SPEC_TOKEN);
	gh_buf_free(&out);
}

/* verify.json: ttl 60 at now. */
static void
test_verify(void)
{
	struct fernet_key	k;
	struct gh_buf		out;

	spec_key(&k);
	gh_buf_init(&out, 0);
	CU_ASSERT_FATAL(fernet_decrypt(&k, SPEC_TOKEN, strlen(SPEC_TOKEN),
	    SPEC_NOW, 60, &out) == GH_OK);
	CU_ASSERT(out.len == 5 && memcmp(out.data, "hello", 5) == 0);
	gh_buf_free(&out);
}

/* invalid.json, and a few more. */
static void
test_invalid(void)
{
	static const struct {
		int		 line;
		const char	*token;
		unsigned long long now;
	} t[] = {
		/* incorrect mac */
		{ __LINE__, "gAAAAAAdwJ6xAAECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-"
		    "fWPAl1-szkFVzXTuGb4hR8AKtwcaX1YdykQUFBQUFBQUFBQQ==",
		    SPEC_NOW },
		/* too short */
		{ __LINE__, "gAAAAAAdwJ6xAAECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-"
		    "fWPA==", SPEC_NOW },
		/* invalid base64 */
		{ __LINE__, "%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%"
		    "%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%",
		    SPEC_NOW },
		/* expired ttl */
		{ __LINE__, SPEC_TOKEN, SPEC_NOW + 90 },
		/* far future */
		{ __LINE__, SPEC_TOKEN, SPEC_NOW - 3600 },
		{ __LINE__, "", SPEC_NOW },
	};
	struct fernet_key	k;
	struct gh_buf		out;
	size_t			i;

	spec_key(&k);
	gh_buf_init(&out, 0);
	for (i = 0; i < GH_NELEM(t); i++) {
		TROW(t[i].line, fernet_decrypt(&k, t[i].token,
		    strlen(t[i].token), t[i].now, 60, &out) != GH_OK);
		TROW(t[i].line, out.len == 0);
	}
	gh_buf_free(&out);
}

/* A flipped bit anywhere fails; other keys fail; lengths round-trip. */
static void
test_roundtrip(void)
{
	struct fernet_key	k, other;
	struct gh_buf		tok, pt;
	char			msg[100];
	size_t			n;

	spec_key(&k);
	memset(&other, 7, sizeof(other));
	memset(msg, 'x', sizeof(msg));
	gh_buf_init(&tok, 0);
	gh_buf_init(&pt, 0);
	for (n = 0; n < sizeof(msg); n += 7) {
		gh_buf_reset(&tok);
		gh_buf_reset(&pt);
		CU_ASSERT_FATAL(fernet_encrypt(&k, msg, n, 1000, NULL, &tok) ==
		    GH_OK);
		CU_ASSERT(fernet_decrypt(&k, tok.data, tok.len, 0, 0, &pt) ==
		    GH_OK);
		CU_ASSERT(pt.len == n && memcmp(pt.data, msg, n) == 0);
		gh_buf_reset(&pt);
		CU_ASSERT(fernet_decrypt(&other, tok.data, tok.len, 0, 0,
		    &pt) != GH_OK);
		tok.data[20] = tok.data[20] == 'A' ? 'B' : 'A';
		CU_ASSERT(fernet_decrypt(&k, tok.data, tok.len, 0, 0, &pt) !=
		    GH_OK);
	}
	CU_ASSERT(fernet_key_parse("short", 5, &k) != GH_OK);
	gh_buf_free(&tok);
	gh_buf_free(&pt);
}

static const struct tcase tests[] = {
	TCASE(test_generate),
	TCASE(test_verify),
	TCASE(test_invalid),
	TCASE(test_roundtrip),
};
TMAIN("icyfire_fernet", tests)
