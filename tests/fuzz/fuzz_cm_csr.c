/* SPDX-License-Identifier: ISC */
/*
 * Fuzz harness for cgi-bin/certmaker/pki.c: a request-with-csr body (PEM
 * or DER PKCS #10) through pki_csr_parse(): parsing, the signature and key
 * checks, and the names taken from the SANs and the common name.
 */
#include <openssl/x509.h>

#include "certmaker.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cm_request	 r;
	X509_REQ			*csr = NULL;
	char				 why[CM_WHY_MAX];

	cm_request_init(&r);
	if (pki_csr_parse(data, size, &r, &csr, why, sizeof(why)) == GH_OK) {
		if (csr == NULL || r.ndns + r.nip + r.nemail == 0)
			abort();
		X509_REQ_free(csr);
	}
	return 0;
}
