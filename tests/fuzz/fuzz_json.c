/* SPDX-License-Identifier: ISC */
/*
 * Fuzz harness for lib/json.c: the strict parser over raw bytes (not
 * NUL-terminated), then the typed getters, the key check and the
 * serialiser over what it accepted; what is serialised must parse again.
 */
#include <json-c/json.h>

#include "fuzz.h"
#include "json.h"

static const char *const keys[] = { "domain", "callback", "installerSecret",
    NULL };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_object	*obj = NULL, *again = NULL, *sub;
	const char		*why, *s, *bad;
	size_t			 len;
	long long		 n;
	int			 b;

	if (gh_json_parse((const char *)data, size, &obj, &why) != GH_OK)
		return 0;
	(void)gh_json_get_string(obj, "domain", &s, &len);
	(void)gh_json_get_int(obj, "days", 1, 825, &n);
	(void)gh_json_get_bool(obj, "admin", &b);
	(void)gh_json_get_array(obj, "domains", &sub);
	(void)gh_json_get_object(obj, "subject", &sub);
	(void)gh_json_only_keys(obj, keys, &bad);
	if (obj != NULL && (s = gh_json_str(obj, &len)) != NULL) {
		/* What we write, we read back. */
		if (gh_json_parse(s, len, &again, &why) != GH_OK)
			abort();
		json_object_put(again);
	}
	json_object_put(obj);
	return 0;
}
