/* SPDX-License-Identifier: ISC */
/*
 * acme_account: ACME accounts (RFC 8555 7.3): newAccount with external
 * account binding, the account itself (update, deactivation), its orders
 * list, and keyChange (key rollover).
 */

#include <stdio.h>
#include <string.h>

#include "acme.h"
#include "json.h"
#include "log.h"
#include "serve.h"
#include "token.h"

#define ORDERS_LIST_MAX	100

static enum gh_err
account_json(const struct acme_rq *q, const struct acme_account *a,
    struct json_object **out)
{
	struct json_object	*o, *contact = NULL;
	char			 url[ACME_URL_MAX + 64];
	enum gh_err		 err;

	if ((o = json_object_new_object()) == NULL)
		return GH_ENOMEM;
	if (gh_json_parse(a->contact.data ? a->contact.data : "[]",
	    a->contact.len ? a->contact.len : 2, &contact, NULL) != GH_OK)
		contact = json_object_new_array();
	acme_urlf(url, sizeof(url), "%s/acct/%s/orders", q->base, a->name);
	if ((err = gh_json_add(o, "status", json_object_new_string(
	    acme_status_names[a->status < ACME_STATUS__MAX ? a->status :
	    ACME_INVALID]))) != GH_OK ||
	    (err = gh_json_add(o, "contact", contact)) != GH_OK ||
	    (err = gh_json_add(o, "orders", json_object_new_string(url))) !=
	    GH_OK ||
	    (err = gh_json_add(o, "createdAt", acme_json_time(a->created))) !=
	    GH_OK) {
		json_object_put(o);
		return err;
	}
	*out = o;
	return GH_OK;
}

/*
 * The external account binding of a newAccount payload (7.3.4), if any:
 * its HMAC over the outer jwk, by an unused key of ours.  *user_id is the
 * key's user, kid its id.  Problems answered.
 */
static enum gh_err
eab_check(struct certmaker *cm, struct gh_res *res, struct acme_rq *q,
    const char *url, long long *user_id, char *kid, size_t kidsz)
{
	struct json_object	*eab;
	struct gh_jws		*inner = NULL;
	struct gh_buf		 sealed, hmac;
	EVP_PKEY		*bound = NULL;
	const char		*why = NULL;
	enum gh_jose_err	 jerr;
	int			 used = 0;
	enum gh_err		 err;

	kid[0] = '\0';
	if (!json_object_object_get_ex(q->payload, "externalAccountBinding",
	    &eab)) {
		if (certmaker_conf_int(&cm->conf, CERTMAKER_CONF_ACME_EAB_REQUIRED))
			return acme_problem(res, 403, "externalAccountRequired",
			    "this server requires an external account "
			    "binding (ask the operator for a key id and "
			    "HMAC key)");
		return GH_OK;
	}
	gh_buf_init(&sealed, 4096);
	gh_buf_init(&hmac, 4096);
	if ((jerr = gh_jws_parse_eab(eab, &inner, &why)) != GH_JOSE_OK) {
		err = acme_problem(res, 400, "malformed", "externalAccountBinding: "
		    "%s", why ? why : gh_jose_strerror(jerr));
		goto out;
	}
	if (strcmp(inner->url, url) != 0) {
		err = acme_problem(res, 400, "malformed", "externalAccountBinding: "
		    "url is not newAccount's");
		goto out;
	}
	if (gh_jwk_parse_text((const char *)inner->payload,
	    inner->payload_len, &bound, &why) != GH_JOSE_OK ||
	    !gh_jwk_equal(bound, q->key)) {
		err = acme_problem(res, 400, "malformed", "externalAccountBinding: "
		    "its payload is not the account key");
		goto out;
	}
	if (strlen(inner->kid) >= kidsz) {
		err = acme_problem(res, 401, "unauthorized", "externalAccountBinding: "
		    "unknown key id");
		goto out;
	}
	err = certmaker_store_acme_eab_get(cm, inner->kid, user_id, &used,
	    &sealed);
	if (err == GH_ENOTFOUND || (err == GH_OK && used)) {
		err = acme_problem(res, 401, "unauthorized", "externalAccountBinding: "
		    "unknown or used key id");
		goto out;
	}
	if (err != GH_OK)
		goto out;
	if ((err = gh_unseal(&cm->key, ACME_EAB_LABEL, sealed.data,
	    sealed.len, &hmac)) != GH_OK)
		goto out;
	if (gh_jws_verify_hs256(inner, hmac.data, hmac.len, &why) !=
	    GH_JOSE_OK) {
		err = acme_problem(res, 401, "unauthorized", "externalAccountBinding: "
		    "the MAC does not verify");
		goto out;
	}
	gh_strlcpy(kid, inner->kid, kidsz);
	err = GH_OK;
out:
	EVP_PKEY_free(bound);
	gh_jws_free(inner);
	gh_buf_free(&sealed);
	gh_buf_free(&hmac);	/* wipes */
	return err;
}

enum gh_err
acme_new_account(struct gh_svc *svc, struct gh_req *req, struct gh_res *res)
{
	struct certmaker	*cm = svc->ctx;
	struct acme_rq		 q;
	struct acme_account	 a;
	struct json_object	*o = NULL, *contact = NULL;
	char			 url[ACME_URL_MAX + 64], why[256];
	const char		*type;
	int			 only = 0;
	enum gh_err		 err;

	acme_rq_init(&q);
	acme_account_init(&a);
	if ((err = acme_post(cm, req, res, ACME_KEY_JWK, &q)) != GH_OK)
		goto out;
	if (q.payload == NULL) {
		err = acme_problem(res, 400, "malformed", "newAccount takes a JSON "
		    "object");
		goto out;
	}
	if (json_object_object_get_ex(q.payload, "onlyReturnExisting", NULL) &&
	    gh_json_get_bool(q.payload, "onlyReturnExisting", &only) !=
	    GH_OK) {
		err = acme_problem(res, 400, "malformed", "onlyReturnExisting: a "
		    "boolean");
		goto out;
	}
	if (gh_jwk_thumbprint(q.key, a.thumbprint) != GH_JOSE_OK) {
		err = GH_ECRYPTO;
		goto out;
	}
	err = certmaker_store_acme_account_get(cm, a.thumbprint, NULL, &a);
	if (err == GH_OK) {
		/* 7.3.1: the existing account, 200 with its Location. */
		if (a.status != ACME_VALID) {
			err = acme_problem(res, 401, "unauthorized", "the account "
			    "of this key is %s", acme_status_names[a.status <
			    ACME_STATUS__MAX ? a.status : ACME_INVALID]);
			goto out;
		}
		acme_urlf(url, sizeof(url), "%s/acct/%s", q.base, a.name);
		if ((err = account_json(&q, &a, &o)) == GH_OK)
			err = acme_answer(req, res, 200, o, url);
		goto out;
	}
	if (err != GH_ENOTFOUND)
		goto out;
	if (only) {
		err = acme_problem(res, 400, "accountDoesNotExist", "no account "
		    "for this key");
		goto out;
	}
	json_object_object_get_ex(q.payload, "contact", &contact);
	if ((err = acme_contact_parse(contact, &a.contact, &type, why,
	    sizeof(why))) != GH_OK) {
		if (err == GH_EINVAL)
			err = acme_problem(res, 400, type, "%s", why);
		goto out;
	}
	if (acme_urlf(url, sizeof(url), "%s%s", q.origin, req->path) != GH_OK) {
		err = acme_problem(res, 400, "malformed", "URL too long");
		goto out;
	}
	if ((err = certmaker_store_acme_default_user(cm, &a.user_id)) !=
	    GH_OK ||
	    (err = eab_check(cm, res, &q, url, &a.user_id, a.eab_kid,
	    sizeof(a.eab_kid))) != GH_OK)
		goto out;
	if (gh_jwk_canonical(q.key, &a.jwk) != GH_JOSE_OK) {
		err = acme_problem(res, 400, "badPublicKey", "this key cannot be "
		    "stored");
		goto out;
	}
	if ((err = acme_id_new(a.name)) != GH_OK)
		goto out;
	a.status = ACME_VALID;
	a.created = gh_now();
	err = certmaker_store_acme_account_add(cm, &a);
	if (err == GH_ECONFLICT) {
		err = acme_problem(res, 409, "malformed", "this key or binding "
		    "was taken meanwhile; try again");
		goto out;
	}
	if (err != GH_OK)
		goto out;
	acme_urlf(url, sizeof(url), "%s/acct/%s", q.base, a.name);
	if ((err = account_json(&q, &a, &o)) == GH_OK)
		err = acme_answer(req, res, 201, o, url);
out:
	json_object_put(o);
	acme_account_free(&a);
	acme_rq_free(&q);
	return acme_done(res, err);
}

enum gh_err
acme_account(struct gh_svc *svc, struct gh_req *req, struct gh_res *res)
{
	struct certmaker	*cm = svc->ctx;
	struct acme_rq		 q;
	struct json_object	*o = NULL, *v;
	const char		*s, *type;
	char			 url[ACME_URL_MAX + 64], why[256];
	enum gh_err		 err;

	acme_rq_init(&q);
	if ((err = acme_post(cm, req, res, ACME_KEY_KID, &q)) != GH_OK ||
	    (err = acme_own(cm, req, res, &q, ACME_OWN_ACCOUNT, NULL)) != GH_OK)
		goto out;
	if (q.payload != NULL) {
		if (json_object_object_get_ex(q.payload, "contact", &v) &&
		    (err = acme_contact_parse(v, &q.acct.contact, &type, why,
		    sizeof(why))) != GH_OK) {
			if (err == GH_EINVAL)
				err = acme_problem(res, 400, type, "%s", why);
			goto out;
		}
		if (json_object_object_get_ex(q.payload, "status", &v)) {
			s = json_object_get_string(v);
			if (!json_object_is_type(v, json_type_string) ||
			    strcmp(s, "deactivated") != 0) {
				err = acme_problem(res, 400, "malformed", "status: "
				    "only \"deactivated\" may be asked for");
				goto out;
			}
			q.acct.status = ACME_DEACTIVATED;
		}
		if ((err = certmaker_store_acme_account_update(cm, &q.acct)) !=
		    GH_OK)
			goto out;
	}
	acme_urlf(url, sizeof(url), "%s/acct/%s", q.base, q.acct.name);
	if ((err = account_json(&q, &q.acct, &o)) == GH_OK)
		err = acme_answer(req, res, 200, o, url);
out:
	json_object_put(o);
	acme_rq_free(&q);
	return acme_done(res, err);
}

struct orders_arg {
	const struct acme_rq	*q;
	struct json_object	*list;
	enum gh_err		 err;
};

static void
orders_add(const struct acme_order *o, const char *account, void *arg)
{
	struct orders_arg	*a = arg;
	char			 url[ACME_URL_MAX + 64];

	(void)account;
	acme_urlf(url, sizeof(url), "%s/order/%s", a->q->base, o->name);
	if (a->err == GH_OK && json_object_array_add(a->list,
	    json_object_new_string(url)) != 0)
		a->err = GH_ENOMEM;
}

enum gh_err
acme_account_orders(struct gh_svc *svc, struct gh_req *req,
    struct gh_res *res)
{
	struct certmaker	*cm = svc->ctx;
	struct acme_rq		 q;
	struct orders_arg	 a;
	struct json_object	*o = NULL;
	enum gh_err		 err;

	acme_rq_init(&q);
	memset(&a, 0, sizeof(a));
	if ((err = acme_post(cm, req, res, ACME_KEY_KID, &q)) != GH_OK ||
	    (err = acme_own(cm, req, res, &q, ACME_OWN_ACCOUNT, NULL)) != GH_OK)
		goto out;
	a.q = &q;
	if ((o = json_object_new_object()) == NULL ||
	    (a.list = json_object_new_array()) == NULL) {
		err = GH_ENOMEM;
		goto out;
	}
	if ((err = certmaker_store_acme_order_list(cm, q.acct.id,
	    ORDERS_LIST_MAX, orders_add, &a)) != GH_OK ||
	    (err = a.err) != GH_OK)
		goto out;
	err = gh_json_add(o, "orders", a.list);
	a.list = NULL;
	if (err == GH_OK)
		err = gh_res_json(res, 200, o);
out:
	json_object_put(a.list);
	json_object_put(o);
	acme_rq_free(&q);
	return acme_done(res, err);
}

enum gh_err
acme_key_change(struct gh_svc *svc, struct gh_req *req, struct gh_res *res)
{
	struct certmaker	*cm = svc->ctx;
	struct acme_rq		 q;
	struct acme_account	 other;
	struct gh_jws		*inner = NULL;
	struct json_object	*p = NULL, *o = NULL, *old;
	EVP_PKEY		*oldkey = NULL;
	const char		*why = NULL, *acct;
	char			 url[ACME_URL_MAX + 64];
	enum gh_jose_err	 jerr;
	enum gh_err		 err;

	acme_rq_init(&q);
	acme_account_init(&other);
	if ((err = acme_post(cm, req, res, ACME_KEY_KID, &q)) != GH_OK)
		goto out;
	if (q.payload == NULL) {
		err = acme_problem(res, 400, "malformed", "keyChange takes a JWS");
		goto out;
	}
	if ((jerr = gh_jws_parse_keychange(q.payload, &inner, &why)) !=
	    GH_JOSE_OK) {
		err = acme_problem(res, 400, gh_jose_acme_type(jerr), "inner JWS: %s",
		    why ? why : gh_jose_strerror(jerr));
		goto out;
	}
	if (strcmp(inner->url, q.jws->url) != 0) {
		err = acme_problem(res, 400, "malformed", "inner JWS: url differs "
		    "from the outer one");
		goto out;
	}
	if ((jerr = gh_jws_verify(inner, inner->jwk, &why)) != GH_JOSE_OK) {
		err = acme_problem(res, 400, gh_jose_acme_type(jerr), "inner JWS: %s",
		    why ? why : gh_jose_strerror(jerr));
		goto out;
	}
	if (gh_jws_payload_object(inner, &p, &why) != GH_JOSE_OK ||
	    gh_json_get_string(p, "account", &acct, NULL) != GH_OK ||
	    !json_object_object_get_ex(p, "oldKey", &old)) {
		err = acme_problem(res, 400, "malformed", "inner payload: account "
		    "and oldKey");
		goto out;
	}
	if (strcmp(acct, q.jws->kid) != 0) {
		err = acme_problem(res, 401, "unauthorized", "inner payload: account "
		    "is not the signer's");
		goto out;
	}
	if (gh_jwk_parse(old, &oldkey, &why) != GH_JOSE_OK ||
	    !gh_jwk_equal(oldkey, q.key)) {
		err = acme_problem(res, 400, "malformed", "inner payload: oldKey is "
		    "not the account's key");
		goto out;
	}
	if (gh_jwk_equal(inner->jwk, q.key)) {
		err = acme_problem(res, 400, "malformed", "the new key is the old "
		    "one");
		goto out;
	}
	if (gh_jwk_thumbprint(inner->jwk, q.acct.thumbprint) != GH_JOSE_OK) {
		err = GH_ECRYPTO;
		goto out;
	}
	/* 7.3.5: a key in use by another account: 409 with its Location. */
	err = certmaker_store_acme_account_get(cm, q.acct.thumbprint, NULL,
	    &other);
	if (err == GH_OK) {
		acme_urlf(url, sizeof(url), "%s/acct/%s", q.base, other.name);
		if ((err = gh_res_header(res, "Location", "%s", url)) == GH_OK)
			err = acme_problem(res, 409, "malformed", "the new key "
			    "belongs to another account");
		goto out;
	}
	if (err != GH_ENOTFOUND)
		goto out;
	gh_buf_reset(&q.acct.jwk);
	if (gh_jwk_canonical(inner->jwk, &q.acct.jwk) != GH_JOSE_OK) {
		err = acme_problem(res, 400, "badPublicKey", "the new key cannot be "
		    "stored");
		goto out;
	}
	err = certmaker_store_acme_account_update(cm, &q.acct);
	if (err == GH_ECONFLICT) {
		err = acme_problem(res, 409, "malformed", "the new key was taken "
		    "meanwhile");
		goto out;
	}
	if (err != GH_OK)
		goto out;
	acme_urlf(url, sizeof(url), "%s/acct/%s", q.base, q.acct.name);
	if ((err = account_json(&q, &q.acct, &o)) == GH_OK)
		err = acme_answer(req, res, 200, o, url);
out:
	json_object_put(o);
	json_object_put(p);
	EVP_PKEY_free(oldkey);
	gh_jws_free(inner);
	acme_account_free(&other);
	acme_rq_free(&q);
	return acme_done(res, err);
}
