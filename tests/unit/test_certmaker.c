/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for certmaker: request validation, serial generation, SAN
 * building, CSR checks, OCSP request parsing and answers, and the store
 * (users, the root, certificates, challenges) on a fresh database.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>

#include "certmaker.h"
#include "tdir.h"
#include "tmain.h"
#include "tpg.h"
#include "tcertmaker.h"	/* after tdir.h and tpg.h */
#include "token.h"

/* --- request validation ------------------------------------------------------ */

static const struct {
	int		 line;
	const char	*body;
	enum gh_err	 want;
	const char	*why;		/* a part of the reason; NULL for GH_OK */
} request_cases[] = {
	{ __LINE__, "{\"domains\":[\"www.example.com\"]}", GH_OK, NULL },
	{ __LINE__, "{\"domains\":[\"WWW.Example.COM\",\"www.example.com\"]}",
	    GH_OK, NULL },
	{ __LINE__, "{\"domains\":[\"localhost\"]}", GH_OK, NULL },
	{ __LINE__, "{\"ips\":[\"10.0.0.1\",\"::1\"]}", GH_OK, NULL },
	{ __LINE__, "{\"email_addresses\":[\"a.b+c@Example.org\"]}", GH_OK, NULL },
	{ __LINE__, "{\"emails\":[\"a@example.org\"]}", GH_OK, NULL },
	{ __LINE__, "{\"domains\":[\"a.example\"],\"days\":1,"
	    "\"key_type\":\"ed25519\",\"subject\":{\"common_name\":\"x\","
	    "\"organization\":\"O\",\"country\":\"DE\",\"province\":\"BE\","
	    "\"locality\":\"Berlin\",\"street_address\":\"Str 1\","
	    "\"postal_code\":\"10115\"}}", GH_OK, NULL },
	{ __LINE__, "{}", GH_EINVAL, "no name" },
	{ __LINE__, "{\"domains\":[]}", GH_EINVAL, "no name" },
	{ __LINE__, "{\"domains\":[\"bad_name.com\"]}", GH_EINVAL,
	    "invalid DNS name" },
	{ __LINE__, "{\"domains\":[\"nodot\"]}", GH_EINVAL, "invalid DNS name" },
	{ __LINE__, "{\"domains\":[\"*.example.com\"]}", GH_EINVAL,
	    "invalid DNS name" },
	{ __LINE__, "{\"domains\":[1]}", GH_EINVAL, "array of strings" },
	{ __LINE__, "{\"domains\":\"a.example\"}", GH_EINVAL, "array of strings" },
	{ __LINE__, "{\"ips\":[\"1.2.3\"]}", GH_EINVAL, "invalid IP address" },
	{ __LINE__, "{\"ips\":[\"1.2.3.256\"]}", GH_EINVAL, "invalid IP address" },
	{ __LINE__, "{\"ips\":[\"fe80::1%eth0\"]}", GH_EINVAL,
	    "invalid IP address" },
	{ __LINE__, "{\"email_addresses\":[\"nobody\"]}", GH_EINVAL,
	    "invalid e-mail" },
	{ __LINE__, "{\"email_addresses\":[\"a b@example.org\"]}", GH_EINVAL,
	    "invalid e-mail" },
	{ __LINE__, "{\"email_addresses\":[\"a@b\"]}", GH_EINVAL,
	    "invalid e-mail" },
	{ __LINE__, "{\"emails\":[\"a@example.org\"],"
	    "\"email_addresses\":[\"a@example.org\"]}", GH_EINVAL, "not both" },
	{ __LINE__, "{\"domains\":[\"a.example\"],\"days\":0}", GH_EINVAL,
	    "days" },
	{ __LINE__, "{\"domains\":[\"a.example\"],\"days\":91}", GH_EINVAL,
	    "days" },
	{ __LINE__, "{\"domains\":[\"a.example\"],\"days\":\"7\"}", GH_EINVAL,
	    "days" },
	{ __LINE__, "{\"domains\":[\"a.example\"],\"key_type\":\"rsa-4096\"}",
	    GH_EINVAL, "key_type" },
	{ __LINE__, "{\"domains\":[\"a.example\"],\"key_type\":\"dsa\"}",
	    GH_EINVAL, "key_type" },
	{ __LINE__, "{\"domains\":[\"a.example\"],\"subject\":"
	    "{\"country\":\"Germany\"}}", GH_EINVAL, "country" },
	{ __LINE__, "{\"domains\":[\"a.example\"],\"subject\":"
	    "{\"country\":\"de\"}}", GH_EINVAL, "country" },
	{ __LINE__, "{\"domains\":[\"a.example\"],\"subject\":"
	    "{\"common_name\":\"a\\u0001b\"}}", GH_EINVAL, "control" },
	{ __LINE__, "{\"domains\":[\"a.example\"],\"subject\":[]}", GH_EINVAL,
	    "subject" },
	{ __LINE__, "{\"domains\":[\"a.example\"],\"subject\":"
	    "{\"cn\":\"x\"}}", GH_EINVAL, "subject: unknown field" },
	{ __LINE__, "{\"domains\":[\"a.example\"],\"extra\":1}", GH_EINVAL,
	    "unknown field" },
	{ __LINE__, "[]", GH_EINVAL, "body" },
	{ __LINE__, "{\"domains\":[\"a.example\"]} x", GH_EINVAL, "body" },
};

static void
test_request_parse(void)
{
	struct cm_request	*r;
	char			 why[CM_WHY_MAX];
	enum gh_err		 err;
	size_t			 i;

	r = malloc(sizeof(*r));
	CU_ASSERT_FATAL(r != NULL);
	for (i = 0; i < GH_NELEM(request_cases); i++) {
		why[0] = '\0';
		err = cm_request_parse(request_cases[i].body,
		    strlen(request_cases[i].body), 90, r, why, sizeof(why));
		TROW(request_cases[i].line, err == request_cases[i].want);
		if (request_cases[i].why != NULL)
			TROW(request_cases[i].line,
			    strstr(why, request_cases[i].why) != NULL);
	}
	free(r);
}

static void
test_request_values(void)
{
	struct cm_request	*r;
	char			 why[CM_WHY_MAX];
	const char		*body = "{\"domains\":[\"WWW.Example.COM\","
	    "\"www.example.com\",\"b.example.com\"],\"ips\":[\"10.0.0.1\","
	    "\"2001:db8::1\",\"10.0.0.1\"],\"email_addresses\":"
	    "[\"Ops@Example.ORG\"],\"days\":30}";

	r = malloc(sizeof(*r));
	CU_ASSERT_FATAL(r != NULL);
	CU_ASSERT_FATAL(cm_request_parse(body, strlen(body), 90, r, why,
	    sizeof(why)) == GH_OK);
	CU_ASSERT_EQUAL(r->ndns, 2);	/* lower-cased, then deduplicated */
	CU_ASSERT_STRING_EQUAL(r->dns[0], "www.example.com");
	CU_ASSERT_EQUAL(r->nip, 2);
	CU_ASSERT_EQUAL(r->ip[0].len, 4);
	CU_ASSERT_EQUAL(r->ip[1].len, 16);
	CU_ASSERT_EQUAL(r->nemail, 1);
	CU_ASSERT_STRING_EQUAL(r->email[0], "Ops@example.org");
	CU_ASSERT_EQUAL(r->days, 30);
	CU_ASSERT_EQUAL(r->key_type, CM_KEY_ECDSA_P256);

	body = "{\"domains\":[\"a.example\"]}";
	CU_ASSERT_FATAL(cm_request_parse(body, strlen(body), 90, r, why,
	    sizeof(why)) == GH_OK);
	CU_ASSERT_EQUAL(r->days, CM_DAYS_DEFAULT);
	free(r);
}

/*
 * pki_set_pubkey() writes the SubjectPublicKeyInfo that X509_set_pubkey()
 * writes, byte for byte, for the keys it takes its own way (EC on named
 * curves, with either point form, and Ed25519) and the one it passes on
 * (RSA); and an issued certificate parses back to the same key.
 */
static void
test_set_pubkey(void)
{
	struct {
		int		 line;
		const char	*type;
		const char	*curve;
		const char	*form;
	} cases[] = {
		{ __LINE__, "EC", "P-256", NULL },
		{ __LINE__, "EC", "P-384", NULL },
		{ __LINE__, "EC", "P-256", "compressed" },
		{ __LINE__, "ED25519", NULL, NULL },
		{ __LINE__, "RSA", NULL, NULL },
	};
	unsigned char	*a, *b;
	EVP_PKEY	*k;
	X509		*ref, *x, *back;
	size_t		 i;
	int		 na, nb;

	for (i = 0; i < GH_NELEM(cases); i++) {
		if (strcmp(cases[i].type, "RSA") == 0)
			k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
		else if (cases[i].curve != NULL)
			k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", cases[i].curve);
		else
			k = EVP_PKEY_Q_keygen(NULL, NULL, cases[i].type);
		TROW(cases[i].line, k != NULL);
		if (k == NULL)
			continue;
		if (cases[i].form != NULL)
			TROW(cases[i].line, EVP_PKEY_set_utf8_string_param(k,
			    OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
			    cases[i].form));
		ref = X509_new();
		x = X509_new();
		TROW(cases[i].line, ref != NULL && x != NULL &&
		    X509_set_pubkey(ref, k) && pki_set_pubkey(x, k));
		a = b = NULL;
		na = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(ref), &a);
		nb = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &b);
		TROW(cases[i].line, na > 0 && na == nb &&
		    memcmp(a, b, (size_t)na) == 0);
		/* Signed and parsed again, it carries the same key. */
		X509_free(ref);
		OPENSSL_free(a);
		a = NULL;
		TROW(cases[i].line, X509_set_version(x, X509_VERSION_3) &&
		    X509_gmtime_adj(X509_getm_notBefore(x), 0) != NULL &&
		    X509_gmtime_adj(X509_getm_notAfter(x), 60) != NULL &&
		    X509_sign(x, k, strcmp(cases[i].type, "ED25519") == 0 ?
		    NULL : EVP_sha256()) > 0);
		na = i2d_X509(x, &a);
		back = NULL;
		if (na > 0) {
			const unsigned char *p = a;

			back = d2i_X509(NULL, &p, na);
		}
		TROW(cases[i].line, back != NULL &&
		    EVP_PKEY_eq(X509_get0_pubkey(back), k) == 1 &&
		    X509_verify(back, k) == 1);
		X509_free(back);
		X509_free(x);
		OPENSSL_free(a);
		OPENSSL_free(b);
		EVP_PKEY_free(k);
	}
}

static void
test_serial_parse_and_exempt(void)
{
	char		out[CM_SERIAL_HEX + 9];
	struct cm_ip	ip = { { 127, 0, 0, 1 }, 4 };
	struct cm_ip	ip6 = { { [15] = 1 }, 16 };
	struct cm_ip	other = { { 127, 0, 0, 2 }, 4 };

	CU_ASSERT_EQUAL(cm_serial_parse("00AbCdEf", 8, out), GH_OK);
	CU_ASSERT_STRING_EQUAL(out, "00abcdef");
	CU_ASSERT_EQUAL(cm_serial_parse("", 0, out), GH_EINVAL);
	CU_ASSERT_EQUAL(cm_serial_parse("xyz", 3, out), GH_EINVAL);
	CU_ASSERT_EQUAL(cm_serial_parse("0123456789012345678901234567890123456789a",
	    41, out), GH_EINVAL);
	CU_ASSERT(cm_name_exempt_dns("localhost"));
	CU_ASSERT(!cm_name_exempt_dns("a.localhost"));
	CU_ASSERT(cm_name_exempt_ip(&ip));
	CU_ASSERT(cm_name_exempt_ip(&ip6));
	CU_ASSERT(!cm_name_exempt_ip(&other));
}

/* --- serials and SANs ----------------------------------------------------------- */

#define NSERIALS	512

static int
cmpstr(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void
test_serial_new(void)
{
	static char	 hex[NSERIALS][CM_SERIAL_HEX + 1];
	ASN1_INTEGER	*ai;
	BIGNUM		*bn;
	char		*bnhex;
	size_t		 i;

	for (i = 0; i < NSERIALS; i++) {
		CU_ASSERT_FATAL(pki_serial_new(&ai, hex[i], 0) == GH_OK);
		CU_ASSERT_EQUAL(strlen(hex[i]), CM_SERIAL_HEX);
		/* Top bit clear, next set: positive and always 16 bytes. */
		CU_ASSERT(strchr("4567", hex[i][0]) != NULL);
		bn = ASN1_INTEGER_to_BN(ai, NULL);
		CU_ASSERT_FATAL(bn != NULL);
		CU_ASSERT(!BN_is_negative(bn));
		CU_ASSERT(BN_num_bits(bn) >= 64);
		bnhex = BN_bn2hex(bn);
		CU_ASSERT(strcasecmp(bnhex, hex[i]) == 0);
		OPENSSL_free(bnhex);
		BN_free(bn);
		ASN1_INTEGER_free(ai);
	}
	qsort(hex, NSERIALS, sizeof(hex[0]), cmpstr);
	for (i = 1; i < NSERIALS; i++)
		CU_ASSERT(strcmp(hex[i - 1], hex[i]) != 0);
}

static void
test_san_build(void)
{
	struct cm_request	*r;
	GENERAL_NAMES		*gens = NULL;
	const GENERAL_NAME	*g;
	char			 why[CM_WHY_MAX];

	r = malloc(sizeof(*r));
	CU_ASSERT_FATAL(r != NULL);
	cm_request_init(r);
	CU_ASSERT_EQUAL(pki_san_build(r, &gens), GH_EINVAL);
	CU_ASSERT_EQUAL(cm_request_add_dns(r, "a.example", 9, why,
	    sizeof(why)), GH_OK);
	CU_ASSERT_EQUAL(cm_request_add_ip(r, "192.0.2.1", 9, why, sizeof(why)),
	    GH_OK);
	CU_ASSERT_EQUAL(cm_request_add_ip(r, "2001:db8::2", 11, why,
	    sizeof(why)), GH_OK);
	CU_ASSERT_EQUAL(cm_request_add_email(r, "x@a.example", 11, why,
	    sizeof(why)), GH_OK);
	/* A NUL inside a name never gets through. */
	CU_ASSERT_EQUAL(cm_request_add_dns(r, "a\0.example", 10, why,
	    sizeof(why)), GH_EINVAL);
	CU_ASSERT_EQUAL(cm_request_add_ip(r, "1.2.3.4\0", 8, why,
	    sizeof(why)), GH_EINVAL);
	CU_ASSERT_FATAL(pki_san_build(r, &gens) == GH_OK);
	CU_ASSERT_FATAL(sk_GENERAL_NAME_num(gens) == 4);
	g = sk_GENERAL_NAME_value(gens, 0);
	CU_ASSERT_EQUAL(g->type, GEN_DNS);
	CU_ASSERT(ASN1_STRING_length(g->d.dNSName) == 9 &&
	    memcmp(ASN1_STRING_get0_data(g->d.dNSName), "a.example", 9) == 0);
	g = sk_GENERAL_NAME_value(gens, 1);
	CU_ASSERT_EQUAL(g->type, GEN_IPADD);
	CU_ASSERT_EQUAL(ASN1_STRING_length(g->d.iPAddress), 4);
	CU_ASSERT(memcmp(ASN1_STRING_get0_data(g->d.iPAddress),
	    "\xc0\x00\x02\x01", 4) == 0);
	g = sk_GENERAL_NAME_value(gens, 2);
	CU_ASSERT_EQUAL(g->type, GEN_IPADD);
	CU_ASSERT_EQUAL(ASN1_STRING_length(g->d.iPAddress), 16);
	g = sk_GENERAL_NAME_value(gens, 3);
	CU_ASSERT_EQUAL(g->type, GEN_EMAIL);
	GENERAL_NAMES_free(gens);
	free(r);
}

/* --- CSRs, issuance, OCSP ------------------------------------------------------- */

/* A CSR for key with the given SAN DNS name (NULL: none), as DER in out. */
static int
make_csr(EVP_PKEY *key, const char *cn, const char *dns, int tamper,
    unsigned char **out, int *outlen)
{
	X509_REQ			*csr = X509_REQ_new();
	X509_NAME			*name = X509_NAME_new();
	STACK_OF(X509_EXTENSION)	*exts = sk_X509_EXTENSION_new_null();
	X509_EXTENSION			*ext;
	char				 san[300];
	unsigned char			*p;
	int				 ok;

	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0);
	X509_REQ_set_subject_name(csr, name);
	X509_REQ_set_pubkey(csr, key);
	if (dns != NULL) {
		snprintf(san, sizeof(san), "DNS:%s", dns);
		ext = X509V3_EXT_conf_nid(NULL, NULL, NID_subject_alt_name, san);
		sk_X509_EXTENSION_push(exts, ext);
		X509_REQ_add_extensions(csr, exts);
	}
	ok = X509_REQ_sign(csr, key,
	    EVP_PKEY_get_base_id(key) == EVP_PKEY_ED25519 ? NULL :
	    EVP_sha256()) > 0;
	*out = NULL;
	*outlen = i2d_X509_REQ(csr, out);
	if (tamper && *outlen > 0) {
		p = memmem(*out, (size_t)*outlen, cn, strlen(cn));
		if (p != NULL)
			*p ^= 1;
	}
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	X509_NAME_free(name);
	X509_REQ_free(csr);
	return ok && *outlen > 0;
}

static void
test_csr(void)
{
	static const struct {
		int		 line;
		const char	*alg, *param;
		size_t		 bits;
		int		 tamper;
		const char	*dns;
		enum gh_err	 want;
		const char	*why;
	} cases[] = {
		{ __LINE__, "EC", "P-256", 0, 0, "csr.example", GH_OK, NULL },
		{ __LINE__, "EC", "P-384", 0, 0, "csr.example", GH_OK, NULL },
		{ __LINE__, "ED25519", NULL, 0, 0, "csr.example", GH_OK, NULL },
		{ __LINE__, "RSA", NULL, 2048, 0, "csr.example", GH_OK, NULL },
		{ __LINE__, "EC", "P-256", 0, 0, NULL, GH_OK, NULL },
		{ __LINE__, "RSA", NULL, 1024, 0, "csr.example", GH_EINVAL,
		    "2048" },
		{ __LINE__, "EC", "secp256k1", 0, 0, "csr.example", GH_EINVAL,
		    "P-256 or P-384" },
		{ __LINE__, "EC", "P-256", 0, 1, "csr.example", GH_EINVAL,
		    "signature" },
		{ __LINE__, "EC", "P-256", 0, 0, "bad_name.example", GH_EINVAL,
		    "invalid DNS name" },
	};
	struct cm_request	*r;
	X509_REQ		*csr;
	EVP_PKEY		*key;
	unsigned char		*der;
	char			 why[CM_WHY_MAX];
	size_t			 i;
	int			 n;

	r = malloc(sizeof(*r));
	CU_ASSERT_FATAL(r != NULL);
	for (i = 0; i < GH_NELEM(cases); i++) {
		if (cases[i].bits)
			key = EVP_PKEY_Q_keygen(NULL, NULL, cases[i].alg,
			    cases[i].bits);
		else if (cases[i].param)
			key = EVP_PKEY_Q_keygen(NULL, NULL, cases[i].alg,
			    cases[i].param);
		else
			key = EVP_PKEY_Q_keygen(NULL, NULL, cases[i].alg);
		TROW(cases[i].line, key != NULL);
		if (key == NULL)
			continue;
		TROW(cases[i].line, make_csr(key, "cn.example", cases[i].dns,
		    cases[i].tamper, &der, &n));
		cm_request_init(r);
		csr = NULL;
		why[0] = '\0';
		TROW(cases[i].line, pki_csr_parse(der, (size_t)n, r, &csr, why,
		    sizeof(why)) == cases[i].want);
		if (cases[i].why != NULL)
			TROW(cases[i].line, strstr(why, cases[i].why) != NULL);
		if (cases[i].want == GH_OK) {
			TROW(cases[i].line, r->ndns == 1);
			/* No SAN: the common name stands for one. */
			TROW(cases[i].line, strcmp(r->dns[0], cases[i].dns ?
			    cases[i].dns : "cn.example") == 0);
		}
		X509_REQ_free(csr);
		OPENSSL_free(der);
		EVP_PKEY_free(key);
	}
	cm_request_init(r);
	CU_ASSERT_EQUAL(pki_csr_parse("junk", 4, r, &csr, why, sizeof(why)),
	    GH_EINVAL);
	CU_ASSERT_EQUAL(pki_csr_parse("-----BEGIN CERTIFICATE REQUEST-----\n",
	    36, r, &csr, why, sizeof(why)), GH_EINVAL);
	free(r);
	ERR_clear_error();
}

/* What the tests' "store" says: serial 0x4…01 good, 0x4…02 revoked. */
static char	good_serial[CM_SERIAL_HEX + 1], revoked_serial[CM_SERIAL_HEX + 1];

static enum gh_err
lookup(const char *serial, long long *revoked, int *reason, void *arg)
{
	if (strcmp(serial, good_serial) == 0) {
		*revoked = 0;
		return GH_OK;
	}
	if (strcmp(serial, revoked_serial) == 0) {
		*revoked = 1700000000;
		*reason = 1;
		return GH_OK;
	}
	return GH_ENOTFOUND;
}

/* The status of cert (by md) in resp, after checking its signature. */
static int
status_of(OCSP_RESPONSE *resp, X509 *ca, X509 *cert, const EVP_MD *md,
    OCSP_REQUEST *req, int *reason)
{
	OCSP_BASICRESP		*bs;
	OCSP_CERTID		*id;
	STACK_OF(X509)		*certs = sk_X509_new_null();
	X509_STORE		*st = X509_STORE_new();
	ASN1_GENERALIZEDTIME	*rev, *thisupd, *nextupd;
	int			 status = -1;

	if ((bs = OCSP_response_get1_basic(resp)) == NULL)
		goto out;
	sk_X509_push(certs, ca);
	X509_STORE_add_cert(st, ca);
	if (OCSP_basic_verify(bs, certs, st, OCSP_TRUSTOTHER) != 1)
		goto out;
	if (req != NULL && OCSP_check_nonce(req, bs) != 1)
		goto out;
	id = OCSP_cert_to_id(md, cert, ca);
	if (!OCSP_resp_find_status(bs, id, &status, reason, &rev, &thisupd,
	    &nextupd) || thisupd == NULL || nextupd == NULL)
		status = -1;
	OCSP_CERTID_free(id);
out:
	OCSP_BASICRESP_free(bs);
	sk_X509_free(certs);
	X509_STORE_free(st);
	return status;
}

static void
test_ocsp(void)
{
	static const struct {
		int	line;
		int	which;		/* 0 good, 1 revoked, 2 unknown */
		int	sha256;
		int	want;
	} cases[] = {
		{ __LINE__, 0, 0, V_OCSP_CERTSTATUS_GOOD },
		{ __LINE__, 0, 1, V_OCSP_CERTSTATUS_GOOD },
		{ __LINE__, 1, 0, V_OCSP_CERTSTATUS_REVOKED },
		{ __LINE__, 1, 1, V_OCSP_CERTSTATUS_REVOKED },
		{ __LINE__, 2, 0, V_OCSP_CERTSTATUS_UNKNOWN },
		{ __LINE__, 2, 1, V_OCSP_CERTSTATUS_UNKNOWN },
	};
	struct cm_request	*r;
	struct pki_issue	 in;
	X509			*ca, *certs[3];
	EVP_PKEY		*cakey, *key;
	OCSP_REQUEST		*req, *parsed, *junk;
	OCSP_RESPONSE		*resp;
	OCSP_CERTID		*id;
	unsigned char		*der = NULL, back[4096];
	char			 why[CM_WHY_MAX], serial[CM_SERIAL_HEX + 1];
	char			 b64[8192], url[8192];
	size_t			 i, blen;
	int			 n, reason;

	r = malloc(sizeof(*r));
	CU_ASSERT_FATAL(r != NULL);
	CU_ASSERT_FATAL(pki_make_root("/O=Test/CN=Test root", CM_KEY_ECDSA_P256,
	    30, &ca, &cakey, why, sizeof(why)) == GH_OK);
	CU_ASSERT_FATAL(pki_keygen(CM_KEY_ECDSA_P256, &key) == GH_OK);
	cm_request_init(r);
	CU_ASSERT_FATAL(cm_request_add_dns(r, "ocsp.example", 12, why,
	    sizeof(why)) == GH_OK);
	memset(&in, 0, sizeof(in));
	in.req = r;
	in.pub = key;
	in.not_before = gh_now() - 60;
	in.not_after = gh_now() + 86400;
	in.base_url = "https://ca.example";
	for (i = 0; i < 3; i++) {
		CU_ASSERT_FATAL(pki_issue(ca, cakey, &in, &certs[i], serial) ==
		    GH_OK);
		if (i == 0)
			memcpy(good_serial, serial, sizeof(serial));
		else if (i == 1)
			memcpy(revoked_serial, serial, sizeof(serial));
	}

	for (i = 0; i < GH_NELEM(cases); i++) {
		const EVP_MD *md = cases[i].sha256 ? EVP_sha256() : EVP_sha1();

		req = OCSP_REQUEST_new();
		id = OCSP_cert_to_id(md, certs[cases[i].which], ca);
		TROW(cases[i].line, OCSP_request_add0_id(req, id) != NULL);
		TROW(cases[i].line, OCSP_request_add1_nonce(req, NULL, -1));
		der = NULL;
		n = i2d_OCSP_REQUEST(req, &der);
		TROW(cases[i].line, n > 0);
		parsed = NULL;
		TROW(cases[i].line, ocsp_request_parse(der, (size_t)n,
		    &parsed) == GH_OK);
		/* Truncated, or with a byte after it: malformed. */
		junk = NULL;
		TROW(cases[i].line, ocsp_request_parse(der, (size_t)n - 1,
		    &junk) == GH_EINVAL && junk == NULL);
		resp = NULL;
		TROW(cases[i].line, parsed != NULL && ocsp_respond(ca, cakey,
		    parsed, lookup, NULL, gh_now(), 3600, &resp) == GH_OK);
		reason = -1;
		TROW(cases[i].line, resp != NULL && status_of(resp, ca,
		    certs[cases[i].which], md, req, &reason) == cases[i].want);
		if (cases[i].want == V_OCSP_CERTSTATUS_REVOKED)
			TROW(cases[i].line, reason == 1);
		OCSP_RESPONSE_free(resp);
		OCSP_REQUEST_free(parsed);
		OCSP_REQUEST_free(req);
		OPENSSL_free(der);
	}

	/* GET: standard base64 with padding, or URL-safe without. */
	req = OCSP_REQUEST_new();
	OCSP_request_add0_id(req, OCSP_cert_to_id(NULL, certs[0], ca));
	der = NULL;
	n = i2d_OCSP_REQUEST(req, &der);
	CU_ASSERT_FATAL(n > 0 && (size_t)n < sizeof(back));
	CU_ASSERT_EQUAL(gh_b64_encode(der, (size_t)n, b64, sizeof(b64)), GH_OK);
	CU_ASSERT_EQUAL(ocsp_decode_get(b64, strlen(b64), back, sizeof(back),
	    &blen), GH_OK);
	CU_ASSERT(blen == (size_t)n && memcmp(back, der, blen) == 0);
	CU_ASSERT_EQUAL(gh_b64url_encode(der, (size_t)n, url, sizeof(url)),
	    GH_OK);
	CU_ASSERT_EQUAL(ocsp_decode_get(url, strlen(url), back, sizeof(back),
	    &blen), GH_OK);
	CU_ASSERT(blen == (size_t)n && memcmp(back, der, blen) == 0);
	CU_ASSERT_EQUAL(ocsp_decode_get("", 0, back, sizeof(back), &blen),
	    GH_EINVAL);
	CU_ASSERT_EQUAL(ocsp_decode_get("a*b=", 4, back, sizeof(back), &blen),
	    GH_EINVAL);
	CU_ASSERT_EQUAL(ocsp_request_parse((const unsigned char *)"\x30\x00", 2,
	    &parsed), GH_EINVAL);
	CU_ASSERT_EQUAL(ocsp_request_parse(back, 0, &parsed), GH_EINVAL);
	OPENSSL_free(der);
	OCSP_REQUEST_free(req);

	for (i = 0; i < 3; i++)
		X509_free(certs[i]);
	X509_free(ca);
	EVP_PKEY_free(cakey);
	EVP_PKEY_free(key);
	free(r);
	ERR_clear_error();
}

/* --- the store ------------------------------------------------------------------ */

static int	pg;	/* this round runs on PostgreSQL (tpg.h) */

static int
open_store(struct certmaker *cm)
{
	return tcm_open(cm, pg, "[certmaker]\nmax_days = 90\n");
}

static void
test_store_users(void)
{
	struct certmaker	cm;
	struct cm_user		u;
	char			tok[GH_TOKEN_LEN + 1], tok2[GH_TOKEN_LEN + 1];

	CU_ASSERT_FATAL(open_store(&cm) == 0);
	CU_ASSERT_EQUAL(gh_token_new(tok), GH_OK);
	CU_ASSERT_EQUAL(gh_token_new(tok2), GH_OK);
	CU_ASSERT_EQUAL(certmaker_store_user_add(&cm, "alice", tok, 0), GH_OK);
	CU_ASSERT_EQUAL(certmaker_store_user_add(&cm, "alice", tok2, 0),
	    GH_ECONFLICT);
	CU_ASSERT_EQUAL(certmaker_store_user_by_token(&cm, tok, strlen(tok),
	    &u), GH_OK);
	CU_ASSERT_STRING_EQUAL(u.name, "alice");
	CU_ASSERT_EQUAL(u.admin, 0);
	CU_ASSERT_EQUAL(u.disabled, 0);
	CU_ASSERT_EQUAL(certmaker_store_user_by_token(&cm, tok, strlen(tok) - 1,
	    &u), GH_ENOTFOUND);
	CU_ASSERT_EQUAL(certmaker_store_user_disable(&cm, "alice", 1), GH_OK);
	CU_ASSERT_EQUAL(certmaker_store_user_by_token(&cm, tok, strlen(tok),
	    &u), GH_OK);
	CU_ASSERT_EQUAL(u.disabled, 1);
	CU_ASSERT_EQUAL(certmaker_store_user_disable(&cm, "nobody", 1),
	    GH_ENOTFOUND);
	CU_ASSERT_EQUAL(certmaker_store_user_token(&cm, "alice", tok2), GH_OK);
	CU_ASSERT_EQUAL(certmaker_store_user_by_token(&cm, tok, strlen(tok),
	    &u), GH_ENOTFOUND);
	CU_ASSERT_EQUAL(certmaker_store_user_by_token(&cm, tok2, strlen(tok2),
	    &u), GH_OK);
	certmaker_close(&cm);
}

static void
test_store_ca_and_certs(void)
{
	struct certmaker	cm;
	struct cm_cert		c, got;
	struct cm_challenge	ch, gch;
	struct gh_buf		pem, key;
	char			why[CM_WHY_MAX], tok[GH_TOKEN_LEN + 1];
	struct cm_user		u;

	CU_ASSERT_FATAL(open_store(&cm) == 0);
	CU_ASSERT_EQUAL(gh_token_new(tok), GH_OK);
	CU_ASSERT_EQUAL(certmaker_store_user_add(&cm, "bob", tok, 1), GH_OK);
	CU_ASSERT_EQUAL(certmaker_store_user_by_token(&cm, tok, strlen(tok),
	    &u), GH_OK);
	if (cm.ca == NULL)
		CU_ASSERT_EQUAL(certmaker_make_ca(&cm, NULL, CM_KEY_ED25519, 10,
		    why, sizeof(why)), GH_OK);
	CU_ASSERT(cm.ca != NULL && cm.ca_key != NULL);
	CU_ASSERT_EQUAL(certmaker_make_ca(&cm, NULL, CM_KEY_ED25519, 10, why,
	    sizeof(why)), GH_ECONFLICT);
	certmaker_close(&cm);
	/* The root comes back from the store, its key unsealed. */
	CU_ASSERT_FATAL(open_store(&cm) == 0);
	CU_ASSERT(cm.ca != NULL && cm.ca_key != NULL);

	memset(&c, 0, sizeof(c));
	gh_strlcpy(c.serial, "40112233445566778899aabbccddeeff", sizeof(c.serial));
	c.user_id = u.id;
	c.not_before = 1;
	c.not_after = 2;
	CU_ASSERT_EQUAL(certmaker_store_cert_add(&cm, &c, "PEM", "sealed", 6,
	    NULL), GH_OK);
	CU_ASSERT_EQUAL(certmaker_store_cert_add(&cm, &c, "PEM", NULL, 0, NULL),
	    GH_ECONFLICT);
	gh_buf_init(&pem, 0);
	gh_buf_init(&key, 0);
	CU_ASSERT_EQUAL(certmaker_store_cert_get(&cm, c.serial, &got, &pem,
	    &key), GH_OK);
	CU_ASSERT_EQUAL(got.user_id, u.id);
	CU_ASSERT_EQUAL(got.has_key, 1);
	CU_ASSERT_EQUAL(got.revoked, 0);
	CU_ASSERT(pem.len == 3 && memcmp(pem.data, "PEM", 3) == 0);
	CU_ASSERT(key.len == 6 && memcmp(key.data, "sealed", 6) == 0);
	CU_ASSERT_EQUAL(certmaker_store_cert_get(&cm, "41", &got, NULL, NULL),
	    GH_ENOTFOUND);
	CU_ASSERT_EQUAL(certmaker_store_cert_revoke(&cm, c.serial, 4, 100),
	    GH_OK);
	CU_ASSERT_EQUAL(certmaker_store_cert_revoke(&cm, c.serial, 4, 100),
	    GH_EGONE);
	CU_ASSERT_EQUAL(certmaker_store_cert_revoke(&cm, "41", 4, 100),
	    GH_ENOTFOUND);
	CU_ASSERT_EQUAL(certmaker_store_cert_get(&cm, c.serial, &got, NULL,
	    NULL), GH_OK);
	CU_ASSERT_EQUAL(got.revoked, 100);
	CU_ASSERT_EQUAL(got.reason, 4);

	/* The CRL lists it. */
	gh_buf_reset(&pem);
	CU_ASSERT_EQUAL(crl_build(&cm, gh_now(), &pem), GH_OK);
	CU_ASSERT(pem.len > 0);

	/* A challenge is solved by exactly one certificate. */
	memset(&ch, 0, sizeof(ch));
	gh_strlcpy(ch.id, "00112233445566778899aabbccddeeff", sizeof(ch.id));
	ch.user_id = u.id;
	ch.days = 7;
	ch.expires = 10;
	CU_ASSERT_EQUAL(certmaker_store_challenge_add(&cm, &ch, "{}", 2),
	    GH_OK);
	gh_buf_reset(&pem);
	CU_ASSERT_EQUAL(certmaker_store_challenge_get(&cm, ch.id, &gch, &pem),
	    GH_OK);
	CU_ASSERT_STRING_EQUAL(gch.serial, "");
	CU_ASSERT_EQUAL(gch.expires, 10);
	CU_ASSERT(pem.len == 2);
	gh_strlcpy(c.serial, "40112233445566778899aabbccddee00", sizeof(c.serial));
	CU_ASSERT_EQUAL(certmaker_store_cert_add(&cm, &c, "PEM", NULL, 0,
	    ch.id), GH_OK);
	gh_strlcpy(c.serial, "40112233445566778899aabbccddee01", sizeof(c.serial));
	CU_ASSERT_EQUAL(certmaker_store_cert_add(&cm, &c, "PEM", NULL, 0,
	    ch.id), GH_ECONFLICT);
	CU_ASSERT_EQUAL(certmaker_store_cert_get(&cm, c.serial, &got, NULL,
	    NULL), GH_ENOTFOUND);	/* rolled back with the challenge */
	CU_ASSERT_EQUAL(certmaker_store_challenge_get(&cm, ch.id, &gch, NULL),
	    GH_OK);
	CU_ASSERT_STRING_EQUAL(gch.serial, "40112233445566778899aabbccddee00");
	CU_ASSERT_EQUAL(gch.has_key, 0);
	CU_ASSERT_EQUAL(certmaker_store_challenge_get(&cm, "ff", &gch, NULL),
	    GH_ENOTFOUND);
	gh_buf_free(&pem);
	gh_buf_free(&key);
	certmaker_close(&cm);
}

static enum gh_err
count_revoked(const char *serial, long long when, int reason, void *arg)
{
	(void)serial;
	(void)when;
	(void)reason;
	(*(int *)arg)++;
	return GH_OK;
}

/*
 * Serial counters and CRL numbers from two handles (two processes, or two
 * nodes on PostgreSQL): each strictly greater than the last, whoever takes
 * it; a CRL number at least the time of its build.
 */
static void
test_store_counters(void)
{
	struct certmaker	 a, b;
	ASN1_INTEGER		*ai;
	char			 hex[2][CM_SERIAL_HEX + 1];
	long long		 n, last = 0;
	int			 i, revoked;

	CU_ASSERT_FATAL(open_store(&a) == 0);
	CU_ASSERT_FATAL(open_store(&b) == 0);
	for (i = 0; i < 6; i++) {
		CU_ASSERT_EQUAL(certmaker_store_serial_next(i % 2 ? &b : &a,
		    &n), GH_OK);
		CU_ASSERT(n > last);
		last = n;
	}
	/* The counter leads the serial: they sort as they were taken. */
	CU_ASSERT_FATAL(pki_serial_new(&ai, hex[0], last) == GH_OK);
	ASN1_INTEGER_free(ai);
	CU_ASSERT_FATAL(pki_serial_new(&ai, hex[1], last + 1) == GH_OK);
	ASN1_INTEGER_free(ai);
	CU_ASSERT(strcmp(hex[0], hex[1]) < 0);
	CU_ASSERT(hex[0][0] == '4' && strlen(hex[0]) == CM_SERIAL_HEX);

	last = 0;
	for (i = 0; i < 6; i++) {
		revoked = 0;
		CU_ASSERT_EQUAL(certmaker_store_crl(i % 2 ? &b : &a,
		    i == 3 ? 5000000000LL : 1000, &n, count_revoked,
		    &revoked), GH_OK);
		CU_ASSERT(n > last);
		CU_ASSERT(n >= (i >= 3 ? 5000000000LL : 1000));
		last = n;
	}
	certmaker_close(&a);
	certmaker_close(&b);
}

#define RACERS	4
#define RACED	20

/* A child of test_store_counters_racing(): RACED serials, then CRL numbers. */
static void
race_counters(int fd)
{
	struct certmaker	cm;
	long long		v[2 * RACED];
	int			i, revoked;

	if (open_store(&cm) != 0)
		_exit(1);
	for (i = 0; i < RACED; i++)
		if (certmaker_store_serial_next(&cm, &v[i]) != GH_OK)
			_exit(1);
	for (i = 0; i < RACED; i++)
		if (certmaker_store_crl(&cm, 1000, &v[RACED + i],
		    count_revoked, &revoked) != GH_OK)
			_exit(1);
	certmaker_close(&cm);
	_exit(write(fd, v, sizeof(v)) == (ssize_t)sizeof(v) ? 0 : 1);
}

static int
cmp_ll(const void *a, const void *b)
{
	long long	x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

/*
 * RACERS processes (nodes, on PostgreSQL) take serial counters and CRL
 * numbers at once: no number twice in all, and each process's growing.
 */
static void
test_store_counters_racing(void)
{
	static long long	 all[2][RACERS * RACED];
	long long		 v[2 * RACED];
	pid_t			 pids[RACERS];
	int			 fds[RACERS][2], i, j, k, status;

	for (i = 0; i < RACERS; i++) {
		CU_ASSERT_FATAL(pipe(fds[i]) == 0);
		if ((pids[i] = fork()) == 0) {
			close(fds[i][0]);
			race_counters(fds[i][1]);
		}
		CU_ASSERT_FATAL(pids[i] > 0);
		close(fds[i][1]);
	}
	for (i = 0; i < RACERS; i++) {
		memset(v, 0, sizeof(v));
		CU_ASSERT(read(fds[i][0], v, sizeof(v)) == (ssize_t)sizeof(v));
		close(fds[i][0]);
		CU_ASSERT(waitpid(pids[i], &status, 0) == pids[i]);
		CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		for (k = 0; k < 2; k++)
			for (j = 0; j < RACED; j++) {
				all[k][i * RACED + j] = v[k * RACED + j];
				CU_ASSERT(j == 0 ||
				    v[k * RACED + j] > v[k * RACED + j - 1]);
			}
	}
	for (k = 0; k < 2; k++) {
		qsort(all[k], RACERS * RACED, sizeof(all[k][0]), cmp_ll);
		for (j = 1; j < RACERS * RACED; j++)
			CU_ASSERT(all[k][j] > all[k][j - 1]);
	}
}

static const struct tcase tests[] = {
	TCASE(test_request_parse),
	TCASE(test_request_values),
	TCASE(test_serial_parse_and_exempt),
	TCASE(test_serial_new),
	TCASE(test_san_build),
	TCASE(test_set_pubkey),
	TCASE(test_csr),
	TCASE(test_ocsp),
	TCASE(test_store_users),
	TCASE(test_store_ca_and_certs),
	TCASE(test_store_counters),
	TCASE(test_store_counters_racing),
};
/* Every case on SQLite, then on a throwaway PostgreSQL. */
int
main(void)
{
	return tpg_main("certmaker", tests, sizeof(tests) / sizeof(tests[0]), &pg,
	    "DROP SCHEMA IF EXISTS certmaker CASCADE");
}
