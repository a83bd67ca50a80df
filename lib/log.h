/* SPDX-License-Identifier: ISC */
/*
 * log: one line per event on stderr (the web server's error log for
 * FastCGI programs), written with a single write(2) of at most 2 KiB, cut
 * with "..." if longer.  Outside text is escaped: control characters,
 * backslash, double quote and non-ASCII bytes become \xHH, so a log line can
 * never be split or forged.
 */
#ifndef GH_LOG_H
#define GH_LOG_H

#include <stddef.h>

/* Name used as the prefix of every line ("factory", "gatectl", …). Borrowed. */
void		 gh_log_init(const char *prog);

/*
 * "prog: message\n"; the message is trusted text (escape outside input
 * first).  As a last line of defence a control character in it becomes '?'.
 */
void		 gh_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Escape n bytes of s into out (outsz > 0, always NUL-terminated); returns
 * the length written.  Truncation ends on a whole escape and is marked "...".
 */
size_t		 gh_log_escape(const char *s, size_t n, char *out, size_t outsz);

/*
 * Mask secrets in a path in place: every path segment, or part of a segment,
 * that starts with one of the NULL-terminated prefixes (e.g. "auth=") has the
 * rest of that segment replaced with "***".  A part starts at the start of
 * the path or after '/', '?', '&' or ';'; prefixes match regardless of case;
 * the secret runs to the next '/' or '?' (so "auth=a&b&1" hides all three).
 * A secret shorter than 3 bytes becomes as many '*': the path never grows.
 * Returns path.
 */
char		*gh_log_mask(char *path, const char *const *prefixes);

/* "prog: METHOD PATH STATUS USus" with path escaped. */
void		 gh_log_request(const char *method, const char *path, int status,
		    long long us);

#endif
