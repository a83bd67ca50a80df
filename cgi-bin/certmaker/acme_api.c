/* SPDX-License-Identifier: ISC */
/*
 * acme_api: what certmaker's ACME (RFC 8555) handlers share, and the
 * directory, newNonce and the errors outside the handlers.  Every POST is
 * a JWS checked by acme_post(): media type, JWS syntax, a nonce used up
 * in the database, url equal to the URL requested under the public base
 * URL, jwk or kid as the endpoint takes, the signature, then the payload.
 * Every answer carries a fresh Replay-Nonce and Link rel="index"; every
 * failure is a problem document.  The handlers: acme_account.c (accounts,
 * keyChange), acme_order.c (orders, finalize, authorizations, http-01
 * challenges), acme_cert.c (certificates, revocation, ARI).
 */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "acme.h"
#include "json.h"
#include "log.h"
#include "serve.h"
#include "token.h"

#define PROBLEM_TYPE	"application/problem+json"

void
acme_rq_init(struct acme_rq *q)
{
	memset(q, 0, sizeof(*q));
	acme_account_init(&q->acct);
}

void
acme_rq_free(struct acme_rq *q)
{
	gh_jws_free(q->jws);
	json_object_put(q->payload);
	acme_account_free(&q->acct);
	EVP_PKEY_free(q->key);
}

enum gh_err
acme_problem(struct gh_res *res, int status, const char *type, const char *fmt,
    ...)
{
	struct json_object	*o = NULL;
	char			 detail[512];
	va_list			 ap;
	enum gh_err		 err;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	if ((err = acme_problem_json(type, detail, status, &o)) != GH_OK)
		return err;
	err = gh_res_json(res, status, o);
	json_object_put(o);
	if (err != GH_OK)
		return err;
	res->content_type = PROBLEM_TYPE;
	return GH_EINVAL;
}

/* A handler's result: a problem already answered is GH_OK for serve. */
enum gh_err
acme_done(struct gh_res *res, enum gh_err err)
{
	if (err != GH_OK && res->status >= 400 && res->content_type != NULL &&
	    strcmp(res->content_type, PROBLEM_TYPE) == 0)
		return GH_OK;
	return err;
}

enum gh_err
acme_urlf(char *out, size_t outsz, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(out, outsz, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= outsz) {
		out[0] = '\0';
		return GH_ETOOLONG;
	}
	return GH_OK;
}

/* Store a fresh nonce and name it in Replay-Nonce. */
static enum gh_err
nonce_header(struct certmaker *cm, struct gh_res *res)
{
	unsigned char	b[ACME_NONCE_BYTES];
	char		nonce[ACME_NONCE_LEN + 1];
	enum gh_err	err;

	if ((err = gh_random(b, sizeof(b))) != GH_OK ||
	    (err = gh_b64url_encode(b, sizeof(b), nonce, sizeof(nonce))) !=
	    GH_OK)
		return err;
	if ((err = certmaker_store_acme_nonce_add(cm, nonce,
	    gh_now() + ACME_NONCE_TTL)) != GH_OK)
		return err;
	return gh_res_header(res, "Replay-Nonce", "%s", nonce);
}

/* The origin (base_url or https://Host) and the ACME base under it. */
static enum gh_err
base_urls(struct certmaker *cm, struct gh_req *req, char *origin,
    char *base)
{
	if (cm_base_url(cm, req, origin, ACME_URL_MAX - 64) != GH_OK)
		return GH_EINVAL;
	acme_urlf(base, ACME_URL_MAX, "%s" ACME_PATH, origin);
	return GH_OK;
}

/* Replay-Nonce and Link rel="index": the headers of every ACME answer. */
enum gh_err
acme_begin(struct certmaker *cm, struct gh_req *req, struct gh_res *res,
    struct acme_rq *q)
{
	enum gh_err	err;

	if ((err = nonce_header(cm, res)) != GH_OK)
		return err;
	if (base_urls(cm, req, q->origin, q->base) != GH_OK)
		return acme_problem(res, 400, "malformed", "the Host header is not "
		    "usable in a URL");
	/*
	 * A challenge's link up to its authorization (7.5.1) goes first, in
	 * the same header: Apache merges Link headers into one line anyway,
	 * and clients that read it line by line (uacme, dehydrated) take
	 * the first URL of the line that says rel="up".
	 */
	if (q->up_authz != NULL)
		return gh_res_header(res, "Link", "<%s/authz/%s>;rel=\"up\", "
		    "<%s/directory>;rel=\"index\"", q->base, q->up_authz,
		    q->base);
	return gh_res_header(res, "Link", "<%s/directory>;rel=\"index\"",
	    q->base);
}

/*
 * Check a POST's JWS for the endpoint (see the top of the file); on
 * success q holds the JWS, the key, the payload and, for kid, the
 * account.  Anything else is answered as a problem.
 */
enum gh_err
acme_post(struct certmaker *cm, struct gh_req *req, struct gh_res *res,
    enum acme_keyref ref, struct acme_rq *q)
{
	char			 url[ACME_URL_MAX + GH_PATH_MAX], prefix[ACME_URL_MAX];
	char			 kid_id[ACME_ID_LEN + 1] = "";
	const char		*why = NULL, *type;
	enum gh_jose_err	 jerr;
	enum gh_err		 err;

	if ((err = acme_begin(cm, req, res, q)) != GH_OK)
		return err;
	if (!gh_req_is_type(req, "application/jose+json"))
		return acme_problem(res, 415, "malformed", "Content-Type must be "
		    "application/jose+json");
	jerr = gh_jws_parse(req->body.data ? req->body.data : "",
	    req->body.len, ACME_BODY_MAX, &q->jws, &why);
	if (jerr != GH_JOSE_OK)
		return acme_problem(res, jerr == GH_JOSE_ENOMEM ? 500 : 400,
		    gh_jose_acme_type(jerr), "%s", why ? why :
		    gh_jose_strerror(jerr));
	err = certmaker_store_acme_nonce_use(cm, q->jws->nonce, gh_now());
	if (err == GH_ENOTFOUND)
		return acme_problem(res, 400, "badNonce", "the nonce is unknown, "
		    "used or expired; take the one in Replay-Nonce");
	if (err != GH_OK)
		return err;
	if (acme_urlf(url, sizeof(url), "%s%s", q->origin, req->path) != GH_OK ||
	    acme_urlf(prefix, sizeof(prefix), "%s/acct/", q->base) != GH_OK)
		return acme_problem(res, 400, "malformed", "URL too long");
	if (acme_jws_check(q->jws, ref, url, prefix, kid_id, &type, &why) !=
	    GH_OK)
		return acme_problem(res, strcmp(type, "unauthorized") == 0 ? 401 :
		    400, type, "%s", why);
	if (q->jws->keyref == GH_JWS_KID) {
		err = certmaker_store_acme_account_get(cm, NULL, kid_id,
		    &q->acct);
		if (err == GH_ENOTFOUND)
			return acme_problem(res, 400, "accountDoesNotExist",
			    "no account %s", kid_id);
		if (err != GH_OK)
			return err;
		if (q->acct.status != ACME_VALID)
			return acme_problem(res, 401, "unauthorized", "the account "
			    "is %s", acme_status_names[q->acct.status <
			    ACME_STATUS__MAX ? q->acct.status : ACME_INVALID]);
		jerr = gh_jwk_parse_text(q->acct.jwk.data, q->acct.jwk.len,
		    &q->key, &why);
		if (jerr != GH_JOSE_OK) {
			gh_log("%s: account %s: stored key: %s", __func__,
			    kid_id, why ? why : "?");
			return GH_EDB;
		}
	} else {
		if (!EVP_PKEY_up_ref(q->jws->jwk))
			return GH_ECRYPTO;
		q->key = q->jws->jwk;
	}
	if ((jerr = gh_jws_verify(q->jws, q->key, &why)) != GH_JOSE_OK)
		return acme_problem(res, jerr == GH_JOSE_ECRYPTO ? 500 : 400,
		    gh_jose_acme_type(jerr), "%s", why ? why :
		    gh_jose_strerror(jerr));
	if (q->jws->payload_len > 0 &&
	    (jerr = gh_jws_payload_object(q->jws, &q->payload, &why)) !=
	    GH_JOSE_OK)
		return acme_problem(res, 400, "malformed", "payload: %s",
		    why ? why : "not a JSON object");
	return GH_OK;
}

/* The RFC 3339 time t as a new JSON string. */
struct json_object *
acme_json_time(long long t)
{
	char	s[32];

	acme_time(t, s);
	return json_object_new_string(s);
}

/*
 * Load order name and its authorizations; the status it has now is
 * stored when it moved (pending to ready, or to invalid), so that
 * finalize can rely on the stored "ready".  GH_ENOTFOUND.
 */
enum gh_err
acme_full_load(struct certmaker *cm, const char *name, struct acme_full *f)
{
	enum gh_err	err;
	long long	now = gh_now();

	if ((err = certmaker_store_acme_order_get(cm, name, &f->o)) != GH_OK)
		return err;
	if ((err = certmaker_store_acme_authz_list(cm, f->o.id, f->z,
	    ACME_IDENTS_MAX, &f->nz)) != GH_OK)
		return err;
	f->status = acme_order_status(&f->o, f->z, f->nz, now);
	if (f->status != f->o.status) {
		if ((err = certmaker_store_acme_order_set(cm, f->o.id,
		    f->status, NULL)) != GH_OK)
			return err;
		f->o.status = f->status;
	}
	return GH_OK;
}

/*
 * The resource named in the path if it is the signer's: its own account
 * (401 otherwise), or one of its orders (loaded into out, a struct
 * acme_full) or authorizations (into out, a struct acme_authz); another
 * account's is 404, as one that does not exist.  Problems answered.
 */
enum gh_err
acme_own(struct certmaker *cm, struct gh_req *req, struct gh_res *res,
    const struct acme_rq *q, enum acme_own what, void *out)
{
	struct acme_full	*f = out;
	struct acme_authz	*z = out;
	const char		*name = req->cap[0].s, *noun;
	long long		 owner = 0;
	enum gh_err		 err;

	if (what == ACME_OWN_ACCOUNT) {
		if (strcmp(name, q->acct.name) != 0)
			return acme_problem(res, 401, "unauthorized", "an "
			    "account may only see and change itself");
		return GH_OK;
	}
	noun = what == ACME_OWN_ORDER ? "order" : "authorization";
	if (!acme_id_valid(name, req->cap[0].len))
		err = GH_ENOTFOUND;
	else if (what == ACME_OWN_ORDER) {
		if ((err = acme_full_load(cm, name, f)) == GH_OK)
			owner = f->o.account_id;
	} else if ((err = certmaker_store_acme_authz_get(cm, name, z)) ==
	    GH_OK)
		owner = z->account_id;
	if (err == GH_ENOTFOUND || (err == GH_OK && owner != q->acct.id))
		return acme_problem(res, 404, "malformed", "no such %s", noun);
	return err;
}

/*
 * Answer obj (borrowed) with status, and Location when loc isn't NULL.
 * RFC 8555 wants a Location on some 200s (an existing account, 7.3.1),
 * but mod_fcgid, as CGI prescribes, turns any 200 with a Location into a
 * 302.  Apache's configuration therefore passes GH_LOCATION_200=
 * X-Gatehouse-Location: we name the header so, and mod_headers renames it
 * on the way out.
 */
enum gh_err
acme_answer(struct gh_req *req, struct gh_res *res, int status,
    struct json_object *obj, const char *loc)
{
	const char	*name = "Location", *alt;
	enum gh_err	 err;

	alt = gh_req_param(req, "GH_LOCATION_200");
	if (status == 200 && alt != NULL &&
	    strcmp(alt, "X-Gatehouse-Location") == 0)
		name = alt;
	if (loc != NULL && (err = gh_res_header(res, name, "%s", loc)) !=
	    GH_OK)
		return err;
	return gh_res_json(res, status, obj);
}

/* A base64url DER member of the payload into out. */
enum gh_err
acme_payload_der(struct json_object *payload, const char *key,
    unsigned char *out, size_t outsz, size_t *n)
{
	const char	*s;
	size_t		 len;

	if (payload == NULL ||
	    gh_json_get_string(payload, key, &s, &len) != GH_OK ||
	    gh_jose_b64_decode(s, len, out, outsz, n) != GH_JOSE_OK ||
	    *n == 0)
		return GH_EINVAL;
	return GH_OK;
}

/* --- directory and nonces ------------------------------------------------- */

enum gh_err
acme_directory(struct gh_svc *svc, struct gh_req *req, struct gh_res *res)
{
	struct certmaker	*cm = svc->ctx;
	struct acme_rq		 q;
	struct json_object	*o = NULL, *meta = NULL;
	char			 u[ACME_URL_MAX + 64];
	size_t			 i;
	enum gh_err		 err;
	static const char *const names[][2] = {
		{ "newNonce", "new-nonce" },
		{ "newAccount", "new-account" },
		{ "newOrder", "new-order" },
		{ "revokeCert", "revoke-cert" },
		{ "keyChange", "key-change" },
		{ "renewalInfo", "renewal-info" },
	};

	acme_rq_init(&q);
	if ((err = acme_begin(cm, req, res, &q)) != GH_OK)
		goto out;
	err = GH_ENOMEM;
	if ((o = json_object_new_object()) == NULL ||
	    (meta = json_object_new_object()) == NULL)
		goto out;
	for (i = 0; i < GH_NELEM(names); i++) {
		acme_urlf(u, sizeof(u), "%s/%s", q.base, names[i][1]);
		if ((err = gh_json_add(o, names[i][0],
		    json_object_new_string(u))) != GH_OK)
			goto out;
	}
	if ((err = gh_json_add(meta, "externalAccountRequired",
	    json_object_new_boolean(certmaker_conf_int(&cm->conf,
	    CERTMAKER_CONF_ACME_EAB_REQUIRED) != 0))) != GH_OK ||
	    (err = gh_json_add(meta, "website", json_object_new_string(
	    q.origin))) != GH_OK)
		goto out;
	err = gh_json_add(o, "meta", meta);
	meta = NULL;
	if (err == GH_OK)
		err = gh_res_json(res, 200, o);
out:
	json_object_put(meta);
	json_object_put(o);
	acme_rq_free(&q);
	return acme_done(res, err);
}

enum gh_err
acme_new_nonce(struct gh_svc *svc, struct gh_req *req, struct gh_res *res)
{
	struct certmaker	*cm = svc->ctx;
	struct acme_rq		 q;
	enum gh_err		 err;

	acme_rq_init(&q);
	if ((err = acme_begin(cm, req, res, &q)) == GH_OK) {
		res->secret = 1;	/* Cache-Control: no-store (7.2) */
		/* HEAD 200, GET 204 (7.2); uacme insists on the 204. */
		res->status = req->method == GH_HEAD ? 200 : 204;
	}
	acme_rq_free(&q);
	return acme_done(res, err);
}

/* --- errors outside the handlers -------------------------------------------- */

void
acme_error_body(struct gh_svc *svc, struct gh_req *req, struct gh_res *res)
{
	struct certmaker	*cm = svc->ctx;
	struct json_object	*o = NULL;
	char			 origin[ACME_URL_MAX], base[ACME_URL_MAX];
	const char		*type;

	/* A handler that failed may have named its nonce already. */
	if (res->head.len == 0 || res->head.data == NULL ||
	    memmem(res->head.data, res->head.len, "Replay-Nonce:", 13) ==
	    NULL) {
		if (nonce_header(cm, res) != GH_OK)
			gh_log("%s: no nonce for an error answer", __func__);
		if (base_urls(cm, req, origin, base) == GH_OK)
			gh_res_header(res, "Link", "<%s/directory>;rel=\"index\"",
			    base);
	}
	switch (res->status) {
	case 401:
	case 403:
		type = "unauthorized";
		break;
	case 429:
		type = "rateLimited";
		break;
	default:
		type = res->status >= 500 ? "serverInternal" : "malformed";
		break;
	}
	if (acme_problem_json(type, res->errmsg, res->status, &o) != GH_OK)
		return;
	if (gh_res_json(res, res->status, o) == GH_OK)
		res->content_type = PROBLEM_TYPE;
	json_object_put(o);
}
