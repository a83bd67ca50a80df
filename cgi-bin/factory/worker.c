/* SPDX-License-Identifier: ISC */
/*
 * worker: the factory's order state machine, as run by gatehouse-worker;
 * the callback it ends with is delivered by callback.c.
 *
 *   pending -> registering -> deploying -> created     callback status=201
 *                  |              |
 *                  | taken        | (register ok)
 *                  v              |
 *               conflict          |                      callback status=409
 *   a step failing provision_attempts times -> failed    callback status=500
 *
 * Every outside action (the registrar, the deploy command, the callback
 * PATCH) sits between two commits: before it, the attempt is recorded (the
 * state that says "this may have started", the attempt counted, a step or
 * callback row opened, the lease stretched over the action's own time
 * limit); after it, the result.  A kill -9 anywhere therefore loses nothing
 * and repeats only the action that was cut short: registration, which the
 * registrar contract makes idempotent; the deploy, which is told it is a
 * retry; or the callback, which carries the same webhook-id again.  A step
 * whose result was committed never runs again.
 *
 * Claims: an order is worked on under a lease in the database (lease_owner,
 * lease_until, set in a write transaction), so overlapping workers never
 * work on one order at once.  The owner also holds a byte lock (an open
 * file description lock at offset <order id> of factory.db.claims) on a
 * descriptor that the registrar and deploy programs inherit: when a worker
 * dies the kernel drops the lock as soon as the program it ran has exited
 * too, and the order is taken over at once instead of when the lease runs
 * out.  A lease that ran out is taken over in any case.  On PostgreSQL
 * the workers may be on other nodes, where the byte lock of a file here
 * means nothing: there the claim locks its row (SKIP LOCKED, store.c),
 * no byte lock is taken, and a live lease is never taken over early.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "factory.h"
#include "http.h"
#include "log.h"
#include "proc.h"
#include "token.h"

#define WORKER_PASS_MAX		100000	/* claims in one pass, a backstop */

long long
worker_backoff(long long base, int n)
{
	long long	d = base, cap;

	cap = base > WORKER_BACKOFF_CAP ? base : WORKER_BACKOFF_CAP;
	while (--n > 0 && d < cap)
		d *= 2;
	return d < cap ? d : cap;
}

/*
 * delay +/- WORKER_JITTER_PCT %: r picks the offset uniformly in
 * [-spread, +spread], so that orders which failed together do not all
 * retry in the same second.
 */
long long
worker_jitter(long long delay, unsigned r)
{
	long long	spread, off;

	spread = delay * WORKER_JITTER_PCT / 100;
	off = (long long)(((uint64_t)(uint32_t)r *
	    (uint64_t)(2 * spread + 1)) >> 32) - spread;
	return delay + off < 1 ? 1 : delay + off;
}

long long
worker_later(long long delay)
{
	uint32_t	r;

	if (gh_random(&r, sizeof(r)) != GH_OK)
		r = UINT32_MAX / 2;
	return gh_now() + worker_jitter(delay, r);
}

/*
 * factory_store_lock_cb: take the byte lock of order id on a descriptor of our
 * own.  It is deliberately not close-on-exec: the registrar and deploy
 * programs inherit it, so that the lock outlives a crashed worker for as
 * long as the program it started still runs.  1 taken, 0 held elsewhere.
 */
static int
claim_lock(long long id, void *arg)
{
	struct worker	*w = arg;
	struct flock	 fl;
	char		 path[4096];

	if (w->claimfd == -1) {
		if ((size_t)snprintf(path, sizeof(path), "%s.claims",
		    w->f->db.path) >= sizeof(path))
			return 0;
		if ((w->claimfd = open(path, O_RDWR | O_CREAT, 0600)) == -1) {
			gh_log("%s: %s", path, strerror(errno));
			return 0;
		}
	}
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	fl.l_start = (off_t)id;
	fl.l_len = 1;
	return fcntl(w->claimfd, F_OFD_SETLK, &fl) == 0;
}

/*
 * Drop the byte lock and its descriptor.  The unlock comes first: a
 * program that left a child behind (a daemon) may still hold a copy of
 * the descriptor, and closing ours alone would leave the lock in place.
 */
static void
claim_release(struct worker *w)
{
	struct flock	fl;

	if (w->claimfd == -1)
		return;
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_UNLCK;
	fl.l_whence = SEEK_SET;
	fcntl(w->claimfd, F_OFD_SETLK, &fl);
	close(w->claimfd);
	w->claimfd = -1;
}

enum gh_err
worker_init(struct worker *w, struct factory *f)
{
	struct gh_netpol policy;
	struct gh_http	*http;
	unsigned char	 nonce[4];
	char		 host[32], hex[9], why[256];
	enum gh_err	 err;

	if ((err = gh_netpol_init(&policy,
	    factory_conf_str(&f->conf, FACTORY_CONF_CALLBACK_ALLOW),
	    factory_conf_str(&f->conf, FACTORY_CONF_CALLBACK_DENY), why,
	    sizeof(why))) != GH_OK) {
		gh_log("%s: [factory] callback address lists: %s", __func__,
		    why);
		return GH_ECONFIG;
	}
	if ((http = calloc(1, sizeof(*http))) == NULL)
		return GH_ENOMEM;
	if ((err = gh_http_init(http)) != GH_OK) {
		free(http);
		return err;
	}
	if (gh_random(nonce, sizeof(nonce)) != GH_OK)
		memset(nonce, 0, sizeof(nonce));
	gh_hex(nonce, sizeof(nonce), hex);
	if (gethostname(host, sizeof(host)) == -1)
		gh_strlcpy(host, "localhost", sizeof(host));
	host[sizeof(host) - 1] = '\0';
	memset(w, 0, sizeof(*w));
	w->f = f;
	w->http = http;
	w->policy = policy;
	w->claimfd = -1;
	/* Names the owner for operators; the nonce tells two runs apart. */
	snprintf(w->owner, sizeof(w->owner), "%s:%ld:%s", host, (long)getpid(),
	    hex);
	return GH_OK;
}

void
worker_free(struct worker *w)
{
	if (w == NULL)
		return;
	claim_release(w);
	if (w->http != NULL) {
		gh_http_free(w->http);
		free(w->http);
	}
	w->http = NULL;
}

/* Asked to stop (SIGTERM) between steps? */
static int
stopping(const struct worker *w)
{
	return w->stop != NULL && *w->stop;
}

long long
worker_lease_for(const struct worker *w, long long limit_ms)
{
	return gh_now() + (limit_ms + 999) / 1000 +
	    factory_conf_int(&w->f->conf, FACTORY_CONF_LEASE);
}

/*
 * Provisioning is over: the order takes its final state and its callback,
 * reporting status, is due at once.  A new delivery gets a new random
 * webhook-id, the same for all its attempts.
 */
static void
finish(struct factory_order *o, enum order_state s, int status)
{
	unsigned char	rnd[18];
	char		b64[GH_B64URL_SIZE(sizeof(rnd))];

	o->state = s;
	o->attempts = 0;
	o->callback_status = status;
	o->callback_tries = 0;
	o->callback_state = CALLBACK_PENDING;
	o->next_at = gh_now();
	if (gh_random(rnd, sizeof(rnd)) == GH_OK &&
	    gh_b64url_encode(rnd, sizeof(rnd), b64, sizeof(b64)) == GH_OK)
		snprintf(o->webhook_id, sizeof(o->webhook_id), "msg_%s", b64);
	else
		snprintf(o->webhook_id, sizeof(o->webhook_id),
		    "msg_%lld_%d_%lld", o->id, status, gh_now());
}

/*
 * A provisioning step failed: try again after the backoff, or, with its
 * attempts spent, fail the order and report 500.
 */
static void
step_failed(struct worker *w, struct factory_order *o, const char *step,
    const char *detail)
{
	long long	max, delay;

	w->failed++;
	gh_strlcpy(o->last_error, detail, sizeof(o->last_error));
	max = factory_conf_int(&w->f->conf, FACTORY_CONF_PROVISION_ATTEMPTS);
	if (o->attempts >= max) {
		gh_log("%s: %s failed (attempt %d of %lld): %s; the order "
		    "failed", o->domain, step, o->attempts, max, detail);
		finish(o, ORDER_FAILED, 500);
		return;
	}
	delay = worker_backoff(factory_conf_int(&w->f->conf,
	    FACTORY_CONF_PROVISION_BACKOFF), o->attempts);
	o->next_at = worker_later(delay);
	gh_log("%s: %s failed (attempt %d of %lld): %s; next in %llds",
	    o->domain, step, o->attempts, max, detail, o->next_at - gh_now());
}

/* Register the domain: pending/registering -> deploying, conflict or a retry. */
static enum gh_err
step_register(struct worker *w, struct factory_order *o)
{
	struct work_log	 begin = { .kind = WORK_LOG_STEP_BEGIN,
			    .step = "register" };
	struct work_log	 end = { .kind = WORK_LOG_STEP_END };
	char		 detail[FACTORY_ERROR_MAX + 1] = "";
	enum gh_err	 err;

	o->state = ORDER_REGISTERING;
	o->attempts++;
	o->lease_until = worker_lease_for(w, factory_conf_int(&w->f->conf,
	    FACTORY_CONF_REGISTRAR_TIMEOUT));
	if ((err = factory_store_work_save(w->f, o, w->owner, &begin)) != GH_OK)
		return err;

	err = registrar_register(w->f, o->domain, detail, sizeof(detail));
	end.id = begin.id;
	end.detail = detail;
	if (err == GH_OK) {
		end.result = "ok";
		o->state = ORDER_DEPLOYING;
		o->attempts = 0;
		o->registered = gh_now();
		o->last_error[0] = '\0';
		o->next_at = gh_now();
		gh_log("%s: registered", o->domain);
	} else if (err == GH_ECONFLICT) {
		end.result = "taken";
		gh_log("%s: taken at registration", o->domain);
		finish(o, ORDER_CONFLICT, 409);
	} else {
		end.result = "failed";
		step_failed(w, o, "registration", detail[0] != '\0' ? detail :
		    gh_strerror(err));
	}
	return factory_store_work_save(w->f, o, w->owner, &end);
}

/*
 * Run deploy_command with the domain as its argument and the installerSecret
 * on its stdin, never in argv or the environment.  The secret is unsealed
 * just before and wiped just after.  GATEHOUSE_DEPLOY_RETRY=1 when a deploy
 * of this order was started before (and failed, or was cut short).
 */
static enum gh_err
deploy(struct worker *w, const struct factory_order *o, int retry,
    char *detail, size_t detailsz)
{
	const char	*cmd;
	const char	*argv[3], *env[2];
	struct gh_buf	 secret;
	enum gh_err	 err;
	int		 status;

	cmd = factory_conf_str(&w->f->conf, FACTORY_CONF_DEPLOY_COMMAND);
	if (cmd[0] == '\0') {
		snprintf(detail, detailsz, "no deploy_command: nothing to do");
		return GH_OK;
	}
	argv[0] = cmd;
	argv[1] = o->domain;
	argv[2] = NULL;
	env[0] = retry ? "GATEHOUSE_DEPLOY_RETRY=1" : "GATEHOUSE_DEPLOY_RETRY=0";
	env[1] = NULL;
	gh_buf_init(&secret, FACTORY_SECRET_MAX + 1);
	if ((err = factory_store_order_secret(w->f, o->id, &secret)) != GH_OK) {
		snprintf(detail, detailsz, "cannot read the installerSecret: %s",
		    gh_strerror(err));
		goto out;
	}
	err = gh_proc_run(argv, env, secret.data, secret.len,
	    (int)factory_conf_int(&w->f->conf, FACTORY_CONF_DEPLOY_TIMEOUT) *
	    1000, NULL, &status);
	if (err != GH_OK)
		snprintf(detail, detailsz, "deploy command: %s",
		    gh_strerror(err));
	else if (status != 0) {
		snprintf(detail, detailsz, "deploy command exited %d", status);
		err = GH_EUNAVAIL;
	} else
		snprintf(detail, detailsz, "deployed%s",
		    retry ? " (retry)" : "");
out:
	gh_buf_free(&secret);	/* wipes */
	return err;
}

/* Deploy the site: deploying -> created, or a retry, or failed. */
static enum gh_err
step_deploy(struct worker *w, struct factory_order *o)
{
	struct work_log	 begin = { .kind = WORK_LOG_STEP_BEGIN,
			    .step = "deploy" };
	struct work_log	 end = { .kind = WORK_LOG_STEP_END };
	char		 detail[FACTORY_ERROR_MAX + 1] = "";
	enum gh_err	 err;

	o->attempts++;
	o->lease_until = worker_lease_for(w, factory_conf_int(&w->f->conf,
	    FACTORY_CONF_DEPLOY_TIMEOUT) * 1000);
	if ((err = factory_store_work_save(w->f, o, w->owner, &begin)) != GH_OK)
		return err;

	err = deploy(w, o, begin.earlier > 0, detail, sizeof(detail));
	end.id = begin.id;
	end.detail = detail;
	if (err == GH_OK) {
		end.result = "ok";
		o->last_error[0] = '\0';
		gh_log("%s: %s", o->domain, detail);
		finish(o, ORDER_CREATED, 201);
	} else {
		end.result = "failed";
		step_failed(w, o, "deploy", detail);
	}
	return factory_store_work_save(w->f, o, w->owner, &end);
}

/*
 * Take one claimed order as far as it goes now: register, deploy, call
 * back, until it waits (a backoff) or is done.  Then the lease is given
 * back.  Losing the lease (GH_ECONFLICT from the store: our lease ran out
 * and another worker took over) ends our part quietly.
 */
static enum gh_err
work_order(struct worker *w, struct factory_order *o)
{
	enum order_state	state = o->state;
	enum callback_state	cbstate = o->callback_state;
	enum gh_err		err = GH_OK;

	while (!stopping(w) && o->next_at >= 0 && o->next_at <= gh_now()) {
		switch (o->state) {
		case ORDER_PENDING:
		case ORDER_REGISTERING:
			err = step_register(w, o);
			break;
		case ORDER_DEPLOYING:
			err = step_deploy(w, o);
			break;
		default:
			if (o->callback_state == CALLBACK_PENDING)
				err = callback_step(w, o);
			else
				o->next_at = -1;	/* nothing left to do */
			break;
		}
		if (err != GH_OK)
			break;
	}
	if (state != o->state || cbstate != o->callback_state)
		w->advanced++;
	if (err == GH_ECONFLICT) {
		gh_log("%s: another worker took the order over", o->domain);
		return GH_OK;
	}
	if (err != GH_OK)
		return err;
	o->lease_owner[0] = '\0';
	o->lease_until = 0;
	o->lease_locked = 0;
	err = factory_store_work_save(w->f, o, w->owner, NULL);
	return err == GH_ECONFLICT ? GH_OK : err;
}

/*
 * One pass: claim due orders one at a time until none is left.  Only
 * orders due when the pass began are taken, so a pass always ends: an
 * order that has to wait is due later than that.
 */
enum gh_err
worker_pass(struct worker *w, int *did)
{
	struct factory_order	 o;
	enum gh_err		 err = GH_OK;
	long long		 cutoff = gh_now(), now;
	int			 n, worked = 0;

	for (n = 0; n < WORKER_PASS_MAX && !stopping(w); n++) {
		now = gh_now();
		err = factory_store_work_claim(w->f, w->owner, now, cutoff,
		    now + factory_conf_int(&w->f->conf, FACTORY_CONF_LEASE),
		    claim_lock, w, &o);
		if (err == GH_OK) {
			worked = 1;
			err = work_order(w, &o);
		}
		claim_release(w);
		if (err != GH_OK)
			break;
	}
	if (err == GH_ENOTFOUND)
		err = GH_OK;
	if (err != GH_OK)
		return err;
	if (did != NULL)
		*did = worked;
	return GH_OK;
}

long long
worker_idle(struct worker *w, long long max)
{
	long long	when, d;

	if (factory_store_work_next(w->f, &when) != GH_OK)
		return max;
	d = when - gh_now();
	if (d < 0)
		d = 0;
	return d < max ? d : max;
}

/* Load the order named by domain (validated) for an operator's command. */
static enum gh_err
admin_load(struct factory *f, const char *domain, struct factory_order *o)
{
	char	name[GH_DOMAIN_MAX + 1];

	if (gh_valid_domain(domain, strlen(domain), name, sizeof(name),
	    NULL) != GH_OK)
		return GH_ENOTFOUND;
	return factory_store_order_get(f, name, o);
}

enum gh_err
worker_retry(struct factory *f, const char *domain, struct factory_order *o,
    const char **why)
{
	struct factory_order	cur;
	enum gh_err		err;

	if ((err = admin_load(f, domain, &cur)) != GH_OK)
		return err;
	switch (cur.state) {
	case ORDER_PENDING:
	case ORDER_REGISTERING:
	case ORDER_DEPLOYING:
		break;		/* due now, without waiting out the backoff */
	case ORDER_FAILED:
		/* Start again at the step that failed, with a fresh budget. */
		cur.state = cur.registered > 0 ? ORDER_DEPLOYING :
		    ORDER_REGISTERING;
		cur.attempts = 0;
		cur.callback_state = CALLBACK_WAITING;
		cur.callback_status = 0;
		cur.callback_tries = 0;
		cur.webhook_id[0] = '\0';
		cur.last_error[0] = '\0';
		break;
	default:
		*why = "its provisioning is over (created or conflict); "
		    "use redeliver to send the callback again";
		return GH_EINVAL;
	}
	cur.next_at = gh_now();
	if ((err = factory_store_order_update(f, &cur, gh_now())) == GH_OK ||
	    err == GH_EBUSY)
		*o = cur;
	return err;
}

enum gh_err
worker_redeliver(struct factory *f, const char *domain,
    struct factory_order *o, const char **why)
{
	struct factory_order	cur;
	enum gh_err		err;

	if ((err = admin_load(f, domain, &cur)) != GH_OK)
		return err;
	if (cur.callback_status == 0 ||
	    cur.callback_state == CALLBACK_WAITING) {
		*why = "provisioning has not finished: there is no callback yet";
		return GH_EINVAL;
	}
	/* A delivery still under way keeps its count; an ended one starts over. */
	if (cur.callback_state != CALLBACK_PENDING) {
		cur.callback_state = CALLBACK_PENDING;
		cur.callback_tries = 0;
	}
	cur.next_at = gh_now();
	if ((err = factory_store_order_update(f, &cur, gh_now())) == GH_OK ||
	    err == GH_EBUSY)
		*o = cur;
	return err;
}
