/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for apihost's store and its checks of names, each on a fresh
 * database in a temporary directory.  The suite runs twice: on SQLite,
 * then on a throwaway PostgreSQL (tpg.h), where each test drops and
 * recreates the schema.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apihost.h"
#include "token.h"
#include "tdir.h"
#include "tmain.h"
#include "tpg.h"

static char	dir[PATH_MAX], conf[PATH_MAX + 32];
static int	pg;	/* this round runs on PostgreSQL */

/* A second process on the same database, as another node would be. */
static int
open_again(struct apihost *a)
{
	char	errbuf[512];

	if (apihost_open(a, conf, 0, errbuf, sizeof(errbuf)) != GH_OK) {
		printf("open_again: %s\n", errbuf);
		return -1;
	}
	return 0;
}

static int
setup(struct apihost *a)
{
	char	key[PATH_MAX + 32], errbuf[512], extra[PATH_MAX + 128];

	snprintf(extra, sizeof(extra), "[apihost]\n"
	    "public_url = https://api.test\n");
	if (pg) {
		if (tpg_start() == NULL ||
		    tpg_exec("DROP SCHEMA IF EXISTS apihost CASCADE") != 0)
			return -1;
		snprintf(extra, sizeof(extra), "database = %s\n[apihost]\n"
		    "public_url = https://api.test\n", tpg_uri);
	}
	if (tdir_state(dir, sizeof(dir), conf, sizeof(conf), extra) != 0)
		return -1;
	snprintf(key, sizeof(key), "%s/secret.key", dir);
	if (gh_key_create(key) != GH_OK)
		return -1;
	if (apihost_open(a, conf, GH_DB_CREATE, errbuf, sizeof(errbuf)) !=
	    GH_OK) {
		printf("setup: %s\n", errbuf);
		return -1;
	}
	return 0;
}

/* The directory goes with the suite's (tdir.h). */
static void
teardown(struct apihost *a)
{
	apihost_close(a);
}

static void
count_grain(const struct apihost_grain *g, long long ntokens, void *arg)
{
	long long	*n = arg;

	(void)g;
	*n += 1 + 100 * ntokens;
}

static void
test_grains(void)
{
	struct apihost		a;
	struct apihost_grain	g;
	char			secret[GH_TOKEN_LEN + 1];
	long long		n = 0;

	CU_ASSERT_FATAL(setup(&a) == 0);
	CU_ASSERT_EQUAL(gh_token_new(secret), GH_OK);
	CU_ASSERT_EQUAL(apihost_store_grain_add(&a, "echo",
	    "http://127.0.0.1:9",
	    "/api/", secret), GH_OK);
	CU_ASSERT_EQUAL(apihost_store_grain_add(&a, "echo",
	    "http://127.0.0.1:9",
	    "/api/", "other"), GH_ECONFLICT);
	CU_ASSERT_EQUAL(apihost_store_grain_by_secret(&a, secret,
	    strlen(secret), &g), GH_OK);
	CU_ASSERT_STRING_EQUAL(g.name, "echo");
	CU_ASSERT_STRING_EQUAL(g.upstream, "http://127.0.0.1:9");
	CU_ASSERT_STRING_EQUAL(g.api_path, "/api/");
	CU_ASSERT_EQUAL(apihost_store_grain_by_secret(&a, secret,
	    strlen(secret) - 1, &g), GH_ENOTFOUND);
	CU_ASSERT_EQUAL(apihost_store_grain_list(&a, count_grain, &n), GH_OK);
	CU_ASSERT_EQUAL(n, 1);
	CU_ASSERT_EQUAL(apihost_store_grain_remove(&a, "echo"), GH_OK);
	CU_ASSERT_EQUAL(apihost_store_grain_remove(&a, "echo"), GH_ENOTFOUND);
	teardown(&a);
}

static void
test_tokens(void)
{
	struct apihost			a;
	struct apihost_token		t;
	struct apihost_token_new	nt;
	unsigned char			hash[GH_SHA256_LEN];
	char				tok[GH_TOKEN_LEN + 1];
	long long			id, n = 0;

	CU_ASSERT_FATAL(setup(&a) == 0);
	CU_ASSERT_EQUAL(apihost_store_grain_add(&a, "g", "http://127.0.0.1:9",
	    "/",
	    "s"), GH_OK);
	memset(&nt, 0, sizeof(nt));
	nt.grain = "nope";
	nt.username = "Ada";
	CU_ASSERT_EQUAL(gh_token_new(tok), GH_OK);
	CU_ASSERT_EQUAL(apihost_store_token_add(&a, &nt, tok, &id),
	    GH_ENOTFOUND);
	nt.grain = "g";
	nt.user_id = "u1";
	nt.permissions = "read,write";
	nt.petname = "laptop";
	nt.expires_unused = gh_now() + 60;
	CU_ASSERT_EQUAL(apihost_store_token_add(&a, &nt, tok, &id), GH_OK);

	gh_sha256(tok, strlen(tok), hash);
	CU_ASSERT_EQUAL(apihost_store_token_by_hash(&a, hash, &t), GH_OK);
	CU_ASSERT_EQUAL(t.id, id);
	CU_ASSERT(t.has_user);
	CU_ASSERT_STRING_EQUAL(t.user_id, "u1");
	CU_ASSERT_STRING_EQUAL(t.username, "Ada");
	CU_ASSERT_STRING_EQUAL(t.permissions, "read,write");
	CU_ASSERT_STRING_EQUAL(t.petname, "laptop");
	CU_ASSERT_STRING_EQUAL(t.grain.name, "g");
	CU_ASSERT(t.expires_unused > 0);
	CU_ASSERT_EQUAL(t.last_used, 0);

	/* A keepalive extends an unused token; a use makes it permanent. */
	CU_ASSERT_EQUAL(apihost_store_token_keepalive(&a, id, gh_now() + 600),
	    GH_OK);
	CU_ASSERT_EQUAL(apihost_store_token_by_hash(&a, hash, &t), GH_OK);
	CU_ASSERT(t.expires_unused >= gh_now() + 590);
	CU_ASSERT_EQUAL(apihost_store_token_used(&a, id, 1234), GH_OK);
	CU_ASSERT_EQUAL(apihost_store_token_by_hash(&a, hash, &t), GH_OK);
	CU_ASSERT_EQUAL(t.expires_unused, 0);
	CU_ASSERT_EQUAL(t.last_used, 1234);

	/* Purge takes only lapsed unused tokens. */
	CU_ASSERT_EQUAL(gh_token_new(tok), GH_OK);
	nt.expires_unused = 100;	/* long gone */
	CU_ASSERT_EQUAL(apihost_store_token_add(&a, &nt, tok, NULL), GH_OK);
	CU_ASSERT_EQUAL(apihost_store_token_purge(&a, gh_now(), &n), GH_OK);
	CU_ASSERT_EQUAL(n, 1);
	gh_sha256(tok, strlen(tok), hash);
	CU_ASSERT_EQUAL(apihost_store_token_by_hash(&a, hash, &t),
	    GH_ENOTFOUND);

	CU_ASSERT_EQUAL(apihost_store_token_revoke(&a, id), GH_OK);
	CU_ASSERT_EQUAL(apihost_store_token_revoke(&a, id), GH_ENOTFOUND);
	CU_ASSERT_EQUAL(apihost_store_token_revoke(&a, id + 100), GH_ENOTFOUND);
	/* Removing the grain removes its tokens. */
	CU_ASSERT_EQUAL(apihost_store_grain_remove(&a, "g"), GH_OK);
	teardown(&a);
}

static void
test_offers(void)
{
	struct apihost			a;
	struct apihost_token		t;
	struct apihost_token_new	nt;
	struct gh_buf			tmpl, clear;
	unsigned char			page[GH_SHA256_LEN];
	char				tok[GH_TOKEN_LEN + 1];

	CU_ASSERT_FATAL(setup(&a) == 0);
	CU_ASSERT_EQUAL(apihost_store_grain_add(&a, "g", "http://127.0.0.1:9",
	    "/",
	    "s"), GH_OK);
	CU_ASSERT_EQUAL(apihost_store_grain_by_secret(&a, "s", 1, &t.grain),
	    GH_OK);
	memset(&nt, 0, sizeof(nt));
	nt.grain_id = t.grain.id;
	nt.expires_unused = gh_now() + 900;
	CU_ASSERT_EQUAL(gh_token_new(tok), GH_OK);
	gh_sha256("page", 4, page);
	CU_ASSERT_EQUAL(apihost_store_offer_add(&a, &nt, tok, page,
	    "use $API_TOKEN"), GH_OK);
	gh_buf_init(&tmpl, 0);
	gh_buf_init(&clear, 0);
	CU_ASSERT_EQUAL(apihost_store_offer_get(&a, page, &tmpl, &clear, &t),
	    GH_OK);
	CU_ASSERT_STRING_EQUAL(tmpl.data, "use $API_TOKEN");
	CU_ASSERT_STRING_EQUAL(clear.data, tok);
	CU_ASSERT(t.expires_unused > 0);
	gh_sha256("other", 5, page);
	CU_ASSERT_EQUAL(apihost_store_offer_get(&a, page, &tmpl, &clear, &t),
	    GH_ENOTFOUND);
	gh_buf_free(&tmpl);
	gh_buf_free(&clear);
	teardown(&a);
}

static void
test_valid(void)
{
	static const struct {
		int		 line;
		int		 (*fn)(const char *);
		const char	*s;
		int		 want;
	} t[] = {
		{ __LINE__, apihost_valid_name, "echo-1.x_y", 1 },
		{ __LINE__, apihost_valid_name, "", 0 },
		{ __LINE__, apihost_valid_name, "a b", 0 },
		{ __LINE__, apihost_valid_upstream, "http://127.0.0.1:8080", 1 },
		{ __LINE__, apihost_valid_upstream, "https://app.example/base", 1 },
		{ __LINE__, apihost_valid_upstream, "http://127.0.0.1:8080/", 0 },
		{ __LINE__, apihost_valid_upstream, "ftp://x", 0 },
		{ __LINE__, apihost_valid_upstream, "http://u@x", 0 },
		{ __LINE__, apihost_valid_upstream, "http://x?q", 0 },
		{ __LINE__, apihost_valid_upstream, "http://", 0 },
		{ __LINE__, apihost_valid_api_path, "/api/", 1 },
		{ __LINE__, apihost_valid_api_path, "/", 1 },
		{ __LINE__, apihost_valid_api_path, "/api", 0 },
		{ __LINE__, apihost_valid_api_path, "api/", 0 },
		{ __LINE__, apihost_valid_api_path, "/a/../b/", 0 },
		{ __LINE__, apihost_valid_perm, "read", 1 },
		{ __LINE__, apihost_valid_perm, "a.b_c-1", 1 },
		{ __LINE__, apihost_valid_perm, "", 0 },
		{ __LINE__, apihost_valid_perm, "a,b", 0 },
		{ __LINE__, apihost_valid_perm, "a b", 0 },
		{ __LINE__, apihost_valid_perm, "read\r\n", 0 },
		{ __LINE__, apihost_valid_perms, "", 1 },
		{ __LINE__, apihost_valid_perms, "read,write", 1 },
		{ __LINE__, apihost_valid_perms, "read,", 0 },
		{ __LINE__, apihost_valid_perms, ",read", 0 },
		{ __LINE__, apihost_valid_perms, "a,,b", 0 },
		{ __LINE__, apihost_valid_perms, "a b", 0 },
		{ __LINE__, apihost_target_ok, "/a/b%20c", 1 },
		{ __LINE__, apihost_target_ok, "x=1&y=%0d%0a", 1 },
		{ __LINE__, apihost_target_ok, "", 1 },
		{ __LINE__, apihost_target_ok, "/\xc3\xbc", 1 },
		{ __LINE__, apihost_target_ok, "/a b", 0 },
		{ __LINE__, apihost_target_ok, "/a\tb", 0 },
		{ __LINE__, apihost_target_ok, "/a\r\nX: y", 0 },
		{ __LINE__, apihost_target_ok, "/a\x7f", 0 },
		{ __LINE__, apihost_target_ok, "/a#b", 0 },
		{ __LINE__, apihost_path_safe, "/", 1 },
		{ __LINE__, apihost_path_safe, "", 0 },
		{ __LINE__, apihost_path_safe, "/a/b.c/...d/", 1 },
		{ __LINE__, apihost_path_safe, "/a/..b/%2e%2ex", 1 },
		{ __LINE__, apihost_path_safe, "/..", 0 },
		{ __LINE__, apihost_path_safe, "/a/./b", 0 },
		{ __LINE__, apihost_path_safe, "/a/../b", 0 },
		{ __LINE__, apihost_path_safe, "/a/%2e%2E/b", 0 },
		{ __LINE__, apihost_path_safe, "/a/.%2e", 0 },
		{ __LINE__, apihost_path_safe, "/a/%2E", 0 },
		{ __LINE__, apihost_path_safe, "/a/..%2Fb", 0 },
		{ __LINE__, apihost_path_safe, "/a/..%2fb", 0 },
		{ __LINE__, apihost_path_safe, "/a/%2e%2e%5Cb", 0 },
		{ __LINE__, apihost_path_safe, "/a/..\\b", 0 },
		{ __LINE__, apihost_path_safe, "/a%2F..", 0 },
		{ __LINE__, apihost_path_safe, "/a%2Fb/c", 1 },
		{ __LINE__, apihost_path_safe, "/a/...%2Fb", 1 },
		{ __LINE__, apihost_path_safe, "/a/...", 1 },
	};
	size_t	i;

	for (i = 0; i < GH_NELEM(t); i++)
		TROW(t[i].line, t[i].fn(t[i].s) == t[i].want);
}

/*
 * Two processes (two nodes) on one database: an offer token is made
 * permanent once, by its first use, and only while it is still usable;
 * last_used only moves forward; a keepalive never revives a used token,
 * and a purge never takes one.
 */
static void
test_nodes(void)
{
	struct apihost			a, b;
	struct apihost_token		t;
	struct apihost_token_new	nt;
	unsigned char			hash[GH_SHA256_LEN];
	char				tok[GH_TOKEN_LEN + 1];
	long long			id, id2, n = -1, now = gh_now();

	CU_ASSERT_FATAL(setup(&a) == 0);
	CU_ASSERT_FATAL(open_again(&b) == 0);
	CU_ASSERT_EQUAL(apihost_store_grain_add(&a, "g", "http://127.0.0.1:9",
	    "/", "s"), GH_OK);
	memset(&nt, 0, sizeof(nt));
	nt.grain = "g";
	nt.expires_unused = now + 60;
	CU_ASSERT_EQUAL(gh_token_new(tok), GH_OK);
	CU_ASSERT_EQUAL(apihost_store_token_add(&a, &nt, tok, &id), GH_OK);
	gh_sha256(tok, strlen(tok), hash);

	/* First use on b; a's later use of an older time keeps b's. */
	CU_ASSERT_EQUAL(apihost_store_token_used(&b, id, now), GH_OK);
	CU_ASSERT_EQUAL(apihost_store_token_used(&a, id, now - 30), GH_OK);
	CU_ASSERT_EQUAL(apihost_store_token_by_hash(&a, hash, &t), GH_OK);
	CU_ASSERT_EQUAL(t.expires_unused, 0);
	CU_ASSERT_EQUAL(t.last_used, now);
	/* Permanent now: a keepalive and a purge far ahead leave it be. */
	CU_ASSERT_EQUAL(apihost_store_token_keepalive(&a, id, now + 600),
	    GH_OK);
	CU_ASSERT_EQUAL(apihost_store_token_purge(&b, now + 3600, &n), GH_OK);
	CU_ASSERT_EQUAL(n, 0);
	CU_ASSERT_EQUAL(apihost_store_token_by_hash(&b, hash, &t), GH_OK);
	CU_ASSERT_EQUAL(t.expires_unused, 0);

	/* An offer token past its unused life cannot be used any more. */
	CU_ASSERT_EQUAL(gh_token_new(tok), GH_OK);
	nt.expires_unused = now + 10;
	CU_ASSERT_EQUAL(apihost_store_token_add(&b, &nt, tok, &id2), GH_OK);
	CU_ASSERT_EQUAL(apihost_store_token_used(&a, id2, now + 10),
	    GH_ENOTFOUND);
	/* Purged by one node: the other's use finds nothing. */
	CU_ASSERT_EQUAL(apihost_store_token_purge(&b, now + 10, &n), GH_OK);
	CU_ASSERT_EQUAL(n, 1);
	CU_ASSERT_EQUAL(apihost_store_token_used(&a, id2, now),
	    GH_ENOTFOUND);
	/* Revoked: no use either. */
	CU_ASSERT_EQUAL(apihost_store_token_revoke(&b, id), GH_OK);
	CU_ASSERT_EQUAL(apihost_store_token_used(&a, id, now + 1),
	    GH_ENOTFOUND);
	apihost_close(&b);
	teardown(&a);
}

static const struct tcase tests[] = {
	TCASE(test_grains),
	TCASE(test_tokens),
	TCASE(test_nodes),
	TCASE(test_offers),
	TCASE(test_valid),
};

TPG_MAIN("apihost_store", tests, pg)
