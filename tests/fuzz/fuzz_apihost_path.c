/* SPDX-License-Identifier: ISC */
/*
 * Fuzz harness for cgi-bin/apihost/apihost.c: a request path as the
 * gateway checks it before forwarding (apihost_path_safe()), and the
 * checks of what an app or an offer template names (text, permissions,
 * apiPath, upstream).  A path called safe must hold no "." or ".."
 * segment once its escapes are decoded, as an app might decode them:
 * "%2F", '\\' and "%5C" count as separators too (an app that decodes
 * before it resolves, or takes a backslash for a slash).
 */
#include <ctype.h>
#include <string.h>

#include "apihost.h"
#include "fuzz.h"

/* Value of hex digit c (one of isxdigit()). */
static int
hexval(int c)
{
	return isdigit(c) ? c - '0' : tolower(c) - 'a' + 10;
}

/* 1 if p, decoded, has a dot segment. */
static int
has_dot_segment(const char *p)
{
	const char	*s;
	size_t		 dots = 0, other = 0;
	int		 c;

	for (s = p;; s++) {
		c = (unsigned char)*s;
		if (c == '%' && isxdigit((unsigned char)s[1]) &&
		    isxdigit((unsigned char)s[2])) {
			c = hexval((unsigned char)s[1]) * 16 +
			    hexval((unsigned char)s[2]);
			s += 2;
			if (c == 0)
				c = 1;	/* data, not the end */
		}
		if (c == '/' || c == '\\' || c == '\0') {
			if (other == 0 && (dots == 1 || dots == 2))
				return 1;
			if (c == '\0')
				return 0;
			dots = other = 0;
			continue;
		}
		if (c == '.')
			dots++;
		else
			other++;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*s;

	s = fuzz_strdup(data, size);
	if (apihost_path_safe(s) && has_dot_segment(s))
		abort();
	(void)apihost_valid_name(s);
	(void)apihost_valid_upstream(s);
	(void)apihost_valid_api_path(s);
	(void)apihost_valid_perms(s);
	(void)apihost_valid_text(s, 256);
	(void)apihost_target_ok(s);
	free(s);
	return 0;
}
