/* SPDX-License-Identifier: ISC */
/*
 * gatectl_acme: certmaker's ACME for the operator: external account
 * binding keys that tie new ACME accounts to a certmaker user, and the
 * accounts and orders there are.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "acme.h"
#include "gatectl.h"
#include "token.h"

#define EAB_KEY_BYTES	32

static int
open_cm(struct certmaker *cm)
{
	char	errbuf[512];

	if (certmaker_open(cm, ctl_config, 0, errbuf, sizeof(errbuf)) != GH_OK)
		return ctl_fail("%s", errbuf);
	return CTL_OK;
}

struct find_user {
	const char	*name;
	long long	 id;	/* 0: not found */
	int		 disabled;
};

static void
find_user(const struct cm_user *u, long long created, void *arg)
{
	struct find_user	*f = arg;

	(void)created;
	if (strcmp(u->name, f->name) == 0) {
		f->id = u->id;
		f->disabled = u->disabled;
	}
}

/*
 * eab add USER: a new key id and HMAC key for USER, printed on stdout as
 * "KID HMAC" (the HMAC key base64url, as certbot's --eab-hmac-key and
 * lego's --hmac take it).  The key is stored sealed.
 */
static int
eab_add(const char *user)
{
	struct certmaker	cm;
	struct find_user	f = { user, 0, 0 };
	struct gh_buf		sealed;
	unsigned char		key[EAB_KEY_BYTES];
	char			kid[ACME_ID_LEN + 1];
	char			hmac[GH_B64URL_SIZE(EAB_KEY_BYTES)];
	enum gh_err		err;
	int			rc;

	if ((rc = open_cm(&cm)) != CTL_OK)
		return rc;
	gh_buf_init(&sealed, 4096);
	if ((err = certmaker_store_user_list(&cm, find_user, &f)) != GH_OK) {
		rc = ctl_fail("cannot read the users: %s", gh_strerror(err));
		goto out;
	}
	if (f.id == 0) {
		rc = ctl_fail("no user %s (gatectl certmaker user add %s)",
		    user, user);
		goto out;
	}
	if (f.disabled)
		fprintf(stderr, "gatectl: note: user %s is disabled\n", user);
	/*
	 * Both go on command lines (certbot --eab-kid KID): one that starts
	 * with '-' would be taken for an option, so draw again (1 in 32).
	 */
	do {
		if ((err = acme_id_new(kid)) != GH_OK ||
		    (err = gh_random(key, sizeof(key))) != GH_OK ||
		    (err = gh_b64url_encode(key, sizeof(key), hmac,
		    sizeof(hmac))) != GH_OK)
			break;
	} while (kid[0] == '-' || hmac[0] == '-');
	if (err != GH_OK ||
	    (err = gh_seal(&cm.key, ACME_EAB_LABEL, key, sizeof(key),
	    &sealed)) != GH_OK ||
	    (err = certmaker_store_acme_eab_add(&cm, kid, f.id, sealed.data,
	    sealed.len)) != GH_OK) {
		rc = ctl_fail("cannot make the key: %s", gh_strerror(err));
		goto out;
	}
	printf("%s %s\n", kid, hmac);
	fprintf(stderr, "gatectl: EAB key %s for %s: give both to the ACME "
	    "client (certbot --eab-kid KID --eab-hmac-key HMAC); it binds "
	    "one account\n", kid, user);
out:
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(hmac, sizeof(hmac));
	gh_buf_free(&sealed);
	certmaker_close(&cm);
	return rc;
}

static void
print_account(const struct acme_account *a, const char *user,
    long long orders, void *arg)
{
	char	created[32];

	(void)arg;
	gh_time_rfc3339(a->created, created);
	printf("%-20s %-11s %-20s %6lld  %-20s %s\n", a->name,
	    a->status < ACME_STATUS__MAX ? acme_status_names[a->status] : "?",
	    user ? user : "?", orders, created,
	    a->contact.data ? a->contact.data : "[]");
}

static void
print_order(const struct acme_order *o, const char *account, void *arg)
{
	char	created[32];

	(void)arg;
	gh_time_rfc3339(o->created, created);
	printf("%-20s %-20s %-10s %-20s %s\n", o->name, account ? account : "?",
	    o->status < ACME_STATUS__MAX ? acme_status_names[o->status] : "?",
	    created, o->serial[0] ? o->serial : "-");
}

int
ctl_certmaker_acme(int argc, char *argv[])
{
	struct certmaker	cm;
	enum gh_err		err;
	int			rc;

	if (argc == 3 && strcmp(argv[0], "eab") == 0 &&
	    strcmp(argv[1], "add") == 0)
		return eab_add(argv[2]);
	if (argc == 1 && (strcmp(argv[0], "accounts") == 0 ||
	    strcmp(argv[0], "orders") == 0)) {
		if ((rc = open_cm(&cm)) != CTL_OK)
			return rc;
		if (argv[0][0] == 'a') {
			printf("%-20s %-11s %-20s %6s  %-20s %s\n", "ACCOUNT",
			    "STATUS", "USER", "ORDERS", "CREATED", "CONTACT");
			err = certmaker_store_acme_account_list(&cm,
			    print_account, NULL);
		} else {
			printf("%-20s %-20s %-10s %-20s %s\n", "ORDER",
			    "ACCOUNT", "STATUS", "CREATED", "SERIAL");
			err = certmaker_store_acme_order_list(&cm, 0, 1000,
			    print_order, NULL);
		}
		if (err != GH_OK)
			rc = ctl_fail("cannot list: %s", gh_strerror(err));
		certmaker_close(&cm);
		return rc;
	}
	fputs("usage: gatectl certmaker acme eab add USER\n"
	    "       gatectl certmaker acme accounts|orders\n", stderr);
	return CTL_USAGE;
}
