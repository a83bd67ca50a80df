/* SPDX-License-Identifier: ISC */
/*
 * Fuzz harness for cgi-bin/certmaker/pki.c: a request-with-csr body (PEM
 * or DER PKCS #10) through pki_csr_parse(): parsing, the signature and key
 * checks, and the names taken from the SANs and the common name.
 *
 * A mutated CSR seldom keeps a valid signature, so an input that starts
 * with 'S' is instead a list of names, one a line ("C:<common name>",
 * "D:<dNSName>", "I:<iPAddress octets>", "E:<rfc822Name>", "U:<URI>"),
 * made into a CSR signed by a fixed key: the name checks behind the
 * signature then see the fuzzer's bytes.
 */
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "certmaker.h"
#include "fuzz.h"

static EVP_PKEY	*key;

/* One SAN of type type with the n bytes at p onto gens; 0 if it fails. */
static int
san_push(GENERAL_NAMES *gens, int type, const char *p, size_t n)
{
	GENERAL_NAME	*g;
	ASN1_STRING	*s;

	if ((g = GENERAL_NAME_new()) == NULL)
		return 0;
	s = type == GEN_IPADD ? ASN1_OCTET_STRING_new() : ASN1_IA5STRING_new();
	if (s == NULL || !ASN1_STRING_set(s, p, (int)n)) {
		ASN1_STRING_free(s);
		GENERAL_NAME_free(g);
		return 0;
	}
	GENERAL_NAME_set0_value(g, type, s);
	if (!sk_GENERAL_NAME_push(gens, g)) {
		GENERAL_NAME_free(g);
		return 0;
	}
	return 1;
}

/* The DER of a CSR of the names in s (n bytes), signed by key; NULL if not. */
static unsigned char *
make_csr(const char *s, size_t n, int *derlen)
{
	X509_REQ			*req = NULL;
	GENERAL_NAMES			*gens = NULL;
	STACK_OF(X509_EXTENSION)	*exts = NULL;
	unsigned char			*der = NULL;
	const char			*p, *end = s + n, *nl;
	size_t				 len;
	int				 type;

	if ((req = X509_REQ_new()) == NULL ||
	    (gens = GENERAL_NAMES_new()) == NULL ||
	    !X509_REQ_set_pubkey(req, key))
		goto out;
	for (p = s; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		len = (size_t)(nl - p);
		if (len < 2 || p[1] != ':')
			continue;
		switch (p[0]) {
		case 'C':
			X509_NAME_add_entry_by_NID(X509_REQ_get_subject_name(req),
			    NID_commonName, V_ASN1_UTF8STRING,
			    (const unsigned char *)p + 2, (int)len - 2, -1, 0);
			continue;
		case 'D': type = GEN_DNS; break;
		case 'I': type = GEN_IPADD; break;
		case 'E': type = GEN_EMAIL; break;
		case 'U': type = GEN_URI; break;
		default: continue;
		}
		if (!san_push(gens, type, p + 2, len - 2))
			goto out;
	}
	if (sk_GENERAL_NAME_num(gens) > 0 &&
	    ((exts = sk_X509_EXTENSION_new_null()) == NULL ||
	    !X509V3_add1_i2d(&exts, NID_subject_alt_name, gens, 0, 0) ||
	    !X509_REQ_add_extensions(req, exts)))
		goto out;
	if (X509_REQ_sign(req, key, EVP_sha256()) <= 0 ||
	    (*derlen = i2d_X509_REQ(req, &der)) <= 0) {
		OPENSSL_free(der);
		der = NULL;
	}
out:
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	GENERAL_NAMES_free(gens);
	X509_REQ_free(req);
	return der;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cm_request	 r;
	X509_REQ			*csr = NULL;
	unsigned char			*der = NULL;
	const void			*p = data;
	char				 why[CM_WHY_MAX];
	int				 derlen = 0;

	if (key == NULL && pki_keygen(CM_KEY_ECDSA_P256, &key) != GH_OK)
		abort();
	if (size > 0 && data[0] == 'S') {
		if ((der = make_csr((const char *)data + 1, size - 1,
		    &derlen)) == NULL)
			return 0;
		p = der;
		size = (size_t)derlen;
	}
	cm_request_init(&r);
	why[0] = '\0';
	if (pki_csr_parse(p, size, &r, &csr, why, sizeof(why)) == GH_OK) {
		if (csr == NULL || r.ndns + r.nip + r.nemail == 0)
			abort();
		X509_REQ_free(csr);
	} else if (der != NULL && why[0] == '\0')
		abort();
	OPENSSL_free(der);
	return 0;
}
