/* SPDX-License-Identifier: ISC */
/*
 * Unit tests of lib/auth.c: Bearer, X-Auth-Token and Basic credentials,
 * the well-formed, the absent and the malformed; the lookup of a token's
 * hash in a table and the one-second cache.
 */
#include <string.h>

#include "auth.h"
#include "conf.h"
#include "db.h"
#include "token.h"
#include "util.h"
#include "tdir.h"
#include "tmain.h"

static void
test_bearer(void)
{
	static const struct {
		int		 line;
		const char	*hdr;
		enum gh_err	 err;
		const char	*tok;	/* expected token on GH_OK */
	} t[] = {
		{ __LINE__, "Bearer abc", GH_OK, "abc" },
		{ __LINE__, "bearer abc", GH_OK, "abc" },
		{ __LINE__, "BEARER abc", GH_OK, "abc" },
		{ __LINE__, "bEaReR abc", GH_OK, "abc" },
		{ __LINE__, "Bearer    abc", GH_OK, "abc" },
		{ __LINE__, "  Bearer abc", GH_OK, "abc" },
		{ __LINE__, "\tBearer abc", GH_OK, "abc" },
		{ __LINE__, "Bearer abc  ", GH_OK, "abc" },
		{ __LINE__, "Bearer abc\t", GH_OK, "abc" },
		{ __LINE__, "Bearer a-b.c_d~e+f/g", GH_OK, "a-b.c_d~e+f/g" },
		{ __LINE__, "Bearer abc==", GH_OK, "abc==" },
		{ __LINE__, "Bearer mF_9.B5f-4.1JqM", GH_OK,
		    "mF_9.B5f-4.1JqM" },
		/* Absent, or another scheme: not ours to judge. */
		{ __LINE__, NULL, GH_ENOTFOUND, NULL },
		{ __LINE__, "", GH_ENOTFOUND, NULL },
		{ __LINE__, "   ", GH_ENOTFOUND, NULL },
		{ __LINE__, "Basic dXNlcjpwYXNz", GH_ENOTFOUND, NULL },
		{ __LINE__, "Bearerabc", GH_ENOTFOUND, NULL },
		{ __LINE__, "Bear abc", GH_ENOTFOUND, NULL },
		{ __LINE__, "Bearers abc", GH_ENOTFOUND, NULL },
		{ __LINE__, "Token abc", GH_ENOTFOUND, NULL },
		{ __LINE__, "abc", GH_ENOTFOUND, NULL },
		/* Bearer, but malformed. */
		{ __LINE__, "Bearer", GH_EINVAL, NULL },
		{ __LINE__, "Bearer ", GH_EINVAL, NULL },
		{ __LINE__, "Bearer    ", GH_EINVAL, NULL },
		{ __LINE__, "Bearer\tabc", GH_EINVAL, NULL },
		{ __LINE__, "Bearer \tabc", GH_EINVAL, NULL },
		{ __LINE__, "Bearer abc def", GH_EINVAL, NULL },
		{ __LINE__, "Bearer abc\tdef", GH_EINVAL, NULL },
		{ __LINE__, "Bearer abc,def", GH_EINVAL, NULL },
		{ __LINE__, "Bearer abc;", GH_EINVAL, NULL },
		{ __LINE__, "Bearer a=b", GH_EINVAL, NULL },
		{ __LINE__, "Bearer =abc", GH_EINVAL, NULL },
		{ __LINE__, "Bearer ==", GH_EINVAL, NULL },
		{ __LINE__, "Bearer \"abc\"", GH_EINVAL, NULL },
		{ __LINE__, "Bearer ab\x01" "c", GH_EINVAL, NULL },
		{ __LINE__, "Bearer abc\r\n", GH_EINVAL, NULL },
		{ __LINE__, "Bearer abc\r\nX-Evil: 1", GH_EINVAL, NULL },
		{ __LINE__, "Bearer caf\xc3\xa9", GH_EINVAL, NULL },
		{ __LINE__, "Bearer realm=\"x\"", GH_EINVAL, NULL },
	};
	const char	*tok;
	size_t		 i, len;
	enum gh_err	 err;

	for (i = 0; i < GH_NELEM(t); i++) {
		tok = "sentinel";
		len = 999;
		err = gh_auth_bearer(t[i].hdr, &tok, &len);
		TROW(t[i].line, err == t[i].err);
		if (t[i].err == GH_OK) {
			TROW(t[i].line, len == strlen(t[i].tok) &&
			    strncmp(tok, t[i].tok, len) == 0);
			/* It borrows from the header. */
			TROW(t[i].line, tok > t[i].hdr &&
			    tok < t[i].hdr + strlen(t[i].hdr));
		} else {
			TROW(t[i].line, len == 999);
			TROW(t[i].line, strcmp(tok, "sentinel") == 0);
		}
	}
}

/* GH_TOKEN_MAX characters are accepted, one more is not. */
static void
test_bearer_length(void)
{
	char		 hdr[7 + GH_TOKEN_MAX + 2];
	const char	*tok = NULL;
	size_t		 len = 0;

	memcpy(hdr, "Bearer ", 7);
	memset(hdr + 7, 'a', GH_TOKEN_MAX);
	hdr[7 + GH_TOKEN_MAX] = '\0';
	CU_ASSERT_EQUAL(gh_auth_bearer(hdr, &tok, &len), GH_OK);
	CU_ASSERT_EQUAL(len, GH_TOKEN_MAX);
	CU_ASSERT_PTR_EQUAL(tok, hdr + 7);

	hdr[7 + GH_TOKEN_MAX] = 'a';
	hdr[7 + GH_TOKEN_MAX + 1] = '\0';
	CU_ASSERT_EQUAL(gh_auth_bearer(hdr, &tok, &len), GH_EINVAL);

	/* The padding counts towards the length too. */
	hdr[7 + GH_TOKEN_MAX - 1] = '=';
	hdr[7 + GH_TOKEN_MAX] = '\0';
	CU_ASSERT_EQUAL(gh_auth_bearer(hdr, &tok, &len), GH_OK);
	hdr[7 + GH_TOKEN_MAX] = '=';
	CU_ASSERT_EQUAL(gh_auth_bearer(hdr, &tok, &len), GH_EINVAL);
}

static void
test_xtoken(void)
{
	static const struct {
		int		 line;
		const char	*hdr;
		enum gh_err	 err;
		const char	*tok;
	} t[] = {
		{ __LINE__, "abc", GH_OK, "abc" },
		{ __LINE__, "  abc", GH_OK, "abc" },
		{ __LINE__, "abc \t ", GH_OK, "abc" },
		{ __LINE__, "\tabc\t", GH_OK, "abc" },
		{ __LINE__, "a-b.c_d~e+f/g==", GH_OK, "a-b.c_d~e+f/g==" },
		{ __LINE__, NULL, GH_ENOTFOUND, NULL },
		{ __LINE__, "", GH_ENOTFOUND, NULL },
		{ __LINE__, " \t ", GH_ENOTFOUND, NULL },
		{ __LINE__, "a b", GH_EINVAL, NULL },
		{ __LINE__, "Bearer abc", GH_EINVAL, NULL },
		{ __LINE__, "=abc", GH_EINVAL, NULL },
		{ __LINE__, "a=bc", GH_EINVAL, NULL },
		{ __LINE__, "abc\r\n", GH_EINVAL, NULL },
		{ __LINE__, "abc,def", GH_EINVAL, NULL },
		{ __LINE__, "\xc3\xa9", GH_EINVAL, NULL },
	};
	const char	*tok;
	size_t		 i, len;
	enum gh_err	 err;

	for (i = 0; i < GH_NELEM(t); i++) {
		tok = "sentinel";
		len = 999;
		err = gh_auth_xtoken(t[i].hdr, &tok, &len);
		TROW(t[i].line, err == t[i].err);
		if (t[i].err == GH_OK)
			TROW(t[i].line, len == strlen(t[i].tok) &&
			    strncmp(tok, t[i].tok, len) == 0);
		else
			TROW(t[i].line, len == 999 &&
			    strcmp(tok, "sentinel") == 0);
	}
}

static void
test_xtoken_length(void)
{
	char		 hdr[GH_TOKEN_MAX + 4];
	const char	*tok = NULL;
	size_t		 len = 0;

	memset(hdr, 'z', GH_TOKEN_MAX);
	hdr[GH_TOKEN_MAX] = '\0';
	CU_ASSERT_EQUAL(gh_auth_xtoken(hdr, &tok, &len), GH_OK);
	CU_ASSERT_EQUAL(len, GH_TOKEN_MAX);
	/* Trailing white space is not part of the token. */
	memcpy(hdr + GH_TOKEN_MAX, "  ", 3);
	CU_ASSERT_EQUAL(gh_auth_xtoken(hdr, &tok, &len), GH_OK);
	CU_ASSERT_EQUAL(len, GH_TOKEN_MAX);
	memcpy(hdr + GH_TOKEN_MAX, "z", 2);
	CU_ASSERT_EQUAL(gh_auth_xtoken(hdr, &tok, &len), GH_EINVAL);
}

static void
test_basic(void)
{
	static const struct {
		int		 line;
		const char	*hdr;
		enum gh_err	 err;
		const char	*user;
		const char	*pass;
	} t[] = {
		{ __LINE__, "Basic dXNlcjpwYXNz", GH_OK, "user", "pass" },
		{ __LINE__, "basic dXNlcjpwYXNz", GH_OK, "user", "pass" },
		{ __LINE__, "BASIC   dXNlcjpwYXNz  ", GH_OK, "user", "pass" },
		/* "Aladdin:open sesame", RFC 7617's example, padded. */
		{ __LINE__, "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", GH_OK,
		    "Aladdin", "open sesame" },
		/* ":" and "user:" */
		{ __LINE__, "Basic Og==", GH_OK, "", "" },
		{ __LINE__, "Basic dXNlcjo=", GH_OK, "user", "" },
		/* The password may hold colons, the user id cannot. */
		{ __LINE__, "Basic dXNlcjpwYTpzcw==", GH_OK, "user", "pa:ss" },
		{ __LINE__, "Basic w6k6w6k=", GH_OK, "\xc3\xa9", "\xc3\xa9" },
		/* Absent or another scheme. */
		{ __LINE__, NULL, GH_ENOTFOUND, NULL, NULL },
		{ __LINE__, "", GH_ENOTFOUND, NULL, NULL },
		{ __LINE__, "Bearer abc", GH_ENOTFOUND, NULL, NULL },
		{ __LINE__, "Basicdxnl", GH_ENOTFOUND, NULL, NULL },
		/* Malformed. */
		{ __LINE__, "Basic", GH_EINVAL, NULL, NULL },
		{ __LINE__, "Basic ", GH_EINVAL, NULL, NULL },
		{ __LINE__, "Basic\tdXNlcjpwYXNz", GH_EINVAL, NULL, NULL },
		{ __LINE__, "Basic dXNlcjpwYXNz junk", GH_EINVAL, NULL, NULL },
		/* "user", without a colon */
		{ __LINE__, "Basic dXNlcg==", GH_EINVAL, NULL, NULL },
		{ __LINE__, "Basic !!!!", GH_EINVAL, NULL, NULL },
		/* "user:pas" without its padding */
		{ __LINE__, "Basic dXNlcjpwYXM", GH_EINVAL, NULL, NULL },
		{ __LINE__, "Basic dXNlcjpwYXNz=", GH_EINVAL, NULL, NULL },
		{ __LINE__, "Basic dXNlcjpwYX-z", GH_EINVAL, NULL, NULL },
		/* "us\0er:pass": a NUL would cut the user id short. */
		{ __LINE__, "Basic dXMAZXI6cGFzcw==", GH_EINVAL, NULL, NULL },
		/* "user:pa\nss" and "user:pa\x7fss": control characters. */
		{ __LINE__, "Basic dXNlcjpwYQpzcw==", GH_EINVAL, NULL, NULL },
		{ __LINE__, "Basic dXNlcjpwYX9zcw==", GH_EINVAL, NULL, NULL },
		/* Exactly 15 + 15 fit buffers of 16; 16 bytes do not. */
		{ __LINE__,
		    "Basic MDEyMzQ1Njc4OWFiY2RlOjAxMjM0NTY3ODlhYmNkZQ==", GH_OK,
		    "0123456789abcde", "0123456789abcde" },
		{ __LINE__, "Basic MDEyMzQ1Njc4OWFiY2RlZjp4", GH_EINVAL,
		    NULL, NULL },
		{ __LINE__, "Basic eDowMTIzNDU2Nzg5YWJjZGVm", GH_EINVAL,
		    NULL, NULL },
	};
	char		 user[16], pass[16];
	size_t		 i;
	enum gh_err	 err;

	for (i = 0; i < GH_NELEM(t); i++) {
		memset(user, 'U', sizeof(user));
		memset(pass, 'P', sizeof(pass));
		err = gh_auth_basic(t[i].hdr, user, sizeof(user), pass,
		    sizeof(pass));
		TROW(t[i].line, err == t[i].err);
		if (t[i].err == GH_OK) {
			TROW(t[i].line, memchr(user, '\0', sizeof(user)) &&
			    strcmp(user, t[i].user) == 0);
			TROW(t[i].line, memchr(pass, '\0', sizeof(pass)) &&
			    strcmp(pass, t[i].pass) == 0);
		} else {
			/* Nothing is written unless the whole value is good. */
			TROW(t[i].line, user[0] == 'U' && pass[0] == 'P');
		}
	}
}

/* Overlong credentials are refused, not truncated. */
static void
test_basic_overlong(void)
{
	char	 hdr[6 + 2048 + 1], user[64], pass[64];

	memcpy(hdr, "Basic ", 6);
	memset(hdr + 6, 'Q', 2048);
	hdr[6 + 2048] = '\0';
	CU_ASSERT_EQUAL(gh_auth_basic(hdr, user, sizeof(user), pass,
	    sizeof(pass)), GH_EINVAL);
	/* Tiny buffers: even "" needs one byte. */
	CU_ASSERT_EQUAL(gh_auth_basic("Basic Og==", user, 0, pass, 1),
	    GH_EINVAL);
	CU_ASSERT_EQUAL(gh_auth_basic("Basic Og==", user, 1, pass, 0),
	    GH_EINVAL);
	CU_ASSERT_EQUAL(gh_auth_basic("Basic Og==", user, 1, pass, 1),
	    GH_OK);
}

/* A hash's row, compared whole: a hit on another stored hash is none. */
static void
test_find(void)
{
	static const struct gh_migration	 m[] = {
		{ 1, "001_t", "CREATE TABLE t (name TEXT, hash BLOB);", NULL },
	};
	static const struct gh_schema		 schema = { "auth", m, 1 };
	static const struct gh_stmt_def		 defs[] = {
		{ "SELECT name, hash FROM t WHERE hash = $1", NULL, NULL },
		{ "SELECT name, substr(hash, 1, 16) FROM t WHERE hash = $1",
		    NULL, NULL },
		{ "SELECT name, zeroblob(32) FROM t WHERE hash = $1", NULL,
		    NULL },
	};
	static const struct gh_conf_table *const sections[] = { NULL };
	unsigned char				 h[GH_SHA256_LEN];
	unsigned char				 other[GH_SHA256_LEN];
	struct gh_conf				 c;
	struct gh_db				 db;
	struct gh_stmt				*st;
	char					 dir[PATH_MAX];
	char					 conf[PATH_MAX + 32];
	char					 q[256], hex[65], err[256];

	CU_ASSERT_FATAL(tdir_state(dir, sizeof(dir), conf, sizeof(conf),
	    "") == 0);
	memset(&c, 0, sizeof(c));
	CU_ASSERT_FATAL(gh_conf_load(&c, sections, conf, err, sizeof(err)) ==
	    GH_OK);
	memset(&db, 0, sizeof(db));
	CU_ASSERT_EQUAL_FATAL(gh_db_open_conf(&db, &c, &schema, GH_DB_CREATE,
	    defs, GH_NELEM(defs)), GH_OK);
	gh_sha256("secret", 6, h);
	gh_sha256("other", 5, other);
	gh_hex(h, sizeof(h), hex);
	snprintf(q, sizeof(q), "INSERT INTO t VALUES ('alice', x'%s');", hex);
	CU_ASSERT_EQUAL_FATAL(gh_db_exec(&db, q), GH_OK);

	CU_ASSERT_PTR_NOT_NULL_FATAL(st = gh_db_prep(&db, 0));
	CU_ASSERT_EQUAL_FATAL(gh_auth_find(st, 1, h), GH_OK);
	CU_ASSERT_STRING_EQUAL(gh_stmt_text(st, 0), "alice");
	gh_stmt_reset(st);
	CU_ASSERT_EQUAL(gh_auth_find(st, 1, other), GH_ENOTFOUND);
	/* A short or different stored hash matches nothing. */
	CU_ASSERT_PTR_NOT_NULL_FATAL(st = gh_db_prep(&db, 1));
	CU_ASSERT_EQUAL(gh_auth_find(st, 1, h), GH_ENOTFOUND);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st = gh_db_prep(&db, 2));
	CU_ASSERT_EQUAL(gh_auth_find(st, 1, h), GH_ENOTFOUND);
	/* Each left its statement reset: it runs again. */
	CU_ASSERT_PTR_NOT_NULL_FATAL(st = gh_db_prep(&db, 0));
	CU_ASSERT_EQUAL(gh_auth_find(st, 1, h), GH_OK);
	gh_stmt_reset(st);
	gh_db_close(&db);
	gh_conf_free(&c);
}

/* Hits within a second, misses after, the first to expire evicted. */
static void
test_cache(void)
{
	struct gh_auth_cache	 c;
	unsigned char		 h[GH_AUTH_CACHE_SLOTS + 1][GH_SHA256_LEN];
	size_t			 i, k, first;

	memset(&c, 0, sizeof(c));
	for (k = 0; k < GH_NELEM(h); k++)
		gh_sha256(&k, sizeof(k), h[k]);
	CU_ASSERT_FALSE(gh_auth_cache_find(&c, h[0], 1000, &i));
	first = gh_auth_cache_add(&c, h[0], 1000);
	CU_ASSERT(first < GH_AUTH_CACHE_SLOTS);
	CU_ASSERT_TRUE(gh_auth_cache_find(&c, h[0], 1000, &i));
	CU_ASSERT_EQUAL(i, first);
	CU_ASSERT_TRUE(gh_auth_cache_find(&c, h[0],
	    1000 + GH_AUTH_CACHE_US - 1, &i));
	CU_ASSERT_FALSE(gh_auth_cache_find(&c, h[0], 1000 + GH_AUTH_CACHE_US,
	    &i));
	CU_ASSERT_FALSE(gh_auth_cache_find(&c, h[1], 1000, &i));

	/* Full: the next one takes the place of the oldest, h[0]. */
	for (k = 1; k < GH_NELEM(h); k++)
		(void)gh_auth_cache_add(&c, h[k], 1000 + (long long)k);
	CU_ASSERT_FALSE(gh_auth_cache_find(&c, h[0], 1500, &i));
	for (k = 1; k < GH_NELEM(h); k++)
		CU_ASSERT_TRUE(gh_auth_cache_find(&c, h[k], 1500, &i));

	/* Dropped: read again next time. */
	CU_ASSERT_TRUE_FATAL(gh_auth_cache_find(&c, h[1], 1500, &i));
	gh_auth_cache_drop(&c, i);
	CU_ASSERT_FALSE(gh_auth_cache_find(&c, h[1], 1500, &i));
	gh_auth_cache_drop(&c, GH_AUTH_CACHE_SLOTS);	/* out of range */
}

static const struct tcase tests[] = {
	TCASE(test_bearer),
	TCASE(test_bearer_length),
	TCASE(test_xtoken),
	TCASE(test_xtoken_length),
	TCASE(test_basic),
	TCASE(test_basic_overlong),
	TCASE(test_find),
	TCASE(test_cache),
};

TMAIN("auth", tests)
