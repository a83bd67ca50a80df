/* SPDX-License-Identifier: ISC */
/*
 * acme: certmaker speaks ACME (RFC 8555) under <base>/acme/.  What the
 * FastCGI program, gatectl and the tests share: the records, the store
 * (acme_store.c, all of ACME's SQL), the checks of a signed request and
 * the state machine (acme.c).  The handlers are in acme_api.c and
 * the acme_account.c, acme_order.c and acme_cert.c beside it.
 *
 * Every ACME answer carries a fresh Replay-Nonce and Link rel="index";
 * errors are application/problem+json with type and status.
 */
#ifndef CERTMAKER_ACME_H
#define CERTMAKER_ACME_H

#include <stddef.h>

#include <json-c/json.h>

#include "certmaker.h"
#include "jose.h"

#define ACME_ID_BYTES		15	/* random bytes of a URL id */
#define ACME_ID_LEN		20	/* their base64url */
#define ACME_TOKEN_BYTES	32	/* an http-01 token's random bytes */
#define ACME_TOKEN_LEN		43
#define ACME_NONCE_BYTES	18
#define ACME_NONCE_LEN		24
#define ACME_NONCE_TTL		3600	/* seconds a nonce stays usable */
#define ACME_NONCES_MAX		200000	/* rows kept past that, oldest go first */
#define ACME_ORDER_TTL		(7 * 86400)
#define ACME_AUTHZ_TTL		(30 * 86400)	/* a valid authorization */
#define ACME_IDENTS_MAX		CM_NAMES_MAX	/* identifiers of one order */
#define ACME_CONTACTS_MAX	8
#define ACME_CONTACT_MAX	(7 + CM_EMAIL_MAX)	/* "mailto:" + address */
#define ACME_PROBLEM_MAX	1024	/* a stored problem document */
#define ACME_URL_MAX		700
#define ACME_BODY_MAX		(64 * 1024)
#define ACME_PATH		"/acme"
#define ACME_ERR_PREFIX		"urn:ietf:params:acme:error:"
#define ACME_EAB_LABEL		"certmaker.acme.eab"	/* sealing label */

enum acme_status {
	ACME_PENDING,
	ACME_READY,
	ACME_PROCESSING,
	ACME_VALID,
	ACME_INVALID,
	ACME_DEACTIVATED,
	ACME_REVOKED,
	ACME_EXPIRED,
	ACME_STATUS__MAX
};
extern const char *const acme_status_names[ACME_STATUS__MAX];
/* The status named s; ACME_STATUS__MAX if none. */
enum acme_status acme_status_parse(const char *s);

struct acme_account {
	long long	 id;
	char		 name[ACME_ID_LEN + 1];
	char		 thumbprint[GH_JOSE_THUMB_LEN + 1];
	enum acme_status status;	/* valid, deactivated, revoked */
	long long	 user_id;
	long long	 created;
	char		 eab_kid[ACME_ID_LEN * 2 + 1];	/* "" without EAB */
	struct gh_buf	 jwk;		/* canonical JWK text */
	struct gh_buf	 contact;	/* JSON array text */
};

struct acme_order {
	long long	 id;
	char		 name[ACME_ID_LEN + 1];
	long long	 account_id;
	enum acme_status status;	/* as stored */
	long long	 expires;
	long long	 created;
	char		 serial[CM_SERIAL_HEX + 1];	/* "" until issued */
	char		 replaces[CM_SERIAL_HEX + 1];	/* "" if none */
	char		 error[ACME_PROBLEM_MAX];	/* "" if none */
};

enum acme_ident { ACME_DNS, ACME_IP };

struct acme_authz {
	long long	 id;
	char		 name[ACME_ID_LEN + 1];
	long long	 order_id;
	long long	 account_id;
	enum acme_ident	 type;
	char		 value[GH_DOMAIN_MAX + 1];	/* canonical text */
	enum acme_status status;	/* as stored */
	long long	 expires;
	char		 token[ACME_TOKEN_LEN + 1];
	enum acme_status chall;		/* the challenge's status */
	long long	 validated;	/* 0 until valid */
	char		 error[ACME_PROBLEM_MAX];	/* "" if none */
};

/* The identifiers of a new order, checked and canonical. */
struct acme_idents {
	struct {
		enum acme_ident	type;
		char		value[GH_DOMAIN_MAX + 1];
	}		 v[ACME_IDENTS_MAX];
	size_t		 n;
};

/* acme.c ------------------------------------------------------------------ */

void		 acme_account_init(struct acme_account *a);
void		 acme_account_free(struct acme_account *a);
/* A new random URL id (ACME_ID_LEN characters). */
enum gh_err	 acme_id_new(char out[ACME_ID_LEN + 1]);
/* 1 when s[0..len) looks like one of our URL ids. */
int		 acme_id_valid(const char *s, size_t len);

/*
 * The identifiers array of a newOrder payload (borrowed) into out: "dns"
 * names (lower-cased; wildcards refused) and "ip" addresses (RFC 8738,
 * in their canonical text form); duplicates dropped.  On failure the
 * RFC 8555 problem type (without its prefix) in *type and the reason in
 * why: "malformed", "rejectedIdentifier" or "unsupportedIdentifier".
 */
enum gh_err	 acme_idents_parse(struct json_object *arr,
		    struct acme_idents *out, const char **type, char *why,
		    size_t whysz);

/*
 * A contact array (borrowed; NULL: none) checked ("mailto:" with one
 * valid address each, at most ACME_CONTACTS_MAX) and written as compact
 * JSON to out.  GH_EINVAL with *type "invalidContact" or
 * "unsupportedContact" and why.
 */
enum gh_err	 acme_contact_parse(struct json_object *arr, struct gh_buf *out,
		    const char **type, char *why, size_t whysz);

/*
 * The status an authorization has now (RFC 8555 7.1.6): a pending or
 * valid one past its expiry is expired.
 */
enum acme_status acme_authz_status(const struct acme_authz *z, long long now);

/*
 * The status an order has now, from its stored status and its
 * authorizations (7.1.6): pending becomes ready once every authorization
 * is valid, invalid as soon as one is invalid, deactivated, revoked or
 * expired, or when the order expires before it is valid.  Once
 * finalized (processing, valid) it never goes back to ready.
 */
enum acme_status acme_order_status(const struct acme_order *o,
		    const struct acme_authz *z, size_t nz, long long now);

/*
 * What a request's JWS must satisfy beyond its signature: the key
 * reference the endpoint takes, and its url.
 */
enum acme_keyref {
	ACME_KEY_JWK,		/* newAccount */
	ACME_KEY_KID,		/* everything else */
	ACME_KEY_EITHER		/* revokeCert */
};

/*
 * Check a parsed JWS against the endpoint: the key reference it takes
 * (jwk or kid) and url, which must equal want_url exactly.  For kid,
 * *kid_id gets the account id out of "<acct_prefix><id>".  GH_EINVAL with
 * *type (a problem type) and a static why on failure.  Does not look at
 * the nonce or the signature: acme_request() does.
 */
enum gh_err	 acme_jws_check(const struct gh_jws *jws, enum acme_keyref ref,
		    const char *want_url, const char *acct_prefix,
		    char kid_id[ACME_ID_LEN + 1], const char **type,
		    const char **why);

/* A problem document {"type": ACME_ERR_PREFIX type, "detail", "status"}. */
enum gh_err	 acme_problem_json(const char *type, const char *detail,
		    int status, struct json_object **out);

/* The RFC 3339 form of t ("2026-12-02T00:00:00Z"). */
void		 acme_time(long long t, char out[32]);

/* acme_store.c: every SQL statement of ACME -------------------------------- */

/* Store a new nonce valid until expires, sweeping expired ones. */
enum gh_err	 certmaker_store_acme_nonce_add(struct certmaker *cm,
		    const char *nonce, long long expires);
/* Use a nonce up: GH_OK once, then GH_ENOTFOUND (also when expired). */
enum gh_err	 certmaker_store_acme_nonce_use(struct certmaker *cm,
		    const char *nonce, long long now);

/* The user id of the pseudo-user "(acme)" (002_acme.sql). */
enum gh_err	 certmaker_store_acme_default_user(struct certmaker *cm,
		    long long *out);
/*
 * Add account a (name, thumbprint, jwk, contact, user_id, eab_kid);
 * a->id is set.  With eab_kid, the EAB key is marked used in the same
 * transaction (GH_ECONFLICT if it was used meanwhile).  GH_ECONFLICT if
 * the key has an account already.
 */
enum gh_err	 certmaker_store_acme_account_add(struct certmaker *cm,
		    struct acme_account *a);
/* By thumbprint or by URL name (the other NULL); GH_ENOTFOUND. */
enum gh_err	 certmaker_store_acme_account_get(struct certmaker *cm,
		    const char *thumbprint, const char *name,
		    struct acme_account *out);
/* Store a's status, contact, jwk and thumbprint (GH_ECONFLICT: key taken). */
enum gh_err	 certmaker_store_acme_account_update(struct certmaker *cm,
		    const struct acme_account *a);
typedef void	 certmaker_store_acme_account_cb(const struct acme_account *a,
		    const char *user, long long orders, void *arg);
enum gh_err	 certmaker_store_acme_account_list(struct certmaker *cm,
		    certmaker_store_acme_account_cb *cb, void *arg);

/* A new order with one pending authorization per identifier. */
enum gh_err	 certmaker_store_acme_order_add(struct certmaker *cm,
		    struct acme_order *o, const struct acme_idents *ids,
		    long long authz_expires);
enum gh_err	 certmaker_store_acme_order_get(struct certmaker *cm,
		    const char *name, struct acme_order *out);
/* The order that issued serial; GH_ENOTFOUND. */
enum gh_err	 certmaker_store_acme_order_by_serial(struct certmaker *cm,
		    const char *serial, struct acme_order *out);
/* The first order replacing serial (ARI) not stored invalid; GH_ENOTFOUND. */
enum gh_err	 certmaker_store_acme_order_replacing(struct certmaker *cm,
		    const char *serial, struct acme_order *out);
/* Store a status (and a problem, or NULL) unless the order is final. */
enum gh_err	 certmaker_store_acme_order_set(struct certmaker *cm,
		    long long id, enum acme_status status, const char *error);
/*
 * Issue: in one transaction store the certificate c (as store_cert_add)
 * and make the ready order valid with it.  GH_ECONFLICT (nothing stored)
 * when the order is no longer ready.
 */
enum gh_err	 certmaker_store_acme_order_issue(struct certmaker *cm,
		    long long order_id, const struct cm_cert *c,
		    const char *pem);
typedef void	 certmaker_store_acme_order_cb(const struct acme_order *o,
		    const char *account, void *arg);
/* Orders of one account (account_id > 0) or all, newest first, at most max. */
enum gh_err	 certmaker_store_acme_order_list(struct certmaker *cm,
		    long long account_id, size_t max,
		    certmaker_store_acme_order_cb *cb, void *arg);

/* The authorizations of an order, at most max, in order; *n set. */
enum gh_err	 certmaker_store_acme_authz_list(struct certmaker *cm,
		    long long order_id, struct acme_authz *out, size_t max,
		    size_t *n);
enum gh_err	 certmaker_store_acme_authz_get(struct certmaker *cm,
		    const char *name, struct acme_authz *out);
/* Store z's status, chall, validated, error and expires. */
enum gh_err	 certmaker_store_acme_authz_update(struct certmaker *cm,
		    const struct acme_authz *z);
/* 1 in *out when account holds a valid, unexpired authorization for it. */
enum gh_err	 certmaker_store_acme_authz_held(struct certmaker *cm,
		    long long account_id, enum acme_ident type,
		    const char *value, long long now, int *out);

/* EAB: a new key id for user, its HMAC key sealed. */
enum gh_err	 certmaker_store_acme_eab_add(struct certmaker *cm,
		    const char *kid, long long user_id, const void *sealed,
		    size_t n);
/* The unused EAB key kid: its user and sealed HMAC key (appended). */
enum gh_err	 certmaker_store_acme_eab_get(struct certmaker *cm,
		    const char *kid, long long *user_id, int *used,
		    struct gh_buf *sealed);

/* The handlers: acme_api.c, acme_account.c, acme_order.c, acme_cert.c ---- */
struct gh_svc;
struct gh_req;
struct gh_res;
enum gh_err	 acme_directory(struct gh_svc *, struct gh_req *,
		    struct gh_res *);
enum gh_err	 acme_new_nonce(struct gh_svc *, struct gh_req *,
		    struct gh_res *);
enum gh_err	 acme_new_account(struct gh_svc *, struct gh_req *,
		    struct gh_res *);
enum gh_err	 acme_account(struct gh_svc *, struct gh_req *,
		    struct gh_res *);
enum gh_err	 acme_account_orders(struct gh_svc *, struct gh_req *,
		    struct gh_res *);
enum gh_err	 acme_key_change(struct gh_svc *, struct gh_req *,
		    struct gh_res *);
enum gh_err	 acme_new_order(struct gh_svc *, struct gh_req *,
		    struct gh_res *);
enum gh_err	 acme_order(struct gh_svc *, struct gh_req *,
		    struct gh_res *);
enum gh_err	 acme_finalize(struct gh_svc *, struct gh_req *,
		    struct gh_res *);
enum gh_err	 acme_authz(struct gh_svc *, struct gh_req *,
		    struct gh_res *);
enum gh_err	 acme_challenge(struct gh_svc *, struct gh_req *,
		    struct gh_res *);
enum gh_err	 acme_cert(struct gh_svc *, struct gh_req *,
		    struct gh_res *);
enum gh_err	 acme_revoke(struct gh_svc *, struct gh_req *,
		    struct gh_res *);
enum gh_err	 acme_renewal_info(struct gh_svc *, struct gh_req *,
		    struct gh_res *);
/*
 * The error body of an /acme/ path that failed outside a handler (404,
 * 405, 413, a 5xx): a problem document, with Replay-Nonce and Link.
 */
void		 acme_error_body(struct gh_svc *, struct gh_req *,
		    struct gh_res *);

/* acme_api.c: what the handler files share -------------------------------- */

#define ACME_DER_MAX		(16 * 1024)	/* a CSR or certificate */

/* One ACME request: what acme_post() checked, owned here. */
struct acme_rq {
	struct gh_jws		*jws;
	struct json_object	*payload;	/* NULL: POST-as-GET */
	struct acme_account	 acct;		/* kid requests: the signer */
	EVP_PKEY		*key;		/* the verifying key (owned ref) */
	char			 origin[ACME_URL_MAX];	/* https://host */
	char			 base[ACME_URL_MAX];	/* origin + /acme */
	const char		*up_authz;	/* challenges: their authz */
};

/* An order with its authorizations, its status brought up to date. */
struct acme_full {
	struct acme_order	o;
	struct acme_authz	z[ACME_IDENTS_MAX];
	size_t			nz;
	enum acme_status	status;		/* now */
};

/* What the path names, for acme_own(). */
enum acme_own { ACME_OWN_ACCOUNT, ACME_OWN_ORDER, ACME_OWN_AUTHZ };

void		 acme_rq_init(struct acme_rq *q);
void		 acme_rq_free(struct acme_rq *q);
/*
 * Answer a problem document and return GH_EINVAL, which tells the
 * handler that res is answered (see acme_done()).
 */
enum gh_err	 acme_problem(struct gh_res *res, int status, const char *type,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* A handler's result: a problem already answered is GH_OK for serve. */
enum gh_err	 acme_done(struct gh_res *res, enum gh_err err);
/*
 * Format a URL (or a path, host, key authorization) into out.
 * GH_ETOOLONG if it does not fit.  Our buffers are sized for the longest
 * origin cm_base_url() gives (ACME_URL_MAX - 64) plus our own segments,
 * so only a URL that holds the request's path can overflow; callers
 * that format one check.
 */
enum gh_err	 acme_urlf(char *out, size_t outsz, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));
/* Replay-Nonce and Link rel="index": the headers of every ACME answer. */
enum gh_err	 acme_begin(struct certmaker *cm, struct gh_req *req,
		    struct gh_res *res, struct acme_rq *q);
/*
 * Check a POST's JWS for the endpoint (see acme_api.c); on success q
 * holds the JWS, the key, the payload and, for kid, the account.
 * Anything else is answered as a problem.
 */
enum gh_err	 acme_post(struct certmaker *cm, struct gh_req *req,
		    struct gh_res *res, enum acme_keyref ref,
		    struct acme_rq *q);
/* The RFC 3339 time t as a new JSON string. */
struct json_object *acme_json_time(long long t);
/*
 * Load order name and its authorizations; the status it has now is
 * stored when it moved (pending to ready, or to invalid), so that
 * finalize can rely on the stored "ready".  GH_ENOTFOUND.
 */
enum gh_err	 acme_full_load(struct certmaker *cm, const char *name,
		    struct acme_full *f);
enum gh_err	 acme_own(struct certmaker *cm, struct gh_req *req,
		    struct gh_res *res, const struct acme_rq *q,
		    enum acme_own what, void *out);
/* Answer obj (borrowed) with status, and Location when loc isn't NULL. */
enum gh_err	 acme_answer(struct gh_req *req, struct gh_res *res,
		    int status, struct json_object *obj, const char *loc);
/* A base64url DER member of the payload into out. */
enum gh_err	 acme_payload_der(struct json_object *payload,
		    const char *key, unsigned char *out, size_t outsz,
		    size_t *n);
/* acme_cert.c: the serial of an ARI certificate identifier (RFC 9773). */
enum gh_err	 acme_ari_serial(const char *id, size_t len,
		    char serial[CM_SERIAL_HEX + 9]);

#endif
