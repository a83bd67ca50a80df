/* SPDX-License-Identifier: ISC */
/*
 * token: the gateway's auth policy and what a token's use changes.  A
 * token comes as "Authorization: Bearer", or as the password of Basic for
 * the agents that need it (Sandstorm's list); it is looked up by its hash
 * (lib/auth.h's cache first) and must be neither revoked nor expired.  A
 * use makes an offer token permanent; X-Sandstorm-Token-Keepalive extends
 * an unused one.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "apihost.h"
#include "auth.h"
#include "log.h"
#include "serve.h"
#include "token.h"

#define KEEPALIVE_MAX_MS	(24LL * 3600 * 1000)

/* 1 when the User-Agent starts with one of the '|'-separated prefixes. */
static int
basic_agent(const struct apihost *a, const char *ua)
{
	const char	*list;
	const char	*bar;
	size_t		 n;

	if (ua == NULL)
		return 0;
	list = apihost_conf_str(&a->conf, APIHOST_CONF_BASIC_AGENTS);
	while (*list != '\0') {
		bar = strchr(list, '|');
		n = bar ? (size_t)(bar - list) : strlen(list);
		if (n > 0 && strncmp(ua, list, n) == 0)
			return 1;
		if (bar == NULL)
			break;
		list = bar + 1;
	}
	return 0;
}

/* 1 when the client says it is a browser: Accept names text/html. */
static int
wants_html(const struct gh_req *req)
{
	const char	*accept = gh_req_param(req, "HTTP_ACCEPT");

	return accept != NULL && strstr(accept, "text/html") != NULL;
}

/*
 * The gateway's auth policy: the token from "Authorization: Bearer", or
 * as the password of Basic for the allowed agents, names a token that is
 * neither revoked nor expired.  Without a token: 401 with a Basic
 * challenge for those agents, a page for a browser, else a short text; a
 * bad token: 403 saying why.  On success rq->tok is the token.
 */
enum gh_err
apihost_token_auth(struct gh_svc *svc, struct gh_req *req, struct gh_res *res)
{
	struct apihost		*a = svc->ctx;
	struct apihost_req	*rq = req->ctx;
	const char		*hdr = gh_req_param(req, "HTTP_AUTHORIZATION");
	const char		*tok = NULL;
	unsigned char		 hash[GH_SHA256_LEN], tab[GH_SHA256_LEN];
	char			 user[256], pass[GH_TOKEN_MAX + 1];
	size_t			 len = 0, i;
	long long		 now = req->start_us / 1000000;
	int			 basic_ok;
	enum gh_err		 err;

	basic_ok = basic_agent(a, gh_req_param(req, "HTTP_USER_AGENT"));
	err = gh_auth_bearer(hdr, &tok, &len);
	if (err == GH_ENOTFOUND && basic_ok) {
		err = gh_auth_basic(hdr, user, sizeof(user), pass, sizeof(pass));
		if (err == GH_OK) {
			tok = pass;
			len = strlen(pass);
		}
	}
	if (err == GH_ENOTFOUND) {
		if (basic_ok)
			gh_res_header(res, "WWW-Authenticate",
			    "Basic realm=\"Sandstorm API\"");
		else
			rq->html_error = wants_html(req);
		err = basic_ok ? gh_fail(res, GH_EAUTH, "This address serves "
		    "an API: give the API token as the password.") :
		    gh_fail(res, GH_EFORBIDDEN, "This address serves an API: "
		    "every request needs an API token, as \"Authorization: "
		    "Bearer <token>\".");
		goto out;
	}
	if (err != GH_OK || len != GH_TOKEN_LEN) {
		err = gh_fail(res, GH_EFORBIDDEN, "Invalid authorization token.");
		goto out;
	}
	gh_sha256(tok, len, hash);
	if (gh_auth_cache_find(&a->tok_cache, hash, req->start_us, &i))
		rq->tok = a->tok_cached[i];
	else if ((err = apihost_store_token_by_hash(a, hash,
	    &rq->tok)) == GH_OK) {
		/* The tab id: stable per token; the app cannot work back to it. */
		gh_sha256(hash, sizeof(hash), tab);
		gh_hex(tab, APIHOST_TAB_ID_LEN / 2, rq->tok.tab_id);
		i = gh_auth_cache_add(&a->tok_cache, hash, req->start_us);
		a->tok_cached[i] = rq->tok;
	} else if (err == GH_ENOTFOUND) {
		err = gh_fail(res, GH_EFORBIDDEN, "Invalid authorization token.");
		goto out;
	} else {
		err = gh_fail(res, err, "token lookup failed");
		goto out;
	}
	if (rq->tok.revoked) {
		err = gh_fail(res, GH_EFORBIDDEN,
		    "Authorization token has been revoked.");
		goto out;
	}
	if ((rq->tok.expires && now >= rq->tok.expires) ||
	    (rq->tok.expires_unused && now >= rq->tok.expires_unused)) {
		err = gh_fail(res, GH_EFORBIDDEN,
		    "Authorization token has expired.");
		goto out;
	}
	req->principal = &rq->tok;
	err = GH_OK;
out:
	OPENSSL_cleanse(pass, sizeof(pass));
	return err;
}

/*
 * The first use of an offer token makes it permanent: one conditional
 * UPDATE, so that of several nodes exactly one makes it, and none after
 * another purged or revoked it (then this request is refused, as it
 * would have been a moment later).  Until that write is in, an offer
 * token is not used: a database that does not answer is a 503.  Later
 * uses move last_used at most once a minute, so that a stream of requests
 * does not become a stream of writes; a failure of that is only logged.
 */
enum gh_err
apihost_token_note_use(struct apihost *a, struct gh_req *req,
    struct gh_res *res)
{
	struct apihost_req	*rq = req->ctx;
	const struct apihost_token *t = &rq->tok;
	long long		 now = req->start_us / 1000000;
	enum gh_err		 err;
	size_t			 i;

	if (t->expires_unused == 0 && t->last_used != 0 &&
	    now - t->last_used < APIHOST_LAST_USED_S)
		return GH_OK;
	err = apihost_store_token_used(a, t->id, now);
	if (err != GH_OK) {
		for (i = 0; i < GH_AUTH_CACHE_SLOTS; i++)
			if (a->tok_cached[i].id == t->id)
				gh_auth_cache_drop(&a->tok_cache, i);
		if (t->expires_unused == 0) {
			if (err != GH_ENOTFOUND)
				gh_log("token %lld: cannot record its use: %s",
				    t->id, gh_strerror(err));
			return GH_OK;
		}
		if (err == GH_ENOTFOUND)
			return gh_fail(res, GH_EFORBIDDEN,
			    "Authorization token has expired.");
		return gh_fail(res, err, "cannot record the token's first use");
	}
	for (i = 0; i < GH_AUTH_CACHE_SLOTS; i++)
		if (a->tok_cached[i].id == t->id) {
			a->tok_cached[i].last_used = now;
			a->tok_cached[i].expires_unused = 0;
		}
	return GH_OK;
}

/*
 * X-Sandstorm-Token-Keepalive: <ms>: an unused offer token lives on for
 * that long (at most a day); the request is answered here, not forwarded,
 * and does not count as a use.  Expired unused tokens are purged meanwhile.
 */
enum gh_err
apihost_token_keepalive(struct apihost *a, struct gh_req *req,
    struct gh_res *res, const char *value)
{
	struct apihost_req	*rq = req->ctx;
	const char	*errstr;
	long long	 ms, now = req->start_us / 1000000;
	enum gh_err	 err;
	size_t		 i;

	ms = gh_strtonum(value, 1, KEEPALIVE_MAX_MS, &errstr);
	if (errstr != NULL)
		return gh_fail(res, GH_EINVAL,
		    "X-Sandstorm-Token-Keepalive: milliseconds, 1 to %lld",
		    KEEPALIVE_MAX_MS);
	if (rq->tok.expires_unused != 0) {
		/* A database that does not answer is a 503, not a 500. */
		if ((err = apihost_store_token_keepalive(a, rq->tok.id,
		    now + (ms + 999) / 1000)) != GH_OK)
			return gh_fail(res, err, "cannot extend the token");
		for (i = 0; i < GH_AUTH_CACHE_SLOTS; i++)
			if (a->tok_cached[i].id == rq->tok.id)
				gh_auth_cache_drop(&a->tok_cache, i);
	}
	if (apihost_store_token_purge(a, now, NULL) != GH_OK)
		gh_log("cannot purge expired offer tokens");
	res->status = 204;
	return apihost_cors(res);
}
