/* SPDX-License-Identifier: ISC */
/*
 * apihost: a Sandstorm-style API host.  An API token names a grain (an
 * upstream HTTP app), an identity and permissions; the gateway forwards a
 * sanitised request to the grain and streams the answer back, with CORS.
 * What the FastCGI program and gatectl share: the process state and the
 * store (all SQL).
 */
#ifndef APIHOST_H
#define APIHOST_H

#include <stddef.h>

#include "auth.h"
#include "conf.h"
#include "crypto.h"
#include "db.h"
#include "err.h"
#include "router.h"
#include "token.h"
#include "util.h"

/* The migrations of sql/apihost/ (schema.c, made by sql/schema.sh). */
extern const struct gh_schema apihost_schema;

/* The [apihost] keys of gatehouse.conf (conf.c). */
enum apihost_conf_key {
	APIHOST_CONF_PUBLIC_URL,
	APIHOST_CONF_BASIC_AGENTS,
	APIHOST_CONF_OFFER_EXPIRY,
	APIHOST_CONF_MAX_BODY,
	APIHOST_CONF_CONNECT_TIMEOUT,
	APIHOST_CONF_RESPONSE_TIMEOUT,
	APIHOST_CONF_UPSTREAM_ALLOW,
	APIHOST_CONF_UPSTREAM_DENY,
	APIHOST_CONF__MAX
};

extern const struct gh_conf_table apihost_conf;

GH_CONF_ACCESSORS(apihost)

#define APIHOST_NAME_MAX	64	/* grain name */
#define APIHOST_URL_MAX		1024	/* upstream base URL */
#define APIHOST_APIPATH_MAX	256	/* "/api/" */
#define APIHOST_USER_MAX	128	/* user id, username */
#define APIHOST_PERMS_MAX	512	/* "read,write" */
#define APIHOST_PETNAME_MAX	128
#define APIHOST_TEMPLATE_MAX	4096	/* an offer template */
#define APIHOST_TAB_ID_LEN	32	/* hex characters of X-Sandstorm-Tab-Id */

#define APIHOST_REASON_MAX	64	/* bytes of an app's reason phrase */
#define APIHOST_HEADER_NAME_MAX	64	/* longest header name passed on */

/* A route whose principal is a grain (its secret), not an API token. */
#define APIHOST_ROUTE_GRAIN	GH_ROUTE_SVC_FLAG(0)
#define APIHOST_LAST_USED_S	60	/* last_used is written at most this often */

/* Label binding the sealed token of an offer page to its column. */
#define LABEL_OFFER_TOKEN	"apihost.offer.token"

/* The reserved path prefix of the host's own pages (never forwarded). */
#define APIHOST_PREFIX		"/.apihost/"

struct apihost_grain {
	long long	id;
	char		name[APIHOST_NAME_MAX + 1];
	char		upstream[APIHOST_URL_MAX + 1];
	char		api_path[APIHOST_APIPATH_MAX + 1];
	long long	created;
};

/* A token's row with its grain; times are 0 when NULL. */
struct apihost_token {
	long long		id;
	struct apihost_grain	grain;
	int			has_user;	/* user_id is revealed */
	char			user_id[APIHOST_USER_MAX + 1];
	char			username[APIHOST_USER_MAX + 1];
	char			permissions[APIHOST_PERMS_MAX + 1];
	char			petname[APIHOST_PETNAME_MAX + 1];
	long long		created, last_used, expires, expires_unused,
				revoked;
	char			tab_id[APIHOST_TAB_ID_LEN + 1];	/* filled by the gateway */
};

/* What a new token says (gatectl, offer templates); strings may be "". */
struct apihost_token_new {
	const char	*grain;		/* by name (gatectl) … */
	long long	 grain_id;	/* … or by id when grain is NULL */
	const char	*user_id;	/* NULL: identity not revealed */
	const char	*username;
	const char	*permissions;
	const char	*petname;
	long long	 expires;	/* 0: none */
	long long	 expires_unused;	/* 0: permanent */
};

struct gateway;

/* Everything one process owns, opened once. */
struct apihost {
	struct gh_conf		 conf;
	struct gh_db		 db;
	struct gh_key		 key;
	struct gh_buf		 scratch;	/* sealing, templates; reused */
	struct gh_auth_cache	 tok_cache;	/* tokens of the last second */
	struct apihost_token	 tok_cached[GH_AUTH_CACHE_SLOTS];
	struct gateway		*gw;		/* owned: the proxy's clients */
};

/*
 * What one request of the FastCGI program owns (gh_svc.reqctx, req->ctx):
 * zeroed by serve before each request.
 */
struct apihost_req {
	struct apihost_token	 tok;		/* the gateway's token */
	struct apihost_grain	 grain;		/* the offer route's grain */
	int			 html_error;	/* the error answer is the
						   page for a browser */
};

/* apihost.c: the once-per-process setup (config, key, database). */
enum gh_err	 apihost_open(struct apihost *a, const char *config,
		    unsigned dbflags, char *errbuf, size_t errsz);
void		 apihost_close(struct apihost *a);

/* Checks of what an operator or an app names (1 valid, 0 not). */
int		 apihost_valid_name(const char *s);
int		 apihost_valid_upstream(const char *s);
int		 apihost_valid_api_path(const char *s);
int		 apihost_valid_perm(const char *s);	/* one name: "read" */
int		 apihost_valid_perms(const char *s);	/* "a,b"; "" ok */
int		 apihost_valid_text(const char *s, size_t max);	/* printable UTF-8ish */
int		 apihost_target_ok(const char *s);	/* no space, CTL or '#' */
/* A request path ("/…") without a dot segment, even percent-encoded. */
int		 apihost_path_safe(const char *path);

/* store.c: every SQL statement of apihost. */
enum gh_err	 apihost_store_open(struct apihost *a, unsigned flags);
void		 apihost_store_close(struct apihost *a);
/* GH_ECONFLICT if the name is taken. */
enum gh_err	 apihost_store_grain_add(struct apihost *a, const char *name,
		    const char *upstream, const char *api_path,
		    const char *secret);
/* Also removes its tokens and offers; GH_ENOTFOUND. */
enum gh_err	 apihost_store_grain_remove(struct apihost *a,
		    const char *name);
typedef void	 apihost_store_grain_cb(const struct apihost_grain *g,
		    long long ntokens, void *arg);
enum gh_err	 apihost_store_grain_list(struct apihost *a,
		    apihost_store_grain_cb *cb, void *arg);
/* The grain whose secret this is (constant-time check); GH_ENOTFOUND. */
enum gh_err	 apihost_store_grain_by_secret(struct apihost *a,
		    const char *secret, size_t len, struct apihost_grain *out);
/* A new token stored as its hash; *id gets its row id (may be NULL). */
enum gh_err	 apihost_store_token_add(struct apihost *a,
		    const struct apihost_token_new *t, const char *token,
		    long long *id);
/*
 * The token whose SHA-256 this is, with its grain, whatever its state
 * (revoked, expired: the caller says which).  GH_ENOTFOUND.
 */
enum gh_err	 apihost_store_token_by_hash(struct apihost *a,
		    const unsigned char hash[GH_SHA256_LEN],
		    struct apihost_token *out);
/*
 * Record a use at now: last_used (never backwards), and the token becomes
 * permanent.  GH_ENOTFOUND when it is no longer usable then (revoked,
 * expired, or purged).
 */
enum gh_err	 apihost_store_token_used(struct apihost *a, long long id,
		    long long now);
/* An unused offer token lives until at least until; GH_OK if permanent. */
enum gh_err	 apihost_store_token_keepalive(struct apihost *a, long long id,
		    long long until);
/* GH_ENOTFOUND if no such token or revoked already. */
enum gh_err	 apihost_store_token_revoke(struct apihost *a, long long id);
typedef void	 apihost_store_token_cb(const struct apihost_token *t,
		    void *arg);
enum gh_err	 apihost_store_token_list(struct apihost *a,
		    apihost_store_token_cb *cb, void *arg);
/* Delete tokens (and their offers) that lapsed unused before now. */
enum gh_err	 apihost_store_token_purge(struct apihost *a, long long now,
		    long long *n);
/*
 * An offer: a new token t (its clear text sealed for the page) and the
 * page found by page_hash, with its template, in one transaction.
 */
enum gh_err	 apihost_store_offer_add(struct apihost *a,
		    const struct apihost_token_new *t, const char *token,
		    const unsigned char page_hash[GH_SHA256_LEN],
		    const char *template);
/*
 * The page for page_hash: its template and clear token appended to tmpl
 * and token (both reset first; token is wiped by gh_buf_free), and the
 * token's row in *t.  GH_ENOTFOUND.
 */
enum gh_err	 apihost_store_offer_get(struct apihost *a,
		    const unsigned char page_hash[GH_SHA256_LEN],
		    struct gh_buf *tmpl, struct gh_buf *token,
		    struct apihost_token *t);

struct gh_svc;
struct gh_req;
struct gh_res;

/* head.c: the app's response head, parsed as it arrives. */
struct apihost_head {
	int	 status;			/* 0 before a status line */
	char	 reason[APIHOST_REASON_MAX + 1];	/* printable */
};

enum apihost_head_step {
	APIHOST_HEAD_MORE,	/* go on: the head is not over */
	APIHOST_HEAD_DONE,	/* a final head (2xx to 5xx) is complete */
	APIHOST_HEAD_BAD	/* a malformed head, or out isn't big enough */
};

/*
 * One line of an app's response head (n bytes, its CRLF or LF optional):
 * a status line starts a head over (after a 1xx: out is emptied); a header
 * that may reach the client is appended to out as "Name: value\r\n", any
 * other is dropped; the empty line ends the head, DONE for a final status
 * and MORE after a 1xx.  h starts zeroed; out is the caller's.
 */
enum apihost_head_step apihost_head_line(struct apihost_head *h,
		    struct gh_buf *out, const char *buf, size_t n);

/* gateway.c: the proxy and its per-process HTTP clients. */
enum gh_err	 gateway_init(struct apihost *a);
void		 gateway_free(struct apihost *a);
enum gh_err	 apihost_proxy(struct gh_svc *, struct gh_req *,
		    struct gh_res *);

/* token.c: the auth policy of the gateway's routes, by Bearer or Basic. */
enum gh_err	 apihost_token_auth(struct gh_svc *, struct gh_req *,
		    struct gh_res *);
/*
 * A use of the request's token: an offer token becomes permanent, or the
 * request is refused (GH_EFORBIDDEN: purged or revoked meanwhile; the
 * database's error) with the answer set.
 */
enum gh_err	 apihost_token_note_use(struct apihost *a, struct gh_req *req,
		    struct gh_res *res);
/* X-Sandstorm-Token-Keepalive: value (ms) answered for the request's token. */
enum gh_err	 apihost_token_keepalive(struct apihost *a, struct gh_req *req,
		    struct gh_res *res, const char *value);

/* cors.c: the CORS and sandboxing headers of every gateway answer. */
enum gh_err	 apihost_cors(struct gh_res *res);
enum gh_err	 apihost_options(struct gh_svc *, struct gh_req *,
		    struct gh_res *);

/* error.c: the error body of the gateway's routes. */
void		 apihost_error_body(struct gh_svc *, struct gh_req *,
		    struct gh_res *);

/* offer.c: offer templates. */
enum gh_err	 apihost_offer_post(struct gh_svc *, struct gh_req *,
		    struct gh_res *);
enum gh_err	 apihost_offer_page(struct gh_svc *, struct gh_req *,
		    struct gh_res *);
enum gh_err	 apihost_offer_js(struct gh_svc *, struct gh_req *,
		    struct gh_res *);
/* The auth policy of the offer route: the grain secret as Bearer. */
enum gh_err	 apihost_grain_auth(struct gh_svc *, struct gh_req *,
		    struct gh_res *);

#endif
