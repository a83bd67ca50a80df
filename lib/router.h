/* SPDX-License-Identifier: ISC */
/*
 * router: a service's route table.  A pattern is a path whose segments are
 * literal, "*" (captures one non-empty segment) or, last, "**" (captures the
 * rest, which may hold slashes).  Each route names its methods, its handler,
 * whether it is public (auth runs unless GH_ROUTE_PUBLIC) and its body cap.
 */
#ifndef GH_ROUTER_H
#define GH_ROUTER_H

#include <stddef.h>

#include "err.h"

struct gh_svc;
struct gh_req;
struct gh_res;

typedef enum gh_err gh_handler(struct gh_svc *svc, struct gh_req *req,
    struct gh_res *res);

#define GH_ROUTE_PUBLIC	0x01	/* no auth policy: the table says so */
#define GH_ROUTE_STREAM	0x02	/* the handler streams body and answer (serve.h) */
#define GH_ROUTE_OTHER_METHODS 0x04	/* also methods outside enum gh_method
					   (WebDAV's PROPFIND…): see req->method_name */
#define GH_ROUTE_JSON_ERRORS 0x08	/* errors are {"error": …}, whatever
					   the service's error_body */
/* Flags a service defines for its own routes, n from 0 to 15. */
#define GH_ROUTE_SVC_FLAG(n)	(0x100u << (n))

struct gh_route {
	unsigned	 methods;	/* GH_M() bits */
	const char	*pattern;
	gh_handler	*handler;
	unsigned	 flags;
	size_t		 body_max;	/* 0: the service's default; no body methods ignore it */
};

/*
 * Find the route for req->method and req->path; fill req->cap.  GH_ENOTFOUND
 * when no pattern matches; GH_EMETHOD when patterns match but not the method,
 * with *allow the union of their methods; GH_EINVAL for a bad percent escape
 * or NUL in a captured segment.  *out borrows from routes.
 */
enum gh_err	 gh_route_match(const struct gh_route *routes, size_t n,
		    struct gh_req *req, const struct gh_route **out,
		    unsigned *allow);

#endif
