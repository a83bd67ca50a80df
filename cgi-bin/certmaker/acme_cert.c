/* SPDX-License-Identifier: ISC */
/*
 * acme_cert: what comes after issuance: the certificate chain, revokeCert
 * (by the issuing account, by an account holding every name, or by the
 * certificate's key) and ARI's renewalInfo (RFC 9773).
 */

#include <arpa/inet.h>
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

#define PEM_CHAIN_TYPE	"application/pem-certificate-chain"

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

	acme_rq_init(&q);
	gh_buf_init(&pem, 128 * 1024);
	if ((err = acme_post(cm, req, res, ACME_KEY_KID, &q)) != GH_OK)
		goto out;
	if (cm_serial_parse(req->cap[0].s, req->cap[0].len, serial) !=
	    GH_OK) {
		err = acme_problem(res, 404, "malformed", "no such certificate");
		goto out;
	}
	err = certmaker_store_acme_order_by_serial(cm, serial, &o);
	if (err == GH_ENOTFOUND || (err == GH_OK &&
	    o.account_id != q.acct.id)) {
		err = acme_problem(res, 404, "malformed", "no such certificate");
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
	acme_rq_free(&q);
	return acme_done(res, err);
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

	acme_rq_init(&q);
	if ((err = acme_post(cm, req, res, ACME_KEY_EITHER, &q)) != GH_OK)
		goto out;
	if ((der = malloc(ACME_DER_MAX)) == NULL) {
		err = GH_ENOMEM;
		goto out;
	}
	if (acme_payload_der(q.payload, "certificate", der, ACME_DER_MAX,
	    &n) != GH_OK) {
		err = acme_problem(res, 400, "malformed", "certificate: base64url "
		    "DER");
		goto out;
	}
	if (json_object_object_get_ex(q.payload, "reason", NULL) &&
	    gh_json_get_int(q.payload, "reason", 0, 10, &reason) != GH_OK) {
		err = acme_problem(res, 400, "badRevocationReason", "reason: an "
		    "RFC 5280 CRLReason code");
		goto out;
	}
	/* What a subscriber may say (as Boulder): not CA compromise, hold… */
	if (reason != 0 && reason != 1 && reason != 3 && reason != 4 &&
	    reason != 5) {
		err = acme_problem(res, 400, "badRevocationReason", "reason %lld is "
		    "not one a subscriber may give (0, 1, 3, 4, 5)", reason);
		goto out;
	}
	p = der;
	if ((x = d2i_X509(NULL, &p, (long)n)) == NULL || p != der + n ||
	    !certmaker_have_ca(cm) || (capub = X509_get0_pubkey(cm->ca)) == NULL ||
	    X509_verify(x, capub) != 1 || cert_serial(x, serial) != GH_OK) {
		ERR_clear_error();
		err = acme_problem(res, 404, "malformed", "not a certificate this "
		    "server issued");
		goto out;
	}
	err = certmaker_store_cert_get(cm, serial, &c, NULL, NULL);
	if (err == GH_ENOTFOUND) {
		err = acme_problem(res, 404, "malformed", "not a certificate this "
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
		err = acme_problem(res, 403, "unauthorized", "this key may not "
		    "revoke that certificate: it is not the certificate's "
		    "key, nor the account that ordered it, nor one holding "
		    "valid authorizations for all its names");
		goto out;
	}
	err = certmaker_store_cert_revoke(cm, serial, (int)reason, gh_now());
	if (err == GH_EGONE) {
		err = acme_problem(res, 400, "alreadyRevoked", "the certificate "
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
	acme_rq_free(&q);
	return acme_done(res, err);
}

/* --- ARI ------------------------------------------------------------------- */

/*
 * An RFC 9773 certificate identifier: base64url(AKI keyIdentifier) "."
 * base64url(serial DER INTEGER content).  The AKI is not checked here
 * (one root); the serial comes back as our hex.
 */
enum gh_err
acme_ari_serial(const char *id, size_t len, char serial[CM_SERIAL_HEX + 9])
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

	acme_rq_init(&q);
	if ((err = acme_begin(cm, req, res, &q)) != GH_OK)
		goto out;
	if (acme_ari_serial(req->cap[0].s, req->cap[0].len, serial) != GH_OK) {
		err = acme_problem(res, 400, "malformed", "not an ARI certificate "
		    "identifier");
		goto out;
	}
	err = certmaker_store_cert_get(cm, serial, &c, NULL, NULL);
	if (err == GH_ENOTFOUND) {
		err = acme_problem(res, 404, "malformed", "no such certificate");
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
	if ((err = gh_json_add(w, "start", acme_json_time(start))) != GH_OK ||
	    (err = gh_json_add(w, "end", acme_json_time(end))) != GH_OK)
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
	acme_rq_free(&q);
	return acme_done(res, err);
}
