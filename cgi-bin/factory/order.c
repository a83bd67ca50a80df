/* SPDX-License-Identifier: ISC */
/*
 * order: the checks of a site order's JSON body (POST /v1/site), apart
 * from the handler so that they run without a database (the fuzz harness
 * tests/fuzz/fuzz_factory_order.c drives them as the handler does).
 */
#include <string.h>

#include <json-c/json.h>

#include "factory.h"
#include "json.h"
#include "req.h"

static const char *const order_keys[] = {
	"domain", "callback", "installerSecret", NULL
};

/* A string field that must be present; its own message when it is not. */
static enum gh_err
need_string(struct gh_res *res, struct json_object *body, const char *key,
    const char **out, size_t *len)
{
	enum gh_err	err;

	err = gh_json_get_string(body, key, out, len);
	if (err == GH_ENOTFOUND)
		return gh_fail(res, GH_EINVAL, "%s: missing", key);
	if (err != GH_OK)
		return gh_fail(res, GH_EINVAL, "%s: must be a string", key);
	if (memchr(*out, '\0', *len) != NULL)
		return gh_fail(res, GH_EINVAL, "%s: contains a NUL byte", key);
	return GH_OK;
}

enum gh_err
factory_order_parse(const char *s, size_t len, int allow_http,
    struct factory_order_req *o, struct json_object **out,
    struct gh_res *res)
{
	struct json_object	*body = NULL;
	const char		*why, *bad, *name;
	size_t			 namelen;
	enum gh_err		 err;

	if (gh_json_parse_object(s, len, &body, &why) != GH_OK)
		return gh_fail(res, GH_EINVAL, "body: %s", why);
	if (gh_json_only_keys(body, order_keys, &bad) != GH_OK) {
		err = gh_fail(res, GH_EINVAL, "body: unknown field \"%.64s\"",
		    bad);
		goto fail;
	}
	if ((err = need_string(res, body, "domain", &name, &namelen)) != GH_OK ||
	    (err = need_string(res, body, "callback", &o->callback,
	    &o->cblen)) != GH_OK ||
	    (err = need_string(res, body, "installerSecret", &o->secret,
	    &o->secretlen)) != GH_OK)
		goto fail;
	if (gh_valid_domain(name, namelen, o->domain, sizeof(o->domain),
	    &why) != GH_OK) {
		err = gh_fail(res, GH_EINVAL, "domain: %s", why);
		goto fail;
	}
	if (gh_valid_url(o->callback, o->cblen, allow_http, &why) != GH_OK) {
		err = gh_fail(res, GH_EINVAL, "callback: %s", why);
		goto fail;
	}
	if (o->secretlen == 0 || o->secretlen > FACTORY_SECRET_MAX) {
		err = gh_fail(res, GH_EINVAL,
		    "installerSecret: must be 1 to %d bytes", FACTORY_SECRET_MAX);
		goto fail;
	}
	*out = body;
	return GH_OK;
fail:
	json_object_put(body);
	return err;
}
