/* SPDX-License-Identifier: ISC */
/*
 * path: the tails of the icyfire routes, after "/api/_r/", "/api/_d/" and
 * "/api/_rs/".  The documents put the server id after '&' in one place and
 * after '/' in another: both are accepted.  Tokens are borrowed, never
 * copied, so that they live only in the request's buffers.
 */
#include <string.h>

#include "icyfire.h"

/* A decimal id of 1 to 12 digits in s[0..n), no sign, no leading zero. */
static int
parse_id(const char *s, size_t n, long long *out)
{
	long long	v = 0;
	size_t		i;

	if (n == 0 || n > 12 || s[0] == '0')
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/*
 * "auth=<a>&<b>" up to a terminator in stops; *end gets what follows.
 * Tokens are 1 to GH_TOKEN_MAX bytes without '/', '&' or '?'.
 */
static int
parse_auth(const char *s, const char *stops, struct icy_path *out,
    const char **end)
{
	size_t	n;

	if (strncmp(s, "auth=", 5) != 0)
		return -1;
	s += 5;
	n = strcspn(s, "&/?");
	if (n == 0 || n > GH_TOKEN_MAX || s[n] != '&')
		return -1;
	out->tok[0] = s;
	out->toklen[0] = n;
	s += n + 1;
	n = strcspn(s, "&/?");
	if (n == 0 || n > GH_TOKEN_MAX || s[n] == '\0' ||
	    strchr(stops, s[n]) == NULL)
		return -1;
	out->tok[1] = s;
	out->toklen[1] = n;
	*end = s + n;
	return 0;
}

enum gh_err
icy_path_slot(const char *s, struct icy_path *out)
{
	struct icy_path	 p;
	const char	*e;
	size_t		 n;

	memset(&p, 0, sizeof(p));
	n = strcspn(s, "/");
	if (s[n] != '/' || parse_id(s, n, &p.slot) != 0)
		return GH_EINVAL;
	if (parse_auth(s + n + 1, "&/", &p, &e) != 0)
		return GH_EINVAL;
	e++;
	if (parse_id(e, strlen(e), &p.server) != 0 ||
	    p.server > ICY_SERVER_MAX)
		return GH_EINVAL;
	*out = p;
	return GH_OK;
}

enum gh_err
icy_path_query(const char *s, struct icy_path *out)
{
	struct icy_path	 p;
	const char	*e, *colon;
	size_t		 n;

	memset(&p, 0, sizeof(p));
	if (parse_auth(s, "/", &p, &e) != 0)
		return GH_EINVAL;
	e++;
	if (strncmp(e, "query=", 6) != 0) {
		*out = p;
		return GH_ENOTFOUND;
	}
	e += 6;
	/* The first colon: IPv6 addresses hold more. */
	if ((colon = strchr(e, ':')) == NULL ||
	    (n = (size_t)(colon - e)) == 0 || n > ICY_ARG_MAX ||
	    strlen(colon + 1) == 0 || strlen(colon + 1) > ICY_DATA_MAX) {
		*out = p;
		return GH_ENOTFOUND;
	}
	memcpy(p.arg, e, n);
	p.arg[n] = '\0';
	memcpy(p.data, colon + 1, strlen(colon + 1) + 1);
	*out = p;
	return GH_OK;
}
