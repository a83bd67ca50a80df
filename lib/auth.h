/* SPDX-License-Identifier: ISC */
/*
 * auth: the toolkit of every service's auth policy.  Parse and bound the
 * credentials a request presents; look a token up by its SHA-256 in the
 * service's table and compare it in constant time; remember the tokens
 * accepted in the last second.  Which table and what a token names stay
 * the service's (its store).
 */
#ifndef GH_AUTH_H
#define GH_AUTH_H

#include <stddef.h>

#include "db.h"
#include "err.h"
#include "token.h"

/*
 * "Bearer <token>" (scheme case-insensitive, one or more spaces, no trailing
 * junk).  On GH_OK *tok and *len borrow from header.  GH_ENOTFOUND for a NULL or
 * empty header or another scheme; GH_EINVAL for a malformed or overlong token
 * (over GH_TOKEN_MAX, or characters outside the RFC 6750 token68 set).
 * Spaces and tabs around the whole value are ignored; between scheme and
 * token only spaces are allowed, so "Bearer\tx" and "Bearer" are GH_EINVAL.
 */
enum gh_err	 gh_auth_bearer(const char *header, const char **tok, size_t *len);

/*
 * X-Auth-Token value: trimmed, token68 characters, at most GH_TOKEN_MAX.
 * GH_ENOTFOUND for NULL or blank, GH_EINVAL otherwise; borrows as above.
 */
enum gh_err	 gh_auth_xtoken(const char *header, const char **tok, size_t *len);

/*
 * "Basic <base64(user:pass)>": decodes into user and pass (NUL-terminated,
 * caller's buffers).  GH_ENOTFOUND when absent/other scheme, GH_EINVAL when
 * malformed, not valid base64, without a colon, or too long for the buffers.
 * The user id ends at the first colon; control characters (NUL above all)
 * in either part are GH_EINVAL.  user and pass are written only on GH_OK.
 */
enum gh_err	 gh_auth_basic(const char *header, char *user, size_t usersz,
		    char *pass, size_t passsz);

/*
 * Look a token up by its SHA-256: bind hash to parameter 1 of st (a
 * statement of db.h's that selects by the hash's index), step to the row
 * and compare the stored hash in column col with hash, whole and in
 * constant time.  GH_OK leaves st on the row, for the caller to read and
 * then gh_stmt_reset(); otherwise st is reset and the result is
 * GH_ENOTFOUND (no such token) or the database's error.  hash is borrowed
 * until then.
 */
enum gh_err	 gh_auth_find(struct gh_stmt *st, int col,
		    const unsigned char hash[GH_SHA256_LEN]);

/*
 * Tokens accepted in the last GH_AUTH_CACHE_US, by their SHA-256, so that
 * a client's stream of requests skips the database read.  The cost, the
 * same in every service: a revoked token goes on working for up to that
 * long in a process that just saw it.  Process state, like the database
 * handle; never a token in the clear.  What a token names lives in the
 * caller's array of GH_AUTH_CACHE_SLOTS, parallel to slot[]: find and add
 * give the index.  A zeroed cache is empty.
 */
#define GH_AUTH_CACHE_SLOTS	8
#define GH_AUTH_CACHE_US	(1000 * 1000)

struct gh_auth_cache {
	struct {
		unsigned char	 hash[GH_SHA256_LEN];
		long long	 until;		/* 0: empty */
	} slot[GH_AUTH_CACHE_SLOTS];
};

/* 1 with the index in *i when hash is cached and live at now_us; else 0. */
int		 gh_auth_cache_find(const struct gh_auth_cache *c,
		    const unsigned char hash[GH_SHA256_LEN], long long now_us,
		    size_t *i);

/*
 * Remember hash from now_us on, evicting the entry that expires first;
 * returns its index, whose value the caller then sets.
 */
size_t		 gh_auth_cache_add(struct gh_auth_cache *c,
		    const unsigned char hash[GH_SHA256_LEN], long long now_us);

/* Forget entry i (the token changed: read it again next time). */
void		 gh_auth_cache_drop(struct gh_auth_cache *c, size_t i);

#endif
