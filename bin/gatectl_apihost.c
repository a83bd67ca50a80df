/* SPDX-License-Identifier: ISC */
/*
 * gatectl_apihost: the API host's grains and tokens.  A grain secret or a
 * webkey it creates is printed alone on stdout.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "apihost.h"
#include "gatectl.h"
#include "log.h"
#include "token.h"

static int
open_apihost(struct apihost *a, unsigned flags)
{
	char	errbuf[512];

	if (apihost_open(a, ctl_config, flags, errbuf, sizeof(errbuf)) != GH_OK)
		return ctl_fail("%s", errbuf);
	return CTL_OK;
}

int
ctl_apihost_init(void)
{
	struct apihost	a;
	int		rc;

	if ((rc = open_apihost(&a, GH_DB_CREATE)) != CTL_OK)
		return rc;
	fprintf(stderr, "gatectl: apihost database %s ready\n", a.db.path);
	apihost_close(&a);
	return CTL_OK;
}

static int
usage(void)
{
	fputs("usage: gatectl apihost grain add NAME --upstream URL "
	    "--api-path /PATH/\n"
	    "       gatectl apihost grain list\n"
	    "       gatectl apihost grain remove NAME\n"
	    "       gatectl apihost token add --grain NAME --user-id ID "
	    "--username NAME\n"
	    "                        --permissions a,b [--petname TEXT] "
	    "[--expires-in SECONDS]\n"
	    "       gatectl apihost token list\n"
	    "       gatectl apihost token revoke ID\n"
	    "       gatectl apihost token purge\n", stderr);
	return CTL_USAGE;
}

static int
grain_add(const char *name, const char *upstream, const char *api_path)
{
	struct apihost	a;
	char		secret[GH_TOKEN_LEN + 1];
	enum gh_err	err;
	int		rc;

	if (!apihost_valid_name(name))
		return ctl_fail("%s: grain names are 1-%d letters, digits, '.', "
		    "'_' or '-'", name, APIHOST_NAME_MAX);
	if (!apihost_valid_upstream(upstream))
		return ctl_fail("%s: an http:// or https:// URL without a "
		    "trailing slash, query or user", upstream);
	if (!apihost_valid_api_path(api_path))
		return ctl_fail("%s: an apiPath starts and ends with '/'",
		    api_path);
	if ((rc = open_apihost(&a, 0)) != CTL_OK)
		return rc;
	if ((err = gh_token_new(secret)) == GH_OK)
		err = apihost_store_grain_add(&a, name, upstream, api_path,
		    secret);
	if (err == GH_ECONFLICT)
		rc = ctl_fail("grain %s exists already", name);
	else if (err != GH_OK)
		rc = ctl_fail("cannot add grain %s: %s", name, gh_strerror(err));
	else
		printf("%s\n", secret);
	apihost_close(&a);
	OPENSSL_cleanse(secret, sizeof(secret));
	return rc;
}

static void
print_grain(const struct apihost_grain *g, long long ntokens, void *arg)
{
	char	c[32], up[APIHOST_URL_MAX * 4];

	(void)arg;
	printf("%-20s %-20s %6lld  %s%s\n", g->name, ctl_when(g->created, c),
	    ntokens, ctl_show(g->upstream, up, sizeof(up)), g->api_path);
}

static int
cmd_grain(int argc, char *argv[])
{
	struct apihost	a;
	enum gh_err	err;
	int		rc;

	if (argc == 6 && strcmp(argv[0], "add") == 0 &&
	    strcmp(argv[2], "--upstream") == 0 &&
	    strcmp(argv[4], "--api-path") == 0)
		return grain_add(argv[1], argv[3], argv[5]);
	if (argc == 1 && strcmp(argv[0], "list") == 0) {
		if ((rc = open_apihost(&a, 0)) != CTL_OK)
			return rc;
		printf("%-20s %-20s %6s  %s\n", "GRAIN", "CREATED", "TOKENS",
		    "FORWARDS TO");
		if ((err = apihost_store_grain_list(&a, print_grain,
		    NULL)) != GH_OK)
			rc = ctl_fail("cannot list grains: %s", gh_strerror(err));
		apihost_close(&a);
		return rc;
	}
	if (argc == 2 && strcmp(argv[0], "remove") == 0) {
		if ((rc = open_apihost(&a, 0)) != CTL_OK)
			return rc;
		err = apihost_store_grain_remove(&a, argv[1]);
		if (err == GH_ENOTFOUND)
			rc = ctl_fail("no grain %s", argv[1]);
		else if (err != GH_OK)
			rc = ctl_fail("cannot remove %s: %s", argv[1],
			    gh_strerror(err));
		else
			fprintf(stderr, "gatectl: removed grain %s and its "
			    "tokens\n", argv[1]);
		apihost_close(&a);
		return rc;
	}
	return usage();
}

static int
token_add(int argc, char *argv[])
{
	struct apihost		 a;
	struct apihost_token_new t;
	char			 token[GH_TOKEN_LEN + 1];
	const char		*errstr;
	long long		 id, expires_in = 0;
	enum gh_err		 err;
	int			 i, rc;

	memset(&t, 0, sizeof(t));
	for (i = 0; i < argc; i += 2) {
		if (i + 1 >= argc)
			return usage();
		if (strcmp(argv[i], "--grain") == 0)
			t.grain = argv[i + 1];
		else if (strcmp(argv[i], "--user-id") == 0)
			t.user_id = argv[i + 1];
		else if (strcmp(argv[i], "--username") == 0)
			t.username = argv[i + 1];
		else if (strcmp(argv[i], "--permissions") == 0)
			t.permissions = argv[i + 1];
		else if (strcmp(argv[i], "--petname") == 0)
			t.petname = argv[i + 1];
		else if (strcmp(argv[i], "--expires-in") == 0) {
			expires_in = gh_strtonum(argv[i + 1], 1, 100LL * 365 *
			    86400, &errstr);
			if (errstr != NULL)
				return ctl_fail("--expires-in: seconds, %s",
				    errstr);
		} else
			return usage();
	}
	if (t.grain == NULL || t.user_id == NULL || t.username == NULL ||
	    t.permissions == NULL)
		return usage();
	if (!apihost_valid_name(t.grain))
		return ctl_fail("%s: not a grain name", t.grain);
	if (!apihost_valid_text(t.user_id, APIHOST_USER_MAX) ||
	    !apihost_valid_text(t.username, APIHOST_USER_MAX) ||
	    (t.petname && !apihost_valid_text(t.petname, APIHOST_PETNAME_MAX)))
		return ctl_fail("user id, username and petname: at most %d "
		    "characters, no control characters", APIHOST_USER_MAX);
	if (!apihost_valid_perms(t.permissions))
		return ctl_fail("%s: permissions are names separated by commas",
		    t.permissions);
	if (expires_in > 0)
		t.expires = gh_now() + expires_in;
	if ((rc = open_apihost(&a, 0)) != CTL_OK)
		return rc;
	if ((err = gh_token_new(token)) == GH_OK)
		err = apihost_store_token_add(&a, &t, token, &id);
	if (err == GH_ENOTFOUND)
		rc = ctl_fail("no grain %s", t.grain);
	else if (err != GH_OK)
		rc = ctl_fail("cannot add the token: %s", gh_strerror(err));
	else {
		printf("%s#%s\n", apihost_conf_str(&a.conf,
		    APIHOST_CONF_PUBLIC_URL), token);
		fprintf(stderr, "gatectl: token %lld for grain %s\n", id,
		    t.grain);
	}
	apihost_close(&a);
	OPENSSL_cleanse(token, sizeof(token));
	return rc;
}

static void
print_token(const struct apihost_token *t, void *arg)
{
	char		 c[32], u[32], e[32], r[32], pet[APIHOST_PETNAME_MAX * 4];
	char		 user[APIHOST_USER_MAX * 4];
	long long	 now = *(const long long *)arg, exp;
	const char	*state = "active";

	exp = t->expires_unused ? t->expires_unused : t->expires;
	if (t->revoked)
		state = "revoked";
	else if (exp && now >= exp)
		state = "expired";
	else if (t->expires_unused)
		state = "unused";
	printf("%-5lld %-16s %-20s %-20s %-20s %-20s %-8s %s %s [%s]\n", t->id,
	    t->grain.name, ctl_show(t->petname, pet, sizeof(pet)),
	    ctl_when(t->created, c), ctl_when(t->last_used, u),
	    ctl_when(exp, e), state,
	    t->revoked ? ctl_when(t->revoked, r) : "",
	    ctl_show(t->username, user, sizeof(user)), t->permissions);
}

static int
cmd_token(int argc, char *argv[])
{
	struct apihost	 a;
	const char	*errstr;
	long long	 id, now = gh_now(), n;
	enum gh_err	 err;
	int		 rc;

	if (argc >= 1 && strcmp(argv[0], "add") == 0)
		return token_add(argc - 1, argv + 1);
	if (argc == 1 && strcmp(argv[0], "list") == 0) {
		if ((rc = open_apihost(&a, 0)) != CTL_OK)
			return rc;
		printf("%-5s %-16s %-20s %-20s %-20s %-20s %-8s %s\n", "ID",
		    "GRAIN", "PETNAME", "CREATED", "LAST USED", "EXPIRES",
		    "STATE", "USER [PERMISSIONS]");
		if ((err = apihost_store_token_list(&a, print_token,
		    &now)) != GH_OK)
			rc = ctl_fail("cannot list tokens: %s", gh_strerror(err));
		apihost_close(&a);
		return rc;
	}
	if (argc == 2 && strcmp(argv[0], "revoke") == 0) {
		id = gh_strtonum(argv[1], 1, (1LL << 62), &errstr);
		if (errstr != NULL)
			return ctl_fail("%s: a token id (see token list)",
			    argv[1]);
		if ((rc = open_apihost(&a, 0)) != CTL_OK)
			return rc;
		err = apihost_store_token_revoke(&a, id);
		if (err == GH_ENOTFOUND)
			rc = ctl_fail("no active token %lld", id);
		else if (err != GH_OK)
			rc = ctl_fail("cannot revoke %lld: %s", id,
			    gh_strerror(err));
		else
			fprintf(stderr, "gatectl: revoked token %lld\n", id);
		apihost_close(&a);
		return rc;
	}
	if (argc == 1 && strcmp(argv[0], "purge") == 0) {
		if ((rc = open_apihost(&a, 0)) != CTL_OK)
			return rc;
		if ((err = apihost_store_token_purge(&a, now, &n)) != GH_OK)
			rc = ctl_fail("cannot purge: %s", gh_strerror(err));
		else
			fprintf(stderr, "gatectl: purged %lld unused offer "
			    "tokens\n", n);
		apihost_close(&a);
		return rc;
	}
	return usage();
}

int
ctl_apihost(int argc, char *argv[])
{
	if (argc >= 1 && strcmp(argv[0], "grain") == 0)
		return cmd_grain(argc - 1, argv + 1);
	if (argc >= 1 && strcmp(argv[0], "token") == 0)
		return cmd_token(argc - 1, argv + 1);
	return usage();
}
