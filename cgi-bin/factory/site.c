/* SPDX-License-Identifier: ISC */
/*
 * site: POST /v1/site orders a site; GET /v1/site/<domain> shows the order.
 * An order is committed durably before its 201; provisioning and the
 * callback happen later, in the worker, which a new order wakes at once.
 */
#include <string.h>

#include <json-c/json.h>

#include "factory.h"
#include "json.h"
#include "serve.h"

/* The order as the client sees it: never its installerSecret. */
static enum gh_err
order_json(struct gh_res *res, int status, const struct factory_order *o)
{
	struct json_object	*obj;
	char			 created[32], updated[32];
	enum gh_err		 err;

	if ((obj = json_object_new_object()) == NULL)
		return GH_ENOMEM;
	gh_time_rfc3339(o->created, created);
	gh_time_rfc3339(o->updated, updated);
	if ((err = gh_json_add(obj, "domain",
	    json_object_new_string(o->domain))) != GH_OK ||
	    (err = gh_json_add(obj, "state",
	    json_object_new_string(order_state_names[o->state]))) != GH_OK ||
	    (err = gh_json_add(obj, "callback",
	    json_object_new_string(o->callback))) != GH_OK ||
	    (err = gh_json_add(obj, "callbackState",
	    json_object_new_string(
	    callback_state_names[o->callback_state]))) != GH_OK ||
	    (err = gh_json_add(obj, "created",
	    json_object_new_string(created))) != GH_OK ||
	    (err = gh_json_add(obj, "updated",
	    json_object_new_string(updated))) != GH_OK)
		goto out;
	err = gh_res_json(res, status, obj);
out:
	json_object_put(obj);
	return err;
}

enum gh_err
factory_site_post(struct gh_svc *svc, struct gh_req *req, struct gh_res *res)
{
	struct factory		*f = svc->ctx;
	struct factory_req	*rq = req->ctx;
	struct factory_order	 order;
	struct factory_order_req o;
	struct json_object	*body = NULL;
	enum gh_err		 err;
	int			 available, same;

	if (gh_req_param(req, "CONTENT_TYPE") != NULL &&
	    !gh_req_is_type(req, "application/json"))
		return gh_fail(res, GH_EMEDIA,
		    "Content-Type must be application/json");
	if ((err = factory_order_parse(req->body.data ? req->body.data : "",
	    req->body.len, (int)factory_conf_int(&f->conf,
	    FACTORY_CONF_ALLOW_HTTP_CALLBACK), &o, &body, res)) != GH_OK)
		return err;

	/* A repeat is answered from the store; only a new name asks the registrar. */
	err = factory_store_order_get(f, o.domain, &order);
	if (err == GH_ENOTFOUND) {
		if ((err = registrar_check(f, o.domain, &available)) != GH_OK) {
			gh_fail(res, err, "domain registration service unavailable");
			goto out;
		}
		if (!available) {
			err = gh_fail(res, GH_ECONFLICT, "domain not available");
			goto out;
		}
		err = factory_store_order_add(f, rq->client.id, o.domain,
		    o.callback, o.secret, o.secretlen, &order, &same);
	} else if (err == GH_OK) {
		if ((err = factory_store_order_same(f, &order, rq->client.id,
		    o.secret, o.secretlen, &same)) == GH_OK)
			err = GH_ECONFLICT;
	}
	if (err == GH_ECONFLICT && !same) {
		gh_fail(res, err, "domain already ordered");
		goto out;
	}
	if (err != GH_OK && err != GH_ECONFLICT) {
		gh_fail(res, err, "cannot look up or store the order");
		goto out;
	}
	/*
	 * Committed: a worker is nudged (or started) as soon as the 201 is out,
	 * by factory_after() in main.c, so the callback cannot overtake it.
	 */
	if (err == GH_OK)
		rq->wake_after = 1;
	if ((err = gh_res_header(res, "Location", "/v1/site/%s",
	    order.domain)) == GH_OK)
		err = order_json(res, 201, &order);
out:
	json_object_put(body);
	return err;
}

enum gh_err
factory_site_get(struct gh_svc *svc, struct gh_req *req, struct gh_res *res)
{
	struct factory		*f = svc->ctx;
	struct factory_req	*rq = req->ctx;
	struct factory_order	 order;
	char			 domain[GH_DOMAIN_MAX + 1];
	const char		*why;
	enum gh_err		 err;

	if (gh_valid_domain(req->cap[0].s, req->cap[0].len, domain,
	    sizeof(domain), &why) != GH_OK)
		return gh_fail(res, GH_EINVAL, "invalid domain name: %s", why);
	err = factory_store_order_get(f, domain, &order);
	/* Another client's order is none of this client's business. */
	if (err == GH_ENOTFOUND ||
	    (err == GH_OK && order.client_id != rq->client.id))
		return gh_fail(res, GH_ENOTFOUND, "no order for %s", domain);
	if (err != GH_OK)
		return gh_fail(res, err, "order lookup failed");
	return order_json(res, 200, &order);
}
