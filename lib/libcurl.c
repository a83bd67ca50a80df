/* SPDX-License-Identifier: ISC */
/*
 * libcurl: the libcurl functions Gatehouse uses, each passing the call on
 * to the library loaded at first use, as libcurl.h describes.  The handle
 * is never closed: the functions stay in use for the life of the process.
 */
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "libcurl.h"
#include "log.h"

/* What lib/ and the programs call, all of it. */
#define GH_LIBCURL_FUNCS(X)						\
	X(curl_easy_cleanup) X(curl_easy_getinfo) X(curl_easy_init)	\
	X(curl_easy_perform) X(curl_easy_reset) X(curl_easy_setopt)	\
	X(curl_easy_strerror) X(curl_global_init) X(curl_slist_append)	\
	X(curl_slist_free_all)

/*
 * The library's functions (NULL until loaded).  <curl/curl.h> may make
 * curl_easy_setopt and curl_easy_getinfo macros that take arguments:
 * named alone, each is the function.
 */
static struct {
#define GH_LIBCURL_MEMBER(f)	__typeof__(f) *f;
	GH_LIBCURL_FUNCS(GH_LIBCURL_MEMBER)
#undef GH_LIBCURL_MEMBER
} lc;
static int	loaded;

enum gh_err
gh_libcurl_load(char *why, size_t whysz)
{
	const char	*msg;
	void		*h, *sym;

	if (loaded)
		return GH_OK;
	if ((h = dlopen(GH_LIBCURL_SONAME, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		msg = dlerror();
		snprintf(why, whysz, "calling out needs %s (apt-get install "
		    "libcurl4): %s", GH_LIBCURL_SONAME, msg ? msg : "?");
		return GH_ECONFIG;
	}
	/* A function pointer from dlsym()'s void *, as POSIX allows. */
#define GH_LIBCURL_SYM(fn)						\
	if ((sym = dlsym(h, #fn)) == NULL) {				\
		snprintf(why, whysz, "%s has no %s", GH_LIBCURL_SONAME,	\
		    #fn);						\
		dlclose(h);						\
		return GH_ECONFIG;					\
	}								\
	memcpy(&lc.fn, &sym, sizeof(lc.fn));
	GH_LIBCURL_FUNCS(GH_LIBCURL_SYM)
#undef GH_LIBCURL_SYM
	loaded = 1;
	return GH_OK;
}

/* Loaded, or loaded now: 1; else 0, logged once. */
static int
ready(void)
{
	static int	logged;
	char		why[256];

	if (loaded)
		return 1;
	if (gh_libcurl_load(why, sizeof(why)) == GH_OK)
		return 1;
	if (!logged++)
		gh_log("%s", why);
	return 0;
}

CURLcode
curl_global_init(long flags)
{
	return ready() ? lc.curl_global_init(flags) : CURLE_FAILED_INIT;
}

CURL *
curl_easy_init(void)
{
	return ready() ? lc.curl_easy_init() : NULL;
}

void
curl_easy_cleanup(CURL *c)
{
	if (loaded)
		lc.curl_easy_cleanup(c);
}

void
curl_easy_reset(CURL *c)
{
	if (loaded)
		lc.curl_easy_reset(c);
}

CURLcode
curl_easy_perform(CURL *c)
{
	return loaded ? lc.curl_easy_perform(c) : CURLE_FAILED_INIT;
}

const char *
curl_easy_strerror(CURLcode rc)
{
	return ready() ? lc.curl_easy_strerror(rc) : "libcurl is missing";
}

struct curl_slist *
curl_slist_append(struct curl_slist *l, const char *s)
{
	return ready() ? lc.curl_slist_append(l, s) : NULL;
}

void
curl_slist_free_all(struct curl_slist *l)
{
	if (loaded)
		lc.curl_slist_free_all(l);
}

/*
 * The one variable argument, read as the type the option's number says
 * (CURLOPTTYPE_*), as libcurl itself reads it.
 */
#undef curl_easy_setopt
CURLcode
curl_easy_setopt(CURL *c, CURLoption opt, ...)
{
	va_list		ap;
	CURLcode	rc;

	if (!loaded)
		return CURLE_FAILED_INIT;
	va_start(ap, opt);
	if (opt < CURLOPTTYPE_OBJECTPOINT)
		rc = lc.curl_easy_setopt(c, opt, va_arg(ap, long));
	else if (opt < CURLOPTTYPE_FUNCTIONPOINT)
		rc = lc.curl_easy_setopt(c, opt, va_arg(ap, void *));
	else if (opt < CURLOPTTYPE_OFF_T)
		rc = lc.curl_easy_setopt(c, opt, va_arg(ap, void (*)(void)));
	else if (opt < CURLOPTTYPE_BLOB)
		rc = lc.curl_easy_setopt(c, opt, va_arg(ap, curl_off_t));
	else
		rc = lc.curl_easy_setopt(c, opt, va_arg(ap, void *));
	va_end(ap);
	return rc;
}

/* Every CURLINFO_* takes a pointer. */
#undef curl_easy_getinfo
CURLcode
curl_easy_getinfo(CURL *c, CURLINFO info, ...)
{
	va_list		ap;
	CURLcode	rc;

	if (!loaded)
		return CURLE_FAILED_INIT;
	va_start(ap, info);
	rc = lc.curl_easy_getinfo(c, info, va_arg(ap, void *));
	va_end(ap);
	return rc;
}
