/* SPDX-License-Identifier: ISC */
/*
 * The factory ("Magic Website Factory"): domain availability, site orders.
 * What the FastCGI program, gatectl and the worker share: the process state,
 * the store (all SQL), the registrar backends, the worker's state machine
 * and the wake-up between the FastCGI program and the worker.
 */
#ifndef FACTORY_H
#define FACTORY_H

#include <signal.h>
#include <stddef.h>

#include "auth.h"
#include "conf.h"
#include "crypto.h"
#include "db.h"
#include "err.h"
#include "netpol.h"
#include "valid.h"

/* The migrations of sql/factory/ (schema.c, made by sql/schema.sh). */
extern const struct gh_schema factory_schema;

/* The [factory] keys of gatehouse.conf (conf.c). */
enum factory_conf_key {
	FACTORY_CONF_MODE,
	FACTORY_CONF_MAX_BODY,
	FACTORY_CONF_REGISTRAR,
	FACTORY_CONF_REGISTRAR_COMMAND,
	FACTORY_CONF_REGISTRAR_TIMEOUT,
	FACTORY_CONF_ALLOW_HTTP_CALLBACK,
	FACTORY_CONF_DEPLOY_COMMAND,
	FACTORY_CONF_DEPLOY_TIMEOUT,
	FACTORY_CONF_PROVISION_ATTEMPTS,
	FACTORY_CONF_PROVISION_BACKOFF,
	FACTORY_CONF_CALLBACK_SCHEDULE,
	FACTORY_CONF_CALLBACK_CONNECT_TIMEOUT,
	FACTORY_CONF_CALLBACK_TIMEOUT,
	FACTORY_CONF_CALLBACK_ALLOW,
	FACTORY_CONF_CALLBACK_DENY,
	FACTORY_CONF_WEBHOOK_SIGNATURES,
	FACTORY_CONF_LEASE,
	FACTORY_CONF_WORKER_PROGRAM,
	FACTORY_CONF__MAX
};

/* [factory] mode; the names are factory_mode_names[]. */
enum factory_mode {
	FACTORY_MODE_TEST,
	FACTORY_MODE_LIVE,
	FACTORY_MODE__MAX
};

/* [factory] registrar; the names are registrar_names[]. */
enum registrar {
	REGISTRAR_TEST,		/* the spec's test domains (test mode) */
	REGISTRAR_LOCAL,	/* the taken_domain table */
	REGISTRAR_COMMAND,	/* registrar_command */
	REGISTRAR__MAX
};

extern const char *const factory_mode_names[FACTORY_MODE__MAX + 1];
extern const char *const registrar_names[REGISTRAR__MAX + 1];

extern const struct gh_conf_table factory_conf;

GH_CONF_ACCESSORS(factory)

/* Accepted in test mode only, as the spec's "hardcoded mock token". */
#define FACTORY_MOCK_TOKEN	"gatehouse-factory-mock-token"
#define FACTORY_CLIENT_MAX	64	/* client name length */
#define FACTORY_URL_MAX		2048
#define FACTORY_SECRET_MAX	1024	/* installerSecret, callback secret */

/* Labels binding sealed blobs to their column. */
#define LABEL_CALLBACK_SECRET	"factory.client.callback_secret"
#define LABEL_INSTALLER_SECRET	"factory.site_order.secret"

struct factory_client {
	long long	id;
	char		name[FACTORY_CLIENT_MAX + 1];
	int		mock;
};

/*
 * site_order.state; the names are order_state_names[], the text in the
 * database: the store turns one into the other, nothing else does.
 */
enum order_state {
	ORDER_PENDING,
	ORDER_REGISTERING,
	ORDER_DEPLOYING,
	ORDER_CREATED,
	ORDER_CONFLICT,
	ORDER_FAILED,
	ORDER_STATE__MAX
};

/* site_order.callback_state; the names are callback_state_names[]. */
enum callback_state {
	CALLBACK_WAITING,	/* provisioning is not finished */
	CALLBACK_PENDING,	/* to be delivered (next_at) */
	CALLBACK_DELIVERED,	/* a 2xx came back */
	CALLBACK_GONE,		/* a 410 came back: never again */
	CALLBACK_DEAD,		/* the schedule ran out */
	CALLBACK_STATE__MAX
};

extern const char *const order_state_names[ORDER_STATE__MAX];
extern const char *const callback_state_names[CALLBACK_STATE__MAX];

#define FACTORY_OWNER_MAX	64	/* a worker's lease owner name */
#define FACTORY_ERROR_MAX	255	/* last_error, step details */
#define FACTORY_WEBHOOK_ID_MAX	48

struct factory_order {
	long long	id;
	long long	client_id;
	char		domain[GH_DOMAIN_MAX + 1];
	char		callback[FACTORY_URL_MAX + 1];
	enum order_state state;
	enum callback_state callback_state;
	long long	created, updated;
	/* The worker's bookkeeping (002_worker.sql). */
	long long	next_at;	/* when the worker is due; -1: nothing to do */
	int		attempts;	/* at the current provisioning step */
	long long	registered;	/* when registration succeeded; 0: not yet */
	int		callback_status; /* 201, 409, 500; 0: not decided yet */
	int		callback_tries;	/* attempts in this delivery round */
	char		webhook_id[FACTORY_WEBHOOK_ID_MAX + 1];	/* "" before */
	char		last_error[FACTORY_ERROR_MAX + 1];	/* "" if none */
	char		lease_owner[FACTORY_OWNER_MAX + 1];	/* "" unclaimed */
	long long	lease_until;	/* 0 when unclaimed */
	int		lease_locked;	/* the owner holds the byte lock too */
};

/* One attempt at a provisioning step, as `gatectl factory order` lists them. */
struct order_step {
	const char	*step;		/* "register", "deploy" */
	int		 attempt;
	long long	 started;
	long long	 finished;	/* 0: running, or cut short by a crash */
	const char	*result;	/* "ok", "taken", "failed", "interrupted"; NULL */
	const char	*detail;	/* NULL if none */
};

/* One callback attempt. */
struct callback_attempt {
	const char	*webhook_id;
	int		 status;	/* what it reported: 201, 409, 500 */
	long long	 started;
	int		 http_status;	/* 0: no HTTP answer */
	const char	*error;		/* the curl error, "interrupted"; NULL */
	long long	 duration_ms;	/* -1: unknown */
};

/*
 * What a worker writes beside an order's new state, in the same
 * transaction: the start or the end of a step or of a callback attempt.
 */
enum work_log_kind {
	WORK_LOG_NONE,
	WORK_LOG_STEP_BEGIN,
	WORK_LOG_STEP_END,
	WORK_LOG_CALLBACK_BEGIN,
	WORK_LOG_CALLBACK_END,
	WORK_LOG__MAX
};

struct work_log {
	enum work_log_kind	 kind;
	const char		*step;		/* STEP_BEGIN: "register", "deploy" */
	long long		 id;		/* *_END: the row; *_BEGIN: set */
	int			 earlier;	/* STEP_BEGIN: rows of step before */
	const char		*result;	/* STEP_END */
	const char		*detail;	/* STEP_END, CALLBACK_END; NULL */
	int			 http_status;	/* CALLBACK_END; 0: none */
	long long		 ms;		/* CALLBACK_END */
};

/* Everything one process owns, opened once. */
struct factory {
	struct gh_conf		 conf;
	struct gh_db		 db;
	struct gh_key		 key;
	int			 test_mode;
	struct gh_buf		 scratch;	/* sealing and MACs, reused */
	struct gh_auth_cache	 auth_cache;	/* tokens of the last second */
	struct factory_client	 auth_client[GH_AUTH_CACHE_SLOTS];
	int			 wakefd;	/* datagram socket to the worker; -1 */
};

/*
 * What one request of the FastCGI program owns (gh_svc.reqctx, req->ctx):
 * zeroed by serve before each request.
 */
struct factory_req {
	struct factory_client	 client;	/* the principal */
	int			 wake_after;	/* a new order: wake a worker
						   once it is answered */
};

/* store.c: every SQL statement of the factory. */
enum gh_err	 factory_store_open(struct factory *f, unsigned flags);
void		 factory_store_close(struct factory *f);
enum gh_err	 factory_store_client_by_token(struct factory *f,
		    const char *token, size_t len, struct factory_client *out);
enum gh_err	 factory_store_client_add(struct factory *f, const char *name,
		    const char *token, const void *callback_secret, size_t n);
enum gh_err	 factory_store_client_revoke(struct factory *f,
		    const char *name);
enum gh_err	 factory_store_client_mock_ensure(struct factory *f);
typedef void	 factory_store_client_cb(const char *name, long long created,
		    long long revoked, int mock, void *arg);
enum gh_err	 factory_store_client_list(struct factory *f,
		    factory_store_client_cb *cb, void *arg);
enum gh_err	 factory_store_order_get(struct factory *f, const char *domain,
		    struct factory_order *out);
/* *same = 1 when o is this order again: the same client and installerSecret. */
enum gh_err	 factory_store_order_same(struct factory *f,
		    const struct factory_order *o,
		    long long client_id, const char *secret, size_t secretlen,
		    int *same);
/*
 * Store a new order durably.  GH_ECONFLICT if one exists for the domain:
 * *same is then 1 when it is the same order (client and installerSecret),
 * and out holds the existing order either way.
 */
enum gh_err	 factory_store_order_add(struct factory *f, long long client_id,
		    const char *domain, const char *callback, const char *secret,
		    size_t secretlen, struct factory_order *out, int *same);
enum gh_err	 factory_store_domain_taken(struct factory *f,
		    const char *domain, int *taken);
/* The local registry of names taken elsewhere (registrar = local). */
enum gh_err	 factory_store_taken_add(struct factory *f, const char *domain);
enum gh_err	 factory_store_taken_remove(struct factory *f,
		    const char *domain);
enum gh_err	 factory_store_taken_list(struct factory *f,
		    void (*cb)(const char *domain, void *arg), void *arg);

/*
 * The worker's side of the store.  factory_store_work_claim() takes, in
 * one write transaction, the first order due at or before cutoff that
 * nobody holds: its lease is free or ran out, or its owner held the byte
 * lock and lock() (which tries to take it for us: 1 taken, 0 held
 * elsewhere) shows that the owner is gone.  The claim is stored as owner
 * until lease_until; out gets the order.  GH_ENOTFOUND when nothing is
 * claimable.
 */
typedef int	 factory_store_lock_cb(long long id, void *arg);
enum gh_err	 factory_store_work_claim(struct factory *f, const char *owner,
		    long long now, long long cutoff, long long lease_until,
		    factory_store_lock_cb *lock, void *arg,
		    struct factory_order *out);
/*
 * Store o's worker fields (state, callback state, next_at, attempts, the
 * lease: an empty lease_owner releases it, …) and the log entry, in one
 * transaction, if owner still holds the order; GH_ECONFLICT if it lost it.
 */
enum gh_err	 factory_store_work_save(struct factory *f,
		    const struct factory_order *o,
		    const char *owner, struct work_log *log);
/*
 * The same for gatectl, which holds no lease: GH_EBUSY while a worker's
 * lease on the order runs (then o->lease_owner and lease_until say whose).
 */
enum gh_err	 factory_store_order_update(struct factory *f,
		    struct factory_order *o, long long now);
/* When the next order falls due and is not held (GH_ENOTFOUND: none). */
enum gh_err	 factory_store_work_next(struct factory *f, long long *when);
/* Append the unsealed installerSecret of order id / callback secret of client id. */
enum gh_err	 factory_store_order_secret(struct factory *f, long long id,
		    struct gh_buf *out);
enum gh_err	 factory_store_client_secret(struct factory *f,
		    long long client_id, struct gh_buf *out);
enum gh_err	 factory_store_client_name(struct factory *f, long long id,
		    char *out, size_t outsz);
/* Every order, oldest first; the rows and strings are borrowed for the call. */
typedef void	 factory_store_order_cb(const struct factory_order *o,
		    const char *client, void *arg);
enum gh_err	 factory_store_order_list(struct factory *f,
		    factory_store_order_cb *cb, void *arg);
enum gh_err	 factory_store_order_steps(struct factory *f, long long id,
		    void (*cb)(const struct order_step *, void *), void *arg);
enum gh_err	 factory_store_order_callbacks(struct factory *f, long long id,
		    void (*cb)(const struct callback_attempt *, void *),
		    void *arg);

/*
 * registrar.c: is the domain free?  GH_OK with *available set, or
 * GH_EUNAVAIL / GH_ETIMEOUT when the backend cannot say.
 */
enum gh_err	 registrar_check(struct factory *f, const char *domain,
		    int *available);
/*
 * registrar.c: register the domain for us.  GH_OK when it is registered
 * (also when it was already registered to us: the step may be repeated
 * after a crash), GH_ECONFLICT when someone else has it, GH_EUNAVAIL or
 * GH_ETIMEOUT when the backend failed (a temporary failure, retried).
 * detail (detailsz bytes) gets a line for the order's step log.
 */
enum gh_err	 registrar_register(struct factory *f, const char *domain,
		    char *detail, size_t detailsz);

/* worker.c: the order state machine; callback.c: its callback. */
struct gh_http;
struct worker {
	struct factory	*f;
	struct gh_http	*http;			/* owned */
	struct gh_netpol policy;		/* callback_allow, callback_deny */
	char		 owner[FACTORY_OWNER_MAX + 1];	/* host:pid:nonce */
	int		 claimfd;		/* factory.db.claims, per claim; -1 */
	volatile sig_atomic_t *stop;		/* finish the step, then stop; may be NULL */
	/* What this worker did, for its summary line. */
	unsigned	 advanced;		/* orders that moved to a new state */
	unsigned	 delivered;		/* callbacks answered 2xx */
	unsigned	 failed;		/* failed step or callback attempts */
};

#define WORKER_BACKOFF_CAP	3600	/* longest provisioning backoff, s */
#define WORKER_JITTER_PCT	20	/* delays vary by up to ±20 % */

/*
 * Set up a worker on an opened factory; GH_ENOMEM, GH_EINTERNAL, or
 * GH_ECONFIG for an address list the loader should have refused.
 */
enum gh_err	 worker_init(struct worker *w, struct factory *f);
void		 worker_free(struct worker *w);	/* accepts a zeroed struct */
/*
 * Work every order due now until none is left (each as far as it will go:
 * register, deploy, call back).  *did (may be NULL) is set to whether
 * anything was done.  Fails only when the database does.
 */
enum gh_err	 worker_pass(struct worker *w, int *did);
/* Seconds until the next order falls due (0: now), at most max. */
long long	 worker_idle(struct worker *w, long long max);

/* The delay before attempt n + 1 (n >= 1) of a failed provisioning step. */
long long	 worker_backoff(long long base, int n);
/* delay with up to WORKER_JITTER_PCT % either way, by r (uniform); at least 1. */
long long	 worker_jitter(long long delay, unsigned r);
/* A random jittered delay from now; without randomness, the plain delay. */
long long	 worker_later(long long delay);
/* Seconds the lease must cover beyond now for a step taking limit_ms. */
long long	 worker_lease_for(const struct worker *w, long long limit_ms);

/*
 * callback.c: one attempt at the callback of claimed order o, recorded
 * before it is sent and its answer after (GH_ECONFLICT: the lease is
 * lost).  o's callback state and next_at say what comes next.
 */
enum gh_err	 callback_step(struct worker *w, struct factory_order *o);
/*
 * The wait after the tries-th failed callback attempt from the schedule
 * sched[0..n), without jitter; -1 when the schedule is spent (dead).
 */
long long	 callback_delay(const long long *sched, size_t n, int tries);
/*
 * Standard Webhooks: "v1,<base64 HMAC-SHA256(key, id.ts.body)>" into out
 * (outsz bytes).  The key is the secret's bytes, or, for a secret written
 * "whsec_<base64>", the bytes the base64 stands for.
 */
enum gh_err	 callback_sign(const char *secret, size_t secretlen,
		    const char *id, long long ts, const char *body,
		    size_t bodylen, char *out, size_t outsz);
/*
 * `gatectl factory retry|redeliver <domain>`: make the order's provisioning
 * (retry: a failed order starts again at the step that failed; a waiting
 * one is due now) or its callback (redeliver: again from the start of the
 * schedule, under the same webhook-id; a pending one is due now) due at
 * once.  GH_ENOTFOUND, GH_EINVAL (nothing to do: *why says why), GH_EBUSY
 * (a worker holds it), or a database error.  o gets the order as changed
 * on GH_OK, and on GH_EBUSY (then its lease_owner and lease_until say who
 * holds it and until when).
 */
enum gh_err	 worker_retry(struct factory *f, const char *domain,
		    struct factory_order *o, const char **why);
enum gh_err	 worker_redeliver(struct factory *f, const char *domain,
		    struct factory_order *o, const char **why);

/*
 * wake.c: the nudge from the FastCGI program to a worker, through the
 * datagram socket <state_dir>/worker.sock and, on PostgreSQL, a NOTIFY
 * that reaches the workers of every node.  wake_worker() sends both;
 * if nobody listens on the socket and spawn is set, it starts
 * `worker_program --drain` in a session of its own.  It never fails the
 * caller: errors are logged.  Returns 1 if a listener on the socket was
 * told, 0 otherwise.
 */
int		 wake_worker(struct factory *f, int spawn);
/*
 * Become the listener: GH_OK with *fd bound to the socket and *lockfd
 * holding <state_dir>/worker.lock, or GH_EBUSY when another worker
 * listens already (the caller then just works and exits).
 */
enum gh_err	 wake_listen(struct factory *f, int *fd, int *lockfd);
/*
 * On PostgreSQL, LISTEN for the NOTIFY that wake_worker() sends from any
 * node (GH_OK and nothing on SQLite).
 */
enum gh_err	 wake_subscribe(struct factory *f);
/*
 * Wait up to ms for a wake-up on fd (-1: none) or, after
 * wake_subscribe(), on f's database connection, then drain them; 1
 * woken, 0 not.
 */
int		 wake_wait(struct factory *f, int fd, long long ms);

/* The FastCGI program's handlers (domain.c, site.c). */
struct gh_svc;
struct gh_req;
struct gh_res;
struct json_object;

/* order.c: a site order's body, checked; the strings borrow from the JSON. */
struct factory_order_req {
	char		 domain[GH_DOMAIN_MAX + 1];	/* lower-cased */
	const char	*callback;
	size_t		 cblen;
	const char	*secret;
	size_t		 secretlen;
};
/*
 * Parse len bytes at s as POST /v1/site's body and check its fields.  On
 * GH_OK *out is the parsed body (the caller puts it) and o borrows from
 * it; otherwise res says what is wrong (GH_EINVAL) and *out is untouched.
 */
enum gh_err	 factory_order_parse(const char *s, size_t len, int allow_http,
		    struct factory_order_req *o, struct json_object **out,
		    struct gh_res *res);
enum gh_err	 factory_domain_get(struct gh_svc *, struct gh_req *,
		    struct gh_res *);
enum gh_err	 factory_site_post(struct gh_svc *, struct gh_req *,
		    struct gh_res *);
enum gh_err	 factory_site_get(struct gh_svc *, struct gh_req *,
		    struct gh_res *);

/* Open config, key and database for a program: the once-per-process setup. */
enum gh_err	 factory_open(struct factory *f, const char *config,
		    unsigned dbflags, char *errbuf, size_t errsz);
void		 factory_close(struct factory *f);

#endif
