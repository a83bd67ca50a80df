/* SPDX-License-Identifier: ISC */
/*
 * ocsp: the RFC 6960 responder (GET /api/v1/ocsp/<base64>, POST
 * /api/v1/ocsp) and the CRL (GET /api/v1/crl).  Both are public: OCSP and
 * CRL clients cannot send a token.  Answers are signed by the root itself.
 */
#include <string.h>

#include <openssl/err.h>
#include <openssl/ocsp.h>

#include "certmaker.h"
#include "log.h"
#include "req.h"
#include "serve.h"
#include "token.h"

#define OCSP_REQ_MAX	8192	/* bytes of a DER request we take */

enum gh_err
ocsp_decode_get(const char *s, size_t len, unsigned char *out, size_t outsz,
    size_t *outlen)
{
	/* gh_b64url_decode takes both alphabets, padding optional. */
	if (len == 0)
		return GH_EINVAL;
	return gh_b64url_decode(s, len, out, outsz, outlen);
}

enum gh_err
ocsp_request_parse(const unsigned char *der, size_t n, OCSP_REQUEST **out)
{
	const unsigned char	*p = der;
	OCSP_REQUEST		*req;

	if (n == 0 || n > OCSP_REQ_MAX)
		return GH_EINVAL;
	req = d2i_OCSP_REQUEST(NULL, &p, (long)n);
	ERR_clear_error();
	if (req == NULL)
		return GH_EINVAL;
	if (p != der + n || OCSP_request_onereq_count(req) < 1) {
		OCSP_REQUEST_free(req);
		return GH_EINVAL;
	}
	*out = req;
	return GH_OK;
}

/* Does cid name our root as issuer, under the hash algorithm it uses? */
static int
ours(X509 *ca, OCSP_CERTID *cid)
{
	ASN1_OBJECT	*md_oid = NULL;
	OCSP_CERTID	*mine;
	const EVP_MD	*md;
	int		 same;

	if (!OCSP_id_get0_info(NULL, &md_oid, NULL, NULL, cid) ||
	    (md = EVP_get_digestbyobj(md_oid)) == NULL)
		return 0;
	if ((mine = OCSP_cert_to_id(md, NULL, ca)) == NULL)
		return 0;
	same = OCSP_id_issuer_cmp(mine, cid) == 0;
	OCSP_CERTID_free(mine);
	return same;
}

/* The serial of cid as lower-case hex, as the store keeps it. */
static int
serial_hex(OCSP_CERTID *cid, char out[CM_SERIAL_HEX + 9])
{
	ASN1_INTEGER	*sn = NULL;
	BIGNUM		*bn;
	char		*hex;
	size_t		 i, n;
	int		 ok = 0;

	if (!OCSP_id_get0_info(NULL, NULL, NULL, &sn, cid) || sn == NULL ||
	    (bn = ASN1_INTEGER_to_BN(sn, NULL)) == NULL)
		return 0;
	if (!BN_is_negative(bn) && (hex = BN_bn2hex(bn)) != NULL) {
		n = strlen(hex);
		if (n > 0 && n <= CM_SERIAL_HEX + 8) {
			for (i = 0; i <= n; i++)
				out[i] = (hex[i] >= 'A' && hex[i] <= 'F') ?
				    (char)(hex[i] - 'A' + 'a') : hex[i];
			ok = 1;
		}
		OPENSSL_free(hex);
	}
	BN_free(bn);
	return ok;
}

/* Sign bs with the root: SHA-256, or the key's own scheme for Ed25519. */
static int
sign_basic(OCSP_BASICRESP *bs, X509 *ca, EVP_PKEY *key)
{
	EVP_MD_CTX	*mctx;
	const EVP_MD	*md = EVP_PKEY_get_base_id(key) == EVP_PKEY_ED25519 ?
	    NULL : EVP_sha256();
	int		 ok = 0;

	if ((mctx = EVP_MD_CTX_new()) == NULL)
		return 0;
	if (EVP_DigestSignInit(mctx, NULL, md, NULL, key) == 1)
		ok = OCSP_basic_sign_ctx(bs, ca, mctx, NULL, 0);
	EVP_MD_CTX_free(mctx);
	return ok;
}

enum gh_err
ocsp_respond(X509 *ca, EVP_PKEY *cakey, OCSP_REQUEST *req,
    ocsp_lookup_cb *lookup, void *arg, long long now, long long validity,
    OCSP_RESPONSE **out)
{
	OCSP_BASICRESP	*bs = NULL;
	OCSP_ONEREQ	*one;
	OCSP_CERTID	*cid;
	ASN1_TIME	*thisupd = NULL, *nextupd = NULL, *revtime = NULL;
	OCSP_RESPONSE	*resp = NULL;
	char		 serial[CM_SERIAL_HEX + 9];
	long long	 revoked;
	int		 i, n, status, reason;
	enum gh_err	 err = GH_ECRYPTO, lerr;

	if ((bs = OCSP_BASICRESP_new()) == NULL ||
	    (thisupd = ASN1_TIME_set(NULL, (time_t)now)) == NULL ||
	    (nextupd = ASN1_TIME_set(NULL, (time_t)(now + validity))) == NULL)
		goto out;
	n = OCSP_request_onereq_count(req);
	for (i = 0; i < n; i++) {
		one = OCSP_request_onereq_get0(req, i);
		cid = OCSP_onereq_get0_id(one);
		status = V_OCSP_CERTSTATUS_UNKNOWN;
		reason = 0;
		revoked = 0;
		if (ours(ca, cid) && serial_hex(cid, serial)) {
			lerr = lookup(serial, &revoked, &reason, arg);
			if (lerr == GH_OK)
				status = revoked ? V_OCSP_CERTSTATUS_REVOKED :
				    V_OCSP_CERTSTATUS_GOOD;
			else if (lerr != GH_ENOTFOUND) {
				err = lerr;
				goto out;
			}
		}
		ASN1_TIME_free(revtime);
		revtime = NULL;
		if (status == V_OCSP_CERTSTATUS_REVOKED &&
		    (revtime = ASN1_TIME_set(NULL, (time_t)revoked)) == NULL)
			goto out;
		if (OCSP_basic_add1_status(bs, cid, status,
		    status == V_OCSP_CERTSTATUS_REVOKED ? reason : -1,
		    revtime, thisupd, nextupd) == NULL)
			goto out;
	}
	/* The nonce, when the request has one (2: it had none). */
	if (OCSP_copy_nonce(bs, req) <= 0)
		goto out;
	if (!sign_basic(bs, ca, cakey))
		goto out;
	if ((resp = OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL,
	    bs)) == NULL)
		goto out;
	*out = resp;
	err = GH_OK;
out:
	if (err == GH_ECRYPTO)
		gh_log("%s: cannot build the OCSP answer", __func__);
	ERR_clear_error();
	OCSP_BASICRESP_free(bs);
	ASN1_TIME_free(thisupd);
	ASN1_TIME_free(nextupd);
	ASN1_TIME_free(revtime);
	return err;
}

static enum gh_err
store_lookup(const char *serial, long long *revoked, int *reason, void *arg)
{
	struct certmaker	*cm = arg;
	struct cm_cert		 c;
	enum gh_err		 err;

	if ((err = certmaker_store_cert_get(cm, serial, &c, NULL,
	    NULL)) != GH_OK)
		return err;
	*revoked = c.revoked;
	*reason = c.reason;
	return GH_OK;
}

/* Answer an OCSP response of the given DER (resp NULL: an error status). */
static enum gh_err
answer(struct gh_res *res, OCSP_RESPONSE *resp, int status)
{
	unsigned char	*der = NULL;
	OCSP_RESPONSE	*own = NULL;
	enum gh_err	 err;
	int		 n;

	if (resp == NULL && (resp = own = OCSP_response_create(status,
	    NULL)) == NULL)
		return GH_ECRYPTO;
	n = i2d_OCSP_RESPONSE(resp, &der);
	OCSP_RESPONSE_free(own);
	if (n <= 0)
		return GH_ECRYPTO;
	err = gh_res_text(res, 200, "application/ocsp-response",
	    (const char *)der, (size_t)n);
	OPENSSL_free(der);
	return err;
}

/* One DER request: the signed answer, or malformedRequest / tryLater. */
static enum gh_err
ocsp_serve(struct certmaker *cm, struct gh_res *res, const unsigned char *der,
    size_t n)
{
	OCSP_REQUEST	*req = NULL;
	OCSP_RESPONSE	*resp = NULL;
	enum gh_err	 err;

	if (ocsp_request_parse(der, n, &req) != GH_OK)
		return answer(res, NULL, OCSP_RESPONSE_STATUS_MALFORMEDREQUEST);
	err = !certmaker_have_ca(cm) ? GH_EUNAVAIL : ocsp_respond(cm->ca, cm->ca_key,
	    req, store_lookup, cm, gh_now(),
	    certmaker_conf_int(&cm->conf, CERTMAKER_CONF_OCSP_VALIDITY), &resp);
	OCSP_REQUEST_free(req);
	if (err != GH_OK) {
		gh_log("ocsp: cannot answer: %s", gh_strerror(err));
		return answer(res, NULL, OCSP_RESPONSE_STATUS_TRYLATER);
	}
	err = answer(res, resp, 0);
	OCSP_RESPONSE_free(resp);
	return err;
}

enum gh_err
certmaker_ocsp_get(struct gh_svc *svc, struct gh_req *req, struct gh_res *res)
{
	unsigned char	der[OCSP_REQ_MAX];
	size_t		n;

	if (ocsp_decode_get(req->cap[0].s, req->cap[0].len, der, sizeof(der),
	    &n) != GH_OK)
		return answer(res, NULL, OCSP_RESPONSE_STATUS_MALFORMEDREQUEST);
	return ocsp_serve(svc->ctx, res, der, n);
}

enum gh_err
certmaker_ocsp_post(struct gh_svc *svc, struct gh_req *req, struct gh_res *res)
{
	if (!gh_req_is_type(req, "application/ocsp-request"))
		return gh_fail(res, GH_EMEDIA,
		    "Content-Type must be application/ocsp-request");
	return ocsp_serve(svc->ctx, res, (const unsigned char *)
	    (req->body.data ? req->body.data : ""), req->body.len);
}

/* Add one revoked entry to the CRL. */
static enum gh_err
crl_add(const char *serial, long long when, int reason, void *arg)
{
	X509_CRL	*crl = arg;
	X509_REVOKED	*rev = NULL;
	BIGNUM		*bn = NULL;
	ASN1_INTEGER	*sn = NULL;
	ASN1_TIME	*t = NULL;
	ASN1_ENUMERATED	*e = NULL;
	enum gh_err	 err = GH_ECRYPTO;

	if (!BN_hex2bn(&bn, serial) || (sn = BN_to_ASN1_INTEGER(bn, NULL)) ==
	    NULL || (t = ASN1_TIME_set(NULL, (time_t)when)) == NULL ||
	    (rev = X509_REVOKED_new()) == NULL ||
	    !X509_REVOKED_set_serialNumber(rev, sn) ||
	    !X509_REVOKED_set_revocationDate(rev, t))
		goto out;
	/* RFC 5280 5.3.1: the reason is left out rather than "unspecified". */
	if (reason > 0 && ((e = ASN1_ENUMERATED_new()) == NULL ||
	    !ASN1_ENUMERATED_set(e, reason) ||
	    !X509_REVOKED_add1_ext_i2d(rev, NID_crl_reason, e, 0, 0)))
		goto out;
	if (!X509_CRL_add0_revoked(crl, rev))
		goto out;
	rev = NULL;
	err = GH_OK;
out:
	X509_REVOKED_free(rev);
	BN_free(bn);
	ASN1_INTEGER_free(sn);
	ASN1_TIME_free(t);
	ASN1_ENUMERATED_free(e);
	return err;
}

enum gh_err
crl_build(struct certmaker *cm, long long now, struct gh_buf *out)
{
	X509_CRL	*crl;
	ASN1_TIME	*t = NULL;
	ASN1_INTEGER	*num = NULL;
	X509V3_CTX	 ctx;
	X509_EXTENSION	*ext;
	EVP_MD_CTX	*mctx = NULL;
	unsigned char	*der = NULL;
	const EVP_MD	*md;
	enum gh_err	 err = GH_ECRYPTO;
	long long	 number = 0;
	int		 n;

	if ((crl = X509_CRL_new()) == NULL)
		return GH_ENOMEM;
	if (!X509_CRL_set_version(crl, X509_CRL_VERSION_2) ||
	    !X509_CRL_set_issuer_name(crl, X509_get_subject_name(cm->ca)) ||
	    (t = ASN1_TIME_set(NULL, (time_t)now)) == NULL ||
	    !X509_CRL_set1_lastUpdate(crl, t) ||
	    ASN1_TIME_set(t, (time_t)(now + certmaker_conf_int(&cm->conf,
	    CERTMAKER_CONF_CRL_VALIDITY))) == NULL ||
	    !X509_CRL_set1_nextUpdate(crl, t))
		goto out;
	/* The CRL number only grows, on every node: the store's counter. */
	if ((err = certmaker_store_crl(cm, now, &number, crl_add, crl)) !=
	    GH_OK)
		goto out;
	err = GH_ECRYPTO;
	X509_CRL_sort(crl);
	X509V3_set_ctx(&ctx, cm->ca, NULL, NULL, crl, 0);
	if ((num = ASN1_INTEGER_new()) == NULL ||
	    !ASN1_INTEGER_set_int64(num, number) ||
	    !X509_CRL_add1_ext_i2d(crl, NID_crl_number, num, 0, 0))
		goto out;
	if ((ext = X509V3_EXT_conf_nid(NULL, &ctx,
	    NID_authority_key_identifier, "keyid:always")) == NULL)
		goto out;
	n = X509_CRL_add_ext(crl, ext, -1);
	X509_EXTENSION_free(ext);
	if (!n)
		goto out;
	md = EVP_PKEY_get_base_id(cm->ca_key) == EVP_PKEY_ED25519 ? NULL :
	    EVP_sha256();
	if ((mctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit(mctx, NULL, md, NULL, cm->ca_key) != 1 ||
	    X509_CRL_sign_ctx(crl, mctx) <= 0)
		goto out;
	if ((n = i2d_X509_CRL(crl, &der)) <= 0)
		goto out;
	err = gh_buf_add(out, der, (size_t)n);
out:
	if (err == GH_ECRYPTO)
		gh_log("%s: cannot build the CRL", __func__);
	ERR_clear_error();
	OPENSSL_free(der);
	EVP_MD_CTX_free(mctx);
	ASN1_INTEGER_free(num);
	ASN1_TIME_free(t);
	X509_CRL_free(crl);
	return err;
}

enum gh_err
certmaker_crl_get(struct gh_svc *svc, struct gh_req *req, struct gh_res *res)
{
	struct certmaker	*cm = svc->ctx;
	enum gh_err		 err;

	if (!certmaker_have_ca(cm))
		return gh_fail(res, GH_EUNAVAIL, "no root certificate yet");
	gh_buf_reset(&cm->scratch);
	if ((err = crl_build(cm, gh_now(), &cm->scratch)) != GH_OK)
		return gh_fail(res, err, "cannot build the CRL");
	return gh_res_text(res, 200, "application/pkix-crl", cm->scratch.data,
	    cm->scratch.len);
}
