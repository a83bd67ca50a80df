/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for icyfire's store, each on a fresh pair of databases in a
 * state directory of its own: the API tokens (by hash, constant time),
 * servers and their slots, domains, credentials and the post queue, and
 * the incident log with its queries and pruning.  The suite runs twice:
 * on SQLite, then on a throwaway PostgreSQL (tpg.h), where each test
 * drops and recreates the two schemas.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "icyfire.h"
#include "token.h"
#include "tdir.h"
#include "tmain.h"
#include "tpg.h"

static char	dir[PATH_MAX], conf[PATH_MAX + 32];
static int	pg;	/* this round runs on PostgreSQL */

/* A state directory with a Fernet key, a config and migrated databases. */
static int
setup(struct icyfire *f)
{
	char	key[PATH_MAX + 32], errbuf[512], extra[PATH_MAX + 128];

	extra[0] = '\0';
	if (pg) {
		if (tpg_start() == NULL || tpg_exec("DROP SCHEMA IF EXISTS "
		    "icyfire, icyfire_log CASCADE") != 0)
			return -1;
		snprintf(extra, sizeof(extra), "database = %s\n", tpg_uri);
	}
	if (tdir_state(dir, sizeof(dir), conf, sizeof(conf), extra) != 0)
		return -1;
	snprintf(key, sizeof(key), "%s/icyfire.fernet", dir);
	if (fernet_key_create(key) != GH_OK)
		return -1;
	if (icyfire_open(f, conf, GH_DB_CREATE, errbuf, sizeof(errbuf)) !=
	    GH_OK) {
		printf("setup: %s\n", errbuf);
		return -1;
	}
	return 0;
}

/* The same state directory again, as another process would open it. */
static int
reopen(struct icyfire *f)
{
	char	errbuf[512];

	if (icyfire_open(f, conf, 0, errbuf, sizeof(errbuf)) != GH_OK) {
		printf("reopen: %s\n", errbuf);
		return -1;
	}
	return 0;
}

/* Both tokens checked together, as the handlers do. */
static int
tokens_ok(struct icyfire *f, enum icy_token a, const char *ta,
    enum icy_token b, const char *tb)
{
	int	ok = -1;

	/* The stored hashes are read at most once per cache period. */
	f->tok_until_us = 0;
	if (icyfire_store_tokens_check(f, a, ta, strlen(ta), b, tb, strlen(tb),
	    &ok) != GH_OK)
		return -1;
	return ok;
}

static void
test_tokens(void)
{
	struct icyfire	f;
	char		r[GH_TOKEN_LEN + 1], c[GH_TOKEN_LEN + 1];

	CU_ASSERT_FATAL(setup(&f) == 0);
	CU_ASSERT_EQUAL(gh_token_new(r), GH_OK);
	CU_ASSERT_EQUAL(gh_token_new(c), GH_OK);
	/* Nothing stored: nothing matches. */
	CU_ASSERT_EQUAL(tokens_ok(&f, ICY_TOKEN_READ, r, ICY_TOKEN_CRED, c), 0);
	CU_ASSERT_EQUAL(icyfire_store_token_set(&f, ICY_TOKEN_READ, r,
	    strlen(r)), GH_OK);
	/* One of two is not enough. */
	CU_ASSERT_EQUAL(tokens_ok(&f, ICY_TOKEN_READ, r, ICY_TOKEN_CRED, c), 0);
	CU_ASSERT_EQUAL(icyfire_store_token_set(&f, ICY_TOKEN_CRED, c,
	    strlen(c)), GH_OK);
	CU_ASSERT_EQUAL(tokens_ok(&f, ICY_TOKEN_READ, r, ICY_TOKEN_CRED, c), 1);
	/* Each token is its own: swapped, or a prefix, fails. */
	CU_ASSERT_EQUAL(tokens_ok(&f, ICY_TOKEN_READ, c, ICY_TOKEN_CRED, r), 0);
	CU_ASSERT_EQUAL(tokens_ok(&f, ICY_TOKEN_READ, r, ICY_TOKEN_DELETE, c),
	    0);
	c[GH_TOKEN_LEN - 1] = '\0';
	CU_ASSERT_EQUAL(tokens_ok(&f, ICY_TOKEN_READ, r, ICY_TOKEN_CRED, c), 0);
	/* A new value replaces the old one. */
	CU_ASSERT_EQUAL(gh_token_new(c), GH_OK);
	CU_ASSERT_EQUAL(icyfire_store_token_set(&f, ICY_TOKEN_CRED, c,
	    strlen(c)), GH_OK);
	CU_ASSERT_EQUAL(tokens_ok(&f, ICY_TOKEN_READ, r, ICY_TOKEN_CRED, c), 1);
	icyfire_close(&f);
}

/* What icyfire_store_next() gave its callback, copied. */
struct next_seen {
	int		 calls;
	struct icy_slot	 slot;
	char		 platform[16];
	char		 fields[64];	/* "(null)" for NULL */
	int		 has_post;
	long long	 post_id;
	char		 type[8];
	char		 link[64];	/* "(null)" for NULL */
	enum gh_err	 ret;		/* what the callback returns */
};

static enum gh_err
next_cb(const struct icy_next *n, void *arg)
{
	struct next_seen	*s = arg;

	s->calls++;
	s->slot = n->slot;
	gh_strlcpy(s->platform, n->platform, sizeof(s->platform));
	gh_strlcpy(s->fields, n->fields ? n->fields : "(null)",
	    sizeof(s->fields));
	s->has_post = n->has_post;
	if (n->has_post) {
		s->post_id = n->post.id;
		gh_strlcpy(s->type, n->post.type, sizeof(s->type));
		gh_strlcpy(s->link, n->post.link ? n->post.link : "(null)",
		    sizeof(s->link));
	}
	return s->ret;
}

/* icyfire_store_next() of slot into *s (cleared first). */
static enum gh_err
next_of(struct icyfire *f, long long slot, struct next_seen *s)
{
	memset(s, 0, sizeof(*s));
	return icyfire_store_next(f, slot, next_cb, s);
}

/* A server's 10,080 slots, one claimed by a domain's credential. */
static void
test_slots(void)
{
	struct icyfire		f;
	struct icy_slot		s;
	struct next_seen	n;

	CU_ASSERT_FATAL(setup(&f) == 0);
	CU_ASSERT_EQUAL(icyfire_store_server_add(&f, 2), GH_OK);
	CU_ASSERT_NOT_EQUAL(icyfire_store_server_add(&f, 2), GH_OK);
	CU_ASSERT_EQUAL(icyfire_store_slot_get(&f, 10081, &s), GH_OK);
	CU_ASSERT_EQUAL(s.server_id, 2);
	CU_ASSERT_EQUAL(s.domain_id, 0);
	CU_ASSERT_EQUAL(s.credential_id, 0);
	CU_ASSERT_EQUAL(icyfire_store_slot_get(&f, 20160, &s), GH_OK);
	CU_ASSERT_EQUAL(s.server_id, 2);
	CU_ASSERT_EQUAL(icyfire_store_slot_get(&f, 20161, &s), GH_ENOTFOUND);
	CU_ASSERT_EQUAL(icyfire_store_slot_get(&f, 1, &s), GH_ENOTFOUND);
	/* No slot: not found, and no call; unclaimed: no credential. */
	CU_ASSERT_EQUAL(next_of(&f, 20161, &n), GH_ENOTFOUND);
	CU_ASSERT_EQUAL(n.calls, 0);
	CU_ASSERT_EQUAL(next_of(&f, 10081, &n), GH_OK);
	CU_ASSERT_EQUAL(n.calls, 1);
	CU_ASSERT_EQUAL(n.slot.server_id, 2);
	CU_ASSERT_EQUAL(n.slot.credential_id, 0);
	CU_ASSERT_STRING_EQUAL(n.fields, "(null)");
	CU_ASSERT_EQUAL(n.has_post, 0);

	CU_ASSERT_EQUAL(icyfire_store_domain_add(&f, "example.org"), GH_OK);
	CU_ASSERT_NOT_EQUAL(icyfire_store_domain_add(&f, "example.org"),
	    GH_OK);
	/* No credential on that platform yet: nothing to claim with. */
	CU_ASSERT_NOT_EQUAL(icyfire_store_slot_claim(&f, 10081, "example.org",
	    "twitter"), GH_OK);
	CU_ASSERT_EQUAL(icyfire_store_credential_set(&f, "example.org",
	    "twitter", "{\"token\":\"gAAAA\"}"), GH_OK);
	CU_ASSERT_EQUAL(icyfire_store_slot_claim(&f, 10081, "example.org",
	    "twitter"), GH_OK);
	CU_ASSERT_EQUAL(icyfire_store_slot_get(&f, 10081, &s), GH_OK);
	CU_ASSERT(s.domain_id > 0);
	CU_ASSERT_FATAL(s.credential_id > 0);

	/* The claimed slot leads to its credential; the queue is empty. */
	CU_ASSERT_EQUAL(next_of(&f, 10081, &n), GH_OK);
	CU_ASSERT_EQUAL(n.slot.domain_id, s.domain_id);
	CU_ASSERT_EQUAL(n.slot.credential_id, s.credential_id);
	CU_ASSERT_STRING_EQUAL(n.platform, "twitter");
	CU_ASSERT_STRING_EQUAL(n.fields, "{\"token\":\"gAAAA\"}");
	CU_ASSERT_EQUAL(n.has_post, 0);
	/* What the callback returns is the result. */
	memset(&n, 0, sizeof(n));
	n.ret = GH_EBUSY;
	CU_ASSERT_EQUAL(icyfire_store_next(&f, 10081, next_cb, &n), GH_EBUSY);
	/* A credential set again is updated in place. */
	CU_ASSERT_EQUAL(icyfire_store_credential_set(&f, "example.org",
	    "twitter", "{}"), GH_OK);
	CU_ASSERT_EQUAL(next_of(&f, 10081, &n), GH_OK);
	CU_ASSERT_EQUAL(n.slot.credential_id, s.credential_id);
	CU_ASSERT_STRING_EQUAL(n.fields, "{}");
	CU_ASSERT_NOT_EQUAL(icyfire_store_credential_set(&f, "nowhere.org",
	    "twitter", "{}"), GH_OK);
	icyfire_close(&f);
}

struct seen {
	long long	 id[8];
	char		 type[8][8];
	size_t		 n;
};

static void
post_cb(const struct icy_post *p, void *arg)
{
	struct seen	*s = arg;

	if (s->n < GH_NELEM(s->id)) {
		s->id[s->n] = p->id;
		gh_strlcpy(s->type[s->n], p->type, sizeof(s->type[0]));
	}
	s->n++;
}

static void
list_cb(const struct icy_post *p, const char *platform, void *arg)
{
	(void)platform;
	post_cb(p, arg);
}

/* The queue of a credential: oldest first, deleted by id or from the head. */
static void
test_posts(void)
{
	struct icyfire		f;
	struct icy_slot		s;
	struct seen		seen;
	struct next_seen	n;
	long long		a, b, c;

	CU_ASSERT_FATAL(setup(&f) == 0);
	CU_ASSERT_EQUAL(icyfire_store_server_add(&f, 1), GH_OK);
	CU_ASSERT_EQUAL(icyfire_store_domain_add(&f, "d.org"), GH_OK);
	CU_ASSERT_EQUAL(icyfire_store_credential_set(&f, "d.org", "reddit",
	    "{}"), GH_OK);
	CU_ASSERT_EQUAL(icyfire_store_slot_claim(&f, 5, "d.org", "reddit"),
	    GH_OK);
	CU_ASSERT_EQUAL_FATAL(icyfire_store_slot_get(&f, 5, &s), GH_OK);

	CU_ASSERT_EQUAL(icyfire_store_post_add(&f, "d.org", "reddit", "text",
	    "first", NULL, NULL, &a), GH_OK);
	CU_ASSERT_EQUAL(icyfire_store_post_add(&f, "d.org", "reddit", "image",
	    "second", "https://l.example/", "https://m.example/x.png", &b),
	    GH_OK);
	CU_ASSERT_EQUAL(icyfire_store_post_add(&f, "d.org", "reddit", "long",
	    "third", NULL, NULL, &c), GH_OK);
	CU_ASSERT(a < b && b < c);
	/* Not a type, or no such credential. */
	CU_ASSERT_NOT_EQUAL(icyfire_store_post_add(&f, "d.org", "reddit",
	    "gif", "x", NULL, NULL, NULL), GH_OK);
	CU_ASSERT_NOT_EQUAL(icyfire_store_post_add(&f, "d.org", "tumblr",
	    "text", "x", NULL, NULL, NULL), GH_OK);

	/* The slot's next post is the oldest. */
	CU_ASSERT_EQUAL(next_of(&f, 5, &n), GH_OK);
	CU_ASSERT_EQUAL_FATAL(n.has_post, 1);
	CU_ASSERT_EQUAL(n.post_id, a);
	CU_ASSERT_STRING_EQUAL(n.type, "text");
	CU_ASSERT_STRING_EQUAL(n.link, "(null)");

	/* Delete the oldest, then one by id; the queue moves on. */
	CU_ASSERT_EQUAL(icyfire_store_post_delete(&f, s.credential_id, 0),
	    GH_OK);
	CU_ASSERT_EQUAL(next_of(&f, 5, &n), GH_OK);
	CU_ASSERT_EQUAL_FATAL(n.has_post, 1);
	CU_ASSERT_EQUAL(n.post_id, b);
	CU_ASSERT_STRING_EQUAL(n.type, "image");
	CU_ASSERT_STRING_EQUAL(n.link, "https://l.example/");
	CU_ASSERT_EQUAL(icyfire_store_post_delete(&f, s.credential_id, c),
	    GH_OK);
	CU_ASSERT_EQUAL(icyfire_store_post_delete(&f, s.credential_id, c),
	    GH_ENOTFOUND);
	memset(&seen, 0, sizeof(seen));
	CU_ASSERT_EQUAL(icyfire_store_post_list(&f, "d.org", list_cb, &seen),
	    GH_OK);
	CU_ASSERT_EQUAL_FATAL(seen.n, 1);
	CU_ASSERT_EQUAL(seen.id[0], b);
	CU_ASSERT_EQUAL(icyfire_store_post_delete(&f, s.credential_id, 0),
	    GH_OK);
	CU_ASSERT_EQUAL(icyfire_store_post_delete(&f, s.credential_id, 0),
	    GH_ENOTFOUND);
	CU_ASSERT_EQUAL(next_of(&f, 5, &n), GH_OK);
	CU_ASSERT_EQUAL(n.slot.credential_id, s.credential_id);
	CU_ASSERT_EQUAL(n.has_post, 0);
	icyfire_close(&f);
}

static void
incident_cb(const struct icy_incident *in, void *arg)
{
	struct seen	*s = arg;

	if (s->n < GH_NELEM(s->id))
		s->id[s->n] = in->id;
	s->n++;
}

/* Index of name in icy_query_args. */
static size_t
query_arg(const char *name)
{
	size_t	i;

	for (i = 0; icy_query_args[i] != NULL; i++)
		if (strcmp(icy_query_args[i], name) == 0)
			return i;
	CU_FAIL_FATAL("no such query argument");
	return 0;
}

/* The incident log: every answer, queried newest first, pruned by age. */
static void
test_incidents(void)
{
	struct icyfire		f;
	struct icy_incident	in[3];
	struct seen		seen;
	long long		n = -1, ids[3];
	size_t			i;

	CU_ASSERT_FATAL(setup(&f) == 0);
	memset(in, 0, sizeof(in));
	for (i = 0; i < 3; i++) {
		in[i].timestamp = 1000 + (long long)i;
		gh_strlcpy(in[i].ip_address, i == 2 ? "192.0.2.9" :
		    "192.0.2.1", sizeof(in[i].ip_address));
		gh_strlcpy(in[i].endpoint, i == 0 ? "api._r" : "api._rs",
		    sizeof(in[i].endpoint));
		in[i].status_code = i == 1 ? 403 : 200;
		in[i].flag = i == 1;
		gh_strlcpy(in[i].status_message, "msg",
		    sizeof(in[i].status_message));
	}
	/* One batch, written in order. */
	CU_ASSERT_EQUAL(icyfire_store_incidents_add(&f, in, 3), GH_OK);
	for (i = 0; i < 3; i++) {
		CU_ASSERT(in[i].id > (i > 0 ? in[i - 1].id : 0));
		ids[i] = in[i].id;
	}
	CU_ASSERT_EQUAL(icyfire_store_incidents_add(&f, in,
	    ICY_BATCH_MAX + 1), GH_EINVAL);
	memset(&seen, 0, sizeof(seen));
	CU_ASSERT_EQUAL(icyfire_store_incident_query(&f,
	    query_arg("ip_address"), 0, "192.0.2.1", 0, 10, incident_cb,
	    &seen), GH_OK);
	CU_ASSERT_EQUAL_FATAL(seen.n, 2);
	CU_ASSERT_EQUAL(seen.id[0], ids[1]);	/* newest first */
	CU_ASSERT_EQUAL(seen.id[1], ids[0]);
	/* A page below an id, and a limit. */
	memset(&seen, 0, sizeof(seen));
	CU_ASSERT_EQUAL(icyfire_store_incident_query(&f,
	    query_arg("endpoint_prefix"), 0, "api", 0, 1, incident_cb,
	    &seen), GH_OK);
	CU_ASSERT_EQUAL(seen.n, 1);
	CU_ASSERT_EQUAL(seen.id[0], ids[2]);
	memset(&seen, 0, sizeof(seen));
	CU_ASSERT_EQUAL(icyfire_store_incident_query(&f,
	    query_arg("endpoint_prefix"), 0, "api", ids[2], 10, incident_cb,
	    &seen), GH_OK);
	CU_ASSERT_EQUAL(seen.n, 2);
	memset(&seen, 0, sizeof(seen));
	CU_ASSERT_EQUAL(icyfire_store_incident_query(&f,
	    query_arg("status_code"), 403, NULL, 0, 10, incident_cb, &seen),
	    GH_OK);
	CU_ASSERT_EQUAL(seen.n, 1);
	CU_ASSERT_EQUAL(icyfire_store_incident_query(&f,
	    query_arg("status_code"), 500, NULL, 0, 10, incident_cb, &seen),
	    GH_ENOTFOUND);
	/* Pruned by age: the first two. */
	CU_ASSERT_EQUAL(icyfire_store_incident_prune(&f, 1002, &n), GH_OK);
	CU_ASSERT_EQUAL(n, 2);
	memset(&seen, 0, sizeof(seen));
	CU_ASSERT_EQUAL(icyfire_store_incident_query(&f,
	    query_arg("timestamp"), 0, NULL, 0, 10, incident_cb, &seen),
	    GH_OK);
	CU_ASSERT_EQUAL(seen.n, 1);
	icyfire_close(&f);
}

/* How many incidents address ip has (flagged ones only, when flagged). */
static int
incidents_of(struct icyfire *f, const char *ip, int flagged)
{
	struct seen	seen;
	size_t		arg = query_arg(flagged ? "flag" : "ip_address");

	memset(&seen, 0, sizeof(seen));
	if (icyfire_store_incident_query(f, arg, 1, flagged ? NULL : ip, 0,
	    ICY_LIMIT_MAX, incident_cb, &seen) == GH_ENOTFOUND)
		return 0;
	return (int)seen.n;
}

/*
 * The batch: written when full, when due, or at close; and the flag of
 * the ICY_FLAG_FAILURES-th failure from one address counts the earlier
 * ones of its own batch.
 */
static void
test_incident_batch(void)
{
	struct icyfire		f;
	struct icy_incident	in;
	int			i;

	CU_ASSERT_FATAL(setup(&f) == 0);
	memset(&in, 0, sizeof(in));
	in.timestamp = gh_now();
	gh_strlcpy(in.ip_address, "192.0.2.5", sizeof(in.ip_address));
	gh_strlcpy(in.endpoint, "api._r", sizeof(in.endpoint));
	in.status_code = 404;
	gh_strlcpy(in.status_message, "msg", sizeof(in.status_message));

	CU_ASSERT_EQUAL(icyfire_incident_flush(&f, 0), -1);	/* empty */
	for (i = 0; i < ICY_FLAG_FAILURES; i++)
		icyfire_incident_queue(&f, &in);
	CU_ASSERT_EQUAL(incidents_of(&f, "192.0.2.5", 0), 0);	/* not due */
	i = icyfire_incident_flush(&f, 0);
	CU_ASSERT(i > 0 && i <= ICY_BATCH_MS);
	CU_ASSERT_EQUAL(incidents_of(&f, "192.0.2.5", 0), 0);
	CU_ASSERT_EQUAL(icyfire_incident_flush(&f, 1), -1);	/* all now */
	CU_ASSERT_EQUAL(incidents_of(&f, "192.0.2.5", 0), ICY_FLAG_FAILURES);
	CU_ASSERT_EQUAL(incidents_of(&f, NULL, 1), 1);
	CU_ASSERT_EQUAL(f.nbatch, 0);

	/* Due: the next one queued writes them. */
	icyfire_incident_queue(&f, &in);
	f.batch_ms -= ICY_BATCH_MS;
	icyfire_incident_queue(&f, &in);
	CU_ASSERT_EQUAL(f.nbatch, 0);
	CU_ASSERT_EQUAL(incidents_of(&f, NULL, 1), 3);

	/* Full: written at once, however young. */
	in.status_code = 200;
	gh_strlcpy(in.ip_address, "192.0.2.6", sizeof(in.ip_address));
	for (i = 0; i < ICY_BATCH_MAX; i++)
		icyfire_incident_queue(&f, &in);
	CU_ASSERT_EQUAL(f.nbatch, 0);
	CU_ASSERT_EQUAL(incidents_of(&f, "192.0.2.6", 0), ICY_BATCH_MAX);

	/* Closed: what is left is written. */
	gh_strlcpy(in.ip_address, "192.0.2.7", sizeof(in.ip_address));
	icyfire_incident_queue(&f, &in);
	icyfire_close(&f);
	CU_ASSERT_FATAL(reopen(&f) == 0);
	CU_ASSERT_EQUAL(incidents_of(&f, "192.0.2.7", 0), 1);
	icyfire_close(&f);
}

static const struct tcase tests[] = {
	TCASE(test_tokens),
	TCASE(test_slots),
	TCASE(test_posts),
	TCASE(test_incidents),
	TCASE(test_incident_batch),
};
TPG_MAIN("icyfire_store", tests, pg)
