/* SPDX-License-Identifier: ISC */
/*
 * db_sqlite: the SQLite backend of db.h (struct gh_stmt is in db_pg.h).
 * Internal to lib/db*.c: stores include db.h only.  db.c dispatches to
 * these when db->backend is GH_DB_SQLITE, and keeps db->intx itself.
 */
#ifndef GH_DB_SQLITE_H
#define GH_DB_SQLITE_H

#include <stddef.h>

#include "db.h"

/*
 * Open <dir>/<service>.db into db (zeroed by the caller) with WAL, the
 * busy timeout and foreign keys on; no statement handles yet.  New files
 * are created 0600 (GH_DB_CREATE only); without GH_DB_CREATE a missing
 * file is GH_ECONFIG.  On failure db holds nothing.
 */
enum gh_err	 lite_open(struct gh_db *db, const char *dir,
		    const char *service, unsigned flags);
/* Finalise db's statements, close the connection and the lock file. */
void		 lite_close(struct gh_db *db);
enum gh_err	 lite_exec(struct gh_db *db, const char *sql);
/* user_version, the schema version (0: none yet). */
enum gh_err	 lite_version_get(struct gh_db *db, int *v);
enum gh_err	 lite_version_set(struct gh_db *db, int v);

/*
 * The writers' flock() and BEGIN IMMEDIATE, within one busy timeout.
 * lite_commit() releases the lock and syncs the WAL outside it (unless
 * GH_DB_NOSYNC); a failed COMMIT is rolled back.  lite_rollback() always
 * releases the lock.
 */
enum gh_err	 lite_begin(struct gh_db *db);
enum gh_err	 lite_commit(struct gh_db *db, unsigned flags);
/*
 * lite_commit()'s two steps after the COMMIT: make the last commit
 * durable (one sync, or none if another process's covered it), and the
 * checkpoint.  Apart for tests.
 */
enum gh_err	 lite_durable(struct gh_db *db);
enum gh_err	 lite_checkpoint(struct gh_db *db);
void		 lite_mark_close(struct gh_db *db);
void		 lite_rollback(struct gh_db *db);
/* gh_db_read_begin()'s BEGIN, and the COMMIT that ends it. */
enum gh_err	 lite_read_begin(struct gh_db *db);
void		 lite_read_end(struct gh_db *db);

/* Prepare st (st->lite) for good; GH_EDB (logged) leaves it unprepared. */
enum gh_err	 lite_prepare(struct gh_stmt *st);
enum gh_err	 lite_bind_int64(struct gh_stmt *st, int n, long long v);
enum gh_err	 lite_bind_text(struct gh_stmt *st, int n, const char *s);
enum gh_err	 lite_bind_blob(struct gh_stmt *st, int n, const void *p,
		    size_t len);
enum gh_err	 lite_bind_null(struct gh_stmt *st, int n);
enum gh_db_rc	 lite_step(struct gh_stmt *st);
int		 lite_null(struct gh_stmt *st, int col);
long long	 lite_int64(struct gh_stmt *st, int col);
const char	*lite_text(struct gh_stmt *st, int col);
const void	*lite_blob(struct gh_stmt *st, int col, size_t *len);
enum gh_err	 lite_text_copy(struct gh_stmt *st, int col, char *out,
		    size_t outsz);
/* The rowid of the last row st's connection inserted. */
long long	 lite_insert_id(struct gh_stmt *st);
/* Reset st and clear its bindings; an unprepared st is fine. */
void		 lite_stmt_clear(struct gh_stmt *st);

#endif
