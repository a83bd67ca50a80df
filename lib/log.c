/* SPDX-License-Identifier: ISC */
/*
 * log: one line per event on stderr.  Every line is built in a stack buffer
 * and handed to a single write(2), so lines from concurrent processes
 * sharing the web server's error log never interleave (a pipe write of at
 * most PIPE_BUF bytes is atomic).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "log.h"

#define LOG_LINE_MAX	2048	/* bytes of one line, newline included */
#define LOG_PATH_MAX	1024	/* bytes of an escaped path in a request line */

static const char	*log_prog = "gatehouse";

void
gh_log_init(const char *prog)
{
	if (prog != NULL && prog[0] != '\0')
		log_prog = prog;
}

/*
 * Write line[0..len) to stderr with one write(2), retrying only on EINTR.  A
 * short or failed write is dropped: there is nowhere left to report it.
 */
static void
log_write(const char *line, size_t len)
{
	ssize_t	n;

	do {
		n = write(STDERR_FILENO, line, len);
	} while (n == -1 && errno == EINTR);
}

/*
 * Finish a line of len bytes in buf (bufsz bytes): a message that did not
 * fit is marked "...", then a newline is added and the line written.  len
 * may exceed bufsz - 1 (a truncated vsnprintf).
 */
static void
log_finish(char *buf, size_t bufsz, size_t len)
{
	if (len > bufsz - 2) {
		len = bufsz - 2;
		memcpy(buf + len - 3, "...", 3);
	}
	buf[len++] = '\n';
	log_write(buf, len);
}

/*
 * "prog: message\n".  The message is trusted, but a stray control character
 * (say, in an SQLite error message) still must not split the line: any
 * byte below 0x20 other than a tab, and 0x7f, becomes '?'.
 */
void
gh_log(const char *fmt, ...)
{
	char	 line[LOG_LINE_MAX];
	va_list	 ap;
	size_t	 len, i, start;
	int	 n;

	n = snprintf(line, sizeof(line), "%s: ", log_prog);
	if (n < 0)
		return;
	start = (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1;
	va_start(ap, fmt);
	n = vsnprintf(line + start, sizeof(line) - start, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	len = start + (size_t)n;
	for (i = start; i < len && i < sizeof(line) - 1; i++)
		if ((unsigned char)line[i] < 0x20 && line[i] != '\t')
			line[i] = '?';
		else if ((unsigned char)line[i] == 0x7f)
			line[i] = '?';
	log_finish(line, sizeof(line), len);
}

/* 1 when byte c is written as \xHH by gh_log_escape(). */
static int
log_must_escape(unsigned char c)
{
	return c < 0x20 || c >= 0x7f || c == '\\' || c == '"';
}

/*
 * Bytes below 0x20, 0x7f and above, backslash and double quote become \xHH
 * (so a backslash is \x5c: every escape has the same shape, and a reader
 * can undo them all with one rule).  When the result does not fit, the
 * output ends after the last whole byte or escape that leaves room for
 * "..." and the NUL.
 */
size_t
gh_log_escape(const char *s, size_t n, char *out, size_t outsz)
{
	static const char	 hex[] = "0123456789abcdef";
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 need, i, o, w, limit, dots;

	if (outsz == 0)
		return 0;
	need = 0;
	for (i = 0; i < n; i++)
		need += log_must_escape(p[i]) ? 4 : 1;
	if (need < outsz) {
		limit = need;
		dots = 0;
	} else {
		dots = outsz - 1 < 3 ? outsz - 1 : 3;
		limit = outsz - 1 - dots;
	}
	o = 0;
	for (i = 0; i < n; i++) {
		w = log_must_escape(p[i]) ? 4 : 1;
		if (o + w > limit)
			break;
		if (w == 1)
			out[o] = (char)p[i];
		else {
			out[o] = '\\';
			out[o + 1] = 'x';
			out[o + 2] = hex[p[i] >> 4];
			out[o + 3] = hex[p[i] & 0x0f];
		}
		o += w;
	}
	if (dots > 0) {
		memcpy(out + o, "...", dots);
		o += dots;
	}
	out[o] = '\0';
	return o;
}

/* 1 when c ends a secret: the end of its path segment or the query. */
static int
log_mask_end(char c)
{
	return c == '\0' || c == '/' || c == '?';
}

/*
 * A prefix is looked for at the start of the path and right after each
 * '/', '?', '&' or ';', compared without regard to case (a token sent with
 * "AUTH=" is still a token).  On a match, everything after the prefix up to
 * the next '/' or '?' (or the end) is the secret: "auth=rd&del&1" masks all
 * three parts.  A secret of 3 bytes or more becomes "***" and the rest of
 * the path moves left; a shorter one becomes one '*' per byte, since the
 * path is edited in place and must not grow.  An empty secret is left as is.
 */
char *
gh_log_mask(char *path, const char *const *prefixes)
{
	size_t	 i, j, plen, slen, len;
	int	 at_start;

	if (path == NULL || prefixes == NULL)
		return path;
	len = strlen(path);
	at_start = 1;
	i = 0;
	while (i < len) {
		if (at_start) {
			for (j = 0; prefixes[j] != NULL; j++) {
				plen = strlen(prefixes[j]);
				if (plen > 0 && plen <= len - i &&
				    strncasecmp(path + i, prefixes[j], plen) == 0)
					break;
			}
			if (prefixes[j] != NULL) {
				i += plen;
				slen = 0;
				while (!log_mask_end(path[i + slen]))
					slen++;
				if (slen >= 3) {
					memcpy(path + i, "***", 3);
					memmove(path + i + 3, path + i + slen,
					    len - i - slen + 1);
					len -= slen - 3;
					i += 3;
				} else {
					memset(path + i, '*', slen);
					i += slen;
				}
				at_start = 0;
				continue;
			}
		}
		at_start = path[i] == '/' || path[i] == '?' ||
		    path[i] == '&' || path[i] == ';';
		i++;
	}
	return path;
}

/*
 * "prog: METHOD PATH STATUS USus".  Method and path come from outside and
 * are escaped; the caller has already masked the path.
 */
void
gh_log_request(const char *method, const char *path, int status, long long us)
{
	char	 line[LOG_LINE_MAX];
	char	 emethod[64], epath[LOG_PATH_MAX];
	int	 n;

	if (method == NULL)
		method = "-";
	if (path == NULL)
		path = "-";
	gh_log_escape(method, strlen(method), emethod, sizeof(emethod));
	gh_log_escape(path, strlen(path), epath, sizeof(epath));
	n = snprintf(line, sizeof(line), "%s: %s %s %d %lldus", log_prog,
	    emethod, epath, status, us);
	if (n < 0)
		return;
	log_finish(line, sizeof(line), (size_t)n);
}
