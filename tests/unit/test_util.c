/* SPDX-License-Identifier: ISC */
/*
 * Unit tests of lib/util.c (strlcpy, strlcat, strtonum, struct gh_buf,
 * time) and lib/err.c (descriptions and HTTP statuses).
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "util.h"
#include "tmain.h"

/* Every error has a description and the status the brief gives it. */
static void
test_err_table(void)
{
	static const struct {
		int		 line;
		enum gh_err	 err;
		int		 status;
	} t[] = {
		{ __LINE__, GH_OK, 200 },
		{ __LINE__, GH_EINVAL, 400 },
		{ __LINE__, GH_EAUTH, 401 },
		{ __LINE__, GH_EFORBIDDEN, 403 },
		{ __LINE__, GH_ENOTFOUND, 404 },
		{ __LINE__, GH_EMETHOD, 405 },
		{ __LINE__, GH_ECONFLICT, 409 },
		{ __LINE__, GH_EGONE, 410 },
		{ __LINE__, GH_ETOOBIG, 413 },
		{ __LINE__, GH_ETOOLONG, 414 },
		{ __LINE__, GH_EMEDIA, 415 },
		{ __LINE__, GH_EUNAVAIL, 503 },
		{ __LINE__, GH_EBUSY, 503 },
		{ __LINE__, GH_ETIMEOUT, 503 },
		{ __LINE__, GH_ENOMEM, 500 },
		{ __LINE__, GH_EIO, 500 },
		{ __LINE__, GH_EDB, 500 },
		{ __LINE__, GH_ECRYPTO, 500 },
		{ __LINE__, GH_ECONFIG, 500 },
		{ __LINE__, GH_EINTERNAL, 500 },
	};
	const char	*s;
	size_t		 i;

	/* The table above must list every error, in order. */
	CU_ASSERT_EQUAL(GH_NELEM(t), GH_ERR__MAX);
	for (i = 0; i < GH_NELEM(t); i++) {
		s = gh_strerror(t[i].err);
		TROW(t[i].line, (int)t[i].err == (int)i);
		TROW(t[i].line, gh_err_status(t[i].err) == t[i].status);
		TROW(t[i].line, s != NULL && s[0] != '\0');
		TROW(t[i].line, s != NULL && strcmp(s, "unknown error") != 0);
	}
}

/* Descriptions are distinct, so a log line names the error. */
static void
test_err_distinct(void)
{
	int	 i, j;

	for (i = 0; i < GH_ERR__MAX; i++)
		for (j = i + 1; j < GH_ERR__MAX; j++)
			CU_ASSERT(strcmp(gh_strerror((enum gh_err)i),
			    gh_strerror((enum gh_err)j)) != 0);
}

/* A value outside the enum (a stray cast) is a 500, never a crash. */
static void
test_err_out_of_range(void)
{
	CU_ASSERT_STRING_EQUAL(gh_strerror(GH_ERR__MAX), "unknown error");
	CU_ASSERT_EQUAL(gh_err_status(GH_ERR__MAX), 500);
	CU_ASSERT_STRING_EQUAL(gh_strerror((enum gh_err)-1), "unknown error");
	CU_ASSERT_EQUAL(gh_err_status((enum gh_err)-1), 500);
	CU_ASSERT_EQUAL(gh_err_status((enum gh_err)1000), 500);
}

static void
test_strlcpy(void)
{
	static const struct {
		int		 line;
		const char	*src;
		size_t		 dstsize;
		size_t		 ret;
		const char	*want;	/* NULL: dst untouched */
	} t[] = {
		{ __LINE__, "abc", 10, 3, "abc" },
		{ __LINE__, "abc", 4, 3, "abc" },	/* exact fit */
		{ __LINE__, "abcd", 4, 4, "abc" },	/* one too long */
		{ __LINE__, "abcdefgh", 4, 8, "abc" },
		{ __LINE__, "abc", 1, 3, "" },
		{ __LINE__, "abc", 0, 3, NULL },	/* nothing written */
		{ __LINE__, "", 4, 0, "" },
		{ __LINE__, "", 0, 0, NULL },
	};
	char	 dst[16];
	size_t	 i, ret;

	for (i = 0; i < GH_NELEM(t); i++) {
		memset(dst, 'X', sizeof(dst));
		ret = gh_strlcpy(dst, t[i].src, t[i].dstsize);
		TROW(t[i].line, ret == t[i].ret);
		if (t[i].want != NULL)
			TROW(t[i].line, strcmp(dst, t[i].want) == 0);
		else
			TROW(t[i].line, dst[0] == 'X');
		/* Nothing past dstsize is written. */
		TROW(t[i].line, dst[t[i].dstsize] == 'X');
	}
}

static void
test_strlcat(void)
{
	static const struct {
		int		 line;
		const char	*dst;
		const char	*src;
		size_t		 dstsize;
		size_t		 ret;
		const char	*want;
	} t[] = {
		{ __LINE__, "ab", "cd", 10, 4, "abcd" },
		{ __LINE__, "ab", "cd", 5, 4, "abcd" },	/* exact fit */
		{ __LINE__, "ab", "cde", 5, 5, "abcd" },	/* truncated */
		{ __LINE__, "ab", "cd", 3, 4, "ab" },	/* no room */
		{ __LINE__, "", "abc", 4, 3, "abc" },
		{ __LINE__, "abc", "", 4, 3, "abc" },
		{ __LINE__, "", "", 1, 0, "" },
	};
	char	 dst[16];
	size_t	 i, ret;

	for (i = 0; i < GH_NELEM(t); i++) {
		memset(dst, 'X', sizeof(dst));
		memcpy(dst, t[i].dst, strlen(t[i].dst) + 1);
		ret = gh_strlcat(dst, t[i].src, t[i].dstsize);
		TROW(t[i].line, ret == t[i].ret);
		TROW(t[i].line, strcmp(dst, t[i].want) == 0);
		TROW(t[i].line, dst[t[i].dstsize] == 'X' ||
		    t[i].dstsize <= strlen(t[i].dst));
	}
}

/* A dst without a NUL in dstsize bytes is left alone (OpenBSD). */
static void
test_strlcat_unterminated(void)
{
	char	 dst[8];

	memset(dst, 'X', sizeof(dst));
	CU_ASSERT_EQUAL(gh_strlcat(dst, "abc", 4), 4 + 3);
	CU_ASSERT_EQUAL(memcmp(dst, "XXXXXXXX", 8), 0);
	CU_ASSERT_EQUAL(gh_strlcat(dst, "abc", 0), 3);
	CU_ASSERT_EQUAL(memcmp(dst, "XXXXXXXX", 8), 0);
}

static void
test_strtonum(void)
{
	static const struct {
		int		 line;
		const char	*s;
		long long	 min, max;
		long long	 want;
		const char	*why;
	} t[] = {
		{ __LINE__, "0", 0, 10, 0, NULL },
		{ __LINE__, "42", 0, 100, 42, NULL },
		{ __LINE__, "-42", -100, 100, -42, NULL },
		{ __LINE__, "+7", 0, 10, 7, NULL },
		{ __LINE__, "007", 0, 10, 7, NULL },
		/* Both bounds are inclusive. */
		{ __LINE__, "10", 0, 10, 10, NULL },
		{ __LINE__, "0", 0, 10, 0, NULL },
		{ __LINE__, "11", 0, 10, 0, "too large" },
		{ __LINE__, "-1", 0, 10, 0, "too small" },
		{ __LINE__, "9223372036854775807", LLONG_MIN, LLONG_MAX,
		    LLONG_MAX, NULL },
		{ __LINE__, "-9223372036854775808", LLONG_MIN, LLONG_MAX,
		    LLONG_MIN, NULL },
		{ __LINE__, "9223372036854775808", LLONG_MIN, LLONG_MAX,
		    0, "too large" },
		{ __LINE__, "-9223372036854775809", LLONG_MIN, LLONG_MAX,
		    0, "too small" },
		{ __LINE__, "99999999999999999999999", 0, 10, 0, "too large" },
		{ __LINE__, "", 0, 10, 0, "invalid" },
		/* Leading white space and trailing junk. */
		{ __LINE__, " 1", 0, 10, 0, "invalid" },
		{ __LINE__, "\t1", 0, 10, 0, "invalid" },
		{ __LINE__, "1 ", 0, 10, 0, "invalid" },
		{ __LINE__, "1x", 0, 10, 0, "invalid" },
		{ __LINE__, "1\n", 0, 10, 0, "invalid" },
		{ __LINE__, "x", 0, 10, 0, "invalid" },
		{ __LINE__, "0x10", 0, 100, 0, "invalid" },
		{ __LINE__, "1.0", 0, 10, 0, "invalid" },
		{ __LINE__, "-", 0, 10, 0, "invalid" },
		{ __LINE__, "+", 0, 10, 0, "invalid" },
		{ __LINE__, "--1", -10, 10, 0, "invalid" },
		{ __LINE__, "+-1", -10, 10, 0, "invalid" },
		{ __LINE__, "5", 10, 0, 0, "invalid" },	/* min > max */
		{ __LINE__, "5", 5, 5, 5, NULL },
	};
	const char	*why;
	long long	 v;
	size_t		 i;

	for (i = 0; i < GH_NELEM(t); i++) {
		why = "sentinel";
		errno = 12345;
		v = gh_strtonum(t[i].s, t[i].min, t[i].max, &why);
		TROW(t[i].line, v == t[i].want);
		if (t[i].why == NULL) {
			TROW(t[i].line, why == NULL);
			TROW(t[i].line, errno == 12345);	/* untouched */
		} else {
			TROW(t[i].line, why != NULL &&
			    strcmp(why, t[i].why) == 0);
			TROW(t[i].line, errno ==
			    (t[i].why[0] == 'i' ? EINVAL : ERANGE));
		}
	}
}

static void
test_strtonum_null(void)
{
	const char	*why = NULL;

	CU_ASSERT_EQUAL(gh_strtonum(NULL, 0, 10, &why), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(why);
	CU_ASSERT_STRING_EQUAL(why, "invalid");
	/* errstr may be NULL. */
	CU_ASSERT_EQUAL(gh_strtonum("3", 0, 10, NULL), 3);
	CU_ASSERT_EQUAL(gh_strtonum("30", 0, 10, NULL), 0);
}

/* A zeroed struct works without gh_buf_init, and free may repeat. */
static void
test_buf_zeroed(void)
{
	struct gh_buf	 b;

	memset(&b, 0, sizeof(b));
	gh_buf_free(&b);
	gh_buf_reset(&b);
	CU_ASSERT_PTR_NULL(b.data);
	CU_ASSERT_EQUAL(gh_buf_puts(&b, "hello"), GH_OK);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b.data);
	CU_ASSERT_EQUAL(b.len, 5);
	CU_ASSERT_STRING_EQUAL(b.data, "hello");
	CU_ASSERT(b.cap >= b.len + 1);
	gh_buf_free(&b);
	CU_ASSERT_PTR_NULL(b.data);
	CU_ASSERT_EQUAL(b.len, 0);
	CU_ASSERT_EQUAL(b.cap, 0);
	gh_buf_free(&b);
}

/* Even an empty append leaves a valid empty string. */
static void
test_buf_empty_append(void)
{
	struct gh_buf	 b;

	gh_buf_init(&b, 0);
	CU_ASSERT_PTR_NULL(b.data);
	CU_ASSERT_EQUAL(gh_buf_add(&b, NULL, 0), GH_OK);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b.data);
	CU_ASSERT_STRING_EQUAL(b.data, "");
	CU_ASSERT_EQUAL(b.len, 0);
	CU_ASSERT_EQUAL(gh_buf_puts(&b, ""), GH_OK);
	CU_ASSERT_EQUAL(b.len, 0);
	gh_buf_free(&b);
}

/* Binary data with NULs is counted in len and still NUL-terminated. */
static void
test_buf_binary(void)
{
	struct gh_buf	 b;

	gh_buf_init(&b, 0);
	CU_ASSERT_EQUAL(gh_buf_add(&b, "a\0b", 3), GH_OK);
	CU_ASSERT_EQUAL(b.len, 3);
	CU_ASSERT_EQUAL(memcmp(b.data, "a\0b\0", 4), 0);
	gh_buf_free(&b);
}

/* Growth keeps every byte, one at a time and in a big step. */
static void
test_buf_grow(void)
{
	struct gh_buf	 b;
	char		 big[5000];
	size_t		 i;
	int		 ok = 1;

	gh_buf_init(&b, 0);
	for (i = 0; i < 1000; i++) {
		if (gh_buf_add(&b, &"0123456789"[i % 10], 1) != GH_OK)
			ok = 0;
	}
	CU_ASSERT(ok);
	CU_ASSERT_EQUAL_FATAL(b.len, 1000);
	CU_ASSERT(b.cap >= 1001);
	CU_ASSERT_EQUAL(strlen(b.data), 1000);
	for (i = 0; i < 1000; i++)
		if (b.data[i] != "0123456789"[i % 10])
			ok = 0;
	CU_ASSERT(ok);

	memset(big, 'z', sizeof(big));
	CU_ASSERT_EQUAL(gh_buf_add(&b, big, sizeof(big)), GH_OK);
	CU_ASSERT_EQUAL(b.len, 6000);
	CU_ASSERT_EQUAL(b.data[999], '9');
	CU_ASSERT_EQUAL(b.data[1000], 'z');
	CU_ASSERT_EQUAL(b.data[5999], 'z');
	CU_ASSERT_EQUAL(b.data[6000], '\0');
	gh_buf_free(&b);
}

/* Reset empties but keeps the memory for the next request. */
static void
test_buf_reset(void)
{
	struct gh_buf	 b;
	char		*data;
	size_t		 cap;

	gh_buf_init(&b, 0);
	CU_ASSERT_EQUAL_FATAL(gh_buf_puts(&b, "some text"), GH_OK);
	data = b.data;
	cap = b.cap;
	gh_buf_reset(&b);
	CU_ASSERT_EQUAL(b.len, 0);
	CU_ASSERT_PTR_EQUAL(b.data, data);
	CU_ASSERT_EQUAL(b.cap, cap);
	CU_ASSERT_STRING_EQUAL(b.data, "");
	CU_ASSERT_EQUAL(gh_buf_puts(&b, "x"), GH_OK);
	CU_ASSERT_PTR_EQUAL(b.data, data);
	CU_ASSERT_STRING_EQUAL(b.data, "x");
	gh_buf_free(&b);
}

/* The cap is exact: max bytes fit, one more does not, and b is unchanged. */
static void
test_buf_cap(void)
{
	struct gh_buf	 b;

	gh_buf_init(&b, 10);
	CU_ASSERT_EQUAL(gh_buf_add(&b, "0123456789", 10), GH_OK);
	CU_ASSERT_EQUAL(gh_buf_add(&b, "x", 1), GH_ETOOBIG);
	CU_ASSERT_EQUAL(b.len, 10);
	CU_ASSERT_STRING_EQUAL(b.data, "0123456789");
	CU_ASSERT_EQUAL(gh_buf_add(&b, "", 0), GH_OK);
	CU_ASSERT_EQUAL(gh_buf_puts(&b, "y"), GH_ETOOBIG);
	CU_ASSERT_EQUAL(gh_buf_printf(&b, "%d", 1), GH_ETOOBIG);
	CU_ASSERT_STRING_EQUAL(b.data, "0123456789");
	gh_buf_reset(&b);
	CU_ASSERT_EQUAL(gh_buf_add(&b, "01234567890", 11), GH_ETOOBIG);
	CU_ASSERT_EQUAL(b.len, 0);
	CU_ASSERT_STRING_EQUAL(b.data, "");
	gh_buf_free(&b);
}

/* Sizes that would overflow are refused before anything is read. */
static void
test_buf_huge(void)
{
	struct gh_buf	 b;
	char		 c = 'c';

	gh_buf_init(&b, 0);
	CU_ASSERT_EQUAL(gh_buf_add(&b, &c, GH_BUF_DEFAULT_MAX + 1),
	    GH_ETOOBIG);
	CU_ASSERT_EQUAL(gh_buf_add(&b, &c, SIZE_MAX), GH_ETOOBIG);
	CU_ASSERT_PTR_NULL(b.data);
	CU_ASSERT_EQUAL(gh_buf_add(&b, &c, 1), GH_OK);
	CU_ASSERT_EQUAL(gh_buf_add(&b, &c, SIZE_MAX), GH_ETOOBIG);
	CU_ASSERT_EQUAL(b.len, 1);
	gh_buf_free(&b);

	/* No cap to speak of: the arithmetic must still not wrap. */
	gh_buf_init(&b, SIZE_MAX);
	CU_ASSERT_EQUAL(gh_buf_puts(&b, "abc"), GH_OK);
	CU_ASSERT_NOT_EQUAL(gh_buf_add(&b, &c, SIZE_MAX - 3), GH_OK);
	CU_ASSERT_NOT_EQUAL(gh_buf_add(&b, &c, SIZE_MAX), GH_OK);
	CU_ASSERT_STRING_EQUAL(b.data, "abc");
	gh_buf_free(&b);
}

static void
test_buf_printf(void)
{
	struct gh_buf	 b;
	char		 longs[300];

	gh_buf_init(&b, 0);
	CU_ASSERT_EQUAL(gh_buf_printf(&b, "%s=%d", "a", 1), GH_OK);
	CU_ASSERT_EQUAL(gh_buf_printf(&b, ";%05.1f;%x", 2.5, 255u), GH_OK);
	CU_ASSERT_STRING_EQUAL(b.data, "a=1;002.5;ff");
	CU_ASSERT_EQUAL(b.len, strlen("a=1;002.5;ff"));
	/* Longer than the spare room: grows and formats again. */
	memset(longs, 'q', sizeof(longs) - 1);
	longs[sizeof(longs) - 1] = '\0';
	CU_ASSERT_EQUAL(gh_buf_printf(&b, "[%s]", longs), GH_OK);
	CU_ASSERT_EQUAL(b.len, 12 + 301);
	CU_ASSERT_EQUAL(strlen(b.data), b.len);
	CU_ASSERT_EQUAL(b.data[12], '[');
	CU_ASSERT_EQUAL(b.data[13 + 298], 'q');
	CU_ASSERT_EQUAL(b.data[b.len - 1], ']');
	CU_ASSERT_EQUAL(gh_buf_printf(&b, "%s", ""), GH_OK);
	CU_ASSERT_EQUAL(b.len, 313);
	gh_buf_free(&b);
}

/*
 * A format that overruns the cap fails and leaves b unchanged, although
 * the first attempt wrote into the spare room past the NUL.
 */
static void
test_buf_printf_cap(void)
{
	struct gh_buf	 b;

	gh_buf_init(&b, 8);
	CU_ASSERT_EQUAL(gh_buf_puts(&b, "ab"), GH_OK);
	CU_ASSERT_EQUAL(gh_buf_printf(&b, "%s", "1234567"), GH_ETOOBIG);
	CU_ASSERT_EQUAL(b.len, 2);
	CU_ASSERT_STRING_EQUAL(b.data, "ab");
	CU_ASSERT_EQUAL(gh_buf_printf(&b, "%s", "123456"), GH_OK);
	CU_ASSERT_EQUAL(b.len, 8);
	CU_ASSERT_STRING_EQUAL(b.data, "ab123456");
	CU_ASSERT_EQUAL(gh_buf_printf(&b, "%c", 'x'), GH_ETOOBIG);
	CU_ASSERT_STRING_EQUAL(b.data, "ab123456");
	gh_buf_free(&b);

	/* The first printf into an unallocated buffer. */
	gh_buf_init(&b, 3);
	CU_ASSERT_EQUAL(gh_buf_printf(&b, "%d", 1234), GH_ETOOBIG);
	CU_ASSERT_EQUAL(b.len, 0);
	CU_ASSERT_EQUAL(gh_buf_printf(&b, "%d", 123), GH_OK);
	CU_ASSERT_STRING_EQUAL(b.data, "123");
	gh_buf_free(&b);
}

/* Free keeps max so the struct can be used again. */
static void
test_buf_reuse_after_free(void)
{
	struct gh_buf	 b;

	gh_buf_init(&b, 4);
	CU_ASSERT_EQUAL(gh_buf_puts(&b, "abcd"), GH_OK);
	gh_buf_free(&b);
	CU_ASSERT_EQUAL(b.max, 4);
	CU_ASSERT_EQUAL(gh_buf_puts(&b, "abcde"), GH_ETOOBIG);
	CU_ASSERT_EQUAL(gh_buf_puts(&b, "wxyz"), GH_OK);
	CU_ASSERT_STRING_EQUAL(b.data, "wxyz");
	gh_buf_free(&b);
}

static void
test_time_rfc3339(void)
{
	static const struct {
		int		 line;
		long long	 t;
		const char	*want;
	} t[] = {
		{ __LINE__, 0, "1970-01-01T00:00:00Z" },
		{ __LINE__, -1, "1969-12-31T23:59:59Z" },
		{ __LINE__, 951782400, "2000-02-29T00:00:00Z" },
		{ __LINE__, 1234567890, "2009-02-13T23:31:30Z" },
		{ __LINE__, 2147483648LL, "2038-01-19T03:14:08Z" },
		{ __LINE__, 253402300799LL, "9999-12-31T23:59:59Z" },
		{ __LINE__, 253402300800LL, "9999-12-31T23:59:59Z" },
		{ __LINE__, LLONG_MAX, "9999-12-31T23:59:59Z" },
		{ __LINE__, -62167219200LL, "0000-01-01T00:00:00Z" },
		{ __LINE__, -62167219201LL, "0000-01-01T00:00:00Z" },
		{ __LINE__, LLONG_MIN, "0000-01-01T00:00:00Z" },
	};
	char	 out[32];
	size_t	 i;

	for (i = 0; i < GH_NELEM(t); i++) {
		memset(out, 'X', sizeof(out));
		gh_time_rfc3339(t[i].t, out);
		TROW(t[i].line, memchr(out, '\0', sizeof(out)) != NULL);
		TROW(t[i].line, strcmp(out, t[i].want) == 0);
	}
}

static void
test_now(void)
{
	long long	 s, us, s2;

	s = gh_now();
	us = gh_now_us();
	s2 = gh_now();
	CU_ASSERT(s > 1577836800LL);		/* after 2020-01-01 */
	CU_ASSERT(us / 1000000 >= s);
	CU_ASSERT(us / 1000000 <= s2);
}

/* The monotonic clock: never backwards, and a sleep shows in it. */
static void
test_mono_ms(void)
{
	struct timespec	 ts = { 0, 20 * 1000 * 1000 };
	long long	 a, b;

	a = gh_mono_ms();
	CU_ASSERT(a > 0);
	CU_ASSERT_FATAL(nanosleep(&ts, NULL) == 0);
	b = gh_mono_ms();
	CU_ASSERT(b - a >= 20);
	CU_ASSERT(b - a < 10000);
}

static const struct tcase tests[] = {
	TCASE(test_err_table),
	TCASE(test_err_distinct),
	TCASE(test_err_out_of_range),
	TCASE(test_strlcpy),
	TCASE(test_strlcat),
	TCASE(test_strlcat_unterminated),
	TCASE(test_strtonum),
	TCASE(test_strtonum_null),
	TCASE(test_buf_zeroed),
	TCASE(test_buf_empty_append),
	TCASE(test_buf_binary),
	TCASE(test_buf_grow),
	TCASE(test_buf_reset),
	TCASE(test_buf_cap),
	TCASE(test_buf_huge),
	TCASE(test_buf_printf),
	TCASE(test_buf_printf_cap),
	TCASE(test_buf_reuse_after_free),
	TCASE(test_time_rfc3339),
	TCASE(test_now),
	TCASE(test_mono_ms),
};

TMAIN("util", tests)
