/* SPDX-License-Identifier: ISC */
/*
 * icyfire: the worker-facing post queue.  What the FastCGI program and
 * gatectl share: the process state, the path parser, Fernet and the store
 * (all SQL).
 */
#ifndef ICYFIRE_H
#define ICYFIRE_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "db.h"
#include "err.h"
#include "token.h"
#include "util.h"

/* The migrations of sql/icyfire/ and sql/icyfire_log/ (schema.c). */
extern const struct gh_schema icyfire_schema;
extern const struct gh_schema icyfire_log_schema;

/* The [icyfire] keys of gatehouse.conf (conf.c). */
enum icyfire_conf_key {
	ICYFIRE_CONF_FERNET_KEY_FILE,
	ICYFIRE_CONF__MAX
};

extern const struct gh_conf_table icyfire_conf;

GH_CONF_ACCESSORS(icyfire)

#define ICY_SLOTS_PER_SERVER	10080	/* one per minute of the week */
#define ICY_SERVER_MAX		100000
#define ICY_NAME_MAX		253	/* a domain name */
#define ICY_ARG_MAX		32	/* an _rs argument name */
#define ICY_DATA_MAX		128	/* an _rs argument's data */
#define ICY_LIMIT_DEFAULT	100
#define ICY_LIMIT_MAX		1000
#define ICY_FLAG_FAILURES	5	/* failures from one address in an hour */
/*
 * The FastCGI program writes incidents in batches: one transaction for
 * at most ICY_BATCH_MAX of them, none of which waits longer than
 * ICY_BATCH_MS for it.  _rs sees an incident within that; a process that
 * crashes loses at most its batch (one that is stopped writes it first).
 * While the database is away the batch is kept, up to ICY_BATCH_MAX.
 */
#define ICY_BATCH_MAX		128
#define ICY_BATCH_MS		500

/* The documents' messages, word for word. */
#define ICY_MSG_SLOT		"ERROR: Malformed request; timeslot not found"
#define ICY_MSG_QUEUE		"ERROR: Queue is empty"
#define ICY_MSG_UNCLAIMED	"ERROR: Timeslot is empty"
#define ICY_MSG_AUTH		"ERROR: Authentication token(s) incorrect"
#define ICY_MSG_DELETED		"SUCCESS: Post deleted."
#define ICY_MSG_NORESULT	"ERROR: No results found"
#define ICY_MSG_ARGUMENT	"ERROR: Malformed request; argument not found"
#define ICY_MSG_OK		"SUCCESS"

/* The four API tokens; names are icy_token_names[]. */
enum icy_token {
	ICY_TOKEN_READ,
	ICY_TOKEN_CRED,
	ICY_TOKEN_DELETE,
	ICY_TOKEN_SECURITY,
	ICY_TOKEN__MAX
};
extern const char *const icy_token_names[ICY_TOKEN__MAX];

/* The platforms and the credential fields each one needs. */
enum icy_platform {
	ICY_FACEBOOK,
	ICY_TWITTER,
	ICY_TUMBLR,
	ICY_REDDIT,
	ICY_PLATFORM__MAX
};
#define ICY_FIELDS_MAX	6
extern const char *const icy_platform_names[ICY_PLATFORM__MAX];
extern const char *const icy_platform_fields[ICY_PLATFORM__MAX][ICY_FIELDS_MAX + 1];

/* Post types: text, long text, image, video. */
extern const char *const icy_post_types[];

/*
 * A parsed "_r"/"_d" tail, "<slot>/auth=<a>&<b>&<server>" (or "…&<b>/<server>"),
 * or an "_rs" tail, "auth=<a>&<b>/query=<argument>:<data>".  The strings
 * point into the caller's buffer.
 */
struct icy_path {
	long long	 slot;		/* _r, _d */
	long long	 server;	/* _r, _d */
	const char	*tok[2];	/* borrowed; never logged */
	size_t		 toklen[2];
	char		 arg[ICY_ARG_MAX + 1];	/* _rs */
	char		 data[ICY_DATA_MAX + 1];	/* _rs */
};

/* Parse an _r or _d tail; GH_EINVAL if malformed. */
enum gh_err	 icy_path_slot(const char *s, struct icy_path *out);
/*
 * Parse an _rs tail; GH_EINVAL if the auth part is malformed, GH_ENOTFOUND
 * if the query part is (no "query=", no colon, overlong argument or data).
 */
enum gh_err	 icy_path_query(const char *s, struct icy_path *out);

/*
 * Fernet (github.com/fernet/spec): 0x80 | time | IV | AES-128-CBC | HMAC.
 * A key is 32 bytes: the signing key, then the encryption key.
 */
#define FERNET_KEY_LEN		32
#define FERNET_KEY_B64		44	/* base64url with padding */
struct fernet_key {
	unsigned char	k[FERNET_KEY_LEN];
};

/* Parse a key as the spec writes it (44 characters of base64url). */
enum gh_err	 fernet_key_parse(const char *s, size_t len,
		    struct fernet_key *out);
/* Load a key file (one key, a trailing newline allowed; not readable by others). */
enum gh_err	 fernet_key_load(struct fernet_key *key, const char *path);
/* Create a key file at path, mode 0600; GH_EIO if it exists. */
enum gh_err	 fernet_key_create(const char *path);
/*
 * Append the token of pt[0..n) made at time now with iv (16 bytes; NULL:
 * random) to out.  The iv and time are parameters for the spec's vectors.
 */
enum gh_err	 fernet_encrypt(const struct fernet_key *key, const void *pt,
		    size_t n, uint64_t now, const unsigned char *iv,
		    struct gh_buf *out);
/*
 * Append the plaintext of token to out.  GH_EINVAL for a malformed or
 * forged token; ttl > 0 also refuses one older than ttl seconds at now or
 * more than 60 s in the future (the spec's clock skew).
 */
enum gh_err	 fernet_decrypt(const struct fernet_key *key, const char *token,
		    size_t len, uint64_t now, long long ttl, struct gh_buf *out);

/* One incident as the store keeps it. */
struct icy_incident {
	long long	 id;
	long long	 timestamp;
	char		 ip_address[64];
	long long	 user_id;	/* 0: none */
	long long	 domain_id;	/* 0: none */
	char		 endpoint[32];
	int		 status_code;
	char		 status_message[128];
	int		 flag;
};

/* What a slot leads to. */
struct icy_slot {
	long long	 server_id;
	long long	 domain_id;	/* 0: unclaimed */
	long long	 credential_id;	/* 0: unclaimed */
};

/* Everything one process owns, opened once. */
struct icyfire {
	struct gh_conf		 conf;
	struct gh_db		 db;		/* icyfire.db: the queue */
	struct gh_db		 log;		/* icyfire_log.db: incidents */
	struct fernet_key	 key;
	unsigned char		 tok_hash[ICY_TOKEN__MAX][GH_SHA256_LEN];
	unsigned		 tok_set;	/* bit i: token i is stored */
	long long		 tok_until_us;	/* tok_hash is good until */
	struct icy_incident	 batch[ICY_BATCH_MAX];	/* not yet written */
	size_t			 nbatch;
	long long		 batch_ms;	/* gh_mono_ms() at batch[0] */
};

/*
 * What one request of the FastCGI program owns (gh_svc.reqctx, req->ctx):
 * zeroed by serve before each request.
 */
struct icy_req {
	struct icy_incident	 pending;	/* the request's incident */
	int			 record;	/* pending is to be written */
};

enum gh_err	 icyfire_open(struct icyfire *f, const char *config,
		    unsigned dbflags, char *errbuf, size_t errsz);
/* Writes what is batched first. */
void		 icyfire_close(struct icyfire *f);
/* Batch a copy of in; write the batch once it is full or due. */
void		 icyfire_incident_queue(struct icyfire *f,
		    const struct icy_incident *in);
/*
 * Write the batch if it is due, or at once when now is set (one that
 * cannot be written is kept); returns the milliseconds until it is due,
 * -1 when it is empty.
 */
int		 icyfire_incident_flush(struct icyfire *f, int now);

/* store.c: every SQL statement of icyfire (icyfire_store_*). */
enum gh_err	 icyfire_store_open(struct icyfire *f, unsigned flags);
void		 icyfire_store_close(struct icyfire *f);
/* 1 in *ok when both tokens match their stored hashes (constant time). */
enum gh_err	 icyfire_store_tokens_check(struct icyfire *f, enum icy_token a,
		    const char *ta, size_t la, enum icy_token b, const char *tb,
		    size_t lb, int *ok);
enum gh_err	 icyfire_store_token_set(struct icyfire *f, enum icy_token t,
		    const char *tok, size_t len);
enum gh_err	 icyfire_store_server_add(struct icyfire *f, long long id);
enum gh_err	 icyfire_store_slot_get(struct icyfire *f, long long slot,
		    struct icy_slot *out);
enum gh_err	 icyfire_store_slot_claim(struct icyfire *f, long long slot,
		    const char *domain, const char *platform);
enum gh_err	 icyfire_store_domain_add(struct icyfire *f, const char *name);
enum gh_err	 icyfire_store_credential_set(struct icyfire *f,
		    const char *domain,
		    const char *platform, const char *fields);
struct icy_post {
	long long	 id;
	char		 type[8];
	const char	*body, *link, *media_url;	/* borrowed; link, media_url may be NULL */
};
/* What _r needs of a slot. */
struct icy_next {
	struct icy_slot	 slot;
	/* When the slot is claimed (slot.credential_id != 0): */
	char		 platform[16];
	const char	*fields;	/* borrowed: the credential's JSON */
	int		 has_post;	/* 0: its queue is empty */
	struct icy_post	 post;		/* the oldest, when has_post */
};
/*
 * Slot slot, its credential and the oldest post of its queue, read in one
 * statement (one snapshot), to cb: its return value is ours.
 * GH_ENOTFOUND when there is no such slot.
 */
enum gh_err	 icyfire_store_next(struct icyfire *f, long long slot,
		    enum gh_err (*cb)(const struct icy_next *, void *),
		    void *arg);
/* Delete post post_id (0: the oldest) of a credential; GH_ENOTFOUND. */
enum gh_err	 icyfire_store_post_delete(struct icyfire *f, long long cred,
		    long long post_id);
enum gh_err	 icyfire_store_post_add(struct icyfire *f, const char *domain,
		    const char *platform, const char *type, const char *body,
		    const char *link, const char *media_url, long long *id);
enum gh_err	 icyfire_store_post_list(struct icyfire *f, const char *domain,
		    void (*cb)(const struct icy_post *, const char *platform,
		    void *), void *arg);
/*
 * Record in[0..n) (n at most ICY_BATCH_MAX) in one transaction, in order;
 * each in[i].id and .flag get what the store decided.
 */
enum gh_err	 icyfire_store_incidents_add(struct icyfire *f,
		    struct icy_incident *in, size_t n);
/* Remove the incidents older than before (a Unix time); *n gets how many. */
enum gh_err	 icyfire_store_incident_prune(struct icyfire *f,
		    long long before, long long *n);
/*
 * Incidents matching argument arg (an index into icy_query_args) with
 * value v (integer) or s (text), newest first, below before_id (0: any),
 * at most limit.  GH_ENOTFOUND when none.
 */
extern const char *const icy_query_args[];
enum gh_err	 icyfire_store_incident_query(struct icyfire *f, size_t arg,
		    long long v, const char *s, long long before_id,
		    long long limit, void (*cb)(const struct icy_incident *,
		    void *), void *arg_cb);

/* api.c: the handlers. */
struct gh_svc;
struct gh_req;
struct gh_res;
enum gh_err	 icyfire_post_next(struct gh_svc *, struct gh_req *,
		    struct gh_res *);
enum gh_err	 icyfire_post_delete(struct gh_svc *, struct gh_req *,
		    struct gh_res *);
enum gh_err	 icyfire_incident_query(struct gh_svc *, struct gh_req *,
		    struct gh_res *);
void		 icyfire_error_body(struct gh_svc *, struct gh_req *,
		    struct gh_res *);

#endif
