/* SPDX-License-Identifier: ISC */
/*
 * h1: a small HTTP/1.1 client over plain TCP, for a proxy's hop to an
 * upstream (apihost's http:// grains).  It does what that hop needs and
 * nothing more:
 *   - one request at a time, on connections kept alive and reused per
 *     host and port (GH_H1_CONNS of them, the least recently used goes);
 *   - the request body pulled from the caller as it is sent, with
 *     Content-Length, or chunked when its length is unknown;
 *   - the answer's head handed over a line at a time (1xx heads too) and
 *     its body pushed out as it arrives, framed by Content-Length, chunked
 *     or the end of the connection, and none for HEAD, 204 and 304;
 *   - a time limit on connecting and one on each wait for the upstream;
 *   - the address policy (netpol.h), judged on each address a name
 *     resolves to before a socket is made for it (a kept connection was
 *     judged when it was made: a client serves one policy).
 * The answer's framing is read strictly (RFC 9112, section 6): a
 * Transfer-Encoding wins over a Content-Length and forbids reuse; lengths
 * that differ, a CR or NUL inside a line, a status outside 100-599 and a
 * 101 make it malformed.  Other lines (without a colon, with white space
 * before it, folded) frame nothing and are handed over as they are: what
 * is forwarded is the caller's to filter.  Trailers are read and dropped.
 * No TLS, proxy, redirect, cookie or content coding: https:// stays with
 * libcurl (http.h).  Why not libcurl here too: on the proxy's path, its
 * generality (URL parsing, per-transfer option set-up, header lists, a
 * poll() before every read) cost more CPU than the rest of the request.
 *
 * Names are resolved with getaddrinfo(), which the connect limit does not
 * bound; an upstream is normally an address or a name in /etc/hosts.
 */
#ifndef GH_H1_H
#define GH_H1_H

#include <sys/types.h>
#include <stddef.h>

#include "err.h"
#include "netpol.h"

#define GH_H1_CONNS	4		/* kept-alive connections */
#define GH_H1_BUF	(16 * 1024)	/* bytes read at once */
#define GH_H1_LINE_MAX	(8 * 1024)	/* a head or chunk-size line, no CRLF */
#define GH_H1_HEAD_MAX	(64 * 1024)	/* the answer's heads, 1xx included */
#define GH_H1_HOST_MAX	255		/* a host name, or [IPv6] */
#define GH_H1_ERR_MAX	256		/* room for an error message */

/* One kept-alive connection: in use while host[0] is not NUL. */
struct gh_h1_conn {
	int		 fd;		/* owned, while in use */
	char		 host[GH_H1_HOST_MAX + 1];	/* as in the URL */
	char		 port[6];
	unsigned long	 used;		/* when last used, in requests */
};

/* A client: its connections and its read buffer.  Zeroed, then init. */
struct gh_h1 {
	struct gh_h1_conn conn[GH_H1_CONNS];
	unsigned long	 nreq;		/* requests so far */
	size_t		 off, len;	/* in[off, len): read, not yet used */
	char		 in[GH_H1_BUF];
	/* After a request: whether any of its answer came (a broken answer
	   rather than a broken connection, when it failed). */
	int		 answered;
	/* After GH_EFORBIDDEN: the last address the policy refused. */
	char		 refused[GH_NETPOL_ADDRSTR];
};

/*
 * One request.  The callbacks return 0 to go on, or -1 to stop the
 * request (gh_h1_request then returns GH_EIO and closes the connection:
 * the caller knows why it stopped).
 */
struct gh_h1_req {
	const char	*method;	/* "GET", "PROPFIND"; not checked */
	/* "http://host[:port][/path][?query]": printable ASCII, no space */
	const char	*url;
	/* The request's own header lines, "Name: value\r\n" each, or NULL;
	   never Host, Content-Length, Transfer-Encoding or Connection. */
	const char	*headers;
	size_t		 headers_len;
	int		 has_body;	/* a body follows, pulled by on_read */
	long long	 body_len;	/* its length; -1: unknown (chunked) */
	int		 connect_timeout_ms;	/* 0: none */
	int		 silence_ms;	/* the longest wait for it; 0: none */
	const struct gh_netpol *policy;	/* NULL: any address */

	/* One line of the answer's head, without its CRLF: a status line,
	   header lines, and the empty line that ends each head (1xx too). */
	int		(*on_head)(void *arg, const char *line, size_t n);
	/* Bytes of the answer's body (never for HEAD, 1xx, 204, 304). */
	int		(*on_body)(void *arg, const char *p, size_t n);
	/* Fill p with at most n bytes of the request body: their count, 0
	   at its end, -1 to stop.  Called only when has_body is set. */
	ssize_t		(*on_read)(void *arg, char *p, size_t n);
	void		*arg;
};

/* Make a client with no connections (a zeroed one is too). */
void		 gh_h1_init(struct gh_h1 *c);

/* Close its connections; accepts a zeroed or freed client. */
void		 gh_h1_free(struct gh_h1 *c);

/*
 * Send req and pass its answer to the callbacks.  GH_OK when a whole
 * answer came (any status).  Otherwise, with a message in errbuf (errsz
 * bytes, may be 0):
 *   GH_EINVAL      the URL is not http://host[:port]... (checked first),
 *                  or the request body ended before body_len bytes
 *   GH_EFORBIDDEN  the policy refused every address of the host
 *                  (c->refused names the last one); nothing was sent
 *   GH_ETIMEOUT    once connected, a wait for the upstream passed the
 *                  silence limit
 *   GH_EUNAVAIL    no connection (the connect limit passed, too), or it
 *                  broke, or the answer is malformed (a head line, head
 *                  or chunk size over its limit too)
 *   GH_EIO         a callback returned -1
 *   GH_ENOMEM      out of memory
 * A kept-alive connection that the upstream closed while it was idle is
 * replaced, and the request sent again, when nothing of the answer and
 * nothing of the body had been taken yet.
 */
enum gh_err	 gh_h1_request(struct gh_h1 *c, const struct gh_h1_req *req,
		    char *errbuf, size_t errsz);

/*
 * Read one answer from fd (a connected socket, made non-blocking here)
 * as gh_h1_request does after sending, with req's callbacks and silence
 * limit; head_only for the answer to a HEAD.  *keep is 1 when the
 * connection may carry another request, else 0 (failures included).  For
 * tests and fuzzing.
 */
enum gh_err	 gh_h1_answer(struct gh_h1 *c, int fd,
		    const struct gh_h1_req *req, int head_only, int *keep,
		    char *errbuf, size_t errsz);

#endif
