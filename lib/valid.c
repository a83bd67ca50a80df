/* SPDX-License-Identifier: ISC */
/*
 * valid: syntax checks for host names and URLs from outside.  These say
 * nothing about which hosts are acceptable to call (that is policy, the
 * service's job); they make sure that what is stored or handed to libcurl
 * means one thing only.
 */
#include "valid.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "ascii.h"

#define LABEL_MAX	63
#define URL_MAX		2048


/*
 * Whether a label reads as a number to an IPv4 parser: all decimal digits,
 * or 0x followed by hex digits.  glibc's inet_aton(), and so
 * getaddrinfo() and libcurl, take "0x7f000001" or "example.1" as
 * addresses, so a name whose last label is such a number is refused
 * rather than let through as a "name" that resolves to 127.0.0.1.
 */
static int
label_is_number(const char *s, size_t n)
{
	size_t	 i = 0;

	if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		for (i = 2; i < n; i++)
			if (!gh_ascii_isxdigit((unsigned char)s[i]))
				return 0;
		return 1;
	}
	for (i = 0; i < n; i++)
		if (!gh_ascii_isdigit((unsigned char)s[i]))
			return 0;
	return n > 0;
}

/*
 * Check a host name of len bytes with at least minlabels labels (see
 * valid.h for the rules).  NULL when good, else a static reason.
 */
static const char *
hostname_check(const char *s, size_t len, size_t minlabels)
{
	size_t		 i, start, last = 0, nlabels = 0;
	unsigned char	 c;

	if (len == 0)
		return "empty host name";
	if (len > GH_DOMAIN_MAX)
		return "host name longer than 253 bytes";
	if (s[len - 1] == '.')
		return "host name ends with a dot";

	start = 0;
	for (i = 0; i <= len; i++) {
		if (i < len && s[i] != '.') {
			c = (unsigned char)s[i];
			if (!gh_ascii_isalpha(c) && !gh_ascii_isdigit(c) &&
			    c != '-')
				return "invalid character in host name";
			continue;
		}
		/* A label is s[start .. i). */
		if (i == start)
			return "empty label in host name";
		if (i - start > LABEL_MAX)
			return "label longer than 63 bytes";
		if (s[start] == '-' || s[i - 1] == '-')
			return "label starts or ends with a hyphen";
		nlabels++;
		last = start;
		start = i + 1;
	}
	if (nlabels < minlabels)
		return "host name needs at least two labels";
	if (label_is_number(s + last, len - last))
		return "last label of host name is numeric";
	return NULL;
}

/*
 * Validate and lower-case a domain name.  out may be NULL to only
 * validate; otherwise it is written on success only.
 */
enum gh_err
gh_valid_domain(const char *s, size_t len, char *out, size_t outsz,
    const char **why)
{
	const char	*reason;
	size_t		 i;

	reason = s == NULL ? "empty host name" : hostname_check(s, len, 2);
	if (reason == NULL && out != NULL && outsz <= len)
		reason = "output buffer too small";
	if (reason != NULL) {
		if (why != NULL)
			*why = reason;
		return GH_EINVAL;
	}
	if (out != NULL) {
		for (i = 0; i < len; i++)
			out[i] = gh_ascii_lower(s[i]);
		out[len] = '\0';
	}
	return GH_OK;
}

/*
 * Whether s (len bytes) starts with the lower-case prefix p in any
 * case, ASCII only: strncasecmp() would follow the locale.
 */
static int
has_prefix_ci(const char *s, size_t len, const char *p)
{
	size_t	 n;

	n = strlen(p);
	return len >= n && gh_ascii_caseeq(s, p, n);
}

/* A character a path may hold as itself (RFC 3986 pchar, plus "/"). */
static int
is_pathchar(unsigned char c)
{
	return gh_ascii_isalpha(c) || gh_ascii_isdigit(c) ||
	    (c != '\0' && strchr("-._~!$&'()*+,;=:@/", c) != NULL);
}

/*
 * Check the host of an authority, s[0 .. n): a [IPv6] literal, a dotted
 * quad, or a host name of one or more labels.  *hlen gets how many bytes
 * the host took.  NULL when good, else a static reason.
 */
static const char *
url_host_check(const char *s, size_t n, size_t *hlen)
{
	char		 buf[INET6_ADDRSTRLEN];
	struct in6_addr	 a6;
	struct in_addr	 a4;
	const char	*rb, *colon, *why;
	size_t		 len, i;

	if (n > 0 && s[0] == '[') {
		rb = memchr(s, ']', n);
		if (rb == NULL)
			return "invalid IPv6 address";
		len = (size_t)(rb - s) - 1;
		if (len == 0 || len >= sizeof(buf))
			return "invalid IPv6 address";
		memcpy(buf, s + 1, len);
		buf[len] = '\0';
		if (inet_pton(AF_INET6, buf, &a6) != 1)
			return "invalid IPv6 address";
		*hlen = len + 2;
		return NULL;
	}

	colon = memchr(s, ':', n);
	len = colon != NULL ? (size_t)(colon - s) : n;
	if (len == 0)
		return "missing host";
	for (i = 0; i < len && (gh_ascii_isdigit((unsigned char)s[i]) ||
	    s[i] == '.'); i++)
		continue;
	if (i == len) {
		/* inet_pton() takes only four decimal parts, no leading 0s. */
		if (len >= sizeof(buf))
			return "invalid IPv4 address";
		memcpy(buf, s, len);
		buf[len] = '\0';
		if (inet_pton(AF_INET, buf, &a4) != 1)
			return "invalid IPv4 address";
	} else {
		why = hostname_check(s, len, 1);
		if (why != NULL)
			return why;
	}
	*hlen = len;
	return NULL;
}

/*
 * The port after the host, s[0 .. n) (n > 0) being ":digits": 1-65535,
 * no sign, no leading zero.  NULL when good, else a static reason.
 */
static const char *
url_port_check(const char *s, size_t n)
{
	long	 port = 0;
	size_t	 i;

	if (s[0] != ':')
		return "invalid character after host";
	if (n < 2 || n > 6 || s[1] == '0')
		return "invalid port";
	for (i = 1; i < n; i++) {
		if (!gh_ascii_isdigit((unsigned char)s[i]))
			return "invalid port";
		port = port * 10 + (s[i] - '0');
	}
	if (port > 65535)
		return "invalid port";
	return NULL;
}

/* The checks of gh_valid_url; NULL when good, else a static reason. */
static const char *
url_check(const char *s, size_t len, int allow_http)
{
	const char	*why;
	size_t		 i, p, a, hlen = 0;
	unsigned char	 c;

	if (s == NULL || len == 0)
		return "empty URL";
	if (len > URL_MAX)
		return "URL longer than 2048 bytes";
	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c <= 0x20 || c == 0x7f)
			return "white space or control character in URL";
		if (c >= 0x80)
			return "non-ASCII character in URL";
		if (c == '?' || c == '#')
			return "query or fragment in URL";
	}

	if (has_prefix_ci(s, len, "https://"))
		p = 8;
	else if (allow_http && has_prefix_ci(s, len, "http://"))
		p = 7;
	else
		return allow_http ? "URL must start with http:// or https://" :
		    "URL must start with https://";

	/* The authority runs to the path; "?" and "#" are gone already. */
	for (a = p; a < len && s[a] != '/'; a++)
		if (s[a] == '@')
			return "user info in URL";
	if (a == p)
		return "missing host";
	why = url_host_check(s + p, a - p, &hlen);
	if (why != NULL)
		return why;
	if (p + hlen < a) {
		why = url_port_check(s + p + hlen, a - p - hlen);
		if (why != NULL)
			return why;
	}

	for (i = a; i < len; i++) {
		c = (unsigned char)s[i];
		if (c == '%') {
			if (len - i < 3 ||
			    !gh_ascii_isxdigit((unsigned char)s[i + 1]) ||
			    !gh_ascii_isxdigit((unsigned char)s[i + 2]))
				return "invalid percent-encoding in URL path";
			i += 2;
		} else if (!is_pathchar(c))
			return "invalid character in URL path";
	}
	return NULL;
}

enum gh_err
gh_valid_url(const char *s, size_t len, int allow_http, const char **why)
{
	const char	*reason;

	reason = url_check(s, len, allow_http);
	if (reason == NULL)
		return GH_OK;
	if (why != NULL)
		*why = reason;
	return GH_EINVAL;
}
