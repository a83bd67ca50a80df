/* SPDX-License-Identifier: ISC */
/*
 * Unit tests of lib/token.c: base64 and base64url against RFC 4648's
 * vectors and its edge cases, randomness, tokens, SHA-256 against FIPS
 * 180-2's vectors, constant-time comparison and hex.
 */
#include <string.h>

#include "token.h"
#include "util.h"
#include "tmain.h"

/* RFC 4648 section 10, plus bytes that use the last two characters. */
static const struct {
	int		 line;
	const char	*raw;
	size_t		 rawlen;
	const char	*b64;
	const char	*b64url;
} vec[] = {
	{ __LINE__, "", 0, "", "" },
	{ __LINE__, "f", 1, "Zg==", "Zg" },
	{ __LINE__, "fo", 2, "Zm8=", "Zm8" },
	{ __LINE__, "foo", 3, "Zm9v", "Zm9v" },
	{ __LINE__, "foob", 4, "Zm9vYg==", "Zm9vYg" },
	{ __LINE__, "fooba", 5, "Zm9vYmE=", "Zm9vYmE" },
	{ __LINE__, "foobar", 6, "Zm9vYmFy", "Zm9vYmFy" },
	{ __LINE__, "\xfb\xff", 2, "+/8=", "-_8" },
	{ __LINE__, "\xff\xff\xfe", 3, "///+", "___-" },
	{ __LINE__, "\x00\x00\x00", 3, "AAAA", "AAAA" },
	{ __LINE__, "\x00", 1, "AA==", "AA" },
};

static void
test_b64_encode_vectors(void)
{
	char	 out[32];
	size_t	 i;

	for (i = 0; i < GH_NELEM(vec); i++) {
		memset(out, 'X', sizeof(out));
		TROW(vec[i].line, gh_b64_encode(vec[i].raw, vec[i].rawlen,
		    out, sizeof(out)) == GH_OK);
		TROW(vec[i].line, strcmp(out, vec[i].b64) == 0);
		memset(out, 'X', sizeof(out));
		TROW(vec[i].line, gh_b64url_encode(vec[i].raw, vec[i].rawlen,
		    out, sizeof(out)) == GH_OK);
		TROW(vec[i].line, strcmp(out, vec[i].b64url) == 0);
	}
}

static void
test_b64_decode_vectors(void)
{
	unsigned char	 out[32];
	size_t		 i, n;

	for (i = 0; i < GH_NELEM(vec); i++) {
		n = 999;
		TROW(vec[i].line, gh_b64_decode(vec[i].b64,
		    strlen(vec[i].b64), out, sizeof(out), &n) == GH_OK);
		TROW(vec[i].line, n == vec[i].rawlen &&
		    memcmp(out, vec[i].raw, n) == 0);
		/* base64url takes either spelling. */
		n = 999;
		TROW(vec[i].line, gh_b64url_decode(vec[i].b64url,
		    strlen(vec[i].b64url), out, sizeof(out), &n) == GH_OK);
		TROW(vec[i].line, n == vec[i].rawlen &&
		    memcmp(out, vec[i].raw, n) == 0);
		n = 999;
		TROW(vec[i].line, gh_b64url_decode(vec[i].b64,
		    strlen(vec[i].b64), out, sizeof(out), &n) == GH_OK);
		TROW(vec[i].line, n == vec[i].rawlen &&
		    memcmp(out, vec[i].raw, n) == 0);
	}
}

/* The output must hold the text and its NUL: exact fits and one short. */
static void
test_b64_encode_size(void)
{
	char	 out[16];

	memset(out, 'X', sizeof(out));
	CU_ASSERT_EQUAL(gh_b64_encode("foob", 4, out, 9), GH_OK);
	CU_ASSERT_STRING_EQUAL(out, "Zm9vYg==");
	memset(out, 'X', sizeof(out));
	CU_ASSERT_EQUAL(gh_b64_encode("foob", 4, out, 8), GH_ETOOBIG);
	CU_ASSERT_EQUAL(out[0], 'X');			/* untouched */
	CU_ASSERT_EQUAL(gh_b64url_encode("foob", 4, out, 7), GH_OK);
	CU_ASSERT_STRING_EQUAL(out, "Zm9vYg");
	memset(out, 'X', sizeof(out));
	CU_ASSERT_EQUAL(gh_b64url_encode("foob", 4, out, 6), GH_ETOOBIG);
	CU_ASSERT_EQUAL(out[0], 'X');
	CU_ASSERT_EQUAL(gh_b64url_encode("", 0, out, 1), GH_OK);
	CU_ASSERT_STRING_EQUAL(out, "");
	CU_ASSERT_EQUAL(gh_b64url_encode("", 0, out, 0), GH_ETOOBIG);
	CU_ASSERT_EQUAL(gh_b64_encode("", 0, out, 0), GH_ETOOBIG);
	/* GH_B64URL_SIZE is always enough. */
	CU_ASSERT(GH_B64URL_SIZE(GH_TOKEN_BYTES) >= GH_TOKEN_LEN + 1);
	CU_ASSERT_EQUAL(gh_b64url_encode("fooba", 5, out,
	    GH_B64URL_SIZE(5)), GH_OK);
}

/* Inputs both decoders refuse or accept, with what they decode to. */
static void
test_b64_decode_table(void)
{
	static const struct {
		int		 line;
		int		 url;	/* 1: base64url, 0: base64 */
		const char	*in;
		size_t		 inlen;
		enum gh_err	 err;
		const char	*want;
		size_t		 wantlen;
	} t[] = {
		/* base64url: padding optional, both alphabets. */
		{ __LINE__, 1, "Zg", 2, GH_OK, "f", 1 },
		{ __LINE__, 1, "Zg==", 4, GH_OK, "f", 1 },
		{ __LINE__, 1, "Zm8=", 4, GH_OK, "fo", 2 },
		{ __LINE__, 1, "-/8", 3, GH_OK, "\xfb\xff", 2 },
		{ __LINE__, 1, "+_8=", 4, GH_OK, "\xfb\xff", 2 },
		{ __LINE__, 1, "", 0, GH_OK, "", 0 },
		{ __LINE__, 1, "Z", 1, GH_EINVAL, NULL, 0 },	/* 6 bits */
		{ __LINE__, 1, "Zm9vY", 5, GH_EINVAL, NULL, 0 },
		{ __LINE__, 1, "Zg=", 3, GH_EINVAL, NULL, 0 },
		{ __LINE__, 1, "Zg===", 5, GH_EINVAL, NULL, 0 },
		{ __LINE__, 1, "Zm8==", 5, GH_EINVAL, NULL, 0 },
		{ __LINE__, 1, "Zm9v=", 5, GH_EINVAL, NULL, 0 },
		{ __LINE__, 1, "Zm9v====", 8, GH_EINVAL, NULL, 0 },
		{ __LINE__, 1, "=", 1, GH_EINVAL, NULL, 0 },
		{ __LINE__, 1, "====", 4, GH_EINVAL, NULL, 0 },
		{ __LINE__, 1, "=Zg=", 4, GH_EINVAL, NULL, 0 },
		{ __LINE__, 1, "Zg==Zg==", 8, GH_EINVAL, NULL, 0 },
		/* Non-zero unused bits: a second spelling of "f", "fo". */
		{ __LINE__, 1, "Zh", 2, GH_EINVAL, NULL, 0 },
		{ __LINE__, 1, "Zm9", 3, GH_EINVAL, NULL, 0 },
		{ __LINE__, 1, "Zm 9v", 5, GH_EINVAL, NULL, 0 },
		{ __LINE__, 1, "Zm9v\n", 5, GH_EINVAL, NULL, 0 },
		{ __LINE__, 1, "Zm\0v", 4, GH_EINVAL, NULL, 0 },
		{ __LINE__, 1, "Zm9v.", 5, GH_EINVAL, NULL, 0 },
		{ __LINE__, 1, "Zm9\xc3\xa9", 5, GH_EINVAL, NULL, 0 },
		/* base64: padding required, standard alphabet only. */
		{ __LINE__, 0, "Zg==", 4, GH_OK, "f", 1 },
		{ __LINE__, 0, "+/8=", 4, GH_OK, "\xfb\xff", 2 },
		{ __LINE__, 0, "", 0, GH_OK, "", 0 },
		{ __LINE__, 0, "Zg", 2, GH_EINVAL, NULL, 0 },
		{ __LINE__, 0, "Zm8", 3, GH_EINVAL, NULL, 0 },
		{ __LINE__, 0, "-_8=", 4, GH_EINVAL, NULL, 0 },
		{ __LINE__, 0, "Zm9=", 4, GH_EINVAL, NULL, 0 },
		{ __LINE__, 0, "Zg=a", 4, GH_EINVAL, NULL, 0 },
		{ __LINE__, 0, "Zm9vYg=", 7, GH_EINVAL, NULL, 0 },
		{ __LINE__, 0, "Zm9v\r\n", 6, GH_EINVAL, NULL, 0 },
		{ __LINE__, 0, " Zm9v", 5, GH_EINVAL, NULL, 0 },
		/* Only len bytes are read. */
		{ __LINE__, 0, "Zm9vYmFyXX", 8, GH_OK, "foobar", 6 },
		{ __LINE__, 1, "Zm9v!", 4, GH_OK, "foo", 3 },
	};
	unsigned char	 out[16];
	size_t		 i, n;
	enum gh_err	 err;

	for (i = 0; i < GH_NELEM(t); i++) {
		memset(out, 'X', sizeof(out));
		n = 999;
		if (t[i].url)
			err = gh_b64url_decode(t[i].in, t[i].inlen, out,
			    sizeof(out), &n);
		else
			err = gh_b64_decode(t[i].in, t[i].inlen, out,
			    sizeof(out), &n);
		TROW(t[i].line, err == t[i].err);
		if (t[i].err == GH_OK) {
			TROW(t[i].line, n == t[i].wantlen);
			TROW(t[i].line, memcmp(out, t[i].want, t[i].wantlen)
			    == 0);
		} else {
			/* Untouched on failure. */
			TROW(t[i].line, n == 999);
			TROW(t[i].line, out[0] == 'X');
		}
	}
}

/* Too small an output is GH_ETOOBIG, with nothing written. */
static void
test_b64_decode_size(void)
{
	unsigned char	 out[8];
	size_t		 n;

	memset(out, 'X', sizeof(out));
	n = 999;
	CU_ASSERT_EQUAL(gh_b64_decode("Zm9vYmFy", 8, out, 6, &n), GH_OK);
	CU_ASSERT_EQUAL(n, 6);
	CU_ASSERT_EQUAL(out[6], 'X');
	memset(out, 'X', sizeof(out));
	n = 999;
	CU_ASSERT_EQUAL(gh_b64_decode("Zm9vYmFy", 8, out, 5, &n), GH_ETOOBIG);
	CU_ASSERT_EQUAL(n, 999);
	CU_ASSERT_EQUAL(out[0], 'X');
	CU_ASSERT_EQUAL(gh_b64url_decode("Zm9vYg", 6, out, 3, &n),
	    GH_ETOOBIG);
	CU_ASSERT_EQUAL(gh_b64url_decode("Zm9vYg", 6, out, 4, &n), GH_OK);
	CU_ASSERT_EQUAL(n, 4);
	CU_ASSERT_EQUAL(gh_b64url_decode("", 0, NULL, 0, &n), GH_OK);
	CU_ASSERT_EQUAL(n, 0);
}

/* Every length and byte value survives a round trip through both. */
static void
test_b64_roundtrip(void)
{
	unsigned char	 raw[70], back[70];
	char		 enc[GH_B64URL_SIZE(70)];
	size_t		 len, i, n;
	int		 ok = 1;

	for (i = 0; i < sizeof(raw); i++)
		raw[i] = (unsigned char)(i * 37 + 251);
	for (len = 0; len <= sizeof(raw); len++) {
		if (gh_b64url_encode(raw, len, enc, sizeof(enc)) != GH_OK ||
		    strlen(enc) != (len * 4 + 2) / 3 ||
		    gh_b64url_decode(enc, strlen(enc), back, sizeof(back),
		    &n) != GH_OK || n != len || memcmp(raw, back, len) != 0)
			ok = 0;
		if (gh_b64_encode(raw, len, enc, sizeof(enc)) != GH_OK ||
		    strlen(enc) != (len + 2) / 3 * 4 ||
		    gh_b64_decode(enc, strlen(enc), back, sizeof(back),
		    &n) != GH_OK || n != len || memcmp(raw, back, len) != 0)
			ok = 0;
		if (!ok) {
			printf("round trip failed at length %zu\n", len);
			break;
		}
	}
	CU_ASSERT(ok);
}

static void
test_random(void)
{
	unsigned char	 a[32], b[32], zero[32];

	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	memset(zero, 0, sizeof(zero));
	CU_ASSERT_EQUAL(gh_random(a, sizeof(a)), GH_OK);
	CU_ASSERT_EQUAL(gh_random(b, sizeof(b)), GH_OK);
	CU_ASSERT(memcmp(a, b, sizeof(a)) != 0);
	CU_ASSERT(memcmp(a, zero, sizeof(a)) != 0);
	CU_ASSERT_EQUAL(gh_random(a, 0), GH_OK);
}

static void
test_token_new(void)
{
	char		 t1[GH_TOKEN_LEN + 1], t2[GH_TOKEN_LEN + 1];
	unsigned char	 raw[GH_TOKEN_BYTES + 4];
	size_t		 i, n;

	CU_ASSERT_EQUAL_FATAL(gh_token_new(t1), GH_OK);
	CU_ASSERT_EQUAL_FATAL(gh_token_new(t2), GH_OK);
	CU_ASSERT_EQUAL(strlen(t1), GH_TOKEN_LEN);
	CU_ASSERT_EQUAL(strlen(t2), GH_TOKEN_LEN);
	CU_ASSERT(strcmp(t1, t2) != 0);
	for (i = 0; i < GH_TOKEN_LEN; i++)
		CU_ASSERT_PTR_NOT_NULL(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "abcdefghijklmnopqrstuvwxyz0123456789-_", t1[i]));
	CU_ASSERT_EQUAL(gh_b64url_decode(t1, strlen(t1), raw, sizeof(raw),
	    &n), GH_OK);
	CU_ASSERT_EQUAL(n, GH_TOKEN_BYTES);
}

static void
test_sha256(void)
{
	static const struct {
		int		 line;
		const char	*in;
		const char	*hex;
	} t[] = {
		{ __LINE__, "abc", "ba7816bf8f01cfea414140de5dae2223"
		    "b00361a396177a9cb410ff61f20015ad" },
		{ __LINE__, "", "e3b0c44298fc1c149afbf4c8996fb924"
		    "27ae41e4649b934ca495991b7852b855" },
		{ __LINE__, "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmno"
		    "mnopnopq", "248d6a61d20638b8e5c026930c3e6039"
		    "a33ce45964ff2167f6ecedd419db06c1" },
	};
	unsigned char	 md[GH_SHA256_LEN];
	char		 hex[2 * GH_SHA256_LEN + 1];
	size_t		 i;

	for (i = 0; i < GH_NELEM(t); i++) {
		gh_sha256(t[i].in, strlen(t[i].in), md);
		gh_hex(md, sizeof(md), hex);
		TROW(t[i].line, strcmp(hex, t[i].hex) == 0);
	}
}

/* FIPS 180-2's third vector: a million "a", hashing a big buffer. */
static void
test_sha256_million(void)
{
	static char	 a[1000000];
	unsigned char	 md[GH_SHA256_LEN];
	char		 hex[2 * GH_SHA256_LEN + 1];

	memset(a, 'a', sizeof(a));
	gh_sha256(a, sizeof(a), md);
	gh_hex(md, sizeof(md), hex);
	CU_ASSERT_STRING_EQUAL(hex, "cdc76e5c9914fb9281a1c7e284d73e67"
	    "f1809a48a497200e046d39ccc7112cd0");
}

static void
test_ct_eq(void)
{
	unsigned char	 a[32], b[32];

	memset(a, 0x5a, sizeof(a));
	memcpy(b, a, sizeof(b));
	CU_ASSERT_EQUAL(gh_ct_eq(a, b, sizeof(a)), 1);
	b[0] ^= 1;
	CU_ASSERT_EQUAL(gh_ct_eq(a, b, sizeof(a)), 0);
	b[0] ^= 1;
	b[31] ^= 0x80;
	CU_ASSERT_EQUAL(gh_ct_eq(a, b, sizeof(a)), 0);
	/* Only n bytes count. */
	CU_ASSERT_EQUAL(gh_ct_eq(a, b, 31), 1);
	CU_ASSERT_EQUAL(gh_ct_eq(a, b, 0), 1);
	CU_ASSERT_EQUAL(gh_ct_eq("abc", "abd", 3), 0);
}

static void
test_hex(void)
{
	char	 out[16];

	memset(out, 'X', sizeof(out));
	gh_hex("\x00\x0f\xf0\xff\x5a", 5, out);
	CU_ASSERT_STRING_EQUAL(out, "000ff0ff5a");
	CU_ASSERT_EQUAL(out[11], 'X');
	gh_hex("", 0, out);
	CU_ASSERT_STRING_EQUAL(out, "");
}

static const struct tcase tests[] = {
	TCASE(test_b64_encode_vectors),
	TCASE(test_b64_decode_vectors),
	TCASE(test_b64_encode_size),
	TCASE(test_b64_decode_table),
	TCASE(test_b64_decode_size),
	TCASE(test_b64_roundtrip),
	TCASE(test_random),
	TCASE(test_token_new),
	TCASE(test_sha256),
	TCASE(test_sha256_million),
	TCASE(test_ct_eq),
	TCASE(test_hex),
};

TMAIN("token", tests)
