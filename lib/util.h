/* SPDX-License-Identifier: ISC */
/*
 * util: what glibc lacks (strlcpy, strlcat, strtonum) and a bounded,
 * growable byte buffer that keeps its allocation across requests.
 */
#ifndef GH_UTIL_H
#define GH_UTIL_H

#include <stddef.h>
#include <stdarg.h>

#include "err.h"

#define GH_NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* OpenBSD semantics: return strlen(src); truncation when >= dstsize. */
size_t		 gh_strlcpy(char *dst, const char *src, size_t dstsize);
size_t		 gh_strlcat(char *dst, const char *src, size_t dstsize);

/*
 * OpenBSD strtonum: parse a base-10 integer in [minval, maxval].  On error
 * returns 0 and sets *errstr to "invalid", "too small" or "too large";
 * on success *errstr is NULL.  Leading/trailing junk and empty input are invalid.
 * An optional sign is allowed; leading white space is junk (unlike OpenBSD).
 * errstr may be NULL; errno is EINVAL/ERANGE on error, untouched on success.
 */
long long	 gh_strtonum(const char *s, long long minval, long long maxval,
		    const char **errstr);

/*
 * A byte buffer with a hard cap.  It is always NUL-terminated (the NUL is not
 * counted in len), so text can be used as a C string.  Reset keeps the
 * allocation so a long-running process does not allocate per request.
 */
struct gh_buf {
	char	*data;	/* owned; NULL until the first append */
	size_t	 len;
	size_t	 cap;	/* allocated bytes */
	size_t	 max;	/* hard limit on len; 0 means GH_BUF_DEFAULT_MAX */
};
#define GH_BUF_DEFAULT_MAX	(16u * 1024 * 1024)

void		 gh_buf_init(struct gh_buf *b, size_t max);
void		 gh_buf_reset(struct gh_buf *b);	/* len = 0, keep memory */
/* Wipes and frees; accepts a zeroed struct; b keeps max and can be reused. */
void		 gh_buf_free(struct gh_buf *b);
/*
 * Appends; GH_ETOOBIG past max, GH_ENOMEM.  On failure b is unchanged.
 * Any successful append, even of 0 bytes, leaves data non-NULL.  Growing
 * wipes the old block, so a buffer may hold secrets.
 */
enum gh_err	 gh_buf_add(struct gh_buf *b, const void *p, size_t n);
enum gh_err	 gh_buf_puts(struct gh_buf *b, const char *s);
enum gh_err	 gh_buf_printf(struct gh_buf *b, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
enum gh_err	 gh_buf_vprintf(struct gh_buf *b, const char *fmt, va_list ap)
		    __attribute__((format(printf, 2, 0)));

/* Wall-clock time in microseconds / seconds since the epoch. */
long long	 gh_now_us(void);
long long	 gh_now(void);

/*
 * Milliseconds on the monotonic clock, for durations and deadlines (never
 * for dates): only differences mean anything.
 */
long long	 gh_mono_ms(void);

/*
 * Format t (seconds since the epoch, UTC) as RFC 3339 "YYYY-MM-DDTHH:MM:SSZ".
 * t is clamped to years 0000-9999, the range RFC 3339 can express.
 */
void		 gh_time_rfc3339(long long t, char out[32]);

#endif
