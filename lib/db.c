/* SPDX-License-Identifier: ISC */
/*
 * db: the backend-neutral half of db.h.  Opening by [gatehouse]
 * database, migrations and their checks, transactions, the statement
 * handles and gh_txn()'s retries; each call goes on to the SQLite backend
 * (db_sqlite.c: WAL, the writers' funnel, group commit) or to PostgreSQL
 * (db_pg.c).
 *
 * Log lines never carry SQL parameters: those are outside input and may
 * be secrets.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "db.h"
#include "db_pg.h"
#include "db_sqlite.h"
#include "log.h"
#include "pq.h"
#include "util.h"

/* The schema version: SQLite's user_version, PostgreSQL's own table. */
static enum gh_err
db_version_get(struct gh_db *db, int *v)
{
	if (db->backend == GH_DB_PG)
		return pg_version_get(db, db->intx, v);
	return lite_version_get(db, v);
}

/* The handles point at their db: after a struct copy, at the copy. */
static void
db_adopt(struct gh_db *db)
{
	size_t	i;

	for (i = 0; db->hs != NULL && i < db->nstmt; i++)
		db->hs[i].db = db;
}

/* The nstmt neutral handles of db, each unprepared. */
static enum gh_err
db_handles(struct gh_db *db, size_t nstmt)
{
	size_t	i;

	if ((db->hs = calloc(nstmt, sizeof(*db->hs))) == NULL)
		return GH_ENOMEM;
	for (i = 0; i < nstmt; i++) {
		db->hs[i].db = db;
		db->hs[i].id = i;
		db->hs[i].row = -1;
	}
	return GH_OK;
}

/*
 * Apply the migrations above user_version.  Each runs in its own write
 * transaction under the writers' lock, and user_version is read again
 * inside it, so two `gatectl init` at once apply every step exactly once.
 */
enum gh_err
gh_db_migrate(struct gh_db *db, const struct gh_schema *schema)
{
	const struct gh_migration	*m = NULL;
	enum gh_err			 err;
	size_t				 i;
	int				 cur, latest;

	if (schema == NULL || schema->n == 0) {
		gh_log("%s: no schema", __func__);
		return GH_EINTERNAL;
	}
	for (i = 1; i < schema->n; i++)
		if (schema->migrations[i].version <=
		    schema->migrations[i - 1].version) {
			gh_log("schema %s: migrations out of order",
			    schema->service);
			return GH_EINTERNAL;
		}
	latest = schema->migrations[schema->n - 1].version;

	for (;;) {
		if ((err = gh_db_begin(db)) != GH_OK)
			return err;
		if ((err = db_version_get(db, &cur)) != GH_OK)
			goto out;
		if (cur > latest) {
			gh_log("database %s is at version %d, newer than "
			    "this program's %d: upgrade the program",
			    db->path, cur, latest);
			err = GH_ECONFIG;
			goto out;
		}
		if (cur == latest) {
			gh_db_rollback(db);
			return GH_OK;
		}
		for (i = 0; i < schema->n; i++)
			if (schema->migrations[i].version > cur)
				break;
		m = &schema->migrations[i];
		if (db->backend == GH_DB_PG && m->sql_pg == NULL) {
			gh_log("schema %s: %s has no PostgreSQL version: "
			    "this service runs on SQLite only", schema->service,
			    m->name);
			err = GH_ECONFIG;
			goto out;
		}
		if ((err = gh_db_exec(db, db->backend == GH_DB_PG ? m->sql_pg :
		    m->sql)) != GH_OK) {
			gh_log("database %s: migration %s failed", db->path,
			    m->name);
			goto out;
		}
		err = db->backend == GH_DB_PG ? pg_version_set(db, m->version) :
		    lite_version_set(db, m->version);
		if (err != GH_OK)
			goto out;
		if ((err = gh_db_commit(db)) != GH_OK)
			return err;
		gh_log("database %s: applied %s", db->path, m->name);
	}
out:
	gh_db_rollback(db);
	return err;
}

enum gh_err
gh_db_check(struct gh_db *db, const struct gh_schema *schema)
{
	enum gh_err	err;
	int		cur, latest;

	if (schema == NULL || schema->n == 0) {
		gh_log("%s: no schema", __func__);
		return GH_EINTERNAL;
	}
	latest = schema->migrations[schema->n - 1].version;
	if ((err = db_version_get(db, &cur)) != GH_OK)
		return err;
	if (cur != latest) {
		gh_log("database %s is at version %d, this program needs %d: "
		    "%s", db->path, cur, latest, cur < latest ?
		    "run gatectl init" : "upgrade the program");
		return GH_ECONFIG;
	}
	return GH_OK;
}

const char *
gh_db_sql(const struct gh_db *db, size_t id)
{
	const struct gh_stmt_def	*d;

	if (id >= db->nstmt || db->defs == NULL)
		return NULL;
	d = &db->defs[id];
	if (db->backend == GH_DB_PG && d->sql_pg != NULL)
		return d->sql_pg;
	if (db->backend == GH_DB_SQLITE && d->sql_sqlite != NULL)
		return d->sql_sqlite;
	return d->sql;
}

/*
 * One write transaction at a time: on SQLite the writers queue on the
 * funnel (db_sqlite.c); on PostgreSQL row locks and constraints keep
 * writers apart.
 */
enum gh_err
gh_db_begin(struct gh_db *db)
{
	enum gh_err	err;

	if (db->intx || db->inread) {
		gh_log("%s: %s: already in a transaction", __func__, db->path);
		return GH_EINTERNAL;
	}
	err = db->backend == GH_DB_PG ? pg_exec(db, "BEGIN") : lite_begin(db);
	if (err != GH_OK)
		return err;
	db->intx = 1;
	return GH_OK;
}

enum gh_err
gh_db_read_begin(struct gh_db *db)
{
	enum gh_err	err;

	if (db->intx || db->inread) {
		gh_log("%s: %s: already in a transaction", __func__, db->path);
		return GH_EINTERNAL;
	}
	if ((err = db->backend == GH_DB_PG ? pg_exec(db,
	    "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") :
	    lite_read_begin(db)) != GH_OK)
		return err;
	db->inread = 1;
	return GH_OK;
}

void
gh_db_read_end(struct gh_db *db)
{
	if (!db->inread)
		return;
	db->inread = 0;
	if (db->backend == GH_DB_PG) {
		if (pg_commit(db, 0) != GH_DB_DONE)
			pg_rollback(db);
		return;
	}
	lite_read_end(db);
}

/*
 * COMMIT (and on SQLite release the writers' lock).  A COMMIT that fails
 * (BUSY included) is rolled back, so the caller never holds a half-open
 * transaction: GH_EBUSY means "try again later", anything else GH_EDB.
 */
enum gh_err
gh_db_commit(struct gh_db *db)
{
	return gh_db_commit_flags(db, 0);
}

enum gh_err
gh_db_commit_flags(struct gh_db *db, unsigned flags)
{
	enum gh_err	err;
	int		rc;

	if (!db->intx) {
		gh_log("%s: %s: not in a transaction", __func__, db->path);
		return GH_EINTERNAL;
	}
	if (db->backend == GH_DB_PG) {
		rc = pg_commit(db, flags);
		if (rc != GH_DB_DONE)
			pg_rollback(db);
		db->intx = 0;
		if (rc == GH_DB_UNCERTAIN)
			gh_log("database %s: connection lost during COMMIT: "
			    "its outcome is unknown", db->path);
		return gh_db_rc_err((enum gh_db_rc)rc);
	}
	err = lite_commit(db, flags);
	db->intx = 0;
	return err;
}

/*
 * ROLLBACK if a transaction is open and release the lock.  Safe to call
 * when no gh_db_begin() is in effect (a cleanup path), then a no-op.
 */
void
gh_db_rollback(struct gh_db *db)
{
	if (db == NULL || !db->intx)
		return;
	if (db->backend == GH_DB_PG)
		pg_rollback(db);
	else
		lite_rollback(db);
	db->intx = 0;
}

/* Run sql (one or more statements) and discard any rows. */
enum gh_err
gh_db_exec(struct gh_db *db, const char *sql)
{
	return db->backend == GH_DB_PG ? pg_exec(db, sql) : lite_exec(db, sql);
}

/* A channel name that needs no quoting: [a-z_][a-z0-9_]*, 1 to 63 bytes. */
static int
db_channel_ok(const char *channel)
{
	size_t	n = strlen(channel);

	if (n == 0 || n > 63 || strspn(channel,
	    "abcdefghijklmnopqrstuvwxyz0123456789_") != n ||
	    (channel[0] >= '0' && channel[0] <= '9')) {
		gh_log("%s: not a channel name", __func__);
		return 0;
	}
	return 1;
}

enum gh_err
gh_db_notify(struct gh_db *db, const char *channel)
{
	if (!db_channel_ok(channel))
		return GH_EINTERNAL;
	return db->backend == GH_DB_PG ? pg_notify(db, channel) : GH_OK;
}

enum gh_err
gh_db_listen(struct gh_db *db, const char *channel)
{
	if (!db_channel_ok(channel))
		return GH_EINTERNAL;
	return db->backend == GH_DB_PG ? pg_listen(db, channel) : GH_OK;
}

int
gh_db_listen_fd(struct gh_db *db)
{
	return db->backend == GH_DB_PG ? pg_listen_fd(db) : -1;
}

int
gh_db_notified(struct gh_db *db)
{
	return db->backend == GH_DB_PG ? pg_notified(db) : 0;
}

void
gh_db_close(struct gh_db *db)
{
	size_t	i;

	if (db == NULL || db->path == NULL)
		return;		/* zeroed, or closed already */
	gh_db_rollback(db);
	if (db->hs != NULL)
		for (i = 0; i < db->nstmt; i++)
			pg_stmt_clear(&db->hs[i]);
	lite_close(db);
	free(db->hs);
	pg_close(db);
	free(db->path);
	memset(db, 0, sizeof(*db));
	db->lockfd = -1;
}

enum gh_err
gh_db_uri_check(const char *database, char *why, size_t whysz)
{
	PQconninfoOption	*opts, *o;
	char			*msg = NULL;
	int			 haspw = 0;

	if (strcmp(database, "sqlite") == 0)
		return GH_OK;
	if (strncmp(database, "postgresql://", 13) != 0 &&
	    strncmp(database, "postgres://", 11) != 0) {
		snprintf(why, whysz, "database: neither sqlite nor a "
		    "postgresql:// URI");
		return GH_ECONFIG;
	}
	if (gh_pq_load(why, whysz) != GH_OK)
		return GH_ECONFIG;
	/* libpq's message may quote the URI, password and all: not shown. */
	if ((opts = PQconninfoParse(database, &msg)) == NULL) {
		PQfreemem(msg);
		snprintf(why, whysz, "database: not a URI libpq can parse");
		return GH_ECONFIG;
	}
	for (o = opts; o->keyword != NULL; o++)
		if (strcmp(o->keyword, "password") == 0 && o->val != NULL)
			haspw = 1;
	PQconninfoFree(opts);
	if (haspw) {
		snprintf(why, whysz, "database: the URI carries a password; "
		    "put it in ~/.pgpass, PGPASSFILE or the file named by "
		    "database_password_file instead");
		return GH_ECONFIG;
	}
	return GH_OK;
}

/* The PostgreSQL half of gh_db_open_conf(). */
static enum gh_err
db_open_pg(struct gh_db *db, const struct gh_conf *conf,
    const struct gh_schema *schema, unsigned flags,
    const struct gh_stmt_def *defs, size_t n)
{
	struct gh_db	 tmp;
	const char	*pw = gh_conf_database_password_file(conf);
	char		 pwpath[4096], name[128];
	enum gh_err	 err;
	int		 len;

	memset(&tmp, 0, sizeof(tmp));
	tmp.backend = GH_DB_PG;
	tmp.lockfd = -1;
	tmp.busy_ms = GH_DB_BUSY_TIMEOUT_MS;
	if (pw[0] != '\0') {
		len = pw[0] == '/' ? snprintf(pwpath, sizeof(pwpath), "%s", pw) :
		    snprintf(pwpath, sizeof(pwpath), "%s/%s",
		    gh_conf_state_dir(conf), pw);
		if (len < 0 || (size_t)len >= sizeof(pwpath))
			return GH_ECONFIG;
	}
	/* Names the database in logs without the URI. */
	snprintf(name, sizeof(name), "postgresql:%s", schema->service);
	if ((tmp.path = strdup(name)) == NULL)
		return GH_ENOMEM;
	if (n > 0 && (err = db_handles(&tmp, n)) != GH_OK)
		goto out;
	tmp.defs = defs;
	tmp.nstmt = n;
	if ((err = pg_open(&tmp, gh_conf_database(conf), pw[0] != '\0' ?
	    pwpath : NULL, schema->service, flags)) != GH_OK)
		goto out;
	if (schema->n > 0 && pg_pending(&tmp,
	    schema->migrations[schema->n - 1].version))
		err = GH_OK;	/* checked at the first connect */
	else
		err = (flags & GH_DB_CREATE) ? gh_db_migrate(&tmp, schema) :
		    gh_db_check(&tmp, schema);
	if (err != GH_OK)
		goto out;
	*db = tmp;
	db_adopt(db);
	return GH_OK;
out:
	gh_db_close(&tmp);
	return err;
}

/*
 * The SQLite half of gh_db_open_conf(): <state_dir>/<service>.db, its
 * migrations applied (GH_DB_CREATE) or checked.
 */
static enum gh_err
db_open_sqlite(struct gh_db *db, const struct gh_conf *conf,
    const struct gh_schema *schema, unsigned flags,
    const struct gh_stmt_def *defs, size_t n)
{
	enum gh_err	err;

	if ((err = lite_open(db, gh_conf_state_dir(conf), schema->service,
	    flags)) != GH_OK)
		return err;
	if (n > 0 && (err = db_handles(db, n)) != GH_OK)
		goto out;
	db->defs = defs;
	db->nstmt = n;
	err = (flags & GH_DB_CREATE) ? gh_db_migrate(db, schema) :
	    gh_db_check(db, schema);
	if (err == GH_OK)
		return GH_OK;
out:
	gh_db_close(db);
	return err;
}

enum gh_err
gh_db_open_conf(struct gh_db *db, const struct gh_conf *conf,
    const struct gh_schema *schema, unsigned flags,
    const struct gh_stmt_def *defs, size_t n)
{
	char	why[256];

	if (schema == NULL || schema->service == NULL) {
		gh_log("%s: no schema", __func__);
		return GH_EINTERNAL;
	}
	if (gh_db_uri_check(gh_conf_database(conf), why, sizeof(why)) !=
	    GH_OK) {
		gh_log("%s", why);
		return GH_ECONFIG;
	}
	if (strcmp(gh_conf_database(conf), "sqlite") != 0)
		return db_open_pg(db, conf, schema, flags, defs, n);
	return db_open_sqlite(db, conf, schema, flags, defs, n);
}

struct gh_stmt *
gh_db_prep(struct gh_db *db, size_t id)
{
	struct gh_stmt	*st;

	if (db->hs == NULL || id >= db->nstmt || gh_db_sql(db, id) == NULL) {
		gh_log("%s: no statement %zu", __func__, id);
		return NULL;
	}
	st = &db->hs[id];
	if (db->backend == GH_DB_SQLITE && st->lite == NULL &&
	    lite_prepare(st) != GH_OK)
		return NULL;
	return st;
}

enum gh_err
gh_stmt_bind_int64(struct gh_stmt *st, int n, long long v)
{
	if (st->db->backend == GH_DB_PG) {
		if (n < 1 || n > GH_STMT_PARAMS) {
			st->binderr = 1;
			return GH_EINTERNAL;
		}
		snprintf(st->num[n - 1], sizeof(st->num[n - 1]), "%lld", v);
		return pg_bind(st, n, st->num[n - 1], strlen(st->num[n - 1]),
		    0);
	}
	return lite_bind_int64(st, n, v);
}

enum gh_err
gh_stmt_bind_text(struct gh_stmt *st, int n, const char *s)
{
	if (s == NULL)
		return gh_stmt_bind_null(st, n);
	if (st->db->backend == GH_DB_PG)
		return pg_bind(st, n, s, strlen(s), 0);
	return lite_bind_text(st, n, s);
}

enum gh_err
gh_stmt_bind_blob(struct gh_stmt *st, int n, const void *p, size_t len)
{
	if (st->db->backend == GH_DB_PG)
		return pg_bind(st, n, p != NULL ? p : "", len, 1);
	return lite_bind_blob(st, n, p, len);
}

enum gh_err
gh_stmt_bind_null(struct gh_stmt *st, int n)
{
	if (st->db->backend == GH_DB_PG)
		return pg_bind(st, n, NULL, 0, 0);
	return lite_bind_null(st, n);
}

enum gh_db_rc
gh_stmt_step(struct gh_stmt *st)
{
	if (st->db->backend == GH_DB_PG)
		return pg_step(st);
	return lite_step(st);
}

int
gh_stmt_null(struct gh_stmt *st, int col)
{
	if (st->db->backend == GH_DB_PG)
		return pg_null(st, col);
	return lite_null(st, col);
}

long long
gh_stmt_int64(struct gh_stmt *st, int col)
{
	const char	*t;
	size_t		 n;

	if (st->db->backend == GH_DB_SQLITE)
		return lite_int64(st, col);
	if ((t = pg_text(st, col, &n)) == NULL)
		return 0;
	return strtoll(t, NULL, 10);
}

const char *
gh_stmt_text(struct gh_stmt *st, int col)
{
	size_t	n;

	if (st->db->backend == GH_DB_PG)
		return pg_text(st, col, &n);
	return lite_text(st, col);
}

const void *
gh_stmt_blob(struct gh_stmt *st, int col, size_t *len)
{
	if (st->db->backend == GH_DB_PG)
		return pg_blob(st, col, len);
	return lite_blob(st, col, len);
}

enum gh_err
gh_stmt_text_copy(struct gh_stmt *st, int col, char *out, size_t outsz)
{
	const char	*p;
	size_t		 n;

	if (st->db->backend == GH_DB_SQLITE)
		return lite_text_copy(st, col, out, outsz);
	if ((p = pg_text(st, col, &n)) == NULL)
		return GH_ENOTFOUND;
	if (outsz == 0 || n >= outsz)
		return GH_ETOOBIG;
	memcpy(out, p, n);
	out[n] = '\0';
	return GH_OK;
}

long long
gh_stmt_changes(struct gh_stmt *st)
{
	return st->changes;
}

void
gh_stmt_reset(struct gh_stmt *st)
{
	if (st == NULL)
		return;
	if (st->db->backend == GH_DB_PG)
		pg_stmt_clear(st);
	else
		lite_stmt_clear(st);
	st->binderr = 0;
}

enum gh_err
gh_db_rc_err(enum gh_db_rc rc)
{
	switch (rc) {
	case GH_DB_ROW:
	case GH_DB_DONE:
		return GH_OK;
	case GH_DB_RETRY:
		return GH_EBUSY;
	case GH_DB_CONSTRAINT:
		return GH_ECONFLICT;
	case GH_DB_CONN:
	case GH_DB_UNCERTAIN:	/* a 503 too: the client may ask again */
		return GH_EUNAVAIL;
	default:
		return GH_EDB;
	}
}

const char *
gh_db_rc_str(enum gh_db_rc rc)
{
	static const char *const	names[GH_DB_RC__MAX] = {
		"row", "done", "retry", "constraint", "connection lost",
		"commit uncertain", "error"
	};

	return (unsigned)rc < GH_DB_RC__MAX ? names[rc] : "?";
}

enum gh_err
gh_stmt_done(struct gh_stmt *st)
{
	enum gh_db_rc	rc = gh_stmt_step(st);

	gh_stmt_reset(st);
	if (rc == GH_DB_ROW) {
		gh_log("database %s: statement %zu returned a row",
		    st->db->path, st->id);
		return GH_EINTERNAL;
	}
	return gh_db_rc_err(rc);
}

enum gh_err
gh_stmt_row(struct gh_stmt *st)
{
	enum gh_db_rc	rc = gh_stmt_step(st);

	if (rc == GH_DB_DONE)
		return GH_ENOTFOUND;
	return gh_db_rc_err(rc);
}

struct gh_stmt *
gh_db_write_prep(struct gh_db *db, size_t id, enum gh_err *err)
{
	struct gh_stmt	*st;

	if ((*err = gh_db_begin(db)) != GH_OK)
		return NULL;
	if ((st = gh_db_prep(db, id)) == NULL) {
		*err = GH_EDB;
		gh_db_rollback(db);
	}
	return st;
}

enum gh_err
gh_db_write_end(struct gh_db *db, struct gh_stmt *st, unsigned flags)
{
	enum gh_err	err;

	if ((err = gh_stmt_done(st)) == GH_OK && (flags & GH_DB_CHANGED) &&
	    gh_stmt_changes(st) == 0)
		err = GH_ENOTFOUND;
	if (err != GH_OK) {
		gh_db_rollback(db);
		return err;
	}
	return gh_db_commit(db);
}

/* A pause of 1 to 5 << try ms, at random, so that two losers do not meet again. */
static void
txn_pause(int try)
{
	static unsigned long long	x;
	struct timespec			ts;
	long				ms;

	if (x == 0)
		x = (unsigned long long)gh_now_us() ^
		    ((unsigned long long)getpid() << 32) ^ 0x9e3779b97f4a7c15ULL;
	x ^= x << 13;	/* xorshift64: jitter, not secrets */
	x ^= x >> 7;
	x ^= x << 17;
	ms = 1 + (long)(x % (5UL << try));
	ts.tv_sec = 0;
	ts.tv_nsec = ms * 1000000L;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

enum gh_err
gh_txn(struct gh_db *db, unsigned flags, gh_txn_fn *fn, void *arg)
{
	long long	t0 = gh_now_us();
	enum gh_err	err;
	int		try, committing;

	for (try = 0;; try++) {
		committing = 0;
		if ((err = gh_db_begin(db)) == GH_OK) {
			if ((err = fn(db, arg)) != GH_OK)
				gh_db_rollback(db);
			else {
				committing = 1;
				err = gh_db_commit_flags(db, flags);
			}
		}
		if (err == GH_OK)
			return GH_OK;
		/* Only what surely did not commit goes again. */
		if (err != GH_EBUSY && (err != GH_EUNAVAIL || committing))
			return err;
		if (try + 1 >= GH_TXN_TRIES ||
		    gh_now_us() - t0 >= GH_TXN_BUDGET_MS * 1000LL)
			return err;
		txn_pause(try);
	}
}

/* What gh_txn_stmt() hands gh_txn(). */
struct txn_stmt {
	size_t		 id;
	unsigned	 flags;
	gh_bind_fn	*bind;
	const void	*arg;
	long long	 out;
};

static enum gh_err
txn_stmt_run(struct gh_db *db, void *arg)
{
	struct txn_stmt	*t = arg;
	struct gh_stmt	*st;
	enum gh_err	 err;

	if ((st = gh_db_prep(db, t->id)) == NULL)
		return GH_EDB;
	t->bind(st, t->arg);
	if (t->flags & GH_DB_INSERT)
		return gh_stmt_insert(st, t->flags & GH_DB_CHANGED, &t->out);
	if ((err = gh_stmt_done(st)) != GH_OK)
		return err;
	t->out = gh_stmt_changes(st);
	return (t->flags & GH_DB_CHANGED) && t->out == 0 ? GH_ENOTFOUND : GH_OK;
}

enum gh_err
gh_txn_stmt(struct gh_db *db, size_t id, unsigned flags, gh_bind_fn *bind,
    const void *arg, long long *out)
{
	struct txn_stmt	t = { id, flags, bind, arg, 0 };
	enum gh_err	err;

	if ((err = gh_txn(db, flags & GH_DB_NOSYNC, txn_stmt_run, &t)) ==
	    GH_OK && out != NULL)
		*out = t.out;
	return err;
}

enum gh_err
gh_stmt_insert(struct gh_stmt *st, unsigned flags, long long *id)
{
	enum gh_db_rc	rc = gh_stmt_step(st);
	enum gh_err	err = GH_OK;

	if (rc == GH_DB_ROW)
		*id = gh_stmt_int64(st, 0);
	else if (rc != GH_DB_DONE)
		err = gh_db_rc_err(rc);
	else if (gh_stmt_changes(st) == 0)
		err = (flags & GH_DB_CHANGED) ? GH_ENOTFOUND : GH_OK;
	else if (st->db->backend == GH_DB_SQLITE)
		*id = lite_insert_id(st);
	else {
		gh_log("database %s: statement %zu: no RETURNING id",
		    st->db->path, st->id);
		err = GH_EINTERNAL;
	}
	gh_stmt_reset(st);
	return err;
}
