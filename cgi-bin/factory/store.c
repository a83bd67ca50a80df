/* SPDX-License-Identifier: ISC */
/*
 * store: all SQL of the factory, as one table of statements prepared once
 * per process (per connection on PostgreSQL), written once with $n
 * parameters for both backends of db.h and per backend only where the SQL
 * differs.  Secrets go in sealed (installerSecret, callback secrets) or
 * hashed (tokens); nothing here logs a parameter value.
 *
 * The worker's writes (claims, state transitions with their step and
 * callback records) each take one write transaction, so that every step
 * the worker takes is durable before and after its outside action.
 */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "auth.h"
#include "factory.h"
#include "log.h"
#include "token.h"

#define STORE_STR2(x)	#x
#define STORE_STR(x)	STORE_STR2(x)

enum stmt {
	STMT_CLIENT_BY_HASH,
	STMT_CLIENT_ADD,
	STMT_CLIENT_REVOKE,
	STMT_CLIENT_MOCK_FIND,
	STMT_CLIENT_LIST,
	STMT_ORDER_GET,
	STMT_ORDER_MAC,
	STMT_ORDER_ADD,
	STMT_DOMAIN_TAKEN,
	STMT_TAKEN_ADD,
	STMT_TAKEN_REMOVE,
	STMT_TAKEN_LIST,
	STMT_ORDER_BY_ID,
	STMT_ORDER_LIST,
	STMT_ORDER_SECRET,
	STMT_ORDER_UPDATE,
	STMT_CLIENT_SECRET,
	STMT_CLIENT_NAME,
	STMT_WORK_CANDIDATES,
	STMT_WORK_CLAIM,
	STMT_WORK_SAVE,
	STMT_WORK_NEXT,
	STMT_STEP_INTERRUPT,
	STMT_STEP_COUNT,
	STMT_STEP_ADD,
	STMT_STEP_END,
	STMT_STEP_LIST,
	STMT_CALLBACK_INTERRUPT,
	STMT_CALLBACK_ADD,
	STMT_CALLBACK_END,
	STMT_CALLBACK_LIST,
	STMT__MAX
};

/* The columns order_read() reads, in its order. */
#define ORDER_COLS							\
	"o.id, o.client_id, o.domain, o.callback, o.state, "		\
	"o.callback_state, o.created, o.updated, o.next_at, o.attempts, " \
	"o.registered, o.callback_status, o.callback_tries, o.webhook_id, " \
	"o.last_error, o.lease_owner, o.lease_until, o.lease_locked "
/* What the worker and gatectl change, as order_bind() binds it from $3. */
#define ORDER_SET							\
	"UPDATE site_order SET state = $3, callback_state = $4, "	\
	"next_at = $5, attempts = $6, registered = $7, "		\
	"callback_status = $8, callback_tries = $9, webhook_id = $10, "	\
	"last_error = $11, lease_owner = $12, lease_until = $13, "	\
	"lease_locked = $14, updated = $15 "
#define CLAIM_BATCH	32	/* orders looked at per claim (SQLite) */

const char *const order_state_names[ORDER_STATE__MAX] = {
	[ORDER_PENDING] = "pending",
	[ORDER_REGISTERING] = "registering",
	[ORDER_DEPLOYING] = "deploying",
	[ORDER_CREATED] = "created",
	[ORDER_CONFLICT] = "conflict",
	[ORDER_FAILED] = "failed",
};

const char *const callback_state_names[CALLBACK_STATE__MAX] = {
	[CALLBACK_WAITING] = "waiting",
	[CALLBACK_PENDING] = "pending",
	[CALLBACK_DELIVERED] = "delivered",
	[CALLBACK_GONE] = "gone",
	[CALLBACK_DEAD] = "dead",
};

#define STEP_ADD							\
	"INSERT INTO order_step (order_id, step, attempt, started) "	\
	"VALUES ($1, $2, $3, $4)"
#define CALLBACK_ADD							\
	"INSERT INTO callback_attempt (order_id, webhook_id, status, "	\
	"started) VALUES ($1, $2, $3, $4)"

static const struct gh_stmt_def stmts[STMT__MAX] = {
	[STMT_CLIENT_BY_HASH] = {
	    "SELECT id, name, mock, token_hash FROM client "
	    "WHERE token_hash = $1 AND revoked IS NULL", NULL, NULL },
	[STMT_CLIENT_ADD] = {
	    "INSERT INTO client (name, token_hash, callback_secret, mock, "
	    "created) VALUES ($1, $2, $3, $4, $5)", NULL, NULL },
	[STMT_CLIENT_REVOKE] = {
	    "UPDATE client SET revoked = $2 WHERE name = $1 AND revoked IS NULL",
	    NULL, NULL },
	[STMT_CLIENT_MOCK_FIND] = {
	    "SELECT id FROM client WHERE mock = 1", NULL, NULL },
	[STMT_CLIENT_LIST] = {
	    "SELECT name, created, revoked, mock FROM client ORDER BY name",
	    NULL, NULL },
	[STMT_ORDER_GET] = {
	    "SELECT " ORDER_COLS "FROM site_order o WHERE o.domain = $1",
	    NULL, NULL },
	[STMT_ORDER_MAC] = {
	    "SELECT secret_mac FROM site_order WHERE id = $1", NULL, NULL },
	[STMT_ORDER_ADD] = {
	    "INSERT INTO site_order (domain, client_id, callback, secret_mac, "
	    "secret, created, updated) VALUES ($1, $2, $3, $4, $5, $6, $6)",
	    NULL, NULL },
	/* An integer, not PostgreSQL's boolean. */
	[STMT_DOMAIN_TAKEN] = {
	    "SELECT CAST(EXISTS (SELECT 1 FROM taken_domain WHERE domain = $1) "
	    "OR EXISTS (SELECT 1 FROM site_order WHERE domain = $1) AS INTEGER)",
	    NULL, NULL },
	[STMT_TAKEN_ADD] = {
	    "INSERT INTO taken_domain (domain) VALUES ($1) "
	    "ON CONFLICT (domain) DO NOTHING", NULL, NULL },
	[STMT_TAKEN_REMOVE] = {
	    "DELETE FROM taken_domain WHERE domain = $1", NULL, NULL },
	[STMT_TAKEN_LIST] = {
	    "SELECT domain FROM taken_domain ORDER BY domain", NULL, NULL },
	[STMT_ORDER_BY_ID] = {
	    "SELECT " ORDER_COLS "FROM site_order o WHERE o.id = $1",
	    NULL, NULL },
	[STMT_ORDER_LIST] = {
	    "SELECT " ORDER_COLS ", c.name FROM site_order o "
	    "JOIN client c ON c.id = o.client_id ORDER BY o.created, o.id",
	    NULL, NULL },
	[STMT_ORDER_SECRET] = {
	    "SELECT secret FROM site_order WHERE id = $1", NULL, NULL },
	/* gatectl: only while no worker's lease runs. */
	[STMT_ORDER_UPDATE] = {
	    ORDER_SET "WHERE id = $1 AND (lease_owner IS NULL OR "
	    "lease_until IS NULL OR lease_until <= $2)", NULL, NULL },
	[STMT_CLIENT_SECRET] = {
	    "SELECT callback_secret FROM client WHERE id = $1", NULL, NULL },
	[STMT_CLIENT_NAME] = {
	    "SELECT name FROM client WHERE id = $1", NULL, NULL },
	/*
	 * Due, and not held by a live lease of an owner without the lock.
	 * PostgreSQL: workers on other nodes claim at the same time, so the
	 * row is locked as it is picked and one locked by another claim is
	 * passed over (SKIP LOCKED); a plain SELECT would let two claims
	 * read the same free order.  There is no byte lock across nodes:
	 * a live lease is never taken over, one that ran out always.
	 */
	[STMT_WORK_CANDIDATES] = {
	    "SELECT id, lease_until FROM site_order "
	    "WHERE next_at <= $1 AND (lease_until IS NULL OR "
	    "lease_until <= $2 OR lease_locked = 1) "
	    "ORDER BY next_at, id LIMIT " STORE_STR(CLAIM_BATCH), NULL,
	    "SELECT id, lease_until FROM site_order "
	    "WHERE next_at <= $1 AND (lease_until IS NULL OR "
	    "lease_until <= $2) ORDER BY next_at, id LIMIT 1 "
	    "FOR UPDATE SKIP LOCKED" },
	[STMT_WORK_CLAIM] = {
	    "UPDATE site_order SET lease_owner = $2, lease_until = $3, "
	    "lease_locked = $4 WHERE id = $1", NULL, NULL },
	[STMT_WORK_SAVE] = {
	    ORDER_SET "WHERE id = $1 AND lease_owner = $2", NULL, NULL },
	/*
	 * An order held by a lease is due when the lease runs out.  SQLite's
	 * two-argument max() is PostgreSQL's greatest().
	 */
	[STMT_WORK_NEXT] = { NULL,
	    "SELECT min(max(next_at, coalesce(lease_until, 0))) "
	    "FROM site_order WHERE next_at IS NOT NULL",
	    "SELECT min(greatest(next_at, coalesce(lease_until, 0))) "
	    "FROM site_order WHERE next_at IS NOT NULL" },
	[STMT_STEP_INTERRUPT] = {
	    "UPDATE order_step SET finished = $2, result = 'interrupted' "
	    "WHERE order_id = $1 AND finished IS NULL", NULL, NULL },
	[STMT_STEP_COUNT] = {
	    "SELECT count(*) FROM order_step WHERE order_id = $1 AND step = $2",
	    NULL, NULL },
	/* The new row's id: SQLite's last rowid, PostgreSQL's RETURNING. */
	[STMT_STEP_ADD] = { STEP_ADD, NULL, STEP_ADD " RETURNING id" },
	[STMT_STEP_END] = {
	    "UPDATE order_step SET finished = $2, result = $3, detail = $4 "
	    "WHERE id = $1", NULL, NULL },
	[STMT_STEP_LIST] = {
	    "SELECT step, attempt, started, finished, result, detail "
	    "FROM order_step WHERE order_id = $1 ORDER BY id", NULL, NULL },
	[STMT_CALLBACK_INTERRUPT] = {
	    "UPDATE callback_attempt SET error = 'interrupted' "
	    "WHERE order_id = $1 AND http_status IS NULL AND error IS NULL",
	    NULL, NULL },
	[STMT_CALLBACK_ADD] = { CALLBACK_ADD, NULL,
	    CALLBACK_ADD " RETURNING id" },
	[STMT_CALLBACK_END] = {
	    "UPDATE callback_attempt SET http_status = $2, error = $3, "
	    "duration_ms = $4 WHERE id = $1", NULL, NULL },
	[STMT_CALLBACK_LIST] = {
	    "SELECT webhook_id, status, started, http_status, error, "
	    "duration_ms FROM callback_attempt WHERE order_id = $1 ORDER BY id",
	    NULL, NULL },
};

enum gh_err
factory_store_open(struct factory *f, unsigned flags)
{
	return gh_db_open_conf(&f->db, &f->conf, &factory_schema, flags,
	    stmts, STMT__MAX);
}

void
factory_store_close(struct factory *f)
{
	gh_db_close(&f->db);
}

/* The handle of statement id, or NULL (logged). */
static struct gh_stmt *
prep(struct factory *f, enum stmt id)
{
	return gh_db_prep(&f->db, id);
}

enum gh_err
factory_store_client_by_token(struct factory *f, const char *token, size_t len,
    struct factory_client *out)
{
	unsigned char	 hash[GH_SHA256_LEN];
	struct gh_stmt	*st;
	enum gh_err	 err;

	if ((st = prep(f, STMT_CLIENT_BY_HASH)) == NULL)
		return GH_EDB;
	gh_sha256(token, len, hash);
	if ((err = gh_auth_find(st, 3, hash)) != GH_OK)
		return err;
	out->id = gh_stmt_int64(st, 0);
	if ((err = gh_stmt_text_copy(st, 1, out->name, sizeof(out->name))) !=
	    GH_OK)
		goto out;
	out->mock = (int)gh_stmt_int64(st, 2);
out:
	gh_stmt_reset(st);
	return err;
}

enum gh_err
factory_store_client_add(struct factory *f, const char *name, const char *token,
    const void *callback_secret, size_t n)
{
	unsigned char	 hash[GH_SHA256_LEN];
	struct gh_stmt	*st;
	enum gh_err	 err;

	gh_buf_reset(&f->scratch);
	if ((err = gh_seal(&f->key, LABEL_CALLBACK_SECRET, callback_secret, n,
	    &f->scratch)) != GH_OK)
		return err;
	gh_sha256(token, strlen(token), hash);
	if ((st = gh_db_write_prep(&f->db, STMT_CLIENT_ADD, &err)) == NULL)
		return err;
	gh_stmt_bind_text(st, 1, name);
	gh_stmt_bind_blob(st, 2, hash, sizeof(hash));
	gh_stmt_bind_blob(st, 3, f->scratch.data, f->scratch.len);
	gh_stmt_bind_int64(st, 4, strcmp(token, FACTORY_MOCK_TOKEN) == 0);
	gh_stmt_bind_int64(st, 5, gh_now());
	return gh_db_write_end(&f->db, st, 0);
}

enum gh_err
factory_store_client_revoke(struct factory *f, const char *name)
{
	struct gh_stmt	*st;
	enum gh_err	 err;

	if ((st = gh_db_write_prep(&f->db, STMT_CLIENT_REVOKE, &err)) == NULL)
		return err;
	gh_stmt_bind_text(st, 1, name);
	gh_stmt_bind_int64(st, 2, gh_now());
	return gh_db_write_end(&f->db, st, GH_DB_CHANGED);
}

/*
 * Make sure the test-mode mock client exists.  Its callback secret is the
 * mock token itself, as the spec's local testing setup shares one secret.
 */
enum gh_err
factory_store_client_mock_ensure(struct factory *f)
{
	struct gh_stmt	*st;
	enum gh_err	 err;

	if ((st = prep(f, STMT_CLIENT_MOCK_FIND)) == NULL)
		return GH_EDB;
	err = gh_stmt_row(st);
	gh_stmt_reset(st);
	if (err != GH_ENOTFOUND)
		return err;
	err = factory_store_client_add(f, "mock", FACTORY_MOCK_TOKEN,
	    FACTORY_MOCK_TOKEN, strlen(FACTORY_MOCK_TOKEN));
	return err == GH_ECONFLICT ? GH_OK : err;
}

/* The end of a walk over rows: reset st, and GH_OK once all were read. */
static enum gh_err
rows_end(struct gh_stmt *st, enum gh_db_rc rc)
{
	gh_stmt_reset(st);
	return rc == GH_DB_DONE ? GH_OK : gh_db_rc_err(rc);
}

enum gh_err
factory_store_client_list(struct factory *f, factory_store_client_cb *cb,
    void *arg)
{
	struct gh_stmt	*st;
	enum gh_db_rc	 rc;

	if ((st = prep(f, STMT_CLIENT_LIST)) == NULL)
		return GH_EDB;
	while ((rc = gh_stmt_step(st)) == GH_DB_ROW)
		cb(gh_stmt_text(st, 0), gh_stmt_int64(st, 1),
		    gh_stmt_int64(st, 2), (int)gh_stmt_int64(st, 3), arg);
	return rows_end(st, rc);
}

/* Column col as text into out, "" for NULL. */
static enum gh_err
text_or_empty(struct gh_stmt *st, int col, char *out, size_t outsz)
{
	enum gh_err	err;

	if ((err = gh_stmt_text_copy(st, col, out, outsz)) == GH_ENOTFOUND) {
		out[0] = '\0';
		err = GH_OK;
	}
	return err;
}

/*
 * The state name in column col as its index among names (n of them):
 * the text of the database becomes the program's enum here, and only
 * here.  GH_EDB for a name this program does not know.
 */
static enum gh_err
state_read(struct gh_stmt *st, int col, const char *const *names, size_t n,
    size_t *out)
{
	const char	*s = gh_stmt_text(st, col);
	size_t		 i;

	for (i = 0; s != NULL && i < n; i++)
		if (strcmp(s, names[i]) == 0) {
			*out = i;
			return GH_OK;
		}
	gh_log("%s: unknown state \"%s\" in site_order", __func__,
	    s != NULL ? s : "(null)");
	return GH_EDB;
}

/* The ORDER_COLS of the current row into out. */
static enum gh_err
order_read(struct gh_stmt *st, struct factory_order *out)
{
	size_t		state, cbstate;
	enum gh_err	err;

	out->id = gh_stmt_int64(st, 0);
	out->client_id = gh_stmt_int64(st, 1);
	if ((err = gh_stmt_text_copy(st, 2, out->domain,
	    sizeof(out->domain))) != GH_OK ||
	    (err = gh_stmt_text_copy(st, 3, out->callback,
	    sizeof(out->callback))) != GH_OK ||
	    (err = state_read(st, 4, order_state_names, ORDER_STATE__MAX,
	    &state)) != GH_OK ||
	    (err = state_read(st, 5, callback_state_names,
	    CALLBACK_STATE__MAX, &cbstate)) != GH_OK ||
	    (err = text_or_empty(st, 13, out->webhook_id,
	    sizeof(out->webhook_id))) != GH_OK ||
	    (err = text_or_empty(st, 14, out->last_error,
	    sizeof(out->last_error))) != GH_OK ||
	    (err = text_or_empty(st, 15, out->lease_owner,
	    sizeof(out->lease_owner))) != GH_OK)
		return err;
	out->state = (enum order_state)state;
	out->callback_state = (enum callback_state)cbstate;
	out->created = gh_stmt_int64(st, 6);
	out->updated = gh_stmt_int64(st, 7);
	out->next_at = gh_stmt_null(st, 8) ? -1 : gh_stmt_int64(st, 8);
	out->attempts = (int)gh_stmt_int64(st, 9);
	out->registered = gh_stmt_int64(st, 10);
	out->callback_status = (int)gh_stmt_int64(st, 11);
	out->callback_tries = (int)gh_stmt_int64(st, 12);
	out->lease_until = gh_stmt_int64(st, 16);
	out->lease_locked = (int)gh_stmt_int64(st, 17);
	return GH_OK;
}

/* The order that statement id finds by its text $1 or integer key. */
static enum gh_err
order_find(struct factory *f, enum stmt id, const char *text, long long key,
    struct factory_order *out)
{
	struct gh_stmt	*st;
	enum gh_err	 err;

	if ((st = prep(f, id)) == NULL)
		return GH_EDB;
	if (text != NULL)
		gh_stmt_bind_text(st, 1, text);
	else
		gh_stmt_bind_int64(st, 1, key);
	if ((err = gh_stmt_row(st)) == GH_OK)
		err = order_read(st, out);
	gh_stmt_reset(st);
	return err;
}

enum gh_err
factory_store_order_get(struct factory *f, const char *domain,
    struct factory_order *out)
{
	return order_find(f, STMT_ORDER_GET, domain, 0, out);
}

/* MAC of an installerSecret under the service key, to recognise a repeat. */
static enum gh_err
secret_mac(struct factory *f, const char *secret, size_t n,
    unsigned char mac[32])
{
	return gh_hmac_sha256(f->key.k, sizeof(f->key.k), secret, n, mac);
}

/* Is the existing order the same one again (same client, same secret)? */
static enum gh_err
order_same(struct factory *f, const struct factory_order *o,
    long long client_id, const unsigned char mac[32], int *same)
{
	struct gh_stmt	*st;
	const void	*p;
	enum gh_err	 err;
	size_t		 len;

	if ((st = prep(f, STMT_ORDER_MAC)) == NULL)
		return GH_EDB;
	gh_stmt_bind_int64(st, 1, o->id);
	if ((err = gh_stmt_row(st)) == GH_OK) {
		p = gh_stmt_blob(st, 0, &len);
		*same = o->client_id == client_id && p != NULL && len == 32 &&
		    gh_ct_eq(p, mac, 32);
	}
	gh_stmt_reset(st);
	return err;
}

enum gh_err
factory_store_order_add(struct factory *f, long long client_id,
    const char *domain,
    const char *callback, const char *secret, size_t secretlen,
    struct factory_order *out, int *same)
{
	unsigned char	 mac[32];
	struct gh_stmt	*st;
	enum gh_err	 err;

	*same = 0;
	if ((err = secret_mac(f, secret, secretlen, mac)) != GH_OK)
		return err;
	gh_buf_reset(&f->scratch);
	if ((err = gh_seal(&f->key, LABEL_INSTALLER_SECRET, secret, secretlen,
	    &f->scratch)) != GH_OK)
		return err;
	if ((st = gh_db_write_prep(&f->db, STMT_ORDER_ADD, &err)) == NULL)
		return err;
	gh_stmt_bind_text(st, 1, domain);
	gh_stmt_bind_int64(st, 2, client_id);
	gh_stmt_bind_text(st, 3, callback);
	gh_stmt_bind_blob(st, 4, mac, sizeof(mac));
	gh_stmt_bind_blob(st, 5, f->scratch.data, f->scratch.len);
	gh_stmt_bind_int64(st, 6, gh_now());
	err = gh_db_write_end(&f->db, st, 0);
	if (err == GH_ECONFLICT) {
		/* The domain is ordered already (by another process, perhaps). */
		if ((err = factory_store_order_get(f, domain, out)) != GH_OK ||
		    (err = order_same(f, out, client_id, mac, same)) != GH_OK)
			return err;
		return GH_ECONFLICT;
	}
	if (err != GH_OK)
		return err;
	return factory_store_order_get(f, domain, out);
}

enum gh_err
factory_store_order_same(struct factory *f, const struct factory_order *o,
    long long client_id, const char *secret, size_t secretlen, int *same)
{
	unsigned char	mac[32];
	enum gh_err	err;

	if ((err = secret_mac(f, secret, secretlen, mac)) != GH_OK)
		return err;
	return order_same(f, o, client_id, mac, same);
}

enum gh_err
factory_store_domain_taken(struct factory *f, const char *domain, int *taken)
{
	struct gh_stmt	*st;
	enum gh_err	 err;

	if ((st = prep(f, STMT_DOMAIN_TAKEN)) == NULL)
		return GH_EDB;
	gh_stmt_bind_text(st, 1, domain);
	if ((err = gh_stmt_row(st)) == GH_OK)
		*taken = gh_stmt_int64(st, 0) != 0;
	gh_stmt_reset(st);
	return err;
}

/* Run one write statement on a domain in its own transaction. */
static enum gh_err
domain_write(struct factory *f, enum stmt id, const char *domain)
{
	struct gh_stmt	*st;
	enum gh_err	 err;

	if ((st = gh_db_write_prep(&f->db, id, &err)) == NULL)
		return err;
	gh_stmt_bind_text(st, 1, domain);
	return gh_db_write_end(&f->db, st,
	    id == STMT_TAKEN_REMOVE ? GH_DB_CHANGED : 0);
}

enum gh_err
factory_store_taken_add(struct factory *f, const char *domain)
{
	return domain_write(f, STMT_TAKEN_ADD, domain);
}

enum gh_err
factory_store_taken_remove(struct factory *f, const char *domain)
{
	return domain_write(f, STMT_TAKEN_REMOVE, domain);
}

enum gh_err
factory_store_taken_list(struct factory *f, void (*cb)(const char *, void *),
    void *arg)
{
	struct gh_stmt	*st;
	enum gh_db_rc	 rc;

	if ((st = prep(f, STMT_TAKEN_LIST)) == NULL)
		return GH_EDB;
	while ((rc = gh_stmt_step(st)) == GH_DB_ROW)
		cb(gh_stmt_text(st, 0), arg);
	return rows_end(st, rc);
}

/* Bind an optional text: NULL or "" is SQL NULL. */
static void
bind_text_null(struct gh_stmt *st, int n, const char *s)
{
	if (s == NULL || s[0] == '\0')
		gh_stmt_bind_null(st, n);
	else
		gh_stmt_bind_text(st, n, s);
}

/* Bind v, or SQL NULL when it is not above zero. */
static void
bind_positive(struct gh_stmt *st, int n, long long v)
{
	if (v > 0)
		gh_stmt_bind_int64(st, n, v);
	else
		gh_stmt_bind_null(st, n);
}

/* Bind o's changeable fields to ORDER_SET's $3 to $15. */
static void
order_bind(struct gh_stmt *st, const struct factory_order *o, long long now)
{
	assert(o->state < ORDER_STATE__MAX &&
	    o->callback_state < CALLBACK_STATE__MAX);
	gh_stmt_bind_text(st, 3, order_state_names[o->state]);
	gh_stmt_bind_text(st, 4, callback_state_names[o->callback_state]);
	if (o->next_at >= 0)
		gh_stmt_bind_int64(st, 5, o->next_at);
	else
		gh_stmt_bind_null(st, 5);
	gh_stmt_bind_int64(st, 6, o->attempts);
	bind_positive(st, 7, o->registered);
	bind_positive(st, 8, o->callback_status);
	gh_stmt_bind_int64(st, 9, o->callback_tries);
	bind_text_null(st, 10, o->webhook_id);
	bind_text_null(st, 11, o->last_error);
	bind_text_null(st, 12, o->lease_owner);
	if (o->lease_owner[0] != '\0')
		gh_stmt_bind_int64(st, 13, o->lease_until);
	else
		gh_stmt_bind_null(st, 13);
	gh_stmt_bind_int64(st, 14, o->lease_owner[0] != '\0' &&
	    o->lease_locked);
	gh_stmt_bind_int64(st, 15, now);
}

/* Load order id into out (inside or outside a transaction). */
static enum gh_err
order_by_id(struct factory *f, long long id, struct factory_order *out)
{
	return order_find(f, STMT_ORDER_BY_ID, NULL, id, out);
}

/*
 * Claim as factory.h describes.  The candidates are read first and the
 * statement reset, so that no read is open while we write.  A candidate
 * whose lease runs is claimed only when lock() gets its byte lock (the
 * owner is dead); one whose lease ran out is claimed either way, and
 * lease_locked records whether we hold the lock.  On PostgreSQL the one
 * candidate is row-locked by its SELECT until we commit, and never held
 * by a live lease: lock() is not asked (its file is on this node only).
 */
enum gh_err
factory_store_work_claim(struct factory *f, const char *owner, long long now,
    long long cutoff, long long lease_until, factory_store_lock_cb *lock,
    void *arg, struct factory_order *out)
{
	struct factory_order	 o;
	struct {
		long long	id, until;
	}			 cand[CLAIM_BATCH];
	struct gh_stmt		*st;
	enum gh_err		 err;
	enum gh_db_rc		 rc = GH_DB_DONE;
	size_t			 n = 0, i;
	int			 got;

	if ((st = gh_db_write_prep(&f->db, STMT_WORK_CANDIDATES, &err)) ==
	    NULL)
		return err;
	gh_stmt_bind_int64(st, 1, cutoff);
	gh_stmt_bind_int64(st, 2, now);
	while (n < CLAIM_BATCH && (rc = gh_stmt_step(st)) == GH_DB_ROW) {
		cand[n].id = gh_stmt_int64(st, 0);
		cand[n].until = gh_stmt_int64(st, 1);
		n++;
	}
	gh_stmt_reset(st);
	if (n < CLAIM_BATCH && rc != GH_DB_DONE) {
		err = gh_db_rc_err(rc);
		goto fail;
	}
	for (i = 0; i < n; i++) {
		got = f->db.backend == GH_DB_PG ? 0 : lock(cand[i].id, arg);
		if (cand[i].until > now && !got)
			continue;	/* its owner is alive */
		if ((st = prep(f, STMT_WORK_CLAIM)) == NULL) {
			err = GH_EDB;
			goto fail;
		}
		gh_stmt_bind_int64(st, 1, cand[i].id);
		gh_stmt_bind_text(st, 2, owner);
		gh_stmt_bind_int64(st, 3, lease_until);
		gh_stmt_bind_int64(st, 4, got);
		if ((err = gh_stmt_done(st)) != GH_OK ||
		    (err = order_by_id(f, cand[i].id, &o)) != GH_OK)
			goto fail;
		if ((err = gh_db_commit(&f->db)) != GH_OK)
			return err;
		*out = o;
		return GH_OK;
	}
	err = GH_ENOTFOUND;
fail:
	gh_db_rollback(&f->db);
	return err;
}

/* Write the log entry of a worker's transition (inside its transaction). */
static enum gh_err
work_log_write(struct factory *f, const struct factory_order *o,
    const struct work_log *log, long long now, long long *id, int *earlier)
{
	struct gh_stmt	*st;
	enum gh_err	 err;
	int		 step = log->kind == WORK_LOG_STEP_BEGIN;

	if (step || log->kind == WORK_LOG_CALLBACK_BEGIN) {
		/* A row still open was cut short by a crash. */
		if ((st = prep(f, step ? STMT_STEP_INTERRUPT :
		    STMT_CALLBACK_INTERRUPT)) == NULL)
			return GH_EDB;
		gh_stmt_bind_int64(st, 1, o->id);
		if (step)
			gh_stmt_bind_int64(st, 2, now);
		if ((err = gh_stmt_done(st)) != GH_OK)
			return err;
	}

	switch (log->kind) {
	case WORK_LOG_NONE:
		return GH_OK;
	case WORK_LOG_STEP_BEGIN:
		if ((st = prep(f, STMT_STEP_COUNT)) == NULL)
			return GH_EDB;
		gh_stmt_bind_int64(st, 1, o->id);
		gh_stmt_bind_text(st, 2, log->step);
		if ((err = gh_stmt_row(st)) == GH_OK)
			*earlier = (int)gh_stmt_int64(st, 0);
		gh_stmt_reset(st);
		if (err != GH_OK)
			return err;
		if ((st = prep(f, STMT_STEP_ADD)) == NULL)
			return GH_EDB;
		gh_stmt_bind_int64(st, 1, o->id);
		gh_stmt_bind_text(st, 2, log->step);
		gh_stmt_bind_int64(st, 3, o->attempts);
		gh_stmt_bind_int64(st, 4, now);
		return gh_stmt_insert(st, GH_DB_CHANGED, id);
	case WORK_LOG_STEP_END:
		if ((st = prep(f, STMT_STEP_END)) == NULL)
			return GH_EDB;
		gh_stmt_bind_int64(st, 1, log->id);
		gh_stmt_bind_int64(st, 2, now);
		gh_stmt_bind_text(st, 3, log->result);
		bind_text_null(st, 4, log->detail);
		return gh_stmt_done(st);
	case WORK_LOG_CALLBACK_BEGIN:
		if ((st = prep(f, STMT_CALLBACK_ADD)) == NULL)
			return GH_EDB;
		gh_stmt_bind_int64(st, 1, o->id);
		gh_stmt_bind_text(st, 2, o->webhook_id);
		gh_stmt_bind_int64(st, 3, o->callback_status);
		gh_stmt_bind_int64(st, 4, now);
		return gh_stmt_insert(st, GH_DB_CHANGED, id);
	case WORK_LOG_CALLBACK_END:
		if ((st = prep(f, STMT_CALLBACK_END)) == NULL)
			return GH_EDB;
		gh_stmt_bind_int64(st, 1, log->id);
		bind_positive(st, 2, log->http_status);
		bind_text_null(st, 3, log->detail);
		gh_stmt_bind_int64(st, 4, log->ms);
		return gh_stmt_done(st);
	default:
		return GH_EINTERNAL;
	}
}

enum gh_err
factory_store_work_save(struct factory *f, const struct factory_order *o,
    const char *owner, struct work_log *log)
{
	struct work_log	 none = { .kind = WORK_LOG_NONE };
	struct gh_stmt	*st;
	enum gh_err	 err;
	long long	 now = gh_now(), id = 0;
	int		 earlier = 0;

	if (log == NULL)
		log = &none;
	if ((err = gh_db_begin(&f->db)) != GH_OK)
		return err;
	if ((err = work_log_write(f, o, log, now, &id, &earlier)) != GH_OK)
		goto fail;
	if ((st = prep(f, STMT_WORK_SAVE)) == NULL) {
		err = GH_EDB;
		goto fail;
	}
	gh_stmt_bind_int64(st, 1, o->id);
	gh_stmt_bind_text(st, 2, owner);
	order_bind(st, o, now);
	/* No row changed: another worker took it over. */
	if ((err = gh_db_write_end(&f->db, st, GH_DB_CHANGED)) != GH_OK)
		return err == GH_ENOTFOUND ? GH_ECONFLICT : err;
	if (log->kind == WORK_LOG_STEP_BEGIN ||
	    log->kind == WORK_LOG_CALLBACK_BEGIN) {
		log->id = id;
		log->earlier = earlier;
	}
	return GH_OK;
fail:
	gh_db_rollback(&f->db);
	return err;
}

enum gh_err
factory_store_order_update(struct factory *f, struct factory_order *o,
    long long now)
{
	struct factory_order	 cur;
	struct gh_stmt		*st;
	enum gh_err		 err;

	if ((st = gh_db_write_prep(&f->db, STMT_ORDER_UPDATE, &err)) == NULL)
		return err;
	gh_stmt_bind_int64(st, 1, o->id);
	gh_stmt_bind_int64(st, 2, now);
	order_bind(st, o, now);
	if ((err = gh_db_write_end(&f->db, st, GH_DB_CHANGED)) !=
	    GH_ENOTFOUND)
		return err;
	/* Say whose lease is in the way. */
	if ((err = order_by_id(f, o->id, &cur)) == GH_OK) {
		gh_strlcpy(o->lease_owner, cur.lease_owner,
		    sizeof(o->lease_owner));
		o->lease_until = cur.lease_until;
		err = GH_EBUSY;
	}
	return err;
}

enum gh_err
factory_store_work_next(struct factory *f, long long *when)
{
	struct gh_stmt	*st;
	enum gh_err	 err;

	if ((st = prep(f, STMT_WORK_NEXT)) == NULL)
		return GH_EDB;
	if ((err = gh_stmt_row(st)) == GH_OK) {
		if (gh_stmt_null(st, 0))
			err = GH_ENOTFOUND;
		else
			*when = gh_stmt_int64(st, 0);
	}
	gh_stmt_reset(st);
	return err;
}

/* Unseal the blob in column 0 of statement id's row for key $1 into out. */
static enum gh_err
unseal_column(struct factory *f, enum stmt id, long long key,
    const char *label, struct gh_buf *out)
{
	struct gh_stmt	*st;
	const void	*p;
	enum gh_err	 err;
	size_t		 len;

	if ((st = prep(f, id)) == NULL)
		return GH_EDB;
	gh_stmt_bind_int64(st, 1, key);
	if ((err = gh_stmt_row(st)) == GH_OK) {
		p = gh_stmt_blob(st, 0, &len);
		err = gh_unseal(&f->key, label, p, len, out);
	}
	gh_stmt_reset(st);
	return err;
}

enum gh_err
factory_store_order_secret(struct factory *f, long long id, struct gh_buf *out)
{
	return unseal_column(f, STMT_ORDER_SECRET, id, LABEL_INSTALLER_SECRET,
	    out);
}

enum gh_err
factory_store_client_secret(struct factory *f, long long client_id,
    struct gh_buf *out)
{
	return unseal_column(f, STMT_CLIENT_SECRET, client_id,
	    LABEL_CALLBACK_SECRET, out);
}

enum gh_err
factory_store_client_name(struct factory *f, long long id, char *out,
    size_t outsz)
{
	struct gh_stmt	*st;
	enum gh_err	 err;

	if ((st = prep(f, STMT_CLIENT_NAME)) == NULL)
		return GH_EDB;
	gh_stmt_bind_int64(st, 1, id);
	if ((err = gh_stmt_row(st)) == GH_OK)
		err = gh_stmt_text_copy(st, 0, out, outsz);
	gh_stmt_reset(st);
	return err;
}

enum gh_err
factory_store_order_list(struct factory *f, factory_store_order_cb *cb,
    void *arg)
{
	struct factory_order	 o;
	struct gh_stmt		*st;
	enum gh_err		 err = GH_OK;
	enum gh_db_rc		 rc;

	if ((st = prep(f, STMT_ORDER_LIST)) == NULL)
		return GH_EDB;
	while ((rc = gh_stmt_step(st)) == GH_DB_ROW) {
		if ((err = order_read(st, &o)) != GH_OK)
			break;
		cb(&o, gh_stmt_text(st, 18), arg);
	}
	if (err != GH_OK) {
		gh_stmt_reset(st);
		return err;
	}
	return rows_end(st, rc);
}

enum gh_err
factory_store_order_steps(struct factory *f, long long id,
    void (*cb)(const struct order_step *, void *), void *arg)
{
	struct order_step	 s;
	struct gh_stmt		*st;
	enum gh_db_rc		 rc;

	if ((st = prep(f, STMT_STEP_LIST)) == NULL)
		return GH_EDB;
	gh_stmt_bind_int64(st, 1, id);
	while ((rc = gh_stmt_step(st)) == GH_DB_ROW) {
		s.step = gh_stmt_text(st, 0);
		s.attempt = (int)gh_stmt_int64(st, 1);
		s.started = gh_stmt_int64(st, 2);
		s.finished = gh_stmt_int64(st, 3);
		s.result = gh_stmt_text(st, 4);
		s.detail = gh_stmt_text(st, 5);
		if (s.step != NULL)
			cb(&s, arg);
	}
	return rows_end(st, rc);
}

enum gh_err
factory_store_order_callbacks(struct factory *f, long long id,
    void (*cb)(const struct callback_attempt *, void *), void *arg)
{
	struct callback_attempt	 a;
	struct gh_stmt		*st;
	enum gh_db_rc		 rc;

	if ((st = prep(f, STMT_CALLBACK_LIST)) == NULL)
		return GH_EDB;
	gh_stmt_bind_int64(st, 1, id);
	while ((rc = gh_stmt_step(st)) == GH_DB_ROW) {
		a.webhook_id = gh_stmt_text(st, 0);
		a.status = (int)gh_stmt_int64(st, 1);
		a.started = gh_stmt_int64(st, 2);
		a.http_status = (int)gh_stmt_int64(st, 3);
		a.error = gh_stmt_text(st, 4);
		a.duration_ms = gh_stmt_null(st, 5) ? -1 :
		    gh_stmt_int64(st, 5);
		if (a.webhook_id != NULL)
			cb(&a, arg);
	}
	return rows_end(st, rc);
}
