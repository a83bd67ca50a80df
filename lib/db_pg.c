/* SPDX-License-Identifier: ISC */
/*
 * db_pg: PostgreSQL through libpq, behind db.h.  One connection per
 * struct gh_db (a process opens one per database it uses).  Each service
 * lives in a PostgreSQL schema of its own, named after it, so two services
 * in one database never share a table; search_path and lock_timeout are
 * set at every connect.
 *
 * Statements are prepared lazily, per connection: a handle remembers the
 * connection generation it was prepared on, and a reconnect (PQreset, which
 * loses every prepared statement) bumps the generation.  Parameters and
 * results travel as text, bytea parameters in binary.
 *
 * A connection found lost outside a transaction is re-established once and
 * the statement sent again: nothing of it can have run.  Inside a
 * transaction the loss is the caller's (GH_DB_CONN: the transaction is
 * gone), and during COMMIT it is GH_DB_UNCERTAIN.
 *
 * An outage costs a request no more than a refused connect: after a
 * failed attempt the next waits four times as long as it took, at most
 * PG_RETRY_US (until then every use is GH_DB_CONN at once, a 503), so a
 * refused connect is tried again at the next use and the first request
 * after the server is back is served, while a connect that timed out is
 * not tried by every request; a connect gives up after connect_timeout,
 * and TCP keepalives and tcp_user_timeout end a connection whose peer
 * went silent, instead of a request that hangs on it.  With GH_DB_LAZY a
 * process may start while the server is down: it connects, and checks
 * the schema version, at first use.
 *
 * Log lines carry libpq's message, never a parameter or the URI (which may
 * name a user and host, but a password is refused before we get here).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_pg.h"
#include "log.h"
#include "pq.h"
#include "util.h"

struct gh_pg {
	PGconn		*conn;
	unsigned	 gen;		/* bumped at every (re)connect */
	char		*search_path;	/* owned: "SET search_path = ..." */
	char		 listen[80];	/* "LISTEN <channel>", or "" */
	int		 want;		/* schema version to check at the
					   next connect; 0: checked */
	long long	 next_try_us;	/* no connect attempt before */
	int		 broken;	/* connected, but not set up: as lost */
};

#define PG_NAME_MAX	32
#define PG_RETRY_US	250000LL	/* at most, between failed connects */

/*
 * Log what failed: the SQLSTATE and primary message of a result (never its
 * DETAIL, which quotes row values), else the connection's message.
 */
static void
pg_log(const struct gh_db *db, const char *what, const PGresult *res)
{
	const char	*msg = NULL, *state = NULL;
	size_t		 n;

	if (res != NULL) {
		msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
		state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	}
	if (msg == NULL || *msg == '\0')
		msg = PQerrorMessage(db->pg->conn);
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		n--;
	gh_log("database %s: %s: %s%s%.*s", db->path, what,
	    state != NULL ? state : "", state != NULL ? " " : "", (int)n, msg);
}

/* The connection is lost, or was never made. */
static int
pg_bad(const struct gh_db *db)
{
	return db->pg->broken || PQstatus(db->pg->conn) == CONNECTION_BAD;
}

/* Notices ("relation already exists, skipping") are not ours to print. */
static void
pg_notice(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

/* Map a finished result (or NULL: no answer at all) to an outcome. */
static enum gh_db_rc
pg_map(struct gh_db *db, const PGresult *res, int *stale)
{
	const char	*state;

	*stale = 0;
	if (res != NULL) {
		switch (PQresultStatus(res)) {
		case PGRES_COMMAND_OK:
		case PGRES_EMPTY_QUERY:		/* a migration of comments */
			return GH_DB_DONE;
		case PGRES_TUPLES_OK:
			return PQntuples(res) > 0 ? GH_DB_ROW : GH_DB_DONE;
		default:
			break;
		}
	}
	/* A lost server answers no SQLSTATE at all, and libpq marks it. */
	if (pg_bad(db))
		return GH_DB_CONN;
	state = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	if (state == NULL)
		return GH_DB_HARD;	/* libpq's own trouble: out of memory */
	if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
	    strcmp(state, "55P03") == 0)
		return GH_DB_RETRY;
	if (strncmp(state, "23", 2) == 0)
		return GH_DB_CONSTRAINT;
	if (strncmp(state, "08", 2) == 0 || strcmp(state, "57P01") == 0 ||
	    strcmp(state, "57P02") == 0 || strcmp(state, "57P03") == 0)
		return GH_DB_CONN;
	if (strcmp(state, "26000") == 0)
		*stale = 1;	/* our prepared statement is gone */
	return GH_DB_HARD;
}

/* Set the service's search_path on a fresh connection. */
static enum gh_err
pg_session(struct gh_db *db)
{
	PGresult	*res;
	enum gh_err	 err = GH_OK;

	res = PQexec(db->pg->conn, db->pg->search_path);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		pg_log(db, "search_path", res);
		err = GH_EBUSY;
	}
	PQclear(res);
	/* A new connection listens to nothing: subscribe it again. */
	if (err == GH_OK && db->pg->listen[0] != '\0') {
		res = PQexec(db->pg->conn, db->pg->listen);
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			pg_log(db, "LISTEN", res);
			err = GH_EBUSY;
		}
		PQclear(res);
	}
	return err;
}

/* A connection made late (GH_DB_LAZY): is its schema the one we know? */
static enum gh_err
pg_check_late(struct gh_db *db)
{
	enum gh_err	err;
	int		v;

	if (db->pg->want == 0)
		return GH_OK;
	if ((err = pg_version_get(db, 0, &v)) != GH_OK)
		return err;
	if (v != db->pg->want) {
		gh_log("database %s is at version %d, this program needs %d: "
		    "%s", db->path, v, db->pg->want, v < db->pg->want ?
		    "run gatectl init" : "upgrade the program");
		return GH_EBUSY;
	}
	db->pg->want = 0;
	return GH_OK;
}

/* After a failed attempt that began at t0: when the next may be made. */
static void
pg_pause(struct gh_db *db, long long t0)
{
	long long	now = gh_now_us(), took = now - t0;

	db->pg->next_try_us = now + (took < PG_RETRY_US / 4 ? 4 * took :
	    PG_RETRY_US);
}

/*
 * Re-establish a lost connection (or make the first, GH_DB_LAZY), once;
 * GH_OK or GH_EBUSY (logged).  Within the pause after a failed attempt
 * (pg_pause()), GH_EBUSY at once.
 */
static enum gh_err
pg_reconnect(struct gh_db *db)
{
	long long	t0 = gh_now_us();
	enum gh_err	err;

	if (t0 < db->pg->next_try_us)
		return GH_EBUSY;
	PQreset(db->pg->conn);
	if (PQstatus(db->pg->conn) != CONNECTION_OK) {
		pg_pause(db, t0);
		pg_log(db, db->pg->gen == 0 ? "connect" : "reconnect", NULL);
		return GH_EBUSY;
	}
	PQsetNoticeProcessor(db->pg->conn, pg_notice, NULL);
	gh_log("database %s: %s", db->path, db->pg->gen == 0 ? "connected" :
	    "reconnected");
	db->pg->gen++;
	if ((err = pg_session(db)) == GH_OK)
		err = pg_check_late(db);
	db->pg->broken = err != GH_OK;	/* if so, the next use tries again */
	if (err != GH_OK)
		pg_pause(db, t0);
	return err;
}

static int
pg_outside_txn(const struct gh_db *db)
{
	return !db->intx && !db->inread;
}

/* "name" as an SQL identifier, quotes doubled; NULL without memory. */
static char *
pg_ident(const char *name)
{
	char	*q, *p;

	if ((q = malloc(2 * strlen(name) + 3)) == NULL)
		return NULL;
	p = q;
	*p++ = '"';
	for (; *name != '\0'; name++) {
		if (*name == '"')
			*p++ = '"';
		*p++ = *name;
	}
	*p++ = '"';
	*p = '\0';
	return q;
}

enum gh_err
pg_open(struct gh_db *db, const char *uri, const char *passfile,
    const char *service, unsigned flags)
{
	const char	*keys[12], *vals[12];
	struct gh_pg	*pg;
	PGresult	*res;
	char		*ident = NULL, *sql = NULL;
	enum gh_err	 err = GH_EDB;
	size_t		 n;
	int		 i = 0;

	/* gh_db_open_conf()'s gh_db_uri_check() has loaded libpq (pq.h). */
	if ((pg = calloc(1, sizeof(*pg))) == NULL)
		return GH_ENOMEM;
	db->pg = pg;
	if ((ident = pg_ident(service)) == NULL) {
		err = GH_ENOMEM;
		goto fail;
	}
	n = strlen(ident) + 96;
	if ((sql = malloc(n)) == NULL) {
		err = GH_ENOMEM;
		goto fail;
	}
	/*
	 * Later keywords win: the URI may set its own.  A connect gives up
	 * after 2 s (libpq's least); over TCP, a peer silent for 10 s ends
	 * the connection (keepalives, and tcp_user_timeout for data sent but
	 * not acknowledged), so no request waits on a dead one for longer.
	 */
	keys[i] = "connect_timeout";	vals[i++] = "2";
	keys[i] = "keepalives";		vals[i++] = "1";
	keys[i] = "keepalives_idle";	vals[i++] = "5";
	keys[i] = "keepalives_interval"; vals[i++] = "2";
	keys[i] = "keepalives_count";	vals[i++] = "2";
	keys[i] = "tcp_user_timeout";	vals[i++] = "10000";
	keys[i] = "application_name";	vals[i++] = service;
	keys[i] = "dbname";		vals[i++] = uri;
	if (passfile != NULL) {
		keys[i] = "passfile";	vals[i++] = passfile;
	}
	keys[i] = NULL;			vals[i] = NULL;
	pg->conn = PQconnectdbParams(keys, vals, 1);
	if (pg->conn == NULL) {
		err = GH_ENOMEM;
		goto fail;
	}
	PQsetNoticeProcessor(pg->conn, pg_notice, NULL);
	/*
	 * lock_timeout is SQLite's busy timeout: a writer waits that long for
	 * a row another holds, then gets 55P03 (GH_DB_RETRY, a 503), never a
	 * hang.  Long work that waits for no lock is not cut short.
	 */
	snprintf(sql, n, "SET search_path = %s; SET lock_timeout = %d", ident,
	    GH_DB_BUSY_TIMEOUT_MS);
	pg->search_path = sql;
	sql = NULL;
	if (PQstatus(pg->conn) != CONNECTION_OK) {
		pg_log(db, "connect", NULL);
		err = GH_EUNAVAIL;
		if ((flags & GH_DB_LAZY) && !(flags & GH_DB_CREATE)) {
			/* gen 0: the first use connects (pg_reconnect()). */
			gh_log("database %s: connecting at first use",
			    db->path);
			free(ident);
			return GH_OK;
		}
		goto fail;
	}
	pg->gen = 1;
	if (flags & GH_DB_CREATE) {
		n = strlen(ident) + 32;
		if ((sql = malloc(n)) == NULL) {
			err = GH_ENOMEM;
			goto fail;
		}
		snprintf(sql, n, "CREATE SCHEMA IF NOT EXISTS %s", ident);
		res = PQexec(pg->conn, sql);
		/* Two inits at once: the loser sees 23505 on the catalogue. */
		if (PQresultStatus(res) != PGRES_COMMAND_OK &&
		    strcmp(PQresultErrorField(res, PG_DIAG_SQLSTATE) != NULL ?
		    PQresultErrorField(res, PG_DIAG_SQLSTATE) : "", "23505")
		    != 0) {
			pg_log(db, "CREATE SCHEMA", res);
			PQclear(res);
			err = GH_EDB;
			goto fail;
		}
		PQclear(res);
	}
	if ((err = pg_session(db)) != GH_OK)
		goto fail;
	free(ident);
	free(sql);
	return GH_OK;
fail:
	free(ident);
	free(sql);
	pg_close(db);
	return err;
}

int
pg_pending(struct gh_db *db, int want)
{
	if (db->pg->gen != 0)
		return 0;
	db->pg->want = want;
	return 1;
}

void
pg_close(struct gh_db *db)
{
	if (db->pg == NULL)
		return;
	if (db->pg->conn != NULL)
		PQfinish(db->pg->conn);
	free(db->pg->search_path);
	free(db->pg);
	db->pg = NULL;
}

/* Run sql (no parameters, perhaps several statements): the outcome. */
static enum gh_db_rc
pg_exec_rc(struct gh_db *db, const char *sql, int retry)
{
	PGresult	*res;
	enum gh_db_rc	 rc;
	int		 stale;

	if (pg_bad(db)) {
		if (!retry || !pg_outside_txn(db) || pg_reconnect(db) != GH_OK)
			return GH_DB_CONN;
		retry = 0;
	}
	res = PQexec(db->pg->conn, sql);
	rc = pg_map(db, res, &stale);
	if (rc == GH_DB_CONN && retry && pg_outside_txn(db)) {
		PQclear(res);
		if (pg_reconnect(db) != GH_OK)
			return GH_DB_CONN;
		res = PQexec(db->pg->conn, sql);
		rc = pg_map(db, res, &stale);
	}
	if (rc != GH_DB_DONE && rc != GH_DB_ROW)
		pg_log(db, "exec", res);
	PQclear(res);
	return rc == GH_DB_ROW ? GH_DB_DONE : rc;
}

enum gh_err
pg_exec(struct gh_db *db, const char *sql)
{
	/* BEGIN may reconnect; COMMIT and the rest inside a txn may not. */
	return gh_db_rc_err(pg_exec_rc(db, sql, 1));
}

enum gh_db_rc
pg_commit(struct gh_db *db, unsigned flags)
{
	enum gh_db_rc	rc;

	/* Known lost before COMMIT went out: surely not committed. */
	if (pg_bad(db))
		return GH_DB_CONN;
	if ((flags & GH_DB_NOSYNC) && (rc = pg_exec_rc(db,
	    "SET LOCAL synchronous_commit = off", 0)) != GH_DB_DONE)
		return rc;
	rc = pg_exec_rc(db, "COMMIT", 0);
	return rc == GH_DB_CONN ? GH_DB_UNCERTAIN : rc;
}

void
pg_rollback(struct gh_db *db)
{
	PGresult	*res;

	if (pg_bad(db) ||
	    PQtransactionStatus(db->pg->conn) == PQTRANS_IDLE)
		return;
	res = PQexec(db->pg->conn, "ROLLBACK");
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		pg_log(db, "ROLLBACK", res);
	PQclear(res);
}

/* The handle's result and decoded columns go; its bindings stay. */
static void
pg_result_clear(struct gh_stmt *st)
{
	int	i;

	/* SQLite's handles come here too (gh_db_close()), with no libpq. */
	if (st->res != NULL)
		PQclear(st->res);
	st->res = NULL;
	st->row = -1;
	for (i = 0; i < GH_STMT_COLS; i++) {
		if (st->bytea[i] != NULL)
			PQfreemem(st->bytea[i]);
		st->bytea[i] = NULL;
	}
}

void
pg_stmt_clear(struct gh_stmt *st)
{
	int	i;

	pg_result_clear(st);
	for (i = 0; i < GH_STMT_PARAMS; i++) {
		if (st->val[i] != st->num[i])
			free(st->val[i]);
		st->val[i] = NULL;
		st->len[i] = 0;
		st->fmt[i] = 0;
	}
	st->binderr = 0;
}

enum gh_err
pg_bind(struct gh_stmt *st, int n, const void *p, size_t len, int fmt)
{
	char	*v;

	if (n < 1 || n > GH_STMT_PARAMS || len > 0x7fffffff) {
		st->binderr = 1;
		return GH_EINTERNAL;
	}
	n--;
	if (st->val[n] != st->num[n])
		free(st->val[n]);
	st->val[n] = NULL;
	if (p == NULL)
		return GH_OK;
	if (p == st->num[n]) {
		v = st->num[n];
	} else {
		if ((v = malloc(len + 1)) == NULL) {
			st->binderr = 1;
			return GH_ENOMEM;
		}
		memcpy(v, p, len);
		v[len] = '\0';
	}
	st->val[n] = v;
	st->len[n] = (int)len;
	st->fmt[n] = fmt;
	return GH_OK;
}

/* Prepare st on the current connection as "s<id>", learning its $n. */
static enum gh_db_rc
pg_prepare(struct gh_stmt *st, const char *sql)
{
	struct gh_db	*db = st->db;
	PGresult	*res;
	enum gh_db_rc	 rc;
	char		 name[PG_NAME_MAX];
	int		 stale;

	snprintf(name, sizeof(name), "s%zu", st->id);
	res = PQprepare(db->pg->conn, name, sql, 0, NULL);
	rc = pg_map(db, res, &stale);
	if (rc != GH_DB_DONE) {
		if (PQresultErrorField(res, PG_DIAG_SQLSTATE) != NULL &&
		    strcmp(PQresultErrorField(res, PG_DIAG_SQLSTATE),
		    "42P05") == 0) {
			/* Already there on this connection (a reset handle). */
			PQclear(res);
			res = NULL;
		} else {
			pg_log(db, "prepare", res);
			PQclear(res);
			return rc;
		}
	}
	PQclear(res);
	res = PQdescribePrepared(db->pg->conn, name);
	if ((rc = pg_map(db, res, &stale)) != GH_DB_DONE) {
		pg_log(db, "describe", res);
		PQclear(res);
		return rc;
	}
	st->nparam = PQnparams(res);
	PQclear(res);
	if (st->nparam > GH_STMT_PARAMS) {
		gh_log("database %s: statement %zu has too many parameters",
		    db->path, st->id);
		return GH_DB_HARD;
	}
	st->gen = db->pg->gen;
	return GH_DB_DONE;
}

/* The first step runs the statement; the next ones walk its rows. */
enum gh_db_rc
pg_step(struct gh_stmt *st)
{
	struct gh_db	*db = st->db;
	const char	*vals[GH_STMT_PARAMS];
	const char	*ct;
	enum gh_db_rc	 rc;
	char		 name[PG_NAME_MAX];
	int		 i, retried = 0, stale;

	if (st->res != NULL) {
		if (++st->row < PQntuples(st->res))
			return GH_DB_ROW;
		st->row = PQntuples(st->res);
		return GH_DB_DONE;
	}
	if (st->binderr)
		return GH_DB_HARD;
again:
	if (pg_bad(db)) {
		if (retried || !pg_outside_txn(db) ||
		    pg_reconnect(db) != GH_OK)
			return GH_DB_CONN;
		retried = 1;
	}
	if (st->gen != db->pg->gen) {
		rc = pg_prepare(st, gh_db_sql(db, st->id));
		if (rc == GH_DB_CONN && !retried && pg_outside_txn(db)) {
			retried = 1;
			if (pg_reconnect(db) != GH_OK)
				return GH_DB_CONN;
			goto again;
		}
		if (rc != GH_DB_DONE)
			return rc;
	}
	/* A $n the statement does not have: SQLite would refuse the bind. */
	for (i = st->nparam; i < GH_STMT_PARAMS; i++)
		if (st->val[i] != NULL) {
			gh_log("database %s: statement %zu has no $%d",
			    db->path, st->id, i + 1);
			return GH_DB_HARD;
		}
	for (i = 0; i < st->nparam; i++)
		vals[i] = st->val[i];
	snprintf(name, sizeof(name), "s%zu", st->id);
	st->res = PQexecPrepared(db->pg->conn, name, st->nparam, vals,
	    st->len, st->fmt, 0);
	rc = pg_map(db, st->res, &stale);
	if (rc == GH_DB_ROW || rc == GH_DB_DONE) {
		ct = PQcmdTuples(st->res);
		st->changes = *ct != '\0' ? strtoll(ct, NULL, 10) : 0;
		st->row = 0;
		if (rc == GH_DB_DONE)
			st->row = PQntuples(st->res);
		return rc;
	}
	if (!retried && pg_outside_txn(db) && (rc == GH_DB_CONN || stale)) {
		retried = 1;
		pg_result_clear(st);
		if (stale)
			st->gen = 0;
		else if (pg_reconnect(db) != GH_OK)
			return GH_DB_CONN;
		goto again;
	}
	if (rc != GH_DB_CONSTRAINT)	/* a 409, not a fault */
		pg_log(db, "step", st->res);
	pg_result_clear(st);
	return rc;
}

int
pg_null(struct gh_stmt *st, int col)
{
	if (st->res == NULL || st->row < 0 || st->row >= PQntuples(st->res) ||
	    col < 0 || col >= PQnfields(st->res))
		return 1;
	return PQgetisnull(st->res, st->row, col);
}

const char *
pg_text(struct gh_stmt *st, int col, size_t *len)
{
	if (pg_null(st, col)) {
		*len = 0;
		return NULL;
	}
	*len = (size_t)PQgetlength(st->res, st->row, col);
	return PQgetvalue(st->res, st->row, col);
}

/* bytea arrives as text ("\x..."): decoded once per row and column. */
const void *
pg_blob(struct gh_stmt *st, int col, size_t *len)
{
	const char	*t;
	size_t		 n;

	*len = 0;
	if ((t = pg_text(st, col, &n)) == NULL || col >= GH_STMT_COLS)
		return NULL;
	PQfreemem(st->bytea[col]);
	st->bytea[col] = PQunescapeBytea((const unsigned char *)t, len);
	return st->bytea[col];
}

enum gh_err
pg_version_get(struct gh_db *db, int lock, int *v)
{
	PGresult	*res;
	enum gh_err	 err = GH_OK;
	const char	*q;

	if (lock) {
		/*
		 * Two gatectl init at once: the second waits here for the
		 * first's commit, then sees its version.
		 */
		q = "SELECT pg_advisory_xact_lock(hashtext(current_schema())); "
		    "CREATE TABLE IF NOT EXISTS schema_version ("
		    "service TEXT PRIMARY KEY, version INTEGER NOT NULL)";
		if ((err = pg_exec(db, q)) != GH_OK)
			return err;
	}
	res = PQexec(db->pg->conn,
	    "SELECT to_regclass('schema_version') IS NOT NULL");
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		pg_log(db, "schema_version", res);
		PQclear(res);
		return GH_EBUSY;
	}
	if (strcmp(PQgetvalue(res, 0, 0), "f") == 0) {
		PQclear(res);
		*v = 0;
		return GH_OK;
	}
	PQclear(res);
	res = PQexec(db->pg->conn,
	    "SELECT coalesce(max(version), 0) FROM schema_version");
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		pg_log(db, "schema_version", res);
		PQclear(res);
		return GH_EDB;
	}
	*v = (int)strtol(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return err;
}

enum gh_err
pg_version_set(struct gh_db *db, int v)
{
	char	q[160];

	snprintf(q, sizeof(q), "INSERT INTO schema_version (service, version) "
	    "VALUES (current_schema(), %d) ON CONFLICT (service) "
	    "DO UPDATE SET version = excluded.version", v);
	return pg_exec(db, q);
}

enum gh_err
pg_notify(struct gh_db *db, const char *channel)
{
	char	q[160];

	/* channel is a plain lower-case name (db.c): no quoting needed. */
	if (db->intx)
		snprintf(q, sizeof(q), "NOTIFY %s", channel);
	else
		snprintf(q, sizeof(q), "BEGIN; SET LOCAL synchronous_commit = "
		    "off; NOTIFY %s; COMMIT", channel);
	return pg_exec(db, q);
}

enum gh_err
pg_listen(struct gh_db *db, const char *channel)
{
	snprintf(db->pg->listen, sizeof(db->pg->listen), "LISTEN %s",
	    channel);
	return pg_exec(db, db->pg->listen);
}

int
pg_listen_fd(struct gh_db *db)
{
	if (db->pg->listen[0] == '\0' ||
	    PQstatus(db->pg->conn) != CONNECTION_OK)
		return -1;
	return PQsocket(db->pg->conn);
}

int
pg_notified(struct gh_db *db)
{
	struct pollfd	 pfd;
	PGnotify	*n;
	int		 got = 0, i;

	/*
	 * A server that shuts down sends its FATAL message and then closes:
	 * one read may take the message and leave the end, so read again
	 * while there is more, and the end shows as a lost connection.
	 */
	for (i = 0; i < 4; i++) {
		if (PQstatus(db->pg->conn) != CONNECTION_OK ||
		    !PQconsumeInput(db->pg->conn) ||
		    PQstatus(db->pg->conn) != CONNECTION_OK)
			return 1;
		pfd.fd = PQsocket(db->pg->conn);
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (poll(&pfd, 1, 0) != 1)
			break;
	}
	while ((n = PQnotifies(db->pg->conn)) != NULL) {
		got = 1;
		PQfreemem(n);
	}
	return got;
}
