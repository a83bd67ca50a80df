/* SPDX-License-Identifier: ISC */
/*
 * test_callback: the factory's callback delivery (callback.c).  The
 * schedule, the Standard Webhooks signature against its published test
 * vector, and deliveries driven end to end against a receiver on loopback
 * (tserver.h): retries, 410 Gone, a spent schedule, no signatures, plain
 * HTTP refused, addresses denied, and a worker killed during a callback.
 */
#include "tfactory.h"
#include "tmain.h"

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
		CU_ASSERT_EQUAL(callback_delay(sched, n, (int)i + 1), want[i]);
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

static const struct tcase tests[] = {
	TCASE(test_callback_schedule),
	TCASE(test_signature_vector),
	TCASE(test_callback_retry),
	TCASE(test_gone_and_dead),
	TCASE(test_no_signatures),
	TCASE(test_http_not_allowed),
	TCASE(test_callback_denied),
	TCASE(test_crash_in_callback),
};

TMAIN("callback", tests)
