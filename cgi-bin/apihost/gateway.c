/* SPDX-License-Identifier: ISC */
/*
 * gateway: the sanitising proxy of the API host.  A request is forwarded
 * to the grain's upstream + apiPath + path over a connection kept alive
 * per process: an http:// upstream through our own HTTP/1.1 client (h1.h),
 * an https:// one through a libcurl easy handle (libcurl loaded then).  The request body is
 * pulled from the FastCGI input as it is sent and the answer pushed to the
 * FastCGI output as it arrives, so memory stays constant whatever the size.
 *
 * Sanitising (doc/spec/NOTES.md): only an allow-list of request headers
 * reaches the app, plus the X-Sandstorm-* headers we add; Set-Cookie,
 * hop-by-hop headers and the app's own CORS headers never reach the
 * client (head.c); every answer, errors included, carries our CORS
 * headers (cors.c).
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
#include "ascii.h"
#include "auth.h"
#include "h1.h"
#include "http.h"
#include "json.h"
#include "log.h"
#include "netpol.h"
#include "req.h"
#include "serve.h"


/* The proxy's per-process clients and the state of the transfer under way. */
struct gateway {
	struct gh_h1	 h1;		/* http:// upstreams */
	CURL		*h;		/* https:// upstreams; NULL until one */
	char		 errbuf[CURL_ERROR_SIZE];
	struct gh_buf	 headers;	/* the request's lines for the app */
	struct gh_buf	 line;		/* scratch for one of them */
	struct gh_buf	 enc;		/* scratch: the URI-encoded username */
	/* The request being forwarded; borrowed for one transfer. */
	struct gh_req	*req;
	struct gh_res	*res;
	int		 head_only;
	struct apihost_head head;	/* the app's status line */
	int		 head_sent;	/* our head went to the client */
	int		 head_broken;	/* the app's head was too large or bad */
	int		 client_gone;
	int		 read_error;	/* the client's body could not be read */
	int		 too_big;	/* a body of unknown length passed max */
	long long	 body_max;	/* max_body */
	long long	 body_read;	/* of the client's body, so far */
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


enum gh_err
gateway_init(struct apihost *a)
{
	struct gateway	*gw;
	char		 why[256];

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
	gh_h1_init(&gw->h1);
	gh_buf_init(&gw->headers, GH_HEADERS_MAX + 1024 + 4 * APIHOST_USER_MAX);
	gh_buf_init(&gw->line, GH_HEADERS_MAX + 256);
	gh_buf_init(&gw->enc, 4 * APIHOST_USER_MAX);
	a->gw = gw;
	return GH_OK;
}

void
gateway_free(struct apihost *a)
{
	if (a->gw == NULL)
		return;
	if (a->gw->h != NULL)
		curl_easy_cleanup(a->gw->h);
	gh_h1_free(&a->gw->h1);
	gh_buf_free(&a->gw->headers);
	gh_buf_free(&a->gw->line);
	gh_buf_free(&a->gw->enc);
	free(a->gw);
	a->gw = NULL;
}

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

/*
 * Append the line "Name: value\r\n" to gw->headers; 0 on failure (out of
 * memory, or over the buffer's max).  A value with a control character
 * but TAB is left out: it would end the line early.
 */
static int
header_add(struct gateway *gw, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
header_add(struct gateway *gw, const char *fmt, ...)
{
	va_list		 ap;
	enum gh_err	 err;
	size_t		 i;

	gh_buf_reset(&gw->line);
	va_start(ap, fmt);
	err = gh_buf_vprintf(&gw->line, fmt, ap);
	va_end(ap);
	if (err != GH_OK)
		return 0;
	for (i = 0; i < gw->line.len; i++)
		if ((unsigned char)gw->line.data[i] < ' ' &&
		    gw->line.data[i] != '\t')
			return 1;
	return gh_buf_add(&gw->headers, gw->line.data, gw->line.len) ==
	    GH_OK && gh_buf_add(&gw->headers, "\r\n", 2) == GH_OK;
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
 * The request headers for the app, as lines into gw->headers: the allowed
 * ones the client sent, its Content-Type, and who is asking.  *accept says
 * whether the client sent an Accept.  0 on failure (out of memory).
 */
static int
upstream_headers(struct gateway *gw, struct gh_req *req, int *accept)
{
	struct apihost_req	*rq = req->ctx;
	const char *const	*e;
	const char		*eq, *ct;
	char			 name[APIHOST_HEADER_NAME_MAX + 1];
	int			 ok = 1;

	*accept = 0;
	gh_buf_reset(&gw->headers);
	gh_buf_reset(&gw->enc);
	for (e = req->env; ok && *e != NULL; e++) {
		if (strncmp(*e, "HTTP_", 5) != 0 || (eq = strchr(*e, '=')) == NULL ||
		    !req_allowed(*e, (size_t)(eq - *e)))
			continue;
		if (!header_name(*e + 5, (size_t)(eq - *e) - 5, name,
		    sizeof(name)))
			continue;
		if (strcmp(name, "Accept") == 0)
			*accept = 1;
		ok = header_add(gw, "%s: %s", name, eq + 1);
	}
	if (ok && (ct = gh_req_param(req, "CONTENT_TYPE")) != NULL && *ct != '\0')
		ok = header_add(gw, "Content-Type: %s", ct);
	if (ok && rq->tok.has_user)
		ok = header_add(gw, "X-Sandstorm-User-Id: %s", rq->tok.user_id);
	if (ok)
		ok = uri_encode(rq->tok.username, &gw->enc) == GH_OK &&
		    header_add(gw, "X-Sandstorm-Username: %s",
		    gw->enc.data ? gw->enc.data : "");
	if (ok)
		ok = header_add(gw, "X-Sandstorm-Permissions: %s",
		    rq->tok.permissions);
	if (ok)
		ok = header_add(gw, "X-Sandstorm-Tab-Id: %s", rq->tok.tab_id);
	if (ok)
		ok = header_add(gw, "X-Sandstorm-Session-Type: api");
	return ok;
}

/*
 * gw->headers as a curl list, with curl's own defaults that the client
 * did not send (Accept, Expect) suppressed.  NULL on failure.
 */
static struct curl_slist *
curl_headers(struct gateway *gw, int accept)
{
	struct curl_slist	*list = NULL, *l;
	const char		*p = gw->headers.data, *end, *crlf;

	end = p != NULL ? p + gw->headers.len : p;
	for (; p < end; p = crlf + 2) {
		crlf = memchr(p, '\r', (size_t)(end - p));
		gh_buf_reset(&gw->line);
		if (gh_buf_add(&gw->line, p, (size_t)(crlf - p)) != GH_OK ||
		    gh_buf_add(&gw->line, "", 1) != GH_OK ||
		    (l = curl_slist_append(list, gw->line.data)) == NULL)
			goto fail;
		list = l;
	}
	if (!accept) {
		if ((l = curl_slist_append(list, "Accept:")) == NULL)
			goto fail;
		list = l;
	}
	if ((l = curl_slist_append(list, "Expect:")) == NULL)
		goto fail;
	return l;
fail:
	curl_slist_free_all(list);
	return NULL;
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
	gw->res->status = gw->head.status;
	/* The app says how its answers may be cached (Vary: Authorization). */
	gw->res->secret = 0;
	if (apihost_cors(gw->res) != GH_OK) {
		gw->head_broken = 1;
		return -1;
	}
	if (gh_res_send_head(gw->req, gw->res, gw->head.reason) != GH_OK) {
		gw->client_gone = 1;
		return -1;
	}
	return 0;
}

/* One line of the app's head (head.c): its end sends ours.  0, or -1. */
static int
gw_head(void *arg, const char *buf, size_t n)
{
	struct gateway	*gw = arg;

	switch (apihost_head_line(&gw->head, &gw->res->head, buf, n)) {
	case APIHOST_HEAD_MORE:
		return 0;
	case APIHOST_HEAD_DONE:
		return send_head(gw);
	default:
		gw->head_broken = 1;
		return -1;
	}
}

/* The app's body, straight to the client.  0, or -1. */
static int
gw_body(void *arg, const char *buf, size_t n)
{
	struct gateway	*gw = arg;

	if (!gw->head_sent && send_head(gw) != 0)
		return -1;
	if (gw->head_only || n == 0)
		return 0;
	if (gh_io_write(gw->req->io, buf, n) != 0) {
		gw->client_gone = 1;
		return -1;
	}
	return 0;
}

/* The client's body, straight to the app: bytes read, 0 at its end, -1. */
static ssize_t
gw_read(void *arg, char *buf, size_t n)
{
	struct gateway	*gw = arg;
	ssize_t		 r;

	r = gh_io_read(gw->req->io, buf, n);
	if (r < 0 || (r == 0 && gw->req->content_length > gw->body_read)) {
		gw->read_error = 1;	/* failed, or ended short */
		return -1;
	}
	/*
	 * A Content-Length above max_body was refused before; a body of
	 * unknown length (Apache, HTTP/2: apache.conf.in) is counted.
	 */
	gw->body_read += r;
	if (gw->body_max > 0 && gw->body_read > gw->body_max) {
		gw->too_big = 1;
		return -1;
	}
	return r;
}

/* curl's face of gw_head, gw_body and gw_read. */
static size_t
on_header(char *buf, size_t size, size_t nitems, void *arg)
{
	return gw_head(arg, buf, size * nitems) == 0 ? size * nitems : 0;
}

static size_t
on_body(char *buf, size_t size, size_t nitems, void *arg)
{
	return gw_body(arg, buf, size * nitems) == 0 ? size * nitems : 0;
}

static size_t
on_read(char *buf, size_t size, size_t nitems, void *arg)
{
	ssize_t	r = gw_read(arg, buf, size * nitems);

	return r < 0 ? CURL_READFUNC_ABORT : (size_t)r;
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

/* Whether the request has a body: one came, or its method always has one. */
static int
has_body(const struct gh_req *req)
{
	return req->content_length > 0 || req->method == GH_POST ||
	    req->method == GH_PUT || req->method == GH_PATCH;
}

/* Set the options of one transfer on the reused handle. */
static enum gh_err
setup_transfer(struct apihost *a, struct gh_req *req, const char *url,
    struct curl_slist *headers)
{
	struct gateway	*gw = a->gw;
	CURL		*h = gw->h;
	int		 upload = has_body(req);

	curl_easy_reset(h);	/* options only: connections stay cached */
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
 * One transfer to an https:// upstream, through curl.  GH_OK when it
 * completed; GH_ETIMEOUT (the app went silent), GH_EFORBIDDEN (the policy
 * refused its address), GH_EUNAVAIL (*answered: a broken answer; else no
 * connection, with curl's short reason in *why), GH_EIO (a callback
 * stopped it) or GH_EINVAL (the URL), with the details in gw->errbuf.
 */
static enum gh_err
transfer_curl(struct apihost *a, struct gh_req *req, const char *url,
    int accept, int *answered, const char **why)
{
	struct gateway		*gw = a->gw;
	struct curl_slist	*headers;
	CURLcode		 rc;
	enum gh_err		 err;

	/* libcurl is loaded (libcurl.h) at the first https:// request. */
	if (gw->h == NULL &&
	    (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
	    (gw->h = curl_easy_init()) == NULL)) {
		*answered = 0;
		*why = "the gateway cannot call out over https";
		gh_strlcpy(gw->errbuf, "cannot set up libcurl",
		    sizeof(gw->errbuf));
		return GH_EUNAVAIL;
	}
	if ((headers = curl_headers(gw, accept)) == NULL)
		return GH_ENOMEM;
	gw->last_us = gh_now_us();
	gw->last_ul = gw->last_dl = 0;
	gw->errbuf[0] = '\0';
	if ((err = setup_transfer(a, req, url, headers)) != GH_OK) {
		curl_slist_free_all(headers);
		return GH_EINVAL;
	}
	rc = curl_easy_perform(gw->h);
	curl_easy_setopt(gw->h, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(headers);
	*why = curl_easy_strerror(rc);
	if (gw->errbuf[0] == '\0')
		gh_strlcpy(gw->errbuf, *why, sizeof(gw->errbuf));
	*answered = rc == CURLE_OK;
	if (rc == CURLE_OK)
		return gw->head_sent ? GH_OK : GH_EUNAVAIL;
	if (gw->timed_out)
		return GH_ETIMEOUT;
	if (gw->guard.refused)
		return GH_EFORBIDDEN;
	if (gw->head_broken || gw->client_gone || gw->read_error ||
	    gw->too_big)
		return GH_EIO;
	return GH_EUNAVAIL;
}

/* One transfer to an http:// upstream, through h1.h: as transfer_curl. */
static enum gh_err
transfer_h1(struct apihost *a, struct gh_req *req, const char *url,
    int *answered, const char **why)
{
	struct gateway		*gw = a->gw;
	struct gh_h1_req	 hr;
	enum gh_err		 err;

	memset(&hr, 0, sizeof(hr));
	hr.method = req->method_name;
	hr.url = url;
	hr.headers = gw->headers.data;
	hr.headers_len = gw->headers.len;
	hr.has_body = has_body(req);
	hr.body_len = req->content_length >= 0 ? req->content_length : -1;
	hr.connect_timeout_ms = (int)apihost_conf_int(&a->conf,
	    APIHOST_CONF_CONNECT_TIMEOUT);
	hr.silence_ms = (int)apihost_conf_int(&a->conf,
	    APIHOST_CONF_RESPONSE_TIMEOUT);
	hr.policy = &gw->policy;
	hr.on_head = gw_head;
	hr.on_body = gw_body;
	hr.on_read = gw_read;
	hr.arg = gw;
	err = gh_h1_request(&gw->h1, &hr, gw->errbuf, sizeof(gw->errbuf));
	*answered = gw->h1.answered;
	*why = "no connection, or it broke off";
	if (err == GH_ETIMEOUT)
		gw->timed_out = 1;
	if (err == GH_EFORBIDDEN)
		gh_strlcpy(gw->guard.addr, gw->h1.refused,
		    sizeof(gw->guard.addr));
	return err;
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
	const char		*ka, *why = "";
	char			 url[APIHOST_URL_MAX + APIHOST_APIPATH_MAX +
				    GH_PATH_MAX + GH_QUERY_MAX + 2];
	int			 accept, answered = 0;
	enum gh_err		 err;

	if ((ka = gh_req_param(req, "HTTP_X_SANDSTORM_TOKEN_KEEPALIVE")) != NULL)
		return apihost_token_keepalive(a, req, res, ka);
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
	if ((err = apihost_token_note_use(a, req, res)) != GH_OK)
		return err;
	if (!upstream_headers(gw, req, &accept))
		return gh_fail(res, GH_ENOMEM, "out of memory");

	gw->req = req;
	gw->res = res;
	gw->head_only = req->method == GH_HEAD;
	memset(&gw->head, 0, sizeof(gw->head));
	gw->head_sent = gw->head_broken = gw->client_gone = 0;
	gw->read_error = gw->timed_out = gw->too_big = 0;
	gw->body_read = 0;
	gw->body_max = (long long)svc->body_max;
	gw->silence_us = apihost_conf_int(&a->conf,
	    APIHOST_CONF_RESPONSE_TIMEOUT) * 1000;
	gw->guard.refused = 0;
	gw->guard.addr[0] = '\0';
	if (gh_ascii_caseeq(url, "http://", 7))
		err = transfer_h1(a, req, url, &answered, &why);
	else
		err = transfer_curl(a, req, url, accept, &answered, &why);
	gw->req = NULL;
	gw->res = NULL;

	if (gw->head_sent) {
		if (err != GH_OK && !gw->client_gone)
			gh_log("grain %s: transfer cut: %s", rq->tok.grain.name,
			    gw->timed_out ? "the app went silent" : gw->errbuf);
		return GH_OK;	/* the answer is out, whatever happened next */
	}
	/* No answer went out: what gw_head() collected is not ours to send. */
	gh_buf_reset(&res->head);
	if (err == GH_ENOMEM)
		return gh_fail(res, GH_ENOMEM, "out of memory");
	if (gw->read_error)
		return gh_fail(res, GH_EINVAL, "could not read the request body");
	if (gw->too_big)
		return gh_fail(res, GH_ETOOBIG, "request body larger than %lld "
		    "bytes", gw->body_max);
	/* gh_fail() sets the status of the error; ours are more precise. */
	if (err == GH_ETIMEOUT) {
		err = gh_fail(res, GH_ETIMEOUT,
		    "The app behind this API did not answer within %lld ms.",
		    apihost_conf_int(&a->conf, APIHOST_CONF_RESPONSE_TIMEOUT));
		res->status = 504;
		return err;
	}
	if (err == GH_EFORBIDDEN) {
		/* The operator's lists, not the app, stand in the way. */
		gh_log("grain %s: upstream address %s is not allowed "
		    "([apihost] upstream_deny)", rq->tok.grain.name,
		    gw->guard.addr);
		err = gh_fail(res, GH_EFORBIDDEN, "The app behind this API "
		    "is at an address this gateway may not connect to.");
		res->status = 502;
		return err;
	}
	if (err == GH_EINVAL)
		return gh_fail(res, GH_EINVAL, "the grain's URL is not usable");
	if (gw->head_broken || answered)
		err = gh_fail(res, GH_EUNAVAIL,
		    "The app behind this API sent a malformed or oversized "
		    "answer.");
	else {
		gh_log("grain %s: %s", rq->tok.grain.name, gw->errbuf);
		err = gh_fail(res, GH_EUNAVAIL,
		    "The app behind this API is not reachable (%s).", why);
	}
	res->status = 502;
	return err;
}
