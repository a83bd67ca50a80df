/* SPDX-License-Identifier: ISC */
/*
 * router: match a request path against a service's route table.
 */
#include <string.h>

#include "req.h"
#include "router.h"

struct raw_cap {
	const char	*s;
	size_t		 len;
};

/*
 * Match path against pattern segment by segment; on a match fill caps with
 * the raw (still encoded) captured text and return their number, else -1.
 */
static int
match(const char *pattern, const char *path, struct raw_cap *caps)
{
	const char	*p = pattern, *s = path, *pe, *se;
	size_t		 plen, slen;
	int		 n = 0;

	if (*p != '/' || *s != '/')
		return -1;
	for (;;) {
		p++;
		s++;
		pe = strchr(p, '/');
		plen = pe ? (size_t)(pe - p) : strlen(p);
		if (plen == 2 && p[0] == '*' && p[1] == '*') {
			slen = strlen(s);
			if (slen == 0 || n == GH_MAX_CAPTURES)
				return -1;
			caps[n].s = s;
			caps[n++].len = slen;
			return n;
		}
		se = strchr(s, '/');
		slen = se ? (size_t)(se - s) : strlen(s);
		if (plen == 1 && p[0] == '*') {
			if (slen == 0 || n == GH_MAX_CAPTURES)
				return -1;
			caps[n].s = s;
			caps[n++].len = slen;
		} else if (plen != slen || memcmp(p, s, plen) != 0)
			return -1;
		if (pe == NULL || se == NULL)
			return pe == NULL && se == NULL ? n : -1;
		p = pe;
		s = se;
	}
}

enum gh_err
gh_route_match(const struct gh_route *routes, size_t n, struct gh_req *req,
    const struct gh_route **out, unsigned *allow)
{
	struct raw_cap	 caps[GH_MAX_CAPTURES];
	size_t		 i, used = 0, dlen;
	unsigned	 methods = 0;
	int		 ncap;
	enum gh_err	 err;

	for (i = 0; i < n; i++) {
		if ((ncap = match(routes[i].pattern, req->path, caps)) < 0)
			continue;
		if (req->method >= GH_METHOD__MAX ?
		    (routes[i].flags & GH_ROUTE_OTHER_METHODS) == 0 :
		    (routes[i].methods & GH_M(req->method)) == 0) {
			methods |= routes[i].methods;
			continue;
		}
		/* Decode the captures into capbuf, one after another. */
		for (req->ncap = 0; req->ncap < (size_t)ncap; req->ncap++) {
			err = gh_pct_decode(caps[req->ncap].s,
			    caps[req->ncap].len, 0, req->capbuf + used,
			    sizeof(req->capbuf) - used, &dlen);
			if (err != GH_OK)
				return GH_EINVAL;
			req->cap[req->ncap].s = req->capbuf + used;
			req->cap[req->ncap].len = dlen;
			used += dlen + 1;
		}
		*out = &routes[i];
		return GH_OK;
	}
	if (methods == 0)
		return GH_ENOTFOUND;
	*allow = methods;
	return GH_EMETHOD;
}
