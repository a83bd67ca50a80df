/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for certmaker's ACME: the checks of a request's JWS against
 * its endpoint (url, jwk or kid), identifiers and contacts, the state
 * machine of orders and authorizations (RFC 8555 7.1.6), and the store
 * on a fresh database: nonces used once and shared, accounts, orders,
 * and finalize's one-way step from ready to valid.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/ecdsa.h>
#include <openssl/err.h>

#include "acme.h"
#include "json.h"
#include "tdir.h"
#include "tmain.h"
#include "tpg.h"
#include "tcertmaker.h"	/* after tdir.h and tpg.h */
#include "token.h"

#define URL	"https://ca.example/acme/new-order"
#define ACCT	"https://ca.example/acme/acct/"

/* --- JWS against the endpoint ------------------------------------------------ */

/*
 * A flattened JWS signed ES256 with key: protected header {alg, nonce,
 * url, and jwk (kid NULL) or kid}, payload as given.  Caller frees.
 */
static char *
make_jws(EVP_PKEY *key, const char *url, const char *kid, const char *payload)
{
	struct json_object	*hdr, *jwk = NULL, *out;
	struct gh_buf		 input;
	EVP_MD_CTX		*md;
	ECDSA_SIG		*es;
	const BIGNUM		*r, *s;
	unsigned char		 der[128], raw[64];
	const unsigned char	*p;
	char			 ph[4096], pl[4096], sig[128], *res;
	const char		*hs;
	size_t			 dlen = sizeof(der);

	hdr = json_object_new_object();
	json_object_object_add(hdr, "alg", json_object_new_string("ES256"));
	json_object_object_add(hdr, "nonce", json_object_new_string("bm9uY2U"));
	json_object_object_add(hdr, "url", json_object_new_string(url));
	if (kid != NULL)
		json_object_object_add(hdr, "kid", json_object_new_string(kid));
	else {
		CU_ASSERT_FATAL(gh_jwk_to_json(key, &jwk) == GH_JOSE_OK);
		json_object_object_add(hdr, "jwk", jwk);
	}
	hs = json_object_to_json_string_ext(hdr, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
	gh_jose_b64_encode(hs, strlen(hs), ph, sizeof(ph));
	gh_jose_b64_encode(payload, strlen(payload), pl, sizeof(pl));
	json_object_put(hdr);
	gh_buf_init(&input, 0);
	gh_buf_printf(&input, "%s.%s", ph, pl);
	md = EVP_MD_CTX_new();
	CU_ASSERT_FATAL(EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL,
	    key) == 1);
	CU_ASSERT_FATAL(EVP_DigestSign(md, der, &dlen,
	    (const unsigned char *)input.data, input.len) == 1);
	EVP_MD_CTX_free(md);
	p = der;
	es = d2i_ECDSA_SIG(NULL, &p, (long)dlen);
	ECDSA_SIG_get0(es, &r, &s);
	BN_bn2binpad(r, raw, 32);
	BN_bn2binpad(s, raw + 32, 32);
	ECDSA_SIG_free(es);
	gh_jose_b64_encode(raw, sizeof(raw), sig, sizeof(sig));
	out = json_object_new_object();
	json_object_object_add(out, "protected", json_object_new_string(ph));
	json_object_object_add(out, "payload", json_object_new_string(pl));
	json_object_object_add(out, "signature", json_object_new_string(sig));
	res = strdup(json_object_to_json_string_ext(out,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(out);
	gh_buf_free(&input);
	return res;
}

static const struct {
	int		 line;
	const char	*url;		/* signed */
	const char	*kid;		/* NULL: jwk */
	enum acme_keyref ref;		/* what the endpoint takes */
	enum gh_err	 want;
	const char	*type;		/* the problem type when refused */
} jws_cases[] = {
	{ __LINE__, URL, ACCT "AAAAAAAAAAAAAAAAAAAA", ACME_KEY_KID, GH_OK, NULL },
	{ __LINE__, URL, NULL, ACME_KEY_JWK, GH_OK, NULL },
	{ __LINE__, URL, NULL, ACME_KEY_EITHER, GH_OK, NULL },
	{ __LINE__, URL, ACCT "AAAAAAAAAAAAAAAAAAAA", ACME_KEY_EITHER, GH_OK,
	    NULL },
	/* the wrong url: another endpoint, another server, a trailing slash */
	{ __LINE__, "https://ca.example/acme/new-account", ACCT
	    "AAAAAAAAAAAAAAAAAAAA", ACME_KEY_KID, GH_EINVAL, "unauthorized" },
	{ __LINE__, "https://evil.example/acme/new-order", ACCT
	    "AAAAAAAAAAAAAAAAAAAA", ACME_KEY_KID, GH_EINVAL, "unauthorized" },
	{ __LINE__, URL "/", ACCT "AAAAAAAAAAAAAAAAAAAA", ACME_KEY_KID,
	    GH_EINVAL, "unauthorized" },
	/* jwk where kid belongs, and kid where jwk belongs */
	{ __LINE__, URL, NULL, ACME_KEY_KID, GH_EINVAL, "malformed" },
	{ __LINE__, URL, ACCT "AAAAAAAAAAAAAAAAAAAA", ACME_KEY_JWK, GH_EINVAL,
	    "malformed" },
	/* a kid that is not one of our account URLs */
	{ __LINE__, URL, "https://other.example/acme/acct/AAAAAAAAAAAAAAAAAAAA",
	    ACME_KEY_KID, GH_EINVAL, "accountDoesNotExist" },
	{ __LINE__, URL, ACCT "short", ACME_KEY_KID, GH_EINVAL,
	    "accountDoesNotExist" },
	{ __LINE__, URL, ACCT "AAAAAAAAAAAAAAAAAAA!", ACME_KEY_KID, GH_EINVAL,
	    "accountDoesNotExist" },
};

static void
test_jws_check(void)
{
	EVP_PKEY	*key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	struct gh_jws	*jws;
	char		*s, kid[ACME_ID_LEN + 1];
	const char	*type, *why;
	size_t		 i;
	enum gh_err	 err;

	CU_ASSERT_FATAL(key != NULL);
	for (i = 0; i < GH_NELEM(jws_cases); i++) {
		s = make_jws(key, jws_cases[i].url, jws_cases[i].kid, "");
		jws = NULL;
		TROW(jws_cases[i].line, gh_jws_parse(s, strlen(s), 0, &jws,
		    &why) == GH_JOSE_OK);
		if (jws == NULL) {
			free(s);
			continue;
		}
		/* Every case is signed right: only the endpoint's rules bite. */
		TROW(jws_cases[i].line, gh_jws_verify(jws, key, &why) ==
		    GH_JOSE_OK);
		kid[0] = '\0';
		type = NULL;
		err = acme_jws_check(jws, jws_cases[i].ref, URL, ACCT, kid,
		    &type, &why);
		TROW(jws_cases[i].line, err == jws_cases[i].want);
		if (err != GH_OK)
			TROW(jws_cases[i].line, type != NULL &&
			    strcmp(type, jws_cases[i].type) == 0);
		else if (jws_cases[i].kid != NULL)
			TROW(jws_cases[i].line,
			    strcmp(kid, "AAAAAAAAAAAAAAAAAAAA") == 0);
		gh_jws_free(jws);
		free(s);
	}
	EVP_PKEY_free(key);
}

/* A signature by another key does not verify; nor a changed payload. */
static void
test_jws_bad_signature(void)
{
	EVP_PKEY	*key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	EVP_PKEY	*other = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	struct gh_jws	*jws = NULL;
	char		*s;
	const char	*why;

	s = make_jws(key, URL, ACCT "AAAAAAAAAAAAAAAAAAAA", "{}");
	CU_ASSERT_FATAL(gh_jws_parse(s, strlen(s), 0, &jws, &why) ==
	    GH_JOSE_OK);
	CU_ASSERT(gh_jws_verify(jws, key, &why) == GH_JOSE_OK);
	CU_ASSERT(gh_jws_verify(jws, other, &why) == GH_JOSE_EBADSIG);
	CU_ASSERT(strcmp(gh_jose_acme_type(GH_JOSE_EBADSIG), "malformed") ==
	    0);
	gh_jws_free(jws);
	free(s);
	EVP_PKEY_free(key);
	EVP_PKEY_free(other);
}

/* --- identifiers and contacts --------------------------------------------------- */

static const struct {
	int		 line;
	const char	*json;
	enum gh_err	 want;
	const char	*type;		/* when refused */
	size_t		 n;		/* identifiers when accepted */
	const char	*first;		/* the first one's value */
} ident_cases[] = {
	{ __LINE__, "[{\"type\":\"dns\",\"value\":\"WWW.Example.COM\"}]", GH_OK,
	    NULL, 1, "www.example.com" },
	{ __LINE__, "[{\"type\":\"dns\",\"value\":\"a.example\"},"
	    "{\"type\":\"dns\",\"value\":\"A.example\"}]", GH_OK, NULL, 1,
	    "a.example" },
	{ __LINE__, "[{\"type\":\"ip\",\"value\":\"192.0.2.1\"}]", GH_OK, NULL,
	    1, "192.0.2.1" },
	/* RFC 8738 3: the canonical text form of an IPv6 address */
	{ __LINE__, "[{\"type\":\"ip\",\"value\":\"2001:DB8:0:0:0:0:0:1\"}]",
	    GH_OK, NULL, 1, "2001:db8::1" },
	{ __LINE__, "[{\"type\":\"dns\",\"value\":\"a.example\"},"
	    "{\"type\":\"ip\",\"value\":\"::1\"}]", GH_OK, NULL, 2,
	    "a.example" },
	{ __LINE__, "[]", GH_EINVAL, "malformed", 0, NULL },
	{ __LINE__, "{}", GH_EINVAL, "malformed", 0, NULL },
	{ __LINE__, "[\"a.example\"]", GH_EINVAL, "malformed", 0, NULL },
	{ __LINE__, "[{\"type\":\"dns\"}]", GH_EINVAL, "malformed", 0, NULL },
	{ __LINE__, "[{\"type\":\"dns\",\"value\":\"a.example\",\"x\":1}]",
	    GH_EINVAL, "malformed", 0, NULL },
	{ __LINE__, "[{\"type\":\"dns\",\"value\":\"*.example.com\"}]",
	    GH_EINVAL, "rejectedIdentifier", 0, NULL },
	{ __LINE__, "[{\"type\":\"dns\",\"value\":\"bad_name..example\"}]",
	    GH_EINVAL, "rejectedIdentifier", 0, NULL },
	{ __LINE__, "[{\"type\":\"ip\",\"value\":\"300.1.1.1\"}]", GH_EINVAL,
	    "rejectedIdentifier", 0, NULL },
	{ __LINE__, "[{\"type\":\"email\",\"value\":\"a@example.org\"}]",
	    GH_EINVAL, "unsupportedIdentifier", 0, NULL },
};

static void
test_idents(void)
{
	struct acme_idents	*ids = calloc(1, sizeof(*ids));
	struct json_object	*o;
	const char		*type;
	char			 why[256];
	size_t			 i;
	enum gh_err		 err;

	CU_ASSERT_FATAL(ids != NULL);
	for (i = 0; i < GH_NELEM(ident_cases); i++) {
		o = json_tokener_parse(ident_cases[i].json);
		type = NULL;
		err = acme_idents_parse(o, ids, &type, why, sizeof(why));
		TROW(ident_cases[i].line, err == ident_cases[i].want);
		if (err == GH_OK) {
			TROW(ident_cases[i].line, ids->n == ident_cases[i].n);
			TROW(ident_cases[i].line, strcmp(ids->v[0].value,
			    ident_cases[i].first) == 0);
		} else
			TROW(ident_cases[i].line, type != NULL &&
			    strcmp(type, ident_cases[i].type) == 0);
		json_object_put(o);
	}
	free(ids);
}

static void
test_contacts(void)
{
	static const struct {
		int		 line;
		const char	*json;
		enum gh_err	 want;
		const char	*type;
	} t[] = {
		{ __LINE__, "[\"mailto:a@example.org\"]", GH_OK, NULL },
		{ __LINE__, "[]", GH_OK, NULL },
		{ __LINE__, "[\"tel:+1234\"]", GH_EINVAL, "unsupportedContact" },
		{ __LINE__, "[\"mailto:a@example.org,b@example.org\"]",
		    GH_EINVAL, "invalidContact" },
		{ __LINE__, "[\"mailto:a@example.org?subject=x\"]", GH_EINVAL,
		    "invalidContact" },
		{ __LINE__, "[\"mailto:nobody\"]", GH_EINVAL, "invalidContact" },
		{ __LINE__, "[1]", GH_EINVAL, "malformed" },
		{ __LINE__, "\"mailto:a@example.org\"", GH_EINVAL, "malformed" },
		{ __LINE__, "[\"mailto:a@e.org\",\"mailto:a@e.org\","
		    "\"mailto:a@e.org\",\"mailto:a@e.org\",\"mailto:a@e.org\","
		    "\"mailto:a@e.org\",\"mailto:a@e.org\",\"mailto:a@e.org\","
		    "\"mailto:a@e.org\"]", GH_EINVAL, "invalidContact" },
	};
	struct gh_buf		 out;
	struct json_object	*o;
	const char		*type;
	char			 why[256];
	size_t			 i;
	enum gh_err		 err;

	gh_buf_init(&out, 4096);
	for (i = 0; i < GH_NELEM(t); i++) {
		o = json_tokener_parse(t[i].json);
		err = acme_contact_parse(o, &out, &type, why, sizeof(why));
		TROW(t[i].line, err == t[i].want);
		if (err != GH_OK)
			TROW(t[i].line, strcmp(type, t[i].type) == 0);
		json_object_put(o);
	}
	CU_ASSERT(acme_contact_parse(NULL, &out, &type, why, sizeof(why)) ==
	    GH_OK && out.len == 2);
	gh_buf_free(&out);
}

/* --- the state machine (7.1.6) ----------------------------------------------------- */

static void
test_states(void)
{
	static const struct {
		int		 line;
		enum acme_status order;		/* stored */
		long long	 order_exp;	/* relative to now */
		enum acme_status z[2];
		long long	 z_exp[2];
		size_t		 nz;
		enum acme_status want;
	} t[] = {
		{ __LINE__, ACME_PENDING, 100, { ACME_PENDING, ACME_PENDING },
		    { 100, 100 }, 2, ACME_PENDING },
		{ __LINE__, ACME_PENDING, 100, { ACME_VALID, ACME_PENDING },
		    { 100, 100 }, 2, ACME_PENDING },
		{ __LINE__, ACME_PENDING, 100, { ACME_VALID, ACME_VALID },
		    { 100, 100 }, 2, ACME_READY },
		{ __LINE__, ACME_PENDING, 100, { ACME_VALID, ACME_INVALID },
		    { 100, 100 }, 2, ACME_INVALID },
		{ __LINE__, ACME_PENDING, 100, { ACME_DEACTIVATED, ACME_VALID },
		    { 100, 100 }, 2, ACME_INVALID },
		{ __LINE__, ACME_PENDING, 100, { ACME_REVOKED, ACME_VALID },
		    { 100, 100 }, 2, ACME_INVALID },
		/* an authorization that expired */
		{ __LINE__, ACME_PENDING, 100, { ACME_VALID, ACME_PENDING },
		    { 100, -1 }, 2, ACME_INVALID },
		{ __LINE__, ACME_READY, 100, { ACME_VALID, ACME_VALID },
		    { -1, 100 }, 2, ACME_INVALID },
		/* an order that expired before it was valid */
		{ __LINE__, ACME_PENDING, -1, { ACME_VALID, ACME_VALID },
		    { 100, 100 }, 2, ACME_INVALID },
		{ __LINE__, ACME_READY, -1, { ACME_VALID, ACME_VALID },
		    { 100, 100 }, 2, ACME_INVALID },
		/* once finalized: never ready again, whatever the authzs do */
		{ __LINE__, ACME_VALID, -1, { ACME_DEACTIVATED, ACME_VALID },
		    { -1, 100 }, 2, ACME_VALID },
		{ __LINE__, ACME_PROCESSING, 100, { ACME_VALID, ACME_VALID },
		    { 100, 100 }, 2, ACME_PROCESSING },
		{ __LINE__, ACME_PROCESSING, -1, { ACME_VALID, ACME_VALID },
		    { 100, 100 }, 2, ACME_INVALID },
		{ __LINE__, ACME_INVALID, 100, { ACME_VALID, ACME_VALID },
		    { 100, 100 }, 2, ACME_INVALID },
		{ __LINE__, ACME_PENDING, 100, { ACME_VALID }, { 100 }, 0,
		    ACME_PENDING },
	};
	struct acme_order	o;
	struct acme_authz	z[2];
	long long		now = 1000000;
	size_t			i, j;

	for (i = 0; i < GH_NELEM(t); i++) {
		memset(&o, 0, sizeof(o));
		memset(z, 0, sizeof(z));
		o.status = t[i].order;
		o.expires = now + t[i].order_exp;
		for (j = 0; j < 2; j++) {
			z[j].status = t[i].z[j];
			z[j].expires = now + t[i].z_exp[j];
		}
		TROW(t[i].line, acme_order_status(&o, z, t[i].nz, now) ==
		    t[i].want);
	}
	memset(z, 0, sizeof(z));
	z[0].status = ACME_VALID;
	z[0].expires = now - 1;
	CU_ASSERT(acme_authz_status(&z[0], now) == ACME_EXPIRED);
	z[0].status = ACME_INVALID;
	CU_ASSERT(acme_authz_status(&z[0], now) == ACME_INVALID);
	CU_ASSERT(acme_status_parse("ready") == ACME_READY);
	CU_ASSERT(acme_status_parse("nonsense") == ACME_STATUS__MAX);
	CU_ASSERT(acme_status_parse(NULL) == ACME_STATUS__MAX);
}

/* --- the store ----------------------------------------------------------------------- */

static int	pg;	/* this round runs on PostgreSQL (tpg.h) */

static int
open_store(struct certmaker *cm)
{
	return tcm_open(cm, pg, "");
}

/* Used once, by any process: a second handle on the same file sees it. */
static void
test_store_nonces(void)
{
	struct certmaker	a, b;
	long long		now = gh_now();

	CU_ASSERT_FATAL(open_store(&a) == 0);
	CU_ASSERT_FATAL(open_store(&b) == 0);
	CU_ASSERT(certmaker_store_acme_nonce_add(&a, "n1", now + 60) == GH_OK);
	CU_ASSERT(certmaker_store_acme_nonce_add(&a, "n2", now + 60) == GH_OK);
	CU_ASSERT(certmaker_store_acme_nonce_add(&a, "old", now - 1) == GH_OK);
	CU_ASSERT(certmaker_store_acme_nonce_use(&b, "n1", now) == GH_OK);
	CU_ASSERT(certmaker_store_acme_nonce_use(&a, "n1", now) ==
	    GH_ENOTFOUND);
	CU_ASSERT(certmaker_store_acme_nonce_use(&b, "n1", now) ==
	    GH_ENOTFOUND);
	CU_ASSERT(certmaker_store_acme_nonce_use(&a, "old", now) ==
	    GH_ENOTFOUND);
	CU_ASSERT(certmaker_store_acme_nonce_use(&a, "never", now) ==
	    GH_ENOTFOUND);
	/* A valid nonce stays valid until used, however many come after. */
	CU_ASSERT(certmaker_store_acme_nonce_add(&b, "n3", now + 60) == GH_OK);
	CU_ASSERT(certmaker_store_acme_nonce_use(&a, "n2", now) == GH_OK);
	certmaker_close(&a);
	certmaker_close(&b);
}

static void
test_store_orders(void)
{
	struct certmaker	 cm;
	struct acme_account	 a, b;
	struct acme_order	 o, got;
	struct acme_idents	*ids = calloc(1, sizeof(*ids));
	struct acme_authz	 z[4];
	struct cm_cert		 c;
	size_t			 n = 0;
	int			 held = -1;
	long long		 now = gh_now();

	CU_ASSERT_FATAL(ids != NULL);
	CU_ASSERT_FATAL(open_store(&cm) == 0);
	acme_account_init(&a);
	acme_account_init(&b);
	CU_ASSERT(acme_id_new(a.name) == GH_OK);
	CU_ASSERT(acme_id_valid(a.name, strlen(a.name)));
	gh_strlcpy(a.thumbprint, "thumb-a", sizeof(a.thumbprint));
	gh_buf_puts(&a.jwk, "{\"kty\":\"EC\"}");
	CU_ASSERT(certmaker_store_acme_default_user(&cm, &a.user_id) == GH_OK);
	a.created = now;
	CU_ASSERT(certmaker_store_acme_account_add(&cm, &a) == GH_OK);
	/* The same key twice: one account per key. */
	CU_ASSERT(acme_id_new(b.name) == GH_OK);
	gh_strlcpy(b.thumbprint, "thumb-a", sizeof(b.thumbprint));
	gh_buf_puts(&b.jwk, "{}");
	b.user_id = a.user_id;
	CU_ASSERT(certmaker_store_acme_account_add(&cm, &b) == GH_ECONFLICT);
	acme_account_free(&b);
	acme_account_init(&b);
	CU_ASSERT(certmaker_store_acme_account_get(&cm, "thumb-a", NULL, &b) ==
	    GH_OK);
	CU_ASSERT(b.id == a.id && b.status == ACME_VALID);
	CU_ASSERT(strcmp(b.contact.data, "[]") == 0);

	ids->n = 2;
	ids->v[0].type = ACME_DNS;
	gh_strlcpy(ids->v[0].value, "a.example", sizeof(ids->v[0].value));
	ids->v[1].type = ACME_IP;
	gh_strlcpy(ids->v[1].value, "192.0.2.1", sizeof(ids->v[1].value));
	memset(&o, 0, sizeof(o));
	CU_ASSERT(acme_id_new(o.name) == GH_OK);
	o.account_id = a.id;
	o.created = now;
	o.expires = now + 100;
	CU_ASSERT(certmaker_store_acme_order_add(&cm, &o, ids, now + 100) ==
	    GH_OK);
	CU_ASSERT(certmaker_store_acme_authz_list(&cm, o.id, z, 4, &n) ==
	    GH_OK);
	CU_ASSERT_FATAL(n == 2);
	CU_ASSERT(z[0].status == ACME_PENDING && z[0].chall == ACME_PENDING);
	CU_ASSERT(strlen(z[0].token) == ACME_TOKEN_LEN);
	CU_ASSERT(strcmp(z[0].token, z[1].token) != 0);
	CU_ASSERT(acme_order_status(&o, z, n, now) == ACME_PENDING);

	/* Finalize before ready: refused, nothing stored. */
	memset(&c, 0, sizeof(c));
	gh_strlcpy(c.serial, "4000000000000000000000000000000a",
	    sizeof(c.serial));
	c.user_id = a.user_id;
	c.not_after = now + 100;
	CU_ASSERT(certmaker_store_acme_order_issue(&cm, o.id, &c, "PEM") ==
	    GH_ECONFLICT);

	z[0].status = z[1].status = ACME_VALID;
	z[0].chall = z[1].chall = ACME_VALID;
	z[0].validated = z[1].validated = now;
	CU_ASSERT(certmaker_store_acme_authz_update(&cm, &z[0]) == GH_OK);
	CU_ASSERT(certmaker_store_acme_authz_update(&cm, &z[1]) == GH_OK);
	CU_ASSERT(acme_order_status(&o, z, n, now) == ACME_READY);
	CU_ASSERT(certmaker_store_acme_order_set(&cm, o.id, ACME_READY, NULL) ==
	    GH_OK);
	CU_ASSERT(certmaker_store_acme_authz_held(&cm, a.id, ACME_IP,
	    "192.0.2.1", now, &held) == GH_OK && held == 1);
	CU_ASSERT(certmaker_store_acme_authz_held(&cm, a.id + 1, ACME_IP,
	    "192.0.2.1", now, &held) == GH_OK && held == 0);

	/* Ready to valid, once: a second finalize finds it valid. */
	CU_ASSERT(certmaker_store_acme_order_issue(&cm, o.id, &c, "PEM") ==
	    GH_OK);
	gh_strlcpy(c.serial, "4000000000000000000000000000000b",
	    sizeof(c.serial));
	CU_ASSERT(certmaker_store_acme_order_issue(&cm, o.id, &c, "PEM") ==
	    GH_ECONFLICT);
	CU_ASSERT(certmaker_store_acme_order_get(&cm, o.name, &got) == GH_OK);
	CU_ASSERT(got.status == ACME_VALID);
	CU_ASSERT(strcmp(got.serial, "4000000000000000000000000000000a") == 0);
	/* A stored valid order is never set back (to ready or else). */
	CU_ASSERT(certmaker_store_acme_order_set(&cm, o.id, ACME_READY, NULL) ==
	    GH_OK);
	CU_ASSERT(certmaker_store_acme_order_get(&cm, o.name, &got) == GH_OK);
	CU_ASSERT(got.status == ACME_VALID);
	CU_ASSERT(certmaker_store_acme_order_by_serial(&cm,
	    "4000000000000000000000000000000a", &got) == GH_OK &&
	    got.id == o.id);

	/*
	 * ARI: an order replacing that certificate is found until it is
	 * stored invalid; then none is (another may replace it).
	 */
	CU_ASSERT(certmaker_store_acme_order_replacing(&cm,
	    "4000000000000000000000000000000a", &got) == GH_ENOTFOUND);
	memset(&got, 0, sizeof(got));
	CU_ASSERT(acme_id_new(got.name) == GH_OK);
	got.account_id = a.id;
	got.created = now;
	got.expires = now + 100;
	gh_strlcpy(got.replaces, "4000000000000000000000000000000a",
	    sizeof(got.replaces));
	CU_ASSERT(certmaker_store_acme_order_add(&cm, &got, ids, now + 100) ==
	    GH_OK);
	CU_ASSERT(certmaker_store_acme_order_replacing(&cm,
	    "4000000000000000000000000000000a", &o) == GH_OK &&
	    o.id == got.id && strcmp(o.name, got.name) == 0);
	CU_ASSERT(certmaker_store_acme_order_replacing(&cm,
	    "4000000000000000000000000000000b", &o) == GH_ENOTFOUND);
	CU_ASSERT(certmaker_store_acme_order_set(&cm, got.id, ACME_INVALID,
	    NULL) == GH_OK);
	CU_ASSERT(certmaker_store_acme_order_replacing(&cm,
	    "4000000000000000000000000000000a", &o) == GH_ENOTFOUND);

	/* Deactivation sticks; the key can roll over. */
	a.status = ACME_DEACTIVATED;
	gh_strlcpy(a.thumbprint, "thumb-new", sizeof(a.thumbprint));
	CU_ASSERT(certmaker_store_acme_account_update(&cm, &a) == GH_OK);
	CU_ASSERT(certmaker_store_acme_account_get(&cm, NULL, a.name, &b) ==
	    GH_OK);
	CU_ASSERT(b.status == ACME_DEACTIVATED);
	CU_ASSERT(strcmp(b.thumbprint, "thumb-new") == 0);
	acme_account_free(&a);
	acme_account_free(&b);
	free(ids);
	certmaker_close(&cm);
}

#define RACERS	4
#define RACED	40

/*
 * RACERS processes (nodes, on PostgreSQL) use the same RACED nonces at
 * once, each from its own connection and starting at another one:
 * every nonce is used exactly once in all.  Each child's count of
 * successes is its exit status.
 */
static void
test_store_nonces_racing(void)
{
	struct certmaker	 cm;
	char			 nonce[32];
	long long		 now = gh_now();
	pid_t			 pids[RACERS];
	int			 i, j, n, status, used = 0;

	CU_ASSERT_FATAL(open_store(&cm) == 0);
	for (i = 0; i < RACED; i++) {
		snprintf(nonce, sizeof(nonce), "race-%d", i);
		CU_ASSERT(certmaker_store_acme_nonce_add(&cm, nonce,
		    now + 60) == GH_OK);
	}
	certmaker_close(&cm);
	for (i = 0; i < RACERS; i++) {
		if ((pids[i] = fork()) == 0) {
			if (open_store(&cm) != 0)
				_exit(255);
			for (n = 0, j = 0; j < RACED; j++) {
				snprintf(nonce, sizeof(nonce), "race-%d",
				    (j + i * RACED / RACERS) % RACED);
				n += certmaker_store_acme_nonce_use(&cm,
				    nonce, now) == GH_OK;
			}
			certmaker_close(&cm);
			_exit(n);
		}
		CU_ASSERT_FATAL(pids[i] > 0);
	}
	for (i = 0; i < RACERS; i++) {
		CU_ASSERT(waitpid(pids[i], &status, 0) == pids[i]);
		CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) != 255);
		used += WIFEXITED(status) ? WEXITSTATUS(status) : 0;
	}
	CU_ASSERT_EQUAL(used, RACED);
}

static const struct tcase tests[] = {
	TCASE(test_jws_check),
	TCASE(test_jws_bad_signature),
	TCASE(test_idents),
	TCASE(test_contacts),
	TCASE(test_states),
	TCASE(test_store_nonces),
	TCASE(test_store_nonces_racing),
	TCASE(test_store_orders),
};

/* Every case on SQLite, then on a throwaway PostgreSQL. */
int
main(void)
{
	return tpg_main("acme", tests, sizeof(tests) / sizeof(tests[0]), &pg,
	    "DROP SCHEMA IF EXISTS certmaker CASCADE");
}
