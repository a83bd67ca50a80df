/* SPDX-License-Identifier: ISC */
/*
 * acme_order: ACME orders (RFC 8555 7.4), with ARI's "replaces" (RFC
 * 9773), finalize, which issues in one transaction with the order, and
 * authorizations with their http-01 challenges, validated in the
 * challenge POST itself within the challenge timeouts.
 */

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <openssl/x509v3.h>

#include "acme.h"
#include "json.h"
#include "log.h"
#include "serve.h"
#include "token.h"

#define WELL_KNOWN	"/.well-known/acme-challenge/"

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
	acme_urlf(url, sizeof(url), "%s/chall/%s", q->base, z->name);
	if ((err = gh_json_add(o, "type", json_object_new_string("http-01")))
	    != GH_OK ||
	    (err = gh_json_add(o, "url", json_object_new_string(url))) !=
	    GH_OK ||
	    (err = gh_json_add(o, "token", json_object_new_string(z->token)))
	    != GH_OK ||
	    (err = gh_json_add(o, "status", json_object_new_string(
	    acme_status_names[z->chall]))) != GH_OK ||
	    (z->validated > 0 && (err = gh_json_add(o, "validated",
	    acme_json_time(z->validated))) != GH_OK))
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
	    (err = gh_json_add(o, "expires", acme_json_time(z->expires))) != GH_OK)
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
	    (err = gh_json_add(o, "expires", acme_json_time(f->o.expires))) !=
	    GH_OK)
		goto fail;
	err = GH_ENOMEM;
	if ((ids = json_object_new_array()) == NULL ||
	    (authz = json_object_new_array()) == NULL)
		goto fail_lists;
	for (i = 0; i < f->nz; i++) {
		acme_urlf(url, sizeof(url), "%s/authz/%s", q->base,
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
	acme_urlf(url, sizeof(url), "%s/order/%s/finalize", q->base,
	    f->o.name);
	if ((err = gh_json_add(o, "finalize", json_object_new_string(url))) !=
	    GH_OK)
		goto fail;
	if (f->status == ACME_VALID && f->o.serial[0] != '\0') {
		acme_urlf(url, sizeof(url), "%s/cert/%s", q->base, f->o.serial);
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

static enum gh_err
answer_order(struct gh_req *req, struct gh_res *res, const struct acme_rq *q,
    const struct acme_full *f, int status, int location)
{
	struct json_object	*o = NULL;
	char			 url[ACME_URL_MAX + 64];
	enum gh_err		 err;

	if ((err = order_json(q, f, &o)) != GH_OK)
		return err;
	acme_urlf(url, sizeof(url), "%s/order/%s", q->base, f->o.name);
	if (f->status == ACME_PROCESSING &&
	    (err = gh_res_header(res, "Retry-After", "1")) != GH_OK)
		goto out;
	err = acme_answer(req, res, status, o, location ? url : NULL);
out:
	json_object_put(o);
	return err;
}

/* How many orders replacing one certificate replaced_check loads. */
#define ACME_REPLACED_TRIES	8

/*
 * RFC 9773 5: a certificate already replaced by an order that is not
 * invalid is not replaced again (409 alreadyReplaced).  Each order found
 * is loaded, which stores it invalid if it has become so since it was
 * last read: a failed or expired order frees the certificate again.
 * Past ACME_REPLACED_TRIES such orders the answer is alreadyReplaced all
 * the same.  f is scratch space, zeroed again.  Problems answered.
 */
static enum gh_err
replaced_check(struct certmaker *cm, struct gh_res *res, const char *serial,
    struct acme_full *f)
{
	struct acme_order	by;
	enum gh_err		err = GH_OK;
	int			i;

	for (i = 0; i < ACME_REPLACED_TRIES; i++) {
		err = certmaker_store_acme_order_replacing(cm, serial, &by);
		if (err == GH_OK)
			err = acme_full_load(cm, by.name, f);
		if (err != GH_OK || f->status != ACME_INVALID)
			break;
	}
	memset(f, 0, sizeof(*f));
	if (err == GH_ENOTFOUND)
		return GH_OK;
	if (err != GH_OK)
		return err;
	return acme_problem(res, 409, "alreadyReplaced", "replaces: that "
	    "certificate is already replaced by another order");
}

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

	acme_rq_init(&q);
	if ((err = acme_post(cm, req, res, ACME_KEY_KID, &q)) != GH_OK)
		goto out;
	if (q.payload == NULL ||
	    !json_object_object_get_ex(q.payload, "identifiers", &arr)) {
		err = acme_problem(res, 400, "malformed", "newOrder takes an object "
		    "with identifiers");
		goto out;
	}
	if (json_object_object_get_ex(q.payload, "notBefore", NULL) ||
	    json_object_object_get_ex(q.payload, "notAfter", NULL)) {
		err = acme_problem(res, 400, "malformed", "notBefore and notAfter "
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
			err = acme_problem(res, 400, type, "%s", why);
		goto out;
	}
	/* RFC 9773 5: replaces names a certificate of this account, once. */
	if (json_object_object_get_ex(q.payload, "replaces", NULL)) {
		if (gh_json_get_string(q.payload, "replaces", &rep, &replen) !=
		    GH_OK || acme_ari_serial(rep, replen, serial) != GH_OK) {
			err = acme_problem(res, 400, "malformed", "replaces: an ARI "
			    "certificate identifier");
			goto out;
		}
		err = certmaker_store_acme_order_by_serial(cm, serial, &prev);
		if (err == GH_ENOTFOUND || (err == GH_OK &&
		    prev.account_id != q.acct.id)) {
			err = acme_problem(res, 409, "conflict", "replaces: no "
			    "certificate of this account has that identifier");
			goto out;
		}
		if (err != GH_OK || (err = replaced_check(cm, res, serial, f)) !=
		    GH_OK)
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
	if ((err = acme_full_load(cm, f->o.name, f)) == GH_OK)
		err = answer_order(req, res, &q, f, 201, 1);
out:
	free(ids);
	free(f);
	acme_rq_free(&q);
	return acme_done(res, err);
}

enum gh_err
acme_order(struct gh_svc *svc, struct gh_req *req, struct gh_res *res)
{
	struct certmaker	*cm = svc->ctx;
	struct acme_rq		 q;
	struct acme_full	*f = NULL;
	enum gh_err		 err;

	acme_rq_init(&q);
	if ((err = acme_post(cm, req, res, ACME_KEY_KID, &q)) != GH_OK)
		goto out;
	if ((f = calloc(1, sizeof(*f))) == NULL) {
		err = GH_ENOMEM;
		goto out;
	}
	if ((err = acme_own(cm, req, res, &q, ACME_OWN_ORDER, f)) == GH_OK)
		err = answer_order(req, res, &q, f, 200, 0);
out:
	free(f);
	acme_rq_free(&q);
	return acme_done(res, err);
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

	acme_rq_init(&q);
	gh_buf_init(&pem, 64 * 1024);
	if ((err = acme_post(cm, req, res, ACME_KEY_KID, &q)) != GH_OK)
		goto out;
	if ((f = calloc(1, sizeof(*f))) == NULL ||
	    (r = calloc(1, sizeof(*r))) == NULL ||
	    (der = malloc(ACME_DER_MAX)) == NULL) {
		err = GH_ENOMEM;
		goto out;
	}
	if ((err = acme_own(cm, req, res, &q, ACME_OWN_ORDER, f)) != GH_OK)
		goto out;
	if (f->status != ACME_READY) {
		err = acme_problem(res, 403, "orderNotReady", "the order is %s",
		    acme_status_names[f->status]);
		goto out;
	}
	if (!certmaker_have_ca(cm)) {
		err = gh_fail(res, GH_EUNAVAIL, "certmaker has no root yet");
		goto out;
	}
	if (acme_payload_der(q.payload, "csr", der, ACME_DER_MAX, &n) != GH_OK) {
		err = acme_problem(res, 400, "malformed", "csr: base64url DER");
		goto out;
	}
	cm_request_init(r);
	if (pki_csr_parse(der, n, r, &csr, why, sizeof(why)) != GH_OK) {
		err = acme_problem(res, 400, "badCSR", "%s", why);
		goto out;
	}
	if (!csr_names_match(r, f)) {
		err = acme_problem(res, 400, "badCSR", "the CSR's names must be the "
		    "order's identifiers, no more and no fewer");
		goto out;
	}
	if (gh_jwk_equal(X509_REQ_get0_pubkey(csr), q.key)) {
		err = acme_problem(res, 400, "badCSR", "the certificate key must "
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
		err = acme_problem(res, 403, "orderNotReady", "the order was "
		    "finalized meanwhile");
		goto out;
	}
	if (err != GH_OK)
		goto out;
	if (gh_conf_log_requests(&cm->conf))
		gh_log("acme: order %s issued %s in %lld us", f->o.name,
		    c.serial, gh_now_us() - t0);
	if ((err = acme_full_load(cm, f->o.name, f)) == GH_OK)
		err = answer_order(req, res, &q, f, 200, 0);
out:
	X509_free(x);
	X509_REQ_free(csr);
	free(der);
	free(r);
	free(f);
	gh_buf_free(&pem);
	acme_rq_free(&q);
	return acme_done(res, err);
}

/* --- authorizations and challenges ------------------------------------------ */

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

	acme_rq_init(&q);
	if ((err = acme_post(cm, req, res, ACME_KEY_KID, &q)) != GH_OK ||
	    (err = acme_own(cm, req, res, &q, ACME_OWN_AUTHZ, &z)) != GH_OK)
		goto out;
	if (q.payload != NULL &&
	    json_object_object_get_ex(q.payload, "status", &v)) {
		/* 7.5.2: a client may give up a pending or valid one. */
		if (!json_object_is_type(v, json_type_string) ||
		    strcmp(json_object_get_string(v), "deactivated") != 0) {
			err = acme_problem(res, 400, "malformed", "status: only "
			    "\"deactivated\"");
			goto out;
		}
		now_st = acme_authz_status(&z, now);
		if (now_st != ACME_PENDING && now_st != ACME_VALID) {
			err = acme_problem(res, 400, "malformed", "the authorization "
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
	acme_rq_free(&q);
	return acme_done(res, err);
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
	acme_urlf(keyauth, sizeof(keyauth), "%s.%s", z->token, thumb);
	gh_sha256(keyauth, strlen(keyauth), want);
	acme_urlf(host, sizeof(host), z->type == ACME_IP &&
	    strchr(z->value, ':') != NULL ? "[%s]" : "%s", z->value);
	acme_urlf(path, sizeof(path), WELL_KNOWN "%s", z->token);
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

	acme_rq_init(&q);
	/* 7.5.1: a link up to the authorization (certbot and lego use it). */
	if (acme_id_valid(req->cap[0].s, req->cap[0].len))
		q.up_authz = req->cap[0].s;
	if ((err = acme_post(cm, req, res, ACME_KEY_KID, &q)) != GH_OK ||
	    (err = acme_own(cm, req, res, &q, ACME_OWN_AUTHZ, &z)) != GH_OK)
		goto out;
	/* A POST of {} asks for validation; POST-as-GET only looks. */
	if (q.payload != NULL && z.chall == ACME_PENDING) {
		if (acme_authz_status(&z, now) != ACME_PENDING) {
			err = acme_problem(res, 400, "malformed", "the authorization "
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
	acme_rq_free(&q);
	return acme_done(res, err);
}
