/* SPDX-License-Identifier: ISC */
/*
 * Unit tests of lib/valid.c: domain names (label and name length limits
 * at their exact boundaries, characters, numeric names) and URLs (scheme,
 * host forms, port, path characters, what must be refused).
 */
#include <string.h>

#include "util.h"
#include "valid.h"
#include "tmain.h"

/* A string literal and its length, NULs included. */
#define S(s)	(s), (sizeof(s) - 1)

static void
test_domain(void)
{
	static const struct {
		int		 line;
		const char	*in;
		size_t		 len;
		enum gh_err	 err;
		const char	*want;	/* lower-cased, on GH_OK */
	} t[] = {
		{ __LINE__, S("example.com"), GH_OK, "example.com" },
		{ __LINE__, S("EXAMPLE.Com"), GH_OK, "example.com" },
		{ __LINE__, S("a.b"), GH_OK, "a.b" },
		{ __LINE__, S("www.Example.CO.uk"), GH_OK,
		    "www.example.co.uk" },
		{ __LINE__, S("xn--bcher-kva.example"), GH_OK,
		    "xn--bcher-kva.example" },
		{ __LINE__, S("a-b.c-d.com"), GH_OK, "a-b.c-d.com" },
		{ __LINE__, S("a--b.com"), GH_OK, "a--b.com" },
		{ __LINE__, S("1example.com"), GH_OK, "1example.com" },
		{ __LINE__, S("123.example.com"), GH_OK, "123.example.com" },
		{ __LINE__, S("example.c0m"), GH_OK, "example.c0m" },
		{ __LINE__, S("example.0xz"), GH_OK, "example.0xz" },
		{ __LINE__, S("factory.localhost"), GH_OK,
		    "factory.localhost" },
		/* Only len bytes count. */
		{ __LINE__, "example.comXYZ", 11, GH_OK, "example.com" },
		{ __LINE__, "example.com.", 11, GH_OK, "example.com" },
		/* Refused. */
		{ __LINE__, S(""), GH_EINVAL, NULL },
		{ __LINE__, S("com"), GH_EINVAL, NULL },
		{ __LINE__, S("localhost"), GH_EINVAL, NULL },
		{ __LINE__, S("example.com."), GH_EINVAL, NULL },
		{ __LINE__, S(".example.com"), GH_EINVAL, NULL },
		{ __LINE__, S("."), GH_EINVAL, NULL },
		{ __LINE__, S("example..com"), GH_EINVAL, NULL },
		{ __LINE__, S("-example.com"), GH_EINVAL, NULL },
		{ __LINE__, S("example-.com"), GH_EINVAL, NULL },
		{ __LINE__, S("example.-com"), GH_EINVAL, NULL },
		{ __LINE__, S("example.com-"), GH_EINVAL, NULL },
		{ __LINE__, S("ex_ample.com"), GH_EINVAL, NULL },
		{ __LINE__, S("exa mple.com"), GH_EINVAL, NULL },
		{ __LINE__, S(" example.com"), GH_EINVAL, NULL },
		{ __LINE__, S("example.com "), GH_EINVAL, NULL },
		{ __LINE__, S("example.com\n"), GH_EINVAL, NULL },
		{ __LINE__, S("*.example.com"), GH_EINVAL, NULL },
		{ __LINE__, S("example.com/"), GH_EINVAL, NULL },
		{ __LINE__, S("example.com:443"), GH_EINVAL, NULL },
		{ __LINE__, S("user@example.com"), GH_EINVAL, NULL },
		{ __LINE__, S("b\xc3\xbc" "cher.de"), GH_EINVAL, NULL },
		{ __LINE__, S("exa\0mple.com"), GH_EINVAL, NULL },
		/* Names that an address parser would take for a number. */
		{ __LINE__, S("1.2.3.4"), GH_EINVAL, NULL },
		{ __LINE__, S("example.123"), GH_EINVAL, NULL },
		{ __LINE__, S("example.0x1f"), GH_EINVAL, NULL },
		{ __LINE__, S("example.0X"), GH_EINVAL, NULL },
		{ __LINE__, S("0x7f.1"), GH_EINVAL, NULL },
	};
	char		 out[GH_DOMAIN_MAX + 1];
	const char	*why;
	size_t		 i;
	enum gh_err	 err;

	for (i = 0; i < GH_NELEM(t); i++) {
		memset(out, 'X', sizeof(out));
		why = "sentinel";
		err = gh_valid_domain(t[i].in, t[i].len, out, sizeof(out),
		    &why);
		TROW(t[i].line, err == t[i].err);
		if (t[i].err == GH_OK) {
			TROW(t[i].line, strcmp(out, t[i].want) == 0);
			TROW(t[i].line, strcmp(why, "sentinel") == 0);
		} else {
			TROW(t[i].line, out[0] == 'X');	/* untouched */
			TROW(t[i].line, why != NULL &&
			    strcmp(why, "sentinel") != 0);
		}
	}
}

/*
 * Fill buf with labels of the given lengths joined by dots, all "a"s
 * but a last label of letters; returns the total length.
 */
static size_t
build_name(char *buf, const size_t *labels, size_t n)
{
	size_t	 i, len = 0;

	for (i = 0; i < n; i++) {
		if (i > 0)
			buf[len++] = '.';
		memset(buf + len, i + 1 < n ? 'a' : 'z', labels[i]);
		len += labels[i];
	}
	buf[len] = '\0';
	return len;
}

/* 63-byte labels and 253-byte names pass; 64 and 254 do not. */
static void
test_domain_lengths(void)
{
	static const struct {
		int		 line;
		size_t		 labels[5];
		size_t		 nlabels;
		size_t		 total;
		enum gh_err	 err;
	} t[] = {
		{ __LINE__, { 63, 3 }, 2, 67, GH_OK },
		{ __LINE__, { 64, 3 }, 2, 68, GH_EINVAL },
		{ __LINE__, { 3, 63 }, 2, 67, GH_OK },
		{ __LINE__, { 3, 64 }, 2, 68, GH_EINVAL },
		{ __LINE__, { 1, 1 }, 2, 3, GH_OK },
		{ __LINE__, { 63, 63, 63, 61 }, 4, 253, GH_OK },
		{ __LINE__, { 63, 63, 63, 62 }, 4, 254, GH_EINVAL },
		{ __LINE__, { 63, 63, 63, 63 }, 4, 255, GH_EINVAL },
		{ __LINE__, { 50, 50, 50, 50, 49 }, 5, 253, GH_OK },
		{ __LINE__, { 50, 50, 50, 50, 50 }, 5, 254, GH_EINVAL },
	};
	char		 name[512], out[512];
	const char	*why;
	size_t		 i, len;

	for (i = 0; i < GH_NELEM(t); i++) {
		len = build_name(name, t[i].labels, t[i].nlabels);
		TROW(t[i].line, len == t[i].total);
		/* A big out, so that only the name's length can fail it. */
		why = NULL;
		TROW(t[i].line, gh_valid_domain(name, len, out, sizeof(out),
		    &why) == t[i].err);
		TROW(t[i].line, gh_valid_domain(name, len, NULL, 0,
		    NULL) == t[i].err);
		if (t[i].err == GH_OK)
			TROW(t[i].line, strcmp(out, name) == 0);
		else
			TROW(t[i].line, why != NULL);
	}
}

/* out may be NULL to only validate, and must be big enough otherwise. */
static void
test_domain_out(void)
{
	char		 out[12];
	const char	*why = NULL;

	CU_ASSERT_EQUAL(gh_valid_domain(S("Example.COM"), NULL, 0, NULL),
	    GH_OK);
	CU_ASSERT_EQUAL(gh_valid_domain(S("Example.COM"), out, 12, &why),
	    GH_OK);
	CU_ASSERT_STRING_EQUAL(out, "example.com");
	memset(out, 'X', sizeof(out));
	CU_ASSERT_EQUAL(gh_valid_domain(S("Example.COM"), out, 11, &why),
	    GH_EINVAL);
	CU_ASSERT_EQUAL(out[0], 'X');
	CU_ASSERT_PTR_NOT_NULL(why);
	CU_ASSERT_EQUAL(gh_valid_domain(NULL, 0, out, sizeof(out), NULL),
	    GH_EINVAL);
}

static void
test_url(void)
{
	static const struct {
		int		 line;
		const char	*in;
		size_t		 len;
		int		 http;
		enum gh_err	 err;
	} t[] = {
		{ __LINE__, S("https://example.com"), 0, GH_OK },
		{ __LINE__, S("https://example.com/"), 0, GH_OK },
		{ __LINE__, S("https://example.com/cb/order/42"), 0, GH_OK },
		{ __LINE__, S("HTTPS://Example.COM/Path"), 0, GH_OK },
		{ __LINE__, S("https://example.com:8443/x"), 0, GH_OK },
		{ __LINE__, S("https://example.com:1"), 0, GH_OK },
		{ __LINE__, S("https://example.com:65535/"), 0, GH_OK },
		{ __LINE__, S("https://127.0.0.1/"), 0, GH_OK },
		{ __LINE__, S("https://10.0.0.1:8080"), 0, GH_OK },
		{ __LINE__, S("https://[::1]/"), 0, GH_OK },
		{ __LINE__, S("https://[2001:db8::1]:443/cb"), 0, GH_OK },
		{ __LINE__, S("https://[::ffff:192.0.2.1]/"), 0, GH_OK },
		{ __LINE__, S("https://localhost/hook"), 0, GH_OK },
		{ __LINE__, S("https://xn--bcher-kva.example/"), 0, GH_OK },
		{ __LINE__, S("https://example.com/a%20b%2F"), 0, GH_OK },
		{ __LINE__, S("https://example.com/~u/!$&'()*+,;=:@-._"), 0,
		    GH_OK },
		{ __LINE__, S("https://example.com/a/../b/./c//"), 0, GH_OK },
		{ __LINE__, S("http://example.com/"), 1, GH_OK },
		{ __LINE__, S("HTTP://example.com/"), 1, GH_OK },
		{ __LINE__, S("https://example.com/"), 1, GH_OK },
		{ __LINE__, "https://example.com/ x", 20, 0, GH_OK },
		/* Scheme. */
		{ __LINE__, S(""), 1, GH_EINVAL },
		{ __LINE__, S("http://example.com/"), 0, GH_EINVAL },
		{ __LINE__, S("ftp://example.com/"), 1, GH_EINVAL },
		{ __LINE__, S("file:///etc/passwd"), 1, GH_EINVAL },
		{ __LINE__, S("https:/example.com/"), 0, GH_EINVAL },
		{ __LINE__, S("https:example.com"), 0, GH_EINVAL },
		{ __LINE__, S("//example.com/"), 0, GH_EINVAL },
		{ __LINE__, S("example.com"), 0, GH_EINVAL },
		{ __LINE__, S(" https://example.com/"), 0, GH_EINVAL },
		{ __LINE__, S("https"), 0, GH_EINVAL },
		{ __LINE__, S("httpss://example.com/"), 1, GH_EINVAL },
		/* Host. */
		{ __LINE__, S("https://"), 0, GH_EINVAL },
		{ __LINE__, S("https:///path"), 0, GH_EINVAL },
		{ __LINE__, S("https://:443/"), 0, GH_EINVAL },
		{ __LINE__, S("https://example.com./"), 0, GH_EINVAL },
		{ __LINE__, S("https://.example.com/"), 0, GH_EINVAL },
		{ __LINE__, S("https://-a.com/"), 0, GH_EINVAL },
		{ __LINE__, S("https://ex_ample.com/"), 0, GH_EINVAL },
		{ __LINE__, S("https://exa%6dple.com/"), 0, GH_EINVAL },
		{ __LINE__, S("https://b\xc3\xbc" "cher.de/"), 0, GH_EINVAL },
		{ __LINE__, S("https://1.2.3/"), 0, GH_EINVAL },
		{ __LINE__, S("https://1.2.3.4.5/"), 0, GH_EINVAL },
		{ __LINE__, S("https://256.1.1.1/"), 0, GH_EINVAL },
		{ __LINE__, S("https://01.2.3.4/"), 0, GH_EINVAL },
		{ __LINE__, S("https://2130706433/"), 0, GH_EINVAL },
		{ __LINE__, S("https://0x7f000001/"), 0, GH_EINVAL },
		{ __LINE__, S("https://0x7f.1/"), 0, GH_EINVAL },
		{ __LINE__, S("https://127.1/"), 0, GH_EINVAL },
		{ __LINE__, S("https://[::1/"), 0, GH_EINVAL },
		{ __LINE__, S("https://[]/"), 0, GH_EINVAL },
		{ __LINE__, S("https://[::1]x/"), 0, GH_EINVAL },
		{ __LINE__, S("https://[::1]]/"), 0, GH_EINVAL },
		{ __LINE__, S("https://[fe80::1%25eth0]/"), 0, GH_EINVAL },
		{ __LINE__, S("https://[v1.x]/"), 0, GH_EINVAL },
		{ __LINE__, S("https://[example.com]/"), 0, GH_EINVAL },
		{ __LINE__, S("https://::1/"), 0, GH_EINVAL },
		/* User info, query, fragment. */
		{ __LINE__, S("https://user@example.com/"), 0, GH_EINVAL },
		{ __LINE__, S("https://user:pw@example.com/"), 0, GH_EINVAL },
		{ __LINE__, S("https://@example.com/"), 0, GH_EINVAL },
		{ __LINE__, S("https://example.com@evil.example/"), 0,
		    GH_EINVAL },
		{ __LINE__, S("https://example.com/?q=1"), 0, GH_EINVAL },
		{ __LINE__, S("https://example.com?q"), 0, GH_EINVAL },
		{ __LINE__, S("https://example.com/#frag"), 0, GH_EINVAL },
		{ __LINE__, S("https://example.com#@evil.example/"), 0,
		    GH_EINVAL },
		/* Port. */
		{ __LINE__, S("https://example.com:/"), 0, GH_EINVAL },
		{ __LINE__, S("https://example.com:0/"), 0, GH_EINVAL },
		{ __LINE__, S("https://example.com:080/"), 0, GH_EINVAL },
		{ __LINE__, S("https://example.com:65536/"), 0, GH_EINVAL },
		{ __LINE__, S("https://example.com:99999/"), 0, GH_EINVAL },
		{ __LINE__, S("https://example.com:123456/"), 0, GH_EINVAL },
		{ __LINE__, S("https://example.com:-1/"), 0, GH_EINVAL },
		{ __LINE__, S("https://example.com:+80/"), 0, GH_EINVAL },
		{ __LINE__, S("https://example.com:8a/"), 0, GH_EINVAL },
		{ __LINE__, S("https://example.com:80:80/"), 0, GH_EINVAL },
		/* White space, controls, characters outside RFC 3986. */
		{ __LINE__, S("https://example.com/a b"), 0, GH_EINVAL },
		{ __LINE__, S("https://example.com/\t"), 0, GH_EINVAL },
		{ __LINE__, S("https://example.com/\r\nHost: x"), 0,
		    GH_EINVAL },
		{ __LINE__, S("https://example.com/\x7f"), 0, GH_EINVAL },
		{ __LINE__, S("https://example.com/\0"), 0, GH_EINVAL },
		{ __LINE__, S("https://example.com/\xc3\xa9"), 0, GH_EINVAL },
		{ __LINE__, S("https://example.com\\@evil.example/"), 0,
		    GH_EINVAL },
		{ __LINE__, S("https://example.com/a\\b"), 0, GH_EINVAL },
		{ __LINE__, S("https://example.com/a\"b"), 0, GH_EINVAL },
		{ __LINE__, S("https://example.com/<x>"), 0, GH_EINVAL },
		{ __LINE__, S("https://example.com/{x}|^`"), 0, GH_EINVAL },
		{ __LINE__, S("https://example.com/[x]"), 0, GH_EINVAL },
		{ __LINE__, S("https://example.com/%zz"), 0, GH_EINVAL },
		{ __LINE__, S("https://example.com/%4"), 0, GH_EINVAL },
		{ __LINE__, S("https://example.com/%"), 0, GH_EINVAL },
	};
	const char	*why;
	size_t		 i;
	enum gh_err	 err;

	for (i = 0; i < GH_NELEM(t); i++) {
		why = "sentinel";
		err = gh_valid_url(t[i].in, t[i].len, t[i].http, &why);
		TROW(t[i].line, err == t[i].err);
		if (t[i].err == GH_OK)
			TROW(t[i].line, strcmp(why, "sentinel") == 0);
		else
			TROW(t[i].line, why != NULL &&
			    strcmp(why, "sentinel") != 0);
	}
}

/* 2048 bytes pass, 2049 do not; why may be NULL; NULL is empty. */
static void
test_url_length(void)
{
	char	 url[2050];
	size_t	 n;

	n = strlen("https://example.com/");
	memcpy(url, "https://example.com/", n);
	memset(url + n, 'a', sizeof(url) - n);
	CU_ASSERT_EQUAL(gh_valid_url(url, 2048, 0, NULL), GH_OK);
	CU_ASSERT_EQUAL(gh_valid_url(url, 2049, 0, NULL), GH_EINVAL);
	CU_ASSERT_EQUAL(gh_valid_url(NULL, 0, 1, NULL), GH_EINVAL);
}

/* Some reasons, for the error bodies clients see. */
static void
test_url_why(void)
{
	static const struct {
		int		 line;
		const char	*in;
		const char	*why;
	} t[] = {
		{ __LINE__, "http://example.com/",
		    "URL must start with https://" },
		{ __LINE__, "https://u@example.com/", "user info in URL" },
		{ __LINE__, "https://example.com/?a",
		    "query or fragment in URL" },
		{ __LINE__, "https://example.com:0/", "invalid port" },
		{ __LINE__, "https://a b/", "white space or control character"
		    " in URL" },
		{ __LINE__, "https://256.0.0.1/", "invalid IPv4 address" },
		{ __LINE__, "https://[::g]/", "invalid IPv6 address" },
		{ __LINE__, "https://example.com/%x", "invalid percent-encoding"
		    " in URL path" },
	};
	const char	*why;
	size_t		 i;

	for (i = 0; i < GH_NELEM(t); i++) {
		why = NULL;
		TROW(t[i].line, gh_valid_url(t[i].in, strlen(t[i].in), 0,
		    &why) == GH_EINVAL);
		TROW(t[i].line, why != NULL && strcmp(why, t[i].why) == 0);
	}
}

static const struct tcase tests[] = {
	TCASE(test_domain),
	TCASE(test_domain_lengths),
	TCASE(test_domain_out),
	TCASE(test_url),
	TCASE(test_url_length),
	TCASE(test_url_why),
};

TMAIN("valid", tests)
