/* SPDX-License-Identifier: ISC */
/*
 * test_worker: the factory's worker.  The backoff and callback schedules
 * (bounds, jitter range, cap), the Standard Webhooks signature against its
 * published test vector, and the order state machine driven end to end:
 * the test registrar's fixtures, a deploy_command script in a temporary
 * directory, and a callback receiver on loopback (tserver.h).  Crashes are
 * real: a forked worker is killed with SIGKILL during a deploy and during a
 * callback, and another worker must finish the order with nothing lost and
 * no completed step repeated.
 */
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
#include "token.h"
#include "tdir.h"
#include "tmain.h"
#include "tserver.h"
#include "sections.h"

/* The client's callback secret, in Standard Webhooks' own spelling. */
#define SECRET		"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
#define INSTALLER	"installer-SECRET-1234"

/* The deploy command: logs what it got, then acts by the domain's name. */
static const char deploy_sh[] =
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
static void
epath(const struct env *e, const char *name, char *out, size_t outsz)
{
	CU_ASSERT_FATAL((size_t)snprintf(out, outsz, "%s/%s", e->dir, name) <
	    outsz);
}

/* The whole of dir/name ("" when missing); free it. */
static char *
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
static int
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
static void
env_attach(struct env *e, unsigned flags)
{
	char	errbuf[512];

	if (factory_open(&e->f, e->conf, flags, errbuf, sizeof(errbuf)) !=
	    GH_OK)
		printf("factory_open: %s\n", errbuf);
	CU_ASSERT_FATAL(worker_init(&e->w, &e->f) == GH_OK);
	e->open = 1;
}

static void
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
static void
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
static void
order(struct env *e, const char *domain, const char *url)
{
	struct factory_order	o;
	int			same;

	CU_ASSERT_FATAL(factory_store_order_add(&e->f, e->client, domain, url,
	    INSTALLER, strlen(INSTALLER), &o, &same) == GH_OK);
}

static struct factory_order
get(struct env *e, const char *domain)
{
	struct factory_order	o;

	memset(&o, 0, sizeof(o));
	CU_ASSERT_FATAL(factory_store_order_get(&e->f, domain, &o) == GH_OK);
	return o;
}

/* One worker pass that must succeed; whether it did anything. */
static int
pass(struct env *e)
{
	int	did = -1;

	CU_ASSERT_FATAL(worker_pass(&e->w, &did) == GH_OK);
	return did;
}

/* The steps of an order, as "register:1:ok deploy:1:failed …". */
static void
step_cat(const struct order_step *s, void *arg)
{
	char	*out = arg;
	char	 one[64];

	snprintf(one, sizeof(one), "%s%s:%d:%s", out[0] ? " " : "", s->step,
	    s->attempt, s->result ? s->result : "-");
	gh_strlcat(out, one, 512);
}

static void
steps(struct env *e, const char *domain, char out[512])
{
	struct factory_order	o = get(e, domain);

	out[0] = '\0';
	CU_ASSERT(factory_store_order_steps(&e->f, o.id, step_cat,
	    out) == GH_OK);
}

/* The callback attempts, as "201:200 201:- …" (status:http, or the error). */
static void
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

static void
attempts(struct env *e, const char *domain, char out[512])
{
	struct factory_order	o = get(e, domain);

	out[0] = '\0';
	CU_ASSERT(factory_store_order_callbacks(&e->f, o.id, attempt_cat,
	    out) ==
	    GH_OK);
}

/* The value of header name in the n-th (from 0) logged request. */
static int
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
static int
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

/* --- schedules ------------------------------------------------------------ */

static void
test_backoff(void)
{
	static const struct {
		int		line;
		long long	base;
		int		n;
		long long	want;
	} t[] = {
		{ __LINE__, 60, 1, 60 },
		{ __LINE__, 60, 2, 120 },
		{ __LINE__, 60, 3, 240 },
		{ __LINE__, 60, 6, 1920 },
		{ __LINE__, 60, 7, 3600 },	/* 3840 capped */
		{ __LINE__, 60, 8, 3600 },
		{ __LINE__, 60, 1000, 3600 },
		{ __LINE__, 1, 1, 1 },
		{ __LINE__, 1, 12, 2048 },
		{ __LINE__, 1, 13, 3600 },
		{ __LINE__, 3600, 1, 3600 },
		{ __LINE__, 3600, 5, 3600 },
		{ __LINE__, 5000, 1, 5000 },	/* a base above the cap stays */
		{ __LINE__, 5000, 9, 5000 },
		{ __LINE__, 86400, 100, 86400 },
	};
	size_t	i;

	for (i = 0; i < GH_NELEM(t); i++)
		TROW(t[i].line, worker_backoff(t[i].base, t[i].n) == t[i].want);
}

static void
test_jitter(void)
{
	static const struct {
		int		line;
		long long	delay, lo, hi;
	} t[] = {
		{ __LINE__, 0, 1, 1 },
		{ __LINE__, 1, 1, 1 },
		{ __LINE__, 5, 4, 6 },
		{ __LINE__, 10, 8, 12 },
		{ __LINE__, 300, 240, 360 },
		{ __LINE__, 36000, 28800, 43200 },
		{ __LINE__, 604800, 483840, 725760 },
	};
	long long	v, min, max;
	unsigned	r;
	size_t		i, k;

	for (i = 0; i < GH_NELEM(t); i++) {
		/* The extremes of r reach the ends of the range exactly. */
		TROW(t[i].line, worker_jitter(t[i].delay, 0) == t[i].lo);
		TROW(t[i].line, worker_jitter(t[i].delay, UINT_MAX) == t[i].hi);
		min = LLONG_MAX;
		max = 0;
		for (k = 0; k < 2000; k++) {
			CU_ASSERT_FATAL(gh_random(&r, sizeof(r)) == GH_OK);
			v = worker_jitter(t[i].delay, r);
			min = v < min ? v : min;
			max = v > max ? v : max;
		}
		TROW(t[i].line, min >= t[i].lo && max <= t[i].hi);
		/* And the draws really spread over it. */
		if (t[i].delay >= 300)
			TROW(t[i].line, min < t[i].delay * 95 / 100 &&
			    max > t[i].delay * 105 / 100);
	}
}

static void
test_callback_schedule(void)
{
	static const long long	 want[] = { 5, 300, 1800, 7200, 18000, 36000,
	    36000, 86400, 86400 };
	long long		 sched[GH_CONF_LIST_MAX], sum = 0;
	struct gh_conf		 c;
	char			 path[PATH_MAX], errbuf[512];
	FILE			*fp;
	size_t			 n, i;

	/* The default: 9 waits, so 10 attempts, some 3.1 days in all. */
	tpath("defaults.conf", path, sizeof(path));
	CU_ASSERT_FATAL((fp = fopen(path, "w")) != NULL);
	fprintf(fp, "[gatehouse]\nstate_dir = %s\n", tdir);
	fclose(fp);
	memset(&c, 0, sizeof(c));
	CU_ASSERT_FATAL(gh_conf_load(&c, gatehouse_sections, path, errbuf,
	    sizeof(errbuf)) ==
	    GH_OK);
	n = gh_conf_intlist(&c, &factory_conf, FACTORY_CONF_CALLBACK_SCHEDULE,
	    sched, GH_NELEM(sched));
	CU_ASSERT_EQUAL_FATAL(n, GH_NELEM(want));
	for (i = 0; i < n; i++) {
		CU_ASSERT_EQUAL(sched[i], want[i]);
		CU_ASSERT_EQUAL(callback_delay(sched, n, (int)i + 1),
		    want[i]);
		sum += sched[i];
	}
	CU_ASSERT_EQUAL(sum, 272105);
	/* Out of the schedule on either side: dead. */
	CU_ASSERT_EQUAL(callback_delay(sched, n, 0), -1);
	CU_ASSERT_EQUAL(callback_delay(sched, n, 10), -1);
	CU_ASSERT_EQUAL(callback_delay(sched, n, 100), -1);
	CU_ASSERT_EQUAL(callback_delay(sched, 0, 1), -1);
	gh_conf_free(&c);
}

/* --- the signature -------------------------------------------------------- */

static void
test_signature_vector(void)
{
	static const char	 body[] = "{\"test\": 2432232314}";
	unsigned char		 mac[32];
	char			 sig[64], b64[64], want[80];

	/* https://github.com/standard-webhooks/standard-webhooks: the spec's vector. */
	CU_ASSERT_EQUAL(callback_sign(SECRET, strlen(SECRET),
	    "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body, strlen(body), sig,
	    sizeof(sig)), GH_OK);
	CU_ASSERT_STRING_EQUAL(sig,
	    "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
	/* Another time, id or body: another signature. */
	CU_ASSERT_EQUAL(callback_sign(SECRET, strlen(SECRET),
	    "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265331, body, strlen(body), sig,
	    sizeof(sig)), GH_OK);
	CU_ASSERT_STRING_NOT_EQUAL(sig,
	    "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
	/* A secret not written whsec_…: its bytes are the key. */
	CU_ASSERT_EQUAL(callback_sign("plain-secret", 12, "msg_1", 42, "{}", 2,
	    sig, sizeof(sig)), GH_OK);
	CU_ASSERT_EQUAL(gh_hmac_sha256("plain-secret", 12, "msg_1.42.{}", 11,
	    mac), GH_OK);
	CU_ASSERT_EQUAL(gh_b64_encode(mac, sizeof(mac), b64, sizeof(b64)),
	    GH_OK);
	snprintf(want, sizeof(want), "v1,%s", b64);
	CU_ASSERT_STRING_EQUAL(sig, want);
	/* Too small an output is an error, not a cut signature. */
	CU_ASSERT_NOT_EQUAL(callback_sign(SECRET, strlen(SECRET), "msg_1", 42,
	    "{}", 2, sig, 20), GH_OK);
}

/* --- the state machine ---------------------------------------------------- */

/* available.gent: registered, deployed, created, called back with 201. */
static void
test_created(void)
{
	static const char *const	 replies[] = { TS_200 };
	static const char		 body[] =
	    "{\"domain\":\"available.gent\",\"status\":201}";
	struct factory_order		 o;
	struct tserver			 s;
	struct env			 e;
	char				 url[128], log[PATH_MAX], buf[512];
	char				*got, *text;

	env_open(&e, "created", "");
	epath(&e, "receiver.log", log, sizeof(log));
	CU_ASSERT_FATAL(tserver_start(&s, log, replies, 1) == 0);
	/* A trailing slash on the callback URL must not make "//site". */
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/hallo/cb/", s.port);
	order(&e, "available.gent", url);

	CU_ASSERT_EQUAL(pass(&e), 1);
	o = get(&e, "available.gent");
	CU_ASSERT_STRING_EQUAL(order_state_names[o.state], "created");
	CU_ASSERT_STRING_EQUAL(
	    callback_state_names[o.callback_state], "delivered");
	CU_ASSERT_EQUAL(o.callback_status, 201);
	CU_ASSERT_EQUAL(o.callback_tries, 1);
	CU_ASSERT_EQUAL(o.next_at, -1);
	CU_ASSERT(o.registered > 0);
	CU_ASSERT_STRING_EQUAL(o.lease_owner, "");
	CU_ASSERT_EQUAL(strncmp(o.webhook_id, "msg_", 4), 0);
	CU_ASSERT_EQUAL(e.w.advanced, 1);
	CU_ASSERT_EQUAL(e.w.delivered, 1);
	CU_ASSERT_EQUAL(e.w.failed, 0);
	steps(&e, "available.gent", buf);
	CU_ASSERT_STRING_EQUAL(buf, "register:1:ok deploy:1:ok");
	attempts(&e, "available.gent", buf);
	CU_ASSERT_STRING_EQUAL(buf, "201:200");
	/* Nothing is left to do. */
	CU_ASSERT_EQUAL(pass(&e), 0);

	tserver_stop(&s);
	got = tserver_log(&s);
	CU_ASSERT_EQUAL(tserver_count(&s), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(got,
	    "PATCH /hallo/cb/site/available.gent?status=201 HTTP/1.1\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(got,
	    "\r\nAuthorization: Bearer " SECRET "\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(got,
	    "\r\nContent-Type: application/json\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(got, body));
	CU_ASSERT(header(got, 0, "webhook-id", buf, sizeof(buf)) == 0 &&
	    strcmp(buf, o.webhook_id) == 0);
	CU_ASSERT(signature_ok(got, 0, body));
	CU_ASSERT_PTR_NULL(strstr(got, INSTALLER));
	free(got);

	/* The deploy command: the domain in argv, the secret on stdin only. */
	text = slurp(&e, "deploy.log");
	CU_ASSERT_STRING_EQUAL(text, "available.gent retry=0 argc=1\n");
	CU_ASSERT_PTR_NULL(strstr(text, INSTALLER));
	free(text);
	text = slurp(&e, "deploy.stdin");
	CU_ASSERT_STRING_EQUAL(text, INSTALLER "\n");
	free(text);
	text = slurp(&e, "deploy.env");
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "GATEHOUSE_DEPLOY_RETRY=0"));
	CU_ASSERT_PTR_NULL(strstr(text, INSTALLER));
	free(text);
	env_detach(&e);
}

/* unavailable.gent: taken at registration, no deploy, callback 409. */
static void
test_conflict(void)
{
	static const char *const	 replies[] = { TS_204 };
	struct factory_order		 o;
	struct tserver			 s;
	struct env			 e;
	char				 url[128], log[PATH_MAX], buf[512];
	char				*got;

	env_open(&e, "conflict", "");
	epath(&e, "receiver.log", log, sizeof(log));
	CU_ASSERT_FATAL(tserver_start(&s, log, replies, 1) == 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", s.port);
	order(&e, "unavailable.gent", url);
	CU_ASSERT_EQUAL(pass(&e), 1);
	o = get(&e, "unavailable.gent");
	CU_ASSERT_STRING_EQUAL(order_state_names[o.state], "conflict");
	CU_ASSERT_STRING_EQUAL(
	    callback_state_names[o.callback_state], "delivered");
	CU_ASSERT_EQUAL(o.callback_status, 409);
	steps(&e, "unavailable.gent", buf);
	CU_ASSERT_STRING_EQUAL(buf, "register:1:taken");
	CU_ASSERT_EQUAL(lines(&e, "deploy.log"), 0);
	tserver_stop(&s);
	got = tserver_log(&s);
	CU_ASSERT_PTR_NOT_NULL(strstr(got,
	    "PATCH /site/unavailable.gent?status=409 HTTP/1.1\r\n"));
	free(got);
	env_detach(&e);
}

/* error.gent: the registrar fails, is retried, then the order fails: 500. */
static void
test_register_failure(void)
{
	static const char *const	 replies[] = { TS_200 };
	struct factory_order		 o;
	struct tserver			 s;
	struct env			 e;
	const char			*why;
	char				 url[128], log[PATH_MAX], buf[512];
	char				*got;

	env_open(&e, "regfail", "");
	epath(&e, "receiver.log", log, sizeof(log));
	CU_ASSERT_FATAL(tserver_start(&s, log, replies, 1) == 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/cb", s.port);
	order(&e, "error.gent", url);

	CU_ASSERT_EQUAL(pass(&e), 1);
	o = get(&e, "error.gent");
	CU_ASSERT_STRING_EQUAL(order_state_names[o.state], "registering");
	CU_ASSERT_STRING_EQUAL(
	    callback_state_names[o.callback_state], "waiting");
	CU_ASSERT_EQUAL(o.attempts, 1);
	CU_ASSERT(o.next_at > gh_now() - 1 && o.next_at <= gh_now() + 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(o.last_error, "unavailable"));
	CU_ASSERT_EQUAL(e.w.failed, 1);
	CU_ASSERT_EQUAL(tserver_count(&s), 0);

	/* An operator's retry makes it due now, without the backoff. */
	CU_ASSERT_EQUAL(worker_retry(&e.f, "error.gent", &o, &why), GH_OK);
	CU_ASSERT_EQUAL(pass(&e), 1);
	o = get(&e, "error.gent");
	CU_ASSERT_STRING_EQUAL(order_state_names[o.state], "failed");
	CU_ASSERT_STRING_EQUAL(
	    callback_state_names[o.callback_state], "delivered");
	CU_ASSERT_EQUAL(o.callback_status, 500);
	steps(&e, "error.gent", buf);
	CU_ASSERT_STRING_EQUAL(buf, "register:1:failed register:2:failed");
	CU_ASSERT_EQUAL(lines(&e, "deploy.log"), 0);
	tserver_stop(&s);
	got = tserver_log(&s);
	CU_ASSERT_PTR_NOT_NULL(strstr(got,
	    "PATCH /cb/site/error.gent?status=500 HTTP/1.1\r\n"));
	free(got);

	/* Retrying a failed order starts the step that failed again. */
	CU_ASSERT_EQUAL(worker_retry(&e.f, "error.gent", &o, &why), GH_OK);
	o = get(&e, "error.gent");
	CU_ASSERT_STRING_EQUAL(order_state_names[o.state], "registering");
	CU_ASSERT_STRING_EQUAL(
	    callback_state_names[o.callback_state], "waiting");
	CU_ASSERT_EQUAL(o.callback_status, 0);
	CU_ASSERT_EQUAL(o.attempts, 0);
	CU_ASSERT_STRING_EQUAL(o.webhook_id, "");
	CU_ASSERT(o.next_at >= 0 && o.next_at <= gh_now());
	env_detach(&e);
}

/* A deploy that always fails: retried once (told so), then 500. */
static void
test_deploy_failure(void)
{
	static const char *const	 replies[] = { TS_200 };
	struct factory_order		 o;
	struct tserver			 s;
	struct env			 e;
	const char			*why;
	char				 url[128], log[PATH_MAX], buf[512];
	char				*text;

	env_open(&e, "deployfail", "");
	epath(&e, "receiver.log", log, sizeof(log));
	CU_ASSERT_FATAL(tserver_start(&s, log, replies, 1) == 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", s.port);
	order(&e, "fail.gent", url);
	CU_ASSERT_EQUAL(pass(&e), 1);
	o = get(&e, "fail.gent");
	CU_ASSERT_STRING_EQUAL(order_state_names[o.state], "deploying");
	CU_ASSERT_EQUAL(o.attempts, 1);
	CU_ASSERT_STRING_EQUAL(o.last_error, "deploy command exited 3");
	CU_ASSERT_EQUAL(worker_retry(&e.f, "fail.gent", &o, &why), GH_OK);
	CU_ASSERT_EQUAL(pass(&e), 1);
	o = get(&e, "fail.gent");
	CU_ASSERT_STRING_EQUAL(order_state_names[o.state], "failed");
	CU_ASSERT_EQUAL(o.callback_status, 500);
	CU_ASSERT_STRING_EQUAL(
	    callback_state_names[o.callback_state], "delivered");
	steps(&e, "fail.gent", buf);
	CU_ASSERT_STRING_EQUAL(buf,
	    "register:1:ok deploy:1:failed deploy:2:failed");
	text = slurp(&e, "deploy.log");
	CU_ASSERT_STRING_EQUAL(text,
	    "fail.gent retry=0 argc=1\nfail.gent retry=1 argc=1\n");
	free(text);
	tserver_stop(&s);

	/* Retried by hand: registration is not done again, the deploy is. */
	CU_ASSERT_EQUAL(worker_retry(&e.f, "fail.gent", &o, &why), GH_OK);
	CU_ASSERT_STRING_EQUAL(order_state_names[o.state], "deploying");
	CU_ASSERT_EQUAL(pass(&e), 1);
	steps(&e, "fail.gent", buf);
	CU_ASSERT_STRING_EQUAL(buf, "register:1:ok deploy:1:failed "
	    "deploy:2:failed deploy:1:failed");
	CU_ASSERT_EQUAL(lines(&e, "deploy.log"), 3);
	env_detach(&e);
}

/* A receiver that fails once: retried by the schedule, delivered once. */
static void
test_callback_retry(void)
{
	static const char *const	 replies[] = { TS_500, TS_204 };
	static const char		 body[] =
	    "{\"domain\":\"retry.gent\",\"status\":201}";
	struct factory_order		 o;
	struct tserver			 s;
	struct env			 e;
	const char			*why;
	char				 url[128], log[PATH_MAX], buf[512];
	char				 id0[64], id1[64];
	char				*got;

	env_open(&e, "cbretry", "");
	epath(&e, "receiver.log", log, sizeof(log));
	CU_ASSERT_FATAL(tserver_start(&s, log, replies, 2) == 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", s.port);
	order(&e, "retry.gent", url);
	CU_ASSERT_EQUAL(pass(&e), 1);
	o = get(&e, "retry.gent");
	CU_ASSERT_STRING_EQUAL(order_state_names[o.state], "created");
	CU_ASSERT_STRING_EQUAL(
	    callback_state_names[o.callback_state], "pending");
	CU_ASSERT_EQUAL(o.callback_tries, 1);
	/* The first wait is 5 s, give or take 20 %. */
	CU_ASSERT(o.next_at >= gh_now() + 3 && o.next_at <= gh_now() + 6);
	CU_ASSERT_STRING_EQUAL(o.last_error, "HTTP 500");
	CU_ASSERT_EQUAL(e.w.failed, 1);
	CU_ASSERT_EQUAL(pass(&e), 0);	/* not due yet */

	CU_ASSERT_EQUAL(worker_redeliver(&e.f, "retry.gent", &o, &why), GH_OK);
	CU_ASSERT_EQUAL(o.callback_tries, 1);	/* the round goes on */
	CU_ASSERT_EQUAL(pass(&e), 1);
	o = get(&e, "retry.gent");
	CU_ASSERT_STRING_EQUAL(
	    callback_state_names[o.callback_state], "delivered");
	CU_ASSERT_EQUAL(o.callback_tries, 2);
	attempts(&e, "retry.gent", buf);
	CU_ASSERT_STRING_EQUAL(buf, "201:500 201:204");
	steps(&e, "retry.gent", buf);
	CU_ASSERT_STRING_EQUAL(buf, "register:1:ok deploy:1:ok");

	tserver_stop(&s);
	got = tserver_log(&s);
	CU_ASSERT_EQUAL(tserver_count(&s), 2);
	/* The same webhook-id every time, each attempt signed anew. */
	CU_ASSERT(header(got, 0, "webhook-id", id0, sizeof(id0)) == 0);
	CU_ASSERT(header(got, 1, "webhook-id", id1, sizeof(id1)) == 0);
	CU_ASSERT_STRING_EQUAL(id0, id1);
	CU_ASSERT(signature_ok(got, 0, body));
	CU_ASSERT(signature_ok(got, 1, body));
	free(got);
	env_detach(&e);
}

/* 410 stops; a receiver that is down exhausts the schedule: dead. */
static void
test_gone_and_dead(void)
{
	static const char *const	 replies[] = { TS_410 };
	struct factory_order		 o;
	struct tserver			 s;
	struct env			 e;
	const char			*why;
	char				 url[128], log[PATH_MAX], buf[512];
	int				 i;

	env_open(&e, "gone", "");
	epath(&e, "receiver.log", log, sizeof(log));
	CU_ASSERT_FATAL(tserver_start(&s, log, replies, 1) == 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", s.port);
	order(&e, "gone.gent", url);
	CU_ASSERT_EQUAL(pass(&e), 1);
	o = get(&e, "gone.gent");
	CU_ASSERT_STRING_EQUAL(
	    callback_state_names[o.callback_state], "gone");
	CU_ASSERT_EQUAL(o.next_at, -1);
	CU_ASSERT_EQUAL(pass(&e), 0);
	tserver_stop(&s);
	CU_ASSERT_EQUAL(tserver_count(&s), 1);

	/* Redelivered by hand to a receiver that is down now. */
	CU_ASSERT_EQUAL(worker_redeliver(&e.f, "gone.gent", &o, &why), GH_OK);
	CU_ASSERT_STRING_EQUAL(
	    callback_state_names[o.callback_state], "pending");
	CU_ASSERT_EQUAL(o.callback_tries, 0);
	for (i = 1; i <= 3; i++) {
		CU_ASSERT_EQUAL(pass(&e), 1);
		o = get(&e, "gone.gent");
		CU_ASSERT_EQUAL(o.callback_tries, i);
		CU_ASSERT(strlen(o.last_error) > 0);
		if (i < 3) {
			CU_ASSERT_STRING_EQUAL(
	    callback_state_names[o.callback_state], "pending");
			CU_ASSERT_EQUAL(worker_redeliver(&e.f, "gone.gent", &o,
			    &why), GH_OK);
		}
	}
	/* "5, 5": three attempts, then the delivery is dead. */
	CU_ASSERT_STRING_EQUAL(
	    callback_state_names[o.callback_state], "dead");
	CU_ASSERT_EQUAL(o.next_at, -1);
	attempts(&e, "gone.gent", buf);
	CU_ASSERT_STRING_EQUAL(buf, "201:410 201:error 201:error 201:error");
	CU_ASSERT_EQUAL(pass(&e), 0);
	/* A dead delivery can be started over. */
	CU_ASSERT_EQUAL(worker_redeliver(&e.f, "gone.gent", &o, &why), GH_OK);
	CU_ASSERT_STRING_EQUAL(
	    callback_state_names[o.callback_state], "pending");
	CU_ASSERT_EQUAL(o.callback_tries, 0);
	env_detach(&e);
}

/* webhook_signatures = no: the Bearer header only. */
static void
test_no_signatures(void)
{
	static const char *const	 replies[] = { TS_200 };
	struct tserver			 s;
	struct env			 e;
	char				 url[128], log[PATH_MAX];
	char				*got;

	env_open(&e, "nosig", "webhook_signatures = no\ndeploy_command =");
	epath(&e, "receiver.log", log, sizeof(log));
	CU_ASSERT_FATAL(tserver_start(&s, log, replies, 1) == 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", s.port);
	order(&e, "plain.gent", url);
	CU_ASSERT_EQUAL(pass(&e), 1);
	CU_ASSERT_STRING_EQUAL(
	    callback_state_names[get(&e, "plain.gent").callback_state],
	    "delivered");
	/* No deploy_command: nothing to deploy, the step still recorded. */
	CU_ASSERT_EQUAL(lines(&e, "deploy.log"), 0);
	tserver_stop(&s);
	got = tserver_log(&s);
	CU_ASSERT_PTR_NOT_NULL(strstr(got, "Authorization: Bearer " SECRET));
	CU_ASSERT_PTR_NULL(strcasestr(got, "webhook-"));
	free(got);
	env_detach(&e);
}

/* http:// callbacks when they are no longer allowed: a failed attempt. */
static void
test_http_not_allowed(void)
{
	struct env	e;
	char		url[128];

	env_open(&e, "nohttp", "allow_http_callback = no");
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", tserver_dead_port());
	order(&e, "x.gent", url);
	CU_ASSERT_EQUAL(pass(&e), 1);
	CU_ASSERT_STRING_EQUAL(
	    callback_state_names[get(&e, "x.gent").callback_state], "pending");
	CU_ASSERT_EQUAL(get(&e, "x.gent").callback_tries, 1);
	CU_ASSERT(strlen(get(&e, "x.gent").last_error) > 0);
	env_detach(&e);
}

/* The error of the last callback attempt into arg (FACTORY_ERROR_MAX + 1). */
static void
attempt_error(const struct callback_attempt *a, void *arg)
{
	gh_strlcpy(arg, a->error != NULL ? a->error : "", FACTORY_ERROR_MAX + 1);
}

/*
 * A receiver on an address the policy denies: no connection reaches it,
 * and the attempt is a failure that names the address, retried later.
 */
static void
test_callback_denied(void)
{
	static const char *const	 replies[] = { TS_200 };
	struct factory_order		 o;
	struct tserver			 s;
	struct env			 e;
	char				 url[128], log[PATH_MAX];
	char				 err[FACTORY_ERROR_MAX + 1] = "";

	env_open(&e, "denied", "callback_allow = 127.0.0.1/32");
	epath(&e, "receiver.log", log, sizeof(log));
	CU_ASSERT_FATAL(tserver_start(&s, log, replies, 1) == 0);
	snprintf(url, sizeof(url), "http://127.0.0.2:%d/cb", s.port);
	order(&e, "denied.gent", url);
	CU_ASSERT_EQUAL(pass(&e), 1);
	o = get(&e, "denied.gent");
	CU_ASSERT_STRING_EQUAL(order_state_names[o.state], "created");
	CU_ASSERT_STRING_EQUAL(
	    callback_state_names[o.callback_state], "pending");
	CU_ASSERT_EQUAL(o.callback_tries, 1);
	CU_ASSERT(o.next_at > 0);
	CU_ASSERT_STRING_EQUAL(o.last_error,
	    "address 127.0.0.2 is not allowed");
	CU_ASSERT(factory_store_order_callbacks(&e.f, o.id, attempt_error,
	    err) ==
	    GH_OK);
	CU_ASSERT_STRING_EQUAL(err, "address 127.0.0.2 is not allowed");
	CU_ASSERT_EQUAL(e.w.failed, 1);
	tserver_stop(&s);
	CU_ASSERT_EQUAL(tserver_count(&s), 0);
	env_detach(&e);

	/* The default deny list: loopback by name is refused too. */
	env_open(&e, "denied2", "callback_allow =");
	CU_ASSERT_FATAL(tserver_start(&s, log, replies, 1) == 0);
	snprintf(url, sizeof(url), "http://localhost:%d/cb", s.port);
	order(&e, "denied.gent", url);
	CU_ASSERT_EQUAL(pass(&e), 1);
	o = get(&e, "denied.gent");
	CU_ASSERT_STRING_EQUAL(
	    callback_state_names[o.callback_state], "pending");
	CU_ASSERT_PTR_NOT_NULL(strstr(o.last_error, " is not allowed"));
	tserver_stop(&s);
	CU_ASSERT_EQUAL(tserver_count(&s), 0);
	env_detach(&e);
}

/* retry and redeliver refuse what makes no sense, and a held order. */
static void
test_admin(void)
{
	struct factory_order	 o;
	struct env		 e;
	const char		*why;
	char			 url[128];

	env_open(&e, "admin", "deploy_command =");
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", tserver_dead_port());
	order(&e, "a.gent", url);
	CU_ASSERT_EQUAL(worker_retry(&e.f, "nope.gent", &o, &why),
	    GH_ENOTFOUND);
	CU_ASSERT_EQUAL(worker_retry(&e.f, "not a domain", &o, &why),
	    GH_ENOTFOUND);
	CU_ASSERT_EQUAL(worker_redeliver(&e.f, "a.gent", &o, &why), GH_EINVAL);
	CU_ASSERT_EQUAL(worker_retry(&e.f, "a.gent", &o, &why), GH_OK);
	CU_ASSERT_EQUAL(pass(&e), 1);
	CU_ASSERT_EQUAL(worker_retry(&e.f, "a.gent", &o, &why), GH_EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "redeliver"));
	/* Case does not matter to an operator. */
	CU_ASSERT_EQUAL(worker_redeliver(&e.f, "A.Gent", &o, &why), GH_OK);
	env_detach(&e);
}

/* Claim with a lock callback that says "someone else holds the lock". */
static int
no_lock(long long id, void *arg)
{
	return 0;
}

/* A live lease held without the byte lock blocks until it runs out. */
static void
test_lease_expiry(void)
{
	struct factory_order	 o;
	struct env		 e;
	const char		*why;
	char			 url[128], buf[512];

	env_open(&e, "lease", "deploy_command =");
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", tserver_dead_port());
	order(&e, "held.gent", url);
	CU_ASSERT_EQUAL(factory_store_work_claim(&e.f, "elsewhere:1:x",
	    gh_now(),
	    gh_now(), gh_now() + 2, no_lock, NULL, &o), GH_OK);
	CU_ASSERT_STRING_EQUAL(o.lease_owner, "elsewhere:1:x");
	CU_ASSERT_EQUAL(o.lease_locked, 0);
	CU_ASSERT_EQUAL(pass(&e), 0);
	CU_ASSERT_EQUAL(worker_retry(&e.f, "held.gent", &o, &why), GH_EBUSY);
	CU_ASSERT_STRING_EQUAL(o.lease_owner, "elsewhere:1:x");
	CU_ASSERT(worker_idle(&e.w, 60) >= 1);
	sleep(3);
	/* The lease ran out: the order is taken over. */
	CU_ASSERT_EQUAL(pass(&e), 1);
	o = get(&e, "held.gent");
	CU_ASSERT_STRING_EQUAL(order_state_names[o.state], "created");
	steps(&e, "held.gent", buf);
	CU_ASSERT_STRING_EQUAL(buf, "register:1:ok deploy:1:ok");
	env_detach(&e);
}

/* Run one worker pass in a child process on e's configuration. */
static pid_t
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
static void
wait_lines(struct env *e, const char *name, int n)
{
	int	i;

	for (i = 0; i < 500 && lines(e, name) < n; i++)
		usleep(10000);
}

/* Two workers at once: the second leaves the first's order alone. */
static void
test_two_workers(void)
{
	static const char *const	 replies[] = { TS_200 };
	struct factory_order		 o;
	struct tserver			 s;
	struct env			 e;
	char				 url[128], log[PATH_MAX], buf[512];
	pid_t				 pid;
	int				 st;

	env_open(&e, "two", "");
	epath(&e, "receiver.log", log, sizeof(log));
	CU_ASSERT_FATAL(tserver_start(&s, log, replies, 1) == 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", s.port);
	order(&e, "slow.gent", url);
	/* SQLite connections must not cross fork(): close ours first. */
	env_detach(&e);
	CU_ASSERT_FATAL((pid = fork_worker(&e)) > 0);
	env_attach(&e, 0);
	wait_lines(&e, "deploy.log", 1);	/* it is deploying */
	CU_ASSERT_EQUAL(pass(&e), 0);
	o = get(&e, "slow.gent");
	CU_ASSERT_STRING_EQUAL(order_state_names[o.state], "deploying");
	CU_ASSERT(strlen(o.lease_owner) > 0);
	CU_ASSERT_STRING_NOT_EQUAL(o.lease_owner, e.w.owner);
	CU_ASSERT_EQUAL(o.lease_locked, 1);
	CU_ASSERT_FATAL(waitpid(pid, &st, 0) == pid);
	CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CU_ASSERT_EQUAL(pass(&e), 0);
	o = get(&e, "slow.gent");
	CU_ASSERT_STRING_EQUAL(order_state_names[o.state], "created");
	CU_ASSERT_STRING_EQUAL(
	    callback_state_names[o.callback_state], "delivered");
	CU_ASSERT_EQUAL(lines(&e, "deploy.log"), 1);
	steps(&e, "slow.gent", buf);
	CU_ASSERT_STRING_EQUAL(buf, "register:1:ok deploy:1:ok");
	tserver_stop(&s);
	CU_ASSERT_EQUAL(tserver_count(&s), 1);
	env_detach(&e);
}

/*
 * kill -9 of the worker during a deploy.  Its deploy command lives on and
 * holds the claim, so nobody deploys beside it; once it has exited the
 * next worker takes over at once, deploys again (told it is a retry), and
 * does not register again.
 */
static void
test_crash_in_deploy(void)
{
	static const char *const	 replies[] = { TS_200 };
	struct factory_order		 o;
	struct tserver			 s;
	struct env			 e;
	char				 url[128], log[PATH_MAX], buf[512];
	char				*text;
	pid_t				 pid;
	int				 st, i;

	env_open(&e, "crashdeploy", "");
	epath(&e, "receiver.log", log, sizeof(log));
	CU_ASSERT_FATAL(tserver_start(&s, log, replies, 1) == 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", s.port);
	order(&e, "crash.gent", url);
	env_detach(&e);
	CU_ASSERT_FATAL((pid = fork_worker(&e)) > 0);
	CU_ASSERT_FATAL(waitpid(pid, &st, 0) == pid);
	CU_ASSERT(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	env_attach(&e, 0);
	/* Its deploy command still runs: hands off. */
	CU_ASSERT_EQUAL(pass(&e), 0);
	o = get(&e, "crash.gent");
	CU_ASSERT_STRING_EQUAL(order_state_names[o.state], "deploying");
	CU_ASSERT(strlen(o.lease_owner) > 0);
	/* Long before the lease (deploy_timeout_s + lease_s) runs out. */
	for (i = 0; i < 40 && pass(&e) == 0; i++)
		usleep(100000);
	CU_ASSERT(i < 40);
	o = get(&e, "crash.gent");
	CU_ASSERT_STRING_EQUAL(order_state_names[o.state], "created");
	CU_ASSERT_STRING_EQUAL(
	    callback_state_names[o.callback_state], "delivered");
	steps(&e, "crash.gent", buf);
	CU_ASSERT_STRING_EQUAL(buf,
	    "register:1:ok deploy:1:interrupted deploy:2:ok");
	text = slurp(&e, "deploy.log");
	CU_ASSERT_STRING_EQUAL(text,
	    "crash.gent retry=0 argc=1\ncrash.gent retry=1 argc=1\n");
	free(text);
	tserver_stop(&s);
	CU_ASSERT_EQUAL(tserver_count(&s), 1);
	env_detach(&e);
}

/*
 * kill -9 of the worker while its callback waits for an answer: the next
 * worker takes over at once and sends the callback again, same webhook-id.
 */
static void
test_crash_in_callback(void)
{
	static const char *const	 replies[] = { "@hang", TS_200 };
	struct factory_order		 o;
	struct tserver			 s;
	struct env			 e;
	char				 url[128], log[PATH_MAX], buf[512];
	char				 id0[64], id1[64];
	char				*got;
	pid_t				 pid;
	int				 st, i;

	env_open(&e, "crashcb", "callback_timeout_ms = 10000");
	epath(&e, "receiver.log", log, sizeof(log));
	CU_ASSERT_FATAL(tserver_start(&s, log, replies, 2) == 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", s.port);
	order(&e, "cb.gent", url);
	env_detach(&e);
	CU_ASSERT_FATAL((pid = fork_worker(&e)) > 0);
	for (i = 0; i < 500 && tserver_count(&s) < 1; i++)
		usleep(10000);
	CU_ASSERT_FATAL(tserver_count(&s) == 1);
	kill(pid, SIGKILL);
	CU_ASSERT_FATAL(waitpid(pid, &st, 0) == pid);
	env_attach(&e, 0);
	CU_ASSERT_EQUAL(pass(&e), 1);
	o = get(&e, "cb.gent");
	CU_ASSERT_STRING_EQUAL(order_state_names[o.state], "created");
	CU_ASSERT_STRING_EQUAL(
	    callback_state_names[o.callback_state], "delivered");
	CU_ASSERT_EQUAL(o.callback_tries, 2);
	attempts(&e, "cb.gent", buf);
	CU_ASSERT_STRING_EQUAL(buf, "201:interrupted 201:200");
	steps(&e, "cb.gent", buf);
	CU_ASSERT_STRING_EQUAL(buf, "register:1:ok deploy:1:ok");
	CU_ASSERT_EQUAL(lines(&e, "deploy.log"), 1);
	tserver_stop(&s);
	got = tserver_log(&s);
	CU_ASSERT(header(got, 0, "webhook-id", id0, sizeof(id0)) == 0);
	CU_ASSERT(header(got, 1, "webhook-id", id1, sizeof(id1)) == 0);
	CU_ASSERT_STRING_EQUAL(id0, id1);
	free(got);
	env_detach(&e);
}

/* The wake-up socket: one listener, a byte wakes it, stale files replaced. */
static void
test_wake(void)
{
	struct env	 e;
	char		 extra[PATH_MAX + 64], path[PATH_MAX];
	char		*text;
	int		 fd, lockfd, fd2, lockfd2, i;

	env_open(&e, "wake", "");
	CU_ASSERT_EQUAL(wake_worker(&e.f, 0), 0);	/* nobody listens */
	CU_ASSERT_EQUAL_FATAL(wake_listen(&e.f, &fd, &lockfd), GH_OK);
	CU_ASSERT_EQUAL(wake_listen(&e.f, &fd2, &lockfd2), GH_EBUSY);
	CU_ASSERT_EQUAL(wake_wait(fd, 10), 0);
	CU_ASSERT_EQUAL(wake_worker(&e.f, 0), 1);
	CU_ASSERT_EQUAL(wake_worker(&e.f, 0), 1);
	CU_ASSERT_EQUAL(wake_wait(fd, 1000), 1);
	CU_ASSERT_EQUAL(wake_wait(fd, 10), 0);	/* both were read at once */
	close(fd);
	close(lockfd);
	/* The socket file is left behind, stale: not a listener. */
	CU_ASSERT_EQUAL(wake_worker(&e.f, 0), 0);
	CU_ASSERT_EQUAL_FATAL(wake_listen(&e.f, &fd, &lockfd), GH_OK);
	CU_ASSERT_EQUAL(wake_worker(&e.f, 0), 1);
	close(fd);
	close(lockfd);
	env_detach(&e);

	/* With nobody listening, the factory starts worker_program --drain. */
	tpath("fake-worker", path, sizeof(path));
	{
		FILE	*fp = fopen(path, "w");

		CU_ASSERT_FATAL(fp != NULL);
		fputs("#!/bin/sh\nd=$(dirname \"$0\")/spawn\n"
		    "echo \"$@\" > \"$d/spawned.tmp\"\n"
		    "mv \"$d/spawned.tmp\" \"$d/spawned\"\n", fp);
		fclose(fp);
		CU_ASSERT_FATAL(chmod(path, 0700) == 0);
	}
	snprintf(extra, sizeof(extra), "worker_program = %s", path);
	env_open(&e, "spawn", extra);
	CU_ASSERT_EQUAL(wake_worker(&e.f, 1), 0);
	for (i = 0; i < 300 && lines(&e, "spawned") < 1; i++)
		usleep(10000);
	text = slurp(&e, "spawned");
	snprintf(extra, sizeof(extra), "-c %s --drain\n", e.conf);
	CU_ASSERT_STRING_EQUAL(text, extra);
	free(text);
	env_detach(&e);
	/* The next wake would reap it; here we do: it was our only child. */
	for (i = 0; i < 300 && waitpid(-1, NULL, WNOHANG) == 0; i++)
		usleep(10000);
	CU_ASSERT_EQUAL(waitpid(-1, NULL, WNOHANG), -1);
	CU_ASSERT_EQUAL(errno, ECHILD);
}

static const struct tcase tests[] = {
	TCASE(test_backoff),
	TCASE(test_jitter),
	TCASE(test_callback_schedule),
	TCASE(test_signature_vector),
	TCASE(test_created),
	TCASE(test_conflict),
	TCASE(test_register_failure),
	TCASE(test_deploy_failure),
	TCASE(test_callback_retry),
	TCASE(test_gone_and_dead),
	TCASE(test_no_signatures),
	TCASE(test_http_not_allowed),
	TCASE(test_callback_denied),
	TCASE(test_admin),
	TCASE(test_lease_expiry),
	TCASE(test_two_workers),
	TCASE(test_crash_in_deploy),
	TCASE(test_crash_in_callback),
	TCASE(test_wake),
};
TMAIN("worker", tests)
