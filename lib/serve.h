/* SPDX-License-Identifier: ISC */
/*
 * serve: the loop every FastCGI program runs.  Once per process the service
 * sets up its state (config, database, keys) in a struct gh_svc; per request
 * serve parses with bounds, routes (404, 405 with Allow), applies the auth
 * policy, calls the handler, maps its error to a status, writes the answer
 * with security headers and logs one line.  Run as plain CGI it serves the
 * one request in its environment.
 */
#ifndef GH_SERVE_H
#define GH_SERVE_H

#include <stddef.h>
#include <sys/types.h>

#include "err.h"
#include "req.h"
#include "router.h"
#include "util.h"

struct gh_svc {
	const char		*name;		/* "factory" */
	const struct gh_route	*routes;
	size_t			 nroutes;
	size_t			 body_max;	/* default body cap; 0: GH_BODY_MAX_DEFAULT */
	/* The auth policy of every non-public route; fills req->principal. */
	enum gh_err		(*auth)(struct gh_svc *, struct gh_req *, struct gh_res *);
	/*
	 * Render res->err/errmsg as the body; NULL, or on a route with
	 * GH_ROUTE_JSON_ERRORS: {"error": "<message>"}.
	 */
	void			(*error_body)(struct gh_svc *, struct gh_req *, struct gh_res *);
	/* Called once the answer has been sent (FastCGI: finished); may be NULL. */
	void			(*after)(struct gh_svc *);
	/*
	 * May be NULL.  Called before each wait for the next request (not
	 * after every one: under load there is no wait); returns how long
	 * the process may wait, in milliseconds, before it must be called
	 * again (-1: until a request comes).  For work that must not wait
	 * for traffic, such as writing what a service batched.
	 */
	int			(*idle)(struct gh_svc *);
	const char *const	*mask;		/* path prefixes to mask in logs; may be NULL */
	int			 log_requests;
	void			*ctx;		/* the service's own state */
	/*
	 * The service's state of one request (reqctx_size bytes; may be
	 * NULL): zeroed before each request and lent to it as req->ctx, so
	 * that handlers see this request's values, never the last one's.
	 * It holds until the next request begins, for the after hook.
	 */
	void			*reqctx;
	size_t			 reqctx_size;
};

/*
 * Serve until SIGTERM, which lets the request in hand finish (FastCGI), or
 * one request (CGI).  Returns the process exit status.
 */
int		 gh_serve(struct gh_svc *svc);

/* Reads the request body into req->body (at most body_max bytes). */
typedef enum gh_err gh_body_reader(struct gh_req *req, size_t body_max,
    void *arg);

/*
 * The per-request core: begin the service's state of the request unless
 * req->ctx is set, route (404, 405), check the body cap (413) and run
 * the auth policy before any body is read, then read the body with
 * read_body (NULL: req->body is already filled, as in the unit tests), call
 * the handler and turn its error into a status and body.  req must have been
 * parsed with gh_req_parse().  Used by gh_serve() and the unit tests.
 */
void		 gh_dispatch(struct gh_svc *svc, struct gh_req *req,
		    struct gh_res *res, gh_body_reader *read_body, void *arg);

/*
 * Streaming routes (GH_ROUTE_STREAM: a gateway) read the request body and
 * write the whole answer themselves, in constant memory, through req->io:
 * the FastCGI streams, or stdin and stdout under CGI.  No body is read
 * before such a handler runs (the route's body cap still applies to
 * Content-Length).  gh_io_read() returns the bytes read, 0 at the end of
 * the body, -1 on error; gh_io_write() and gh_io_flush() return 0, or -1
 * when the client has gone.
 */
ssize_t		 gh_io_read(struct gh_io *io, void *p, size_t n);
int		 gh_io_write(struct gh_io *io, const void *p, size_t n);
int		 gh_io_flush(struct gh_io *io);

/*
 * Write the head of a streamed answer: "Status: <res->status> <reason>"
 * (NULL: the standard phrase), nosniff, no-store when res->secret, and
 * res->head (which must name Content-Type and, if known, Content-Length),
 * then the blank line.  Marks res->sent, so that serve writes nothing
 * more; the body follows with gh_io_write().  GH_EIO if the client is gone.
 */
enum gh_err	 gh_res_send_head(struct gh_req *req, struct gh_res *res,
		    const char *reason);

/* Render res (status line as CGI "Status:", headers, body) into out. */
enum gh_err	 gh_res_render(const struct gh_res *res, int head_only,
		    struct gh_buf *out);

#endif
