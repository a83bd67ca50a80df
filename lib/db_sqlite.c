/* SPDX-License-Identifier: ISC */
/*
 * db_sqlite: the SQLite backend of db.h.  One connection per process
 * (SQLITE_OPEN_NOMUTEX: no thread shares it), WAL, foreign keys on, and a
 * busy timeout as the bounded retry.
 *
 * Durability is group commit: SQLite runs with synchronous=NORMAL, so a
 * COMMIT only writes its frames to the WAL, and gh_db_commit() then syncs
 * the WAL itself, after releasing the writers' lock.  A commit is on disk
 * when gh_db_commit() returns, as with synchronous=FULL, but while one
 * process waits for the disk the next one commits, and one fdatasync()
 * covers every commit written before it.  One sync per order under the lock
 * capped durable writes at the disk's sync rate (see PERFORMANCE.md).
 * The processes share how far the WAL is synced, in the lock file mapped
 * into each (struct lite_mark): commits are numbered under the lock, a
 * sync records the number it covers, and syncs take turns, so that the
 * commits made during one wait for it and are then covered by a single
 * next one; a commit that a sync begun after it has covered skips its own.
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
 * flock() is not fair, though: it wakes the next waiter when the lock
 * is let go, but a newcomer that calls flock() before that waiter runs
 * takes the lock first, and the waiter queues again, at the end.  Under
 * 64 writers that made the slowest 1 % of writes wait five times as long
 * as the median.  So writers also take a ticket, in the mapped lock file,
 * and go to flock() in ticket order (queue_wait()).
 *
 * Checkpoints run outside the lock too.  SQLite's automatic checkpoint
 * runs inside the COMMIT that fills the WAL past 1000 frames, and syncs the
 * database file there, while the committer holds the writers' lock: every
 * writer waited for that disk flush.  A WAL hook replaces it, and the
 * process whose commit passed the mark runs a PASSIVE checkpoint once it
 * has let go of the lock (writers carry on meanwhile).  A WAL that those
 * have not let start over is restarted by a checkpoint that takes its
 * turn at the lock (checkpoint()).
 *
 * Log lines carry sqlite3_errmsg() but never SQL parameters: those are
 * outside input and may be secrets.
 */
#include <linux/futex.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "db.h"
#include "db_pg.h"
#include "db_sqlite.h"
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

/* Copy a text column of stmt's row into out, as gh_stmt_text_copy() does. */
static enum gh_err
column_text_copy(sqlite3_stmt *stmt, int col, char *out, size_t outsz)
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
	err = column_text_copy(st, 0, out, outsz);
out:
	sqlite3_finalize(st);
	return err;
}

enum gh_err
lite_version_get(struct gh_db *db, int *v)
{
	sqlite3_stmt	*st = NULL;
	enum gh_err	 err;
	int		 rc;

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

enum gh_err
lite_version_set(struct gh_db *db, int v)
{
	char	set[64];

	snprintf(set, sizeof(set), "PRAGMA user_version=%d", v);
	return lite_exec(db, set);
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

static enum gh_err	lock_writers(struct gh_db *, int, int *);
static void		unlock_writers(struct gh_db *);

/*
 * A checkpoint each time the WAL has grown by the mark since this
 * connection's last one.  walframes[0] is the WAL's frames at our last
 * commit, walframes[1] at our last checkpoint.  Counting from our last
 * checkpoint, not from zero: a WAL that other processes keep from
 * restarting stays above the mark, and a checkpoint per commit would sync
 * the WAL each time.
 *
 * PASSIVE checkpoints never block, but under a steady stream of writes
 * they never let the WAL start over either: the next writer restarts it
 * only if it began after a checkpoint that copied every frame, and with
 * writers queued, another one has always committed first.  bench/icyfire's
 * WAL grew to 330 MB in half a minute, and the frame index each checkpoint
 * builds with it (160 KB of heap).  So a WAL of GH_DB_RESTART_FRAMES or
 * more gets a RESTART checkpoint, which takes its turn in the writers'
 * queue, copies the frames left, and waits for the readers still in the
 * WAL, so that the next writer starts it over.  Those waits are bounded by
 * RESTART_WAIT_MS: a checkpoint that does not get its turn in time is
 * PASSIVE, one that times out on the readers has copied what it could,
 * and the next mark tries again.
 */
#define RESTART_WAIT_MS	100

/*
 * The RESTART checkpoint's busy handler.  A reader in the WAL is waited
 * for by trying its lock again, and a reader that reads without pause
 * lets go of it only for a moment: so every 100 us, where SQLite's own
 * handler tries a dozen times in its 100 ms.
 */
static int
restart_busy(void *arg, int n)
{
	(void)n;
	if (gh_mono_ms() >= *(const long long *)arg)
		return 0;
	usleep(100);
	return 1;
}

static void
checkpoint(struct gh_db *db)
{
	int		*w = db->walframes;
	long long	 deadline;
	int		 rc, busy = db->busy_ms, waited, locked = 0;

	if (w[0] < w[1])
		w[1] = 0;		/* the WAL has restarted */
	if (w[0] - w[1] < GH_DB_CHECKPOINT_FRAMES)
		return;
	w[1] = w[0];
	if (w[0] >= GH_DB_RESTART_FRAMES && db->lockfd != -1) {
		db->busy_ms = RESTART_WAIT_MS;
		locked = lock_writers(db, 1, &waited) == GH_OK;
		db->busy_ms = busy;
	}
	if (!locked) {
		rc = sqlite3_wal_checkpoint_v2(db->h, NULL,
		    SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	} else {
		deadline = gh_mono_ms() + RESTART_WAIT_MS;
		sqlite3_busy_handler(db->h, restart_busy, &deadline);
		rc = sqlite3_wal_checkpoint_v2(db->h, NULL,
		    SQLITE_CHECKPOINT_RESTART, NULL, NULL);
		sqlite3_busy_timeout(db->h, busy);
		unlock_writers(db);
	}
	if (rc != SQLITE_OK && rc != SQLITE_BUSY)
		db_log(db, "checkpoint");
}

/*
 * Open as db_sqlite.h describes.  With GH_DB_CREATE a missing file is
 * first created by us with mode 0600, so SQLite never creates it with the
 * umask's wider mode (its -wal and -shm files copy the database's mode).
 * Without it a missing file is a configuration error: gatectl init makes
 * databases, services only open them.
 */
enum gh_err
lite_open(struct gh_db *db, const char *dir, const char *service,
    unsigned flags)
{
	struct gh_db	 tmp;
	struct stat	 st;
	char		 path[4096], mode[16];
	enum gh_err	 err = GH_EDB;
	int		 fd, rc, oflags;

	memset(&tmp, 0, sizeof(tmp));
	tmp.lockfd = -1;
	tmp.busy_ms = GH_DB_BUSY_TIMEOUT_MS;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s.db", dir, service) >=
	    sizeof(path))
		return GH_ECONFIG;
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
	/*
	 * A page cache of 16 pages (64 KiB; SQLite's default is 2 MB): a
	 * long-lived process's private memory stays flat as it reads more of
	 * the file, and the kernel's page cache holds the rest.  In WAL mode
	 * every other process's commit empties it anyway, and 16 pages hold
	 * what one request's lookups read: 32 cost no less CPU here, and up
	 * to 70 KiB more in icyfire, which has two databases open.
	 */
	if ((err = lite_exec(&tmp, "PRAGMA synchronous=NORMAL")) != GH_OK ||
	    (err = lite_exec(&tmp, "PRAGMA foreign_keys=ON")) != GH_OK ||
	    (err = lite_exec(&tmp, "PRAGMA cache_size=16")) != GH_OK)
		goto out;
	if ((tmp.walframes = calloc(2, sizeof(*tmp.walframes))) == NULL) {
		err = GH_ENOMEM;
		goto out;
	}
	sqlite3_wal_hook(tmp.h, wal_hook, tmp.walframes);
	*db = tmp;
	return GH_OK;
out:
	gh_db_close(&tmp);
	return err;
}

/*
 * The transaction statements, prepared once per connection:
 * sqlite3_exec() parses its SQL on every call, which was a tenth of a
 * read request's CPU time.  In the order of db->tx.
 */
enum lite_tx { TX_BEGIN, TX_BEGIN_IMMEDIATE, TX_COMMIT, TX_ROLLBACK };
static const char *const tx_sql[GH_DB_LITE_TX] = {
	"BEGIN", "BEGIN IMMEDIATE", "COMMIT", "ROLLBACK"
};

/* Run statement t; SQLite's result code (SQLITE_OK when done). */
static int
lite_tx(struct gh_db *db, enum lite_tx t)
{
	int	rc;

	if (db->tx[t] == NULL && (rc = sqlite3_prepare_v3(db->h, tx_sql[t],
	    -1, SQLITE_PREPARE_PERSISTENT, &db->tx[t], NULL)) != SQLITE_OK)
		return rc;
	rc = sqlite3_step(db->tx[t]);
	sqlite3_reset(db->tx[t]);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* lite_tx(), with the failure logged as what and mapped to gh_err. */
static enum gh_err
lite_tx_err(struct gh_db *db, enum lite_tx t)
{
	int	rc;

	if ((rc = lite_tx(db, t)) == SQLITE_OK)
		return GH_OK;
	db_log(db, tx_sql[t]);
	return gh_db_err(rc);
}

void
lite_close(struct gh_db *db)
{
	size_t	i;

	for (i = 0; i < GH_DB_LITE_TX; i++) {
		sqlite3_finalize(db->tx[i]);
		db->tx[i] = NULL;
	}
	for (i = 0; db->hs != NULL && i < db->nstmt; i++) {
		sqlite3_finalize(db->hs[i].lite);
		db->hs[i].lite = NULL;
	}
	if (db->h != NULL && sqlite3_close(db->h) != SQLITE_OK)
		db_log(db, "close");
	db->h = NULL;
	lite_mark_close(db);
	if (db->lockfd != -1)
		close(db->lockfd);
	db->lockfd = -1;
	free(db->walframes);
	db->walframes = NULL;
}

static void
on_alarm(int sig)
{
	(void)sig;	/* only here to interrupt flock() */
}

#define QUEUE_SLOTS	256	/* more than writers can ever wait */
#define QUEUE_POLL_MS	20	/* how often a waiter checks the queue moves */

/*
 * How far the WAL is synced, shared by every process through the lock
 * file, mapped.  committed numbers the commits (under the writers' lock);
 * synced is the highest number a finished sync covers: it read committed
 * before its fdatasync() began, and every commit up to that number had
 * written its frames by then.  The numbers mean nothing after a reboot
 * (the page cache that held them is gone, a part of it may be on disk):
 * boot_id, the kernel's for this boot, says whether they are this boot's,
 * and the first writer of a boot starts them again from zero.
 */
struct lite_mark {
	char			 boot_id[40];
	_Atomic uint64_t	 committed;
	_Atomic uint64_t	 synced;
	/* The writers' queue (queue_wait()): tickets handed out, the one
	   whose turn it is, and per ticket (modulo) a futex word to wake
	   its holder and the holder's pid (0: nobody waits for it). */
	_Atomic uint32_t	 next;
	_Atomic uint32_t	 serving;
	_Atomic uint32_t	 wake[QUEUE_SLOTS];
	_Atomic int32_t		 pid[QUEUE_SLOTS];
};
/* The syncers' lock is byte 4096 of the same file (syncer_lock()). */
_Static_assert(sizeof(struct lite_mark) <= 4096, "the mark overlaps byte 4096");

/*
 * The writers' queue.  A writer takes a ticket (m->next) and waits until
 * m->serving reaches it; the writer before it, letting go of the lock,
 * moves serving on and wakes it through its futex word.  The queue only
 * orders who calls flock() next: flock() still excludes, and frees the
 * lock of a holder that dies.  A ticket nobody will use stalls it, so:
 *   - a writer that gives up (its busy timeout) clears its pid, and
 *     lets everyone before it through as it leaves;
 *   - waiters look when they queue and then every QUEUE_POLL_MS, and
 *     skip a turn whose ticket's pid is 0 or gone (a process killed).
 * Before the mark is mapped (a process's first write), plain flock().
 */
/* FUTEX_WAIT or FUTEX_WAKE on w (an _Atomic uint32_t is a uint32_t). */
static long
futex(_Atomic uint32_t *w, int op, uint32_t val, const struct timespec *ts)
{
	return syscall(SYS_futex, (uint32_t *)(uintptr_t)w, op, val, ts,
	    NULL, 0);
}

/* Let the ticket after t go next (if it is not past already), and wake it. */
static void
queue_next(struct lite_mark *m, uint32_t t)
{
	uint32_t	s = atomic_load(&m->serving);

	while ((int32_t)(t + 1 - s) > 0 &&
	    !atomic_compare_exchange_weak(&m->serving, &s, t + 1))
		;
	if (atomic_load(&m->next) != t + 1) {	/* someone waits */
		atomic_fetch_add(&m->wake[(t + 1) % QUEUE_SLOTS], 1);
		futex(&m->wake[(t + 1) % QUEUE_SLOTS], FUTEX_WAKE, INT_MAX,
		    NULL);
	}
}

/* 1 when nobody will take ticket s: its pid is cleared, or dead. */
static int
queue_abandoned(struct lite_mark *m, uint32_t s)
{
	pid_t	pid = atomic_load(&m->pid[s % QUEUE_SLOTS]);

	return pid == 0 || (kill(pid, 0) == -1 && errno == ESRCH);
}

/*
 * Take a ticket and wait for its turn, until deadline (gh_mono_ms());
 * GH_OK, or GH_EBUSY past the deadline (the ticket is then given up).
 */
static enum gh_err
queue_wait(struct gh_db *db, long long deadline)
{
	struct lite_mark	*m = db->mark;
	struct timespec		 ts = { 0, QUEUE_POLL_MS * 1000000L };
	uint32_t		 t, s, w, x, last;
	long long		 left;

	t = atomic_fetch_add(&m->next, 1);
	atomic_store(&m->pid[t % QUEUE_SLOTS], getpid());
	db->ticket = t;
	db->queued = 1;
	last = atomic_load(&m->serving);
	for (;;) {
		w = atomic_load(&m->wake[t % QUEUE_SLOTS]);
		s = atomic_load(&m->serving);
		if ((int32_t)(t - s) <= 0)
			return GH_OK;
		if ((left = deadline - gh_mono_ms()) <= 0) {
			atomic_store(&m->pid[t % QUEUE_SLOTS], 0);
			queue_next(m, t);
			db->queued = 0;
			return GH_EBUSY;
		}
		/*
		 * At the first look, and when the queue has not moved since
		 * the last: skip, at once, the turns before ours that nobody
		 * will take (a whole service killed leaves one per process
		 * that was waiting).  One kill(0) per live turn looked at.
		 */
		if (s == last) {
			for (x = s; x != t && queue_abandoned(m, x); x++)
				;
			if (x != s && atomic_compare_exchange_strong(
			    &m->serving, &s, x)) {
				queue_next(m, x - 1);	/* wakes x */
				continue;
			}
		}
		last = s;
		if (left < QUEUE_POLL_MS)
			ts.tv_nsec = left * 1000000L;
		futex(&m->wake[t % QUEUE_SLOTS], FUTEX_WAIT, w, &ts);
	}
}

/* Let go of the writers' lock, and hand our turn on. */
static void
unlock_writers(struct gh_db *db)
{
	flock(db->lockfd, LOCK_UN);
	if (db->queued) {
		atomic_store(&db->mark->pid[db->ticket % QUEUE_SLOTS], 0);
		queue_next(db->mark, db->ticket);
		db->queued = 0;
	}
}

/*
 * Take the writers' lock, waiting at most db->busy_ms; *waited_ms is how
 * long it took (0 uncontended).  A wait that runs out is logged unless
 * quiet (a checkpoint's, which only tries).  The uncontended case is one system call.
 * A contended one blocks in the kernel, woken the moment the holder lets
 * go, under a SIGALRM timer whose handler only interrupts flock(); the
 * timer repeats so that an alarm that fires just before flock() is
 * entered cannot leave us blocked for ever.  A holder that hangs thus
 * costs the others a 503, never a hang.
 */
static enum gh_err
lock_writers(struct gh_db *db, int quiet, int *waited_ms)
{
	struct sigaction	sa, osa;
	struct itimerval	it, off;
	long long		t0;
	int			rc, saved, left;

	*waited_ms = 0;
	t0 = gh_mono_ms();
	if (db->mark != NULL &&
	    queue_wait(db, t0 + db->busy_ms) != GH_OK) {
		if (!quiet)
			gh_log("%s: no turn to write after %d ms", db->path,
			    db->busy_ms);
		return GH_EBUSY;
	}
	if (flock(db->lockfd, LOCK_EX | LOCK_NB) == 0) {
		*waited_ms = (int)(gh_mono_ms() - t0);
		return GH_OK;
	}
	if (errno != EWOULDBLOCK) {
		gh_log("%s: flock: %s", db->path, strerror(errno));
		unlock_writers(db);
		return GH_EIO;
	}
	left = db->busy_ms - (int)(gh_mono_ms() - t0);
	if (left < 1)
		left = 1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;	/* no SA_RESTART: flock() must fail */
	sigemptyset(&sa.sa_mask);
	memset(&it, 0, sizeof(it));
	it.it_value.tv_sec = left / 1000;
	it.it_value.tv_usec = (left % 1000) * 1000;
	it.it_interval.tv_usec = 50 * 1000;
	memset(&off, 0, sizeof(off));
	if (sigaction(SIGALRM, &sa, &osa) == -1) {
		unlock_writers(db);
		return GH_EIO;
	}
	setitimer(ITIMER_REAL, &it, NULL);
	rc = flock(db->lockfd, LOCK_EX);
	saved = errno;
	setitimer(ITIMER_REAL, &off, NULL);
	sigaction(SIGALRM, &osa, NULL);
	if (rc == 0) {
		*waited_ms = (int)(gh_mono_ms() - t0);
		return GH_OK;
	}
	unlock_writers(db);	/* not locked: hands the turn on */
	if (saved == EINTR) {
		if (!quiet)
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
		return lite_tx_err(db, TX_BEGIN_IMMEDIATE);
	left = db->busy_ms - waited_ms;
	sqlite3_busy_timeout(db->h, left > 1 ? left : 1);
	err = lite_tx_err(db, TX_BEGIN_IMMEDIATE);
	sqlite3_busy_timeout(db->h, db->busy_ms);
	return err;
}

/* This boot's id into out, zero-padded; "" if it cannot be read. */
static void
boot_id(char out[40])
{
	ssize_t	n = 0;
	int	fd;

	memset(out, 0, 40);	/* compared whole */
	if ((fd = open("/proc/sys/kernel/random/boot_id",
	    O_RDONLY | O_CLOEXEC)) == -1)
		return;
	n = read(fd, out, 39);
	close(fd);
	out[n > 0 ? n : 0] = '\0';
}

/*
 * Map the lock file's mark (db->mark), under the writers' lock; on any
 * failure db->mark stays NULL and every commit syncs, as before.
 */
static void
mark_open(struct gh_db *db)
{
	struct lite_mark	*m;
	struct stat		 sb;
	char			 id[40];
	void			*p;

	boot_id(id);
	if (id[0] == '\0' || fstat(db->lockfd, &sb) == -1 ||
	    (sb.st_size < (off_t)sizeof(*m) &&
	    ftruncate(db->lockfd, sizeof(*m)) == -1))
		return;
	p = mmap(NULL, sizeof(*m), PROT_READ | PROT_WRITE, MAP_SHARED,
	    db->lockfd, 0);
	if (p == MAP_FAILED)
		return;
	m = p;
	if (memcmp(m->boot_id, id, sizeof(m->boot_id)) != 0) {
		atomic_store(&m->committed, 0);
		atomic_store(&m->synced, 0);
		atomic_store(&m->next, atomic_load(&m->serving));
		memcpy(m->boot_id, id, sizeof(m->boot_id));
	}
	db->mark = m;
}

void
lite_mark_close(struct gh_db *db)
{
	if (db->mark != NULL)
		munmap(db->mark, sizeof(struct lite_mark));
	db->mark = NULL;
}

/*
 * Take the writers' lock, then BEGIN IMMEDIATE.  The lock file is opened
 * once and kept; lock_writers() waits for our turn, and BEGIN IMMEDIATE
 * for SQLite's lock, both within the one busy timeout.
 */
enum gh_err
lite_begin(struct gh_db *db)
{
	char		 lock[4096];
	enum gh_err	 err;
	int		 n, waited;

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
	if ((err = lock_writers(db, 0, &waited)) != GH_OK)
		return err;
	if (!db->mark_tried) {
		db->mark_tried = 1;
		mark_open(db);
	}
	if ((err = begin_immediate(db, waited)) != GH_OK) {
		unlock_writers(db);
		return err;
	}
	return GH_OK;
}

enum gh_err
lite_read_begin(struct gh_db *db)
{
	return lite_tx_err(db, TX_BEGIN);
}

void
lite_read_end(struct gh_db *db)
{
	if (lite_tx(db, TX_COMMIT) != SQLITE_OK)
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
 * COMMIT and release the writers' lock, then sync the WAL (unless
 * GH_DB_NOSYNC) and checkpoint, both outside the lock.  A COMMIT that
 * fails (BUSY included) is rolled back.
 */
enum gh_err
lite_commit(struct gh_db *db, unsigned flags)
{
	int	rc;

	if ((rc = lite_tx(db, TX_COMMIT)) != SQLITE_OK) {
		db_log(db, "COMMIT");
		lite_rollback(db);
		return gh_db_err(rc);
	}
	db->seq = db->mark != NULL ?
	    atomic_fetch_add(&db->mark->committed, 1) + 1 : 0;
	unlock_writers(db);
	return (flags & GH_DB_NOSYNC) ? lite_checkpoint(db) : lite_durable(db);
}

/*
 * The syncers' lock: an open-file-description lock on the lock file's
 * byte 4096 (the writers' flock() does not see it), waited for without
 * a timeout: its holder is in fdatasync(), and a process that dies lets
 * go.  Failing to take it only costs a sync that another one runs too.
 */
static void
syncer_lock(struct gh_db *db, short type)
{
	struct flock	fl;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = type;
	fl.l_whence = SEEK_SET;
	fl.l_start = 4096;
	fl.l_len = 1;
	while (fcntl(db->lockfd, F_OFD_SETLKW, &fl) == -1 && errno == EINTR)
		;
}

/*
 * Our last commit (db->seq) on disk: nothing to do if a sync that began
 * after it has finished; otherwise, once no other sync runs, check
 * again, then sync and record what that covered.
 */
enum gh_err
lite_durable(struct gh_db *db)
{
	struct lite_mark	*m = db->mark;
	uint64_t		 upto = 0, cur;
	enum gh_err		 err;

	if (m != NULL && db->seq != 0) {
		if (atomic_load(&m->synced) >= db->seq)
			return lite_checkpoint(db);
		/*
		 * One sync at a time: the commits made while one runs wait
		 * for it, then one of them syncs for all of them.
		 */
		syncer_lock(db, F_WRLCK);
		if (atomic_load(&m->synced) >= db->seq) {
			syncer_lock(db, F_UNLCK);
			return lite_checkpoint(db);
		}
		upto = atomic_load(&m->committed);
	}
	db->syncs++;
	err = sync_wal(db);
	if (m != NULL && upto != 0) {
		if (err == GH_OK) {
			cur = atomic_load(&m->synced);
			while (cur < upto && !atomic_compare_exchange_weak(
			    &m->synced, &cur, upto))
				;
		}
		syncer_lock(db, F_UNLCK);
	}
	if (err != GH_OK)
		return err;
	return lite_checkpoint(db);
}

enum gh_err
lite_checkpoint(struct gh_db *db)
{
	checkpoint(db);
	return GH_OK;
}

void
lite_rollback(struct gh_db *db)
{
	if (!sqlite3_get_autocommit(db->h) &&
	    lite_tx(db, TX_ROLLBACK) != SQLITE_OK)
		db_log(db, "ROLLBACK");
	unlock_writers(db);
}

enum gh_err
lite_exec(struct gh_db *db, const char *sql)
{
	char	*msg = NULL;
	int	 rc;

	rc = sqlite3_exec(db->h, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		gh_log("database %s: %s", db->path,
		    msg != NULL ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return gh_db_err(rc);
	}
	return GH_OK;
}

/*
 * With SQLITE_PREPARE_PERSISTENT: the statement lives as long as the
 * process, so SQLite keeps it out of its lookaside.
 */
enum gh_err
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
lite_bind_int64(struct gh_stmt *st, int n, long long v)
{
	int	i;

	if ((i = lite_param(st, n)) == 0)
		return GH_EINTERNAL;
	return lite_bound(st, i, sqlite3_bind_int64(st->lite, i, v));
}

enum gh_err
lite_bind_text(struct gh_stmt *st, int n, const char *s)
{
	int	i;

	if ((i = lite_param(st, n)) == 0)
		return GH_EINTERNAL;
	return lite_bound(st, i, sqlite3_bind_text(st->lite, i, s, -1,
	    SQLITE_STATIC));
}

enum gh_err
lite_bind_blob(struct gh_stmt *st, int n, const void *p, size_t len)
{
	int	i;

	if ((i = lite_param(st, n)) == 0)
		return GH_EINTERNAL;
	if (len > INT_MAX)
		return lite_bound(st, i, SQLITE_TOOBIG);
	return lite_bound(st, i, sqlite3_bind_blob(st->lite, i,
	    p != NULL ? p : "", (int)len, SQLITE_STATIC));
}

enum gh_err
lite_bind_null(struct gh_stmt *st, int n)
{
	int	i;

	if ((i = lite_param(st, n)) == 0)
		return GH_EINTERNAL;
	return lite_bound(st, i, sqlite3_bind_null(st->lite, i));
}

enum gh_db_rc
lite_step(struct gh_stmt *st)
{
	int	rc;

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
lite_null(struct gh_stmt *st, int col)
{
	return sqlite3_column_type(st->lite, col) == SQLITE_NULL;
}

long long
lite_int64(struct gh_stmt *st, int col)
{
	return sqlite3_column_int64(st->lite, col);
}

const char *
lite_text(struct gh_stmt *st, int col)
{
	return (const char *)sqlite3_column_text(st->lite, col);
}

const void *
lite_blob(struct gh_stmt *st, int col, size_t *len)
{
	const void	*p;

	p = sqlite3_column_blob(st->lite, col);
	*len = (size_t)sqlite3_column_bytes(st->lite, col);
	return p;
}

enum gh_err
lite_text_copy(struct gh_stmt *st, int col, char *out, size_t outsz)
{
	return column_text_copy(st->lite, col, out, outsz);
}

long long
lite_insert_id(struct gh_stmt *st)
{
	return sqlite3_last_insert_rowid(st->db->h);
}

void
lite_stmt_clear(struct gh_stmt *st)
{
	if (st->lite == NULL)
		return;
	sqlite3_reset(st->lite);
	sqlite3_clear_bindings(st->lite);
}
