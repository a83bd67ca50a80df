/* SPDX-License-Identifier: ISC */
/*
 * Fuzz harness for cgi-bin/factory/order.c: the JSON body of POST /v1/site
 * (domain, callback, installerSecret) through factory_order_parse(), with
 * and without http:// callbacks allowed.  An accepted order must carry a
 * domain, a callback and a secret within their bounds; a refused one a
 * 400 message.
 */
#include <string.h>

#include <json-c/json.h>

#include "factory.h"
#include "fuzz.h"
#include "req.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct factory_order_req	 o;
	struct json_object		*body;
	struct gh_res			 res;
	int				 allow_http;

	gh_res_init(&res);
	for (allow_http = 0; allow_http <= 1; allow_http++) {
		body = NULL;
		gh_res_reset(&res);
		if (factory_order_parse((const char *)data, size, allow_http,
		    &o, &body, &res) == GH_OK) {
			if (body == NULL || o.domain[0] == '\0' ||
			    strlen(o.domain) > GH_DOMAIN_MAX || o.cblen == 0 ||
			    o.secretlen == 0 || o.secretlen > FACTORY_SECRET_MAX)
				abort();
			json_object_put(body);
		} else if (res.err != GH_EINVAL || res.errmsg[0] == '\0')
			abort();
	}
	gh_res_free(&res);
	return 0;
}
