/* SPDX-License-Identifier: ISC */
/*
 * domain: GET /v1/domain/<domain>, is the name free to register?
 */
#include "factory.h"
#include "serve.h"

static const char	available_json[] = "{\"available\": true}";
static const char	taken_json[] = "{\"available\": false}";

enum gh_err
factory_domain_get(struct gh_svc *svc, struct gh_req *req, struct gh_res *res)
{
	struct factory	*f = svc->ctx;
	char		 domain[GH_DOMAIN_MAX + 1];
	const char	*why;
	enum gh_err	 err;
	int		 available;

	if (gh_valid_domain(req->cap[0].s, req->cap[0].len, domain,
	    sizeof(domain), &why) != GH_OK)
		return gh_fail(res, GH_EINVAL, "invalid domain name: %s", why);
	if ((err = registrar_check(f, domain, &available)) != GH_OK)
		return gh_fail(res, err, "domain check service unavailable");
	if (available)
		return gh_res_text(res, 200, "application/json",
		    available_json, sizeof(available_json) - 1);
	return gh_res_text(res, 200, "application/json", taken_json,
	    sizeof(taken_json) - 1);
}
