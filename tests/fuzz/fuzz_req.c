/* SPDX-License-Identifier: ISC */
/*
 * Fuzz harness for lib/req.c and lib/router.c: a request's CGI params as a
 * web server would pass them (one "NAME=VALUE" a line; REQUEST_METHOD,
 * REQUEST_URI, CONTENT_LENGTH, HTTP_* …) through gh_req_parse(), then the
 * router over the services' patterns, the query getter and the media type
 * check, as serve.c uses them.
 */
#include <stdio.h>
#include <string.h>

#include "fuzz.h"
#include "req.h"
#include "router.h"

#define FUZZ_ENV_MAX	64

static enum gh_err
h(struct gh_svc *s, struct gh_req *q, struct gh_res *r)
{
	return GH_OK;
}

/* The patterns of the four services' route tables, and the router's kinds. */
static const struct gh_route routes[] = {
	{ GH_M(GH_GET) | GH_M(GH_HEAD), "/v1/domain/*", h, 0, 0 },
	{ GH_M(GH_POST), "/v1/site", h, 0, 0 },
	{ GH_M(GH_GET) | GH_M(GH_HEAD), "/v1/site/*", h, 0, 0 },
	{ GH_M(GH_POST), "/api/v1/certificate/request", h, 0, 0 },
	{ GH_M(GH_POST) | GH_M(GH_GET), "/api/v1/certificate/*/revoke", h, 0, 0 },
	{ GH_M(GH_GET), "/api/v1/ocsp/**", h, GH_ROUTE_PUBLIC, 0 },
	{ GH_M(GH_GET), "/api/_r/**", h, GH_ROUTE_PUBLIC, 0 },
	{ GH_M(GH_GET), "/api/_rs/**", h, GH_ROUTE_PUBLIC, 0 },
	{ GH_M(GH_GET), "/a/*/b/*", h, 0, 0 },
	{ GH_M(GH_POST), "/.apihost/offer-template", h, 0, 0 },
	{ GH_M(GH_GET) | GH_M(GH_HEAD), "/.apihost/offer/*", h, 0, 0 },
	{ GH_M(GH_OPTIONS), "/", h, GH_ROUTE_PUBLIC, 0 },
	{ GH_M(GH_GET), "/dav/**", h, GH_ROUTE_OTHER_METHODS, 0 },
	{ GH_M(GH_OPTIONS), "/**", h, GH_ROUTE_PUBLIC, 0 },
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char		*env[FUZZ_ENV_MAX + 1];
	const struct gh_route	*route;
	struct gh_req		 req;
	struct gh_res		 res;
	char			*buf, *p, *nl, out[256];
	unsigned		 allow;
	size_t			 n = 0, i;

	buf = fuzz_strdup(data, size);
	/* Lines are params; a NUL ends one as a web server's would. */
	for (p = buf; n < FUZZ_ENV_MAX && p < buf + size; p = nl + 1) {
		env[n++] = p;
		if ((nl = strchr(p, '\n')) == NULL)
			break;
		*nl = '\0';
	}
	env[n] = NULL;

	gh_req_init(&req);
	gh_res_init(&res);
	if (gh_req_parse(&req, env, GH_BODY_MAX_DEFAULT, &res) == GH_OK) {
		(void)gh_route_match(routes, sizeof(routes) / sizeof(routes[0]),
		    &req, &route, &allow);
		for (i = 0; i < req.ncap; i++)
			if (strlen(req.cap[i].s) != req.cap[i].len)
				abort();
		(void)gh_req_query(&req, "a", out, sizeof(out));
		(void)gh_req_query(&req, "callback", out, 8);
		(void)gh_req_is_type(&req, "application/json");
		(void)gh_req_param(&req, "HTTP_AUTHORIZATION");
		/* The reset path of a FastCGI loop, then the same request again. */
		gh_req_reset(&req);
		gh_res_reset(&res);
		(void)gh_req_parse(&req, env, 16, &res);
	}
	gh_req_free(&req);
	gh_res_free(&res);
	free(buf);
	return 0;
}
