/* SPDX-License-Identifier: ISC */
/*
 * certmaker: the private CA's API as a FastCGI program.  This file holds
 * the set-up and the route table; one file per resource.  Every route is
 * served under /api/v1/ (what the original and its clients used) and
 * under /api/ (what the document says).
 */
#include <stdio.h>
#include <string.h>

#include "acme.h"
#include "auth.h"
#include "certmaker.h"
#include "crypto.h"
#include "json.h"
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

/*
 * ACME (RFC 8555), in acme_api.c and beside it: public for serve, since
 * each POST is a JWS that acme_post() checks (nonce, url, key,
 * signature).
 */
#define APOST	GH_M(GH_POST)
#define APUB	GH_ROUTE_PUBLIC
#define ACME_ROUTES							\
	{ GET, "/acme/directory", acme_directory, APUB, 0 },		\
	{ GET, "/acme/new-nonce", acme_new_nonce, APUB, 0 },		\
	{ APOST, "/acme/new-account", acme_new_account, APUB,		\
	    ACME_BODY_MAX },						\
	{ APOST, "/acme/acct/*", acme_account, APUB, ACME_BODY_MAX },	\
	{ APOST, "/acme/acct/*/orders", acme_account_orders, APUB,	\
	    ACME_BODY_MAX },						\
	{ APOST, "/acme/key-change", acme_key_change, APUB,		\
	    ACME_BODY_MAX },						\
	{ APOST, "/acme/new-order", acme_new_order, APUB, ACME_BODY_MAX }, \
	{ APOST, "/acme/order/*", acme_order, APUB, ACME_BODY_MAX },	\
	{ APOST, "/acme/order/*/finalize", acme_finalize, APUB,		\
	    ACME_BODY_MAX },						\
	{ APOST, "/acme/authz/*", acme_authz, APUB, ACME_BODY_MAX },	\
	{ APOST, "/acme/chall/*", acme_challenge, APUB, ACME_BODY_MAX }, \
	{ APOST, "/acme/cert/*", acme_cert, APUB, ACME_BODY_MAX },	\
	{ APOST, "/acme/revoke-cert", acme_revoke, APUB, ACME_BODY_MAX }, \
	{ GET, "/acme/renewal-info/*", acme_renewal_info, APUB, 0 }

static const struct gh_route routes[] = {
	ROUTES("/api/v1"),
	ROUTES("/api"),
	ACME_ROUTES,
};

/* ACME's problem documents under /acme/; elsewhere {"error": "…"}. */
static void
certmaker_error_body(struct gh_svc *svc, struct gh_req *req,
    struct gh_res *res)
{
	struct json_object	*o;

	if (strncmp(req->path, ACME_PATH "/", sizeof(ACME_PATH)) == 0) {
		acme_error_body(svc, req, res);
		return;
	}
	if ((o = json_object_new_object()) == NULL)
		return;
	if (gh_json_add(o, "error", json_object_new_string(res->errmsg)) ==
	    GH_OK)
		gh_res_json(res, res->status, o);
	json_object_put(o);
}

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
		.error_body = certmaker_error_body,
		.ctx = &cm,
	};
	char			errbuf[512];
	int			rc;

	gh_log_init("certmaker");
	if (gh_crypto_nodump() != GH_OK)
		return 1;
	/* GH_DB_LAZY: started while PostgreSQL is down, it answers 503s. */
	if (certmaker_open(&cm, NULL, GH_DB_LAZY, errbuf, sizeof(errbuf)) !=
	    GH_OK) {
		gh_log("%s", errbuf);
		return 1;
	}
	if (cm.ca == NULL && !cm.ca_later)
		gh_log("no root certificate yet: run gatectl certmaker init-ca");
	svc.log_requests = gh_conf_log_requests(&cm.conf);
	rc = gh_serve(&svc);
	certmaker_close(&cm);
	return rc;
}
