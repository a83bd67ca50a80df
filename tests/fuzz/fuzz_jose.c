/* SPDX-License-Identifier: ISC */
/*
 * Fuzz harness for lib/jose.c.  The input is tried as strict base64url,
 * as an ACME JWS in the flattened JSON serialisation, and (once parsed as
 * a JSON object) as the inner JWS of external account binding or of
 * keyChange, and as a JWK.  Beyond the sanitizers it checks what the
 * module promises: what decodes encodes back to the input; a parsed JWS
 * has the key reference, nonce and url its kind calls for, and a
 * NUL-terminated payload; a refusal gives a reason; every key accepted
 * has one canonical JWK, which parses back to the same key with the same
 * thumbprint.  Verification runs on whatever parses (the seeds carry
 * real signatures).
 */
#include <string.h>

#include <json-c/json.h>

#include "fuzz.h"
#include "jose.h"
#include "json.h"
#include "util.h"

#define FUZZ_MAX	(64 * 1024)	/* the JWS bound the harness passes */

static const unsigned char	eab_key[32] = "a fixed EAB key of 32 bytes....";

/* A key accepted once must round-trip through its canonical JWK. */
static void
check_key(EVP_PKEY *key)
{
	struct gh_buf	 b;
	EVP_PKEY	*again = NULL;
	char		 t1[GH_JOSE_THUMB_LEN + 1], t2[GH_JOSE_THUMB_LEN + 1];

	gh_buf_init(&b, GH_JOSE_HEADER_MAX);
	if (gh_jwk_canonical(key, &b) != GH_JOSE_OK ||
	    gh_jwk_parse_text(b.data, b.len, &again, NULL) != GH_JOSE_OK ||
	    !gh_jwk_equal(key, again) ||
	    gh_jwk_thumbprint(key, t1) != GH_JOSE_OK ||
	    gh_jwk_thumbprint(again, t2) != GH_JOSE_OK ||
	    strcmp(t1, t2) != 0 || strlen(t1) != GH_JOSE_THUMB_LEN)
		abort();
	EVP_PKEY_free(again);
	gh_buf_free(&b);
}

enum kind { ACME, EAB, KEYCHANGE };

/* What every parsed JWS must look like. */
static void
check_jws(const struct gh_jws *jws, enum kind kind)
{
	struct json_object	*obj = NULL;
	int			 eab = kind == EAB;

	if (jws->url == NULL || jws->url[0] == '\0' ||
	    (kind == ACME) != (jws->nonce != NULL) ||
	    (kind == KEYCHANGE && jws->keyref != GH_JWS_JWK) ||
	    (kind == EAB && jws->keyref != GH_JWS_KID) ||
	    (jws->keyref == GH_JWS_JWK) != (jws->jwk != NULL) ||
	    (jws->keyref == GH_JWS_KID) != (jws->kid != NULL) ||
	    (eab && jws->alg != GH_JOSE_HS256) ||
	    (!eab && jws->alg == GH_JOSE_HS256) ||
	    jws->payload == NULL || jws->payload[jws->payload_len] != '\0')
		abort();
	if (jws->jwk != NULL) {
		check_key(jws->jwk);
		(void)gh_jws_verify(jws, jws->jwk, NULL);
	}
	if (eab)
		(void)gh_jws_verify_hs256(jws, eab_key, sizeof(eab_key), NULL);
	if (gh_jws_payload_object(jws, &obj, NULL) == GH_JOSE_OK &&
	    obj == NULL)
		abort();
	json_object_put(obj);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned char	 bin[FUZZ_MAX];
	static char		 txt[FUZZ_MAX * 2];
	const char		*s = (const char *)data, *why;
	struct gh_jws		*jws;
	struct json_object	*obj = NULL;
	EVP_PKEY		*key;
	size_t			 n;

	if (size > FUZZ_MAX + 16)
		return 0;

	/* Strict base64url has one spelling: decode, encode, and it is back. */
	if (gh_jose_b64_decode(s, size, bin, sizeof(bin), &n) == GH_JOSE_OK &&
	    (gh_jose_b64_encode(bin, n, txt, sizeof(txt)) != GH_JOSE_OK ||
	    strlen(txt) != size || memcmp(txt, s, size) != 0))
		abort();

	jws = NULL;
	why = NULL;
	if (gh_jws_parse(s, size, FUZZ_MAX, &jws, &why) == GH_JOSE_OK)
		check_jws(jws, ACME);
	else if (why == NULL || jws != NULL)
		abort();
	gh_jws_free(jws);

	if (gh_json_parse_object(s, size, &obj, NULL) != GH_OK)
		return 0;
	jws = NULL;
	why = NULL;
	if (gh_jws_parse_eab(obj, &jws, &why) == GH_JOSE_OK)
		check_jws(jws, EAB);
	else if (why == NULL || jws != NULL)
		abort();
	gh_jws_free(jws);
	jws = NULL;
	why = NULL;
	if (gh_jws_parse_keychange(obj, &jws, &why) == GH_JOSE_OK)
		check_jws(jws, KEYCHANGE);
	else if (why == NULL || jws != NULL)
		abort();
	gh_jws_free(jws);
	key = NULL;
	if (gh_jwk_parse(obj, &key, NULL) == GH_JOSE_OK)
		check_key(key);
	EVP_PKEY_free(key);
	json_object_put(obj);
	return 0;
}
