/* SPDX-License-Identifier: ISC */
/*
 * http: requests to other servers (the factory's callbacks) with libcurl.
 * One easy handle per process, reused so that its connections and DNS
 * cache are too.  Redirects are never followed; only https is spoken (and
 * http where the caller allows it); both time limits always apply; the
 * response body is read and thrown away (or kept in the caller's buffer,
 * when one is given), and a transfer whose body passes GH_HTTP_BODY_MAX
 * (or the buffer's max) is cut off (its status still counts).
 *
 * With an address policy (netpol.h), every address curl is about to
 * connect to is judged first, after DNS resolution, in curl's
 * CURLOPT_OPENSOCKETFUNCTION: a refused address gets no socket, so not
 * even a SYN reaches it, and a name that resolves to an allowed address
 * when checked and a forbidden one later (DNS rebinding) gains nothing,
 * since what is judged is the very address of the socket.  A connection
 * taken from curl's cache is judged again by its peer address in
 * CURLOPT_PREREQFUNCTION.  Proxies are off under a policy: through one,
 * the address connected to would be the proxy's.
 */
#ifndef GH_HTTP_H
#define GH_HTTP_H

#include <stddef.h>

#include "err.h"
#include "netpol.h"
#include "util.h"

#define GH_HTTP_BODY_MAX	(64 * 1024)	/* response bytes read at most */
#define GH_HTTP_ERR_MAX		256		/* room for an error message */

struct gh_http {
	void	*h;	/* owned: the CURL easy handle */
	char	*err;	/* owned: its CURLOPT_ERRORBUFFER */
};

struct gh_http_req {
	const char		*method;	/* "PATCH", "POST", "GET", … */
	const char		*url;
	const char *const	*headers;	/* "Name: value", NULL-terminated; may be NULL */
	const void		*body;		/* may be NULL when bodylen is 0 */
	size_t			 bodylen;
	int			 connect_timeout_ms;
	int			 timeout_ms;	/* the whole transfer */
	int			 allow_http;	/* also http://, not only https:// */
	/* NULL: the body is thrown away; else it is appended here, up to
	   the buffer's max, and *body_cut says whether it was cut short. */
	struct gh_buf		*resp;
	int			*body_cut;
	/* NULL: any address; else the addresses that may be connected to. */
	const struct gh_netpol	*policy;
};

/* What the policy hooks saw during one transfer. */
struct gh_http_guard {
	const struct gh_netpol	*pol;
	int			 refused;	/* some address was refused */
	char			 addr[GH_NETPOL_ADDRSTR]; /* the last refused */
};

/* Make the handle (h zeroed by the caller).  GH_ENOMEM or GH_EINTERNAL. */
enum gh_err	 gh_http_init(struct gh_http *h);

/* Free the handle and its connections; accepts a zeroed struct. */
void		 gh_http_free(struct gh_http *h);

/*
 * Send req and wait for the answer.  GH_OK when an HTTP answer came, with
 * its status in *status (any status: 2xx, 3xx, 410, 500 alike).  Otherwise
 * GH_ETIMEOUT (a time limit passed), GH_EINVAL (a URL curl refuses, or a
 * scheme that is not allowed), GH_EFORBIDDEN (req->policy refused every
 * address of the host: errbuf says "address 10.1.2.3 is not allowed"),
 * GH_EUNAVAIL (no connection, TLS failure,
 * a broken answer) or GH_ENOMEM, with curl's message in errbuf (errsz
 * bytes, may be 0).  Header copies made for curl are wiped afterwards: a
 * header may carry a secret.
 */
enum gh_err	 gh_http_request(struct gh_http *h, const struct gh_http_req *req,
		    int *status, char *errbuf, size_t errsz);

/*
 * Put the policy hooks on curl (a CURL easy handle, after any
 * curl_easy_reset) for callers that drive curl themselves; g (g->pol set,
 * the rest cleared here) must outlive the transfer.  After it,
 * g->refused says whether the policy refused an address.  GH_OK, or
 * GH_EINTERNAL when curl will not take the options.
 */
enum gh_err	 gh_http_guard(void *curl, struct gh_http_guard *g);

#endif
