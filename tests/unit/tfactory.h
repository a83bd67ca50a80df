/* SPDX-License-Identifier: ISC */
/*
 * tfactory: what test_worker and test_callback share: a factory in a
 * state directory of its own (tdir.h), with a client, a deploy_command
 * script and the worker, driven end to end, and readers of what it logged
 * and stored.
 */
#ifndef TFACTORY_H
#define TFACTORY_H

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "factory.h"
#include "sections.h"
#include "token.h"
#include "tdir.h"
#include "tserver.h"

/* The client's callback secret, in Standard Webhooks' own spelling. */
#define SECRET		"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
#define INSTALLER	"installer-SECRET-1234"

/* The deploy command: logs what it got, then acts by the domain's name. */
static const char deploy_sh[] __attribute__((unused)) =
    "#!/bin/sh\n"
    "d=$(dirname \"$0\")\n"
    "secret=$(cat)\n"
    "printf '%s retry=%s argc=%s\\n' \"$1\" \"$GATEHOUSE_DEPLOY_RETRY\" $# "
    ">> \"$d/deploy.log\"\n"
    "printf '%s\\n' \"$secret\" >> \"$d/deploy.stdin\"\n"
    "env >> \"$d/deploy.env\"\n"
    "case $1 in\n"
    "fail*) exit 3 ;;\n"
    "slow*) sleep 2 ;;\n"
    "crash*) if [ ! -e \"$d/crashed\" ]; then : > \"$d/crashed\"; "
    "kill -9 $PPID; sleep 1; fi ;;\n"
    "esac\n"
    "exit 0\n";

struct env {
	struct factory	f;
	struct worker	w;
	char		dir[PATH_MAX];
	char		conf[PATH_MAX];
	long long	client;
	int		open;
};

/* dir/name into out. */
static inline void
epath(const struct env *e, const char *name, char *out, size_t outsz)
{
	CU_ASSERT_FATAL((size_t)snprintf(out, outsz, "%s/%s", e->dir, name) <
	    outsz);
}

/* The whole of dir/name ("" when missing); free it. */
static inline char *
slurp(const struct env *e, const char *name)
{
	char	 path[PATH_MAX], *buf;
	FILE	*fp;
	size_t	 n = 0;

	epath(e, name, path, sizeof(path));
	CU_ASSERT_FATAL((buf = calloc(1, 1 << 16)) != NULL);
	if ((fp = fopen(path, "r")) != NULL) {
		n = fread(buf, 1, (1 << 16) - 1, fp);
		fclose(fp);
	}
	buf[n] = '\0';
	return buf;
}

/* Lines in dir/name. */
static inline int
lines(const struct env *e, const char *name)
{
	char	*s = slurp(e, name), *p;
	int	 n = 0;

	for (p = s; *p != '\0'; p++)
		n += *p == '\n';
	free(s);
	return n;
}

/* Open the factory and a worker on e's state directory. */
static inline void
env_attach(struct env *e, unsigned flags)
{
	char	errbuf[512];

	if (factory_open(&e->f, e->conf, flags, errbuf, sizeof(errbuf)) !=
	    GH_OK)
		printf("factory_open: %s\n", errbuf);
	CU_ASSERT_FATAL(worker_init(&e->w, &e->f) == GH_OK);
	e->open = 1;
}

static inline void
env_detach(struct env *e)
{
	if (!e->open)
		return;
	worker_free(&e->w);
	factory_close(&e->f);
	e->open = 0;
}

/*
 * A fresh state directory name/ with a key, the deploy script and a test
 * configuration; the [factory] lines in extra are added, and replace the
 * defaults below that they name.  The client "hallo" has SECRET as its
 * callback secret.
 */
static inline void
env_open(struct env *e, const char *name, const char *extra)
{
	static const char *const	 defaults[] = {
		"mode = test", "registrar = test", "allow_http_callback = yes",
		"deploy_timeout_s = 10", "provision_attempts = 2",
		"provision_backoff_s = 1", "callback_schedule = 5, 5",
		"callback_connect_timeout_ms = 1000",
		"callback_timeout_ms = 1000", "lease_s = 5",
		"worker_program =",
		/* The receivers are on loopback, denied by default. */
		"callback_allow = 127.0.0.0/8, ::1/128",
	};
	struct factory_client	 c;
	char			 path[PATH_MAX], key[64], tok[GH_TOKEN_LEN + 1];
	FILE			*fp;
	size_t			 i, n;

	memset(e, 0, sizeof(*e));
	tpath(name, e->dir, sizeof(e->dir));
	CU_ASSERT_FATAL(mkdir(e->dir, 0700) == 0);
	epath(e, "secret.key", path, sizeof(path));
	CU_ASSERT_FATAL(gh_key_create(path) == GH_OK);
	epath(e, "deploy.sh", path, sizeof(path));
	CU_ASSERT_FATAL((fp = fopen(path, "w")) != NULL);
	fputs(deploy_sh, fp);
	fclose(fp);
	CU_ASSERT_FATAL(chmod(path, 0700) == 0);
	epath(e, "gatehouse.conf", e->conf, sizeof(e->conf));
	CU_ASSERT_FATAL((fp = fopen(e->conf, "w")) != NULL);
	fprintf(fp, "[gatehouse]\nstate_dir = %s\nlog_requests = no\n"
	    "[factory]\n%s\n", e->dir, extra);
	if (strstr(extra, "deploy_command =") == NULL)
		fprintf(fp, "deploy_command = %s\n", path);
	for (i = 0; i < GH_NELEM(defaults); i++) {
		n = strcspn(defaults[i], " ");
		snprintf(key, sizeof(key), "%.*s =", (int)n, defaults[i]);
		if (strstr(extra, key) == NULL)
			fprintf(fp, "%s\n", defaults[i]);
	}
	fclose(fp);
	env_attach(e, GH_DB_CREATE);
	CU_ASSERT_FATAL(gh_token_new(tok) == GH_OK);
	CU_ASSERT_FATAL(factory_store_client_add(&e->f, "hallo", tok, SECRET,
	    strlen(SECRET)) == GH_OK);
	CU_ASSERT_FATAL(factory_store_client_by_token(&e->f, tok, strlen(tok),
	    &c) ==
	    GH_OK);
	e->client = c.id;
}

/* Order domain with the callback base url. */
static inline void
order(struct env *e, const char *domain, const char *url)
{
	struct factory_order	o;
	int			same;

	CU_ASSERT_FATAL(factory_store_order_add(&e->f, e->client, domain, url,
	    INSTALLER, strlen(INSTALLER), &o, &same) == GH_OK);
}

static inline struct factory_order
get(struct env *e, const char *domain)
{
	struct factory_order	o;

	memset(&o, 0, sizeof(o));
	CU_ASSERT_FATAL(factory_store_order_get(&e->f, domain, &o) == GH_OK);
	return o;
}

/* One worker pass that must succeed; whether it did anything. */
static inline int
pass(struct env *e)
{
	int	did = -1;

	CU_ASSERT_FATAL(worker_pass(&e->w, &did) == GH_OK);
	return did;
}

/* The steps of an order, as "register:1:ok deploy:1:failed …". */
static inline void
step_cat(const struct order_step *s, void *arg)
{
	char	*out = arg;
	char	 one[64];

	snprintf(one, sizeof(one), "%s%s:%d:%s", out[0] ? " " : "", s->step,
	    s->attempt, s->result ? s->result : "-");
	gh_strlcat(out, one, 512);
}

static inline void
steps(struct env *e, const char *domain, char out[512])
{
	struct factory_order	o = get(e, domain);

	out[0] = '\0';
	CU_ASSERT(factory_store_order_steps(&e->f, o.id, step_cat,
	    out) == GH_OK);
}

/* The callback attempts, as "201:200 201:- …" (status:http, or the error). */
static inline void
attempt_cat(const struct callback_attempt *a, void *arg)
{
	char	*out = arg;
	char	 one[64];

	if (a->http_status > 0)
		snprintf(one, sizeof(one), "%s%d:%d", out[0] ? " " : "",
		    a->status, a->http_status);
	else
		snprintf(one, sizeof(one), "%s%d:%s", out[0] ? " " : "",
		    a->status, a->error != NULL &&
		    strcmp(a->error, "interrupted") == 0 ? "interrupted" :
		    (a->error != NULL ? "error" : "-"));
	gh_strlcat(out, one, 512);
}

static inline void
attempts(struct env *e, const char *domain, char out[512])
{
	struct factory_order	o = get(e, domain);

	out[0] = '\0';
	CU_ASSERT(factory_store_order_callbacks(&e->f, o.id, attempt_cat,
	    out) ==
	    GH_OK);
}

/* The value of header name in the n-th (from 0) logged request. */
static inline int
header(const char *log, int nth, const char *name, char *out, size_t outsz)
{
	const char	*p = log, *v, *end;
	char		 want[64];
	int		 i;

	for (i = 0; i <= nth; i++) {
		if ((p = strstr(p, "=== REQUEST\n")) == NULL)
			return -1;
		p++;
	}
	end = strstr(p, "\r\n\r\n");
	snprintf(want, sizeof(want), "\r\n%s: ", name);
	if ((v = strcasestr(p, want)) == NULL || end == NULL || v > end)
		return -1;
	v += strlen(want);
	snprintf(out, outsz, "%.*s", (int)strcspn(v, "\r"), v);
	return 0;
}

/* The signature the n-th request carries is right for its id, time and body. */
static inline int
signature_ok(const char *log, int nth, const char *body)
{
	char		id[64], ts[32], sig[128], want[128];
	long long	t;

	if (header(log, nth, "webhook-id", id, sizeof(id)) != 0 ||
	    header(log, nth, "webhook-timestamp", ts, sizeof(ts)) != 0 ||
	    header(log, nth, "webhook-signature", sig, sizeof(sig)) != 0)
		return 0;
	t = strtoll(ts, NULL, 10);
	if (t < gh_now() - 60 || t > gh_now())
		return 0;
	if (callback_sign(SECRET, strlen(SECRET), id, t, body, strlen(body),
	    want, sizeof(want)) != GH_OK)
		return 0;
	return strcmp(sig, want) == 0;
}


/* Run one worker pass in a child process on e's configuration. */
static inline pid_t
fork_worker(struct env *e)
{
	struct env	c;
	pid_t		pid;

	fflush(NULL);
	if ((pid = fork()) != 0)
		return pid;
	c = *e;
	c.open = 0;
	env_attach(&c, 0);
	_exit(worker_pass(&c.w, NULL) == GH_OK ? 0 : 1);
}

/* Wait until cond (a file with n lines, a request logged) or 5 s pass. */
static inline void
wait_lines(struct env *e, const char *name, int n)
{
	int	i;

	for (i = 0; i < 500 && lines(e, name) < n; i++)
		usleep(10000);
}

#endif
