/* SPDX-License-Identifier: ISC */
/*
 * req: the request and response of one FastCGI (or CGI) exchange.  Both are
 * reset, not freed, between requests so their buffers are reused.  The
 * request owns what it parsed; handlers borrow.
 */
#ifndef GH_REQ_H
#define GH_REQ_H

#include <stddef.h>

#include "err.h"
#include "util.h"

struct json_object;
struct gh_route;
struct gh_io;

enum gh_method {
	GH_GET,
	GH_HEAD,
	GH_POST,
	GH_PUT,
	GH_PATCH,
	GH_DELETE,
	GH_OPTIONS,
	GH_METHOD__MAX
};
#define GH_M(m)		(1u << (m))

#define GH_PATH_MAX		2048		/* longer: 414 */
#define GH_QUERY_MAX		2048		/* longer: 414 */
#define GH_HEADERS_MAX		(16 * 1024)	/* all HTTP_* together; more: 431 */
#define GH_BODY_MAX_DEFAULT	(64 * 1024)	/* per service, per route */
#define GH_MAX_CAPTURES		4
#define GH_ERRMSG_MAX		256

struct gh_capture {
	const char	*s;	/* into req->capbuf, NUL-terminated, percent-decoded */
	size_t		 len;
};

struct gh_req {
	enum gh_method		 method;	/* GH_METHOD__MAX if unknown */
	const char		*method_name;	/* borrowed from env */
	char			 path[GH_PATH_MAX + 1];		/* raw, no query */
	char			 query[GH_QUERY_MAX + 1];	/* raw, no '?' */
	char			 capbuf[GH_PATH_MAX + 1];
	struct gh_capture	 cap[GH_MAX_CAPTURES];
	size_t			 ncap;
	const char *const	*env;		/* borrowed: FastCGI params or environ */
	const char		*remote_addr;	/* borrowed from env; "" if unknown */
	long long		 content_length;	/* -1 if none was given */
	struct gh_buf		 body;
	const struct gh_route	*route;
	void			*principal;	/* what the auth policy found; service-owned */
	void			*ctx;		/* borrowed: the service's state
						   of this request (serve.h) */
	struct gh_io		*io;		/* borrowed: the raw streams (serve.h); NULL in unit tests */
	long long		 start_us;
};

struct gh_res {
	int			 status;	/* 0 until set */
	const char		*content_type;	/* static */
	struct gh_buf		 head;		/* extra "Name: value\r\n" lines */
	struct gh_buf		 body;
	enum gh_err		 err;		/* GH_OK unless the handler failed */
	char			 errmsg[GH_ERRMSG_MAX];
	unsigned		 allow;		/* GH_M() bits for a 405's Allow */
	int			 secret;	/* carries a secret: Cache-Control: no-store */
	int			 sent;		/* a streaming handler wrote the answer itself */
};

void		 gh_req_init(struct gh_req *req);
void		 gh_req_reset(struct gh_req *req);
void		 gh_req_free(struct gh_req *req);
void		 gh_res_init(struct gh_res *res);
void		 gh_res_reset(struct gh_res *res);
void		 gh_res_free(struct gh_res *res);

/* "GET" for GH_GET, …; "?" out of range. */
const char	*gh_method_name(enum gh_method m);
/* Parse a method name; GH_EMETHOD if unknown. */
enum gh_err	 gh_method_parse(const char *s, enum gh_method *out);

/*
 * Fill req from CGI-style params (REQUEST_METHOD, or GATEHOUSE_REQUEST_METHOD
 * where the web server replaced the method; REQUEST_URI, CONTENT_LENGTH,
 * REMOTE_ADDR, HTTP_*).  Enforces the method, path, query and header caps,
 * and rejects a CONTENT_LENGTH over body_max (GH_ETOOBIG) before any body is
 * read.  On failure res carries the error to answer.
 */
enum gh_err	 gh_req_parse(struct gh_req *req, const char *const *env,
		    size_t body_max, struct gh_res *res);

/*
 * Percent-decode n bytes of s into out (outsz bytes, NUL-terminated); with
 * plus, '+' becomes a space (query strings).  GH_EINVAL for a bad escape or a
 * decoded NUL, GH_ETOOLONG if out is too small.  *outlen may be NULL.
 */
enum gh_err	 gh_pct_decode(const char *s, size_t n, int plus, char *out,
		    size_t outsz, size_t *outlen);

/* A CGI param ("CONTENT_TYPE", "HTTP_AUTHORIZATION"); borrowed; NULL if absent. */
const char	*gh_req_param(const struct gh_req *req, const char *name);

/*
 * Decoded value of query argument name into out; GH_ENOTFOUND if absent,
 * GH_EINVAL if malformed (bad escape, NUL) or longer than outsz - 1.
 */
enum gh_err	 gh_req_query(const struct gh_req *req, const char *name,
		    char *out, size_t outsz);

/* 1 when CONTENT_TYPE's media type (before ';') equals type, case-insensitive. */
int		 gh_req_is_type(const struct gh_req *req, const char *type);

/*
 * Record a failure on res: err, and a message for the client (printf-style).
 * Returns err, so a handler can `return gh_fail(res, GH_EINVAL, "…")`.
 */
enum gh_err	 gh_fail(struct gh_res *res, enum gh_err err, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));

/* Add a response header line; name and value must not contain CR or LF. */
enum gh_err	 gh_res_header(struct gh_res *res, const char *name,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Set status and a JSON body (application/json) serialised from obj (borrowed). */
enum gh_err	 gh_res_json(struct gh_res *res, int status, struct json_object *obj);

/*
 * The body every Gatehouse API without its own format answers errors
 * with: {"error": "<res->errmsg>"} at res->status.  GH_ENOMEM if it cannot
 * be built (res is left as it was).
 */
enum gh_err	 gh_res_error_json(struct gh_res *res);

/* Set status and a text body of the given content type. */
enum gh_err	 gh_res_text(struct gh_res *res, int status, const char *type,
		    const char *text, size_t len);

/* Reason phrase of an HTTP status ("Not Found"); "Unknown" if not known. */
const char	*gh_status_text(int status);

#endif
