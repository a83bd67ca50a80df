/* SPDX-License-Identifier: ISC */
/*
 * valid: validators for names and URLs that arrive from outside.  Each
 * returns GH_OK or GH_EINVAL with a static reason in *why (if not NULL).
 */
#ifndef GH_VALID_H
#define GH_VALID_H

#include <stddef.h>

#include "err.h"

#define GH_DOMAIN_MAX	253

/*
 * A DNS host name: labels of letters, digits and inner hyphens, 1-63 bytes
 * each, at least two labels, 253 bytes in all, no trailing dot (IDNs in
 * their xn-- form).  out (at least GH_DOMAIN_MAX + 1) gets it lower-cased.
 */
enum gh_err	 gh_valid_domain(const char *s, size_t len, char *out,
		    size_t outsz, const char **why);

/*
 * An absolute URL for a server to call: https:// (or http:// when allow_http),
 * a host (DNS name, IPv4 or [IPv6]), optional port 1-65535, optional path;
 * no user info, query, fragment, whitespace or control characters; at most
 * 2048 bytes.
 */
enum gh_err	 gh_valid_url(const char *s, size_t len, int allow_http,
		    const char **why);

#endif
