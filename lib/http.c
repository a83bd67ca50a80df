/* SPDX-License-Identifier: ISC */
/*
 * http: requests to other servers with libcurl, as http.h describes.
 *
 * The handle is reset before every request (curl_easy_reset() keeps the
 * connection cache, the DNS cache and the TLS session cache), so no option
 * of one request can leak into the next.  CURLOPT_NOSIGNAL keeps curl's
 * resolver away from signals: the worker relies on its own SIGALRM (the
 * database's write lock) and SIGTERM handling.
 */
#include <sys/socket.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#include "config.h"
#include "http.h"
#include "log.h"
#include "util.h"

/* Bytes of the answer seen so far, so the body can be capped. */
struct http_sink {
	size_t		 n;
	int		 cut;	/* the body passed GH_HTTP_BODY_MAX */
	struct gh_buf	*out;	/* the caller's, or NULL */
};

/*
 * CURLOPT_WRITEFUNCTION: count and drop the body.  Returning less than
 * given stops the transfer (CURLE_WRITE_ERROR) once the cap is passed;
 * the status line has been read by then.
 */
static size_t
http_sink(char *p, size_t size, size_t nmemb, void *arg)
{
	struct http_sink	*s = arg;
	size_t			 n = size * nmemb;

	if (n > GH_HTTP_BODY_MAX - s->n ||
	    (s->out != NULL && gh_buf_add(s->out, p, n) != GH_OK)) {
		s->cut = 1;
		return 0;
	}
	s->n += n;
	return n;
}

enum gh_err
gh_http_init(struct gh_http *h)
{
	static int	 global;
	CURL		*c;
	char		*err;

	/* Once per process, before any handle: curl asks it of single-threaded programs. */
	if (!global) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			gh_log("%s: curl_global_init failed", __func__);
			return GH_EINTERNAL;
		}
		global = 1;
	}
	if ((err = calloc(1, CURL_ERROR_SIZE)) == NULL)
		return GH_ENOMEM;
	if ((c = curl_easy_init()) == NULL) {
		free(err);
		return GH_ENOMEM;
	}
	h->h = c;
	h->err = err;
	return GH_OK;
}

void
gh_http_free(struct gh_http *h)
{
	if (h == NULL)
		return;
	if (h->h != NULL)
		curl_easy_cleanup(h->h);
	free(h->err);
	h->h = NULL;
	h->err = NULL;
}

/* Wipe and free a header list: its copies may hold a bearer secret. */
static void
http_headers_free(struct curl_slist *list)
{
	struct curl_slist	*l;

	for (l = list; l != NULL; l = l->next)
		if (l->data != NULL)
			OPENSSL_cleanse(l->data, strlen(l->data));
	curl_slist_free_all(list);
}

/* The curl headers for req, plus "Expect:" so a body is never held back. */
static enum gh_err
http_headers(const struct gh_http_req *req, struct curl_slist **out)
{
	struct curl_slist	*list = NULL, *l;
	size_t			 i;

	for (i = 0; req->headers != NULL && req->headers[i] != NULL; i++) {
		if ((l = curl_slist_append(list, req->headers[i])) == NULL)
			goto fail;
		list = l;
	}
	if ((l = curl_slist_append(list, "Expect:")) == NULL)
		goto fail;
	*out = l;
	return GH_OK;
fail:
	http_headers_free(list);
	return GH_ENOMEM;
}

/*
 * CURLOPT_OPENSOCKETFUNCTION: the one place a socket for a connection is
 * made, with the resolved address in hand.  Refusing is returning
 * CURL_SOCKET_BAD: curl tries the host's next address, if any, and
 * otherwise fails with CURLE_COULDNT_CONNECT.
 */
static curl_socket_t
http_opensocket(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct gh_http_guard	*g = arg;
	char			 addr[GH_NETPOL_ADDRSTR];

	if (purpose != CURLSOCKTYPE_IPCXN ||
	    gh_netpol_check(g->pol, &a->addr, a->addrlen, addr) != GH_OK) {
		if (purpose != CURLSOCKTYPE_IPCXN)
			gh_strlcpy(addr, "(not a connection)", sizeof(addr));
		g->refused = 1;
		gh_strlcpy(g->addr, addr, sizeof(g->addr));
		return CURL_SOCKET_BAD;
	}
	return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

#if LIBCURL_VERSION_NUM >= 0x075000
/*
 * CURLOPT_PREREQFUNCTION: called once the connection is there, new or
 * from the cache, before the request goes out.  A new one passed
 * http_opensocket(); a cached one may have been made under another policy.
 */
static int
http_prereq(void *arg, char *ip, char *local, int port, int lport)
{
	struct gh_http_guard	*g = arg;

	(void)local;
	(void)port;
	(void)lport;
	if (gh_netpol_check_str(g->pol, ip) == GH_OK)
		return CURL_PREREQFUNC_OK;
	g->refused = 1;
	gh_strlcpy(g->addr, ip != NULL ? ip : "?", sizeof(g->addr));
	return CURL_PREREQFUNC_ABORT;
}
#endif

enum gh_err
gh_http_guard(void *curl, struct gh_http_guard *g)
{
	CURL	*c = curl;

	g->refused = 0;
	g->addr[0] = '\0';
	if (g->pol == NULL ||
	    curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, http_opensocket) !=
	    CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, g) != CURLE_OK ||
#if LIBCURL_VERSION_NUM >= 0x075000
	    curl_easy_setopt(c, CURLOPT_PREREQFUNCTION, http_prereq) !=
	    CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_PREREQDATA, g) != CURLE_OK ||
#endif
	    curl_easy_setopt(c, CURLOPT_PROXY, "") != CURLE_OK)
		return GH_EINTERNAL;
	return GH_OK;
}

/* Map a curl failure to our error: what the caller can do differs. */
static enum gh_err
http_err(CURLcode rc)
{
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
		return GH_ETIMEOUT;
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
		return GH_EINVAL;
	case CURLE_OUT_OF_MEMORY:
		return GH_ENOMEM;
	default:
		return GH_EUNAVAIL;
	}
}

/*
 * Set every option of one request on the freshly reset handle c.  The
 * protocols are restricted for the first request and for any redirect
 * (which is not followed anyway), so a "file://" or "gopher://" callback
 * can never be fetched.
 */
static CURLcode
http_setopt(CURL *c, const struct gh_http_req *req, struct curl_slist *hdrs,
    struct http_sink *sink, char *errbuf)
{
	const char	*protos = req->allow_http ? "https,http" : "https";
	CURLcode	 rc;

	if ((rc = curl_easy_setopt(c, CURLOPT_URL, req->url)) != CURLE_OK ||
	    (rc = curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf)) !=
	    CURLE_OK ||
	    (rc = curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L)) != CURLE_OK ||
	    (rc = curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L)) !=
	    CURLE_OK ||
#if LIBCURL_VERSION_NUM >= 0x075500
	    (rc = curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, protos)) !=
	    CURLE_OK ||
	    (rc = curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, protos)) !=
	    CURLE_OK ||
#else
	    (rc = curl_easy_setopt(c, CURLOPT_PROTOCOLS, req->allow_http ?
	    (long)(CURLPROTO_HTTPS | CURLPROTO_HTTP) : (long)CURLPROTO_HTTPS)) !=
	    CURLE_OK ||
	    (rc = curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS, 0L)) !=
	    CURLE_OK ||
#endif
	    (rc = curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
	    (long)req->connect_timeout_ms)) != CURLE_OK ||
	    (rc = curl_easy_setopt(c, CURLOPT_TIMEOUT_MS,
	    (long)req->timeout_ms)) != CURLE_OK ||
	    (rc = curl_easy_setopt(c, CURLOPT_USERAGENT,
	    PACKAGE_NAME "/" PACKAGE_VERSION)) != CURLE_OK ||
	    (rc = curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs)) != CURLE_OK ||
	    (rc = curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, http_sink)) !=
	    CURLE_OK ||
	    (rc = curl_easy_setopt(c, CURLOPT_WRITEDATA, sink)) != CURLE_OK)
		return rc;
	(void)protos;
	if (req->bodylen > 0 || strcmp(req->method, "GET") != 0) {
		/* POSTFIELDS makes it a POST; CUSTOMREQUEST renames the method. */
		if ((rc = curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)req->bodylen)) != CURLE_OK ||
		    (rc = curl_easy_setopt(c, CURLOPT_POSTFIELDS,
		    req->bodylen > 0 ? req->body : "")) != CURLE_OK)
			return rc;
	}
	if (strcmp(req->method, "GET") != 0 &&
	    strcmp(req->method, "POST") != 0)
		rc = curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req->method);
	return rc;
}

/*
 * One request as http.h describes.  A transfer we cut off for its body
 * size still answered: its status is the result.
 */
enum gh_err
gh_http_request(struct gh_http *h, const struct gh_http_req *req,
    int *status, char *errbuf, size_t errsz)
{
	struct http_sink	 sink = { 0, 0, req->resp };
	struct gh_http_guard	 guard;
	struct curl_slist	*hdrs = NULL;
	CURL			*c = h->h;
	enum gh_err		 err;
	CURLcode		 rc;
	long			 code = 0;

	memset(&guard, 0, sizeof(guard));
	if (errsz > 0)
		errbuf[0] = '\0';
	if (c == NULL || req->method == NULL || req->url == NULL ||
	    (req->body == NULL && req->bodylen > 0)) {
		gh_log("%s: bad arguments", __func__);
		return GH_EINTERNAL;
	}
	if ((err = http_headers(req, &hdrs)) != GH_OK)
		return err;
	curl_easy_reset(c);
	h->err[0] = '\0';
	if ((rc = http_setopt(c, req, hdrs, &sink, h->err)) != CURLE_OK) {
		err = http_err(rc);
		if (err == GH_EUNAVAIL)
			err = GH_EINTERNAL;	/* a setopt curl should know */
		goto out;
	}
	guard.pol = req->policy;
	if (req->policy != NULL && (err = gh_http_guard(c, &guard)) != GH_OK)
		goto out;
	rc = curl_easy_perform(c);
	if (curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code) != CURLE_OK)
		code = 0;
	if (rc == CURLE_OK || (rc == CURLE_WRITE_ERROR && sink.cut &&
	    code > 0)) {
		if (code < 100 || code > 999) {
			err = GH_EUNAVAIL;
			rc = CURLE_WEIRD_SERVER_REPLY;
			goto out;
		}
		*status = (int)code;
		if (req->body_cut != NULL)
			*req->body_cut = sink.cut;
		err = GH_OK;
		goto out;
	}
	err = http_err(rc);
	/* No allowed address answered: the refusal is the reason. */
	if (guard.refused)
		err = GH_EFORBIDDEN;
out:
	if (err == GH_EFORBIDDEN && errsz > 0)
		snprintf(errbuf, errsz, "address %s is not allowed",
		    guard.addr);
	else if (err != GH_OK && errsz > 0)
		snprintf(errbuf, errsz, "%s", h->err[0] != '\0' ? h->err :
		    curl_easy_strerror(rc));
	/* The options point into req, hdrs and guard: none may outlive this call. */
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, NULL);
	curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, NULL);
	curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, NULL);
#if LIBCURL_VERSION_NUM >= 0x075000
	curl_easy_setopt(c, CURLOPT_PREREQFUNCTION, NULL);
	curl_easy_setopt(c, CURLOPT_PREREQDATA, NULL);
#endif
	http_headers_free(hdrs);
	return err;
}
