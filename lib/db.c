/* SPDX-License-Identifier: ISC */
/*
 * db: one SQLite connection per process (SQLITE_OPEN_NOMUTEX: no thread
 * shares it), WAL, foreign keys on, and a busy timeout as the bounded retry.
 *
 * Durability is group commit: SQLite runs with synchronous=NORMAL, so a
 * COMMIT only writes its frames to the WAL, and gh_db_commit() then syncs
 * the WAL itself, after releasing the writers' lock.  A commit is on disk
 * when gh_db_commit() returns, as with synchronous=FULL, but while one
 * process waits for the disk the next one commits, and one fdatasync()
 * covers every commit written before it.  One sync per order under the lock
 * capped durable writes at the disk's sync rate (see PERFORMANCE.md).
 *
 * Writers queue on an flock() of "<db>.lock" before BEGIN IMMEDIATE.  A
 * process blocked in flock() is woken by the kernel the moment the lock is
 * released, whereas SQLite's busy handler sleeps in coarse steps and lets
 * one writer starve another (see PERFORMANCE.md).  With the funnel in
 * place, busy_timeout only covers writers that bypass it (the sqlite3
 * shell, a checkpoint).  The two waits share one budget: a writer that
 * queued on the funnel behind one stuck in SQLite's busy handler gets in
 * when that one gives up, and then waits only for what is left of its
 * busy timeout, so every writer has its answer (GH_EBUSY: a 503) within
 * the timeout, not twice it.
 *
 * Checkpoints run outside the lock too.  SQLite's automatic checkpoint
 * runs inside the COMMIT that fills the WAL past 1000 frames, and syncs the
 * database file there, while the committer holds the writers' lock: every
 * writer waited for that disk flush.  A WAL hook replaces it, and the
 * process whose commit passed the mark runs a PASSIVE checkpoint once it
 * has let go of the lock (writers carry on meanwhile).
 *
 * Log lines carry sqlite3_errmsg() but never SQL parameters: those are
 * outside input and may be secrets.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/time.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "conf.h"
#include "db.h"
#include "db_pg.h"
#include "log.h"
#include "util.h"

/* Log what failed with SQLite's message for the connection. */
static void
db_log(const struct gh_db *db, const char *what)
{
	gh_log("database %s: %s: %s", db->path != NULL ? db->path : "?",
	    what, sqlite3_errmsg(db->h));
}

enum gh_err
gh_db_err(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
		return GH_OK;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return GH_EBUSY;
	default:
		return GH_EDB;
	}
}

/*
 * Copy text column col of stmt's row into out (outsz bytes, NUL
 * terminated), as gh_stmt_text_copy() does.
 */
static enum gh_err
lite_text_copy(sqlite3_stmt *stmt, int col, char *out, size_t outsz)
{
	const unsigned char	*p;
	size_t			 n;

	if (sqlite3_column_type(stmt, col) == SQLITE_NULL)
		return GH_ENOTFOUND;
	if ((p = sqlite3_column_text(stmt, col)) == NULL)
		return GH_ENOMEM;
	n = (size_t)sqlite3_column_bytes(stmt, col);
	if (outsz == 0 || n >= outsz)
		return GH_ETOOBIG;
	memcpy(out, p, n);
	out[n] = '\0';
	return GH_OK;
}

/*
 * Run one PRAGMA (or any statement) that returns a single text value into
 * out (outsz bytes); used to check that journal_mode really became WAL.
 */
static enum gh_err
db_pragma_text(struct gh_db *db, const char *sql, char *out, size_t outsz)
{
	sqlite3_stmt	*st = NULL;
	enum gh_err	 err;
	int		 rc;

	if ((rc = sqlite3_prepare_v2(db->h, sql, -1, &st, NULL)) != SQLITE_OK) {
		db_log(db, sql);
		err = gh_db_err(rc);
		goto out;
	}
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		db_log(db, sql);
		err = rc == SQLITE_DONE ? GH_EDB : gh_db_err(rc);
		goto out;
	}
	err = lite_text_copy(st, 0, out, outsz);
out:
	sqlite3_finalize(st);
	return err;
}

/* PRAGMA user_version (PostgreSQL: schema_version) into *v. */
static enum gh_err
db_user_version(struct gh_db *db, int *v)
{
	sqlite3_stmt	*st = NULL;
	enum gh_err	 err;
	int		 rc;

	if (db->backend == GH_DB_PG)
		return pg_version_get(db, db->intx, v);

	rc = sqlite3_prepare_v2(db->h, "PRAGMA user_version", -1, &st, NULL);
	if (rc != SQLITE_OK) {
		db_log(db, "PRAGMA user_version");
		err = gh_db_err(rc);
		goto out;
	}
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		db_log(db, "PRAGMA user_version");
		err = rc == SQLITE_DONE ? GH_EDB : gh_db_err(rc);
		goto out;
	}
	*v = sqlite3_column_int(st, 0);
	err = GH_OK;
out:
	sqlite3_finalize(st);
	return err;
}


/* After each commit: how many frames the WAL holds (see the top). */
static int
wal_hook(void *arg, sqlite3 *h, const char *name, int frames)
{
	(void)h;
	(void)name;
	*(int *)arg = frames;
	return SQLITE_OK;
}

/*
 * A PASSIVE checkpoint each time the WAL has grown by the mark since this
 * connection's last one; never blocks.  walframes[0] is the WAL's frames
 * at our last commit, walframes[1] at our last checkpoint.  Counting from
 * our last checkpoint, not from zero: a WAL that other processes keep from
 * restarting stays above the mark, and a checkpoint per commit would sync
 * the WAL each time.
 */
static void
checkpoint(struct gh_db *db)
{
	int	*w = db->walframes;
	int	 rc;

	if (w[0] < w[1])
		w[1] = 0;		/* the WAL has restarted */
	if (w[0] - w[1] < GH_DB_CHECKPOINT_FRAMES)
		return;
	w[1] = w[0];
	rc = sqlite3_wal_checkpoint_v2(db->h, NULL,
	    SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	if (rc != SQLITE_OK && rc != SQLITE_BUSY)
		db_log(db, "checkpoint");
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
 * Open the SQLite database at path into db (zeroed by the caller) with
 * WAL, the busy timeout and foreign keys on, and nstmt unprepared
 * statement handles.  On failure db holds nothing.  With GH_DB_CREATE a
 * missing file is first created by us with mode 0600, so SQLite never
 * creates it with the umask's wider mode (its -wal and -shm files copy
 * the database's mode).  Without it a missing file is a configuration
 * error: gatectl init makes databases, services only open them.
 */
static enum gh_err
lite_open(struct gh_db *db, const char *path, unsigned flags, size_t nstmt)
{
	struct gh_db	 tmp;
	struct stat	 st;
	char		 mode[16];
	enum gh_err	 err = GH_EDB;
	int		 fd, rc, oflags;

	memset(&tmp, 0, sizeof(tmp));
	tmp.lockfd = -1;
	tmp.busy_ms = GH_DB_BUSY_TIMEOUT_MS;
	if ((tmp.path = strdup(path)) == NULL) {
		err = GH_ENOMEM;
		goto out;
	}
	if (flags & GH_DB_CREATE) {
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (fd == -1) {
			gh_log("cannot create database %s: %s", path,
			    strerror(errno));
			err = GH_EIO;
			goto out;
		}
		close(fd);
	} else if (stat(path, &st) == -1) {
		gh_log("cannot open database %s: %s%s", path, strerror(errno),
		    errno == ENOENT ? ": run gatectl init" : "");
		err = errno == ENOENT ? GH_ECONFIG : GH_EIO;
		goto out;
	}

	oflags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
	if (flags & GH_DB_CREATE)
		oflags |= SQLITE_OPEN_CREATE;
	rc = sqlite3_open_v2(path, &tmp.h, oflags, NULL);
	if (rc != SQLITE_OK) {
		if (tmp.h != NULL)
			db_log(&tmp, "open");
		else
			gh_log("database %s: open: out of memory", path);
		err = rc == SQLITE_NOMEM ? GH_ENOMEM : GH_EDB;
		goto out;
	}
	/*
	 * Result codes stay primary (no sqlite3_extended_result_codes()):
	 * gh_stmt_step() maps them, masked to the primary code all the same.
	 */
	if ((rc = sqlite3_busy_timeout(tmp.h, GH_DB_BUSY_TIMEOUT_MS)) !=
	    SQLITE_OK) {
		db_log(&tmp, "busy_timeout");
		err = gh_db_err(rc);
		goto out;
	}
	err = db_pragma_text(&tmp, "PRAGMA journal_mode=WAL", mode,
	    sizeof(mode));
	if (err != GH_OK)
		goto out;
	if (strcmp(mode, "wal") != 0) {
		gh_log("database %s: journal_mode is %s, not wal", path, mode);
		err = GH_EDB;
		goto out;
	}
	if ((err = gh_db_exec(&tmp, "PRAGMA synchronous=NORMAL")) != GH_OK ||
	    (err = gh_db_exec(&tmp, "PRAGMA foreign_keys=ON")) != GH_OK)
		goto out;

	if (nstmt > 0 && (err = db_handles(&tmp, nstmt)) != GH_OK)
		goto out;
	if ((tmp.walframes = calloc(2, sizeof(*tmp.walframes))) == NULL) {
		err = GH_ENOMEM;
		goto out;
	}
	sqlite3_wal_hook(tmp.h, wal_hook, tmp.walframes);
	tmp.nstmt = nstmt;
	*db = tmp;
	db_adopt(db);
	memset(&tmp, 0, sizeof(tmp));
	err = GH_OK;
out:
	if (tmp.path != NULL)
		gh_db_close(&tmp);
	return err;
}

/*
 * The SQLite half of gh_db_open_conf(): <dir>/<service>.db, its
 * migrations applied (GH_DB_CREATE) or checked.
 */
static enum gh_err
lite_open_service(struct gh_db *db, const char *dir,
    const struct gh_schema *schema, unsigned flags, size_t nstmt)
{
	char		 path[4096];
	enum gh_err	 err;

	if (schema == NULL || schema->service == NULL) {
		gh_log("%s: no schema", __func__);
		return GH_EINTERNAL;
	}
	if ((size_t)snprintf(path, sizeof(path), "%s/%s.db", dir,
	    schema->service) >= sizeof(path))
		return GH_ECONFIG;
	if ((err = lite_open(db, path, flags, nstmt)) != GH_OK)
		return err;
	err = (flags & GH_DB_CREATE) ? gh_db_migrate(db, schema) :
	    gh_db_check(db, schema);
	if (err != GH_OK)
		gh_db_close(db);
	return err;
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
	char				 set[64];
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
		if ((err = db_user_version(db, &cur)) != GH_OK)
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
		if (db->backend == GH_DB_PG)
			err = pg_version_set(db, m->version);
		else {
			snprintf(set, sizeof(set), "PRAGMA user_version=%d",
			    m->version);
			err = gh_db_exec(db, set);
		}
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
	if ((err = db_user_version(db, &cur)) != GH_OK)
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
 * Prepare st's SQLite statement with SQLITE_PREPARE_PERSISTENT (it lives
 * as long as the process, so SQLite keeps it out of its lookaside).  A
 * statement that fails is logged and left unprepared, to fail again.
 */
static enum gh_err
lite_prepare(struct gh_stmt *st)
{
	char	what[48];
	int	rc;

	rc = sqlite3_prepare_v3(st->db->h, gh_db_sql(st->db, st->id), -1,
	    SQLITE_PREPARE_PERSISTENT, &st->lite, NULL);
	if (rc != SQLITE_OK) {
		snprintf(what, sizeof(what), "prepare statement %zu", st->id);
		db_log(st->db, what);
		sqlite3_finalize(st->lite);
		st->lite = NULL;
		return GH_EDB;
	}
	return GH_OK;
}

static void
on_alarm(int sig)
{
	(void)sig;	/* only here to interrupt flock() */
}

/*
 * Take the writers' lock, waiting at most db->busy_ms; *waited_ms is how
 * long it took (0 uncontended).  The uncontended case is one system call.
 * A contended one blocks in the kernel, woken the moment the holder lets
 * go, under a SIGALRM timer whose handler only interrupts flock(); the
 * timer repeats so that an alarm that fires just before flock() is
 * entered cannot leave us blocked for ever.  A holder that hangs thus
 * costs the others a 503, never a hang.
 */
static enum gh_err
lock_writers(struct gh_db *db, int *waited_ms)
{
	struct sigaction	sa, osa;
	struct itimerval	it, off;
	long long		t0;
	int			rc, saved;

	*waited_ms = 0;
	if (flock(db->lockfd, LOCK_EX | LOCK_NB) == 0)
		return GH_OK;
	if (errno != EWOULDBLOCK) {
		gh_log("%s: flock: %s", db->path, strerror(errno));
		return GH_EIO;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;	/* no SA_RESTART: flock() must fail */
	sigemptyset(&sa.sa_mask);
	memset(&it, 0, sizeof(it));
	it.it_value.tv_sec = db->busy_ms / 1000;
	it.it_value.tv_usec = (db->busy_ms % 1000) * 1000;
	it.it_interval.tv_usec = 50 * 1000;
	memset(&off, 0, sizeof(off));
	if (sigaction(SIGALRM, &sa, &osa) == -1)
		return GH_EIO;
	t0 = gh_mono_ms();
	setitimer(ITIMER_REAL, &it, NULL);
	rc = flock(db->lockfd, LOCK_EX);
	saved = errno;
	setitimer(ITIMER_REAL, &off, NULL);
	sigaction(SIGALRM, &osa, NULL);
	if (rc == 0) {
		*waited_ms = (int)(gh_mono_ms() - t0);
		return GH_OK;
	}
	if (saved == EINTR) {
		gh_log("%s: no write lock after %d ms", db->path,
		    db->busy_ms);
		return GH_EBUSY;
	}
	gh_log("%s: flock: %s", db->path, strerror(saved));
	return GH_EIO;
}

/*
 * BEGIN IMMEDIATE within what is left of the busy timeout after waiting
 * waited_ms for the writers' lock (see the top of this file); the
 * connection's busy timeout is db->busy_ms again afterwards.
 */
static enum gh_err
begin_immediate(struct gh_db *db, int waited_ms)
{
	enum gh_err	err;
	int		left;

	if (waited_ms <= 0)
		return gh_db_exec(db, "BEGIN IMMEDIATE");
	left = db->busy_ms - waited_ms;
	sqlite3_busy_timeout(db->h, left > 1 ? left : 1);
	err = gh_db_exec(db, "BEGIN IMMEDIATE");
	sqlite3_busy_timeout(db->h, db->busy_ms);
	return err;
}

/*
 * Take the writers' lock, then BEGIN IMMEDIATE.  The lock file is opened
 * once and kept; lock_writers() waits for our turn, and BEGIN IMMEDIATE
 * for SQLite's lock, both within the one busy timeout.
 */
enum gh_err
gh_db_begin(struct gh_db *db)
{
	char		 lock[4096];
	enum gh_err	 err;
	int		 n, waited;

	if (db->intx || db->inread) {
		gh_log("%s: %s: already in a transaction", __func__, db->path);
		return GH_EINTERNAL;
	}
	if (db->backend == GH_DB_PG) {
		/* Row locks and constraints keep writers apart: no funnel. */
		if ((err = pg_exec(db, "BEGIN")) != GH_OK)
			return err;
		db->intx = 1;
		return GH_OK;
	}
	if (db->lockfd == -1) {
		n = snprintf(lock, sizeof(lock), "%s.lock", db->path);
		if (n < 0 || (size_t)n >= sizeof(lock)) {
			gh_log("%s: %s: name too long", __func__, db->path);
			return GH_EINTERNAL;
		}
		db->lockfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (db->lockfd == -1) {
			gh_log("cannot open %s: %s", lock, strerror(errno));
			return GH_EIO;
		}
	}
	if ((err = lock_writers(db, &waited)) != GH_OK)
		return err;
	if ((err = begin_immediate(db, waited)) != GH_OK) {
		flock(db->lockfd, LOCK_UN);
		return err;
	}
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
	if ((err = gh_db_exec(db, db->backend == GH_DB_PG ?
	    "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN")) !=
	    GH_OK)
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
	if (sqlite3_exec(db->h, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		db_log(db, "COMMIT of a read");
}

/*
 * Make every frame now in the WAL durable, through SQLite's own handle of
 * the file (a descriptor of ours could outlive a WAL that SQLite deletes and
 * recreates).  Called outside the writers' lock: see the top of this file.
 */
static enum gh_err
sync_wal(struct gh_db *db)
{
	sqlite3_file	*wal = NULL;
	int		 rc;

	rc = sqlite3_file_control(db->h, "main", SQLITE_FCNTL_JOURNAL_POINTER,
	    &wal);
	if (rc != SQLITE_OK || wal == NULL || wal->pMethods == NULL) {
		gh_log("database %s: no WAL file to sync", db->path);
		return GH_EDB;
	}
	if ((rc = wal->pMethods->xSync(wal, SQLITE_SYNC_NORMAL)) != SQLITE_OK) {
		gh_log("database %s: syncing the WAL failed (%d)", db->path, rc);
		return GH_EIO;
	}
	return GH_OK;
}

/*
 * COMMIT and release the writers' lock.  A COMMIT that fails (BUSY
 * included) is rolled back, so the caller never holds a half-open
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
	rc = sqlite3_exec(db->h, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		db_log(db, "COMMIT");
		gh_db_rollback(db);
		return gh_db_err(rc);
	}
	db->intx = 0;
	flock(db->lockfd, LOCK_UN);
	err = (flags & GH_DB_NOSYNC) ? GH_OK : sync_wal(db);
	checkpoint(db);
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
	if (db->backend == GH_DB_PG) {
		pg_rollback(db);
		db->intx = 0;
		return;
	}
	if (!sqlite3_get_autocommit(db->h) &&
	    sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL) != SQLITE_OK)
		db_log(db, "ROLLBACK");
	db->intx = 0;
	flock(db->lockfd, LOCK_UN);
}

/* Run sql (one or more statements) and discard any rows. */
enum gh_err
gh_db_exec(struct gh_db *db, const char *sql)
{
	char	*msg = NULL;
	int	 rc;

	if (db->backend == GH_DB_PG)
		return pg_exec(db, sql);
	rc = sqlite3_exec(db->h, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		gh_log("database %s: %s", db->path,
		    msg != NULL ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return gh_db_err(rc);
	}
	return GH_OK;
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
		for (i = 0; i < db->nstmt; i++) {
			pg_stmt_clear(&db->hs[i]);
			sqlite3_finalize(db->hs[i].lite);
		}
	free(db->hs);
	pg_close(db);
	if (db->h != NULL && sqlite3_close(db->h) != SQLITE_OK)
		db_log(db, "close");
	if (db->lockfd != -1)
		close(db->lockfd);
	free(db->path);
	free(db->walframes);
	memset(db, 0, sizeof(*db));
	db->lockfd = -1;
}

/* --- the backend-neutral interface ---------------------------------- */

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

enum gh_err
gh_db_open_conf(struct gh_db *db, const struct gh_conf *conf,
    const struct gh_schema *schema, unsigned flags,
    const struct gh_stmt_def *defs, size_t n)
{
	char		why[256];
	enum gh_err	err;

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
	err = lite_open_service(db, gh_conf_state_dir(conf), schema, flags,
	    n);
	if (err == GH_OK)
		db->defs = defs;
	return err;
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

/* SQLite: the index of "$n", which SQLite numbers by first appearance. */
static int
lite_param(struct gh_stmt *st, int n)
{
	char	name[16];
	int	i;

	snprintf(name, sizeof(name), "$%d", n);
	if ((i = sqlite3_bind_parameter_index(st->lite, name)) == 0) {
		gh_log("database %s: statement %zu has no %s",
		    st->db->path, st->id, name);
		st->binderr = 1;
	}
	return i;
}

/* A failed SQLite bind: remembered for the step, and told. */
static enum gh_err
lite_bound(struct gh_stmt *st, int i, int rc)
{
	if (i == 0)
		return GH_EINTERNAL;
	if (rc != SQLITE_OK) {
		st->binderr = 1;
		return rc == SQLITE_NOMEM ? GH_ENOMEM : GH_EINTERNAL;
	}
	return GH_OK;
}

enum gh_err
gh_stmt_bind_int64(struct gh_stmt *st, int n, long long v)
{
	int	i;

	if (st->db->backend == GH_DB_PG) {
		if (n < 1 || n > GH_STMT_PARAMS) {
			st->binderr = 1;
			return GH_EINTERNAL;
		}
		snprintf(st->num[n - 1], sizeof(st->num[n - 1]), "%lld", v);
		return pg_bind(st, n, st->num[n - 1], strlen(st->num[n - 1]),
		    0);
	}
	if ((i = lite_param(st, n)) == 0)
		return GH_EINTERNAL;
	return lite_bound(st, i, sqlite3_bind_int64(st->lite, i, v));
}

enum gh_err
gh_stmt_bind_text(struct gh_stmt *st, int n, const char *s)
{
	int	i;

	if (s == NULL)
		return gh_stmt_bind_null(st, n);
	if (st->db->backend == GH_DB_PG)
		return pg_bind(st, n, s, strlen(s), 0);
	if ((i = lite_param(st, n)) == 0)
		return GH_EINTERNAL;
	return lite_bound(st, i, sqlite3_bind_text(st->lite, i, s, -1,
	    SQLITE_STATIC));
}

enum gh_err
gh_stmt_bind_blob(struct gh_stmt *st, int n, const void *p, size_t len)
{
	int	i;

	if (st->db->backend == GH_DB_PG)
		return pg_bind(st, n, p != NULL ? p : "", len, 1);
	if ((i = lite_param(st, n)) == 0)
		return GH_EINTERNAL;
	if (len > INT_MAX)
		return lite_bound(st, i, SQLITE_TOOBIG);
	return lite_bound(st, i, sqlite3_bind_blob(st->lite, i,
	    p != NULL ? p : "", (int)len, SQLITE_STATIC));
}

enum gh_err
gh_stmt_bind_null(struct gh_stmt *st, int n)
{
	int	i;

	if (st->db->backend == GH_DB_PG)
		return pg_bind(st, n, NULL, 0, 0);
	if ((i = lite_param(st, n)) == 0)
		return GH_EINTERNAL;
	return lite_bound(st, i, sqlite3_bind_null(st->lite, i));
}

enum gh_db_rc
gh_stmt_step(struct gh_stmt *st)
{
	int	rc;

	if (st->db->backend == GH_DB_PG)
		return pg_step(st);
	if (st->binderr)
		return GH_DB_HARD;
	rc = sqlite3_step(st->lite);
	switch (rc & 0xff) {
	case SQLITE_ROW:
		return GH_DB_ROW;
	case SQLITE_DONE:
		st->changes = sqlite3_changes64(st->db->h);
		return GH_DB_DONE;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		db_log(st->db, "step");
		return GH_DB_RETRY;
	case SQLITE_CONSTRAINT:
		return GH_DB_CONSTRAINT;
	default:
		db_log(st->db, "step");
		return GH_DB_HARD;
	}
}

int
gh_stmt_null(struct gh_stmt *st, int col)
{
	if (st->db->backend == GH_DB_PG)
		return pg_null(st, col);
	return sqlite3_column_type(st->lite, col) == SQLITE_NULL;
}

long long
gh_stmt_int64(struct gh_stmt *st, int col)
{
	const char	*t;
	size_t		 n;

	if (st->db->backend == GH_DB_SQLITE)
		return sqlite3_column_int64(st->lite, col);
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
	return (const char *)sqlite3_column_text(st->lite, col);
}

const void *
gh_stmt_blob(struct gh_stmt *st, int col, size_t *len)
{
	const void	*p;

	if (st->db->backend == GH_DB_PG)
		return pg_blob(st, col, len);
	p = sqlite3_column_blob(st->lite, col);
	*len = (size_t)sqlite3_column_bytes(st->lite, col);
	return p;
}

enum gh_err
gh_stmt_text_copy(struct gh_stmt *st, int col, char *out, size_t outsz)
{
	const char	*p;
	size_t		 n;

	if (st->db->backend == GH_DB_SQLITE)
		return lite_text_copy(st->lite, col, out, outsz);
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
	else if (st->lite != NULL) {
		sqlite3_reset(st->lite);
		sqlite3_clear_bindings(st->lite);
	}
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
		*id = sqlite3_last_insert_rowid(st->db->h);
	else {
		gh_log("database %s: statement %zu: no RETURNING id",
		    st->db->path, st->id);
		err = GH_EINTERNAL;
	}
	gh_stmt_reset(st);
	return err;
}
