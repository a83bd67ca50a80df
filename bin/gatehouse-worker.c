/* SPDX-License-Identifier: ISC */
/*
 * gatehouse-worker: registers ordered domains, deploys their sites and
 * calls the ordering servers back (cgi-bin/factory/worker.c).
 *
 *   gatehouse-worker [-q] [-c FILE]     one pass over what is due, as cron runs it
 *   gatehouse-worker [-c FILE] --loop   for ever: listens for the factory's
 *                                       wake-ups and works whenever something
 *                                       falls due (a service, or ./dev serve)
 *   gatehouse-worker [-c FILE] --drain  as --loop, but exits once nothing has
 *                                       happened for LINGER_S seconds (the
 *                                       factory starts it so when no worker
 *                                       listens)
 *
 * Any number may run at once: leases keep them off each other's orders.
 * SIGTERM, SIGINT and SIGHUP let the step under way finish, then it exits.
 */
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "crypto.h"
#include "factory.h"
#include "log.h"

#define LINGER_S	30	/* --drain: idle seconds before it exits */
#define LOOP_MAX_S	60	/* longest sleep without looking at the database */
#define RETRY_S		5	/* --loop: the sleep after a failed pass */

enum mode { MODE_ONCE, MODE_LOOP, MODE_DRAIN };

static volatile sig_atomic_t	stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void
usage(FILE *fp)
{
	fputs("usage: gatehouse-worker [-q] [-c FILE] [--loop | --drain]\n"
	    "\n"
	    "  (no mode)  one pass over the orders that are due, then exit\n"
	    "  --loop     keep working: listen for wake-ups on\n"
	    "             <state_dir>/worker.sock and work whenever something\n"
	    "             falls due\n"
	    "  --drain    as --loop, but exit after 30 idle seconds\n"
	    "  -q         print the summary line only when something happened\n"
	    "\n"
	    "FILE defaults to $GATEHOUSE_CONFIG, else "
	    GH_SYSCONFDIR "/gatehouse/gatehouse.conf.\n", fp);
}

/* "worker: 3 orders advanced, 1 callback delivered, 0 failed"; counters reset. */
static void
summary(struct worker *w, int quiet)
{
	if (!quiet || w->advanced > 0 || w->delivered > 0 || w->failed > 0)
		gh_log("%u order%s advanced, %u callback%s delivered, %u failed",
		    w->advanced, w->advanced == 1 ? "" : "s", w->delivered,
		    w->delivered == 1 ? "" : "s", w->failed);
	w->advanced = w->delivered = w->failed = 0;
}

/* SIGTERM and friends stop us between steps; no SA_RESTART, so waits end. */
static void
signals(void)
{
	struct sigaction	sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);	/* a closed error log must not kill us */
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

/*
 * --loop and --drain: work, then sleep until the next order falls due or
 * a wake-up comes.  Only one worker listens (wake_listen()); a --drain
 * worker that cannot listen makes one pass and leaves the rest to the one
 * that does, a --loop worker keeps trying to become the listener.  A pass
 * that fails (the database) ends a --drain worker, cron takes over; a
 * --loop worker tries again after a while.
 */
static int
run(struct worker *w, enum mode mode)
{
	enum gh_err	 err;
	long long	 idle_since = gh_now(), left, wait;
	int		 fd = -1, lockfd = -1, did, rc = 0, can_listen = 1;
	int		 failed;

	/* PostgreSQL: orders placed on any node wake us (logged if not). */
	if (wake_subscribe(w->f) != GH_OK)
		gh_log("no wake-ups from other nodes: working on each wake-up "
		    "of this one and every %d s", LOOP_MAX_S);
	for (;;) {
		if (fd == -1 && can_listen) {
			err = wake_listen(w->f, &fd, &lockfd);
			if (err == GH_EBUSY && mode == MODE_DRAIN)
				mode = MODE_ONCE;	/* another one listens */
			else if (err != GH_OK && err != GH_EBUSY)
				can_listen = 0;	/* logged; cron-like from now on */
		}
		did = 0;
		failed = 0;
		if ((err = worker_pass(w, &did)) != GH_OK) {
			gh_log("pass failed: %s", gh_strerror(err));
			rc = 1;
			if (mode != MODE_LOOP)
				break;
			failed = 1;
		}
		summary(w, 1);
		if (stop || mode == MODE_ONCE)
			break;
		if (did)
			idle_since = gh_now();
		wait = worker_idle(w, LOOP_MAX_S);
		if (mode == MODE_DRAIN) {
			left = idle_since + LINGER_S - gh_now();
			if (left <= 0 && wait > 0)
				break;
			if (wait > left)
				wait = left;
		}
		/* Nothing came of that pass: never spin on an order we cannot take. */
		if (!did && wait < 1)
			wait = 1;
		/*
		 * After a failure (the database is down) a while without
		 * looking at wake-ups: a lost connection reads as one.
		 */
		if (failed)
			poll(NULL, 0, (int)(wait < RETRY_S ? wait : RETRY_S) *
			    1000);
		else
			wake_wait(w->f, fd, wait * 1000);
		if (stop)
			break;
	}
	if (fd != -1)
		close(fd);
	if (lockfd != -1)
		close(lockfd);
	return rc;
}

int
main(int argc, char *argv[])
{
	static const struct option	 opts[] = {
		{ "loop", no_argument, NULL, 'L' },
		{ "drain", no_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct factory			 f;
	struct worker			 w;
	const char			*config = NULL;
	char				 errbuf[512];
	enum gh_err			 err;
	enum mode			 mode = MODE_ONCE;
	int				 ch, quiet = 0, rc;

	gh_log_init("worker");
	if (gh_crypto_nodump() != GH_OK)
		return 1;
	while ((ch = getopt_long(argc, argv, "c:hq", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			config = optarg;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'L':
			mode = MODE_LOOP;
			break;
		case 'D':
			mode = MODE_DRAIN;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	signals();
	if (factory_open(&f, config, 0, errbuf, sizeof(errbuf)) != GH_OK) {
		gh_log("%s", errbuf);
		return 1;
	}
	if ((err = worker_init(&w, &f)) != GH_OK) {
		gh_log("cannot start: %s", gh_strerror(err));
		factory_close(&f);
		return 1;
	}
	w.stop = &stop;
	if (mode == MODE_ONCE) {
		rc = 0;
		if ((err = worker_pass(&w, NULL)) != GH_OK) {
			gh_log("pass failed: %s", gh_strerror(err));
			rc = 1;
		}
		summary(&w, quiet);
	} else
		rc = run(&w, mode);
	worker_free(&w);
	factory_close(&f);
	return rc;
}
