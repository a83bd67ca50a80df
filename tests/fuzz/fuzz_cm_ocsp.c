/* SPDX-License-Identifier: ISC */
/*
 * Fuzz harness for cgi-bin/certmaker/ocsp.c: an OCSP request as the GET
 * route takes it (base64 in the path, then DER) and as the POST route does
 * (DER), parsed by ocsp_request_parse() and answered by ocsp_respond()
 * under a fixed root (the seed requests name it), with a lookup that
 * calls some serials unknown and some revoked.  The first byte picks GET
 * ('G') or POST (anything else).
 */
#include <openssl/ocsp.h>

#include "certmaker.h"
#include "fuzz.h"

/* A throwaway P-256 root, "/CN=ca", for the fuzzer only. */
static const char ca_pem[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBcDCCARegAwIBAgIUb20qnMvLK+E3rnPzViMjhoZPGwQwCgYIKoZIzj0EAwIw\n"
	"DTELMAkGA1UEAwwCY2EwIBcNMjYxMTIzMTQwNTU0WhgPMjEyNjEwMzAxNDA1NTRa\n"
	"MA0xCzAJBgNVBAMMAmNhMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAExkO+dfaT\n"
	"UaNVU01piZ8IbChj7kxqZNgZigqzdGQEmpMteLC88LN0CuYlimTKmxzKptja6ajm\n"
	"QmwZu0X7rnz6NqNTMFEwHQYDVR0OBBYEFO/bs3mXNsotwEiwOs+4BSBznOVfMB8G\n"
	"A1UdIwQYMBaAFO/bs3mXNsotwEiwOs+4BSBznOVfMA8GA1UdEwEB/wQFMAMBAf8w\n"
	"CgYIKoZIzj0EAwIDRwAwRAIgdEVqre92HCc2Sje7yg2O7d3PImXfypmiWBxP4dEu\n"
	"zsoCIAHtXeEDTlvi/sfQmM1H1F0HTf974n0NK3c1f4944DI3\n"
	"-----END CERTIFICATE-----\n";
static const char cakey_pem[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgdmITUViAFoLNEKAo\n"
	"jw0WG3WFiIf1saUw6g4HlgBTR++hRANCAATGQ7519pNRo1VTTWmJnwhsKGPuTGpk\n"
	"2BmKCrN0ZASaky14sLzws3QK5iWKZMqbHMqm2NrpqOZCbBm7RfuufPo2\n"
	"-----END PRIVATE KEY-----\n";

static X509	*ca;
static EVP_PKEY	*cakey;

static enum gh_err
lookup(const char *serial, long long *revoked, int *reason, void *arg)
{
	size_t	n = strlen(serial);

	if (n == 0 || n > CM_SERIAL_HEX + 8)
		abort();
	if (serial[n - 1] == '0')
		return GH_ENOTFOUND;
	if (serial[n - 1] & 1) {
		*revoked = 1700000000;
		*reason = 1;
	}
	return GH_OK;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char	 der[8192];
	const uint8_t	*p = data + 1;
	OCSP_REQUEST	*req = NULL;
	OCSP_RESPONSE	*resp = NULL;
	size_t		 n;

	if (ca == NULL && (pki_cert_read(ca_pem, strlen(ca_pem), &ca) !=
	    GH_OK || pki_key_read(cakey_pem, strlen(cakey_pem), &cakey) !=
	    GH_OK))
		abort();
	if (size == 0)
		return 0;
	n = size - 1;
	if (data[0] == 'G') {
		if (ocsp_decode_get((const char *)p, n, der, sizeof(der),
		    &n) != GH_OK)
			return 0;
		p = der;
	}
	if (ocsp_request_parse(p, n, &req) != GH_OK)
		return 0;
	if (ocsp_respond(ca, cakey, req, lookup, NULL, 1700000000, 3600,
	    &resp) == GH_OK)
		OCSP_RESPONSE_free(resp);
	OCSP_REQUEST_free(req);
	return 0;
}
