/* SPDX-License-Identifier: ISC */
/*
 * acme: what certmaker's ACME needs besides HTTP and SQL: the checks of a
 * request's JWS against its endpoint, identifiers and contacts, and the
 * state machine of orders and authorizations (RFC 8555 7.1.6).  Pure
 * functions, so that the unit tests drive them directly.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "acme.h"
#include "json.h"
#include "token.h"

const char *const acme_status_names[ACME_STATUS__MAX] = {
	[ACME_PENDING] = "pending",
	[ACME_READY] = "ready",
	[ACME_PROCESSING] = "processing",
	[ACME_VALID] = "valid",
	[ACME_INVALID] = "invalid",
	[ACME_DEACTIVATED] = "deactivated",
	[ACME_REVOKED] = "revoked",
	[ACME_EXPIRED] = "expired",
};

enum acme_status
acme_status_parse(const char *s)
{
	size_t	i;

	for (i = 0; s != NULL && i < ACME_STATUS__MAX; i++)
		if (strcmp(s, acme_status_names[i]) == 0)
			return (enum acme_status)i;
	return ACME_STATUS__MAX;
}

void
acme_account_init(struct acme_account *a)
{
	memset(a, 0, sizeof(*a));
	gh_buf_init(&a->jwk, GH_JOSE_HEADER_MAX);
	gh_buf_init(&a->contact, 4096);
}

void
acme_account_free(struct acme_account *a)
{
	if (a == NULL)
		return;
	gh_buf_free(&a->jwk);
	gh_buf_free(&a->contact);
}

enum gh_err
acme_id_new(char out[ACME_ID_LEN + 1])
{
	unsigned char	b[ACME_ID_BYTES];
	enum gh_err	err;

	if ((err = gh_random(b, sizeof(b))) != GH_OK)
		return err;
	return gh_b64url_encode(b, sizeof(b), out, ACME_ID_LEN + 1);
}

int
acme_id_valid(const char *s, size_t len)
{
	return len == ACME_ID_LEN && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-_") == len;
}

/* Add one identifier unless it is there already. */
static void
ident_add(struct acme_idents *out, enum acme_ident type, const char *value)
{
	size_t	i;

	for (i = 0; i < out->n; i++)
		if (out->v[i].type == type &&
		    strcmp(out->v[i].value, value) == 0)
			return;
	out->v[out->n].type = type;
	gh_strlcpy(out->v[out->n].value, value, sizeof(out->v[0].value));
	out->n++;
}

enum gh_err
acme_idents_parse(struct json_object *arr, struct acme_idents *out,
    const char **type, char *why, size_t whysz)
{
	static const char *const keys[] = { "type", "value", NULL };
	struct cm_request	*r = NULL;
	struct json_object	*id;
	const char		*t, *v, *bad;
	char			 text[INET6_ADDRSTRLEN];
	size_t			 i, n, tlen, vlen;
	enum gh_err		 err = GH_EINVAL;

	*type = "malformed";
	out->n = 0;
	if (!json_object_is_type(arr, json_type_array) ||
	    (n = json_object_array_length(arr)) == 0) {
		snprintf(why, whysz, "identifiers: a non-empty array");
		return GH_EINVAL;
	}
	if (n > ACME_IDENTS_MAX) {
		*type = "rejectedIdentifier";
		snprintf(why, whysz, "at most %d identifiers", ACME_IDENTS_MAX);
		return GH_EINVAL;
	}
	/* A cm_request is large: one on the heap checks every name. */
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return GH_ENOMEM;
	cm_request_init(r);
	for (i = 0; i < n; i++) {
		id = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(id, json_type_object) ||
		    gh_json_only_keys(id, keys, &bad) != GH_OK ||
		    gh_json_get_string(id, "type", &t, &tlen) != GH_OK ||
		    gh_json_get_string(id, "value", &v, &vlen) != GH_OK) {
			snprintf(why, whysz, "identifier %zu: an object with "
			    "string type and value", i);
			goto out;
		}
		if (strcmp(t, "dns") == 0) {
			if (vlen > 0 && v[0] == '*') {
				*type = "rejectedIdentifier";
				snprintf(why, whysz, "identifier %zu: no "
				    "wildcards (http-01 cannot prove them)", i);
				goto out;
			}
			r->ndns = 0;
			if (cm_request_add_dns(r, v, vlen, why, whysz) !=
			    GH_OK) {
				*type = "rejectedIdentifier";
				goto out;
			}
			ident_add(out, ACME_DNS, r->dns[0]);
		} else if (strcmp(t, "ip") == 0) {
			r->nip = 0;
			if (cm_request_add_ip(r, v, vlen, why, whysz) !=
			    GH_OK) {
				*type = "rejectedIdentifier";
				goto out;
			}
			/* RFC 8738 3: the canonical text form. */
			if (inet_ntop(r->ip[0].len == 4 ? AF_INET : AF_INET6,
			    r->ip[0].addr, text, sizeof(text)) == NULL) {
				err = GH_EINTERNAL;
				goto out;
			}
			ident_add(out, ACME_IP, text);
		} else {
			*type = "unsupportedIdentifier";
			snprintf(why, whysz, "identifier %zu: type \"dns\" or "
			    "\"ip\"", i);
			goto out;
		}
	}
	err = GH_OK;
out:
	free(r);
	return err;
}

enum gh_err
acme_contact_parse(struct json_object *arr, struct gh_buf *out,
    const char **type, char *why, size_t whysz)
{
	struct json_object	*list = NULL, *c;
	struct cm_request	*r = NULL;
	const char		*s, *js;
	size_t			 i, n, len;
	enum gh_err		 err = GH_EINVAL;

	*type = "invalidContact";
	gh_buf_reset(out);
	if (arr == NULL)
		return gh_buf_puts(out, "[]");
	if (!json_object_is_type(arr, json_type_array)) {
		*type = "malformed";
		snprintf(why, whysz, "contact: an array of URLs");
		return GH_EINVAL;
	}
	if ((n = json_object_array_length(arr)) > ACME_CONTACTS_MAX) {
		snprintf(why, whysz, "at most %d contacts", ACME_CONTACTS_MAX);
		return GH_EINVAL;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL ||
	    (list = json_object_new_array()) == NULL) {
		err = GH_ENOMEM;
		goto out;
	}
	cm_request_init(r);
	for (i = 0; i < n; i++) {
		c = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(c, json_type_string)) {
			*type = "malformed";
			snprintf(why, whysz, "contact %zu: a string", i);
			goto out;
		}
		s = json_object_get_string(c);
		len = (size_t)json_object_get_string_len(c);
		if (len < 7 || strncasecmp(s, "mailto:", 7) != 0) {
			*type = "unsupportedContact";
			snprintf(why, whysz, "contact %zu: only mailto: URLs",
			    i);
			goto out;
		}
		/* One plain address: no hfields, no second address. */
		if (memchr(s, '?', len) != NULL || memchr(s, ',', len) != NULL ||
		    len > ACME_CONTACT_MAX) {
			snprintf(why, whysz, "contact %zu: one address, no "
			    "header fields", i);
			goto out;
		}
		r->nemail = 0;
		if (cm_request_add_email(r, s + 7, len - 7, why, whysz) !=
		    GH_OK)
			goto out;
		if (json_object_array_add(list,
		    json_object_new_string_len(s, (int)len)) != 0) {
			err = GH_ENOMEM;
			goto out;
		}
	}
	js = json_object_to_json_string_ext(list, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
	err = gh_buf_puts(out, js);
out:
	json_object_put(list);
	free(r);
	return err;
}

enum acme_status
acme_authz_status(const struct acme_authz *z, long long now)
{
	if ((z->status == ACME_PENDING || z->status == ACME_VALID) &&
	    z->expires < now)
		return ACME_EXPIRED;
	return z->status;
}

enum acme_status
acme_order_status(const struct acme_order *o, const struct acme_authz *z,
    size_t nz, long long now)
{
	size_t	i, valid = 0;

	switch (o->status) {
	case ACME_VALID:
	case ACME_INVALID:
		return o->status;
	case ACME_PROCESSING:
		/* Issuance is under way: it ends valid or invalid. */
		return o->expires < now ? ACME_INVALID : ACME_PROCESSING;
	default:
		break;
	}
	if (o->expires < now)
		return ACME_INVALID;
	for (i = 0; i < nz; i++) {
		switch (acme_authz_status(&z[i], now)) {
		case ACME_VALID:
			valid++;
			break;
		case ACME_PENDING:
			break;
		default:
			return ACME_INVALID;
		}
	}
	return nz > 0 && valid == nz ? ACME_READY : ACME_PENDING;
}

enum gh_err
acme_jws_check(const struct gh_jws *jws, enum acme_keyref ref,
    const char *want_url, const char *acct_prefix,
    char kid_id[ACME_ID_LEN + 1], const char **type, const char **why)
{
	size_t	plen;

	*type = "malformed";
	if (strcmp(jws->url, want_url) != 0) {
		*type = "unauthorized";
		*why = "the JWS url is not this request's URL";
		return GH_EINVAL;
	}
	if (ref == ACME_KEY_JWK && jws->keyref != GH_JWS_JWK) {
		*why = "this request must be signed with a jwk, not a kid";
		return GH_EINVAL;
	}
	if (ref == ACME_KEY_KID && jws->keyref != GH_JWS_KID) {
		*why = "this request must name its account with kid, not jwk";
		return GH_EINVAL;
	}
	if (jws->keyref == GH_JWS_KID) {
		plen = strlen(acct_prefix);
		if (strncmp(jws->kid, acct_prefix, plen) != 0 ||
		    !acme_id_valid(jws->kid + plen, strlen(jws->kid + plen))) {
			*type = "accountDoesNotExist";
			*why = "kid is not an account URL of this server";
			return GH_EINVAL;
		}
		gh_strlcpy(kid_id, jws->kid + plen, ACME_ID_LEN + 1);
	}
	return GH_OK;
}

enum gh_err
acme_problem_json(const char *type, const char *detail, int status,
    struct json_object **out)
{
	struct json_object	*o;
	char			 t[128];
	enum gh_err		 err;

	if ((o = json_object_new_object()) == NULL)
		return GH_ENOMEM;
	snprintf(t, sizeof(t), ACME_ERR_PREFIX "%s", type);
	if ((err = gh_json_add(o, "type", json_object_new_string(t))) !=
	    GH_OK ||
	    (err = gh_json_add(o, "detail", json_object_new_string(detail))) !=
	    GH_OK ||
	    (err = gh_json_add(o, "status", json_object_new_int(status))) !=
	    GH_OK) {
		json_object_put(o);
		return err;
	}
	*out = o;
	return GH_OK;
}

void
acme_time(long long t, char out[32])
{
	gh_time_rfc3339(t, out);
}
