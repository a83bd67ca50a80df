/* SPDX-License-Identifier: ISC */
/*
 * cert: the root certificate; certificates from a JSON request or a CSR;
 * fetching a certificate and its private key; revocation.  Only the owner
 * of a certificate, or an admin, may see or revoke it: anyone else gets
 * 404, as if it did not exist.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <json-c/json.h>
#include <openssl/crypto.h>

#include "certmaker.h"
#include "json.h"
#include "log.h"
#include "serve.h"

#define PEM_TYPE	"application/x-pem-file"
#define BACKDATE_S	300	/* notBefore this much early: clock skew */

/* RFC 5280 CRLReason names, by code; NULL for codes we do not use. */
static const char *const reasons[] = {
	[0] = "unspecified",
	[1] = "keyCompromise",
	[2] = "cACompromise",
	[3] = "affiliationChanged",
	[4] = "superseded",
	[5] = "cessationOfOperation",
	[9] = "privilegeWithdrawn",
	[10] = "aACompromise",
};

enum gh_err
cm_base_url(struct certmaker *cm, struct gh_req *req, char *out, size_t outsz)
{
	const char	*base;
	const char	*host, *why;
	size_t		 n;

	base = certmaker_conf_str(&cm->conf, CERTMAKER_CONF_BASE_URL);
	if (base[0] != '\0') {
		n = gh_strlcpy(out, base, outsz);
		if (n >= outsz)
			return GH_ECONFIG;
		while (n > 0 && out[n - 1] == '/')
			out[--n] = '\0';
		return GH_OK;
	}
	host = gh_req_param(req, "HTTP_HOST");
	if (host == NULL || host[0] == '\0' ||
	    (size_t)snprintf(out, outsz, "https://%s", host) >= outsz ||
	    gh_valid_url(out, strlen(out), 0, &why) != GH_OK)
		return GH_EINVAL;
	return GH_OK;
}

/* The certificate's row if the current user may see it; else GH_ENOTFOUND. */
static enum gh_err
own_cert(struct certmaker *cm, struct gh_req *req, struct gh_res *res,
    struct cm_cert *c, struct gh_buf *pem, struct gh_buf *key)
{
	char		serial[CM_SERIAL_HEX + 9];
	enum gh_err	err;

	if (cm_serial_parse(req->cap[0].s, req->cap[0].len, serial) != GH_OK)
		return gh_fail(res, GH_ENOTFOUND, "no such certificate");
	err = certmaker_store_cert_get(cm, serial, c, pem, key);
	if (err == GH_ENOTFOUND || (err == GH_OK && c->user_id != cm->user.id &&
	    !cm->user.admin))
		return gh_fail(res, GH_ENOTFOUND, "no such certificate");
	if (err != GH_OK)
		return gh_fail(res, err, "certificate lookup failed");
	return GH_OK;
}

enum gh_err
cm_answer_locations(struct certmaker *cm, struct gh_req *req,
    struct gh_res *res, const char *serial, int has_key)
{
	struct json_object	*obj;
	char			 base[600], cert[700], key[700];
	enum gh_err		 err;

	if (cm_base_url(cm, req, base, sizeof(base)) != GH_OK)
		return gh_fail(res, GH_EINVAL, "the Host header is not usable "
		    "in a URL");
	snprintf(cert, sizeof(cert), "%s/api/v1/certificate/%s/obtain", base,
	    serial);
	snprintf(key, sizeof(key), "%s/api/v1/privatekey/%s/obtain", base,
	    serial);
	if ((obj = json_object_new_object()) == NULL)
		return GH_ENOMEM;
	if ((err = gh_res_header(res, "X-Certificate-Location", "%s",
	    cert)) != GH_OK ||
	    (has_key && (err = gh_res_header(res, "X-Privatekey-Location", "%s",
	    key)) != GH_OK) ||
	    (err = gh_json_add(obj, "serial",
	    json_object_new_string(serial))) != GH_OK ||
	    (err = gh_json_add(obj, "certificate_location",
	    json_object_new_string(cert))) != GH_OK ||
	    (has_key && (err = gh_json_add(obj, "privatekey_location",
	    json_object_new_string(key))) != GH_OK))
		goto out;
	err = gh_res_json(res, 200, obj);
out:
	json_object_put(obj);
	return err;
}

/* The end of the root's validity as seconds since the epoch. */
static long long
ca_not_after(X509 *ca)
{
	struct tm	tm;

	if (!ASN1_TIME_to_tm(X509_get0_notAfter(ca), &tm))
		return 0;
	return (long long)timegm(&tm);
}

void
cm_validity(struct certmaker *cm, long long days, long long *not_before,
    long long *not_after)
{
	long long	now = gh_now(), end;

	*not_before = now - BACKDATE_S;
	*not_after = now + days * 86400;
	/* Never past the root's own end. */
	if ((end = ca_not_after(cm->ca)) > 0 && *not_after > end)
		*not_after = end;
}

enum gh_err
cm_issue(struct certmaker *cm, struct gh_req *req, struct gh_res *res,
    const struct cm_request *r, X509_REQ *csr, const char *challenge_id)
{
	struct pki_issue	 in;
	struct cm_cert		 c;
	struct gh_buf		 pem, plain;
	EVP_PKEY		*key = NULL;
	X509			*x = NULL;
	char			 base[600];
	enum gh_err		 err;

	if (!certmaker_have_ca(cm))
		return gh_fail(res, GH_EUNAVAIL, "certmaker has no root yet "
		    "(gatectl certmaker init-ca)");
	if (cm_base_url(cm, req, base, sizeof(base)) != GH_OK)
		return gh_fail(res, GH_EINVAL, "the Host header is not usable "
		    "in a URL");
	gh_buf_init(&pem, 64 * 1024);
	gh_buf_init(&plain, 64 * 1024);
	memset(&in, 0, sizeof(in));
	memset(&c, 0, sizeof(c));
	if (csr == NULL && (err = pki_keygen(r->key_type, &key)) != GH_OK) {
		gh_fail(res, err, "key generation failed");
		goto out;
	}
	in.req = r;
	in.subject = csr ? X509_REQ_get_subject_name(csr) : NULL;
	in.pub = csr ? X509_REQ_get0_pubkey(csr) : key;
	cm_validity(cm, r->days, &in.not_before, &in.not_after);
	in.base_url = base;
	if ((err = certmaker_store_serial_next(cm, &in.seq)) != GH_OK ||
	    (err = pki_issue(cm->ca, cm->ca_key, &in, &x, c.serial)) != GH_OK ||
	    (err = pki_cert_pem(x, &pem)) != GH_OK) {
		gh_fail(res, err, "cannot issue the certificate");
		goto out;
	}
	if (key != NULL) {
		if ((err = pki_key_pem(key, &plain)) != GH_OK ||
		    (err = gh_seal(&cm->key, LABEL_CERT_KEY, plain.data,
		    plain.len, &cm->scratch)) != GH_OK) {
			gh_fail(res, err, "cannot seal the key");
			goto out;
		}
	}
	c.user_id = cm->user.id;
	c.not_before = in.not_before;
	c.not_after = in.not_after;
	c.has_key = key != NULL;
	/* cm->scratch was reset by the caller before the seal. */
	if ((err = certmaker_store_cert_add(cm, &c, pem.data,
	    key ? cm->scratch.data :
	    NULL, key ? cm->scratch.len : 0, challenge_id)) != GH_OK) {
		if (err != GH_ECONFLICT)
			gh_fail(res, err, "cannot store the certificate");
		goto out;
	}
	err = cm_answer_locations(cm, req, res, c.serial, c.has_key);
out:
	EVP_PKEY_free(key);
	X509_free(x);
	gh_buf_free(&pem);
	gh_buf_free(&plain);
	return err;
}

enum gh_err
certmaker_root_get(struct gh_svc *svc, struct gh_req *req, struct gh_res *res)
{
	struct certmaker	*cm = svc->ctx;
	enum gh_err		 err;

	if (!certmaker_have_ca(cm))
		return gh_fail(res, GH_EUNAVAIL, "certmaker has no root yet");
	gh_buf_reset(&cm->scratch);
	if ((err = pki_cert_pem(cm->ca, &cm->scratch)) != GH_OK)
		return err;
	return gh_res_text(res, 200, PEM_TYPE, cm->scratch.data,
	    cm->scratch.len);
}

enum gh_err
certmaker_cert_request(struct gh_svc *svc, struct gh_req *req,
    struct gh_res *res)
{
	struct certmaker	*cm = svc->ctx;
	struct cm_request	 r;
	char			 why[CM_WHY_MAX];

	if (gh_req_param(req, "CONTENT_TYPE") != NULL &&
	    !gh_req_is_type(req, "application/json"))
		return gh_fail(res, GH_EMEDIA,
		    "Content-Type must be application/json");
	if (cm_request_parse(req->body.data ? req->body.data : "",
	    req->body.len, certmaker_conf_int(&cm->conf,
	    CERTMAKER_CONF_MAX_DAYS), &r, why, sizeof(why)) != GH_OK)
		return gh_fail(res, GH_EINVAL, "%s", why);
	gh_buf_reset(&cm->scratch);
	if (certmaker_conf_int(&cm->conf, CERTMAKER_CONF_CHALLENGE))
		return cm_challenge_new(cm, req, res, 0, r.days);
	return cm_issue(cm, req, res, &r, NULL, NULL);
}

/* ?days=N for a CSR request: default CM_DAYS_DEFAULT, at most max_days. */
static enum gh_err
query_days(struct certmaker *cm, struct gh_req *req, struct gh_res *res,
    long long *days)
{
	char		 buf[16];
	const char	*errstr;
	long long	 max;

	max = certmaker_conf_int(&cm->conf, CERTMAKER_CONF_MAX_DAYS);
	*days = CM_DAYS_DEFAULT < max ? CM_DAYS_DEFAULT : max;
	switch (gh_req_query(req, "days", buf, sizeof(buf))) {
	case GH_ENOTFOUND:
		return GH_OK;
	case GH_OK:
		*days = gh_strtonum(buf, 1, max, &errstr);
		if (errstr == NULL)
			return GH_OK;
		/* FALLTHROUGH */
	default:
		return gh_fail(res, GH_EINVAL, "days: must be a whole number "
		    "from 1 to %lld", max);
	}
}

enum gh_err
certmaker_cert_request_csr(struct gh_svc *svc, struct gh_req *req,
    struct gh_res *res)
{
	struct certmaker	*cm = svc->ctx;
	struct cm_request	 r;
	X509_REQ		*csr = NULL;
	char			 why[CM_WHY_MAX];
	enum gh_err		 err;

	cm_request_init(&r);
	if ((err = query_days(cm, req, res, &r.days)) != GH_OK)
		return err;
	if (pki_csr_parse(req->body.data ? req->body.data : "", req->body.len,
	    &r, &csr, why, sizeof(why)) != GH_OK)
		return gh_fail(res, GH_EINVAL, "%s", why);
	gh_buf_reset(&cm->scratch);
	if (certmaker_conf_int(&cm->conf, CERTMAKER_CONF_CHALLENGE))
		err = cm_challenge_new(cm, req, res, 1, r.days);
	else
		err = cm_issue(cm, req, res, &r, csr, NULL);
	X509_REQ_free(csr);
	return err;
}

enum gh_err
certmaker_cert_get(struct gh_svc *svc, struct gh_req *req, struct gh_res *res)
{
	struct certmaker	*cm = svc->ctx;
	struct cm_cert		 c;
	enum gh_err		 err;

	gh_buf_reset(&cm->scratch);
	if ((err = own_cert(cm, req, res, &c, &cm->scratch, NULL)) != GH_OK)
		return err;
	return gh_res_text(res, 200, PEM_TYPE, cm->scratch.data,
	    cm->scratch.len);
}

enum gh_err
certmaker_key_get(struct gh_svc *svc, struct gh_req *req, struct gh_res *res)
{
	struct certmaker	*cm = svc->ctx;
	struct cm_cert		 c;
	struct gh_buf		 plain;
	enum gh_err		 err;

	gh_buf_reset(&cm->scratch);
	if ((err = own_cert(cm, req, res, &c, NULL, &cm->scratch)) != GH_OK)
		return err;
	if (!c.has_key)
		return gh_fail(res, GH_ENOTFOUND, "no private key: the "
		    "certificate was made from a CSR");
	gh_buf_init(&plain, 64 * 1024);
	if ((err = gh_unseal(&cm->key, LABEL_CERT_KEY, cm->scratch.data,
	    cm->scratch.len, &plain)) == GH_OK)
		err = gh_res_text(res, 200, PEM_TYPE, plain.data, plain.len);
	else
		gh_fail(res, err, "cannot open the stored key");
	gh_buf_free(&plain);
	res->secret = 1;
	return err;
}

/* The reason of a revocation: ?reason= or {"reason": …}; default unspecified. */
static enum gh_err
revoke_reason(struct gh_req *req, struct gh_res *res, int *out)
{
	static const char *const keys[] = { "reason", NULL };
	struct json_object	*body = NULL;
	char			 q[64];
	const char		*name = NULL, *why, *bad;
	size_t			 i;
	enum gh_err		 err;

	*out = 0;
	if ((err = gh_req_query(req, "reason", q, sizeof(q))) == GH_OK)
		name = q;
	else if (err != GH_ENOTFOUND)
		return gh_fail(res, GH_EINVAL, "reason: malformed");
	if (name == NULL && req->body.len > 0) {
		if (gh_json_parse_object(req->body.data, req->body.len, &body,
		    &why) != GH_OK)
			return gh_fail(res, GH_EINVAL, "body: %s", why);
		if (gh_json_only_keys(body, keys, &bad) != GH_OK) {
			err = gh_fail(res, GH_EINVAL, "body: unknown field "
			    "\"%.64s\"", bad);
			goto out;
		}
		err = gh_json_get_string(body, "reason", &name, NULL);
		if (err != GH_OK && err != GH_ENOTFOUND) {
			err = gh_fail(res, GH_EINVAL, "reason: must be a string");
			goto out;
		}
	}
	err = GH_OK;
	if (name == NULL)
		goto out;
	for (i = 0; i < GH_NELEM(reasons); i++)
		if (reasons[i] != NULL && strcasecmp(name, reasons[i]) == 0) {
			*out = (int)i;
			goto out;
		}
	err = gh_fail(res, GH_EINVAL, "reason: one of unspecified, "
	    "keyCompromise, cACompromise, affiliationChanged, superseded, "
	    "cessationOfOperation, privilegeWithdrawn, aACompromise");
out:
	json_object_put(body);
	return err;
}

enum gh_err
certmaker_cert_revoke(struct gh_svc *svc, struct gh_req *req,
    struct gh_res *res)
{
	struct certmaker	*cm = svc->ctx;
	struct json_object	*obj;
	struct cm_cert		 c;
	char			 when[32];
	long long		 now = gh_now();
	int			 reason;
	enum gh_err		 err;

	if ((err = own_cert(cm, req, res, &c, NULL, NULL)) != GH_OK)
		return err;
	if ((err = revoke_reason(req, res, &reason)) != GH_OK)
		return err;
	err = certmaker_store_cert_revoke(cm, c.serial, reason, now);
	if (err == GH_EGONE)
		return gh_fail(res, err, "certificate already revoked");
	if (err != GH_OK)
		return gh_fail(res, err, "cannot revoke the certificate");
	if ((obj = json_object_new_object()) == NULL)
		return GH_ENOMEM;
	gh_time_rfc3339(now, when);
	if ((err = gh_json_add(obj, "serial",
	    json_object_new_string(c.serial))) == GH_OK &&
	    (err = gh_json_add(obj, "revoked",
	    json_object_new_string(when))) == GH_OK &&
	    (err = gh_json_add(obj, "reason",
	    json_object_new_string(reasons[reason]))) == GH_OK)
		err = gh_res_json(res, 200, obj);
	json_object_put(obj);
	return err;
}
