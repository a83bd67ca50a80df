/* SPDX-License-Identifier: ISC */
/*
 * Fuzz harness for cgi-bin/apihost/head.c: the input as an app's response
 * head, cut into lines at each LF and fed to apihost_head_line() as curl
 * would.  Under the Sandstorm model the app is untrusted, so whatever it
 * sends, what is kept for the client must be clean: lines of "Name: value"
 * each ending in CRLF, no other CR or LF, no control character but TAB, no
 * header of the deny list, a printable reason, and a head called done
 * only with a final status.
 */
#include <string.h>
#include <strings.h>

#include "apihost.h"
#include "fuzz.h"

/* 1 when the header name (n bytes) is name, in any case. */
static int
is_name(const char *s, size_t n, const char *name)
{
	return n == strlen(name) && strncasecmp(s, name, n) == 0;
}

/* abort() unless out holds only clean "Name: value\r\n" lines. */
static void
check_out(const struct gh_buf *out)
{
	const char	*s = out->data, *end, *colon;
	size_t		 i, nlen;

	if (out->len == 0)
		return;
	end = s + out->len;
	while (s < end) {
		for (i = 0; s + i < end && s[i] != '\r' && s[i] != '\n'; i++)
			if ((unsigned char)s[i] < ' ' && s[i] != '\t')
				abort();
		if (s + i + 1 >= end || s[i] != '\r' || s[i + 1] != '\n')
			abort();
		if ((colon = memchr(s, ':', i)) == NULL || colon == s ||
		    (size_t)(colon - s) > APIHOST_HEADER_NAME_MAX)
			abort();
		nlen = (size_t)(colon - s);
		if (is_name(s, nlen, "set-cookie") ||
		    is_name(s, nlen, "transfer-encoding") ||
		    is_name(s, nlen, "connection") ||
		    (nlen >= 15 && strncasecmp(s, "access-control-", 15) == 0))
			abort();
		s += i + 2;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct apihost_head	 h;
	struct gh_buf		 out;
	enum apihost_head_step	 step;
	const char		*p = (const char *)data, *nl;
	size_t			 left = size, n, i;

	memset(&h, 0, sizeof(h));
	gh_buf_init(&out, 16 * 1024);
	while (left > 0) {
		nl = memchr(p, '\n', left);
		n = nl != NULL ? (size_t)(nl - p) + 1 : left;
		step = apihost_head_line(&h, &out, p, n);
		if (step == APIHOST_HEAD_DONE &&
		    (h.status < 200 || h.status > 599))
			abort();
		for (i = 0; h.reason[i] != '\0'; i++)
			if (h.reason[i] < ' ' || h.reason[i] > '~')
				abort();
		if (i > APIHOST_REASON_MAX)
			abort();
		check_out(&out);
		if (step != APIHOST_HEAD_MORE)
			break;
		p += n;
		left -= n;
	}
	gh_buf_free(&out);
	return 0;
}
