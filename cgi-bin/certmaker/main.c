/* SPDX-License-Identifier: ISC */
/*
 * certmaker: the private CA's API as a FastCGI program.  This file holds
 * the set-up and the route table; one file per resource.  Every route is
 * served under /api/v1/ (what the original and its clients used) and
 * under /api/ (what the document says).
 */
#include <stdio.h>
#include <string.h>

#include "auth.h"
#include "certmaker.h"
#include "crypto.h"
#include "log.h"
#include "serve.h"

#define GET	(GH_M(GH_GET) | GH_M(GH_HEAD))
#define CSR_MAX	(64 * 1024)

/* Each route twice: /api/v1/… and the document's /api/…. */
#define ROUTES(p)							\
	{ GET, p "/root-certificate/obtain", certmaker_root_get, 0, 0 }, \
	{ GH_M(GH_POST), p "/certificate/request",			\
	    certmaker_cert_request, 0, 0 },				\
	{ GH_M(GH_POST), p "/certificate/request-with-csr",		\
	    certmaker_cert_request_csr, 0, CSR_MAX },			\
	{ GET, p "/certificate/*/obtain", certmaker_cert_get, 0, 0 },	\
	{ GH_M(GH_POST) | GH_M(GH_GET), p "/certificate/*/revoke",	\
	    certmaker_cert_revoke, 0, 0 },				\
	{ GET, p "/privatekey/*/obtain", certmaker_key_get, 0, 0 },	\
	{ GET, p "/challenge/*/solve", certmaker_challenge_solve, 0, 0 }, \
	{ GET, p "/ocsp/**", certmaker_ocsp_get, GH_ROUTE_PUBLIC, 0 },	\
	{ GH_M(GH_POST), p "/ocsp", certmaker_ocsp_post,		\
	    GH_ROUTE_PUBLIC, 0 },					\
	{ GET, p "/crl", certmaker_crl_get, GH_ROUTE_PUBLIC, 0 }

static const struct gh_route routes[] = {
	ROUTES("/api/v1"),
	ROUTES("/api"),
};

/*
 * X-Auth-Token, as documented: missing 401, no account for the token 404,
 * a disabled account 401.
 */
static enum gh_err
certmaker_auth(struct gh_svc *svc, struct gh_req *req, struct gh_res *res)
{
	struct certmaker	*cm = svc->ctx;
	const char		*tok;
	size_t			 len;
	enum gh_err		 err;

	err = gh_auth_xtoken(gh_req_param(req, "HTTP_X_AUTH_TOKEN"), &tok,
	    &len);
	if (err == GH_ENOTFOUND)
		return gh_fail(res, GH_EAUTH, "missing X-Auth-Token");
	if (err == GH_OK)
		err = certmaker_store_user_by_token(cm, tok, len, &cm->user);
	if (err == GH_EINVAL || err == GH_ENOTFOUND)
		return gh_fail(res, GH_ENOTFOUND, "no account for this token");
	if (err != GH_OK)
		return gh_fail(res, err, "token lookup failed");
	if (cm->user.disabled)
		return gh_fail(res, GH_EAUTH, "account disabled");
	req->principal = &cm->user;
	return GH_OK;
}

int
main(void)
{
	struct certmaker	cm;
	struct gh_svc		svc = {
		.name = "certmaker",
		.routes = routes,
		.nroutes = GH_NELEM(routes),
		.auth = certmaker_auth,
		.ctx = &cm,
	};
	char			errbuf[512];
	int			rc;

	gh_log_init("certmaker");
	if (gh_crypto_nodump() != GH_OK)
		return 1;
	if (certmaker_open(&cm, NULL, 0, errbuf, sizeof(errbuf)) != GH_OK) {
		gh_log("%s", errbuf);
		return 1;
	}
	if (cm.ca == NULL)
		gh_log("no root certificate yet: run gatectl certmaker init-ca");
	svc.log_requests = gh_conf_log_requests(&cm.conf);
	rc = gh_serve(&svc);
	certmaker_close(&cm);
	return rc;
}
