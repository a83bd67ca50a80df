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
 * The last label must not read as a number (all digits, or 0x and hex),
 * as inet_aton() would take "1.2.3.4" or "a.0x7f" for an address.  out may
 * be NULL to only check; it is written only on GH_OK (else GH_EINVAL when
 * outsz <= len).
 */
enum gh_err	 gh_valid_domain(const char *s, size_t len, char *out,
		    size_t outsz, const char **why);

/*
 * An absolute URL for a server to call: https:// (or http:// when allow_http),
 * a host (DNS name, IPv4 or [IPv6]), optional port 1-65535, optional path;
 * no user info, query, fragment, whitespace or control characters; at most
 * 2048 bytes.
 * The host name follows gh_valid_domain's rules but may be one label
 * ("localhost"); IPv4 is a strict dotted quad; the port has no leading zero;
 * the path holds only RFC 3986 pchars and "/" with well-formed %XX.  This is
 * syntax only: which hosts may be called is the service's policy.
 */
enum gh_err	 gh_valid_url(const char *s, size_t len, int allow_http,
		    const char **why);

#endif
