/* SPDX-License-Identifier: ISC */
/*
 * head: the app's response head, one line at a time, as h1.h or curl hand
 * it over.  Under the Sandstorm model the app is not trusted: its status line
 * is checked, its reason phrase made printable, and of its headers only
 * those that may reach the client are kept (no Set-Cookie, hop-by-hop or
 * CORS header of its own), each as one clean "Name: value" line.
 */
#include <string.h>

#include "apihost.h"
#include "ascii.h"
#include "req.h"

/* Response headers that never reach the client (lower case). */
static const char *const res_deny[] = {
	"set-cookie", "set-cookie2", "connection", "keep-alive",
	"proxy-connection", "proxy-authenticate", "transfer-encoding", "te",
	"trailer", "upgrade", "status", "content-security-policy",
	"content-security-policy-report-only", "x-sandstorm-token-keepalive",
};
#define RES_DENY_PREFIX		"access-control-"

/* "HTTP/1.1 200 OK": h's status and reason, or 0 for a malformed line. */
static int
status_line(struct apihost_head *h, const char *buf, size_t len)
{
	const char	*sp = memchr(buf, ' ', len);
	size_t		 i;

	if (sp == NULL || (size_t)(sp - buf) + 4 > len ||
	    !gh_ascii_isdigit((unsigned char)sp[1]) ||
	    !gh_ascii_isdigit((unsigned char)sp[2]) ||
	    !gh_ascii_isdigit((unsigned char)sp[3]))
		return 0;
	h->status = (sp[1] - '0') * 100 + (sp[2] - '0') * 10 + (sp[3] - '0');
	sp += 4;
	while (sp < buf + len && *sp == ' ')
		sp++;
	for (i = 0; sp + i < buf + len && i < APIHOST_REASON_MAX; i++)
		h->reason[i] = (sp[i] >= ' ' && sp[i] < 0x7f) ? sp[i] : '?';
	h->reason[i] = '\0';
	if (h->reason[0] == '\0')
		gh_strlcpy(h->reason, gh_status_text(h->status),
		    sizeof(h->reason));
	return 1;
}

enum apihost_head_step
apihost_head_line(struct apihost_head *h, struct gh_buf *out,
    const char *buf, size_t n)
{
	size_t		 len = n, i, nlen;
	const char	*colon, *v;
	char		 lname[APIHOST_HEADER_NAME_MAX + 1];

	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	if (len >= 12 && strncmp(buf, "HTTP/", 5) == 0) {
		/* A new head (after a 1xx) starts over. */
		gh_buf_reset(out);
		h->status = 0;
		h->reason[0] = '\0';
		return status_line(h, buf, len) ? APIHOST_HEAD_MORE :
		    APIHOST_HEAD_BAD;
	}
	if (len == 0) {
		/* The end of a head: a 1xx is skipped, a final one done. */
		if (h->status < 100 || h->status > 599)
			return APIHOST_HEAD_BAD;
		return h->status < 200 ? APIHOST_HEAD_MORE : APIHOST_HEAD_DONE;
	}
	/* Obsolete line folding: dropped. */
	if (buf[0] == ' ' || buf[0] == '\t')
		return APIHOST_HEAD_MORE;
	if ((colon = memchr(buf, ':', len)) == NULL)
		return APIHOST_HEAD_MORE;
	nlen = (size_t)(colon - buf);
	if (nlen == 0 || nlen > APIHOST_HEADER_NAME_MAX)
		return APIHOST_HEAD_MORE;
	for (i = 0; i < nlen; i++) {
		/* isgraph() in the C locale: '!' to '~'. */
		if ((unsigned char)buf[i] <= ' ' ||
		    (unsigned char)buf[i] >= 0x7f)
			return APIHOST_HEAD_MORE;
		lname[i] = gh_ascii_lower(buf[i]);
	}
	lname[nlen] = '\0';
	if (strncmp(lname, RES_DENY_PREFIX, sizeof(RES_DENY_PREFIX) - 1) == 0)
		return APIHOST_HEAD_MORE;
	for (i = 0; i < GH_NELEM(res_deny); i++)
		if (strcmp(lname, res_deny[i]) == 0)
			return APIHOST_HEAD_MORE;
	for (v = colon + 1; v < buf + len && (*v == ' ' || *v == '\t'); v++)
		;
	for (i = 0; v + i < buf + len; i++)
		if ((unsigned char)v[i] < ' ' && v[i] != '\t')
			return APIHOST_HEAD_MORE;
	if (gh_buf_add(out, buf, nlen) != GH_OK ||
	    gh_buf_add(out, ": ", 2) != GH_OK ||
	    gh_buf_add(out, v, (size_t)(buf + len - v)) != GH_OK ||
	    gh_buf_add(out, "\r\n", 2) != GH_OK)
		return APIHOST_HEAD_BAD;
	return APIHOST_HEAD_MORE;
}
