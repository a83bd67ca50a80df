/* SPDX-License-Identifier: ISC */
/*
 * libcurl: libcurl, loaded when a program first calls out (dlopen), so
 * that one that never does maps none of it nor what it pulls in (GnuTLS,
 * Kerberos, LDAP, SSH, p11-kit): some 400 KiB of private memory a process,
 * for relocations alone.  certmaker calls out only to fetch a challenge,
 * apihost only for an https:// upstream.
 *
 * The programs are not linked with libcurl: lib/libcurl.c defines the
 * libcurl functions lib/ and the programs use (GH_LIBCURL_FUNCS), each
 * loading the library at the first call and passing the call on.  So
 * <curl/curl.h> and its compile-time type checks of curl_easy_setopt()
 * stay as they are.  A function called before the library could be
 * loaded fails as libcurl would: CURLE_FAILED_INIT, or NULL.
 */
#ifndef GH_LIBCURL_H
#define GH_LIBCURL_H

#include <stddef.h>

#include "err.h"

/* The library, by its soname: the runtime package has no .so link. */
#define GH_LIBCURL_SONAME	"libcurl.so.4"

/*
 * Load libcurl and find every function lib/libcurl.c passes on, once per
 * process (later calls return at once).  GH_OK, or GH_ECONFIG with why
 * (whysz bytes) naming what is missing.
 */
enum gh_err	 gh_libcurl_load(char *why, size_t whysz);

#endif
