/* SPDX-License-Identifier: ISC */
/* Unit tests for lib/router.c: pattern matching, captures, 404 and 405. */
#include <stdio.h>
#include <string.h>

#include "req.h"
#include "router.h"
#include "tmain.h"

static enum gh_err h(struct gh_svc *s, struct gh_req *q, struct gh_res *r) { return GH_OK; }

static const struct gh_route routes[] = {
	{ GH_M(GH_GET) | GH_M(GH_HEAD), "/v1/domain/*", h, 0, 0 },
	{ GH_M(GH_POST), "/v1/site", h, 0, 0 },
	{ GH_M(GH_GET), "/v1/site/*", h, 0, 0 },
	{ GH_M(GH_DELETE), "/v1/site/*", h, 0, 0 },
	{ GH_M(GH_GET), "/a/*/b/*", h, 0, 0 },
	{ GH_M(GH_GET), "/rest/**", h, 0, 0 },
	{ GH_M(GH_GET), "/dav/**", h, GH_ROUTE_OTHER_METHODS, 0 },
};

static const struct {
	int		 line;
	enum gh_method	 method;
	const char	*path;
	enum gh_err	 want;
	int		 route;		/* index into routes on GH_OK */
	unsigned	 allow;		/* on GH_EMETHOD */
	const char	*cap0, *cap1;
} cases[] = {
	{ __LINE__, GH_GET, "/v1/domain/x.gent", GH_OK, 0, 0, "x.gent", NULL },
	{ __LINE__, GH_HEAD, "/v1/domain/x.gent", GH_OK, 0, 0, "x.gent", NULL },
	{ __LINE__, GH_GET, "/v1/domain/a%2Eb", GH_OK, 0, 0, "a.b", NULL },
	{ __LINE__, GH_GET, "/v1/domain/", GH_ENOTFOUND, 0, 0, NULL, NULL },
	{ __LINE__, GH_GET, "/v1/domain", GH_ENOTFOUND, 0, 0, NULL, NULL },
	{ __LINE__, GH_GET, "/v1/domain/x/y", GH_ENOTFOUND, 0, 0, NULL, NULL },
	{ __LINE__, GH_GET, "/v1/domain/x/", GH_ENOTFOUND, 0, 0, NULL, NULL },
	{ __LINE__, GH_GET, "/v1/domain/%zz", GH_EINVAL, 0, 0, NULL, NULL },
	{ __LINE__, GH_GET, "/v1/domain/a%00b", GH_EINVAL, 0, 0, NULL, NULL },
	{ __LINE__, GH_GET, "/v1/domain/a%2", GH_EINVAL, 0, 0, NULL, NULL },
	{ __LINE__, GH_DELETE, "/v1/domain/x", GH_EMETHOD, 0,
	    GH_M(GH_GET) | GH_M(GH_HEAD), NULL, NULL },
	{ __LINE__, GH_METHOD__MAX, "/v1/domain/x", GH_EMETHOD, 0,
	    GH_M(GH_GET) | GH_M(GH_HEAD), NULL, NULL },
	{ __LINE__, GH_POST, "/v1/site", GH_OK, 1, 0, NULL, NULL },
	{ __LINE__, GH_GET, "/v1/site", GH_EMETHOD, 0, GH_M(GH_POST), NULL, NULL },
	{ __LINE__, GH_DELETE, "/v1/site/q.gent", GH_OK, 3, 0, "q.gent", NULL },
	{ __LINE__, GH_PUT, "/v1/site/q.gent", GH_EMETHOD, 0,
	    GH_M(GH_GET) | GH_M(GH_DELETE), NULL, NULL },
	{ __LINE__, GH_GET, "/v1/sitex", GH_ENOTFOUND, 0, 0, NULL, NULL },
	{ __LINE__, GH_GET, "/a/1/b/2", GH_OK, 4, 0, "1", "2" },
	{ __LINE__, GH_GET, "/a/1/c/2", GH_ENOTFOUND, 0, 0, NULL, NULL },
	{ __LINE__, GH_GET, "/rest/x/y/z", GH_OK, 5, 0, "x/y/z", NULL },
	{ __LINE__, GH_GET, "/rest/", GH_ENOTFOUND, 0, 0, NULL, NULL },
	{ __LINE__, GH_GET, "/rest", GH_ENOTFOUND, 0, 0, NULL, NULL },
	{ __LINE__, GH_GET, "/", GH_ENOTFOUND, 0, 0, NULL, NULL },
	{ __LINE__, GH_GET, "//v1/site", GH_ENOTFOUND, 0, 0, NULL, NULL },
	/* A method we do not know (PROPFIND) only where the route takes any. */
	{ __LINE__, GH_METHOD__MAX, "/dav/x", GH_OK, 6, 0, "x", NULL },
	{ __LINE__, GH_GET, "/dav/x", GH_OK, 6, 0, "x", NULL },
	{ __LINE__, GH_POST, "/dav/x", GH_EMETHOD, 0, GH_M(GH_GET), NULL, NULL },
	{ __LINE__, GH_METHOD__MAX, "/rest/x", GH_EMETHOD, 0, GH_M(GH_GET),
	    NULL, NULL },
};

static void
test_match_table(void)
{
	struct gh_req		 req;
	const struct gh_route	*r;
	unsigned		 allow;
	enum gh_err		 err;
	size_t			 i;

	for (i = 0; i < GH_NELEM(cases); i++) {
		gh_req_init(&req);
		req.method = cases[i].method;
		gh_strlcpy(req.path, cases[i].path, sizeof(req.path));
		r = NULL;
		allow = 0;
		err = gh_route_match(routes, GH_NELEM(routes), &req, &r, &allow);
		TROW(cases[i].line, err == cases[i].want);
		if (err == GH_OK) {
			TROW(cases[i].line, r == &routes[cases[i].route]);
			if (cases[i].cap0 != NULL)
				TROW(cases[i].line,
				    strcmp(req.cap[0].s, cases[i].cap0) == 0 &&
				    req.cap[0].len == strlen(cases[i].cap0));
			if (cases[i].cap1 != NULL)
				TROW(cases[i].line,
				    strcmp(req.cap[1].s, cases[i].cap1) == 0);
		}
		if (err == GH_EMETHOD)
			TROW(cases[i].line, allow == cases[i].allow);
		gh_req_free(&req);
	}
}

static void
test_longest_path(void)
{
	struct gh_req		 req;
	const struct gh_route	*r;
	unsigned		 allow;

	/* A capture as long as the path buffer allows still fits capbuf. */
	gh_req_init(&req);
	req.method = GH_GET;
	memcpy(req.path, "/rest/", 6);
	memset(req.path + 6, 'x', GH_PATH_MAX - 6);
	req.path[GH_PATH_MAX] = '\0';
	CU_ASSERT_EQUAL(gh_route_match(routes, GH_NELEM(routes), &req, &r,
	    &allow), GH_OK);
	CU_ASSERT_EQUAL(req.cap[0].len, GH_PATH_MAX - 6);
	gh_req_free(&req);
}

static const struct tcase tests[] = {
	TCASE(test_match_table),
	TCASE(test_longest_path),
};
TMAIN("router", tests)
