/* SPDX-License-Identifier: ISC */
/*
 * test_icyfire_path: the _r/_d and _rs path tails, every separator form,
 * bad ids and overlong input; the query argument split.
 */
#include <string.h>

#include "icyfire.h"
#include "tmain.h"

static void
test_slot(void)
{
	static const struct {
		int		 line;
		const char	*s;
		int		 ok;
		long long	 slot, server;
		const char	*a, *b;
	} t[] = {
		{ __LINE__, "314/auth=RrEeAaDd&CcRrEeDd/1", 1, 314, 1,
		    "RrEeAaDd", "CcRrEeDd" },
		{ __LINE__, "123/auth=rReEaAdD&DdEeLlEeTtEe&1", 1, 123, 1,
		    "rReEaAdD", "DdEeLlEeTtEe" },
		{ __LINE__, "10081/auth=a&b&2", 1, 10081, 2, "a", "b" },
		{ __LINE__, "0/auth=a&b&1", 0, 0, 0, NULL, NULL },
		{ __LINE__, "01/auth=a&b&1", 0, 0, 0, NULL, NULL },
		{ __LINE__, "-1/auth=a&b&1", 0, 0, 0, NULL, NULL },
		{ __LINE__, "x/auth=a&b&1", 0, 0, 0, NULL, NULL },
		{ __LINE__, "1/auth=a&b&x", 0, 0, 0, NULL, NULL },
		{ __LINE__, "1/auth=a&b&", 0, 0, 0, NULL, NULL },
		{ __LINE__, "1/auth=a&b", 0, 0, 0, NULL, NULL },
		{ __LINE__, "1/auth=&b&1", 0, 0, 0, NULL, NULL },
		{ __LINE__, "1/auth=a&&1", 0, 0, 0, NULL, NULL },
		{ __LINE__, "1/auth=a&b&1&2", 0, 0, 0, NULL, NULL },
		{ __LINE__, "1/auth=a&b/1/2", 0, 0, 0, NULL, NULL },
		{ __LINE__, "1/auth=a&b&1/", 0, 0, 0, NULL, NULL },
		{ __LINE__, "1/token=a&b&1", 0, 0, 0, NULL, NULL },
		{ __LINE__, "1/auth=a&b&9999999999999", 0, 0, 0, NULL, NULL },
		{ __LINE__, "9999999999999/auth=a&b&1", 0, 0, 0, NULL, NULL },
		{ __LINE__, "", 0, 0, 0, NULL, NULL },
	};
	struct icy_path	p;
	size_t		i;
	enum gh_err	err;

	for (i = 0; i < GH_NELEM(t); i++) {
		err = icy_path_slot(t[i].s, &p);
		TROW(t[i].line, (err == GH_OK) == t[i].ok);
		if (err != GH_OK || !t[i].ok)
			continue;
		TROW(t[i].line, p.slot == t[i].slot && p.server == t[i].server);
		TROW(t[i].line, p.toklen[0] == strlen(t[i].a) &&
		    memcmp(p.tok[0], t[i].a, p.toklen[0]) == 0);
		TROW(t[i].line, p.toklen[1] == strlen(t[i].b) &&
		    memcmp(p.tok[1], t[i].b, p.toklen[1]) == 0);
	}
}

/* A token longer than GH_TOKEN_MAX is refused. */
static void
test_overlong(void)
{
	char		s[GH_TOKEN_MAX + 64];
	struct icy_path	p;

	memset(s, 'a', sizeof(s));
	memcpy(s, "1/auth=", 7);
	memcpy(s + 7 + GH_TOKEN_MAX + 1, "&b&1", 5);
	CU_ASSERT(icy_path_slot(s, &p) == GH_EINVAL);
	memcpy(s, "auth=", 5);
	memcpy(s + 5 + GH_TOKEN_MAX + 1, "&b/query=flag:1", 16);
	CU_ASSERT(icy_path_query(s, &p) == GH_EINVAL);
}

static void
test_query(void)
{
	static const struct {
		int		 line;
		const char	*s;
		enum gh_err	 err;
		const char	*arg, *data;
	} t[] = {
		{ __LINE__, "auth=ReAd&SeCuRiTy/query=sentry_id:23", GH_OK,
		    "sentry_id", "23" },
		{ __LINE__, "auth=r&s/query=flag:True", GH_OK, "flag", "True" },
		{ __LINE__, "auth=r&s/query=ip_address:2001:db8::1", GH_OK,
		    "ip_address", "2001:db8::1" },
		{ __LINE__, "auth=r&s/query=ip_address:::1", GH_OK,
		    "ip_address", "::1" },
		{ __LINE__, "auth=r&s/query=endpoint:api._r", GH_OK,
		    "endpoint", "api._r" },
		{ __LINE__, "auth=r&s/query=flag", GH_ENOTFOUND, NULL, NULL },
		{ __LINE__, "auth=r&s/query=:x", GH_ENOTFOUND, NULL, NULL },
		{ __LINE__, "auth=r&s/query=flag:", GH_ENOTFOUND, NULL, NULL },
		{ __LINE__, "auth=r&s/flag:1", GH_ENOTFOUND, NULL, NULL },
		{ __LINE__, "auth=r&s", GH_EINVAL, NULL, NULL },
		{ __LINE__, "auth=r/query=flag:1", GH_EINVAL, NULL, NULL },
		{ __LINE__, "auth=r&s&t/query=flag:1", GH_EINVAL, NULL, NULL },
		{ __LINE__, "x=r&s/query=flag:1", GH_EINVAL, NULL, NULL },
	};
	struct icy_path	p;
	size_t		i;
	enum gh_err	err;

	for (i = 0; i < GH_NELEM(t); i++) {
		err = icy_path_query(t[i].s, &p);
		TROW(t[i].line, err == t[i].err);
		if (err != GH_OK || t[i].err != GH_OK)
			continue;
		TROW(t[i].line, strcmp(p.arg, t[i].arg) == 0);
		TROW(t[i].line, strcmp(p.data, t[i].data) == 0);
	}
}

static const struct tcase tests[] = {
	TCASE(test_slot),
	TCASE(test_overlong),
	TCASE(test_query),
};
TMAIN("icyfire_path", tests)
