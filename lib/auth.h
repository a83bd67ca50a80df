/* SPDX-License-Identifier: ISC */
/*
 * auth: parse the credentials a request presents.  These only parse and
 * bound; looking the token up is the service's job (its store).
 */
#ifndef GH_AUTH_H
#define GH_AUTH_H

#include <stddef.h>

#include "err.h"

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

#endif
