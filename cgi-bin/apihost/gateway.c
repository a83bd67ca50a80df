/* SPDX-License-Identifier: ISC */
/*
 * gateway: the token check, the sanitising proxy and the answers of the
 * API host.  A request is forwarded to the grain's upstream + apiPath +
 * path through one libcurl easy handle per process (so connections to the
 * apps are kept alive and reused); its body is pulled from the FastCGI
 * input as curl sends it and the answer pushed to the FastCGI output as it
 * arrives, so memory stays constant whatever the size.
 *
 * Sanitising (spec/NOTES.md): only an allow-list of request headers
 * reaches the app, plus the X-Sandstorm-* headers we add; Set-Cookie,
 * hop-by-hop headers and the app's own CORS headers never reach the
 * client; every answer, errors included, carries our CORS headers.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <json-c/json.h>
#include <openssl/crypto.h>

#include "apihost.h"
#include "auth.h"
#include "http.h"
#include "json.h"
#include "log.h"
#include "netpol.h"
#include "req.h"
#include "serve.h"

#define REASON_MAX	64		/* bytes of an app's reason phrase */
#define HEADER_NAME_MAX	64		/* longest header name we pass */
#define KEEPALIVE_MAX_MS	(24LL * 3600 * 1000)

/* The proxy's per-process handle and the state of the transfer under way. */
struct gateway {
	CURL		*h;
	char		 errbuf[CURL_ERROR_SIZE];
	/* The request being forwarded; borrowed for one transfer. */
	struct gh_req	*req;
	struct gh_res	*res;
	int		 head_only;
	int		 status;
	char		 reason[REASON_MAX + 1];
	int		 head_sent;	/* our head went to the client */
	int		 head_broken;	/* the app's head was too large or bad */
	int		 client_gone;
	int		 read_error;	/* the client's body could not be read */
	int		 timed_out;	/* the app was silent too long */
	long long	 silence_us;	/* response_timeout_ms */
	long long	 last_us;	/* last sign of life of the transfer */
	curl_off_t	 last_ul, last_dl;
	struct gh_netpol policy;	/* upstream_allow, upstream_deny */
	struct gh_http_guard guard;	/* the policy's view of the transfer */
};

/*
 * Request headers that reach the app, as CGI names (HTTP_ + upper case);
 * Content-Type and Content-Length come from CONTENT_TYPE and the body.
 * Sandstorm's list, WebDAV's and ownCloud's among them.
 */
static const char *const req_allow[] = {
	"HTTP_ACCEPT", "HTTP_ACCEPT_ENCODING", "HTTP_ACCEPT_LANGUAGE",
	"HTTP_CACHE_CONTROL", "HTTP_CONTENT_ENCODING", "HTTP_CONTENT_LANGUAGE",
	"HTTP_IF_MATCH", "HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE",
	"HTTP_IF_UNMODIFIED_SINCE", "HTTP_IF_RANGE", "HTTP_RANGE",
	"HTTP_X_REQUESTED_WITH", "HTTP_DEPTH", "HTTP_DESTINATION",
	"HTTP_OVERWRITE", "HTTP_OC_TOTAL_LENGTH", "HTTP_OC_CHUNK_SIZE",
	"HTTP_X_OC_MTIME", "HTTP_OC_CHECKSUM",
};
#define REQ_ALLOW_PREFIX	"HTTP_X_SANDSTORM_APP_"

/* Response headers that never reach the client (lower case). */
static const char *const res_deny[] = {
	"set-cookie", "set-cookie2", "connection", "keep-alive",
	"proxy-connection", "proxy-authenticate", "transfer-encoding", "te",
	"trailer", "upgrade", "status", "content-security-policy",
	"content-security-policy-report-only", "x-sandstorm-token-keepalive",
};
#define RES_DENY_PREFIX		"access-control-"

/* What the client may read of an answer, cross-origin. */
#define EXPOSE_HEADERS							\
	"Content-Length, Content-Type, Content-Encoding, Content-Language, " \
	"Content-Disposition, Content-Range, ETag, Last-Modified, Location, " \
	"Accept-Ranges, Cache-Control, Expires, WWW-Authenticate"

#define ALLOW_METHODS	"GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"

enum gh_err
apihost_cors(struct gh_res *res)
{
	enum gh_err	err;

	if (res->head.data != NULL &&
	    strstr(res->head.data, "Access-Control-Allow-Origin:") != NULL)
		return GH_OK;
	if ((err = gh_res_header(res, "Access-Control-Allow-Origin", "*")) !=
	    GH_OK ||
	    (err = gh_res_header(res, "Access-Control-Expose-Headers", "%s",
	    EXPOSE_HEADERS)) != GH_OK ||
	    (err = gh_res_header(res, "Vary", "Authorization")) != GH_OK)
		return err;
	return gh_res_header(res, "Content-Security-Policy",
	    "default-src 'none'; sandbox");
}

enum gh_err
gateway_init(struct apihost *a)
{
	struct gateway	*gw;
	char		 why[256];

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return GH_EINTERNAL;
	if ((gw = calloc(1, sizeof(*gw))) == NULL)
		return GH_ENOMEM;
	if (gh_netpol_init(&gw->policy,
	    apihost_conf_str(&a->conf, APIHOST_CONF_UPSTREAM_ALLOW),
	    apihost_conf_str(&a->conf, APIHOST_CONF_UPSTREAM_DENY), why,
	    sizeof(why)) != GH_OK) {
		gh_log("%s: [apihost] upstream address lists: %s", __func__,
		    why);
		free(gw);
		return GH_ECONFIG;
	}
	if ((gw->h = curl_easy_init()) == NULL) {
		free(gw);
		return GH_ENOMEM;
	}
	a->gw = gw;
	return GH_OK;
}

void
gateway_free(struct apihost *a)
{
	if (a->gw == NULL)
		return;
	curl_easy_cleanup(a->gw->h);
	free(a->gw);
	a->gw = NULL;
}

/* --- the token ------------------------------------------------------------ */

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
 * The first use of an offer token makes it permanent; later uses move
 * last_used at most once a minute, so that a stream of requests does not
 * become a stream of writes.  A failed write is logged, not answered.
 */
static void
token_note_use(struct apihost *a, const struct apihost_token *t, long long now)
{
	size_t			 i;

	if (t->expires_unused == 0 && t->last_used != 0 &&
	    now - t->last_used < APIHOST_LAST_USED_S)
		return;
	if (apihost_store_token_used(a, t->id, now) != GH_OK) {
		gh_log("token %lld: cannot record its use", t->id);
		return;
	}
	for (i = 0; i < GH_AUTH_CACHE_SLOTS; i++)
		if (a->tok_cached[i].id == t->id) {
			a->tok_cached[i].last_used = now;
			a->tok_cached[i].expires_unused = 0;
		}
}

/*
 * X-Sandstorm-Token-Keepalive: <ms>: an unused offer token lives on for
 * that long (at most a day); the request is answered here, not forwarded,
 * and does not count as a use.  Expired unused tokens are purged meanwhile.
 */
static enum gh_err
keepalive(struct apihost *a, struct gh_req *req, struct gh_res *res,
    const char *value)
{
	struct apihost_req	*rq = req->ctx;
	const char	*errstr;
	long long	 ms, now = req->start_us / 1000000;
	size_t		 i;

	ms = gh_strtonum(value, 1, KEEPALIVE_MAX_MS, &errstr);
	if (errstr != NULL)
		return gh_fail(res, GH_EINVAL,
		    "X-Sandstorm-Token-Keepalive: milliseconds, 1 to %lld",
		    KEEPALIVE_MAX_MS);
	if (rq->tok.expires_unused != 0) {
		if (apihost_store_token_keepalive(a, rq->tok.id,
		    now + (ms + 999) / 1000) != GH_OK)
			return gh_fail(res, GH_EDB, "cannot extend the token");
		for (i = 0; i < GH_AUTH_CACHE_SLOTS; i++)
			if (a->tok_cached[i].id == rq->tok.id)
				gh_auth_cache_drop(&a->tok_cache, i);
	}
	if (apihost_store_token_purge(a, now, NULL) != GH_OK)
		gh_log("cannot purge expired offer tokens");
	res->status = 204;
	return apihost_cors(res);
}

/* --- the proxy ------------------------------------------------------------ */

/* "ACCEPT_ENCODING" -> "Accept-Encoding" into out; 0 if it does not fit. */
static int
header_name(const char *cgi, size_t n, char *out, size_t outsz)
{
	size_t	i;
	int	up = 1;

	if (n + 1 > outsz)
		return 0;
	for (i = 0; i < n; i++) {
		if (cgi[i] == '_') {
			out[i] = '-';
			up = 1;
		} else {
			out[i] = up ? cgi[i] : (char)tolower((unsigned char)cgi[i]);
			up = 0;
		}
	}
	out[n] = '\0';
	return 1;
}

static int
req_allowed(const char *name, size_t n)
{
	size_t	i, plen = sizeof(REQ_ALLOW_PREFIX) - 1;

	if (n > plen && strncmp(name, REQ_ALLOW_PREFIX, plen) == 0)
		return 1;
	for (i = 0; i < GH_NELEM(req_allow); i++)
		if (strlen(req_allow[i]) == n &&
		    strncmp(req_allow[i], name, n) == 0)
			return 1;
	return 0;
}

/* Append "Name: value" to *list; 0 on failure (out of memory). */
static int
slist_add(struct curl_slist **list, struct gh_buf *line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
slist_add(struct curl_slist **list, struct gh_buf *line, const char *fmt, ...)
{
	struct curl_slist	*l;
	va_list			 ap;
	enum gh_err		 err;

	gh_buf_reset(line);
	va_start(ap, fmt);
	err = gh_buf_vprintf(line, fmt, ap);
	va_end(ap);
	if (err != GH_OK || (l = curl_slist_append(*list, line->data)) == NULL)
		return 0;
	*list = l;
	return 1;
}

/* Percent-encode s (all but unreserved characters), appended to out. */
static enum gh_err
uri_encode(const char *s, struct gh_buf *out)
{
	static const char	 hex[] = "0123456789ABCDEF";
	char			 e[3];
	enum gh_err		 err = GH_OK;

	for (; *s != '\0' && err == GH_OK; s++) {
		if (isalnum((unsigned char)*s) || strchr("-._~", *s) != NULL) {
			err = gh_buf_add(out, s, 1);
			continue;
		}
		e[0] = '%';
		e[1] = hex[(unsigned char)*s >> 4];
		e[2] = hex[(unsigned char)*s & 15];
		err = gh_buf_add(out, e, 3);
	}
	return err;
}

/*
 * The request headers for the app: the allowed ones the client sent, its
 * Content-Type, and who is asking.  curl's own defaults that the client
 * did not send (Accept, Expect) are suppressed.  NULL on failure.
 */
static struct curl_slist *
upstream_headers(struct apihost *a, struct gh_req *req)
{
	struct apihost_req	*rq = req->ctx;
	struct curl_slist	*list = NULL;
	struct gh_buf		 line, enc;
	const char *const	*e;
	const char		*eq, *ct;
	char			 name[HEADER_NAME_MAX + 1];
	int			 accept = 0, ok = 1;

	gh_buf_init(&line, GH_HEADERS_MAX + 256);
	gh_buf_init(&enc, 4 * APIHOST_USER_MAX);
	for (e = req->env; ok && *e != NULL; e++) {
		if (strncmp(*e, "HTTP_", 5) != 0 || (eq = strchr(*e, '=')) == NULL ||
		    !req_allowed(*e, (size_t)(eq - *e)))
			continue;
		if (!header_name(*e + 5, (size_t)(eq - *e) - 5, name,
		    sizeof(name)))
			continue;
		if (strcmp(name, "Accept") == 0)
			accept = 1;
		ok = slist_add(&list, &line, "%s: %s", name, eq + 1);
	}
	if (ok && (ct = gh_req_param(req, "CONTENT_TYPE")) != NULL && *ct != '\0')
		ok = slist_add(&list, &line, "Content-Type: %s", ct);
	if (ok && !accept)
		ok = slist_add(&list, &line, "Accept:");
	if (ok)
		ok = slist_add(&list, &line, "Expect:");
	if (ok && rq->tok.has_user)
		ok = slist_add(&list, &line, "X-Sandstorm-User-Id: %s",
		    rq->tok.user_id);
	if (ok)
		ok = uri_encode(rq->tok.username, &enc) == GH_OK &&
		    slist_add(&list, &line, "X-Sandstorm-Username: %s",
		    enc.data ? enc.data : "");
	if (ok)
		ok = slist_add(&list, &line, "X-Sandstorm-Permissions: %s",
		    rq->tok.permissions);
	if (ok)
		ok = slist_add(&list, &line, "X-Sandstorm-Tab-Id: %s",
		    rq->tok.tab_id);
	if (ok)
		ok = slist_add(&list, &line, "X-Sandstorm-Session-Type: api");
	gh_buf_free(&line);
	gh_buf_free(&enc);
	if (!ok) {
		curl_slist_free_all(list);
		return NULL;
	}
	return list;
}

/* A method name to pass on: 1 to 32 upper-case letters, '-' or '_'. */
static int
method_ok(const char *m)
{
	size_t	n = strlen(m);

	return n > 0 && n <= 32 &&
	    strspn(m, "ABCDEFGHIJKLMNOPQRSTUVWXYZ-_") == n;
}

/* Send our head: the app's status and filtered headers, and ours. */
static int
send_head(struct gateway *gw)
{
	gw->head_sent = 1;
	gw->res->status = gw->status;
	/* The app says how its answers may be cached (Vary: Authorization). */
	gw->res->secret = 0;
	if (apihost_cors(gw->res) != GH_OK) {
		gw->head_broken = 1;
		return -1;
	}
	if (gh_res_send_head(gw->req, gw->res, gw->reason) != GH_OK) {
		gw->client_gone = 1;
		return -1;
	}
	return 0;
}

/* One line of the app's head: the status line, a header, or its end. */
static size_t
on_header(char *buf, size_t size, size_t nitems, void *arg)
{
	struct gateway	*gw = arg;
	size_t		 n = size * nitems, len = n, i, nlen;
	const char	*colon, *v;
	char		 lname[HEADER_NAME_MAX + 1];

	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	if (len >= 12 && strncmp(buf, "HTTP/", 5) == 0) {
		/* "HTTP/1.1 200 OK": a new head (after a 1xx) starts over. */
		const char *sp = memchr(buf, ' ', len);

		gh_buf_reset(&gw->res->head);
		gw->status = 0;
		gw->reason[0] = '\0';
		if (sp == NULL || (size_t)(sp - buf) + 4 > len ||
		    !isdigit((unsigned char)sp[1]) ||
		    !isdigit((unsigned char)sp[2]) ||
		    !isdigit((unsigned char)sp[3])) {
			gw->head_broken = 1;
			return 0;
		}
		gw->status = (sp[1] - '0') * 100 + (sp[2] - '0') * 10 +
		    (sp[3] - '0');
		sp += 4;
		while (sp < buf + len && *sp == ' ')
			sp++;
		for (i = 0; sp + i < buf + len && i < REASON_MAX; i++)
			gw->reason[i] = (sp[i] >= ' ' && sp[i] < 0x7f) ?
			    sp[i] : '?';
		gw->reason[i] = '\0';
		if (gw->reason[0] == '\0')
			gh_strlcpy(gw->reason, gh_status_text(gw->status),
			    sizeof(gw->reason));
		return n;
	}
	if (len == 0) {
		/* The end of a head: a 1xx is skipped, a final one sent. */
		if (gw->status < 100 || gw->status > 599) {
			gw->head_broken = 1;
			return 0;
		}
		if (gw->status < 200)
			return n;
		return send_head(gw) == 0 ? n : 0;
	}
	if (buf[0] == ' ' || buf[0] == '\t')
		return n;	/* obsolete line folding: dropped */
	if ((colon = memchr(buf, ':', len)) == NULL)
		return n;
	nlen = (size_t)(colon - buf);
	if (nlen == 0 || nlen > HEADER_NAME_MAX)
		return n;
	for (i = 0; i < nlen; i++) {
		if (!isgraph((unsigned char)buf[i]))
			return n;
		lname[i] = (char)tolower((unsigned char)buf[i]);
	}
	lname[nlen] = '\0';
	if (strncmp(lname, RES_DENY_PREFIX, sizeof(RES_DENY_PREFIX) - 1) == 0)
		return n;
	for (i = 0; i < GH_NELEM(res_deny); i++)
		if (strcmp(lname, res_deny[i]) == 0)
			return n;
	for (v = colon + 1; v < buf + len && (*v == ' ' || *v == '\t'); v++)
		;
	for (i = 0; v + i < buf + len; i++)
		if ((unsigned char)v[i] < ' ' && v[i] != '\t')
			return n;
	if (gh_buf_add(&gw->res->head, buf, nlen) != GH_OK ||
	    gh_buf_add(&gw->res->head, ": ", 2) != GH_OK ||
	    gh_buf_add(&gw->res->head, v, (size_t)(buf + len - v)) != GH_OK ||
	    gh_buf_add(&gw->res->head, "\r\n", 2) != GH_OK) {
		gw->head_broken = 1;
		return 0;
	}
	return n;
}

/* The app's body, straight to the client. */
static size_t
on_body(char *buf, size_t size, size_t nitems, void *arg)
{
	struct gateway	*gw = arg;
	size_t		 n = size * nitems;

	if (!gw->head_sent && send_head(gw) != 0)
		return 0;
	if (gw->head_only || n == 0)
		return n;
	if (gh_io_write(gw->req->io, buf, n) != 0) {
		gw->client_gone = 1;
		return 0;
	}
	return n;
}

/* The client's body, straight to the app. */
static size_t
on_read(char *buf, size_t size, size_t nitems, void *arg)
{
	struct gateway	*gw = arg;
	ssize_t		 r;

	r = gh_io_read(gw->req->io, buf, size * nitems);
	if (r < 0) {
		gw->read_error = 1;
		return CURL_READFUNC_ABORT;
	}
	return (size_t)r;
}

/* Progress: the app has been silent for response_timeout_ms: give up. */
static int
on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow,
    curl_off_t ultotal, curl_off_t ulnow)
{
	struct gateway	*gw = arg;
	long long	 now = gh_now_us();

	(void)dltotal;
	(void)ultotal;
	if (dlnow != gw->last_dl || ulnow != gw->last_ul) {
		gw->last_dl = dlnow;
		gw->last_ul = ulnow;
		gw->last_us = now;
		return 0;
	}
	if (now - gw->last_us > gw->silence_us) {
		gw->timed_out = 1;
		return 1;
	}
	return 0;
}

/* Set the options of one transfer on the reused handle. */
static enum gh_err
setup_transfer(struct apihost *a, struct gh_req *req, const char *url,
    struct curl_slist *headers)
{
	struct gateway	*gw = a->gw;
	CURL		*h = gw->h;
	int		 upload;

	curl_easy_reset(h);	/* options only: connections stay cached */
	/* A body, or a method that always has one (maybe empty). */
	upload = req->content_length > 0 || req->method == GH_POST ||
	    req->method == GH_PUT || req->method == GH_PATCH;
	if (curl_easy_setopt(h, CURLOPT_URL, url) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https") !=
	    CURLE_OK)
		return GH_EINVAL;
	/* The address policy, judged on the address connected to (http.h). */
	gw->guard.pol = &gw->policy;
	if (gh_http_guard(h, &gw->guard) != GH_OK)
		return GH_EINTERNAL;
	curl_easy_setopt(h, CURLOPT_PATH_AS_IS, 1L);
	curl_easy_setopt(h, CURLOPT_PROXY, "");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, gw->errbuf);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, gw);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, gw);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, gw);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
	    (long)apihost_conf_int(&a->conf, APIHOST_CONF_CONNECT_TIMEOUT));
	curl_easy_setopt(h, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	if (upload) {
		curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(h, CURLOPT_READDATA, gw);
		if (req->content_length >= 0)
			curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE,
			    (curl_off_t)req->content_length);
	}
	if (req->method == GH_HEAD)
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	else if (req->method != GH_GET || upload)
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req->method_name);
	return GH_OK;
}

/*
 * The gateway: forward the request to the token's grain and stream the
 * answer back.  Before the answer has started, a failure is an error
 * answer (502: the app is down or broke its answer; 504: it was too slow);
 * after, the transfer is cut and logged.
 */
enum gh_err
apihost_proxy(struct gh_svc *svc, struct gh_req *req, struct gh_res *res)
{
	struct apihost		*a = svc->ctx;
	struct apihost_req	*rq = req->ctx;
	struct gateway		*gw = a->gw;
	struct curl_slist	*headers = NULL;
	const char		*ka;
	char			 url[APIHOST_URL_MAX + APIHOST_APIPATH_MAX +
				    GH_PATH_MAX + GH_QUERY_MAX + 2];
	CURLcode		 rc;
	enum gh_err		 err;

	if ((ka = gh_req_param(req, "HTTP_X_SANDSTORM_TOKEN_KEEPALIVE")) != NULL)
		return keepalive(a, req, res, ka);
	if (!method_ok(req->method_name))
		return gh_fail(res, GH_EMETHOD, "not an HTTP method");
	if (!apihost_target_ok(req->path) || !apihost_target_ok(req->query))
		return gh_fail(res, GH_EINVAL, "the path or query holds white "
		    "space, a control character or '#'");
	if (!apihost_path_safe(req->path))
		return gh_fail(res, GH_EINVAL, "the path has a dot segment");
	if ((size_t)snprintf(url, sizeof(url), "%s%s%s%s%s",
	    rq->tok.grain.upstream, rq->tok.grain.api_path, req->path + 1,
	    req->query[0] ? "?" : "", req->query) >= sizeof(url))
		return gh_fail(res, GH_ETOOLONG, "the URL is too long");
	token_note_use(a, &rq->tok, req->start_us / 1000000);
	if ((headers = upstream_headers(a, req)) == NULL)
		return gh_fail(res, GH_ENOMEM, "out of memory");

	gw->req = req;
	gw->res = res;
	gw->head_only = req->method == GH_HEAD;
	gw->status = 0;
	gw->reason[0] = '\0';
	gw->head_sent = gw->head_broken = gw->client_gone = 0;
	gw->read_error = gw->timed_out = 0;
	gw->silence_us = apihost_conf_int(&a->conf,
	    APIHOST_CONF_RESPONSE_TIMEOUT) * 1000;
	gw->last_us = gh_now_us();
	gw->last_ul = gw->last_dl = 0;
	gw->errbuf[0] = '\0';
	if ((err = setup_transfer(a, req, url, headers)) != GH_OK) {
		curl_slist_free_all(headers);
		return gh_fail(res, err, "the grain's URL is not usable");
	}
	rc = curl_easy_perform(gw->h);
	curl_easy_setopt(gw->h, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(headers);
	gw->req = NULL;
	gw->res = NULL;

	if (gw->head_sent) {
		if (rc != CURLE_OK && !gw->client_gone)
			gh_log("grain %s: transfer cut: %s", rq->tok.grain.name,
			    gw->timed_out ? "the app went silent" :
			    curl_easy_strerror(rc));
		return GH_OK;	/* the answer is out, whatever happened next */
	}
	/* No answer went out: what on_header() collected is not ours to send. */
	gh_buf_reset(&res->head);
	if (gw->read_error)
		return gh_fail(res, GH_EINVAL, "could not read the request body");
	/* gh_fail() sets the status of the error; ours are more precise. */
	if (gw->timed_out) {
		err = gh_fail(res, GH_ETIMEOUT,
		    "The app behind this API did not answer within %lld ms.",
		    apihost_conf_int(&a->conf, APIHOST_CONF_RESPONSE_TIMEOUT));
		res->status = 504;
		return err;
	}
	if (gw->guard.refused && rc != CURLE_OK) {
		/* The operator's lists, not the app, stand in the way. */
		gh_log("grain %s: upstream address %s is not allowed "
		    "([apihost] upstream_deny)", rq->tok.grain.name,
		    gw->guard.addr);
		err = gh_fail(res, GH_EFORBIDDEN, "The app behind this API "
		    "is at an address this gateway may not connect to.");
		res->status = 502;
		return err;
	}
	if (gw->head_broken || rc == CURLE_OK)
		err = gh_fail(res, GH_EUNAVAIL,
		    "The app behind this API sent a malformed or oversized "
		    "answer.");
	else {
		gh_log("grain %s: %s", rq->tok.grain.name,
		    gw->errbuf[0] ? gw->errbuf : curl_easy_strerror(rc));
		err = gh_fail(res, GH_EUNAVAIL,
		    "The app behind this API is not reachable (%s).",
		    curl_easy_strerror(rc));
	}
	res->status = 502;
	return err;
}

/*
 * OPTIONS: a CORS preflight is answered here, without a token: every
 * method, the headers asked for, cached for an hour.  An OPTIONS that is
 * not a preflight and carries a token (WebDAV) goes to the app.
 */
enum gh_err
apihost_options(struct gh_svc *svc, struct gh_req *req, struct gh_res *res)
{
	const char	*want = gh_req_param(req, "HTTP_ACCESS_CONTROL_REQUEST_HEADERS");
	enum gh_err	 err;
	size_t		 i;

	if (gh_req_param(req, "HTTP_ACCESS_CONTROL_REQUEST_METHOD") == NULL &&
	    gh_req_param(req, "HTTP_AUTHORIZATION") != NULL) {
		if ((err = apihost_token_auth(svc, req, res)) != GH_OK)
			return err;
		return apihost_proxy(svc, req, res);
	}
	if ((err = apihost_cors(res)) != GH_OK ||
	    (err = gh_res_header(res, "Access-Control-Allow-Methods", "%s",
	    ALLOW_METHODS)) != GH_OK ||
	    (err = gh_res_header(res, "Access-Control-Max-Age", "3600")) !=
	    GH_OK)
		return gh_fail(res, err, "out of memory");
	/* Echo the header names asked for, if they are only names. */
	if (want != NULL && strlen(want) <= 1024) {
		for (i = 0; want[i] != '\0'; i++)
			if (!isalnum((unsigned char)want[i]) &&
			    strchr("-_, ", want[i]) == NULL)
				break;
		if (want[i] == '\0' && i > 0 &&
		    (err = gh_res_header(res, "Access-Control-Allow-Headers",
		    "%s", want)) != GH_OK)
			return gh_fail(res, err, "out of memory");
	}
	return gh_res_text(res, 200, "text/plain", "", 0);
}

/* The readable page a browser gets instead of "needs a token". */
static const char html_page[] =
    "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
    "<title>API host</title></head><body>\n"
    "<h1>This is an API host</h1>\n"
    "<p>This address serves the HTTP APIs of apps.  It cannot be opened in "
    "a browser: every request needs an API token, sent by a program as</p>\n"
    "<pre>Authorization: Bearer &lt;token&gt;</pre>\n"
    "<p>A token comes as a <em>webkey</em>, <code>https://&lt;this "
    "host&gt;#&lt;token&gt;</code>: the part before <code>#</code> is this "
    "address, the part after it the token.  For example:</p>\n"
    "<pre>curl -H \"Authorization: Bearer &lt;token&gt;\" "
    "https://&lt;this host&gt;/</pre>\n"
    "</body></html>\n";

/*
 * Error answers of the gateway: CORS headers so that a web page can read
 * them; a page for a browser without a token; plain text otherwise.  The
 * offer route, whose client is a program, answers JSON instead: its
 * route has GH_ROUTE_JSON_ERRORS.
 */
void
apihost_error_body(struct gh_svc *svc, struct gh_req *req, struct gh_res *res)
{
	struct apihost_req	*rq = req->ctx;
	char			 text[GH_ERRMSG_MAX + 2];
	int			 n;

	apihost_cors(res);
	if (rq->html_error) {
		gh_res_text(res, res->status, "text/html; charset=utf-8",
		    html_page, sizeof(html_page) - 1);
		return;
	}
	n = snprintf(text, sizeof(text), "%s\n", res->errmsg);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof(text))
		n = (int)sizeof(text) - 1;
	gh_res_text(res, res->status, "text/plain; charset=utf-8", text,
	    (size_t)n);
}
