/* SPDX-License-Identifier: ISC */
/*
 * factory: the Magic Website Factory's API as a FastCGI program.  This file
 * holds the set-up and the route table; one file per resource.
 */
#include <stdio.h>
#include <string.h>

#include "auth.h"
#include "crypto.h"
#include "factory.h"
#include "log.h"
#include "serve.h"
#include "token.h"

static const struct gh_route routes[] = {
	{ GH_M(GH_GET) | GH_M(GH_HEAD), "/v1/domain/*", factory_domain_get, 0, 0 },
	{ GH_M(GH_POST), "/v1/site", factory_site_post, 0, 0 },
	{ GH_M(GH_GET) | GH_M(GH_HEAD), "/v1/site/*", factory_site_get, 0, 0 },
};

/*
 * Every route: "Authorization: Bearer <token>" naming a client whose token
 * is not revoked; the mock token only in test mode.  401 otherwise, with
 * the challenge RFC 6750 asks for.
 */
static enum gh_err
factory_auth(struct gh_svc *svc, struct gh_req *req, struct gh_res *res)
{
	struct factory			*f = svc->ctx;
	struct factory_req		*rq = req->ctx;
	unsigned char			 hash[GH_SHA256_LEN];
	const char			*tok;
	size_t				 len, i;
	enum gh_err			 err;

	err = gh_auth_bearer(gh_req_param(req, "HTTP_AUTHORIZATION"), &tok,
	    &len);
	if (err == GH_ENOTFOUND) {
		gh_res_header(res, "WWW-Authenticate", "Bearer realm=\"factory\"");
		return gh_fail(res, GH_EAUTH, "missing bearer token");
	}
	if (err == GH_OK) {
		gh_sha256(tok, len, hash);
		if (gh_auth_cache_find(&f->auth_cache, hash, req->start_us, &i))
			rq->client = f->auth_client[i];
		else if ((err = factory_store_client_by_token(f, tok, len,
		    &rq->client)) == GH_OK) {
			i = gh_auth_cache_add(&f->auth_cache, hash,
			    req->start_us);
			f->auth_client[i] = rq->client;
		}
	}
	if (err == GH_OK && rq->client.mock && !f->test_mode)
		err = GH_ENOTFOUND;
	if (err == GH_EINVAL || err == GH_ENOTFOUND) {
		gh_res_header(res, "WWW-Authenticate",
		    "Bearer realm=\"factory\", error=\"invalid_token\"");
		return gh_fail(res, GH_EAUTH, "invalid token");
	}
	if (err != GH_OK)
		return gh_fail(res, err, "token lookup failed");
	req->principal = &rq->client;
	return GH_OK;
}

/* After the answer is out: wake a worker for the order it promised. */
static void
factory_after(struct gh_svc *svc)
{
	struct factory_req	*rq = svc->reqctx;

	if (rq->wake_after) {
		rq->wake_after = 0;
		wake_worker(svc->ctx, 1);
	}
}

int
main(void)
{
	struct factory		f;
	struct factory_req	rq;
	struct gh_svc		svc = {
		.name = "factory",
		.routes = routes,
		.nroutes = GH_NELEM(routes),
		.auth = factory_auth,
		.after = factory_after,
		.ctx = &f,
		.reqctx = &rq,
		.reqctx_size = sizeof(rq),
	};
	char			errbuf[512];
	enum gh_err		err;
	int			rc;

	gh_log_init("factory");
	if (gh_crypto_nodump() != GH_OK)
		return 1;
	/* GH_DB_LAZY: started while PostgreSQL is down, it answers 503s. */
	if (factory_open(&f, NULL, GH_DB_LAZY, errbuf, sizeof(errbuf)) !=
	    GH_OK) {
		gh_log("%s", errbuf);
		return 1;
	}
	/*
	 * gatectl init makes the mock client too: a database that is down
	 * now (GH_DB_LAZY) only leaves it to that.
	 */
	if (f.test_mode && (err = factory_store_client_mock_ensure(&f)) !=
	    GH_OK && err != GH_EUNAVAIL && err != GH_EBUSY) {
		gh_log("cannot create the test-mode mock client");
		factory_close(&f);
		return 1;
	}
	svc.body_max = (size_t)factory_conf_int(&f.conf, FACTORY_CONF_MAX_BODY);
	svc.log_requests = gh_conf_log_requests(&f.conf);
	rc = gh_serve(&svc);
	factory_close(&f);
	return rc;
}
