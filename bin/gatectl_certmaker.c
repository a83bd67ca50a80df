/* SPDX-License-Identifier: ISC */
/*
 * gatectl_certmaker: certmaker's database, its root and its users.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "certmaker.h"
#include "gatectl.h"
#include "log.h"
#include "token.h"

static int
open_certmaker(struct certmaker *cm, unsigned flags)
{
	char	errbuf[512];

	if (certmaker_open(cm, ctl_config, flags, errbuf, sizeof(errbuf)) !=
	    GH_OK)
		return ctl_fail("%s", errbuf);
	return CTL_OK;
}

/* Make the root; GH_ECONFLICT if there is one. */
static int
make_ca(struct certmaker *cm, const char *subject, enum cm_key_type type,
    long long days)
{
	char		why[256] = "";
	enum gh_err	err;

	err = certmaker_make_ca(cm, subject, type, days, why, sizeof(why));
	if (err == GH_ECONFLICT)
		return ctl_fail("certmaker has a root already");
	if (err != GH_OK)
		return ctl_fail("cannot make the root: %s",
		    why[0] ? why : gh_strerror(err));
	fprintf(stderr, "gatectl: certmaker root made (%s, %lld days)\n",
	    cm_key_type_names[type], days);
	return CTL_OK;
}

int
ctl_certmaker_init(void)
{
	struct certmaker	cm;
	int			rc;

	if ((rc = open_certmaker(&cm, GH_DB_CREATE)) != CTL_OK)
		return rc;
	if (cm.ca == NULL)
		rc = make_ca(&cm, NULL, CM_KEY_ECDSA_P256, CM_CA_DAYS_DEFAULT);
	if (rc == CTL_OK)
		fprintf(stderr, "gatectl: certmaker database %s ready\n",
		    cm.db.path);
	certmaker_close(&cm);
	return rc;
}

static int
init_ca(int argc, char *argv[])
{
	struct certmaker	 cm;
	enum cm_key_type	 type = CM_KEY_ECDSA_P256;
	const char		*subject = NULL, *errstr;
	long long		 days = CM_CA_DAYS_DEFAULT;
	int			 i, rc;

	for (i = 0; i < argc; i += 2) {
		if (i + 1 >= argc)
			goto usage;
		if (strcmp(argv[i], "--subject") == 0)
			subject = argv[i + 1];
		else if (strcmp(argv[i], "--key-type") == 0) {
			if (cm_key_type_parse(argv[i + 1], 1, &type) != GH_OK ||
			    type == CM_KEY_RSA_2048)
				return ctl_fail("--key-type: ecdsa-p256, "
				    "rsa-4096 or ed25519");
		} else if (strcmp(argv[i], "--days") == 0) {
			days = gh_strtonum(argv[i + 1], 1, 36500, &errstr);
			if (errstr != NULL)
				return ctl_fail("--days: 1 to 36500");
		} else
			goto usage;
	}
	if ((rc = open_certmaker(&cm, 0)) != CTL_OK)
		return rc;
	rc = make_ca(&cm, subject, type, days);
	certmaker_close(&cm);
	return rc;
usage:
	fputs("usage: gatectl certmaker init-ca [--subject /O=…/CN=…] "
	    "[--key-type ecdsa-p256|rsa-4096|ed25519] [--days N]\n", stderr);
	return CTL_USAGE;
}

/* User names: what an operator would type, and safe in any log. */
static int
valid_user(const char *s)
{
	size_t	n = strlen(s);

	return n > 0 && n <= CM_USER_MAX &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789._@-") == n;
}

/* user add NAME [--admin], user rotate-token NAME: print the new token alone. */
static int
user_token(const char *name, int add, int admin)
{
	struct certmaker	cm;
	char			token[GH_TOKEN_LEN + 1];
	enum gh_err		err;
	int			rc;

	if (!valid_user(name))
		return ctl_fail("%s: user names are 1-%d letters, digits, '.', "
		    "'_', '@' or '-'", name, CM_USER_MAX);
	if ((rc = open_certmaker(&cm, 0)) != CTL_OK)
		return rc;
	if ((err = gh_token_new(token)) == GH_OK)
		err = add ? certmaker_store_user_add(&cm, name, token, admin) :
		    certmaker_store_user_token(&cm, name, token);
	if (err == GH_ECONFLICT)
		rc = ctl_fail("user %s exists already", name);
	else if (err == GH_ENOTFOUND)
		rc = ctl_fail("no user %s", name);
	else if (err != GH_OK)
		rc = ctl_fail("cannot store the token of %s: %s", name,
		    gh_strerror(err));
	else
		printf("%s\n", token);
	OPENSSL_cleanse(token, sizeof(token));
	certmaker_close(&cm);
	return rc;
}

static void
print_user(const struct cm_user *u, long long created, void *arg)
{
	char	c[32];

	gh_time_rfc3339(created, c);
	printf("%-24s %-20s %-8s %s\n", u->name, c, u->admin ? "admin" : "user",
	    u->disabled ? "disabled" : "active");
}

int
ctl_certmaker(int argc, char *argv[])
{
	struct certmaker	cm;
	enum gh_err		err;
	int			rc, disable;

	if (argc >= 1 && strcmp(argv[0], "init-ca") == 0)
		return init_ca(argc - 1, argv + 1);
	if (argc >= 1 && strcmp(argv[0], "acme") == 0)
		return ctl_certmaker_acme(argc - 1, argv + 1);
	if (argc < 2 || strcmp(argv[0], "user") != 0)
		goto usage;
	if (argc == 3 && strcmp(argv[1], "add") == 0)
		return user_token(argv[2], 1, 0);
	if (argc == 4 && strcmp(argv[1], "add") == 0 &&
	    strcmp(argv[3], "--admin") == 0)
		return user_token(argv[2], 1, 1);
	if (argc == 3 && strcmp(argv[1], "rotate-token") == 0)
		return user_token(argv[2], 0, 0);
	if (argc == 2 && strcmp(argv[1], "list") == 0) {
		if ((rc = open_certmaker(&cm, 0)) != CTL_OK)
			return rc;
		printf("%-24s %-20s %-8s %s\n", "USER", "CREATED", "ROLE",
		    "STATE");
		if ((err = certmaker_store_user_list(&cm, print_user,
		    NULL)) != GH_OK)
			rc = ctl_fail("cannot list users: %s", gh_strerror(err));
		certmaker_close(&cm);
		return rc;
	}
	if (argc == 3 && ((disable = strcmp(argv[1], "disable") == 0) ||
	    strcmp(argv[1], "enable") == 0)) {
		if ((rc = open_certmaker(&cm, 0)) != CTL_OK)
			return rc;
		err = certmaker_store_user_disable(&cm, argv[2], disable);
		if (err == GH_ENOTFOUND)
			rc = ctl_fail("no user %s", argv[2]);
		else if (err != GH_OK)
			rc = ctl_fail("cannot change %s: %s", argv[2],
			    gh_strerror(err));
		else
			fprintf(stderr, "gatectl: %s %s\n", argv[2],
			    disable ? "disabled" : "enabled");
		certmaker_close(&cm);
		return rc;
	}
usage:
	fputs("usage: gatectl certmaker init-ca [--subject /O=…/CN=…] "
	    "[--key-type ecdsa-p256|rsa-4096|ed25519] [--days N]\n"
	    "       gatectl certmaker user add NAME [--admin]\n"
	    "       gatectl certmaker user list\n"
	    "       gatectl certmaker user disable|enable NAME\n"
	    "       gatectl certmaker user rotate-token NAME\n"
	    "       gatectl certmaker acme eab add USER\n"
	    "       gatectl certmaker acme accounts|orders\n", stderr);
	return CTL_USAGE;
}
