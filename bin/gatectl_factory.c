/* SPDX-License-Identifier: ISC */
/*
 * gatectl_factory: the factory's database and client tokens.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "factory.h"
#include "gatectl.h"
#include "token.h"

static int
open_factory(struct factory *f, unsigned flags)
{
	char	errbuf[512];

	if (factory_open(f, ctl_config, flags, errbuf, sizeof(errbuf)) != GH_OK)
		return ctl_fail("%s", errbuf);
	return CTL_OK;
}

int
ctl_factory_init(void)
{
	struct factory	f;
	int		rc;

	if ((rc = open_factory(&f, GH_DB_CREATE)) != CTL_OK)
		return rc;
	if (f.test_mode && store_client_mock_ensure(&f) != GH_OK)
		rc = ctl_fail("factory: cannot create the mock client");
	else
		fprintf(stderr, "gatectl: factory database %s ready\n",
		    f.db.path);
	factory_close(&f);
	return rc;
}

/* Client names: what an operator would type, and safe in any log. */
static int
valid_client(const char *s)
{
	size_t	n = strlen(s);

	return n > 0 && n <= FACTORY_CLIENT_MAX &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789._-") == n;
}

static int
token_add(const char *client, const char *secretfile)
{
	struct factory	f;
	char		secret[FACTORY_SECRET_MAX + 2];
	char		token[GH_TOKEN_LEN + 1];
	long		n;
	enum gh_err	err;
	int		rc;

	if (!valid_client(client))
		return ctl_fail("%s: client names are 1-%d letters, digits, "
		    "'.', '_' or '-'", client, FACTORY_CLIENT_MAX);
	if ((n = ctl_read_secret(secretfile, secret, FACTORY_SECRET_MAX)) < 0)
		return CTL_FAIL;
	if ((rc = open_factory(&f, 0)) != CTL_OK)
		goto out;
	if ((err = gh_token_new(token)) == GH_OK)
		err = store_client_add(&f, client, token, secret, (size_t)n);
	if (err == GH_ECONFLICT)
		rc = ctl_fail("client %s exists already", client);
	else if (err != GH_OK)
		rc = ctl_fail("cannot add client %s: %s", client,
		    gh_strerror(err));
	else
		printf("%s\n", token);
	factory_close(&f);
out:
	OPENSSL_cleanse(secret, sizeof(secret));
	OPENSSL_cleanse(token, sizeof(token));
	return rc;
}

static void
print_client(const char *name, long long created, long long revoked,
    int mock, void *arg)
{
	char	c[32], r[32];

	gh_time_rfc3339(created, c);
	if (revoked)
		gh_time_rfc3339(revoked, r);
	printf("%-24s %-20s %s%s\n", name, c, revoked ? "revoked " : "active",
	    revoked ? r : (mock ? " (test-mode mock)" : ""));
}

int
ctl_factory_token(int argc, char *argv[])
{
	struct factory	f;
	enum gh_err	err;
	int		rc;

	if (argc == 4 && strcmp(argv[0], "add") == 0 &&
	    strcmp(argv[2], "--callback-secret-file") == 0)
		return token_add(argv[1], argv[3]);
	if (argc == 1 && strcmp(argv[0], "list") == 0) {
		if ((rc = open_factory(&f, 0)) != CTL_OK)
			return rc;
		printf("%-24s %-20s %s\n", "CLIENT", "CREATED", "STATE");
		if ((err = store_client_list(&f, print_client, NULL)) != GH_OK)
			rc = ctl_fail("cannot list clients: %s", gh_strerror(err));
		factory_close(&f);
		return rc;
	}
	if (argc == 2 && strcmp(argv[0], "revoke") == 0) {
		if ((rc = open_factory(&f, 0)) != CTL_OK)
			return rc;
		err = store_client_revoke(&f, argv[1]);
		if (err == GH_ENOTFOUND)
			rc = ctl_fail("no active client %s", argv[1]);
		else if (err != GH_OK)
			rc = ctl_fail("cannot revoke %s: %s", argv[1],
			    gh_strerror(err));
		else
			fprintf(stderr, "gatectl: revoked %s\n", argv[1]);
		factory_close(&f);
		return rc;
	}
	fputs("usage: gatectl token add CLIENT --callback-secret-file FILE\n"
	    "       gatectl token list\n"
	    "       gatectl token revoke CLIENT\n", stderr);
	return CTL_USAGE;
}

static void
print_domain(const char *domain, void *arg)
{
	printf("%s\n", domain);
}

/* taken add|remove DOMAIN, taken list: the `local` registrar's registry. */
int
ctl_factory_taken(int argc, char *argv[])
{
	struct factory	 f;
	char		 domain[GH_DOMAIN_MAX + 1];
	const char	*why;
	enum gh_err	 err;
	int		 rc, add;

	if (argc == 1 && strcmp(argv[0], "list") == 0) {
		if ((rc = open_factory(&f, 0)) != CTL_OK)
			return rc;
		if ((err = store_taken_list(&f, print_domain, NULL)) != GH_OK)
			rc = ctl_fail("cannot list: %s", gh_strerror(err));
		factory_close(&f);
		return rc;
	}
	if (argc != 2 || ((add = strcmp(argv[0], "add") == 0) == 0 &&
	    strcmp(argv[0], "remove") != 0)) {
		fputs("usage: gatectl taken add|remove DOMAIN\n"
		    "       gatectl taken list\n", stderr);
		return CTL_USAGE;
	}
	if (gh_valid_domain(argv[1], strlen(argv[1]), domain, sizeof(domain),
	    &why) != GH_OK)
		return ctl_fail("%s: %s", argv[1], why);
	if ((rc = open_factory(&f, 0)) != CTL_OK)
		return rc;
	err = add ? store_taken_add(&f, domain) : store_taken_remove(&f, domain);
	if (err == GH_ENOTFOUND)
		rc = ctl_fail("%s is not in the registry", domain);
	else if (err != GH_OK)
		rc = ctl_fail("cannot update the registry: %s", gh_strerror(err));
	factory_close(&f);
	return rc;
}
