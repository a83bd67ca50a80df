/* SPDX-License-Identifier: ISC */
/*
 * pq: libpq loaded at first use, as pq.h describes.  The handle is never
 * closed: the functions stay in use for the life of the process.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "pq.h"

struct gh_pq	gh_pq;

enum gh_err
gh_pq_load(char *why, size_t whysz)
{
	static int	 loaded;
	struct gh_pq	 f;
	const char	*msg;
	void		*h, *sym;

	if (loaded)
		return GH_OK;
	if ((h = dlopen(GH_PQ_SONAME, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		msg = dlerror();
		snprintf(why, whysz, "database: PostgreSQL needs %s (apt-get "
		    "install libpq5): %s", GH_PQ_SONAME, msg ? msg : "?");
		return GH_ECONFIG;
	}
	/* A function pointer from dlsym()'s void *, as POSIX allows. */
#define GH_PQ_SYM(fn)							\
	if ((sym = dlsym(h, #fn)) == NULL) {				\
		snprintf(why, whysz, "database: %s has no %s",		\
		    GH_PQ_SONAME, #fn);					\
		dlclose(h);						\
		return GH_ECONFIG;					\
	}								\
	memcpy(&f.fn##_p, &sym, sizeof(f.fn##_p));
	GH_PQ_FUNCS(GH_PQ_SYM)
#undef GH_PQ_SYM
	gh_pq = f;
	loaded = 1;
	return GH_OK;
}
