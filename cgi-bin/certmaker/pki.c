/* SPDX-License-Identifier: ISC */
/*
 * pki: keys, names and certificates, all through OpenSSL 3's EVP and X509
 * APIs in this process (never the openssl program).  Names go into
 * certificates as GENERAL_NAME objects, never through OpenSSL's
 * configuration-string syntax, so no outside text is ever parsed as
 * extension syntax.
 */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "certmaker.h"
#include "log.h"
#include "token.h"

#define PKI_BACKDATE	300	/* notBefore this many seconds early: clock skew */

enum gh_err
pki_serial_new(ASN1_INTEGER **out, char hex[CM_SERIAL_HEX + 1], long long seq)
{
	unsigned char	 b[CM_SERIAL_BYTES];
	BIGNUM		*bn = NULL;
	ASN1_INTEGER	*ai = NULL;
	int		 i;

	if (gh_random(b, sizeof(b)) != GH_OK)
		return GH_ECRYPTO;
	/* Positive, and always CM_SERIAL_BYTES long: one spelling in URLs. */
	b[0] = (unsigned char)((b[0] & 0x7f) | 0x40);
	/*
	 * With the store's counter: 0x40, the counter in the next 7 bytes
	 * (so serials grow in the order they were taken, on every node),
	 * and 64 random bits after it (the CA/Browser Forum's minimum).
	 */
	if (seq > 0) {
		b[0] = 0x40;
		for (i = 7; i >= 1; i--, seq >>= 8)
			b[i] = (unsigned char)(seq & 0xff);
	}
	if ((bn = BN_bin2bn(b, sizeof(b), NULL)) == NULL ||
	    (ai = BN_to_ASN1_INTEGER(bn, NULL)) == NULL) {
		BN_free(bn);
		return GH_ECRYPTO;
	}
	BN_free(bn);
	gh_hex(b, sizeof(b), hex);
	*out = ai;
	return GH_OK;
}

/* Append a GENERAL_NAME of type with an IA5String / octet string value. */
static enum gh_err
san_add(GENERAL_NAMES *gens, int type, const void *p, size_t n)
{
	GENERAL_NAME		*gen;
	ASN1_STRING		*s;

	if ((gen = GENERAL_NAME_new()) == NULL)
		return GH_ENOMEM;
	s = type == GEN_IPADD ? ASN1_OCTET_STRING_new() : ASN1_IA5STRING_new();
	if (s == NULL || !ASN1_STRING_set(s, p, (int)n)) {
		ASN1_STRING_free(s);
		GENERAL_NAME_free(gen);
		return GH_ENOMEM;
	}
	GENERAL_NAME_set0_value(gen, type, s);
	if (!sk_GENERAL_NAME_push(gens, gen)) {
		GENERAL_NAME_free(gen);
		return GH_ENOMEM;
	}
	return GH_OK;
}

enum gh_err
pki_san_build(const struct cm_request *r, GENERAL_NAMES **out)
{
	GENERAL_NAMES	*gens;
	enum gh_err	 err = GH_OK;
	size_t		 i;

	if (r->ndns + r->nip + r->nemail == 0)
		return GH_EINVAL;
	if ((gens = sk_GENERAL_NAME_new_null()) == NULL)
		return GH_ENOMEM;
	for (i = 0; err == GH_OK && i < r->ndns; i++)
		err = san_add(gens, GEN_DNS, r->dns[i], strlen(r->dns[i]));
	for (i = 0; err == GH_OK && i < r->nip; i++)
		err = san_add(gens, GEN_IPADD, r->ip[i].addr, r->ip[i].len);
	for (i = 0; err == GH_OK && i < r->nemail; i++)
		err = san_add(gens, GEN_EMAIL, r->email[i], strlen(r->email[i]));
	if (err != GH_OK) {
		GENERAL_NAMES_free(gens);
		return err;
	}
	*out = gens;
	return GH_OK;
}

enum gh_err
pki_keygen(enum cm_key_type type, EVP_PKEY **out)
{
	EVP_PKEY	*k = NULL;

	switch (type) {
	case CM_KEY_ECDSA_P256:
		k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		break;
	case CM_KEY_RSA_2048:
		k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
		break;
	case CM_KEY_RSA_4096:
		k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)4096);
		break;
	case CM_KEY_ED25519:
		k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
		break;
	default:
		return GH_EINTERNAL;
	}
	if (k == NULL) {
		gh_log("%s: key generation failed", __func__);
		return GH_ECRYPTO;
	}
	*out = k;
	return GH_OK;
}

enum gh_err
pki_key_check(EVP_PKEY *key, const char **why)
{
	char	group[64];
	size_t	glen;

	switch (EVP_PKEY_get_base_id(key)) {
	case EVP_PKEY_RSA:
		if (EVP_PKEY_get_bits(key) < 2048) {
			*why = "RSA keys must have at least 2048 bits";
			return GH_EINVAL;
		}
		if (EVP_PKEY_get_bits(key) > 8192) {
			*why = "RSA keys must have at most 8192 bits";
			return GH_EINVAL;
		}
		return GH_OK;
	case EVP_PKEY_EC:
		if (!EVP_PKEY_get_utf8_string_param(key,
		    OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group), &glen) ||
		    (strcmp(group, "prime256v1") != 0 &&
		    strcmp(group, "P-256") != 0 &&
		    strcmp(group, "secp384r1") != 0 &&
		    strcmp(group, "P-384") != 0)) {
			*why = "EC keys must be on the curve P-256 or P-384";
			return GH_EINVAL;
		}
		return GH_OK;
	case EVP_PKEY_ED25519:
		return GH_OK;
	default:
		*why = "the key type must be RSA, ECDSA (P-256, P-384) or Ed25519";
		return GH_EINVAL;
	}
}

/* The SANs of a CSR's extension request into r; GH_EINVAL with why. */
static enum gh_err
csr_names(X509_REQ *csr, struct cm_request *r, char *why, size_t whysz)
{
	STACK_OF(X509_EXTENSION)	*exts;
	GENERAL_NAMES			*gens = NULL;
	const GENERAL_NAME		*g;
	const ASN1_STRING		*s;
	X509_NAME			*subj;
	char				 cn[GH_DOMAIN_MAX + 1];
	int				 i, crit = -1, n;
	enum gh_err			 err = GH_OK;

	if ((exts = X509_REQ_get_extensions(csr)) != NULL)
		gens = X509V3_get_d2i(exts, NID_subject_alt_name, &crit, NULL);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	if (gens == NULL && crit != -1) {
		snprintf(why, whysz, "the CSR's subjectAltName is malformed");
		return GH_EINVAL;
	}
	for (i = 0; err == GH_OK && i < sk_GENERAL_NAME_num(gens); i++) {
		g = sk_GENERAL_NAME_value(gens, i);
		switch (g->type) {
		case GEN_DNS:
			s = g->d.dNSName;
			err = cm_request_add_dns(r, (const char *)
			    ASN1_STRING_get0_data(s), (size_t)
			    ASN1_STRING_length(s), why, whysz);
			break;
		case GEN_EMAIL:
			s = g->d.rfc822Name;
			err = cm_request_add_email(r, (const char *)
			    ASN1_STRING_get0_data(s), (size_t)
			    ASN1_STRING_length(s), why, whysz);
			break;
		case GEN_IPADD:
			s = g->d.iPAddress;
			if ((ASN1_STRING_length(s) != 4 &&
			    ASN1_STRING_length(s) != 16) ||
			    r->nip == CM_NAMES_MAX) {
				snprintf(why, whysz, "the CSR has a bad or one "
				    "too many IP address");
				err = GH_EINVAL;
				break;
			}
			memcpy(r->ip[r->nip].addr, ASN1_STRING_get0_data(s),
			    (size_t)ASN1_STRING_length(s));
			r->ip[r->nip++].len = (size_t)ASN1_STRING_length(s);
			break;
		default:
			snprintf(why, whysz, "the CSR asks for a kind of "
			    "subjectAltName we do not issue (only DNS, IP, "
			    "e-mail)");
			err = GH_EINVAL;
			break;
		}
	}
	GENERAL_NAMES_free(gens);
	if (err != GH_OK)
		return err;
	/* No SANs: a common name that is a DNS name stands for one. */
	if (r->ndns + r->nip + r->nemail == 0 &&
	    (subj = X509_REQ_get_subject_name(csr)) != NULL &&
	    (n = X509_NAME_get_text_by_NID(subj, NID_commonName, cn,
	    sizeof(cn))) > 0 &&
	    cm_request_add_dns(r, cn, (size_t)n, why, whysz) != GH_OK)
		return GH_EINVAL;
	if (r->ndns + r->nip + r->nemail == 0) {
		snprintf(why, whysz, "the CSR names nothing: no subjectAltName "
		    "and no common name");
		return GH_EINVAL;
	}
	return GH_OK;
}

enum gh_err
pki_csr_parse(const void *p, size_t n, struct cm_request *r, X509_REQ **out,
    char *why, size_t whysz)
{
	static const char	 pem_tag[] = "-----BEGIN";
	X509_REQ		*csr = NULL;
	EVP_PKEY		*pub;
	BIO			*bio = NULL;
	const unsigned char	*der = p;
	const char		*reason;
	char			*tag;

	if (n == 0 || n > INT32_MAX) {
		snprintf(why, whysz, "the body must hold a CSR (PEM or DER)");
		return GH_EINVAL;
	}
	tag = memmem(p, n < 64 ? n : 64, pem_tag, sizeof(pem_tag) - 1);
	if (tag != NULL) {
		if ((bio = BIO_new_mem_buf(p, (int)n)) == NULL)
			return GH_ENOMEM;
		csr = PEM_read_bio_X509_REQ(bio, NULL, NULL, NULL);
		BIO_free(bio);
	} else {
		csr = d2i_X509_REQ(NULL, &der, (long)n);
		if (csr != NULL && der != (const unsigned char *)p + n) {
			X509_REQ_free(csr);
			csr = NULL;
		}
	}
	ERR_clear_error();
	if (csr == NULL) {
		snprintf(why, whysz, "the body is not a CSR (PKCS #10, PEM or "
		    "DER)");
		return GH_EINVAL;
	}
	if ((pub = X509_REQ_get0_pubkey(csr)) == NULL ||
	    X509_REQ_verify(csr, pub) != 1) {
		ERR_clear_error();
		snprintf(why, whysz, "the CSR's signature does not verify");
		goto fail;
	}
	if (pki_key_check(pub, &reason) != GH_OK) {
		snprintf(why, whysz, "weak or unsupported key: %s", reason);
		goto fail;
	}
	if (csr_names(csr, r, why, whysz) != GH_OK)
		goto fail;
	*out = csr;
	return GH_OK;
fail:
	X509_REQ_free(csr);
	return GH_EINVAL;
}

enum gh_err
pki_sign_x509(X509 *x, EVP_PKEY *key)
{
	const EVP_MD	*md = EVP_PKEY_get_base_id(key) == EVP_PKEY_ED25519 ?
	    NULL : EVP_sha256();

	if (X509_sign(x, key, md) <= 0) {
		gh_log("%s: signing failed", __func__);
		return GH_ECRYPTO;
	}
	return GH_OK;
}

/* Add an extension made from OpenSSL's syntax with our own, fixed, text. */
static int
ext_conf(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
	X509_EXTENSION	*ext;
	int		 ok;

	if ((ext = X509V3_EXT_conf_nid(NULL, ctx, nid, value)) == NULL)
		return 0;
	ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok;
}

/* Add a GENERAL_NAMES-valued or other structure as an extension. */
static int
ext_i2d(X509 *x, int nid, int crit, void *value)
{
	return X509_add1_ext_i2d(x, nid, value, crit, X509V3_ADD_DEFAULT) == 1;
}

/* AIA with one OCSP URI. */
static int
ext_aia(X509 *x, const char *url)
{
	AUTHORITY_INFO_ACCESS	*aia;
	ACCESS_DESCRIPTION	*ad;
	ASN1_IA5STRING		*s;
	int			 ok = 0;

	if ((aia = AUTHORITY_INFO_ACCESS_new()) == NULL)
		return 0;
	if ((ad = ACCESS_DESCRIPTION_new()) == NULL)
		goto out;
	if (!sk_ACCESS_DESCRIPTION_push(aia, ad)) {
		ACCESS_DESCRIPTION_free(ad);
		goto out;
	}
	ASN1_OBJECT_free(ad->method);
	ad->method = OBJ_nid2obj(NID_ad_OCSP);
	if ((s = ASN1_IA5STRING_new()) == NULL ||
	    !ASN1_STRING_set(s, url, -1)) {
		ASN1_IA5STRING_free(s);
		goto out;
	}
	GENERAL_NAME_set0_value(ad->location, GEN_URI, s);
	ok = ext_i2d(x, NID_info_access, 0, aia);
out:
	AUTHORITY_INFO_ACCESS_free(aia);
	return ok;
}

/* A CRL distribution point with one URI. */
static int
ext_cdp(X509 *x, const char *url)
{
	CRL_DIST_POINTS	*cdp;
	DIST_POINT	*dp;
	GENERAL_NAME	*gen = NULL;
	ASN1_IA5STRING	*s;
	int		 ok = 0;

	if ((cdp = sk_DIST_POINT_new_null()) == NULL)
		return 0;
	if ((dp = DIST_POINT_new()) == NULL)
		goto out;
	if (!sk_DIST_POINT_push(cdp, dp)) {
		DIST_POINT_free(dp);
		goto out;
	}
	if ((dp->distpoint = DIST_POINT_NAME_new()) == NULL ||
	    (dp->distpoint->name.fullname = sk_GENERAL_NAME_new_null()) ==
	    NULL || (gen = GENERAL_NAME_new()) == NULL)
		goto out;
	dp->distpoint->type = 0;
	if ((s = ASN1_IA5STRING_new()) == NULL ||
	    !ASN1_STRING_set(s, url, -1)) {
		ASN1_IA5STRING_free(s);
		goto out;
	}
	GENERAL_NAME_set0_value(gen, GEN_URI, s);
	if (!sk_GENERAL_NAME_push(dp->distpoint->name.fullname, gen))
		goto out;
	gen = NULL;
	ok = ext_i2d(x, NID_crl_distribution_points, 0, cdp);
out:
	GENERAL_NAME_free(gen);
	CRL_DIST_POINTS_free(cdp);
	return ok;
}

/*
 * X509_set_pubkey(), without its round trip for the keys we make: for a
 * provider's key OpenSSL 3 encodes the SubjectPublicKeyInfo with an
 * encoder and decodes it again, only to cache a key the certificate never
 * needs: 28 % of an issuance's CPU time and 1,700 of its 2,400
 * allocations.  An EC key on a named curve (RFC 5480) and an Ed25519 key
 * (RFC 8410) are set from their public key, as the encoder would write
 * them; any other key goes the general way.  The certificate's cached key
 * stays empty (X509_get0_pubkey() gives NULL): every certificate we issue
 * is stored and parsed again before its key is looked at.  1 on success,
 * 0 on failure.
 */
int
pki_set_pubkey(X509 *x, EVP_PKEY *pub)
{
	ASN1_OBJECT	*alg, *curve = NULL;
	unsigned char	 key[160], *p;	/* P-521's whole point is 133 */
	char		 group[64];
	size_t		 n;
	int		 nid;

	switch (EVP_PKEY_get_base_id(pub)) {
	case EVP_PKEY_EC:
		if (!EVP_PKEY_get_utf8_string_param(pub,
		    OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group), NULL) ||
		    (nid = OBJ_sn2nid(group)) == NID_undef ||
		    (curve = OBJ_nid2obj(nid)) == NULL)
			return X509_set_pubkey(x, pub);
		alg = OBJ_nid2obj(NID_X9_62_id_ecPublicKey);
		break;
	case EVP_PKEY_ED25519:
		alg = OBJ_nid2obj(NID_ED25519);
		break;
	default:
		return X509_set_pubkey(x, pub);
	}
	/* The point in the key's own form, as the encoder writes it. */
	if (!EVP_PKEY_get_octet_string_param(pub, OSSL_PKEY_PARAM_PUB_KEY,
	    key, sizeof(key), &n) || n == 0)
		return X509_set_pubkey(x, pub);
	if (alg == NULL || (p = OPENSSL_memdup(key, n)) == NULL)
		return 0;
	if (X509_PUBKEY_set0_param(X509_get_X509_PUBKEY(x), alg,
	    curve != NULL ? V_ASN1_OBJECT : V_ASN1_UNDEF, curve, p, (int)n))
		return 1;
	OPENSSL_free(p);
	return 0;
}

/* The subject of a JSON request: its fields, CN defaulting to the first name. */
static X509_NAME *
req_subject(const struct cm_request *r)
{
	X509_NAME	*name;
	char		 cn[CM_FIELD_MAX + 1] = "";
	size_t		 i;
	int		 ok = 1;

	if ((name = X509_NAME_new()) == NULL)
		return NULL;
	for (i = 0; ok && i < CM_SUBJ__MAX; i++) {
		const char *v = r->subject[i];

		if (i == CM_SUBJ_CN && v[0] == '\0') {
			/* A DNS name or e-mail that fits; else no CN. */
			if (r->ndns > 0 && strlen(r->dns[0]) <= CM_FIELD_MAX)
				gh_strlcpy(cn, r->dns[0], sizeof(cn));
			else if (r->nemail > 0 &&
			    strlen(r->email[0]) <= CM_FIELD_MAX)
				gh_strlcpy(cn, r->email[0], sizeof(cn));
			v = cn;
		}
		if (v[0] != '\0')
			ok = X509_NAME_add_entry_by_NID(name, cm_subj_nids[i],
			    MBSTRING_UTF8, (const unsigned char *)v, -1, -1, 0);
	}
	if (!ok) {
		X509_NAME_free(name);
		return NULL;
	}
	return name;
}

enum gh_err
pki_issue(X509 *ca, EVP_PKEY *cakey, const struct pki_issue *in, X509 **out,
    char serial[CM_SERIAL_HEX + 1])
{
	X509		*x = NULL;
	X509_NAME	*subj = NULL;
	ASN1_INTEGER	*sn = NULL;
	GENERAL_NAMES	*gens = NULL;
	X509V3_CTX	 ctx;
	char		 url[600];
	const char	*ku;
	enum gh_err	 err;

	if ((err = pki_serial_new(&sn, serial, in->seq)) != GH_OK)
		return err;
	if ((err = pki_san_build(in->req, &gens)) != GH_OK)
		goto out;
	err = GH_ECRYPTO;
	if ((x = X509_new()) == NULL ||
	    !X509_set_version(x, X509_VERSION_3) ||
	    !X509_set_serialNumber(x, sn) ||
	    !X509_set_issuer_name(x, X509_get_subject_name(ca)) ||
	    !pki_set_pubkey(x, in->pub))
		goto out;
	if (in->subject != NULL) {
		if (!X509_set_subject_name(x, in->subject))
			goto out;
	} else if ((subj = req_subject(in->req)) == NULL ||
	    !X509_set_subject_name(x, subj))
		goto out;
	if (X509_time_adj_ex(X509_getm_notBefore(x), 0,
	    (long)(in->not_before - gh_now()), NULL) == NULL ||
	    X509_time_adj_ex(X509_getm_notAfter(x), 0,
	    (long)(in->not_after - gh_now()), NULL) == NULL)
		goto out;

	/* RSA keys may also encipher (TLS 1.2 RSA key exchange). */
	ku = EVP_PKEY_get_base_id(in->pub) == EVP_PKEY_RSA ?
	    "critical,digitalSignature,keyEncipherment" :
	    "critical,digitalSignature";
	X509V3_set_ctx(&ctx, ca, x, NULL, NULL, 0);
	/* An empty subject makes the SANs critical (RFC 5280 4.2.1.6). */
	if (!ext_conf(x, &ctx, NID_basic_constraints, "critical,CA:FALSE") ||
	    !ext_conf(x, &ctx, NID_key_usage, ku) ||
	    !ext_conf(x, &ctx, NID_ext_key_usage, "serverAuth,clientAuth") ||
	    !ext_conf(x, &ctx, NID_subject_key_identifier, "hash") ||
	    !ext_conf(x, &ctx, NID_authority_key_identifier, "keyid:always") ||
	    !ext_i2d(x, NID_subject_alt_name,
	    X509_NAME_entry_count(X509_get_subject_name(x)) == 0, gens))
		goto out;
	if (in->base_url != NULL && in->base_url[0] != '\0') {
		snprintf(url, sizeof(url), "%s/api/v1/ocsp", in->base_url);
		if (!ext_aia(x, url))
			goto out;
		snprintf(url, sizeof(url), "%s/api/v1/crl", in->base_url);
		if (!ext_cdp(x, url))
			goto out;
	}
	if ((err = pki_sign_x509(x, cakey)) != GH_OK)
		goto out;
	*out = x;
	x = NULL;
	err = GH_OK;
out:
	if (err == GH_ECRYPTO)
		gh_log("%s: cannot build the certificate", __func__);
	ERR_clear_error();
	X509_free(x);
	X509_NAME_free(subj);
	ASN1_INTEGER_free(sn);
	GENERAL_NAMES_free(gens);
	return err;
}

/*
 * "/O=Example/CN=Root" into a name: "/"-separated type=value pairs, the
 * types OpenSSL knows (CN, O, OU, C, ST, L, …).  No escapes.
 */
static X509_NAME *
parse_subject(const char *s, char *why, size_t whysz)
{
	X509_NAME	*name;
	char		 buf[512], *p, *next, *eq;

	if (gh_strlcpy(buf, s, sizeof(buf)) >= sizeof(buf) || buf[0] != '/') {
		snprintf(why, whysz, "the subject is written /O=…/CN=…, at most "
		    "511 characters");
		return NULL;
	}
	if ((name = X509_NAME_new()) == NULL)
		return NULL;
	for (p = buf + 1; p != NULL && *p != '\0'; p = next) {
		if ((next = strchr(p, '/')) != NULL)
			*next++ = '\0';
		if ((eq = strchr(p, '=')) == NULL || eq == p || eq[1] == '\0' ||
		    !X509_NAME_add_entry_by_txt(name, (*eq = '\0', p),
		    MBSTRING_UTF8, (const unsigned char *)eq + 1, -1, -1, 0)) {
			ERR_clear_error();
			snprintf(why, whysz, "the subject is written /O=…/CN=…: "
			    "bad part \"%.40s\"", p);
			X509_NAME_free(name);
			return NULL;
		}
	}
	if (X509_NAME_entry_count(name) == 0) {
		snprintf(why, whysz, "the subject is empty");
		X509_NAME_free(name);
		return NULL;
	}
	return name;
}

enum gh_err
pki_make_root(const char *subject, enum cm_key_type type, long long days,
    X509 **cert, EVP_PKEY **key, char *why, size_t whysz)
{
	X509		*x = NULL;
	X509_NAME	*name = NULL;
	EVP_PKEY	*k = NULL;
	ASN1_INTEGER	*sn = NULL;
	X509V3_CTX	 ctx;
	char		 hex[CM_SERIAL_HEX + 1];
	enum gh_err	 err;

	if ((name = parse_subject(subject, why, whysz)) == NULL)
		return GH_EINVAL;
	if ((err = pki_keygen(type, &k)) != GH_OK ||
	    (err = pki_serial_new(&sn, hex, 0)) != GH_OK)
		goto out;
	err = GH_ECRYPTO;
	if ((x = X509_new()) == NULL ||
	    !X509_set_version(x, X509_VERSION_3) ||
	    !X509_set_serialNumber(x, sn) ||
	    !X509_set_subject_name(x, name) ||
	    !X509_set_issuer_name(x, name) ||
	    !X509_set_pubkey(x, k) ||
	    X509_time_adj_ex(X509_getm_notBefore(x), 0, -PKI_BACKDATE,
	    NULL) == NULL ||
	    X509_time_adj_ex(X509_getm_notAfter(x), (int)days, 0, NULL) == NULL)
		goto out;
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	if (!ext_conf(x, &ctx, NID_basic_constraints, "critical,CA:TRUE") ||
	    !ext_conf(x, &ctx, NID_key_usage,
	    "critical,keyCertSign,cRLSign,digitalSignature") ||
	    !ext_conf(x, &ctx, NID_subject_key_identifier, "hash"))
		goto out;
	if ((err = pki_sign_x509(x, k)) != GH_OK)
		goto out;
	*cert = x;
	*key = k;
	x = NULL;
	k = NULL;
	err = GH_OK;
out:
	ERR_clear_error();
	X509_free(x);
	EVP_PKEY_free(k);
	X509_NAME_free(name);
	ASN1_INTEGER_free(sn);
	return err;
}

/* Append what a memory BIO holds to out, and free it. */
static enum gh_err
bio_drain(BIO *bio, int ok, struct gh_buf *out)
{
	char		*p;
	long		 n;
	enum gh_err	 err = GH_ECRYPTO;

	if (ok && (n = BIO_get_mem_data(bio, &p)) > 0)
		err = gh_buf_add(out, p, (size_t)n);
	BIO_free(bio);
	return err;
}

enum gh_err
pki_cert_pem(X509 *x, struct gh_buf *out)
{
	BIO	*bio;

	if ((bio = BIO_new(BIO_s_mem())) == NULL)
		return GH_ENOMEM;
	return bio_drain(bio, PEM_write_bio_X509(bio, x), out);
}

/* The key's PEM passes through a BIO that is wiped before it is freed. */
enum gh_err
pki_key_pem(EVP_PKEY *key, struct gh_buf *out)
{
	BIO		*bio;
	BUF_MEM		*mem = NULL;
	enum gh_err	 err = GH_ECRYPTO;

	if ((bio = BIO_new(BIO_s_secmem())) == NULL)
		return GH_ENOMEM;
	if (PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL) &&
	    BIO_get_mem_ptr(bio, &mem) > 0 && mem != NULL)
		err = gh_buf_add(out, mem->data, mem->length);
	BIO_free(bio);
	return err;
}

enum gh_err
pki_cert_read(const void *p, size_t n, X509 **out)
{
	BIO	*bio;
	X509	*x;

	if (n > INT32_MAX || (bio = BIO_new_mem_buf(p, (int)n)) == NULL)
		return GH_ENOMEM;
	x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	BIO_free(bio);
	ERR_clear_error();
	if (x == NULL)
		return GH_EINVAL;
	*out = x;
	return GH_OK;
}

enum gh_err
pki_key_read(const void *p, size_t n, EVP_PKEY **out)
{
	BIO		*bio;
	EVP_PKEY	*k;

	if (n > INT32_MAX || (bio = BIO_new_mem_buf(p, (int)n)) == NULL)
		return GH_ENOMEM;
	k = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	BIO_free(bio);
	ERR_clear_error();
	if (k == NULL)
		return GH_EINVAL;
	*out = k;
	return GH_OK;
}
