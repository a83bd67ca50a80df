/* SPDX-License-Identifier: ISC */
/*
 * test_worker: the factory's worker.  The backoff schedule (bounds,
 * jitter range, cap) and the order state machine driven end to end: the
 * test registrar's fixtures, a deploy_command script in a temporary
 * directory, and a callback receiver on loopback (tserver.h).  Crashes are
 * real: a forked worker is killed with SIGKILL during a deploy, and
 * another worker must finish the order with nothing lost and no completed
 * step repeated.  The callback's own tests are test_callback's.
 */
#include "tfactory.h"
#include "tmain.h"

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
	    gh_now(), gh_now(), gh_now() + 2, no_lock, NULL, &o), GH_OK);
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
	CU_ASSERT_EQUAL(wake_wait(&e.f, fd, 10), 0);
	CU_ASSERT_EQUAL(wake_worker(&e.f, 0), 1);
	CU_ASSERT_EQUAL(wake_worker(&e.f, 0), 1);
	CU_ASSERT_EQUAL(wake_wait(&e.f, fd, 1000), 1);
	CU_ASSERT_EQUAL(wake_wait(&e.f, fd, 10), 0);	/* both were read at once */
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
	TCASE(test_created),
	TCASE(test_conflict),
	TCASE(test_register_failure),
	TCASE(test_deploy_failure),
	TCASE(test_admin),
	TCASE(test_lease_expiry),
	TCASE(test_two_workers),
	TCASE(test_crash_in_deploy),
	TCASE(test_wake),
};
TMAIN("worker", tests)
