/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for the factory's store and registrar backends, each on a
 * fresh database in a temporary directory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "factory.h"
#include "token.h"
#include "tdir.h"
#include "tmain.h"

static char	dir[PATH_MAX], conf[PATH_MAX + 32];

/* A state directory with a key file and a config of the given [factory] lines. */
static int
setup(struct factory *f, const char *factory_lines)
{
	char	sections[256], key[PATH_MAX + 32], errbuf[512];

	snprintf(sections, sizeof(sections), "[factory]\n%s\n", factory_lines);
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

/* Neither the token nor the secrets are in the database file in the clear. */
static void
test_secrets_at_rest(void)
{
	struct factory		f;
	struct factory_order	o;
	char			tok[GH_TOKEN_LEN + 1], path[PATH_MAX + 32], *data;
	FILE			*fp;
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

	snprintf(path, sizeof(path), "%s/factory.db", dir);
	CU_ASSERT_FATAL((fp = fopen(path, "rb")) != NULL);
	data = calloc(1, 1 << 20);
	n = (long)fread(data, 1, (1 << 20) - 1, fp);
	fclose(fp);
	snprintf(path, sizeof(path), "%s/factory.db-wal", dir);
	if ((fp = fopen(path, "rb")) != NULL) {
		n += (long)fread(data + n, 1, (size_t)((1 << 20) - 1 - n), fp);
		fclose(fp);
	}
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
	char		script[128], lines[256];
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
	snprintf(lines, sizeof(lines), "registrar = command\n"
	    "registrar_command = %s\nregistrar_timeout_ms = 300", script);
	CU_ASSERT_FATAL(setup(&f, lines) == 0);
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
	TCASE(test_registrar_test_and_local),
	TCASE(test_registrar_command),
};
TMAIN("factory_store", tests)
