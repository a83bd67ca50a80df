/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for the factory's store and registrar backends, each on a
 * fresh database in a temporary directory.  The suite runs twice: on
 * SQLite, then on a throwaway PostgreSQL (tpg.h), where each test drops
 * and recreates the schema.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "factory.h"
#include "token.h"
#include "tdir.h"
#include "tfactory.h"
#include "tmain.h"
#include "tpg.h"

static char	dir[PATH_MAX], conf[PATH_MAX + 32];
static int	pg;	/* this round runs on PostgreSQL */

/* A state directory with a key file and a config of the given [factory] lines. */
static int
setup(struct factory *f, const char *factory_lines)
{
	char	sections[PATH_MAX + 512], key[PATH_MAX + 32], errbuf[512];

	sections[0] = '\0';
	if (pg) {
		if (tpg_start() == NULL ||
		    tpg_exec("DROP SCHEMA IF EXISTS factory CASCADE") != 0)
			return -1;
		snprintf(sections, sizeof(sections), "database = %s\n",
		    tpg_uri);
	}
	snprintf(sections + strlen(sections), sizeof(sections) -
	    strlen(sections), "[factory]\n%s\n", factory_lines);
	if (tdir_state(dir, sizeof(dir), conf, sizeof(conf), sections) != 0)
		return -1;
	snprintf(key, sizeof(key), "%s/secret.key", dir);
	if (gh_key_create(key) != GH_OK)
		return -1;
	if (factory_open(f, conf, GH_DB_CREATE, errbuf, sizeof(errbuf)) !=
	    GH_OK) {
		printf("setup: %s\n", errbuf);
		return -1;
	}
	return 0;
}

/* The directory goes with the suite's (tdir.h). */
static void
teardown(struct factory *f)
{
	factory_close(f);
}

static void
test_clients(void)
{
	struct factory		f;
	struct factory_client	c;
	char			tok[GH_TOKEN_LEN + 1], other[GH_TOKEN_LEN + 1];

	CU_ASSERT_FATAL(setup(&f, "mode = test\nregistrar = test") == 0);
	CU_ASSERT_EQUAL(gh_token_new(tok), GH_OK);
	CU_ASSERT_EQUAL(gh_token_new(other), GH_OK);
	CU_ASSERT_EQUAL(factory_store_client_add(&f, "hallo", tok, "cbsecret",
	    8), GH_OK);
	CU_ASSERT_EQUAL(factory_store_client_add(&f, "hallo", other, "x", 1),
	    GH_ECONFLICT);

	CU_ASSERT_EQUAL(factory_store_client_by_token(&f, tok, strlen(tok), &c),
	    GH_OK);
	CU_ASSERT_STRING_EQUAL(c.name, "hallo");
	CU_ASSERT_EQUAL(c.mock, 0);
	CU_ASSERT_EQUAL(factory_store_client_by_token(&f, other, strlen(other),
	    &c), GH_ENOTFOUND);
	/* A prefix of a valid token is not the token. */
	CU_ASSERT_EQUAL(factory_store_client_by_token(&f, tok, strlen(tok) - 1,
	    &c), GH_ENOTFOUND);

	CU_ASSERT_EQUAL(factory_store_client_mock_ensure(&f), GH_OK);
	CU_ASSERT_EQUAL(factory_store_client_mock_ensure(&f),
	    GH_OK);	/* idempotent */
	CU_ASSERT_EQUAL(factory_store_client_by_token(&f, FACTORY_MOCK_TOKEN,
	    strlen(FACTORY_MOCK_TOKEN), &c), GH_OK);
	CU_ASSERT_EQUAL(c.mock, 1);

	CU_ASSERT_EQUAL(factory_store_client_revoke(&f, "hallo"), GH_OK);
	CU_ASSERT_EQUAL(factory_store_client_revoke(&f, "hallo"), GH_ENOTFOUND);
	CU_ASSERT_EQUAL(factory_store_client_revoke(&f, "nobody"),
	    GH_ENOTFOUND);
	CU_ASSERT_EQUAL(factory_store_client_by_token(&f, tok, strlen(tok), &c),
	    GH_ENOTFOUND);
	teardown(&f);
}

/* factory.db and its WAL as they are on disk, into data (at most sz - 1). */
static long
file_stored(char *data, size_t sz)
{
	char	 path[PATH_MAX + 32];
	FILE	*fp;
	size_t	 n = 0;

	snprintf(path, sizeof(path), "%s/factory.db", dir);
	if ((fp = fopen(path, "rb")) == NULL)
		return 0;
	n = fread(data, 1, sz - 1, fp);
	fclose(fp);
	snprintf(path, sizeof(path), "%s/factory.db-wal", dir);
	if ((fp = fopen(path, "rb")) != NULL) {
		n += fread(data + n, 1, sz - 1 - n, fp);
		fclose(fp);
	}
	return (long)n;
}

/*
 * Every stored byte of the clients and orders on PostgreSQL, bytea as
 * itself where printable (encode ... 'escape'), into data.
 */
static long
pg_stored(char *data, size_t sz)
{
	PGconn		*c;
	PGresult	*r;
	long		 n = 0;

	if ((c = PQconnectdb(tpg_uri)) == NULL)
		return 0;
	r = PQexec(c, "SELECT (SELECT string_agg(name || "
	    "encode(token_hash, 'escape') || encode(callback_secret, "
	    "'escape'), '') FROM factory.client) || (SELECT string_agg("
	    "domain || callback || encode(secret_mac, 'escape') || "
	    "encode(secret, 'escape'), '') FROM factory.site_order)");
	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) {
		n = snprintf(data, sz, "%s", PQgetvalue(r, 0, 0));
		if (n >= (long)sz)
			n = (long)sz - 1;
	}
	PQclear(r);
	PQfinish(c);
	return n;
}

/* Neither the token nor the secrets are in the database file in the clear. */
static void
test_secrets_at_rest(void)
{
	struct factory		f;
	struct factory_order	o;
	char			tok[GH_TOKEN_LEN + 1], path[PATH_MAX + 32], *data;
	long			n;
	int			same;

	CU_ASSERT_FATAL(setup(&f, "mode = live\nregistrar = local") == 0);
	CU_ASSERT_EQUAL(gh_token_new(tok), GH_OK);
	CU_ASSERT_EQUAL(factory_store_client_add(&f, "c", tok,
	    "callback-secret-PLAINTEXT", 25), GH_OK);
	CU_ASSERT_EQUAL(factory_store_order_add(&f, 1, "x.gent",
	    "https://cb.example/",
	    "installer-secret-PLAINTEXT", 26, &o, &same), GH_OK);
	factory_close(&f);

	data = calloc(1, 1 << 20);
	n = pg ? pg_stored(data, 1 << 20) : file_stored(data, 1 << 20);
	CU_ASSERT(n > 0);
	CU_ASSERT_PTR_NULL(memmem(data, (size_t)n, tok, strlen(tok)));
	CU_ASSERT_PTR_NULL(memmem(data, (size_t)n, "PLAINTEXT", 9));
	free(data);
	CU_ASSERT_EQUAL(factory_open(&f, conf, 0, path, sizeof(path)), GH_OK);
	teardown(&f);
}

static void
test_orders(void)
{
	struct factory		f;
	struct factory_order	o;
	int			same, taken;

	CU_ASSERT_FATAL(setup(&f, "mode = test\nregistrar = test") == 0);
	CU_ASSERT_EQUAL(factory_store_client_mock_ensure(&f), GH_OK);
	CU_ASSERT_EQUAL(factory_store_order_get(&f, "a.gent", &o),
	    GH_ENOTFOUND);
	CU_ASSERT_EQUAL(factory_store_order_add(&f, 1, "a.gent",
	    "https://cb.example/x",
	    "s3cret", 6, &o, &same), GH_OK);
	CU_ASSERT_STRING_EQUAL(o.domain, "a.gent");
	CU_ASSERT_STRING_EQUAL(order_state_names[o.state], "pending");
	CU_ASSERT_STRING_EQUAL(
	    callback_state_names[o.callback_state], "waiting");
	CU_ASSERT_STRING_EQUAL(o.callback, "https://cb.example/x");
	CU_ASSERT(o.created > 0);

	/* The same order again: a conflict that is recognised as the same. */
	CU_ASSERT_EQUAL(factory_store_order_add(&f, 1, "a.gent",
	    "https://cb.example/x",
	    "s3cret", 6, &o, &same), GH_ECONFLICT);
	CU_ASSERT_EQUAL(same, 1);
	/* Another secret, or another client: a real conflict. */
	CU_ASSERT_EQUAL(factory_store_order_add(&f, 1, "a.gent",
	    "https://cb.example/x",
	    "s3cres", 6, &o, &same), GH_ECONFLICT);
	CU_ASSERT_EQUAL(same, 0);
	CU_ASSERT_EQUAL(factory_store_order_add(&f, 2, "a.gent",
	    "https://cb.example/x",
	    "s3cret", 6, &o, &same), GH_ECONFLICT);
	CU_ASSERT_EQUAL(same, 0);

	/* The check POST /v1/site makes before asking the registrar. */
	CU_ASSERT_EQUAL(factory_store_order_get(&f, "a.gent", &o), GH_OK);
	CU_ASSERT_EQUAL(factory_store_order_same(&f, &o, 1, "s3cret", 6, &same),
	    GH_OK);
	CU_ASSERT_EQUAL(same, 1);
	CU_ASSERT_EQUAL(factory_store_order_same(&f, &o, 1, "s3cre", 5, &same),
	    GH_OK);
	CU_ASSERT_EQUAL(same, 0);
	CU_ASSERT_EQUAL(factory_store_order_same(&f, &o, 2, "s3cret", 6, &same),
	    GH_OK);
	CU_ASSERT_EQUAL(same, 0);

	CU_ASSERT_EQUAL(factory_store_domain_taken(&f, "a.gent", &taken),
	    GH_OK);
	CU_ASSERT_EQUAL(taken, 1);
	CU_ASSERT_EQUAL(factory_store_domain_taken(&f, "b.gent", &taken),
	    GH_OK);
	CU_ASSERT_EQUAL(taken, 0);
	CU_ASSERT_EQUAL(factory_store_taken_add(&f, "b.gent"), GH_OK);
	CU_ASSERT_EQUAL(factory_store_taken_add(&f, "b.gent"), GH_OK);
	CU_ASSERT_EQUAL(factory_store_domain_taken(&f, "b.gent", &taken),
	    GH_OK);
	CU_ASSERT_EQUAL(taken, 1);
	teardown(&f);
}

/* factory_store_lock_cb: a byte lock that is always held elsewhere. */
static int
held_elsewhere(long long id, void *arg)
{
	(void)id;
	(void)arg;
	return 0;
}

/* The worker's side: claims, leases, saves with their log rows. */
static void
test_work_claim(void)
{
	struct factory		f;
	struct factory_order	o, a, b;
	struct work_log		begin = { .kind = WORK_LOG_STEP_BEGIN,
				    .step = "register" };
	struct work_log		end = { .kind = WORK_LOG_STEP_END,
				    .result = "ok" };
	char			out[512];
	long long		now = gh_now(), when = 0;
	int			same;

	CU_ASSERT_FATAL(setup(&f, "mode = test\nregistrar = test") == 0);
	CU_ASSERT_EQUAL(factory_store_client_mock_ensure(&f), GH_OK);
	CU_ASSERT_EQUAL(factory_store_work_next(&f, &when), GH_ENOTFOUND);
	CU_ASSERT_EQUAL_FATAL(factory_store_order_add(&f, 1, "w.gent",
	    "https://cb.example/", "s", 1, &o, &same), GH_OK);
	CU_ASSERT_EQUAL(factory_store_work_next(&f, &when), GH_OK);
	CU_ASSERT_EQUAL(when, 0);	/* due at once */

	CU_ASSERT_EQUAL_FATAL(factory_store_work_claim(&f, "A", now, now,
	    now + 60, held_elsewhere, NULL, &a), GH_OK);
	CU_ASSERT_EQUAL(a.id, o.id);
	CU_ASSERT_STRING_EQUAL(a.lease_owner, "A");
	CU_ASSERT_EQUAL(a.lease_until, now + 60);
	/* Held: nobody else gets it, gatectl is told whose it is. */
	CU_ASSERT_EQUAL(factory_store_work_claim(&f, "B", now, now, now + 60,
	    held_elsewhere, NULL, &b), GH_ENOTFOUND);
	CU_ASSERT_EQUAL(factory_store_work_save(&f, &a, "B", NULL),
	    GH_ECONFLICT);
	b = a;
	b.lease_owner[0] = '\0';
	CU_ASSERT_EQUAL(factory_store_order_update(&f, &b, now), GH_EBUSY);
	CU_ASSERT_STRING_EQUAL(b.lease_owner, "A");
	CU_ASSERT_EQUAL(factory_store_work_next(&f, &when), GH_OK);
	CU_ASSERT_EQUAL(when, now + 60);

	/* A step begun and ended: its row, numbered, with the count before. */
	a.state = ORDER_REGISTERING;
	a.attempts = 1;
	CU_ASSERT_EQUAL(factory_store_work_save(&f, &a, "A", &begin), GH_OK);
	CU_ASSERT(begin.id > 0);
	CU_ASSERT_EQUAL(begin.earlier, 0);
	end.id = begin.id;
	a.next_at = -1;
	CU_ASSERT_EQUAL(factory_store_work_save(&f, &a, "A", &end), GH_OK);
	CU_ASSERT_EQUAL(factory_store_order_get(&f, "w.gent", &b), GH_OK);
	CU_ASSERT_EQUAL(b.state, ORDER_REGISTERING);
	CU_ASSERT_EQUAL(b.next_at, -1);
	out[0] = '\0';
	CU_ASSERT_EQUAL(factory_store_order_steps(&f, b.id, step_cat, out),
	    GH_OK);
	CU_ASSERT_STRING_EQUAL(out, "register:1:ok");

	/* The lease ran out: B takes it over, and A's next save fails. */
	a.next_at = now;
	CU_ASSERT_EQUAL(factory_store_work_save(&f, &a, "A", NULL), GH_OK);
	CU_ASSERT_EQUAL(factory_store_work_claim(&f, "B", now + 61, now + 61,
	    now + 120, held_elsewhere, NULL, &b), GH_OK);
	CU_ASSERT_STRING_EQUAL(b.lease_owner, "B");
	CU_ASSERT_EQUAL(factory_store_work_save(&f, &a, "A", NULL),
	    GH_ECONFLICT);
	b.lease_owner[0] = '\0';
	b.next_at = -1;
	CU_ASSERT_EQUAL(factory_store_work_save(&f, &b, "B", NULL), GH_OK);
	CU_ASSERT_EQUAL(factory_store_work_next(&f, &when), GH_ENOTFOUND);
	teardown(&f);
}

#define RACE_ORDERS	40

/*
 * Two processes, each with a connection of its own, claim and finish
 * orders as fast as they can: every order is claimed exactly once.
 */
static void
test_work_race(void)
{
	struct factory		f;
	struct factory_order	o;
	char			name[32], path[PATH_MAX + 64], line[64];
	int			seen[RACE_ORDERS + 1], i, k, same, status;
	long long		id, now = gh_now();
	pid_t			pid[2];
	FILE			*fp;

	CU_ASSERT_FATAL(setup(&f, "mode = test\nregistrar = test") == 0);
	CU_ASSERT_EQUAL(factory_store_client_mock_ensure(&f), GH_OK);
	for (i = 0; i < RACE_ORDERS; i++) {
		snprintf(name, sizeof(name), "race%d.gent", i);
		CU_ASSERT_EQUAL_FATAL(factory_store_order_add(&f, 1, name,
		    "https://cb.example/", "s", 1, &o, &same), GH_OK);
	}
	factory_close(&f);
	fflush(NULL);
	for (k = 0; k < 2; k++) {
		if ((pid[k] = fork()) != 0)
			continue;
		snprintf(name, sizeof(name), "w%d", k);
		snprintf(path, sizeof(path), "%s/%s.log", dir, name);
		if (factory_open(&f, conf, 0, line, sizeof(line)) != GH_OK ||
		    (fp = fopen(path, "w")) == NULL)
			_exit(2);
		while (factory_store_work_claim(&f, name, now, now, now + 60,
		    held_elsewhere, NULL, &o) == GH_OK) {
			fprintf(fp, "%lld\n", o.id);
			o.lease_owner[0] = '\0';
			o.next_at = -1;
			if (factory_store_work_save(&f, &o, name, NULL) !=
			    GH_OK)
				_exit(3);
		}
		fclose(fp);
		factory_close(&f);
		_exit(0);
	}
	memset(seen, 0, sizeof(seen));
	for (k = 0; k < 2; k++) {
		CU_ASSERT_FATAL(pid[k] > 0);
		CU_ASSERT(waitpid(pid[k], &status, 0) == pid[k] &&
		    WIFEXITED(status) && WEXITSTATUS(status) == 0);
		snprintf(path, sizeof(path), "%s/w%d.log", dir, k);
		CU_ASSERT_FATAL((fp = fopen(path, "r")) != NULL);
		while (fgets(line, sizeof(line), fp) != NULL) {
			id = strtoll(line, NULL, 10);
			CU_ASSERT(id >= 1 && id <= RACE_ORDERS);
			if (id >= 1 && id <= RACE_ORDERS)
				seen[id]++;
		}
		fclose(fp);
	}
	for (i = 1; i <= RACE_ORDERS; i++)
		CU_ASSERT_EQUAL(seen[i], 1);
}

static void
test_registrar_test_and_local(void)
{
	struct factory	f;
	int		avail = -1;

	CU_ASSERT_FATAL(setup(&f, "mode = test\nregistrar = test") == 0);
	CU_ASSERT_EQUAL(registrar_check(&f, "available.gent", &avail), GH_OK);
	CU_ASSERT_EQUAL(avail, 1);
	CU_ASSERT_EQUAL(registrar_check(&f, "unavailable.gent", &avail), GH_OK);
	CU_ASSERT_EQUAL(avail, 0);
	CU_ASSERT_EQUAL(registrar_check(&f, "error.gent", &avail), GH_EUNAVAIL);
	/* Any other name falls through to the local registry. */
	CU_ASSERT_EQUAL(registrar_check(&f, "other.gent", &avail), GH_OK);
	CU_ASSERT_EQUAL(avail, 1);
	CU_ASSERT_EQUAL(factory_store_taken_add(&f, "other.gent"), GH_OK);
	CU_ASSERT_EQUAL(registrar_check(&f, "other.gent", &avail), GH_OK);
	CU_ASSERT_EQUAL(avail, 0);
	teardown(&f);
}

static void
test_registrar_command(void)
{
	struct factory	f;
	char		script[128], conf_lines[256];
	FILE		*fp;
	int		avail = -1;

	/* The script answers by the name: free, taken, broken, slow. */
	snprintf(script, sizeof(script), "/tmp/gh-registrar-%d.sh", (int)getpid());
	CU_ASSERT_FATAL((fp = fopen(script, "w")) != NULL);
	fputs("#!/bin/sh\n[ \"$1\" = check ] || exit 9\ncase $2 in\n"
	    "free.gent) exit 0;;\ntaken.gent) exit 1;;\nslow.gent) sleep 5;;\n"
	    "esac\nexit 7\n", fp);
	fclose(fp);
	chmod(script, 0700);
	snprintf(conf_lines, sizeof(conf_lines), "registrar = command\n"
	    "registrar_command = %s\nregistrar_timeout_ms = 300", script);
	CU_ASSERT_FATAL(setup(&f, conf_lines) == 0);
	CU_ASSERT_EQUAL(registrar_check(&f, "free.gent", &avail), GH_OK);
	CU_ASSERT_EQUAL(avail, 1);
	CU_ASSERT_EQUAL(registrar_check(&f, "taken.gent", &avail), GH_OK);
	CU_ASSERT_EQUAL(avail, 0);
	CU_ASSERT_EQUAL(registrar_check(&f, "other.gent", &avail), GH_EUNAVAIL);
	CU_ASSERT_EQUAL(registrar_check(&f, "slow.gent", &avail), GH_ETIMEOUT);
	teardown(&f);
	unlink(script);
}

static const struct tcase tests[] = {
	TCASE(test_clients),
	TCASE(test_secrets_at_rest),
	TCASE(test_orders),
	TCASE(test_work_claim),
	TCASE(test_work_race),
	TCASE(test_registrar_test_and_local),
	TCASE(test_registrar_command),
};
TPG_MAIN("factory_store", tests, pg)
