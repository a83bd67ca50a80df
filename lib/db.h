/* SPDX-License-Identifier: ISC */
/*
 * db: the database every service uses, behind one backend-neutral
 * interface: a store opens it with gh_db_open_conf(), writes its SQL once
 * as a table of struct gh_stmt_def, and runs it through gh_db_prep() and
 * gh_stmt_*, in transactions of gh_db_begin() or gh_txn().  Schema
 * versions are numbered migrations (each service compiles its own from
 * sql/<service>/).  Opened once per process; prepared statements are made
 * on first use and kept.
 *
 * Two backends, chosen by [gatehouse] database:
 *  - SQLite (db_sqlite.c, the default): one file per service in WAL mode,
 *    with a busy timeout and foreign keys on, its version in user_version.
 *    Writers are funnelled: gh_db_begin() takes an exclusive flock() on
 *    "<db>.lock" before BEGIN IMMEDIATE, so concurrent writers queue in the
 *    kernel and wake at once, instead of sleeping in SQLite's busy handler.
 *  - PostgreSQL through libpq (db_pg.c): one schema per service.
 */
#ifndef GH_DB_H
#define GH_DB_H

#include <stddef.h>
#include <sqlite3.h>

#include "err.h"

#define GH_DB_BUSY_TIMEOUT_MS	5000
#define GH_DB_CHECKPOINT_FRAMES	1000	/* SQLite's own default mark */
#define GH_DB_RESTART_FRAMES	4000	/* a WAL this long starts over */

struct gh_migration {
	int		 version;	/* NNN of sql/<service>/NNN_name.sql */
	const char	*name;
	const char	*sql;
	const char	*sql_pg;	/* NNN_name.pg.sql; NULL: the service
					   has no PostgreSQL schema yet */
};

/*
 * The migrations of one database (generated from sql/ at build time by
 * sql/schema.sh, into the service that owns them).
 */
struct gh_schema {
	const char			*service;	/* names the file */
	const struct gh_migration	*migrations;
	size_t				 n;	/* latest version == migrations[n-1].version */
};

enum gh_db_backend {
	GH_DB_SQLITE,
	GH_DB_PG
};

/*
 * One statement of a store's enum-indexed table, written once with $n
 * placeholders; sql_sqlite or sql_pg replaces sql on that backend where
 * the SQL must differ (NULL: sql serves both).
 */
struct gh_stmt_def {
	const char	*sql;
	const char	*sql_sqlite;
	const char	*sql_pg;
};

struct gh_stmt;		/* a backend-neutral statement handle (db.c) */
struct gh_pg;		/* a PostgreSQL connection and its state (db_pg.c) */
struct gh_conf;

#define GH_DB_LITE_TX	4
struct gh_db {
	enum gh_db_backend	  backend;
	sqlite3			 *h;		/* GH_DB_SQLITE only */
	struct gh_pg		 *pg;		/* owned; GH_DB_PG only */
	const struct gh_stmt_def *defs;		/* borrowed: the store's table */
	struct gh_stmt		 *hs;		/* owned; nstmt handles */
	size_t			  nstmt;
	int			  lockfd;	/* -1 until the first gh_db_begin() */
	int			  intx;		/* inside gh_db_begin() */
	int			  inread;	/* inside gh_db_read_begin() */
	int			  busy_ms;	/* longest wait for a write transaction:
						   our lock and SQLite's together */
	int			 *walframes;	/* owned: [0] WAL frames at our last
						   commit, [1] at our last checkpoint */
	/* Owned, SQLite: BEGIN, BEGIN IMMEDIATE, COMMIT, ROLLBACK, prepared. */
	sqlite3_stmt		 *tx[GH_DB_LITE_TX];
	/* SQLite: the lock file's shared sync mark (db_sqlite.c), mapped. */
	struct lite_mark	 *mark;
	int			  mark_tried;
	unsigned		  ticket;	/* ours in the writers' queue */
	int			  queued;	/* we hold that ticket */
	unsigned long long	  seq;		/* number of our last commit */
	unsigned long		  syncs;	/* WAL syncs this connection made */
	char			 *path;		/* owned */
};

#define GH_DB_CREATE	0x01	/* create the file if missing (gatectl init) */
/*
 * A long-lived process (a FastCGI program, the worker): a PostgreSQL that
 * does not answer yet is no reason to fail; the connection and the check
 * of the schema happen at first use, and until then every use is
 * GH_DB_CONN (a 503).  No effect on SQLite, nor with GH_DB_CREATE.
 */
#define GH_DB_LAZY	0x04

/* Apply every migration of schema above user_version, each in its own transaction. */
enum gh_err	 gh_db_migrate(struct gh_db *db, const struct gh_schema *schema);

/* GH_OK when user_version equals the schema's latest; GH_ECONFIG otherwise. */
enum gh_err	 gh_db_check(struct gh_db *db, const struct gh_schema *schema);

/*
 * Write transaction: flock + BEGIN IMMEDIATE; COMMIT, on disk when it
 * returns; ROLLBACK (always releases).  gh_db_commit_flags() with
 * GH_DB_NOSYNC commits without waiting for the disk: the write survives a
 * crashed process, not a power cut (a log record, not a promise).
 */
#define GH_DB_NOSYNC	0x01
enum gh_err	 gh_db_begin(struct gh_db *db);
enum gh_err	 gh_db_commit(struct gh_db *db);
enum gh_err	 gh_db_commit_flags(struct gh_db *db, unsigned flags);
void		 gh_db_rollback(struct gh_db *db);

/*
 * A read transaction around several statements: one snapshot, and the
 * locks taken once instead of per statement.  gh_db_read_end() accepts a
 * db not in one.
 */
enum gh_err	 gh_db_read_begin(struct gh_db *db);
void		 gh_db_read_end(struct gh_db *db);

/* Run SQL text with no results (schema, pragmas). */
enum gh_err	 gh_db_exec(struct gh_db *db, const char *sql);

/*
 * Map an SQLite result code: OK and DONE -> GH_OK, BUSY and LOCKED (with
 * their extended codes) -> GH_EBUSY, anything else (ROW included) -> GH_EDB.
 */
enum gh_err	 gh_db_err(int rc);

/*
 * The outcome of one step, the same on both backends.  RETRY: busy, a
 * serialization failure (40001) or a deadlock (40P01): try the whole
 * transaction again.  CONN: the connection is lost (inside a transaction;
 * outside one it was re-established once already).  UNCERTAIN: the
 * connection was lost during COMMIT, so whether it happened is unknown.
 */
enum gh_db_rc {
	GH_DB_ROW,
	GH_DB_DONE,
	GH_DB_RETRY,
	GH_DB_CONSTRAINT,
	GH_DB_CONN,
	GH_DB_UNCERTAIN,
	GH_DB_HARD,
	GH_DB_RC__MAX
};

#define GH_STMT_PARAMS	16	/* most $n of one statement */

/*
 * The service's database named by conf's [gatehouse] database: "sqlite"
 * opens <state_dir>/<service>.db (created 0600 with GH_DB_CREATE; without
 * it a missing file is GH_ECONFIG: "run gatectl init"); a
 * postgresql:// URI connects (the password never from the URI: see
 * gh_db_uri_check()) and uses the service's own PostgreSQL schema (named
 * after schema->service).  defs[0..n-1] is the statement table (borrowed).
 * GH_DB_CREATE applies the migrations, else they are checked (GH_ECONFIG
 * when the database is not at the schema's latest version).  db is zeroed
 * by the caller; on failure it holds nothing.
 */
enum gh_err	 gh_db_open_conf(struct gh_db *db, const struct gh_conf *conf,
		    const struct gh_schema *schema, unsigned flags,
		    const struct gh_stmt_def *defs, size_t n);

/*
 * GH_OK when database (a [gatehouse] database value) is "sqlite" or a
 * postgresql:// URI that libpq parses and that carries no password;
 * otherwise GH_ECONFIG with the reason in why (whysz bytes).
 */
enum gh_err	 gh_db_uri_check(const char *database, char *why, size_t whysz);

/*
 * The handle of statement id, prepared on first use (PostgreSQL: once per
 * connection, again after a reconnect).  Borrowed: gh_stmt_reset() when
 * done.  NULL on failure (logged).
 */
struct gh_stmt	*gh_db_prep(struct gh_db *db, size_t id);

/*
 * Bind parameter $n (1-based).  Text and blobs are copied on PostgreSQL,
 * borrowed on SQLite until the reset.  A failed bind is also remembered:
 * the next step returns GH_DB_HARD, so no statement runs half-bound.
 */
enum gh_err	 gh_stmt_bind_int64(struct gh_stmt *st, int n, long long v);
enum gh_err	 gh_stmt_bind_text(struct gh_stmt *st, int n, const char *s);
enum gh_err	 gh_stmt_bind_blob(struct gh_stmt *st, int n, const void *p,
		    size_t len);
enum gh_err	 gh_stmt_bind_null(struct gh_stmt *st, int n);

/*
 * One row at a time: GH_DB_ROW until GH_DB_DONE, or what went wrong
 * (logged).  On PostgreSQL a statement outside a transaction whose
 * connection turns out lost is sent again on a new one, so it must be
 * safe to run twice: write inside gh_db_begin() or gh_db_write_prep(),
 * where a lost connection is GH_DB_CONN and nothing is resent.
 */
enum gh_db_rc	 gh_stmt_step(struct gh_stmt *st);

/*
 * The current row's columns (0-based), borrowed until the next step or
 * reset.  A NULL reads as 0, NULL and 0 bytes.
 */
int		 gh_stmt_null(struct gh_stmt *st, int col);
long long	 gh_stmt_int64(struct gh_stmt *st, int col);
const char	*gh_stmt_text(struct gh_stmt *st, int col);
const void	*gh_stmt_blob(struct gh_stmt *st, int col, size_t *len);
/*
 * Copy text column col into out (outsz bytes, NUL terminated); GH_ETOOBIG
 * if it does not fit (out untouched), GH_ENOTFOUND if NULL.
 */
enum gh_err	 gh_stmt_text_copy(struct gh_stmt *st, int col, char *out,
		    size_t outsz);
/* Rows the last statement changed (after GH_DB_DONE). */
long long	 gh_stmt_changes(struct gh_stmt *st);
/* Forget the result and bindings; NULL ok. */
void		 gh_stmt_reset(struct gh_stmt *st);

/* The gh_err a request answers for rc (GH_OK for ROW and DONE). */
enum gh_err	 gh_db_rc_err(enum gh_db_rc rc);
const char	*gh_db_rc_str(enum gh_db_rc rc);

/*
 * gh_stmt_done(): step a statement that returns no row, and reset it:
 * GH_OK, GH_ECONFLICT on a constraint, else the mapped error (logged).
 * gh_stmt_row(): step for at most one row: GH_OK with a row (the caller
 * reads it, then resets), GH_ENOTFOUND without, else the mapped error.
 *
 * One write statement in its own transaction: gh_db_write_prep() begins
 * and returns statement id for the caller to bind (NULL with *err set, and
 * nothing begun, on failure); gh_db_write_end() steps it and commits, or
 * rolls back on any failure.  With GH_DB_CHANGED a statement that changed
 * no row is GH_ENOTFOUND (rolled back).
 */
#define GH_DB_CHANGED	0x02
enum gh_err	 gh_stmt_done(struct gh_stmt *st);
enum gh_err	 gh_stmt_row(struct gh_stmt *st);
struct gh_stmt	*gh_db_write_prep(struct gh_db *db, size_t id,
		    enum gh_err *err);
enum gh_err	 gh_db_write_end(struct gh_db *db, struct gh_stmt *st,
		    unsigned flags);
/*
 * Step an INSERT and reset it, its new row's id into *id: the first
 * column of a returned row (PostgreSQL: RETURNING id), else SQLite's last
 * rowid.  With GH_DB_CHANGED no row inserted is GH_ENOTFOUND.
 */
enum gh_err	 gh_stmt_insert(struct gh_stmt *st, unsigned flags,
		    long long *id);

/*
 * Wake-ups between processes, on PostgreSQL through LISTEN/NOTIFY, which
 * reach every node; on SQLite all four do nothing (GH_OK, -1, 0), and a
 * service wakes its own node's processes by other means.  channel is a
 * lower-case SQL name ([a-z_][a-z0-9_]*, at most 63 bytes).
 *
 * gh_db_notify() sends one: inside gh_db_begin() it goes out at the
 * COMMIT (not at all on a rollback); outside, at once in a transaction of
 * its own that does not wait for the disk (a lost wake-up only delays).
 * gh_db_listen() subscribes db's connection, and it is subscribed again
 * after every reconnect.  gh_db_listen_fd() is the descriptor to poll for
 * POLLIN (-1 when there is none: SQLite, not listening, no connection).
 * gh_db_notified() reads what came without blocking: 1 when a wake-up
 * came, or when the connection is lost (one may have been missed: look
 * again, and the next statement reconnects), else 0.  Call it before
 * polling, too: a wake-up that came during a statement is already read.
 */
enum gh_err	 gh_db_notify(struct gh_db *db, const char *channel);
enum gh_err	 gh_db_listen(struct gh_db *db, const char *channel);
int		 gh_db_listen_fd(struct gh_db *db);
int		 gh_db_notified(struct gh_db *db);

/*
 * A write transaction run by gh_txn(): its statements on db, GH_OK to
 * commit, anything else to roll back.  It may run more than once, so it
 * keeps nothing from a try that did not commit (its outputs are written
 * afresh by each run).
 */
typedef enum gh_err gh_txn_fn(struct gh_db *db, void *arg);

#define GH_TXN_TRIES		3	/* runs at most */
#define GH_TXN_BUDGET_MS	1000	/* no new try once this has passed */

/*
 * gh_db_begin(), fn, gh_db_commit_flags(flags): run again, after a short
 * random pause, when the try surely did not commit and another may
 * succeed: a retry outcome (busy, serialization failure, deadlock) before
 * or at COMMIT, or a connection lost before COMMIT went out (the next
 * BEGIN reconnects).  Never after COMMIT's connection was lost (commit
 * uncertain: the write may be in), and not once GH_TXN_BUDGET_MS have
 * passed (a busy timeout already waited its time).  The last try's error.
 */
enum gh_err	 gh_txn(struct gh_db *db, unsigned flags, gh_txn_fn *fn,
		    void *arg);

/* Binds the parameters of st from arg, for gh_txn_stmt(). */
typedef void gh_bind_fn(struct gh_stmt *st, const void *arg);

#define GH_DB_INSERT	0x08	/* gh_txn_stmt(): *out is the new row's id */
/*
 * Statement id alone as a gh_txn() transaction, bound by bind(st, arg)
 * on each try.  flags: GH_DB_NOSYNC (the commit), GH_DB_CHANGED (no row
 * changed is GH_ENOTFOUND), GH_DB_INSERT.  *out (may be NULL): the rows it
 * changed, or with GH_DB_INSERT the new row's id (gh_stmt_insert()).
 */
enum gh_err	 gh_txn_stmt(struct gh_db *db, size_t id, unsigned flags,
		    gh_bind_fn *bind, const void *arg, long long *out);

/* Finalise statements and close; accepts a zeroed struct. */
void		 gh_db_close(struct gh_db *db);

#endif
