/* SPDX-License-Identifier: ISC */
/*
 * util: strlcpy, strlcat and strtonum with OpenBSD semantics (Debian's
 * glibc has none of them), a capped growable buffer, and time helpers.
 */
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The first allocation of a buffer; later ones double. */
#define GH_BUF_MIN_CAP	64

/*
 * Copy src into dst of dstsize bytes, always NUL-terminating when dstsize
 * is not 0.  Returns strlen(src): the copy was truncated when that is
 * >= dstsize.
 */
size_t
gh_strlcpy(char *dst, const char *src, size_t dstsize)
{
	size_t	 srclen, n;

	srclen = strlen(src);
	if (dstsize != 0) {
		n = srclen < dstsize - 1 ? srclen : dstsize - 1;
		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return srclen;
}

/*
 * Append src to the NUL-terminated string in dst of dstsize bytes.
 * Returns the length of the string it tried to make: min(strlen(dst),
 * dstsize) + strlen(src); truncation when that is >= dstsize.  A dst with
 * no NUL in its first dstsize bytes is left alone.
 */
size_t
gh_strlcat(char *dst, const char *src, size_t dstsize)
{
	size_t	 dlen, srclen, n;
	char	*end;

	srclen = strlen(src);
	end = memchr(dst, '\0', dstsize);
	if (end == NULL)
		return dstsize + srclen;
	dlen = (size_t)(end - dst);
	n = dstsize - dlen - 1;
	if (n > srclen)
		n = srclen;
	memcpy(end, src, n);
	end[n] = '\0';
	return dlen + srclen;
}

/*
 * OpenBSD strtonum, a little stricter: leading white space is refused as
 * well as trailing junk; an optional sign is allowed.  errno is set to
 * EINVAL or ERANGE on failure and left alone on success.
 */
long long
gh_strtonum(const char *s, long long minval, long long maxval,
    const char **errstr)
{
	const char	*why = NULL;
	char		*ep;
	long long	 ll = 0;
	int		 saved_errno, error = 0;

	saved_errno = errno;
	if (s == NULL || minval > maxval ||
	    !(*s == '-' || *s == '+' || (*s >= '0' && *s <= '9'))) {
		why = "invalid";
		error = EINVAL;
	} else {
		errno = 0;
		ll = strtoll(s, &ep, 10);
		if (ep == s || *ep != '\0') {
			why = "invalid";
			error = EINVAL;
		} else if ((ll == LLONG_MIN && errno == ERANGE) ||
		    ll < minval) {
			why = "too small";
			error = ERANGE;
		} else if ((ll == LLONG_MAX && errno == ERANGE) ||
		    ll > maxval) {
			why = "too large";
			error = ERANGE;
		}
	}
	if (errstr != NULL)
		*errstr = why;
	if (error != 0) {
		errno = error;
		return 0;
	}
	errno = saved_errno;
	return ll;
}

/* The cap on b->len; 0 means the default, so a zeroed struct works. */
static size_t
buf_max(const struct gh_buf *b)
{
	return b->max != 0 ? b->max : GH_BUF_DEFAULT_MAX;
}

void
gh_buf_init(struct gh_buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

void
gh_buf_reset(struct gh_buf *b)
{
	b->len = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

/*
 * Free the memory; b can be used again afterwards and keeps its max.  The
 * bytes are wiped first because a buffer may have held a request body or
 * a decrypted secret.
 */
void
gh_buf_free(struct gh_buf *b)
{
	if (b->data != NULL) {
		explicit_bzero(b->data, b->cap);
		free(b->data);
	}
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

/*
 * Make room for n more bytes and the NUL.  GH_ETOOBIG when len + n would
 * pass the cap, GH_ENOMEM when the allocation fails; b is unchanged then.
 * Growing copies by hand rather than with realloc() so that the old block
 * can be wiped before it goes back to the allocator.
 */
static enum gh_err
buf_reserve(struct gh_buf *b, size_t n)
{
	size_t	 max, need, ncap;
	char	*p;

	max = buf_max(b);
	if (b->len > max || n > max - b->len)
		return GH_ETOOBIG;
	if (b->len + n == SIZE_MAX)
		return GH_ENOMEM;
	need = b->len + n + 1;
	if (need <= b->cap)
		return GH_OK;

	ncap = b->cap != 0 ? b->cap : GH_BUF_MIN_CAP;
	while (ncap < need)
		ncap = ncap <= SIZE_MAX / 2 ? ncap * 2 : need;
	/* Never allocate more than the cap can use; need <= max + 1. */
	if (max < SIZE_MAX && ncap > max + 1)
		ncap = max + 1;

	p = malloc(ncap);
	if (p == NULL)
		return GH_ENOMEM;
	if (b->data != NULL) {
		memcpy(p, b->data, b->len + 1);
		explicit_bzero(b->data, b->cap);
		free(b->data);
	} else
		p[0] = '\0';
	b->data = p;
	b->cap = ncap;
	return GH_OK;
}

/*
 * Append n bytes at p (p may be NULL when n is 0).  Even an empty append
 * allocates, so that after any successful append data is a valid string.
 */
enum gh_err
gh_buf_add(struct gh_buf *b, const void *p, size_t n)
{
	enum gh_err	 err;

	err = buf_reserve(b, n);
	if (err != GH_OK)
		return err;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return GH_OK;
}

enum gh_err
gh_buf_puts(struct gh_buf *b, const char *s)
{
	return gh_buf_add(b, s, strlen(s));
}

enum gh_err
gh_buf_printf(struct gh_buf *b, const char *fmt, ...)
{
	va_list		 ap;
	enum gh_err	 err;

	va_start(ap, fmt);
	err = gh_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return err;
}

/*
 * Append formatted text.  It is first formatted into the spare room; only
 * when that is too small does the buffer grow and the text get formatted
 * again.  On failure the NUL at data[len] is put back, so b is unchanged.
 * GH_EINTERNAL when vsnprintf() itself fails (a bad format or > INT_MAX).
 */
enum gh_err
gh_buf_vprintf(struct gh_buf *b, const char *fmt, va_list ap)
{
	va_list		 ap2;
	size_t		 room;
	enum gh_err	 err;
	int		 rc;

	room = b->data != NULL ? b->cap - b->len : 0;
	va_copy(ap2, ap);
	rc = vsnprintf(room > 0 ? b->data + b->len : NULL, room, fmt, ap2);
	va_end(ap2);
	if (rc < 0) {
		err = GH_EINTERNAL;
		goto err;
	}
	if ((size_t)rc >= room) {
		err = buf_reserve(b, (size_t)rc);
		if (err != GH_OK)
			goto err;
		va_copy(ap2, ap);
		rc = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap2);
		va_end(ap2);
		if (rc < 0 || (size_t)rc >= b->cap - b->len) {
			err = GH_EINTERNAL;
			goto err;
		}
	}
	b->len += (size_t)rc;
	return GH_OK;
err:
	if (b->data != NULL)
		b->data[b->len] = '\0';
	return err;
}

long long
gh_now_us(void)
{
	struct timespec	 ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) == -1)
		return (long long)time(NULL) * 1000000;
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

long long
gh_mono_ms(void)
{
	struct timespec	ts;

	/* Cannot fail with a valid clock and pointer; 0 keeps it harmless. */
	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		return 0;
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long long
gh_now(void)
{
	/*
	 * Not time(): glibc reads it from the coarse clock, which can lag
	 * CLOCK_REALTIME by a tick, so that a gh_now() taken after a
	 * gh_now_us() could name the second before it.
	 */
	return gh_now_us() / 1000000;
}

/*
 * RFC 3339 only has four-digit years, so t is clamped to
 * 0000-01-01T00:00:00Z .. 9999-12-31T23:59:59Z; out always holds a
 * well-formed 20-character stamp.
 */
void
gh_time_rfc3339(long long t, char out[32])
{
	const long long	 tmin = -62167219200LL;	/* year 0 */
	const long long	 tmax = 253402300799LL;	/* end of 9999 */
	struct tm	 tm;
	time_t		 tt;

	if (t < tmin)
		t = tmin;
	if (t > tmax)
		t = tmax;
	tt = (time_t)t;
	if ((long long)tt != t || gmtime_r(&tt, &tm) == NULL) {
		/* Only with a 32-bit time_t; say the epoch, not garbage. */
		gh_strlcpy(out, "1970-01-01T00:00:00Z", 32);
		return;
	}
	snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
	    tm.tm_hour, tm.tm_min, tm.tm_sec);
}
