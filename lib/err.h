/* SPDX-License-Identifier: ISC */
/*
 * err: the one error type of Gatehouse.  Every function that can fail returns
 * an enum gh_err; gh_err_status() maps it to the HTTP status a request answers.
 */
#ifndef GH_ERR_H
#define GH_ERR_H

enum gh_err {
	GH_OK = 0,
	GH_EINVAL,	/* bad input from outside: 400 */
	GH_EAUTH,	/* missing or wrong credentials: 401 */
	GH_EFORBIDDEN,	/* authenticated but not allowed: 403 */
	GH_ENOTFOUND,	/* no such thing: 404 */
	GH_EMETHOD,	/* route exists, method does not: 405 */
	GH_ECONFLICT,	/* clashes with existing state: 409 */
	GH_EGONE,	/* existed, no longer does: 410 */
	GH_ETOOBIG,	/* body over its cap: 413 */
	GH_ETOOLONG,	/* path or header over its cap: 414 / 431 */
	GH_EMEDIA,	/* wrong content type: 415 */
	GH_EUNAVAIL,	/* a backend is down or said "error": 503 */
	GH_EBUSY,	/* database locked past busy_timeout: 503 */
	GH_ETIMEOUT,	/* a backend took too long: 503 */
	GH_ENOMEM,	/* out of memory: 500 */
	GH_EIO,		/* a system call failed: 500 */
	GH_EDB,		/* the database failed: 500 */
	GH_ECRYPTO,	/* OpenSSL failed: 500 */
	GH_ECONFIG,	/* configuration invalid: 500 at run time */
	GH_EINTERNAL,	/* a bug: 500 */
	GH_ERR__MAX
};

/* A short static English description of err; never NULL. */
const char	*gh_strerror(enum gh_err err);

/* The HTTP status a request answers for err (200 for GH_OK). */
int		 gh_err_status(enum gh_err err);

#endif
