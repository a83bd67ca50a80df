/* SPDX-License-Identifier: ISC */
/*
 * db: SQLite the way every service uses it.  Opened once per process in WAL
 * mode with a busy timeout and foreign keys on; schema versions are numbered
 * migrations (each service compiles its own from sql/<service>/) tracked
 * in user_version;
 * prepared statements are made on first use and kept for the process.
 *
 * Writers are funnelled: gh_db_begin() takes an exclusive flock() on
 * "<db>.lock" before BEGIN IMMEDIATE, so concurrent writers queue in the
 * kernel and wake at once, instead of sleeping in SQLite's busy handler.
 */
#ifndef GH_DB_H
#define GH_DB_H

#include <stddef.h>
#include <sqlite3.h>

#include "err.h"

#define GH_DB_BUSY_TIMEOUT_MS	5000
#define GH_DB_CHECKPOINT_FRAMES	1000	/* SQLite's own default mark */

struct gh_migration {
	int		 version;	/* NNN of sql/<service>/NNN_name.sql */
	const char	*name;
	const char	*sql;
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

struct gh_db {
	sqlite3			 *h;
	sqlite3_stmt		**stmts;	/* owned; nstmt slots, NULL until first use */
	const char *const	 *sql;		/* borrowed: the service's statement table */
	size_t			  nstmt;
	int			  lockfd;	/* -1 until the first gh_db_begin() */
	int			  intx;		/* inside gh_db_begin() */
	int			  inread;	/* inside gh_db_read_begin() */
	int			  busy_ms;	/* longest wait for a write transaction:
						   our lock and SQLite's together */
	int			 *walframes;	/* owned: [0] WAL frames at our last
						   commit, [1] at our last checkpoint */
	char			 *path;		/* owned */
};

#define GH_DB_CREATE	0x01	/* create the file if missing (gatectl init) */

/*
 * Open path into db (zeroed by the caller) with the pragmas above and
 * register the statement table sql[0..nstmt-1] (may be NULL/0).  New files
 * are created 0600.  On failure db holds nothing.
 */
enum gh_err	 gh_db_open(struct gh_db *db, const char *path, unsigned flags,
		    const char *const *sql, size_t nstmt);

/*
 * A service's database: open <dir>/<schema->service>.db with the statement
 * table and apply (GH_DB_CREATE, gatectl init) or check the migrations of
 * schema (borrowed).  GH_ECONFIG when the file is missing or not migrated
 * yet.
 */
enum gh_err	 gh_db_open_service(struct gh_db *db, const char *dir,
		    const struct gh_schema *schema, unsigned flags,
		    const char *const *sql, size_t nstmt);

/* Apply every migration of schema above user_version, each in its own transaction. */
enum gh_err	 gh_db_migrate(struct gh_db *db, const struct gh_schema *schema);

/* GH_OK when user_version equals the schema's latest; GH_ECONFIG otherwise. */
enum gh_err	 gh_db_check(struct gh_db *db, const struct gh_schema *schema);

/*
 * The prepared statement for id, prepared on first use.  Borrowed: call
 * gh_db_reset() when done with it.  NULL on failure (logged with the SQL error).
 */
sqlite3_stmt	*gh_db_stmt(struct gh_db *db, size_t id);
void		 gh_db_reset(sqlite3_stmt *stmt);	/* reset + clear bindings; NULL ok */

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

/*
 * Step a statement that returns no row, and reset it: GH_OK, GH_ECONFLICT
 * on a constraint, else the mapped error (logged).
 */
enum gh_err	 gh_db_step_done(struct gh_db *db, sqlite3_stmt *stmt);
/*
 * Step for at most one row: GH_OK with a row (the caller reads it, then
 * resets), GH_ENOTFOUND without, else the mapped error (logged).
 */
enum gh_err	 gh_db_step_row(struct gh_db *db, sqlite3_stmt *stmt);

/*
 * One write statement in its own transaction: gh_db_write_stmt() begins
 * and returns statement id for the caller to bind (NULL with *err set, and
 * nothing begun, on failure); gh_db_write_done() steps it and commits, or
 * rolls back on any failure.  With GH_DB_CHANGED a statement that changed
 * no row is GH_ENOTFOUND (rolled back).
 */
#define GH_DB_CHANGED	0x02
sqlite3_stmt	*gh_db_write_stmt(struct gh_db *db, size_t id, enum gh_err *err);
enum gh_err	 gh_db_write_done(struct gh_db *db, sqlite3_stmt *stmt,
		    unsigned flags);

/* Run SQL text with no results (schema, pragmas). */
enum gh_err	 gh_db_exec(struct gh_db *db, const char *sql);

/*
 * Map an SQLite result code: OK and DONE -> GH_OK, BUSY and LOCKED (with
 * their extended codes) -> GH_EBUSY, anything else (ROW included) -> GH_EDB.
 */
enum gh_err	 gh_db_err(int rc);

/* Finalise statements and close; accepts a zeroed struct. */
void		 gh_db_close(struct gh_db *db);

/*
 * Copy column col of the current row as text into out (outsz bytes, NUL
 * terminated); GH_ETOOBIG if it does not fit, GH_ENOTFOUND if NULL.
 */
enum gh_err	 gh_db_text(sqlite3_stmt *stmt, int col, char *out, size_t outsz);

#endif
