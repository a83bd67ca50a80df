/* SPDX-License-Identifier: ISC */
/*
 * apihost: the API host as a FastCGI program.  This file holds the set-up
 * and the route table: the host's own pages under /.apihost/ (offer
 * templates), CORS preflight, and the gateway, which takes every other
 * path and method and streams it to the token's grain.
 */
#include <stdio.h>
#include <string.h>

#include "apihost.h"
#include "crypto.h"
#include "log.h"
#include "serve.h"

#define ALL_METHODS	(GH_M(GH_GET) | GH_M(GH_HEAD) | GH_M(GH_POST) |	\
			    GH_M(GH_PUT) | GH_M(GH_PATCH) | GH_M(GH_DELETE))
#define OFFER_BODY_MAX	(16 * 1024)

static const struct gh_route routes[] = {
	{ GH_M(GH_POST), "/.apihost/offer-template", apihost_offer_post,
	    APIHOST_ROUTE_GRAIN | GH_ROUTE_JSON_ERRORS, OFFER_BODY_MAX },
	{ GH_M(GH_GET) | GH_M(GH_HEAD), "/.apihost/offer/*", apihost_offer_page,
	    GH_ROUTE_PUBLIC, 0 },
	{ GH_M(GH_GET) | GH_M(GH_HEAD), "/.apihost/offer.js", apihost_offer_js,
	    GH_ROUTE_PUBLIC, 0 },
	/* Preflight needs no token; apihost_options forwards the rest. */
	{ GH_M(GH_OPTIONS), "/", apihost_options,
	    GH_ROUTE_PUBLIC | GH_ROUTE_STREAM, 0 },
	{ GH_M(GH_OPTIONS), "/**", apihost_options,
	    GH_ROUTE_PUBLIC | GH_ROUTE_STREAM, 0 },
	/* Every other method too: WebDAV clients (PROPFIND, MKCOL, …). */
	{ ALL_METHODS, "/", apihost_proxy,
	    GH_ROUTE_STREAM | GH_ROUTE_OTHER_METHODS, 0 },
	{ ALL_METHODS, "/**", apihost_proxy,
	    GH_ROUTE_STREAM | GH_ROUTE_OTHER_METHODS, 0 },
};

/* The offer route is the grain's (its secret); every other one a token's. */
static enum gh_err
apihost_auth(struct gh_svc *svc, struct gh_req *req, struct gh_res *res)
{
	if (req->route->flags & APIHOST_ROUTE_GRAIN)
		return apihost_grain_auth(svc, req, res);
	return apihost_token_auth(svc, req, res);
}

/* Tokens are never in a path here; offer pages carry their id in one. */
static const char *const mask[] = { "offer/", NULL };

int
main(void)
{
	struct apihost		a;
	struct apihost_req	rq;
	struct gh_svc		svc = {
		.name = "apihost",
		.routes = routes,
		.nroutes = GH_NELEM(routes),
		.auth = apihost_auth,
		.error_body = apihost_error_body,
		.mask = mask,
		.ctx = &a,
		.reqctx = &rq,
		.reqctx_size = sizeof(rq),
	};
	char		errbuf[512];
	int		rc;

	gh_log_init("apihost");
	if (gh_crypto_nodump() != GH_OK)
		return 1;
	/* Up before PostgreSQL is: 503s until it answers. */
	if (apihost_open(&a, NULL, GH_DB_LAZY, errbuf, sizeof(errbuf)) !=
	    GH_OK) {
		gh_log("%s", errbuf);
		return 1;
	}
	if (gateway_init(&a) != GH_OK) {
		gh_log("cannot set up the gateway's HTTP clients");
		apihost_close(&a);
		return 1;
	}
	svc.body_max = (size_t)apihost_conf_int(&a.conf, APIHOST_CONF_MAX_BODY);
	svc.log_requests = gh_conf_log_requests(&a.conf);
	rc = gh_serve(&svc);
	gateway_free(&a);
	apihost_close(&a);
	return rc;
}
