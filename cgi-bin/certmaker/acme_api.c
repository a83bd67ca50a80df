/* SPDX-License-Identifier: ISC */
/*
 * acme_api: the ACME (RFC 8555) resources of certmaker.  Every POST is a
 * JWS checked by acme_post(): media type, JWS syntax, a nonce used up in
 * the database, url equal to the URL requested under the public base URL,
 * jwk or kid as the endpoint takes, the signature, then the payload.
 * Every answer carries a fresh Replay-Nonce and Link rel="index"; every
 * failure is a problem document.  http-01 validation runs in the
 * challenge POST itself, bounded by the challenge timeouts; issuance runs
 * in finalize, in one transaction with the order.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "acme.h"
#include "json.h"
#include "log.h"
#include "serve.h"
#include "token.h"

#define PROBLEM_TYPE	"application/problem+json"
#define PEM_CHAIN_TYPE	"application/pem-certificate-chain"
#define WELL_KNOWN	"/.well-known/acme-challenge/"
#define DER_MAX		(16 * 1024)	/* a CSR or certificate */
#define ORDERS_LIST_MAX	100

/* One ACME request: what acme_post() checked, owned here. */
struct acme_rq {
	struct gh_jws		*jws;
	struct json_object	*payload;	/* NULL: POST-as-GET */
	struct acme_account	 acct;		/* kid requests: the signer */
	EVP_PKEY		*key;		/* the verifying key (owned ref) */
	char			 origin[ACME_URL_MAX];	/* https://host */
	char			 base[ACME_URL_MAX];	/* origin + /acme */
	const char		*up_authz;	/* challenges: their authz */
};

static void
rq_init(struct acme_rq *q)
{
	memset(q, 0, sizeof(*q));
	acme_account_init(&q->acct);
}

static void
rq_free(struct acme_rq *q)
{
	gh_jws_free(q->jws);
	json_object_put(q->payload);
	acme_account_free(&q->acct);
	EVP_PKEY_free(q->key);
}

/*
 * Answer a problem document and return GH_EINVAL, which tells the
 * handler that res is answered (see done()).
 */
static enum gh_err
problem(struct gh_res *res, int status, const char *type, const char *fmt,
    ...) __attribute__((format(printf, 4, 5)));

static enum gh_err
problem(struct gh_res *res, int status, const char *type, const char *fmt,
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
static enum gh_err
done(struct gh_res *res, enum gh_err err)
{
	if (err != GH_OK && res->status >= 400 && res->content_type != NULL &&
	    strcmp(res->content_type, PROBLEM_TYPE) == 0)
		return GH_OK;
	return err;
}

/*
 * Format a URL (or a path, host, key authorization) into out.
 * GH_ETOOLONG if it does not fit.  Our buffers are sized for the longest
 * origin cm_base_url() gives (ACME_URL_MAX - 64) plus our own segments,
 * so only a URL that holds the request's path can overflow; callers
 * that format one check.
 */
static enum gh_err
urlf(char *out, size_t outsz, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static enum gh_err
urlf(char *out, size_t outsz, const char *fmt, ...)
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
	urlf(base, ACME_URL_MAX, "%s" ACME_PATH, origin);
	return GH_OK;
}

/* Replay-Nonce and Link rel="index": the headers of every ACME answer. */
static enum gh_err
acme_begin(struct certmaker *cm, struct gh_req *req, struct gh_res *res,
    struct acme_rq *q)
{
	enum gh_err	err;

	if ((err = nonce_header(cm, res)) != GH_OK)
		return err;
	if (base_urls(cm, req, q->origin, q->base) != GH_OK)
		return problem(res, 400, "malformed", "the Host header is not "
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
static enum gh_err
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
		return problem(res, 415, "malformed", "Content-Type must be "
		    "application/jose+json");
	jerr = gh_jws_parse(req->body.data ? req->body.data : "",
	    req->body.len, ACME_BODY_MAX, &q->jws, &why);
	if (jerr != GH_JOSE_OK)
		return problem(res, jerr == GH_JOSE_ENOMEM ? 500 : 400,
		    gh_jose_acme_type(jerr), "%s", why ? why :
		    gh_jose_strerror(jerr));
	err = certmaker_store_acme_nonce_use(cm, q->jws->nonce, gh_now());
	if (err == GH_ENOTFOUND)
		return problem(res, 400, "badNonce", "the nonce is unknown, "
		    "used or expired; take the one in Replay-Nonce");
	if (err != GH_OK)
		return err;
	if (urlf(url, sizeof(url), "%s%s", q->origin, req->path) != GH_OK ||
	    urlf(prefix, sizeof(prefix), "%s/acct/", q->base) != GH_OK)
		return problem(res, 400, "malformed", "URL too long");
	if (acme_jws_check(q->jws, ref, url, prefix, kid_id, &type, &why) !=
	    GH_OK)
		return problem(res, strcmp(type, "unauthorized") == 0 ? 401 :
		    400, type, "%s", why);
	if (q->jws->keyref == GH_JWS_KID) {
		err = certmaker_store_acme_account_get(cm, NULL, kid_id,
		    &q->acct);
		if (err == GH_ENOTFOUND)
			return problem(res, 400, "accountDoesNotExist",
			    "no account %s", kid_id);
		if (err != GH_OK)
			return err;
		if (q->acct.status != ACME_VALID)
			return problem(res, 401, "unauthorized", "the account "
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
		return problem(res, jerr == GH_JOSE_ECRYPTO ? 500 : 400,
		    gh_jose_acme_type(jerr), "%s", why ? why :
		    gh_jose_strerror(jerr));
	if (q->jws->payload_len > 0 &&
	    (jerr = gh_jws_payload_object(q->jws, &q->payload, &why)) !=
	    GH_JOSE_OK)
		return problem(res, 400, "malformed", "payload: %s",
		    why ? why : "not a JSON object");
	return GH_OK;
}

/* The RFC 3339 time t as a new JSON string. */
static struct json_object *
json_time(long long t)
{
	char	s[32];

	acme_time(t, s);
	return json_object_new_string(s);
}

/* A stored problem document as JSON (NULL if none or unreadable). */
static struct json_object *
json_problem(const char *text)
{
	struct json_object	*o = NULL;

	if (text[0] == '\0' || gh_json_parse_object(text, strlen(text), &o,
	    NULL) != GH_OK)
		return NULL;
	return o;
}

/* A problem document as text into out (for storing). */
static void
problem_text(const char *type, const char *detail, int status, char *out,
    size_t outsz)
{
	struct json_object	*o;

	out[0] = '\0';
	if (acme_problem_json(type, detail, status, &o) != GH_OK)
		return;
	gh_strlcpy(out, json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE), outsz);
	json_object_put(o);
}

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
	urlf(url, sizeof(url), "%s/acct/%s/orders", q->base, a->name);
	if ((err = gh_json_add(o, "status", json_object_new_string(
	    acme_status_names[a->status < ACME_STATUS__MAX ? a->status :
	    ACME_INVALID]))) != GH_OK ||
	    (err = gh_json_add(o, "contact", contact)) != GH_OK ||
	    (err = gh_json_add(o, "orders", json_object_new_string(url))) !=
	    GH_OK ||
	    (err = gh_json_add(o, "createdAt", json_time(a->created))) !=
	    GH_OK) {
		json_object_put(o);
		return err;
	}
	*out = o;
	return GH_OK;
}

static const char *const ident_types[] = { "dns", "ip" };

static struct json_object *
ident_json(enum acme_ident type, const char *value)
{
	struct json_object	*o;

	if ((o = json_object_new_object()) == NULL)
		return NULL;
	if (gh_json_add(o, "type", json_object_new_string(ident_types[type]))
	    != GH_OK ||
	    gh_json_add(o, "value", json_object_new_string(value)) != GH_OK) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static enum gh_err
chall_json(const struct acme_rq *q, const struct acme_authz *z,
    struct json_object **out)
{
	struct json_object	*o, *e;
	char			 url[ACME_URL_MAX + 64];
	enum gh_err		 err;

	if ((o = json_object_new_object()) == NULL)
		return GH_ENOMEM;
	urlf(url, sizeof(url), "%s/chall/%s", q->base, z->name);
	if ((err = gh_json_add(o, "type", json_object_new_string("http-01")))
	    != GH_OK ||
	    (err = gh_json_add(o, "url", json_object_new_string(url))) !=
	    GH_OK ||
	    (err = gh_json_add(o, "token", json_object_new_string(z->token)))
	    != GH_OK ||
	    (err = gh_json_add(o, "status", json_object_new_string(
	    acme_status_names[z->chall]))) != GH_OK ||
	    (z->validated > 0 && (err = gh_json_add(o, "validated",
	    json_time(z->validated))) != GH_OK))
		goto fail;
	if ((e = json_problem(z->error)) != NULL &&
	    (err = gh_json_add(o, "error", e)) != GH_OK)
		goto fail;
	*out = o;
	return GH_OK;
fail:
	json_object_put(o);
	return err;
}

static enum gh_err
authz_json(const struct acme_rq *q, const struct acme_authz *z,
    long long now, struct json_object **out)
{
	struct json_object	*o, *list = NULL, *c = NULL;
	enum gh_err		 err;

	if ((o = json_object_new_object()) == NULL)
		return GH_ENOMEM;
	if ((err = gh_json_add(o, "identifier", ident_json(z->type,
	    z->value))) != GH_OK ||
	    (err = gh_json_add(o, "status", json_object_new_string(
	    acme_status_names[acme_authz_status(z, now)]))) != GH_OK ||
	    (err = gh_json_add(o, "expires", json_time(z->expires))) != GH_OK)
		goto fail;
	if ((list = json_object_new_array()) == NULL ||
	    (err = chall_json(q, z, &c)) != GH_OK ||
	    json_object_array_add(list, c) != 0) {
		json_object_put(c);
		json_object_put(list);
		err = err != GH_OK ? err : GH_ENOMEM;
		goto fail;
	}
	if ((err = gh_json_add(o, "challenges", list)) != GH_OK)
		goto fail;
	*out = o;
	return GH_OK;
fail:
	json_object_put(o);
	return err;
}

/* An order with its authorizations, its status brought up to date. */
struct acme_full {
	struct acme_order	o;
	struct acme_authz	z[ACME_IDENTS_MAX];
	size_t			nz;
	enum acme_status	status;		/* now */
};

/*
 * Load order name and its authorizations; the status it has now is
 * stored when it moved (pending to ready, or to invalid), so that
 * finalize can rely on the stored "ready".  GH_ENOTFOUND.
 */
static enum gh_err
full_load(struct certmaker *cm, const char *name, struct acme_full *f)
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

static enum gh_err
order_json(const struct acme_rq *q, const struct acme_full *f,
    struct json_object **out)
{
	struct json_object	*o, *ids = NULL, *authz = NULL, *e;
	char			 url[ACME_URL_MAX + 64];
	size_t			 i;
	enum gh_err		 err;

	if ((o = json_object_new_object()) == NULL)
		return GH_ENOMEM;
	if ((err = gh_json_add(o, "status", json_object_new_string(
	    acme_status_names[f->status]))) != GH_OK ||
	    (err = gh_json_add(o, "expires", json_time(f->o.expires))) !=
	    GH_OK)
		goto fail;
	err = GH_ENOMEM;
	if ((ids = json_object_new_array()) == NULL ||
	    (authz = json_object_new_array()) == NULL)
		goto fail_lists;
	for (i = 0; i < f->nz; i++) {
		urlf(url, sizeof(url), "%s/authz/%s", q->base,
		    f->z[i].name);
		if (json_object_array_add(ids, ident_json(f->z[i].type,
		    f->z[i].value)) != 0 ||
		    json_object_array_add(authz,
		    json_object_new_string(url)) != 0)
			goto fail_lists;
	}
	err = gh_json_add(o, "identifiers", ids);
	ids = NULL;
	if (err != GH_OK)
		goto fail_lists;
	err = gh_json_add(o, "authorizations", authz);
	authz = NULL;
	if (err != GH_OK)
		goto fail;
	urlf(url, sizeof(url), "%s/order/%s/finalize", q->base,
	    f->o.name);
	if ((err = gh_json_add(o, "finalize", json_object_new_string(url))) !=
	    GH_OK)
		goto fail;
	if (f->status == ACME_VALID && f->o.serial[0] != '\0') {
		urlf(url, sizeof(url), "%s/cert/%s", q->base, f->o.serial);
		if ((err = gh_json_add(o, "certificate",
		    json_object_new_string(url))) != GH_OK)
			goto fail;
	}
	if (f->o.replaces[0] != '\0' && (err = gh_json_add(o, "replaces",
	    json_object_new_string(f->o.replaces))) != GH_OK)
		goto fail;
	if ((e = json_problem(f->o.error)) != NULL &&
	    (err = gh_json_add(o, "error", e)) != GH_OK)
		goto fail;
	*out = o;
	return GH_OK;
fail_lists:
	json_object_put(ids);
	json_object_put(authz);
fail:
	json_object_put(o);
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
static enum gh_err
answer(struct gh_req *req, struct gh_res *res, int status,
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

static enum gh_err
answer_order(struct gh_req *req, struct gh_res *res, const struct acme_rq *q,
    const struct acme_full *f, int status, int location)
{
	struct json_object	*o = NULL;
	char			 url[ACME_URL_MAX + 64];
	enum gh_err		 err;

	if ((err = order_json(q, f, &o)) != GH_OK)
		return err;
	urlf(url, sizeof(url), "%s/order/%s", q->base, f->o.name);
	if (f->status == ACME_PROCESSING &&
	    (err = gh_res_header(res, "Retry-After", "1")) != GH_OK)
		goto out;
	err = answer(req, res, status, o, location ? url : NULL);
out:
	json_object_put(o);
	return err;
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

	rq_init(&q);
	if ((err = acme_begin(cm, req, res, &q)) != GH_OK)
		goto out;
	err = GH_ENOMEM;
	if ((o = json_object_new_object()) == NULL ||
	    (meta = json_object_new_object()) == NULL)
		goto out;
	for (i = 0; i < GH_NELEM(names); i++) {
		urlf(u, sizeof(u), "%s/%s", q.base, names[i][1]);
		if ((err = gh_json_add(o, names[i][0],
		    json_object_new_string(u))) != GH_OK)
			goto out;
	}
	if ((err = gh_json_add(meta, "externalAccountRequired",
	    json_object_new_boolean(certmaker_conf_int(&cm->conf, CERTMAKER_CONF_ACME_EAB_REQUIRED) != 0))) != GH_OK ||
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
	rq_free(&q);
	return done(res, err);
}

enum gh_err
acme_new_nonce(struct gh_svc *svc, struct gh_req *req, struct gh_res *res)
{
	struct certmaker	*cm = svc->ctx;
	struct acme_rq		 q;
	enum gh_err		 err;

	rq_init(&q);
	if ((err = acme_begin(cm, req, res, &q)) == GH_OK) {
		res->secret = 1;	/* Cache-Control: no-store (7.2) */
		/* HEAD 200, GET 204 (7.2); uacme insists on the 204. */
		res->status = req->method == GH_HEAD ? 200 : 204;
	}
	rq_free(&q);
	return done(res, err);
}

/* --- accounts -------------------------------------------------------------- */

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
			return problem(res, 403, "externalAccountRequired",
			    "this server requires an external account "
			    "binding (ask the operator for a key id and "
			    "HMAC key)");
		return GH_OK;
	}
	gh_buf_init(&sealed, 4096);
	gh_buf_init(&hmac, 4096);
	if ((jerr = gh_jws_parse_eab(eab, &inner, &why)) != GH_JOSE_OK) {
		err = problem(res, 400, "malformed", "externalAccountBinding: "
		    "%s", why ? why : gh_jose_strerror(jerr));
		goto out;
	}
	if (strcmp(inner->url, url) != 0) {
		err = problem(res, 400, "malformed", "externalAccountBinding: "
		    "url is not newAccount's");
		goto out;
	}
	if (gh_jwk_parse_text((const char *)inner->payload,
	    inner->payload_len, &bound, &why) != GH_JOSE_OK ||
	    !gh_jwk_equal(bound, q->key)) {
		err = problem(res, 400, "malformed", "externalAccountBinding: "
		    "its payload is not the account key");
		goto out;
	}
	if (strlen(inner->kid) >= kidsz) {
		err = problem(res, 401, "unauthorized", "externalAccountBinding: "
		    "unknown key id");
		goto out;
	}
	err = certmaker_store_acme_eab_get(cm, inner->kid, user_id, &used,
	    &sealed);
	if (err == GH_ENOTFOUND || (err == GH_OK && used)) {
		err = problem(res, 401, "unauthorized", "externalAccountBinding: "
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
		err = problem(res, 401, "unauthorized", "externalAccountBinding: "
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

	rq_init(&q);
	acme_account_init(&a);
	if ((err = acme_post(cm, req, res, ACME_KEY_JWK, &q)) != GH_OK)
		goto out;
	if (q.payload == NULL) {
		err = problem(res, 400, "malformed", "newAccount takes a JSON "
		    "object");
		goto out;
	}
	if (json_object_object_get_ex(q.payload, "onlyReturnExisting", NULL) &&
	    gh_json_get_bool(q.payload, "onlyReturnExisting", &only) !=
	    GH_OK) {
		err = problem(res, 400, "malformed", "onlyReturnExisting: a "
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
			err = problem(res, 401, "unauthorized", "the account "
			    "of this key is %s", acme_status_names[a.status <
			    ACME_STATUS__MAX ? a.status : ACME_INVALID]);
			goto out;
		}
		urlf(url, sizeof(url), "%s/acct/%s", q.base, a.name);
		if ((err = account_json(&q, &a, &o)) == GH_OK)
			err = answer(req, res, 200, o, url);
		goto out;
	}
	if (err != GH_ENOTFOUND)
		goto out;
	if (only) {
		err = problem(res, 400, "accountDoesNotExist", "no account "
		    "for this key");
		goto out;
	}
	json_object_object_get_ex(q.payload, "contact", &contact);
	if ((err = acme_contact_parse(contact, &a.contact, &type, why,
	    sizeof(why))) != GH_OK) {
		if (err == GH_EINVAL)
			err = problem(res, 400, type, "%s", why);
		goto out;
	}
	if (urlf(url, sizeof(url), "%s%s", q.origin, req->path) != GH_OK) {
		err = problem(res, 400, "malformed", "URL too long");
		goto out;
	}
	if ((err = certmaker_store_acme_default_user(cm, &a.user_id)) !=
	    GH_OK ||
	    (err = eab_check(cm, res, &q, url, &a.user_id, a.eab_kid,
	    sizeof(a.eab_kid))) != GH_OK)
		goto out;
	if (gh_jwk_canonical(q.key, &a.jwk) != GH_JOSE_OK) {
		err = problem(res, 400, "badPublicKey", "this key cannot be "
		    "stored");
		goto out;
	}
	if ((err = acme_id_new(a.name)) != GH_OK)
		goto out;
	a.status = ACME_VALID;
	a.created = gh_now();
	err = certmaker_store_acme_account_add(cm, &a);
	if (err == GH_ECONFLICT) {
		err = problem(res, 409, "malformed", "this key or binding "
		    "was taken meanwhile; try again");
		goto out;
	}
	if (err != GH_OK)
		goto out;
	urlf(url, sizeof(url), "%s/acct/%s", q.base, a.name);
	if ((err = account_json(&q, &a, &o)) == GH_OK)
		err = answer(req, res, 201, o, url);
out:
	json_object_put(o);
	acme_account_free(&a);
	rq_free(&q);
	return done(res, err);
}

/* The kid of q must be the account named in the path. */
static enum gh_err
own_account(struct gh_req *req, struct gh_res *res, const struct acme_rq *q)
{
	if (strcmp(req->cap[0].s, q->acct.name) != 0)
		return problem(res, 401, "unauthorized", "an account may only "
		    "see and change itself");
	return GH_OK;
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

	rq_init(&q);
	if ((err = acme_post(cm, req, res, ACME_KEY_KID, &q)) != GH_OK ||
	    (err = own_account(req, res, &q)) != GH_OK)
		goto out;
	if (q.payload != NULL) {
		if (json_object_object_get_ex(q.payload, "contact", &v) &&
		    (err = acme_contact_parse(v, &q.acct.contact, &type, why,
		    sizeof(why))) != GH_OK) {
			if (err == GH_EINVAL)
				err = problem(res, 400, type, "%s", why);
			goto out;
		}
		if (json_object_object_get_ex(q.payload, "status", &v)) {
			s = json_object_get_string(v);
			if (!json_object_is_type(v, json_type_string) ||
			    strcmp(s, "deactivated") != 0) {
				err = problem(res, 400, "malformed", "status: "
				    "only \"deactivated\" may be asked for");
				goto out;
			}
			q.acct.status = ACME_DEACTIVATED;
		}
		if ((err = certmaker_store_acme_account_update(cm, &q.acct)) !=
		    GH_OK)
			goto out;
	}
	urlf(url, sizeof(url), "%s/acct/%s", q.base, q.acct.name);
	if ((err = account_json(&q, &q.acct, &o)) == GH_OK)
		err = answer(req, res, 200, o, url);
out:
	json_object_put(o);
	rq_free(&q);
	return done(res, err);
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
	urlf(url, sizeof(url), "%s/order/%s", a->q->base, o->name);
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

	rq_init(&q);
	memset(&a, 0, sizeof(a));
	if ((err = acme_post(cm, req, res, ACME_KEY_KID, &q)) != GH_OK ||
	    (err = own_account(req, res, &q)) != GH_OK)
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
	rq_free(&q);
	return done(res, err);
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

	rq_init(&q);
	acme_account_init(&other);
	if ((err = acme_post(cm, req, res, ACME_KEY_KID, &q)) != GH_OK)
		goto out;
	if (q.payload == NULL) {
		err = problem(res, 400, "malformed", "keyChange takes a JWS");
		goto out;
	}
	if ((jerr = gh_jws_parse_keychange(q.payload, &inner, &why)) !=
	    GH_JOSE_OK) {
		err = problem(res, 400, gh_jose_acme_type(jerr), "inner JWS: %s",
		    why ? why : gh_jose_strerror(jerr));
		goto out;
	}
	if (strcmp(inner->url, q.jws->url) != 0) {
		err = problem(res, 400, "malformed", "inner JWS: url differs "
		    "from the outer one");
		goto out;
	}
	if ((jerr = gh_jws_verify(inner, inner->jwk, &why)) != GH_JOSE_OK) {
		err = problem(res, 400, gh_jose_acme_type(jerr), "inner JWS: %s",
		    why ? why : gh_jose_strerror(jerr));
		goto out;
	}
	if (gh_jws_payload_object(inner, &p, &why) != GH_JOSE_OK ||
	    gh_json_get_string(p, "account", &acct, NULL) != GH_OK ||
	    !json_object_object_get_ex(p, "oldKey", &old)) {
		err = problem(res, 400, "malformed", "inner payload: account "
		    "and oldKey");
		goto out;
	}
	if (strcmp(acct, q.jws->kid) != 0) {
		err = problem(res, 401, "unauthorized", "inner payload: account "
		    "is not the signer's");
		goto out;
	}
	if (gh_jwk_parse(old, &oldkey, &why) != GH_JOSE_OK ||
	    !gh_jwk_equal(oldkey, q.key)) {
		err = problem(res, 400, "malformed", "inner payload: oldKey is "
		    "not the account's key");
		goto out;
	}
	if (gh_jwk_equal(inner->jwk, q.key)) {
		err = problem(res, 400, "malformed", "the new key is the old "
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
		urlf(url, sizeof(url), "%s/acct/%s", q.base, other.name);
		if ((err = gh_res_header(res, "Location", "%s", url)) == GH_OK)
			err = problem(res, 409, "malformed", "the new key "
			    "belongs to another account");
		goto out;
	}
	if (err != GH_ENOTFOUND)
		goto out;
	gh_buf_reset(&q.acct.jwk);
	if (gh_jwk_canonical(inner->jwk, &q.acct.jwk) != GH_JOSE_OK) {
		err = problem(res, 400, "badPublicKey", "the new key cannot be "
		    "stored");
		goto out;
	}
	err = certmaker_store_acme_account_update(cm, &q.acct);
	if (err == GH_ECONFLICT) {
		err = problem(res, 409, "malformed", "the new key was taken "
		    "meanwhile");
		goto out;
	}
	if (err != GH_OK)
		goto out;
	urlf(url, sizeof(url), "%s/acct/%s", q.base, q.acct.name);
	if ((err = account_json(&q, &q.acct, &o)) == GH_OK)
		err = answer(req, res, 200, o, url);
out:
	json_object_put(o);
	json_object_put(p);
	EVP_PKEY_free(oldkey);
	gh_jws_free(inner);
	acme_account_free(&other);
	rq_free(&q);
	return done(res, err);
}

/* --- orders ---------------------------------------------------------------- */

/* ARI (RFC 9773): the serial of a "replaces" certificate identifier. */
static enum gh_err ari_serial(const char *id, size_t len,
    char serial[CM_SERIAL_HEX + 9]);

enum gh_err
acme_new_order(struct gh_svc *svc, struct gh_req *req, struct gh_res *res)
{
	struct certmaker	*cm = svc->ctx;
	struct acme_rq		 q;
	struct acme_idents	*ids = NULL;
	struct acme_full	*f = NULL;
	struct acme_order	 prev;
	struct json_object	*arr;
	const char		*type, *rep;
	char			 why[256], serial[CM_SERIAL_HEX + 9];
	size_t			 replen;
	long long		 now = gh_now();
	enum gh_err		 err;

	rq_init(&q);
	if ((err = acme_post(cm, req, res, ACME_KEY_KID, &q)) != GH_OK)
		goto out;
	if (q.payload == NULL ||
	    !json_object_object_get_ex(q.payload, "identifiers", &arr)) {
		err = problem(res, 400, "malformed", "newOrder takes an object "
		    "with identifiers");
		goto out;
	}
	if (json_object_object_get_ex(q.payload, "notBefore", NULL) ||
	    json_object_object_get_ex(q.payload, "notAfter", NULL)) {
		err = problem(res, 400, "malformed", "notBefore and notAfter "
		    "are not supported: certificates are valid from now");
		goto out;
	}
	if ((ids = calloc(1, sizeof(*ids))) == NULL ||
	    (f = calloc(1, sizeof(*f))) == NULL) {
		err = GH_ENOMEM;
		goto out;
	}
	if ((err = acme_idents_parse(arr, ids, &type, why, sizeof(why))) !=
	    GH_OK) {
		if (err == GH_EINVAL)
			err = problem(res, 400, type, "%s", why);
		goto out;
	}
	/* RFC 9773 5: replaces names a certificate of this account, once. */
	if (json_object_object_get_ex(q.payload, "replaces", NULL)) {
		if (gh_json_get_string(q.payload, "replaces", &rep, &replen) !=
		    GH_OK || ari_serial(rep, replen, serial) != GH_OK) {
			err = problem(res, 400, "malformed", "replaces: an ARI "
			    "certificate identifier");
			goto out;
		}
		err = certmaker_store_acme_order_by_serial(cm, serial, &prev);
		if (err == GH_ENOTFOUND || (err == GH_OK &&
		    prev.account_id != q.acct.id)) {
			err = problem(res, 409, "conflict", "replaces: no "
			    "certificate of this account has that identifier");
			goto out;
		}
		if (err != GH_OK)
			goto out;
		gh_strlcpy(f->o.replaces, serial, sizeof(f->o.replaces));
	}
	if ((err = acme_id_new(f->o.name)) != GH_OK)
		goto out;
	f->o.account_id = q.acct.id;
	f->o.created = now;
	f->o.expires = now + ACME_ORDER_TTL;
	if ((err = certmaker_store_acme_order_add(cm, &f->o, ids,
	    f->o.expires)) != GH_OK)
		goto out;
	if ((err = full_load(cm, f->o.name, f)) == GH_OK)
		err = answer_order(req, res, &q, f, 201, 1);
out:
	free(ids);
	free(f);
	rq_free(&q);
	return done(res, err);
}

/* Load the order named in the path if it is the signer's. */
static enum gh_err
own_order(struct certmaker *cm, struct gh_req *req, struct gh_res *res,
    const struct acme_rq *q, struct acme_full *f)
{
	enum gh_err	err;

	if (!acme_id_valid(req->cap[0].s, req->cap[0].len))
		return problem(res, 404, "malformed", "no such order");
	err = full_load(cm, req->cap[0].s, f);
	if (err == GH_ENOTFOUND || (err == GH_OK &&
	    f->o.account_id != q->acct.id))
		return problem(res, 404, "malformed", "no such order");
	return err;
}

enum gh_err
acme_order(struct gh_svc *svc, struct gh_req *req, struct gh_res *res)
{
	struct certmaker	*cm = svc->ctx;
	struct acme_rq		 q;
	struct acme_full	*f = NULL;
	enum gh_err		 err;

	rq_init(&q);
	if ((err = acme_post(cm, req, res, ACME_KEY_KID, &q)) != GH_OK)
		goto out;
	if ((f = calloc(1, sizeof(*f))) == NULL) {
		err = GH_ENOMEM;
		goto out;
	}
	if ((err = own_order(cm, req, res, &q, f)) == GH_OK)
		err = answer_order(req, res, &q, f, 200, 0);
out:
	free(f);
	rq_free(&q);
	return done(res, err);
}

/* Whether r's names are exactly the order's identifiers. */
static int
csr_names_match(const struct cm_request *r, const struct acme_full *f)
{
	char	text[INET6_ADDRSTRLEN];
	size_t	i, j, ndns = 0, nip = 0;
	int	found;

	if (r->nemail > 0)
		return 0;
	for (i = 0; i < f->nz; i++) {
		if (f->z[i].type == ACME_DNS)
			ndns++;
		else
			nip++;
	}
	if (ndns != r->ndns || nip != r->nip)
		return 0;
	for (i = 0; i < r->ndns; i++) {
		for (found = 0, j = 0; !found && j < f->nz; j++)
			found = f->z[j].type == ACME_DNS &&
			    strcmp(f->z[j].value, r->dns[i]) == 0;
		if (!found)
			return 0;
	}
	for (i = 0; i < r->nip; i++) {
		if (inet_ntop(r->ip[i].len == 4 ? AF_INET : AF_INET6,
		    r->ip[i].addr, text, sizeof(text)) == NULL)
			return 0;
		for (found = 0, j = 0; !found && j < f->nz; j++)
			found = f->z[j].type == ACME_IP &&
			    strcmp(f->z[j].value, text) == 0;
		if (!found)
			return 0;
	}
	return 1;
}

/* A base64url DER member of the payload into out. */
static enum gh_err
payload_der(struct json_object *payload, const char *key, unsigned char *out,
    size_t outsz, size_t *n)
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

enum gh_err
acme_finalize(struct gh_svc *svc, struct gh_req *req, struct gh_res *res)
{
	struct certmaker	*cm = svc->ctx;
	struct acme_rq		 q;
	struct acme_full	*f = NULL;
	struct cm_request	*r = NULL;
	struct pki_issue	 in;
	struct cm_cert		 c;
	struct gh_buf		 pem;
	X509_REQ		*csr = NULL;
	X509			*x = NULL;
	unsigned char		*der = NULL;
	char			 why[256];
	size_t			 n;
	long long		 t0 = gh_now_us(), days;
	enum gh_err		 err;

	rq_init(&q);
	gh_buf_init(&pem, 64 * 1024);
	if ((err = acme_post(cm, req, res, ACME_KEY_KID, &q)) != GH_OK)
		goto out;
	if ((f = calloc(1, sizeof(*f))) == NULL ||
	    (r = calloc(1, sizeof(*r))) == NULL ||
	    (der = malloc(DER_MAX)) == NULL) {
		err = GH_ENOMEM;
		goto out;
	}
	if ((err = own_order(cm, req, res, &q, f)) != GH_OK)
		goto out;
	if (f->status != ACME_READY) {
		err = problem(res, 403, "orderNotReady", "the order is %s",
		    acme_status_names[f->status]);
		goto out;
	}
	if (cm->ca == NULL) {
		err = gh_fail(res, GH_EUNAVAIL, "certmaker has no root yet");
		goto out;
	}
	if (payload_der(q.payload, "csr", der, DER_MAX, &n) != GH_OK) {
		err = problem(res, 400, "malformed", "csr: base64url DER");
		goto out;
	}
	cm_request_init(r);
	if (pki_csr_parse(der, n, r, &csr, why, sizeof(why)) != GH_OK) {
		err = problem(res, 400, "badCSR", "%s", why);
		goto out;
	}
	if (!csr_names_match(r, f)) {
		err = problem(res, 400, "badCSR", "the CSR's names must be the "
		    "order's identifiers, no more and no fewer");
		goto out;
	}
	if (gh_jwk_equal(X509_REQ_get0_pubkey(csr), q.key)) {
		err = problem(res, 400, "badCSR", "the certificate key must "
		    "not be the account key");
		goto out;
	}
	days = certmaker_conf_int(&cm->conf, CERTMAKER_CONF_ACME_DAYS);
	if (days > certmaker_conf_int(&cm->conf, CERTMAKER_CONF_MAX_DAYS))
		days = certmaker_conf_int(&cm->conf, CERTMAKER_CONF_MAX_DAYS);
	memset(&in, 0, sizeof(in));
	memset(&c, 0, sizeof(c));
	in.req = r;
	in.subject = NULL;	/* the names, not what the CSR says */
	in.pub = X509_REQ_get0_pubkey(csr);
	cm_validity(cm, days, &in.not_before, &in.not_after);
	in.base_url = q.origin;
	if ((err = certmaker_store_serial_next(cm, &in.seq)) != GH_OK ||
	    (err = pki_issue(cm->ca, cm->ca_key, &in, &x, c.serial)) !=
	    GH_OK || (err = pki_cert_pem(x, &pem)) != GH_OK ||
	    (err = gh_buf_add(&pem, "", 1)) != GH_OK)
		goto out;
	c.user_id = q.acct.user_id;
	c.not_before = in.not_before;
	c.not_after = in.not_after;
	err = certmaker_store_acme_order_issue(cm, f->o.id, &c, pem.data);
	if (err == GH_ECONFLICT) {
		err = problem(res, 403, "orderNotReady", "the order was "
		    "finalized meanwhile");
		goto out;
	}
	if (err != GH_OK)
		goto out;
	if (gh_conf_log_requests(&cm->conf))
		gh_log("acme: order %s issued %s in %lld us", f->o.name,
		    c.serial, gh_now_us() - t0);
	if ((err = full_load(cm, f->o.name, f)) == GH_OK)
		err = answer_order(req, res, &q, f, 200, 0);
out:
	X509_free(x);
	X509_REQ_free(csr);
	free(der);
	free(r);
	free(f);
	gh_buf_free(&pem);
	rq_free(&q);
	return done(res, err);
}

/* --- authorizations and challenges ------------------------------------------ */

static enum gh_err
own_authz(struct certmaker *cm, struct gh_req *req, struct gh_res *res,
    const struct acme_rq *q, struct acme_authz *z)
{
	enum gh_err	err;

	if (!acme_id_valid(req->cap[0].s, req->cap[0].len))
		return problem(res, 404, "malformed", "no such authorization");
	err = certmaker_store_acme_authz_get(cm, req->cap[0].s, z);
	if (err == GH_ENOTFOUND || (err == GH_OK &&
	    z->account_id != q->acct.id))
		return problem(res, 404, "malformed", "no such authorization");
	return err;
}

enum gh_err
acme_authz(struct gh_svc *svc, struct gh_req *req, struct gh_res *res)
{
	struct certmaker	*cm = svc->ctx;
	struct acme_rq		 q;
	struct acme_authz	 z;
	struct json_object	*o = NULL, *v;
	enum acme_status	 now_st;
	long long		 now = gh_now();
	enum gh_err		 err;

	rq_init(&q);
	if ((err = acme_post(cm, req, res, ACME_KEY_KID, &q)) != GH_OK ||
	    (err = own_authz(cm, req, res, &q, &z)) != GH_OK)
		goto out;
	if (q.payload != NULL &&
	    json_object_object_get_ex(q.payload, "status", &v)) {
		/* 7.5.2: a client may give up a pending or valid one. */
		if (!json_object_is_type(v, json_type_string) ||
		    strcmp(json_object_get_string(v), "deactivated") != 0) {
			err = problem(res, 400, "malformed", "status: only "
			    "\"deactivated\"");
			goto out;
		}
		now_st = acme_authz_status(&z, now);
		if (now_st != ACME_PENDING && now_st != ACME_VALID) {
			err = problem(res, 400, "malformed", "the authorization "
			    "is %s", acme_status_names[now_st]);
			goto out;
		}
		z.status = ACME_DEACTIVATED;
		if ((err = certmaker_store_acme_authz_update(cm, &z)) != GH_OK)
			goto out;
	}
	if ((err = authz_json(&q, &z, now, &o)) == GH_OK)
		err = gh_res_json(res, 200, o);
out:
	json_object_put(o);
	rq_free(&q);
	return done(res, err);
}

/*
 * Validate z's http-01 challenge now (8.3): fetch
 * http://<identifier>:<acme_http_port>/.well-known/acme-challenge/<token>
 * through the challenge address policy and timeouts, and compare it with
 * the key authorization.  z is updated and stored either way.
 */
static enum gh_err
http01(struct certmaker *cm, const struct acme_rq *q, struct acme_authz *z)
{
	unsigned char	 want[GH_SHA256_LEN];
	char		 thumb[GH_JOSE_THUMB_LEN + 1];
	char		 keyauth[ACME_TOKEN_LEN + GH_JOSE_THUMB_LEN + 2];
	char		 host[GH_DOMAIN_MAX + 3], path[80], why[512];
	long long	 port = certmaker_conf_int(&cm->conf, CERTMAKER_CONF_ACME_HTTP_PORT);
	enum gh_err	 err;

	if (gh_jwk_thumbprint(q->key, thumb) != GH_JOSE_OK)
		return GH_ECRYPTO;
	urlf(keyauth, sizeof(keyauth), "%s.%s", z->token, thumb);
	gh_sha256(keyauth, strlen(keyauth), want);
	urlf(host, sizeof(host), z->type == ACME_IP &&
	    strchr(z->value, ':') != NULL ? "[%s]" : "%s", z->value);
	urlf(path, sizeof(path), WELL_KNOWN "%s", z->token);
	if ((err = cm_challenge_http(cm, why, sizeof(why))) != GH_OK) {
		gh_log("%s: %s", __func__, why);
		return err;
	}
	err = cm_challenge_fetch(cm, host, port, path, want, why, sizeof(why));
	if (err == GH_OK) {
		z->chall = ACME_VALID;
		z->status = ACME_VALID;
		z->validated = gh_now();
		z->expires = z->validated + ACME_AUTHZ_TTL;
		z->error[0] = '\0';
	} else {
		z->chall = ACME_INVALID;
		z->status = ACME_INVALID;
		problem_text(err == GH_EFORBIDDEN ? "rejectedIdentifier" :
		    "incorrectResponse", why, 403, z->error, sizeof(z->error));
	}
	return certmaker_store_acme_authz_update(cm, z);
}

enum gh_err
acme_challenge(struct gh_svc *svc, struct gh_req *req, struct gh_res *res)
{
	struct certmaker	*cm = svc->ctx;
	struct acme_rq		 q;
	struct acme_authz	 z;
	struct json_object	*o = NULL;
	long long		 now = gh_now();
	enum gh_err		 err;

	rq_init(&q);
	/* 7.5.1: a link up to the authorization (certbot and lego use it). */
	if (acme_id_valid(req->cap[0].s, req->cap[0].len))
		q.up_authz = req->cap[0].s;
	if ((err = acme_post(cm, req, res, ACME_KEY_KID, &q)) != GH_OK ||
	    (err = own_authz(cm, req, res, &q, &z)) != GH_OK)
		goto out;
	/* A POST of {} asks for validation; POST-as-GET only looks. */
	if (q.payload != NULL && z.chall == ACME_PENDING) {
		if (acme_authz_status(&z, now) != ACME_PENDING) {
			err = problem(res, 400, "malformed", "the authorization "
			    "is %s", acme_status_names[acme_authz_status(&z,
			    now)]);
			goto out;
		}
		if ((err = http01(cm, &q, &z)) != GH_OK)
			goto out;
	}
	if (z.chall == ACME_PROCESSING &&
	    (err = gh_res_header(res, "Retry-After", "1")) != GH_OK)
		goto out;
	if ((err = chall_json(&q, &z, &o)) == GH_OK)
		err = gh_res_json(res, 200, o);
out:
	json_object_put(o);
	rq_free(&q);
	return done(res, err);
}

/* --- certificates ---------------------------------------------------------- */

enum gh_err
acme_cert(struct gh_svc *svc, struct gh_req *req, struct gh_res *res)
{
	struct certmaker	*cm = svc->ctx;
	struct acme_rq		 q;
	struct acme_order	 o;
	struct cm_cert		 c;
	struct gh_buf		 pem;
	char			 serial[CM_SERIAL_HEX + 9];
	enum gh_err		 err;

	rq_init(&q);
	gh_buf_init(&pem, 128 * 1024);
	if ((err = acme_post(cm, req, res, ACME_KEY_KID, &q)) != GH_OK)
		goto out;
	if (cm_serial_parse(req->cap[0].s, req->cap[0].len, serial) !=
	    GH_OK) {
		err = problem(res, 404, "malformed", "no such certificate");
		goto out;
	}
	err = certmaker_store_acme_order_by_serial(cm, serial, &o);
	if (err == GH_ENOTFOUND || (err == GH_OK &&
	    o.account_id != q.acct.id)) {
		err = problem(res, 404, "malformed", "no such certificate");
		goto out;
	}
	if (err != GH_OK ||
	    (err = certmaker_store_cert_get(cm, serial, &c, &pem, NULL)) != GH_OK)
		goto out;
	/* Leaf first, then the root that signed it (9.1). */
	if (pem.len > 0 && pem.data[pem.len - 1] != '\n' &&
	    (err = gh_buf_add(&pem, "\n", 1)) != GH_OK)
		goto out;
	if ((err = pki_cert_pem(cm->ca, &pem)) != GH_OK)
		goto out;
	err = gh_res_text(res, 200, PEM_CHAIN_TYPE, pem.data, pem.len);
out:
	gh_buf_free(&pem);
	rq_free(&q);
	return done(res, err);
}

/* The serial of x as our lower-case hex; GH_EINVAL if it cannot be ours. */
static enum gh_err
cert_serial(X509 *x, char out[CM_SERIAL_HEX + 9])
{
	BIGNUM		*bn;
	char		*hex;
	size_t		 i, n;
	enum gh_err	 err = GH_EINVAL;

	if ((bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL)) ==
	    NULL)
		return GH_EINVAL;
	if ((hex = BN_bn2hex(bn)) != NULL &&
	    (n = strlen(hex)) <= CM_SERIAL_HEX + 8 && hex[0] != '-') {
		for (i = 0; i <= n; i++)
			out[i] = (char)(hex[i] >= 'A' && hex[i] <= 'F' ?
			    hex[i] - 'A' + 'a' : hex[i]);
		err = GH_OK;
	}
	OPENSSL_free(hex);
	BN_free(bn);
	return err;
}

/*
 * Whether account holds valid authorizations for every name of x: its
 * SANs, all DNS names or IP addresses (anything else: no).
 */
static enum gh_err
holds_all_names(struct certmaker *cm, long long account, X509 *x, int *out)
{
	GENERAL_NAMES		*gens;
	const GENERAL_NAME	*g;
	char			 v[GH_DOMAIN_MAX + 1];
	int			 i, n, held = 0, len;
	enum gh_err		 err = GH_OK;

	*out = 0;
	if ((gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL)) ==
	    NULL)
		return GH_OK;
	n = sk_GENERAL_NAME_num(gens);
	for (i = 0, held = n > 0; held && err == GH_OK && i < n; i++) {
		g = sk_GENERAL_NAME_value(gens, i);
		if (g->type == GEN_DNS) {
			len = ASN1_STRING_length(g->d.dNSName);
			if (len <= 0 || len > GH_DOMAIN_MAX) {
				held = 0;
				break;
			}
			memcpy(v, ASN1_STRING_get0_data(g->d.dNSName),
			    (size_t)len);
			v[len] = '\0';
			err = certmaker_store_acme_authz_held(cm, account,
			    ACME_DNS, v, gh_now(), &held);
		} else if (g->type == GEN_IPADD &&
		    (ASN1_STRING_length(g->d.iPAddress) == 4 ||
		    ASN1_STRING_length(g->d.iPAddress) == 16)) {
			if (inet_ntop(ASN1_STRING_length(g->d.iPAddress) == 4 ?
			    AF_INET : AF_INET6,
			    ASN1_STRING_get0_data(g->d.iPAddress), v,
			    sizeof(v)) == NULL) {
				held = 0;
				break;
			}
			err = certmaker_store_acme_authz_held(cm, account,
			    ACME_IP, v, gh_now(), &held);
		} else
			held = 0;
	}
	GENERAL_NAMES_free(gens);
	if (err == GH_OK)
		*out = held;
	return err;
}

enum gh_err
acme_revoke(struct gh_svc *svc, struct gh_req *req, struct gh_res *res)
{
	struct certmaker	*cm = svc->ctx;
	struct acme_rq		 q;
	struct acme_order	 o;
	struct cm_cert		 c;
	unsigned char		*der = NULL;
	const unsigned char	*p;
	X509			*x = NULL;
	EVP_PKEY		*capub;
	char			 serial[CM_SERIAL_HEX + 9];
	size_t			 n;
	long long		 reason = 0;
	int			 ok = 0;
	enum gh_err		 err;

	rq_init(&q);
	if ((err = acme_post(cm, req, res, ACME_KEY_EITHER, &q)) != GH_OK)
		goto out;
	if ((der = malloc(DER_MAX)) == NULL) {
		err = GH_ENOMEM;
		goto out;
	}
	if (payload_der(q.payload, "certificate", der, DER_MAX, &n) != GH_OK) {
		err = problem(res, 400, "malformed", "certificate: base64url "
		    "DER");
		goto out;
	}
	if (json_object_object_get_ex(q.payload, "reason", NULL) &&
	    gh_json_get_int(q.payload, "reason", 0, 10, &reason) != GH_OK) {
		err = problem(res, 400, "badRevocationReason", "reason: an "
		    "RFC 5280 CRLReason code");
		goto out;
	}
	/* What a subscriber may say (as Boulder): not CA compromise, hold… */
	if (reason != 0 && reason != 1 && reason != 3 && reason != 4 &&
	    reason != 5) {
		err = problem(res, 400, "badRevocationReason", "reason %lld is "
		    "not one a subscriber may give (0, 1, 3, 4, 5)", reason);
		goto out;
	}
	p = der;
	if ((x = d2i_X509(NULL, &p, (long)n)) == NULL || p != der + n ||
	    cm->ca == NULL || (capub = X509_get0_pubkey(cm->ca)) == NULL ||
	    X509_verify(x, capub) != 1 || cert_serial(x, serial) != GH_OK) {
		ERR_clear_error();
		err = problem(res, 404, "malformed", "not a certificate this "
		    "server issued");
		goto out;
	}
	err = certmaker_store_cert_get(cm, serial, &c, NULL, NULL);
	if (err == GH_ENOTFOUND) {
		err = problem(res, 404, "malformed", "not a certificate this "
		    "server issued");
		goto out;
	}
	if (err != GH_OK)
		goto out;
	if (q.jws->keyref == GH_JWS_JWK) {
		/* 7.6: signed with the certificate's own key. */
		ok = gh_jwk_equal(X509_get0_pubkey(x), q.key);
	} else {
		err = certmaker_store_acme_order_by_serial(cm, serial, &o);
		if (err != GH_OK && err != GH_ENOTFOUND)
			goto out;
		ok = err == GH_OK && o.account_id == q.acct.id;
		if (!ok && (err = holds_all_names(cm, q.acct.id, x, &ok)) !=
		    GH_OK)
			goto out;
	}
	if (!ok) {
		err = problem(res, 403, "unauthorized", "this key may not "
		    "revoke that certificate: it is not the certificate's "
		    "key, nor the account that ordered it, nor one holding "
		    "valid authorizations for all its names");
		goto out;
	}
	err = certmaker_store_cert_revoke(cm, serial, (int)reason, gh_now());
	if (err == GH_EGONE) {
		err = problem(res, 400, "alreadyRevoked", "the certificate "
		    "is revoked already");
		goto out;
	}
	if (err != GH_OK)
		goto out;
	/* Exactly 200 (certbot and uacme check). */
	err = gh_res_text(res, 200, "text/plain", "", 0);
out:
	X509_free(x);
	free(der);
	rq_free(&q);
	return done(res, err);
}

/* --- ARI ------------------------------------------------------------------- */

/*
 * An RFC 9773 certificate identifier: base64url(AKI keyIdentifier) "."
 * base64url(serial DER INTEGER content).  The AKI is not checked here
 * (one root); the serial comes back as our hex.
 */
static enum gh_err
ari_serial(const char *id, size_t len, char serial[CM_SERIAL_HEX + 9])
{
	unsigned char	 b[64];
	const char	*dot;
	size_t		 n, i;

	if (len > 200 || (dot = memchr(id, '.', len)) == NULL ||
	    gh_jose_b64_decode(id, (size_t)(dot - id), b, sizeof(b), &n) !=
	    GH_JOSE_OK || n == 0 ||
	    gh_jose_b64_decode(dot + 1, len - (size_t)(dot - id) - 1, b,
	    sizeof(b), &n) != GH_JOSE_OK || n == 0 || n > CM_SERIAL_HEX / 2 ||
	    (b[0] & 0x80) != 0)
		return GH_EINVAL;
	/* Our serials are CM_SERIAL_BYTES without a leading zero octet. */
	i = b[0] == 0 && n > 1 ? 1 : 0;
	gh_hex(b + i, n - i, serial);
	return GH_OK;
}

/*
 * GET renewalInfo/<certid> (RFC 9773 4.2): the window in which to renew,
 * the last third of the certificate's life; a revoked certificate's
 * window is already open.  Public, as the RFC wants (no JWS).
 */
enum gh_err
acme_renewal_info(struct gh_svc *svc, struct gh_req *req, struct gh_res *res)
{
	struct certmaker	*cm = svc->ctx;
	struct acme_rq		 q;
	struct cm_cert		 c;
	struct json_object	*o = NULL, *w = NULL;
	char			 serial[CM_SERIAL_HEX + 9];
	long long		 start, end, now = gh_now();
	enum gh_err		 err;

	rq_init(&q);
	if ((err = acme_begin(cm, req, res, &q)) != GH_OK)
		goto out;
	if (ari_serial(req->cap[0].s, req->cap[0].len, serial) != GH_OK) {
		err = problem(res, 400, "malformed", "not an ARI certificate "
		    "identifier");
		goto out;
	}
	err = certmaker_store_cert_get(cm, serial, &c, NULL, NULL);
	if (err == GH_ENOTFOUND) {
		err = problem(res, 404, "malformed", "no such certificate");
		goto out;
	}
	if (err != GH_OK)
		goto out;
	start = c.not_after - (c.not_after - c.not_before) / 3;
	end = c.not_after - (c.not_after - c.not_before) / 9;
	if (c.revoked) {
		start = now - 86400;
		end = now - 3600;
	}
	err = GH_ENOMEM;
	if ((o = json_object_new_object()) == NULL ||
	    (w = json_object_new_object()) == NULL)
		goto out;
	if ((err = gh_json_add(w, "start", json_time(start))) != GH_OK ||
	    (err = gh_json_add(w, "end", json_time(end))) != GH_OK)
		goto out;
	err = gh_json_add(o, "suggestedWindow", w);
	w = NULL;
	if (err != GH_OK ||
	    (err = gh_res_header(res, "Retry-After", "21600")) != GH_OK)
		goto out;
	err = gh_res_json(res, 200, o);
out:
	json_object_put(w);
	json_object_put(o);
	rq_free(&q);
	return done(res, err);
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
