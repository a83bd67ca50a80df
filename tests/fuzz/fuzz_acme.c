/* SPDX-License-Identifier: ISC */
/*
 * Fuzz harness for cgi-bin/certmaker/acme.c: what ACME reads from a
 * request beyond lib/jose: the input as a JWS checked against an endpoint
 * (url, jwk or kid, the account id in kid), and as a payload whose
 * identifiers (newOrder) and contact (newAccount) are checked.
 */
#include <stdlib.h>
#include <string.h>

#include "acme.h"
#include "fuzz.h"
#include "json.h"

#define URL	"https://ca.example/acme/new-order"
#define ACCT	"https://ca.example/acme/acct/"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct acme_idents	 ids;	/* 13 KB: not on the stack */
	struct gh_jws			*jws = NULL;
	struct json_object		*o = NULL, *v;
	struct gh_buf			 out;
	char				 kid[ACME_ID_LEN + 1], why[256];
	const char			*type, *w;
	size_t				 i;
	enum acme_keyref		 ref;

	if (gh_jws_parse((const char *)data, size, 0, &jws, &w) ==
	    GH_JOSE_OK) {
		for (ref = ACME_KEY_JWK; ref <= ACME_KEY_EITHER; ref++) {
			kid[0] = '\0';
			if (acme_jws_check(jws, ref, URL, ACCT, kid, &type,
			    &w) == GH_OK && jws->keyref == GH_JWS_KID &&
			    !acme_id_valid(kid, strlen(kid)))
				abort();
		}
		gh_jws_free(jws);
	}
	if (gh_json_parse_object((const char *)data, size, &o, &w) != GH_OK)
		return 0;
	why[0] = '\0';
	if (json_object_object_get_ex(o, "identifiers", &v)) {
		if (acme_idents_parse(v, &ids, &type, why, sizeof(why)) ==
		    GH_OK) {
			if (ids.n == 0 || ids.n > ACME_IDENTS_MAX)
				abort();
			for (i = 0; i < ids.n; i++)
				if (ids.v[i].value[0] == '\0')
					abort();
		} else if (why[0] == '\0' || type == NULL)
			abort();	/* every refusal says why */
	}
	gh_buf_init(&out, 4096);
	if (json_object_object_get_ex(o, "contact", &v) &&
	    acme_contact_parse(v, &out, &type, why, sizeof(why)) == GH_OK &&
	    (out.len < 2 || out.data[0] != '['))
		abort();
	gh_buf_free(&out);
	json_object_put(o);
	return 0;
}
