/* SPDX-License-Identifier: ISC */
/*
 * test_log: the escape and mask tables, and the exact bytes of a log line
 * (stderr captured through a pipe).
 */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "util.h"
#include "tmain.h"

/* Point fd 2 at a pipe; returns the saved stderr.  *rfd is the read end. */
static int
capture_begin(int *rfd)
{
	int	p[2], saved;

	CU_ASSERT_FATAL(pipe(p) == 0);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	CU_ASSERT_FATAL(saved != -1);
	CU_ASSERT_FATAL(dup2(p[1], STDERR_FILENO) == STDERR_FILENO);
	close(p[1]);
	*rfd = p[0];
	return saved;
}

/* Restore stderr and read what was written into buf (NUL-terminated). */
static size_t
capture_end(int saved, int rfd, char *buf, size_t bufsz)
{
	size_t	len = 0;
	ssize_t	n;

	CU_ASSERT_FATAL(dup2(saved, STDERR_FILENO) == STDERR_FILENO);
	close(saved);
	while (len < bufsz - 1 &&
	    (n = read(rfd, buf + len, bufsz - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	close(rfd);
	return len;
}

static void
test_escape_table(void)
{
	static const struct {
		int		 line;
		const char	*in;
		size_t		 n;
		size_t		 outsz;
		const char	*want;
	} t[] = {
		{ __LINE__, "abc", 3, 64, "abc" },
		{ __LINE__, "", 0, 64, "" },
		{ __LINE__, "a b~", 4, 64, "a b~" },
		{ __LINE__, "\n", 1, 64, "\\x0a" },
		{ __LINE__, "\r\t", 2, 64, "\\x0d\\x09" },
		{ __LINE__, "\\", 1, 64, "\\x5c" },
		{ __LINE__, "\"", 1, 64, "\\x22" },
		{ __LINE__, "\x7f", 1, 64, "\\x7f" },
		{ __LINE__, "\x1b[31m", 5, 64, "\\x1b[31m" },
		{ __LINE__, "caf\xc3\xa9", 5, 64, "caf\\xc3\\xa9" },
		{ __LINE__, "a\0b", 3, 64, "a\\x00b" },
		{ __LINE__, "abc\n", 3, 64, "abc" },	/* n bounds the input */
		/* Exactly fits: 5 bytes and the NUL. */
		{ __LINE__, "abcde", 5, 6, "abcde" },
		/* One byte over: 2 bytes, "..." and the NUL. */
		{ __LINE__, "abcdef", 6, 6, "ab..." },
		/* An escape is never cut in half. */
		{ __LINE__, "a\nb", 3, 6, "a..." },
		{ __LINE__, "a\nb", 3, 7, "a\\x0ab" },
		{ __LINE__, "ab\n", 3, 8, "ab\\x0a" },
		{ __LINE__, "ab\ncd", 5, 9, "ab\\x0acd" },
		{ __LINE__, "ab\ncd", 5, 8, "ab..." },
		{ __LINE__, "abcd", 4, 4, "..." },
		{ __LINE__, "abc", 3, 3, ".." },
		{ __LINE__, "abc", 3, 2, "." },
		{ __LINE__, "abc", 3, 1, "" },
	};
	char	out[80];
	size_t	i, r;

	for (i = 0; i < GH_NELEM(t); i++) {
		memset(out, 'Z', sizeof(out));
		r = gh_log_escape(t[i].in, t[i].n, out, t[i].outsz);
		if (strcmp(out, t[i].want) != 0 || r != strlen(t[i].want))
			fprintf(stderr, "line %d: got \"%s\" (%zu)\n",
			    t[i].line, out, r);
		CU_ASSERT_STRING_EQUAL(out, t[i].want);
		CU_ASSERT_EQUAL(r, strlen(t[i].want));
		CU_ASSERT(r < t[i].outsz);
		/* Nothing written past outsz. */
		CU_ASSERT_EQUAL(out[t[i].outsz], 'Z');
	}
}

static void
test_escape_zero(void)
{
	char	out[1] = { 'Z' };

	CU_ASSERT_EQUAL(gh_log_escape("abc", 3, out, 0), 0);
	CU_ASSERT_EQUAL(out[0], 'Z');
}

/* Every byte value: the output is printable ASCII with no quote. */
static void
test_escape_all_bytes(void)
{
	char	in[256], out[1200];
	size_t	i, r;

	for (i = 0; i < 256; i++)
		in[i] = (char)i;
	r = gh_log_escape(in, sizeof(in), out, sizeof(out));
	CU_ASSERT_EQUAL(r, strlen(out));
	for (i = 0; i < r; i++) {
		CU_ASSERT(out[i] >= 0x20 && out[i] < 0x7f);
		CU_ASSERT(out[i] != '"');
	}
	/* 95 printable bytes minus \ and ", the other 163 as 4 bytes. */
	CU_ASSERT_EQUAL(r, 93 + 163 * 4);
}

static void
test_mask_table(void)
{
	static const char *const	 prefixes[] = { "auth=", "token=",
	    NULL };
	static const struct {
		int		 line;
		const char	*in;
		const char	*want;
	} t[] = {
		{ __LINE__, "/api/_d/123/auth=rReEaAdD&DdEeLlEeTtEe&1",
		    "/api/_d/123/auth=***" },
		{ __LINE__, "/api/_rs/auth=ReAd&SeCuRiTy/query=sentry_id:23",
		    "/api/_rs/auth=***/query=sentry_id:23" },
		{ __LINE__, "/x?token=abc&y=1", "/x?token=***" },
		{ __LINE__, "/x?y=1&token=abcdef", "/x?y=1&token=***" },
		{ __LINE__, "/x;auth=abcd", "/x;auth=***" },
		{ __LINE__, "/a/auth=abc/b/token=defg?q",
		    "/a/auth=***/b/token=***?q" },
		{ __LINE__, "auth=secret", "auth=***" },
		{ __LINE__, "/x/AUTH=secret", "/x/AUTH=***" },
		/* Short secrets: one '*' per byte; the path cannot grow. */
		{ __LINE__, "/x/auth=ab", "/x/auth=**" },
		{ __LINE__, "/x/auth=a/y", "/x/auth=*/y" },
		{ __LINE__, "/x/auth=abc", "/x/auth=***" },
		/* Nothing to hide. */
		{ __LINE__, "/x/auth=", "/x/auth=" },
		{ __LINE__, "/x/auth=/y", "/x/auth=/y" },
		/* Not at the start of a part. */
		{ __LINE__, "/x/xauth=abc", "/x/xauth=abc" },
		{ __LINE__, "/x/auth", "/x/auth" },
		{ __LINE__, "/plain/path", "/plain/path" },
		{ __LINE__, "", "" },
		{ __LINE__, "/", "/" },
	};
	char	buf[256];
	size_t	i;

	for (i = 0; i < GH_NELEM(t); i++) {
		snprintf(buf, sizeof(buf), "%s", t[i].in);
		CU_ASSERT_PTR_EQUAL(gh_log_mask(buf, prefixes), buf);
		if (strcmp(buf, t[i].want) != 0)
			fprintf(stderr, "line %d: got \"%s\"\n", t[i].line,
			    buf);
		CU_ASSERT_STRING_EQUAL(buf, t[i].want);
	}
}

static void
test_mask_no_prefixes(void)
{
	static const char *const	 none[] = { NULL };
	char				 buf[] = "/x/auth=abc";

	CU_ASSERT_STRING_EQUAL(gh_log_mask(buf, none), "/x/auth=abc");
	CU_ASSERT_STRING_EQUAL(gh_log_mask(buf, NULL), "/x/auth=abc");
}

static void
test_log_line(void)
{
	char	buf[256];
	int	saved, rfd;

	gh_log_init("test");
	saved = capture_begin(&rfd);
	gh_log("hello %d", 42);
	capture_end(saved, rfd, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "test: hello 42\n");
}

/* A control character in the message cannot split the line. */
static void
test_log_control(void)
{
	char	buf[256];
	int	saved, rfd;

	gh_log_init("test");
	saved = capture_begin(&rfd);
	gh_log("a\nb\rc\td%s", "\x7f");
	capture_end(saved, rfd, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "test: a?b?c\td?\n");
}

/* A long message is cut to one 2 KiB line that ends "...\n". */
static void
test_log_long(void)
{
	char	msg[5000], buf[8192];
	size_t	len;
	int	saved, rfd;

	memset(msg, 'm', sizeof(msg) - 1);
	msg[sizeof(msg) - 1] = '\0';
	gh_log_init("test");
	saved = capture_begin(&rfd);
	gh_log("%s", msg);
	len = capture_end(saved, rfd, buf, sizeof(buf));
	CU_ASSERT_EQUAL(len, 2047);
	CU_ASSERT_NSTRING_EQUAL(buf, "test: mmm", 9);
	CU_ASSERT_STRING_EQUAL(buf + len - 4, "...\n");
	CU_ASSERT_PTR_NULL(memchr(buf, '\n', len - 1));
}

static void
test_log_request(void)
{
	char	buf[256];
	int	saved, rfd;

	gh_log_init("factory");
	saved = capture_begin(&rfd);
	gh_log_request("GET", "/v1/domain?d=a\"b\n", 200, 57);
	gh_log_request("P\nST", "/", 404, 3);
	capture_end(saved, rfd, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf,
	    "factory: GET /v1/domain?d=a\\x22b\\x0a 200 57us\n"
	    "factory: P\\x0aST / 404 3us\n");
}

/* A huge path still gives one bounded line. */
static void
test_log_request_long(void)
{
	char	path[8000], buf[8192];
	size_t	len;
	int	saved, rfd;

	memset(path, '\n', sizeof(path) - 1);
	path[sizeof(path) - 1] = '\0';
	gh_log_init("factory");
	saved = capture_begin(&rfd);
	gh_log_request("GET", path, 414, 1);
	len = capture_end(saved, rfd, buf, sizeof(buf));
	CU_ASSERT(len < 2048);
	CU_ASSERT_EQUAL(buf[len - 1], '\n');
	CU_ASSERT_PTR_NULL(memchr(buf, '\n', len - 1));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "... 414 1us\n"));
}

static const struct tcase tests[] = {
	TCASE(test_escape_table),
	TCASE(test_escape_zero),
	TCASE(test_escape_all_bytes),
	TCASE(test_mask_table),
	TCASE(test_mask_no_prefixes),
	TCASE(test_log_line),
	TCASE(test_log_control),
	TCASE(test_log_long),
	TCASE(test_log_request),
	TCASE(test_log_request_long),
};
TMAIN("log", tests)
