/* SPDX-License-Identifier: ISC */
/*
 * certmaker: a private certificate authority.  What the FastCGI program
 * and gatectl share: the process state, the store (all SQL), the request
 * validation, the X.509 work (pki.c) and the OCSP responder and CRL.
 */
#ifndef CERTMAKER_H
#define CERTMAKER_H

#include <stddef.h>

#include <openssl/ocsp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "conf.h"
#include "crypto.h"
#include "db.h"
#include "err.h"
#include "http.h"
#include "netpol.h"
#include "valid.h"

/* The migrations of sql/certmaker/ (schema.c, made by sql/schema.sh). */
extern const struct gh_schema certmaker_schema;

/* The [certmaker] keys of gatehouse.conf (conf.c). */
enum certmaker_conf_key {
	CERTMAKER_CONF_BASE_URL,
	CERTMAKER_CONF_MAX_DAYS,
	CERTMAKER_CONF_CHALLENGE,
	CERTMAKER_CONF_CHALLENGE_TTL,
	CERTMAKER_CONF_CHALLENGE_CONNECT_TIMEOUT,
	CERTMAKER_CONF_CHALLENGE_TIMEOUT,
	CERTMAKER_CONF_CHALLENGE_ALLOW,
	CERTMAKER_CONF_CHALLENGE_DENY,
	CERTMAKER_CONF_OCSP_VALIDITY,
	CERTMAKER_CONF_CRL_VALIDITY,
	CERTMAKER_CONF_ACME_HTTP_PORT,
	CERTMAKER_CONF_ACME_DAYS,
	CERTMAKER_CONF_ACME_EAB_REQUIRED,
	CERTMAKER_CONF__MAX
};

extern const struct gh_conf_table certmaker_conf;

GH_CONF_ACCESSORS(certmaker)

#define CM_USER_MAX		64	/* user name length */
#define CM_NAMES_MAX		50	/* DNS names, IPs, e-mails: each */
#define CM_EMAIL_MAX		254
#define CM_FIELD_MAX		64	/* a subject field (RFC 5280 upper bounds) */
#define CM_SERIAL_BYTES		16	/* 126 random bits */
#define CM_SERIAL_HEX		(2 * CM_SERIAL_BYTES)
#define CM_CHALLENGE_BYTES	16	/* the challenge id: 32 hex digits */
#define CM_WHY_MAX		200	/* a 400's reason */
#define CM_DAYS_DEFAULT		7
#define CM_CA_DAYS_DEFAULT	3650
#define CM_CHALLENGE_BODY_MAX	1024	/* a token file's bytes, at most */

/* Labels binding sealed blobs to their column. */
#define LABEL_CA_KEY		"certmaker.ca.key"
#define LABEL_CERT_KEY		"certmaker.cert.key"

enum cm_key_type {
	CM_KEY_ECDSA_P256,
	CM_KEY_RSA_2048,
	CM_KEY_ED25519,
	CM_KEY_RSA_4096,	/* the root only */
	CM_KEY__MAX
};
extern const char *const cm_key_type_names[CM_KEY__MAX];

/* The subject fields a JSON request may set, in the order of the DN. */
enum cm_subj {
	CM_SUBJ_COUNTRY,
	CM_SUBJ_PROVINCE,
	CM_SUBJ_LOCALITY,
	CM_SUBJ_STREET,
	CM_SUBJ_POSTAL,
	CM_SUBJ_ORG,
	CM_SUBJ_CN,
	CM_SUBJ__MAX
};
extern const char *const cm_subj_keys[CM_SUBJ__MAX];	/* JSON names */
extern const int cm_subj_nids[CM_SUBJ__MAX];

struct cm_ip {
	unsigned char	addr[16];
	size_t		len;		/* 4 or 16 */
};

/* A validated request: what goes into the certificate. */
struct cm_request {
	char		 dns[CM_NAMES_MAX][GH_DOMAIN_MAX + 1];	/* lower case */
	size_t		 ndns;
	struct cm_ip	 ip[CM_NAMES_MAX];
	size_t		 nip;
	char		 email[CM_NAMES_MAX][CM_EMAIL_MAX + 1];
	size_t		 nemail;
	char		 subject[CM_SUBJ__MAX][CM_FIELD_MAX + 1];	/* "" unset */
	long long	 days;
	enum cm_key_type key_type;
};

struct cm_user {
	long long	id;
	char		name[CM_USER_MAX + 1];
	int		admin;
	int		disabled;
};

/* Everything one process owns, opened once. */
struct certmaker {
	struct gh_conf	 conf;
	struct gh_db	 db;
	struct gh_key	 key;
	X509		*ca;		/* owned; NULL until a root exists */
	EVP_PKEY	*ca_key;	/* owned; NULL with ca */
	int		 ca_later;	/* the database was down at the start:
					   the root is read at its first use */
	struct cm_user	 user;		/* the current request's principal */
	struct gh_http	 http;		/* challenges; made on first use */
	struct gh_netpol policy;	/* challenge_allow, challenge_deny; with http */
	int		 http_ready;
	struct gh_buf	 scratch;	/* sealing, PEM, DER; reused */
};

/* certmaker.c: the once-per-process setup.  The root is loaded if it exists. */
enum gh_err	 certmaker_open(struct certmaker *cm, const char *config,
		    unsigned dbflags, char *errbuf, size_t errsz);
void		 certmaker_close(struct certmaker *cm);
/* Load the root from the store into cm->ca and cm->ca_key; GH_ENOTFOUND if none. */
enum gh_err	 certmaker_load_ca(struct certmaker *cm);
/*
 * Whether cm has its root: 1 or 0, reading it first when the database
 * was down as the process started (ca_later).
 */
int		 certmaker_have_ca(struct certmaker *cm);
/*
 * Make the root (subject "/O=…/CN=…" style, NULL: a default) and store it,
 * its key sealed.  GH_ECONFLICT if one exists.
 */
enum gh_err	 certmaker_make_ca(struct certmaker *cm, const char *subject,
		    enum cm_key_type type, long long days, char *why,
		    size_t whysz);

/* store.c: every SQL statement of certmaker. */
enum gh_err	 certmaker_store_open(struct certmaker *cm, unsigned flags);
void		 certmaker_store_close(struct certmaker *cm);
enum gh_err	 certmaker_store_user_by_token(struct certmaker *cm,
		    const char *token, size_t len, struct cm_user *out);
enum gh_err	 certmaker_store_user_add(struct certmaker *cm,
		    const char *name, const char *token, int admin);
enum gh_err	 certmaker_store_user_disable(struct certmaker *cm,
		    const char *name, int disabled);
enum gh_err	 certmaker_store_user_token(struct certmaker *cm,
		    const char *name, const char *token);
typedef void	 certmaker_store_user_cb(const struct cm_user *u,
		    long long created, void *arg);
enum gh_err	 certmaker_store_user_list(struct certmaker *cm,
		    certmaker_store_user_cb *cb, void *arg);
/* The root's PEM and sealed key appended to pem and sealed; GH_ENOTFOUND. */
enum gh_err	 certmaker_store_ca_get(struct certmaker *cm,
		    struct gh_buf *pem, struct gh_buf *sealed);
enum gh_err	 certmaker_store_ca_add(struct certmaker *cm, const char *pem,
		    const void *sealed, size_t n);

struct cm_cert {
	long long	id;
	long long	user_id;
	char		serial[CM_SERIAL_HEX + 1];
	long long	not_before, not_after;
	long long	revoked;	/* 0: valid */
	int		reason;
	int		has_key;
};
/*
 * Store a certificate (key_sealed NULL for a CSR) durably.  With
 * challenge_id, the challenge is marked solved by it in the same
 * transaction (GH_ECONFLICT if it was solved meanwhile).
 */
enum gh_err	 certmaker_store_cert_add(struct certmaker *cm,
		    const struct cm_cert *c,
		    const char *pem, const void *key_sealed, size_t keylen,
		    const char *challenge_id);
/* The row of serial; its PEM and sealed key appended when pem / key aren't NULL. */
enum gh_err	 certmaker_store_cert_get(struct certmaker *cm,
		    const char *serial,
		    struct cm_cert *out, struct gh_buf *pem, struct gh_buf *key);
/* GH_ENOTFOUND, GH_EGONE (already revoked) or GH_OK. */
enum gh_err	 certmaker_store_cert_revoke(struct certmaker *cm,
		    const char *serial, int reason, long long when);
typedef enum gh_err certmaker_store_revoked_cb(const char *serial,
    long long when, int reason, void *arg);
/*
 * For a CRL built at now: a new CRL number into *number (unique and
 * growing across processes and nodes, at least now) and cb for each
 * revoked certificate, in one transaction.
 */
enum gh_err	 certmaker_store_crl(struct certmaker *cm, long long now,
		    long long *number, certmaker_store_revoked_cb *cb,
		    void *arg);
/*
 * The next serial counter (1, 2, ...): unique and growing across
 * processes and nodes; a number taken and not used is a gap.
 */
enum gh_err	 certmaker_store_serial_next(struct certmaker *cm,
		    long long *out);
/*
 * acme_store.c's statement id (its own numbering) on certmaker's handle,
 * so that ACME shares its transactions.  Its table, of CM_ACME_STMTS.
 */
#define CM_ACME_STMTS	26
extern const struct gh_stmt_def certmaker_acme_stmts[CM_ACME_STMTS];
struct gh_stmt	*certmaker_store_acme_prep(struct certmaker *cm, size_t id);

struct cm_challenge {
	char		id[2 * CM_CHALLENGE_BYTES + 1];
	long long	user_id;
	unsigned char	token_hash[32];
	int		csr;		/* kind: 1 csr, 0 json */
	long long	days;
	long long	expires;
	char		serial[CM_SERIAL_HEX + 1];	/* "" until solved */
	int		has_key;	/* the solved certificate's */
};
enum gh_err	 certmaker_store_challenge_add(struct certmaker *cm,
		    const struct cm_challenge *c, const void *request,
		    size_t n);
/* The challenge and (when request isn't NULL) its stored request body. */
enum gh_err	 certmaker_store_challenge_get(struct certmaker *cm,
		    const char *id,
		    struct cm_challenge *out, struct gh_buf *request);

/* request.c: validation of what clients send. */
void		 cm_request_init(struct cm_request *r);
/*
 * Parse and check a JSON request body into r (initialised here).  GH_EINVAL
 * with the reason in why for anything wrong, including no name at all.
 */
enum gh_err	 cm_request_parse(const char *body, size_t len,
		    long long max_days, struct cm_request *r, char *why,
		    size_t whysz);
/* Add one name, checked (GH_EINVAL with why); duplicates are dropped. */
enum gh_err	 cm_request_add_dns(struct cm_request *r, const char *s,
		    size_t len, char *why, size_t whysz);
enum gh_err	 cm_request_add_ip(struct cm_request *r, const char *s,
		    size_t len, char *why, size_t whysz);
enum gh_err	 cm_request_add_email(struct cm_request *r, const char *s,
		    size_t len, char *why, size_t whysz);
/* Key type by name; GH_EINVAL if unknown.  root: RSA-4096 allowed too. */
enum gh_err	 cm_key_type_parse(const char *s, int root,
		    enum cm_key_type *out);
/* A serial from a URL: 1-40 hex digits, lower-cased into out. */
enum gh_err	 cm_serial_parse(const char *s, size_t len,
		    char out[CM_SERIAL_HEX + 9]);
/* The names a challenge skips: localhost, 127.0.0.1 and ::1. */
int		 cm_name_exempt_dns(const char *name);
int		 cm_name_exempt_ip(const struct cm_ip *ip);

/* pki.c: keys, names and certificates with OpenSSL's EVP/X509 APIs. */
/*
 * A new positive serial of CM_SERIAL_BYTES, and its hex: random, or with
 * seq > 0 (the store's counter, below 2^56) seq and then 64 random bits.
 */
enum gh_err	 pki_serial_new(ASN1_INTEGER **out, char hex[CM_SERIAL_HEX + 1],
		    long long seq);
/* The subjectAltName of r's DNS names, IPs and e-mails; GH_EINVAL if none. */
enum gh_err	 pki_san_build(const struct cm_request *r, GENERAL_NAMES **out);
enum gh_err	 pki_keygen(enum cm_key_type type, EVP_PKEY **out);
/*
 * X509_set_pubkey(), cheaper for EC and Ed25519 keys, but leaving x's
 * cached key empty (X509_get0_pubkey() is NULL); 1 or 0.
 */
int		 pki_set_pubkey(X509 *x, EVP_PKEY *pub);
/* GH_EINVAL with a static reason for a key we will not certify. */
enum gh_err	 pki_key_check(EVP_PKEY *key, const char **why);
/*
 * Parse a CSR (PEM or DER), verify its signature and key, and take its
 * SANs into r (the common name too, as a DNS name, when it is one and
 * there are no SANs).  GH_EINVAL with why.  *out is the caller's.
 */
enum gh_err	 pki_csr_parse(const void *p, size_t n, struct cm_request *r,
		    X509_REQ **out, char *why, size_t whysz);

struct pki_issue {
	const struct cm_request	*req;		/* the names and subject */
	X509_NAME		*subject;	/* a CSR's subject, or NULL: req's */
	EVP_PKEY		*pub;		/* the subject's key */
	long long		 not_before, not_after;
	const char		*base_url;	/* for the OCSP and CRL URLs */
	long long		 seq;		/* certmaker_store_serial_next() */
};
/* Issue a certificate under the root; *out and serial are the caller's. */
enum gh_err	 pki_issue(X509 *ca, EVP_PKEY *cakey, const struct pki_issue *in,
		    X509 **out, char serial[CM_SERIAL_HEX + 1]);
/* A self-signed root with the given subject ("/O=x/CN=y"). */
enum gh_err	 pki_make_root(const char *subject, enum cm_key_type type,
		    long long days, X509 **cert, EVP_PKEY **key, char *why,
		    size_t whysz);
/* Sign with key's default digest (SHA-256; none for Ed25519). */
enum gh_err	 pki_sign_x509(X509 *x, EVP_PKEY *key);
/* PEM of a certificate / a private key (PKCS#8) appended to out. */
enum gh_err	 pki_cert_pem(X509 *x, struct gh_buf *out);
enum gh_err	 pki_key_pem(EVP_PKEY *key, struct gh_buf *out);
/* Read them back; GH_EINVAL if malformed. */
enum gh_err	 pki_cert_read(const void *p, size_t n, X509 **out);
enum gh_err	 pki_key_read(const void *p, size_t n, EVP_PKEY **out);

/* ocsp.c: the responder and the CRL. */
/*
 * Decode the base64 of an OCSP GET (standard or URL-safe alphabet, padding
 * optional) into out.  GH_EINVAL if malformed, GH_ETOOBIG if too long.
 */
enum gh_err	 ocsp_decode_get(const char *s, size_t len, unsigned char *out,
		    size_t outsz, size_t *outlen);
/* Parse a DER OCSPRequest with at least one CertID; GH_EINVAL if malformed. */
enum gh_err	 ocsp_request_parse(const unsigned char *der, size_t n,
		    OCSP_REQUEST **out);
/* What the store says of a serial: GH_OK (good or revoked) or GH_ENOTFOUND. */
typedef enum gh_err ocsp_lookup_cb(const char *serial, long long *revoked,
		    int *reason, void *arg);
/*
 * The signed answer to req: for each CertID of our root (SHA-1 or SHA-256
 * hashes) good, revoked or unknown as lookup says; other issuers unknown.
 * The nonce is echoed.  *out is the caller's.
 */
enum gh_err	 ocsp_respond(X509 *ca, EVP_PKEY *cakey, OCSP_REQUEST *req,
		    ocsp_lookup_cb *lookup, void *arg, long long now,
		    long long validity, OCSP_RESPONSE **out);
/* The DER CRL of every revoked certificate, appended to out. */
enum gh_err	 crl_build(struct certmaker *cm, long long now,
		    struct gh_buf *out);

/* The FastCGI program's handlers. */
struct gh_svc;
struct gh_req;
struct gh_res;
enum gh_err	 certmaker_root_get(struct gh_svc *, struct gh_req *,
		    struct gh_res *);
enum gh_err	 certmaker_cert_request(struct gh_svc *, struct gh_req *,
		    struct gh_res *);
enum gh_err	 certmaker_cert_request_csr(struct gh_svc *, struct gh_req *,
		    struct gh_res *);
enum gh_err	 certmaker_cert_get(struct gh_svc *, struct gh_req *,
		    struct gh_res *);
enum gh_err	 certmaker_key_get(struct gh_svc *, struct gh_req *,
		    struct gh_res *);
enum gh_err	 certmaker_cert_revoke(struct gh_svc *, struct gh_req *,
		    struct gh_res *);
enum gh_err	 certmaker_challenge_solve(struct gh_svc *, struct gh_req *,
		    struct gh_res *);
enum gh_err	 certmaker_ocsp_get(struct gh_svc *, struct gh_req *,
		    struct gh_res *);
enum gh_err	 certmaker_ocsp_post(struct gh_svc *, struct gh_req *,
		    struct gh_res *);
enum gh_err	 certmaker_crl_get(struct gh_svc *, struct gh_req *,
		    struct gh_res *);

/* cert.c, for challenge.c: issue r (or the CSR) for the current user. */
enum gh_err	 cm_issue(struct certmaker *cm, struct gh_req *req,
		    struct gh_res *res, const struct cm_request *r,
		    X509_REQ *csr, const char *challenge_id);
/*
 * The validity of a new certificate of days: notBefore a little early
 * (clock skew), notAfter never past the root's own end.
 */
void		 cm_validity(struct certmaker *cm, long long days,
		    long long *not_before, long long *not_after);
/* The base URL of Location headers: base_url or https://<Host>. */
enum gh_err	 cm_base_url(struct certmaker *cm, struct gh_req *req,
		    char *out, size_t outsz);
/* Answer 200 with the locations of serial (key too when has_key). */
enum gh_err	 cm_answer_locations(struct certmaker *cm, struct gh_req *req,
		    struct gh_res *res, const char *serial, int has_key);
/* challenge.c: store a challenge for r / the CSR and answer 202. */
enum gh_err	 cm_challenge_new(struct certmaker *cm, struct gh_req *req,
		    struct gh_res *res, int csr, long long days);
/* Set up the challenge fetches' HTTP and address policy once (why). */
enum gh_err	 cm_challenge_http(struct certmaker *cm, char *why,
		    size_t whysz);
/*
 * Fetch http://host:port<path> (host a DNS name or an address in URL
 * form) through the challenge policy and bounds, and compare the SHA-256
 * of its body (one trailing newline dropped) with want.  GH_OK when it
 * matches; otherwise GH_EFORBIDDEN (the policy refused every address of
 * host) or GH_EINVAL, with the reason in why.
 */
enum gh_err	 cm_challenge_fetch(struct certmaker *cm, const char *host,
		    long long port, const char *path,
		    const unsigned char want[32], char *why, size_t whysz);

#endif
