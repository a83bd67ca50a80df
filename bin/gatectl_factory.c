/* SPDX-License-Identifier: ISC */
/*
 * gatectl_factory: the factory's database, client tokens, the local
 * registry, and the orders the worker provisions.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "factory.h"
#include "gatectl.h"
#include "log.h"
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
	if (f.test_mode && factory_store_client_mock_ensure(&f) != GH_OK)
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
		err = factory_store_client_add(&f, client, token, secret,
		    (size_t)n);
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
		if ((err = factory_store_client_list(&f, print_client,
		    NULL)) != GH_OK)
			rc = ctl_fail("cannot list clients: %s", gh_strerror(err));
		factory_close(&f);
		return rc;
	}
	if (argc == 2 && strcmp(argv[0], "revoke") == 0) {
		if ((rc = open_factory(&f, 0)) != CTL_OK)
			return rc;
		err = factory_store_client_revoke(&f, argv[1]);
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
		if ((err = factory_store_taken_list(&f, print_domain,
		    NULL)) != GH_OK)
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
	err = add ? factory_store_taken_add(&f,
	    domain) : factory_store_taken_remove(&f, domain);
	if (err == GH_ENOTFOUND)
		rc = ctl_fail("%s is not in the registry", domain);
	else if (err != GH_OK)
		rc = ctl_fail("cannot update the registry: %s", gh_strerror(err));
	factory_close(&f);
	return rc;
}

/* "201 delivered", "- waiting": the callback column of both listings. */
static void
callback_cell(const struct factory_order *o, char *out, size_t outsz)
{
	if (o->callback_status > 0)
		snprintf(out, outsz, "%d %s", o->callback_status,
		    callback_state_names[o->callback_state]);
	else
		snprintf(out, outsz, "- %s",
		    callback_state_names[o->callback_state]);
}

/* One line of `factory orders`; arg counts the lines. */
static void
print_order_row(const struct factory_order *o, const char *client, void *arg)
{
	char	cb[32], next[32], upd[32];
	int	*n = arg;

	callback_cell(o, cb, sizeof(cb));
	printf("%-30s %-16s %-12s %-15s %-20s %s\n", o->domain, client,
	    order_state_names[o->state], cb, ctl_when(o->next_at, next),
	    ctl_when(o->updated, upd));
	(*n)++;
}

/* factory orders: every order, oldest first, one line each. */
static int
orders_list(void)
{
	struct factory	f;
	enum gh_err	err;
	int		rc, n = 0;

	if ((rc = open_factory(&f, 0)) != CTL_OK)
		return rc;
	printf("%-30s %-16s %-12s %-15s %-20s %s\n", "DOMAIN", "CLIENT",
	    "STATE", "CALLBACK", "NEXT", "UPDATED");
	if ((err = factory_store_order_list(&f, print_order_row, &n)) != GH_OK)
		rc = ctl_fail("cannot list orders: %s", gh_strerror(err));
	else if (n == 0)
		fprintf(stderr, "gatectl: no orders\n");
	factory_close(&f);
	return rc;
}

/* One provisioning step of `factory order`. */
static void
print_step(const struct order_step *s, void *arg)
{
	char	t1[32], t2[32], detail[256];

	printf("  %-9s %3d  %-20s  %-20s  %-11s  %s\n", s->step, s->attempt,
	    ctl_when(s->started, t1),
	    s->finished > 0 ? ctl_when(s->finished, t2) :
	    (s->result != NULL ? "-" : "(running)"),
	    s->result != NULL ? s->result : "-",
	    ctl_show(s->detail, detail, sizeof(detail)));
}

/* One callback attempt of `factory order`: its answer or its error. */
static void
print_attempt(const struct callback_attempt *a, void *arg)
{
	char	t[32], result[300], ms[24];
	int	*n = arg;

	if (a->http_status > 0)
		snprintf(result, sizeof(result), "HTTP %d", a->http_status);
	else if (a->error != NULL)
		ctl_show(a->error, result, sizeof(result));
	else
		snprintf(result, sizeof(result), "(in flight)");
	if (a->duration_ms >= 0)
		snprintf(ms, sizeof(ms), "%lld", a->duration_ms);
	else
		snprintf(ms, sizeof(ms), "-");
	printf("  %3d  %-20s  %-6d  %-7s  %-28s  %s\n", ++*n,
	    ctl_when(a->started, t), a->status, ms, a->webhook_id, result);
}

/* A domain argument, checked and lower-cased into out. */
static int
domain_arg(const char *arg, char *out, size_t outsz)
{
	const char	*why;

	if (gh_valid_domain(arg, strlen(arg), out, outsz, &why) != GH_OK)
		return ctl_fail("%s: %s", arg, why);
	return CTL_OK;
}

/*
 * factory order DOMAIN: the order, its provisioning steps and every
 * callback attempt.  Never a secret: not the installerSecret, not the
 * callback secret.
 */
static int
order_show(const char *arg)
{
	struct factory		f;
	struct factory_order	o;
	char			domain[GH_DOMAIN_MAX + 1];
	char			client[FACTORY_CLIENT_MAX + 1], cb[32];
	char			t[32], u[32], err_s[300], url[FACTORY_URL_MAX + 1];
	enum gh_err		err;
	int			rc, n = 0;

	if ((rc = domain_arg(arg, domain, sizeof(domain))) != CTL_OK)
		return rc;
	if ((rc = open_factory(&f, 0)) != CTL_OK)
		return rc;
	if ((err = factory_store_order_get(&f, domain, &o)) != GH_OK) {
		rc = err == GH_ENOTFOUND ? ctl_fail("no order for %s", domain) :
		    ctl_fail("cannot read the order: %s", gh_strerror(err));
		goto out;
	}
	if (factory_store_client_name(&f, o.client_id, client,
	    sizeof(client)) != GH_OK)
		snprintf(client, sizeof(client), "#%lld", o.client_id);
	callback_cell(&o, cb, sizeof(cb));
	printf("domain        %s\n", o.domain);
	printf("client        %s\n", client);
	printf("state         %s", order_state_names[o.state]);
	if (o.attempts > 0)
		printf(" (attempt %d of the current step)", o.attempts);
	printf("\n");
	printf("registered    %s\n", ctl_when(o.registered, t));
	printf("callback URL  %s\n", ctl_show(o.callback, url, sizeof(url)));
	printf("callback      %s", cb);
	if (o.callback_tries > 0)
		printf(" (%d attempt%s in this round)", o.callback_tries,
		    o.callback_tries == 1 ? "" : "s");
	printf("\n");
	printf("webhook-id    %s\n", o.webhook_id[0] ? o.webhook_id : "-");
	printf("next          %s\n", ctl_when(o.next_at, t));
	if (o.lease_owner[0] != '\0')
		printf("claimed by    %s until %s\n", o.lease_owner,
		    ctl_when(o.lease_until, t));
	printf("last error    %s\n",
	    ctl_show(o.last_error, err_s, sizeof(err_s)));
	printf("created       %s\n", ctl_when(o.created, t));
	printf("updated       %s\n", ctl_when(o.updated, u));

	printf("\nsteps:\n  %-9s %3s  %-20s  %-20s  %-11s  %s\n", "STEP", "#",
	    "STARTED", "FINISHED", "RESULT", "DETAIL");
	if ((err = factory_store_order_steps(&f, o.id, print_step,
	    NULL)) != GH_OK) {
		rc = ctl_fail("cannot read the steps: %s", gh_strerror(err));
		goto out;
	}
	printf("\ncallback attempts:\n  %3s  %-20s  %-6s  %-7s  %-28s  %s\n",
	    "#", "STARTED", "STATUS", "MS", "WEBHOOK-ID", "RESULT");
	if ((err = factory_store_order_callbacks(&f, o.id, print_attempt,
	    &n)) !=
	    GH_OK)
		rc = ctl_fail("cannot read the callback attempts: %s",
		    gh_strerror(err));
out:
	factory_close(&f);
	return rc;
}

/* factory retry|redeliver DOMAIN, then a nudge to a listening worker. */
static int
order_kick(const char *arg, int redeliver)
{
	struct factory		 f;
	struct factory_order	 o;
	char			 domain[GH_DOMAIN_MAX + 1], t[32];
	const char		*why = "";
	enum gh_err		 err;
	int			 rc;

	if ((rc = domain_arg(arg, domain, sizeof(domain))) != CTL_OK)
		return rc;
	if ((rc = open_factory(&f, 0)) != CTL_OK)
		return rc;
	err = redeliver ? worker_redeliver(&f, domain, &o, &why) :
	    worker_retry(&f, domain, &o, &why);
	if (err == GH_ENOTFOUND)
		rc = ctl_fail("no order for %s", domain);
	else if (err == GH_EINVAL)
		rc = ctl_fail("%s: %s", domain, why);
	else if (err == GH_EBUSY)
		rc = ctl_fail("%s: a worker (%s) holds the order until %s; "
		    "try again then", domain, o.lease_owner,
		    ctl_when(o.lease_until, t));
	else if (err != GH_OK)
		rc = ctl_fail("%s: %s", domain, gh_strerror(err));
	else {
		fprintf(stderr, "gatectl: %s: %s is due now (%s, callback %s)\n",
		    domain, redeliver ? "the callback" : "provisioning",
		    order_state_names[o.state],
		    callback_state_names[o.callback_state]);
		/* Only a listening worker: gatectl may run as root, so never start one. */
		if (wake_worker(&f, 0))
			fprintf(stderr, "gatectl: a worker was woken\n");
		else
			fprintf(stderr, "gatectl: no worker is listening: the "
			    "next cron run picks it up\n");
	}
	factory_close(&f);
	return rc;
}

int
ctl_factory_orders(int argc, char *argv[])
{
	if (argc == 0)
		return orders_list();
	fputs("usage: gatectl factory orders\n", stderr);
	return CTL_USAGE;
}

int
ctl_factory_order(int argc, char *argv[])
{
	if (argc == 1)
		return order_show(argv[0]);
	fputs("usage: gatectl factory order DOMAIN\n", stderr);
	return CTL_USAGE;
}

int
ctl_factory_retry(int argc, char *argv[])
{
	if (argc == 1)
		return order_kick(argv[0], 0);
	fputs("usage: gatectl factory retry DOMAIN\n", stderr);
	return CTL_USAGE;
}

int
ctl_factory_redeliver(int argc, char *argv[])
{
	if (argc == 1)
		return order_kick(argv[0], 1);
	fputs("usage: gatectl factory redeliver DOMAIN\n", stderr);
	return CTL_USAGE;
}
