/* SPDX-License-Identifier: ISC */
/*
 * err: descriptions and HTTP statuses of enum gh_err, from one table so
 * that a new error cannot be added without both.
 */
#include "err.h"

#include "util.h"

struct gh_errinfo {
	const char	*str;
	int		 status;
};

/*
 * Indexed by enum gh_err.  Sized by its initialisers so that the static
 * assertion below fails when an error is appended to the enum but not here.
 */
static const struct gh_errinfo errtab[] = {
	[GH_OK] =		{ "success", 200 },
	[GH_EINVAL] =		{ "invalid input", 400 },
	[GH_EAUTH] =		{ "authentication required", 401 },
	[GH_EFORBIDDEN] =	{ "forbidden", 403 },
	[GH_ENOTFOUND] =	{ "not found", 404 },
	[GH_EMETHOD] =		{ "method not allowed", 405 },
	[GH_ECONFLICT] =	{ "conflict", 409 },
	[GH_EGONE] =		{ "gone", 410 },
	[GH_ETOOBIG] =		{ "too large", 413 },
	[GH_ETOOLONG] =		{ "too long", 414 },
	[GH_EMEDIA] =		{ "unsupported media type", 415 },
	[GH_EUNAVAIL] =		{ "service unavailable", 503 },
	[GH_EBUSY] =		{ "busy, try again", 503 },
	[GH_ETIMEOUT] =		{ "timed out", 503 },
	[GH_ENOMEM] =		{ "out of memory", 500 },
	[GH_EIO] =		{ "input/output error", 500 },
	[GH_EDB] =		{ "database error", 500 },
	[GH_ECRYPTO] =		{ "cryptographic library error", 500 },
	[GH_ECONFIG] =		{ "invalid configuration", 500 },
	[GH_EINTERNAL] =	{ "internal error", 500 },
};

_Static_assert(GH_NELEM(errtab) == GH_ERR__MAX,
    "errtab must have one entry per enum gh_err");

/*
 * Look err up; NULL for a value outside the enum (a cast integer) or a
 * hole left in the table, which the callers treat as an internal error.
 */
static const struct gh_errinfo *
errinfo(enum gh_err err)
{
	if ((unsigned int)err >= GH_ERR__MAX || errtab[err].str == NULL)
		return NULL;
	return &errtab[err];
}

const char *
gh_strerror(enum gh_err err)
{
	const struct gh_errinfo	*ei;

	ei = errinfo(err);
	if (ei == NULL)
		return "unknown error";
	return ei->str;
}

int
gh_err_status(enum gh_err err)
{
	const struct gh_errinfo	*ei;

	ei = errinfo(err);
	if (ei == NULL)
		return 500;
	return ei->status;
}
