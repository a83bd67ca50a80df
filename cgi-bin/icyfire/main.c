/* SPDX-License-Identifier: ISC */
/*
 * icyfire: the IcyFire worker API as a FastCGI program.  This file holds
 * the set-up and the route table; the handlers are in api.c.  Tokens are in
 * the path, so the routes take the rest of it ("**") and api.c parses it;
 * the log masks the "auth=" segment.
 */
#include <stdio.h>

#include "crypto.h"
#include "icyfire.h"
#include "log.h"
#include "serve.h"

/*
 * Every route checks its own pair of tokens in its handler, because a
 * wrong token is an answer (403, in the document's words) and an incident
 * like any other: the table marks them public so that serve's generic auth
 * stays out of the way.
 */
static const struct gh_route routes[] = {
	{ GH_M(GH_GET), "/api/_r/**", icyfire_post_next, GH_ROUTE_PUBLIC, 0 },
	{ GH_M(GH_GET), "/api/_d/**", icyfire_post_delete, GH_ROUTE_PUBLIC, 0 },
	{ GH_M(GH_GET), "/api/_rs/**", icyfire_incident_query, GH_ROUTE_PUBLIC,
	    0 },
};

static const char *const mask[] = { "auth=", NULL };

/* After the answer is out: batch the request's incident. */
static void
icyfire_after(struct gh_svc *svc)
{
	struct icy_req	*rq = svc->reqctx;

	if (!rq->record)
		return;
	rq->record = 0;
	icyfire_incident_queue(svc->ctx, &rq->pending);
}

/* No request for a while: write the batch when it is due. */
static int
icyfire_idle(struct gh_svc *svc)
{
	return icyfire_incident_flush(svc->ctx, 0);
}

int
main(void)
{
	struct icyfire	f;
	struct icy_req	rq;
	struct gh_svc	svc = {
		.name = "icyfire",
		.routes = routes,
		.nroutes = GH_NELEM(routes),
		.error_body = icyfire_error_body,
		.after = icyfire_after,
		.idle = icyfire_idle,
		.mask = mask,
		.body_max = 1024,
		.ctx = &f,
		.reqctx = &rq,
		.reqctx_size = sizeof(rq),
	};
	char		errbuf[512];
	int		rc;

	gh_log_init("icyfire");
	if (gh_crypto_nodump() != GH_OK)
		return 1;
	/* Up before PostgreSQL is: 503s until it answers. */
	if (icyfire_open(&f, NULL, GH_DB_LAZY, errbuf, sizeof(errbuf)) !=
	    GH_OK) {
		gh_log("%s", errbuf);
		return 1;
	}
	svc.log_requests = gh_conf_log_requests(&f.conf);
	rc = gh_serve(&svc);
	icyfire_close(&f);
	return rc;
}
