/* SPDX-License-Identifier: ISC */
/*
 * test_db: the SQLite backend of db.h on a fresh state directory, through
 * the backend-neutral calls: creation mode and pragmas (WAL), the factory
 * migrations, version checks, the statement cache, write transactions,
 * their lock (the flock funnel and the busy timeout), durable and
 * unsynced commits, constraint mapping, and what a second connection sees.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conf.h"
#include "db.h"
#include "db_sqlite.h"
#include "util.h"
#include "tdir.h"
#include "tmain.h"

/* The factory's migrations (cgi-bin/factory/schema.c): a real schema. */
extern const struct gh_schema factory_schema;

enum stmt {
	STMT_COUNT,
	STMT_INSERT,
	STMT_GET,
	STMT_BAD,
	STMT_DELETE,
	STMT_JOURNAL,
	STMT_TEXT,
	STMT__MAX
};

static const struct gh_stmt_def	defs[STMT__MAX] = {
	[STMT_COUNT] = { "SELECT count(*) FROM taken_domain", NULL, NULL },
	[STMT_INSERT] = { "INSERT INTO taken_domain (domain) VALUES ($1)",
	    NULL, NULL },
	[STMT_GET] = { "SELECT domain FROM taken_domain WHERE domain = $1",
	    NULL, NULL },
	[STMT_BAD] = { "SELECT nothing FROM nowhere", NULL, NULL },
	[STMT_DELETE] = { "DELETE FROM taken_domain WHERE domain = $1", NULL,
	    NULL },
	[STMT_JOURNAL] = { "PRAGMA journal_mode", NULL, NULL },
	[STMT_TEXT] = { "SELECT 'abcdefg', 'abcdefgh', NULL, 42, ''", NULL,
	    NULL },
};

static const struct gh_conf_table *const	sections[] = { NULL };

/* The configuration of the current state directory (fresh_conf()). */
static struct gh_conf	conf;

/*
 * A fresh state directory with a gatehouse.conf that names SQLite, loaded
 * into conf; the path its factory database will have into path.
 */
static void
fresh_conf(char *path, size_t pathsz)
{
	char	dir[PATH_MAX], file[PATH_MAX + 32], err[256];

	gh_conf_free(&conf);
	memset(&conf, 0, sizeof(conf));
	CU_ASSERT_FATAL(tdir_state(dir, sizeof(dir), file, sizeof(file),
	    "database = sqlite\n") == 0);
	CU_ASSERT_FATAL(gh_conf_load(&conf, sections, file, err,
	    sizeof(err)) == GH_OK);
	CU_ASSERT_FATAL((size_t)snprintf(path, pathsz, "%s/factory.db", dir) <
	    pathsz);
}

/* Open the database of conf with schema, applied (GH_DB_CREATE) or checked. */
static enum gh_err
open_db(struct gh_db *db, const struct gh_schema *schema, unsigned flags)
{
	memset(db, 0, sizeof(*db));
	return gh_db_open_conf(db, &conf, schema, flags, defs, STMT__MAX);
}

/* Open a fresh database with the factory schema applied. */
static void
open_migrated(struct gh_db *db, char *path, size_t pathsz)
{
	fresh_conf(path, pathsz);
	CU_ASSERT_EQUAL_FATAL(open_db(db, &factory_schema, GH_DB_CREATE),
	    GH_OK);
}

/* An integer from a one-row query on db's raw handle. */
static long long
query_int(sqlite3 *h, const char *q)
{
	sqlite3_stmt	*st = NULL;
	long long	 v = -1;

	CU_ASSERT_FATAL(sqlite3_prepare_v2(h, q, -1, &st, NULL) == SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Insert domain through the prepared statement: the step's outcome. */
static enum gh_db_rc
insert(struct gh_db *db, const char *domain)
{
	struct gh_stmt	*st;
	enum gh_db_rc	 rc;

	CU_ASSERT_FATAL((st = gh_db_prep(db, STMT_INSERT)) != NULL);
	gh_stmt_bind_text(st, 1, domain);
	rc = gh_stmt_step(st);
	gh_stmt_reset(st);
	return rc;
}

/* Rows of taken_domain through the prepared statement. */
static long long
count(struct gh_db *db)
{
	struct gh_stmt	*st;
	long long	 n = -1;

	CU_ASSERT_FATAL((st = gh_db_prep(db, STMT_COUNT)) != NULL);
	if (gh_stmt_step(st) == GH_DB_ROW)
		n = gh_stmt_int64(st, 0);
	gh_stmt_reset(st);
	return n;
}

static void
test_open_create(void)
{
	const struct gh_schema	*schema = &factory_schema;
	struct gh_db		 db;
	struct gh_stmt		*s;
	struct stat		 st;
	char			 path[PATH_MAX], aux[PATH_MAX + 16];
	char			 mode[16];

	open_migrated(&db, path, sizeof(path));
	CU_ASSERT_EQUAL(db.backend, GH_DB_SQLITE);
	CU_ASSERT_PTR_NOT_NULL(db.h);
	CU_ASSERT_PTR_NOT_NULL(db.hs);
	CU_ASSERT_EQUAL(db.nstmt, STMT__MAX);
	CU_ASSERT_EQUAL(db.intx, 0);
	CU_ASSERT_STRING_EQUAL(db.path, path);

	CU_ASSERT_FATAL(stat(path, &st) == 0);
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0600);

	CU_ASSERT_PTR_NOT_NULL_FATAL(s = gh_db_prep(&db, STMT_JOURNAL));
	CU_ASSERT_EQUAL_FATAL(gh_stmt_row(s), GH_OK);
	CU_ASSERT_EQUAL(gh_stmt_text_copy(s, 0, mode, sizeof(mode)), GH_OK);
	CU_ASSERT_STRING_EQUAL(mode, "wal");
	gh_stmt_reset(s);
	/* NORMAL (1): gh_db_commit() syncs the WAL itself (group commit). */
	CU_ASSERT_EQUAL(query_int(db.h, "PRAGMA synchronous"), 1);
	CU_ASSERT_EQUAL(query_int(db.h, "PRAGMA foreign_keys"), 1);
	/* 32 pages: a process's private memory stays flat. */
	CU_ASSERT_EQUAL(query_int(db.h, "PRAGMA cache_size"), 16);
	CU_ASSERT_EQUAL(query_int(db.h, "PRAGMA busy_timeout"),
	    GH_DB_BUSY_TIMEOUT_MS);
	CU_ASSERT_EQUAL(query_int(db.h, "PRAGMA user_version"),
	    schema->migrations[schema->n - 1].version);

	/* After a write, the WAL files and the lock share the mode. */
	CU_ASSERT_EQUAL(gh_db_begin(&db), GH_OK);
	CU_ASSERT_NOT_EQUAL(db.lockfd, -1);
	CU_ASSERT_EQUAL(gh_db_exec(&db, "CREATE TABLE t (x)"), GH_OK);
	CU_ASSERT_EQUAL(gh_db_commit(&db), GH_OK);
	snprintf(aux, sizeof(aux), "%s-wal", path);
	CU_ASSERT_FATAL(stat(aux, &st) == 0);
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0600);
	snprintf(aux, sizeof(aux), "%s.lock", path);
	CU_ASSERT_FATAL(stat(aux, &st) == 0);
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0600);

	gh_db_close(&db);
	CU_ASSERT_PTR_NULL(db.h);
	CU_ASSERT_PTR_NULL(db.path);
	CU_ASSERT_EQUAL(db.lockfd, -1);
	gh_db_close(&db);	/* twice is fine */
}

static void
test_open_missing(void)
{
	struct gh_db	 db, zero;
	char		 path[PATH_MAX], file[PATH_MAX + 32];
	FILE		*fp;

	memset(&zero, 0, sizeof(zero));
	fresh_conf(path, sizeof(path));
	/* Services never create: a missing database is "run gatectl init". */
	CU_ASSERT_EQUAL(open_db(&db, &factory_schema, 0), GH_ECONFIG);
	CU_ASSERT(memcmp(&db, &zero, sizeof(db)) == 0);
	CU_ASSERT_EQUAL(access(path, F_OK), -1);
	/* Not a database. */
	CU_ASSERT_FATAL((fp = fopen(path, "w")) != NULL);
	fprintf(fp, "this is not an SQLite database, just some text\n");
	fclose(fp);
	CU_ASSERT_EQUAL(open_db(&db, &factory_schema, 0), GH_EDB);
	CU_ASSERT(memcmp(&db, &zero, sizeof(db)) == 0);
	/* A state directory that is gone: the file cannot be made. */
	CU_ASSERT_FATAL(unlink(path) == 0);
	CU_ASSERT_FATAL((size_t)snprintf(file, sizeof(file),
	    "%s/gatehouse.conf", gh_conf_state_dir(&conf)) < sizeof(file));
	CU_ASSERT_FATAL(unlink(file) == 0);
	CU_ASSERT_FATAL(rmdir(gh_conf_state_dir(&conf)) == 0);
	CU_ASSERT_EQUAL(open_db(&db, &factory_schema, GH_DB_CREATE), GH_EIO);
	CU_ASSERT(memcmp(&db, &zero, sizeof(db)) == 0);
	gh_db_close(&zero);	/* a zeroed struct is fine */
}

static void
test_migrate(void)
{
	const struct gh_schema	*schema = &factory_schema;
	struct gh_schema	 first;
	struct gh_db		 db;
	char			 path[PATH_MAX];
	int			 latest;

	fresh_conf(path, sizeof(path));
	/* A service without a schema is our bug, not the operator's. */
	CU_ASSERT_EQUAL(open_db(&db, NULL, 0), GH_EINTERNAL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(schema->migrations);
	CU_ASSERT_FATAL(schema->n > 1);
	CU_ASSERT_STRING_EQUAL(schema->service, "factory");
	CU_ASSERT_EQUAL(schema->migrations[0].version, 1);
	CU_ASSERT_STRING_EQUAL(schema->migrations[0].name, "001_init");
	latest = schema->migrations[schema->n - 1].version;

	/* A database made by an older program: the first migration only. */
	first = *schema;
	first.n = 1;
	CU_ASSERT_EQUAL_FATAL(open_db(&db, &first, GH_DB_CREATE), GH_OK);
	CU_ASSERT_EQUAL(query_int(db.h, "PRAGMA user_version"), 1);
	/* Before: the check fails and says what to do. */
	CU_ASSERT_EQUAL(gh_db_check(&db, schema), GH_ECONFIG);
	CU_ASSERT_EQUAL(gh_db_migrate(&db, schema), GH_OK);
	CU_ASSERT_EQUAL(query_int(db.h, "PRAGMA user_version"), latest);
	CU_ASSERT_EQUAL(gh_db_check(&db, schema), GH_OK);
	CU_ASSERT_EQUAL(query_int(db.h, "SELECT count(*) FROM sqlite_schema "
	    "WHERE type = 'table' AND name IN ('client', 'site_order', "
	    "'taken_domain')"), 3);
	CU_ASSERT_EQUAL(db.intx, 0);

	/* Again: nothing to do, nothing broken. */
	CU_ASSERT_EQUAL(insert(&db, "kept.gent"), GH_DB_DONE);
	CU_ASSERT_EQUAL(gh_db_migrate(&db, schema), GH_OK);
	CU_ASSERT_EQUAL(query_int(db.h, "PRAGMA user_version"), latest);
	CU_ASSERT_EQUAL(count(&db), 1);
	CU_ASSERT_EQUAL(gh_db_check(&db, schema), GH_OK);
	gh_db_close(&db);

	/* Reopened: checked, not migrated; the older program is refused. */
	CU_ASSERT_EQUAL_FATAL(open_db(&db, schema, 0), GH_OK);
	CU_ASSERT_EQUAL(gh_db_migrate(&db, schema), GH_OK);
	CU_ASSERT_EQUAL(count(&db), 1);
	gh_db_close(&db);
	CU_ASSERT_EQUAL(open_db(&db, &first, 0), GH_ECONFIG);
}

/* A database newer than the program is refused, not downgraded. */
static void
test_too_new(void)
{
	const struct gh_schema	*schema = &factory_schema;
	struct gh_db		 db;
	char			 path[PATH_MAX], q[64];
	int			 latest;

	CU_ASSERT_PTR_NOT_NULL_FATAL(schema);
	latest = schema->migrations[schema->n - 1].version;
	open_migrated(&db, path, sizeof(path));
	snprintf(q, sizeof(q), "PRAGMA user_version = %d", latest + 1);
	CU_ASSERT_EQUAL_FATAL(gh_db_exec(&db, q), GH_OK);
	CU_ASSERT_EQUAL(gh_db_check(&db, schema), GH_ECONFIG);
	CU_ASSERT_EQUAL(gh_db_migrate(&db, schema), GH_ECONFIG);
	CU_ASSERT_EQUAL(query_int(db.h, "PRAGMA user_version"), latest + 1);
	/* The failed migration let go of its transaction and lock. */
	CU_ASSERT_EQUAL(db.intx, 0);
	CU_ASSERT_EQUAL(gh_db_begin(&db), GH_OK);
	gh_db_rollback(&db);
	gh_db_close(&db);
}

/* A migration that fails leaves the database at the last good version. */
static void
test_migrate_failure(void)
{
	static const struct gh_migration	 m[] = {
		{ 1, "001_ok", "CREATE TABLE a (x);", NULL },
		{ 2, "002_bad", "CREATE TABLE b (x); SELECT * FROM nowhere;",
		    NULL },
	};
	static const struct gh_migration	 unordered[] = {
		{ 2, "002_a", "CREATE TABLE a (x);", NULL },
		{ 1, "001_b", "CREATE TABLE b (x);", NULL },
	};
	const struct gh_schema			 s = { "t", m, 2 };
	const struct gh_schema			 ok = { "t", m, 1 };
	const struct gh_schema			 u = { "t", unordered, 2 };
	struct gh_db				 db;
	char					 path[PATH_MAX];

	fresh_conf(path, sizeof(path));
	CU_ASSERT_EQUAL(open_db(&db, &s, GH_DB_CREATE), GH_EDB);
	/* It stopped at version 1, which opens as the latest of ok. */
	CU_ASSERT_EQUAL_FATAL(open_db(&db, &ok, 0), GH_OK);
	CU_ASSERT_EQUAL(query_int(db.h, "PRAGMA user_version"), 1);
	CU_ASSERT_EQUAL(query_int(db.h, "SELECT count(*) FROM sqlite_schema "
	    "WHERE name = 'b'"), 0);
	CU_ASSERT_EQUAL(db.intx, 0);
	CU_ASSERT_EQUAL(gh_db_migrate(&db, &u), GH_EINTERNAL);
	gh_db_close(&db);
}

/* The SQLite statements of db's connection, but for its BEGIN/COMMIT. */
static int
store_stmts(struct gh_db *db)
{
	sqlite3_stmt	*st;
	int		 i, n = 0, tx;

	for (st = sqlite3_next_stmt(db->h, NULL); st != NULL;
	    st = sqlite3_next_stmt(db->h, st)) {
		for (i = tx = 0; i < GH_DB_LITE_TX; i++)
			tx |= st == db->tx[i];
		n += !tx;
	}
	return n;
}

/* A statement is prepared once and kept; one that does not prepare is not. */
static void
test_stmt_cache(void)
{
	struct gh_db	 db;
	struct gh_stmt	*a, *b;
	char		 path[PATH_MAX];

	open_migrated(&db, path, sizeof(path));
	CU_ASSERT_EQUAL(store_stmts(&db), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a = gh_db_prep(&db, STMT_COUNT));
	CU_ASSERT_PTR_NOT_NULL_FATAL(b = gh_db_prep(&db, STMT_COUNT));
	CU_ASSERT_PTR_EQUAL(a, b);
	CU_ASSERT_EQUAL(count(&db), 0);
	/* One SQLite statement, kept while a is reset and used again. */
	CU_ASSERT_EQUAL(store_stmts(&db), 1);
	CU_ASSERT_PTR_NOT_EQUAL(gh_db_prep(&db, STMT_GET), a);
	/* A bad statement fails every time; it is not cached as NULL-ok. */
	CU_ASSERT_PTR_NULL(gh_db_prep(&db, STMT_BAD));
	CU_ASSERT_PTR_NULL(gh_db_prep(&db, STMT_BAD));
	CU_ASSERT_PTR_NULL(gh_db_prep(&db, STMT__MAX));
	CU_ASSERT_PTR_NULL(gh_db_prep(&db, (size_t)-1));
	gh_stmt_reset(NULL);
	gh_db_close(&db);
}

/* reset clears bindings, so a statement cannot leak a previous value. */
static void
test_reset(void)
{
	struct gh_db	 db;
	struct gh_stmt	*st;
	char		 path[PATH_MAX], out[64];

	open_migrated(&db, path, sizeof(path));
	CU_ASSERT_EQUAL(insert(&db, "a.gent"), GH_DB_DONE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st = gh_db_prep(&db, STMT_GET));
	gh_stmt_bind_text(st, 1, "a.gent");
	CU_ASSERT_EQUAL(gh_stmt_step(st), GH_DB_ROW);
	CU_ASSERT_EQUAL(gh_stmt_text_copy(st, 0, out, sizeof(out)), GH_OK);
	CU_ASSERT_STRING_EQUAL(out, "a.gent");
	gh_stmt_reset(st);
	/* Unbound again: domain = NULL finds nothing. */
	CU_ASSERT_EQUAL(gh_stmt_step(st), GH_DB_DONE);
	gh_stmt_reset(st);
	gh_db_close(&db);
}

/* A text column copied out: whole and terminated, or nothing written. */
static void
test_text(void)
{
	struct gh_db	 db;
	struct gh_stmt	*st;
	char		 path[PATH_MAX], out[8];

	open_migrated(&db, path, sizeof(path));
	CU_ASSERT_PTR_NOT_NULL_FATAL(st = gh_db_prep(&db, STMT_TEXT));
	CU_ASSERT_EQUAL_FATAL(gh_stmt_step(st), GH_DB_ROW);
	memset(out, 'Z', sizeof(out));
	CU_ASSERT_EQUAL(gh_stmt_text_copy(st, 0, out, sizeof(out)), GH_OK);
	CU_ASSERT_STRING_EQUAL(out, "abcdefg");
	memset(out, 'Z', sizeof(out));
	CU_ASSERT_EQUAL(gh_stmt_text_copy(st, 1, out, sizeof(out)),
	    GH_ETOOBIG);
	CU_ASSERT_EQUAL(out[0], 'Z');
	CU_ASSERT_EQUAL(gh_stmt_text_copy(st, 2, out, sizeof(out)),
	    GH_ENOTFOUND);
	CU_ASSERT_EQUAL(gh_stmt_text_copy(st, 3, out, sizeof(out)), GH_OK);
	CU_ASSERT_STRING_EQUAL(out, "42");
	CU_ASSERT_EQUAL(gh_stmt_text_copy(st, 4, out, sizeof(out)), GH_OK);
	CU_ASSERT_STRING_EQUAL(out, "");
	CU_ASSERT_EQUAL(gh_stmt_text_copy(st, 4, out, 0), GH_ETOOBIG);
	gh_stmt_reset(st);
	gh_db_close(&db);
}

static void
test_err_map(void)
{
	static const struct {
		int		rc;
		enum gh_err	want;
	} t[] = {
		{ SQLITE_OK, GH_OK },
		{ SQLITE_DONE, GH_OK },
		{ SQLITE_BUSY, GH_EBUSY },
		{ SQLITE_LOCKED, GH_EBUSY },
		{ SQLITE_BUSY_SNAPSHOT, GH_EBUSY },
		{ SQLITE_BUSY_TIMEOUT, GH_EBUSY },
		{ SQLITE_LOCKED_SHAREDCACHE, GH_EBUSY },
		{ SQLITE_ROW, GH_EDB },
		{ SQLITE_ERROR, GH_EDB },
		{ SQLITE_CONSTRAINT, GH_EDB },
		{ SQLITE_CONSTRAINT_UNIQUE, GH_EDB },
		{ SQLITE_IOERR_FSYNC, GH_EDB },
		{ SQLITE_CORRUPT, GH_EDB },
		{ SQLITE_NOMEM, GH_EDB },
	};
	size_t	i;

	for (i = 0; i < GH_NELEM(t); i++)
		CU_ASSERT_EQUAL(gh_db_err(t[i].rc), t[i].want);
}

/* The lock file's sync mark: boot id, then commits and syncs numbered. */
static void
mark_read(const char *path, char id[40], unsigned long long *committed,
    unsigned long long *synced)
{
	unsigned char	buf[56];
	char		lock[PATH_MAX + 8];
	int		fd;

	snprintf(lock, sizeof(lock), "%s.lock", path);
	CU_ASSERT_FATAL((fd = open(lock, O_RDONLY)) != -1);
	CU_ASSERT_FATAL(pread(fd, buf, sizeof(buf), 0) == sizeof(buf));
	close(fd);
	memcpy(id, buf, 40);
	memcpy(committed, buf + 40, 8);
	memcpy(synced, buf + 48, 8);
}

/* One insert of name in its own transaction, committed with flags. */
static enum gh_err
commit_one(struct gh_db *db, const char *name, unsigned flags)
{
	if (gh_db_begin(db) != GH_OK || insert(db, name) != GH_DB_DONE)
		return GH_EDB;
	return gh_db_commit_flags(db, flags);
}

/*
 * Group commit across processes (two connections here): a commit that
 * another connection's sync, begun after it, has covered does not sync
 * again; one that no sync covers does.  The numbers restart when the
 * lock file's boot id is not this boot's.
 */
static void
test_shared_sync(void)
{
	struct gh_db		 a, b;
	char			 path[PATH_MAX], id[40], lock[PATH_MAX + 8];
	unsigned long long	 committed, synced;
	unsigned long		 syncs;
	int			 fd;

	open_migrated(&a, path, sizeof(path));
	CU_ASSERT_EQUAL_FATAL(open_db(&b, &factory_schema, 0), GH_OK);

	syncs = a.syncs;			/* the migrations' */
	CU_ASSERT_EQUAL(commit_one(&a, "a1.gent", 0), GH_OK);
	CU_ASSERT_EQUAL(a.syncs, syncs + 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a.mark);
	/* a's commit, not yet synced; then b's, synced: it covers a's. */
	CU_ASSERT_EQUAL(commit_one(&a, "a2.gent", GH_DB_NOSYNC), GH_OK);
	CU_ASSERT_EQUAL(a.syncs, syncs + 1);
	CU_ASSERT_EQUAL(commit_one(&b, "b1.gent", 0), GH_OK);
	CU_ASSERT_EQUAL(b.syncs, 1);
	mark_read(path, id, &committed, &synced);
	CU_ASSERT_EQUAL(committed, b.seq);
	CU_ASSERT_EQUAL(synced, b.seq);
	CU_ASSERT(a.seq < b.seq);
	CU_ASSERT_EQUAL(lite_durable(&a), GH_OK);
	CU_ASSERT_EQUAL(a.syncs, syncs + 1);	/* covered by b's */
	/* A commit after the last sync is synced. */
	CU_ASSERT_EQUAL(commit_one(&a, "a3.gent", 0), GH_OK);
	CU_ASSERT_EQUAL(a.syncs, syncs + 2);
	CU_ASSERT_EQUAL(count(&b), 4);

	/* Another boot's numbers: the next writer starts them again. */
	gh_db_close(&b);
	snprintf(lock, sizeof(lock), "%s.lock", path);
	CU_ASSERT_FATAL((fd = open(lock, O_WRONLY)) != -1);
	CU_ASSERT_FATAL(pwrite(fd, "another-boot", 12, 0) == 12);
	close(fd);
	CU_ASSERT_EQUAL_FATAL(open_db(&b, &factory_schema, 0), GH_OK);
	syncs = b.syncs;
	CU_ASSERT_EQUAL(commit_one(&b, "b2.gent", 0), GH_OK);
	CU_ASSERT_EQUAL(b.seq, 1);
	CU_ASSERT_EQUAL(b.syncs, syncs + 1);
	mark_read(path, id, &committed, &synced);
	CU_ASSERT(strncmp(id, "another-boot", 12) != 0);
	CU_ASSERT_EQUAL(committed, 1);
	CU_ASSERT_EQUAL(synced, 1);
	gh_db_close(&a);
	gh_db_close(&b);
}

/* begin/commit/rollback as seen from this and a second connection. */
static void
test_transactions(void)
{
	struct gh_db	 db, db2;
	char		 path[PATH_MAX];

	open_migrated(&db, path, sizeof(path));
	CU_ASSERT_EQUAL_FATAL(open_db(&db2, &factory_schema, 0), GH_OK);

	/* Commit: both see it. */
	CU_ASSERT_EQUAL_FATAL(gh_db_begin(&db), GH_OK);
	CU_ASSERT_EQUAL(db.intx, 1);
	CU_ASSERT_NOT_EQUAL(db.lockfd, -1);
	CU_ASSERT_EQUAL(insert(&db, "one.gent"), GH_DB_DONE);
	CU_ASSERT_EQUAL(count(&db), 1);
	CU_ASSERT_EQUAL(count(&db2), 0);	/* not yet committed */
	CU_ASSERT_EQUAL(gh_db_commit(&db), GH_OK);
	CU_ASSERT_EQUAL(db.intx, 0);
	CU_ASSERT_EQUAL(count(&db2), 1);

	/* Rollback: neither sees it. */
	CU_ASSERT_EQUAL_FATAL(gh_db_begin(&db), GH_OK);
	CU_ASSERT_EQUAL(insert(&db, "two.gent"), GH_DB_DONE);
	CU_ASSERT_EQUAL(count(&db), 2);
	gh_db_rollback(&db);
	CU_ASSERT_EQUAL(db.intx, 0);
	CU_ASSERT_EQUAL(count(&db), 1);
	CU_ASSERT_EQUAL(count(&db2), 1);

	/* Misuse is reported, not obeyed. */
	CU_ASSERT_EQUAL(gh_db_commit(&db), GH_EINTERNAL);
	gh_db_rollback(&db);			/* a no-op outside */
	CU_ASSERT_EQUAL_FATAL(gh_db_begin(&db), GH_OK);
	CU_ASSERT_EQUAL(gh_db_begin(&db), GH_EINTERNAL);
	CU_ASSERT_EQUAL(db.intx, 1);		/* the first still holds */
	CU_ASSERT_EQUAL(insert(&db, "three.gent"), GH_DB_DONE);
	CU_ASSERT_EQUAL(gh_db_commit(&db), GH_OK);
	CU_ASSERT_EQUAL(count(&db2), 2);

	/* The second connection writes too, through the same lock. */
	CU_ASSERT_EQUAL_FATAL(gh_db_begin(&db2), GH_OK);
	CU_ASSERT_EQUAL(insert(&db2, "four.gent"), GH_DB_DONE);
	CU_ASSERT_EQUAL(gh_db_commit(&db2), GH_OK);
	CU_ASSERT_EQUAL(count(&db), 3);

	/* A commit that does not wait for the disk: committed, lock released. */
	CU_ASSERT_EQUAL_FATAL(gh_db_begin(&db), GH_OK);
	CU_ASSERT_EQUAL(insert(&db, "five.gent"), GH_DB_DONE);
	CU_ASSERT_EQUAL(gh_db_commit_flags(&db, GH_DB_NOSYNC), GH_OK);
	CU_ASSERT_EQUAL(db.intx, 0);
	CU_ASSERT_EQUAL(count(&db2), 4);
	CU_ASSERT_EQUAL_FATAL(gh_db_begin(&db2), GH_OK);
	CU_ASSERT_EQUAL(insert(&db2, "six.gent"), GH_DB_DONE);
	CU_ASSERT_EQUAL(gh_db_commit(&db2), GH_OK);
	CU_ASSERT_EQUAL(count(&db), 5);

	/* A UNIQUE violation is a constraint outcome (GH_ECONFLICT). */
	CU_ASSERT_EQUAL(insert(&db, "four.gent"), GH_DB_CONSTRAINT);

	/* Closing inside a transaction rolls it back. */
	CU_ASSERT_EQUAL_FATAL(gh_db_begin(&db), GH_OK);
	CU_ASSERT_EQUAL(insert(&db, "seven.gent"), GH_DB_DONE);
	gh_db_close(&db);
	CU_ASSERT_EQUAL(count(&db2), 5);
	CU_ASSERT_EQUAL(gh_db_begin(&db2), GH_OK);	/* lock released */
	gh_db_rollback(&db2);
	gh_db_close(&db2);
}

/*
 * n commits of a row each (named <prefix><i>.gent), none synced: the most
 * frames the WAL held after one into *most, and how often it started
 * over into *restarts.
 */
static void
commit_rows(struct gh_db *db, int n, char prefix, int *most, int *restarts)
{
	char	name[32];
	int	i, last = 0;

	*most = *restarts = 0;
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "%c%d.gent", prefix, i);
		CU_ASSERT_EQUAL_FATAL(gh_db_begin(db), GH_OK);
		CU_ASSERT_EQUAL(insert(db, name), GH_DB_DONE);
		CU_ASSERT_EQUAL_FATAL(gh_db_commit_flags(db, GH_DB_NOSYNC),
		    GH_OK);
		if (db->walframes[0] > *most)
			*most = db->walframes[0];
		if (db->walframes[0] < last)
			(*restarts)++;
		last = db->walframes[0];
	}
}

/*
 * The WAL is checkpointed after the commit that passes the mark, outside
 * the writers' lock (SQLite's own checkpoint is off, so without ours it
 * would hold every frame), and restarts with the next write.
 */
static void
test_checkpoint(void)
{
	struct gh_db	 db;
	char		 path[PATH_MAX];
	int		 most, restarts;

	open_migrated(&db, path, sizeof(path));
	commit_rows(&db, 3 * GH_DB_CHECKPOINT_FRAMES, 'c', &most, &restarts);
	/*
	 * Each commit adds a frame or more, 3,000 in all: only checkpoints
	 * keep the WAL near the mark, and each lets it restart.
	 */
	CU_ASSERT(most >= GH_DB_CHECKPOINT_FRAMES);
	CU_ASSERT(most < GH_DB_CHECKPOINT_FRAMES + 10);
	CU_ASSERT(restarts >= 2);
	CU_ASSERT_EQUAL(count(&db), 3 * GH_DB_CHECKPOINT_FRAMES);
	gh_db_close(&db);
}

/* One statement, one transaction: committed, or rolled back and unlocked. */
static void
test_write_one(void)
{
	struct gh_db	 db;
	struct gh_stmt	*st;
	char		 path[PATH_MAX];
	enum gh_err	 err = GH_OK;

	open_migrated(&db, path, sizeof(path));
	CU_ASSERT_FATAL((st = gh_db_write_prep(&db, STMT_INSERT, &err)) !=
	    NULL);
	CU_ASSERT_EQUAL(db.intx, 1);
	gh_stmt_bind_text(st, 1, "w.gent");
	CU_ASSERT_EQUAL(gh_db_write_end(&db, st, GH_DB_CHANGED), GH_OK);
	CU_ASSERT_EQUAL(db.intx, 0);
	CU_ASSERT_EQUAL(count(&db), 1);

	/* A repeat breaks UNIQUE; a delete of nothing changes no row. */
	CU_ASSERT_FATAL((st = gh_db_write_prep(&db, STMT_INSERT, &err)) !=
	    NULL);
	gh_stmt_bind_text(st, 1, "w.gent");
	CU_ASSERT_EQUAL(gh_db_write_end(&db, st, 0), GH_ECONFLICT);
	CU_ASSERT_EQUAL(db.intx, 0);
	CU_ASSERT_FATAL((st = gh_db_write_prep(&db, STMT_DELETE, &err)) !=
	    NULL);
	gh_stmt_bind_text(st, 1, "none.gent");
	CU_ASSERT_EQUAL(gh_db_write_end(&db, st, GH_DB_CHANGED),
	    GH_ENOTFOUND);
	CU_ASSERT_FATAL((st = gh_db_write_prep(&db, STMT_DELETE, &err)) !=
	    NULL);
	gh_stmt_bind_text(st, 1, "none.gent");
	CU_ASSERT_EQUAL(gh_db_write_end(&db, st, 0), GH_OK);

	/* A statement that does not prepare: nothing begun. */
	CU_ASSERT_PTR_NULL(gh_db_write_prep(&db, STMT_BAD, &err));
	CU_ASSERT_EQUAL(err, GH_EDB);
	CU_ASSERT_EQUAL(db.intx, 0);
	CU_ASSERT_EQUAL(count(&db), 1);
	CU_ASSERT_EQUAL(gh_db_begin(&db), GH_OK);	/* lock released */
	gh_db_rollback(&db);
	gh_db_close(&db);
}

/* A COMMIT that fails is rolled back and lets go of the lock. */
static void
test_commit_fails(void)
{
	struct gh_db	 db;
	char		 path[PATH_MAX];

	open_migrated(&db, path, sizeof(path));
	CU_ASSERT_EQUAL_FATAL(gh_db_begin(&db), GH_OK);
	CU_ASSERT_EQUAL(gh_db_exec(&db, "PRAGMA defer_foreign_keys = ON"),
	    GH_OK);
	/* No client 99: the deferred foreign key fails at COMMIT. */
	CU_ASSERT_EQUAL(gh_db_exec(&db, "INSERT INTO site_order (domain, "
	    "client_id, callback, secret_mac, secret, created, updated) "
	    "VALUES ('x.gent', 99, 'https://c', x'00', x'00', 0, 0)"), GH_OK);
	CU_ASSERT_EQUAL(gh_db_commit(&db), GH_EDB);
	CU_ASSERT_EQUAL(db.intx, 0);
	CU_ASSERT(sqlite3_get_autocommit(db.h) != 0);
	CU_ASSERT_EQUAL(query_int(db.h, "SELECT count(*) FROM site_order"), 0);
	CU_ASSERT_EQUAL(gh_db_begin(&db), GH_OK);
	gh_db_rollback(&db);
	gh_db_close(&db);
}

/*
 * BEGIN IMMEDIATE that times out (a writer that bypasses our lock holds
 * SQLite's) is GH_EBUSY and leaves our lock free.
 */
static void
test_begin_busy(void)
{
	struct gh_db	 db;
	sqlite3		*raw = NULL;
	char		 path[PATH_MAX], lock[PATH_MAX + 8];
	int		 fd;

	open_migrated(&db, path, sizeof(path));
	CU_ASSERT_FATAL(sqlite3_open(path, &raw) == SQLITE_OK);
	CU_ASSERT_FATAL(sqlite3_exec(raw, "BEGIN IMMEDIATE", NULL, NULL,
	    NULL) == SQLITE_OK);
	sqlite3_busy_timeout(db.h, 50);
	CU_ASSERT_EQUAL(gh_db_begin(&db), GH_EBUSY);
	CU_ASSERT_EQUAL(db.intx, 0);
	snprintf(lock, sizeof(lock), "%s.lock", path);
	CU_ASSERT_FATAL((fd = open(lock, O_RDWR)) != -1);
	CU_ASSERT_EQUAL(flock(fd, LOCK_EX | LOCK_NB), 0);
	close(fd);
	sqlite3_exec(raw, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(raw);
	CU_ASSERT_EQUAL(gh_db_begin(&db), GH_OK);
	CU_ASSERT_EQUAL(gh_db_commit(&db), GH_OK);
	gh_db_close(&db);
}

/*
 * A writer that holds our lock and hangs costs the next one a GH_EBUSY
 * after busy_ms, never an endless wait.
 */
static void
test_lock_timeout(void)
{
	struct gh_db	db;
	char		path[PATH_MAX], lock[PATH_MAX + 8];
	int		fd;
	long long	t0;

	open_migrated(&db, path, sizeof(path));
	snprintf(lock, sizeof(lock), "%s.lock", path);
	CU_ASSERT_FATAL((fd = open(lock, O_RDWR | O_CREAT, 0600)) != -1);
	CU_ASSERT_FATAL(flock(fd, LOCK_EX) == 0);	/* the hung writer */
	db.busy_ms = 200;
	t0 = gh_now_us();
	CU_ASSERT_EQUAL(gh_db_begin(&db), GH_EBUSY);
	CU_ASSERT(gh_now_us() - t0 >= 150 * 1000);
	CU_ASSERT_EQUAL(db.intx, 0);
	close(fd);				/* it lets go */
	CU_ASSERT_EQUAL(gh_db_begin(&db), GH_OK);
	CU_ASSERT_EQUAL(gh_db_commit(&db), GH_OK);
	gh_db_close(&db);
}

/*
 * Writers queue on the lock: a second process's gh_db_begin() waits while
 * we hold a transaction, and gets in once we commit.  Its busy timeout is
 * cut to 10 ms, so had it reached BEGIN IMMEDIATE while we held SQLite's
 * write lock, it would have failed with SQLITE_BUSY instead.  The child is
 * forked before this process opens the database: an SQLite connection must
 * not cross a fork().
 */
static void
test_writers_queue(void)
{
	struct gh_db	 db, cdb;
	char		 path[PATH_MAX], c = 'x';
	pid_t		 pid;
	int		 go[2], status, rc;

	open_migrated(&db, path, sizeof(path));
	gh_db_close(&db);
	CU_ASSERT_FATAL(pipe(go) == 0);
	fflush(NULL);
	CU_ASSERT_FATAL((pid = fork()) != -1);
	if (pid == 0) {
		/* Exit status: 0 ok, 1 open, 2 begin, 3 insert, 4 commit. */
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(5);
		if (open_db(&cdb, &factory_schema, 0) != GH_OK)
			_exit(1);
		sqlite3_busy_timeout(cdb.h, 10);
		if (gh_db_begin(&cdb) != GH_OK)
			_exit(2);
		if (insert(&cdb, "second.gent") != GH_DB_DONE)
			_exit(3);
		if (gh_db_commit(&cdb) != GH_OK)
			_exit(4);
		_exit(0);
	}
	close(go[0]);
	CU_ASSERT_EQUAL_FATAL(open_db(&db, &factory_schema, 0), GH_OK);
	CU_ASSERT_EQUAL_FATAL(gh_db_begin(&db), GH_OK);
	CU_ASSERT_EQUAL(insert(&db, "first.gent"), GH_DB_DONE);
	CU_ASSERT_EQUAL(write(go[1], &c, 1), 1);
	close(go[1]);
	usleep(300000);
	CU_ASSERT_EQUAL(waitpid(pid, &status, WNOHANG), 0);  /* queued */
	CU_ASSERT_EQUAL(gh_db_commit(&db), GH_OK);
	CU_ASSERT_EQUAL_FATAL(waitpid(pid, &status, 0), pid);
	rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_EQUAL(count(&db), 2);
	gh_db_close(&db);
}

/*
 * Both waits of a writer share one busy timeout.  A writer that bypasses
 * our lock (raw, here) holds SQLite's; a child process takes our lock and
 * waits in BEGIN IMMEDIATE; half a timeout later we queue behind it on our
 * lock.  When the child gives up after its busy_ms, we get our lock and
 * must give up too within what is left of ours: we used to wait for a
 * whole busy_ms again in SQLite's busy handler, 1.5 times busy_ms in all
 * here (up to twice it: the load tests' write sent 1.5 s after another
 * took 8.6 s for a 5 s timeout).
 */
static void
test_busy_one_budget(void)
{
	struct gh_db	 db, cdb;
	sqlite3		*raw = NULL;
	char		 path[PATH_MAX], lock[PATH_MAX + 8], c = 'x';
	const int	 busy = 1000;
	long long	 t0, took;
	pid_t		 pid;
	int		 go[2], status, rc, fd, i;

	open_migrated(&db, path, sizeof(path));
	gh_db_close(&db);
	CU_ASSERT_FATAL(pipe(go) == 0);
	fflush(NULL);
	CU_ASSERT_FATAL((pid = fork()) != -1);
	if (pid == 0) {
		/* Exit status: 0 GH_EBUSY as it should, 1 open, 2 anything else. */
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(5);
		if (open_db(&cdb, &factory_schema, 0) != GH_OK)
			_exit(1);
		cdb.busy_ms = busy;
		sqlite3_busy_timeout(cdb.h, busy);
		_exit(gh_db_begin(&cdb) == GH_EBUSY ? 0 : 2);
	}
	close(go[0]);
	CU_ASSERT_FATAL(sqlite3_open(path, &raw) == SQLITE_OK);
	CU_ASSERT_FATAL(sqlite3_exec(raw, "BEGIN IMMEDIATE", NULL, NULL,
	    NULL) == SQLITE_OK);
	CU_ASSERT_EQUAL_FATAL(open_db(&db, &factory_schema, 0), GH_OK);
	db.busy_ms = busy;
	sqlite3_busy_timeout(db.h, busy);
	CU_ASSERT_EQUAL(write(go[1], &c, 1), 1);
	close(go[1]);

	/* Until the child holds our lock (at most 2 s). */
	snprintf(lock, sizeof(lock), "%s.lock", path);
	CU_ASSERT_FATAL((fd = open(lock, O_RDWR | O_CREAT, 0600)) != -1);
	for (i = 0; i < 400; i++) {
		if (flock(fd, LOCK_EX | LOCK_NB) == -1 && errno == EWOULDBLOCK)
			break;
		flock(fd, LOCK_UN);
		usleep(5000);
	}
	close(fd);
	CU_ASSERT_FATAL(i < 400);
	usleep(busy / 2 * 1000);

	t0 = gh_now_us();
	CU_ASSERT_EQUAL(gh_db_begin(&db), GH_EBUSY);
	took = (gh_now_us() - t0) / 1000;
	/* busy in all now (half on our lock, half in BEGIN); 1.5 busy before. */
	CU_ASSERT(took < busy + busy / 4);
	if (took >= busy + busy / 4)
		fprintf(stderr, "%s: %lld ms, half a busy timeout of %d ms "
		    "after the writer ahead\n", __func__, took, busy);
	CU_ASSERT_EQUAL(db.intx, 0);
	CU_ASSERT_EQUAL_FATAL(waitpid(pid, &status, 0), pid);
	rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	CU_ASSERT_EQUAL(rc, 0);

	/* The connection has its whole busy timeout again. */
	CU_ASSERT_EQUAL(query_int(db.h, "PRAGMA busy_timeout"), busy);
	sqlite3_exec(raw, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(raw);
	CU_ASSERT_EQUAL(gh_db_begin(&db), GH_OK);
	CU_ASSERT_EQUAL(gh_db_commit(&db), GH_OK);
	gh_db_close(&db);
}

/*
 * A writer for the queue tests, in a child forked before the parent opens
 * the database: on "1" from fd in, it opens it and writes once (which maps
 * the queue), says so on fd out ("r"), and on "2" writes n rows
 * ("<letter><i>.gent"), one transaction each, with a busy timeout of
 * busy_ms, saying its letter on fd out each time it has the lock.  Exit
 * status: 0 written, 2 not (GH_EBUSY and the like), 1 set-up.
 */
static pid_t
queue_writer(char letter, int n, int busy_ms, int in, int out)
{
	struct gh_db	db;
	char		c, domain[32];
	pid_t		pid;
	int		i;

	fflush(NULL);
	if ((pid = fork()) != 0)
		return pid;
	if (read(in, &c, 1) != 1 || open_db(&db, &factory_schema, 0) != GH_OK ||
	    gh_db_begin(&db) != GH_OK || gh_db_commit(&db) != GH_OK ||
	    write(out, "r", 1) != 1 || read(in, &c, 1) != 1)
		_exit(1);
	db.busy_ms = busy_ms;
	for (i = 0; i < n; i++) {
		snprintf(domain, sizeof(domain), "%c%d.gent", letter, i);
		if (gh_db_begin(&db) != GH_OK)
			_exit(2);
		/* Without waiting for the disk: straight back to the lock. */
		if (insert(&db, domain) != GH_DB_DONE ||
		    write(out, &letter, 1) != 1 ||
		    gh_db_commit_flags(&db, GH_DB_NOSYNC) != GH_OK)
			_exit(2);
	}
	_exit(0);
}

/* The exit status of child pid, or -1. */
static int
child_status(pid_t pid)
{
	int	status;

	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/*
 * The queue tests' set-up: the writers (letters[i], n[i] rows, busy[i]
 * ms) forked, their first writes done, then ours twice: the second is
 * left open, holding the lock.  Then each is told to write, 50 ms apart,
 * so that each queues behind the one before.  pid[] and the pipes are
 * filled in; fd out[0] reads their letters.
 */
static void
queue_setup(struct gh_db *db, size_t nw, const char *letters, const int *n,
    const int *busy, pid_t *pid, int in[][2], int out[2])
{
	char	path[PATH_MAX], c;
	size_t	i;

	open_migrated(db, path, sizeof(path));
	gh_db_close(db);
	CU_ASSERT_FATAL(pipe(out) == 0);
	for (i = 0; i < nw; i++) {
		CU_ASSERT_FATAL(pipe(in[i]) == 0);
		pid[i] = queue_writer(letters[i], n[i], busy[i], in[i][0],
		    out[1]);
		CU_ASSERT_FATAL(pid[i] != -1);
	}
	CU_ASSERT_EQUAL_FATAL(open_db(db, &factory_schema, 0), GH_OK);
	for (i = 0; i < nw; i++) {
		CU_ASSERT(write(in[i][1], "1", 1) == 1);
		CU_ASSERT(read(out[0], &c, 1) == 1);
	}
	CU_ASSERT_EQUAL(gh_db_begin(db), GH_OK);
	CU_ASSERT_EQUAL(gh_db_commit(db), GH_OK);
	CU_ASSERT_EQUAL_FATAL(gh_db_begin(db), GH_OK);
	for (i = 0; i < nw; i++) {
		CU_ASSERT(write(in[i][1], "2", 1) == 1);
		usleep(50 * 1000);
	}
}

/*
 * Writers get the lock in the order they queued, and one that writes
 * again queues again at the end: x, queued first, writes five rows in a
 * row, a, b and c one each.  flock() alone let x take the lock back each
 * time it let go, before the waiter the kernel had woken ran: "xxxxxabc".
 */
static void
test_queue_order(void)
{
	struct gh_db	 db;
	const int	 n[] = { 5, 1, 1, 1 }, busy[] = { 5000, 5000, 5000, 5000 };
	char		 order[9] = "";
	pid_t		 pid[4];
	int		 in[4][2], out[2];
	size_t		 i;

	queue_setup(&db, 4, "xabc", n, busy, pid, in, out);
	CU_ASSERT_EQUAL(gh_db_commit(&db), GH_OK);
	for (i = 0; i < 4; i++) {
		CU_ASSERT_EQUAL(child_status(pid[i]), 0);
		close(in[i][0]);
		close(in[i][1]);
	}
	close(out[1]);
	CU_ASSERT(read(out[0], order, 8) == 8);
	close(out[0]);
	CU_ASSERT_STRING_EQUAL(order, "xabcxxxx");
	CU_ASSERT_EQUAL(count(&db), 8);
	gh_db_close(&db);
}

/*
 * A writer that gives up in the queue (its busy timeout), and one killed
 * there, leave turns nobody takes: the writer behind them skips both and
 * gets in well within its own busy timeout.  The quitter, queued first,
 * lets the turns before its own go as it leaves; the dead one's turn is
 * then skipped by the one behind it.
 */
static void
test_queue_dead(void)
{
	struct gh_db	 db;
	const int	 n[] = { 1, 1, 1 }, busy[] = { 100, 5000, 3000 };
	char		 c;
	pid_t		 pid[3];
	int		 in[3][2], out[2], i;
	long long	 t0, took;

	queue_setup(&db, 3, "qdn", n, busy, pid, in, out);
	kill(pid[1], SIGKILL);
	CU_ASSERT_EQUAL(child_status(pid[1]), -1);
	CU_ASSERT_EQUAL(child_status(pid[0]), 2);	/* gave up */
	t0 = gh_now_us();
	CU_ASSERT_EQUAL(gh_db_commit(&db), GH_OK);
	CU_ASSERT_EQUAL(child_status(pid[2]), 0);
	took = (gh_now_us() - t0) / 1000;
	CU_ASSERT(took < 1000);
	if (took >= 1000)
		fprintf(stderr, "%s: the writer behind took %lld ms\n",
		    __func__, took);
	for (i = 0; i < 3; i++) {
		close(in[i][0]);
		close(in[i][1]);
	}
	close(out[1]);
	CU_ASSERT(read(out[0], &c, 1) == 1 && c == 'n');
	close(out[0]);
	CU_ASSERT_EQUAL(count(&db), 1);
	gh_db_close(&db);
}

/*
 * Under a stream of readers, PASSIVE checkpoints alone never let the WAL
 * start over (each commit finds a reader's older snapshot in it), and it
 * grew by a frame a commit.  Past GH_DB_RESTART_FRAMES a checkpoint
 * restarts it: the WAL stays within about one checkpoint of that mark.
 */
static void
test_checkpoint_readers(void)
{
	struct gh_db	 db;
	sqlite3		*h;
	char		 path[PATH_MAX];
	int		 most, restarts, stop[2];
	pid_t		 pid;

	open_migrated(&db, path, sizeof(path));
	CU_ASSERT_FATAL(pipe(stop) == 0);
	CU_ASSERT_FATAL((pid = fork()) != -1);
	if (pid == 0) {
		/* A reader in a loop, each snapshot held 200 us, until EOF. */
		struct pollfd	pfd = { .fd = stop[0], .events = POLLIN };

		close(stop[1]);
		if (sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL) !=
		    SQLITE_OK)
			_exit(1);
		sqlite3_busy_timeout(h, 5000);
		while (poll(&pfd, 1, 0) == 0) {
			if (sqlite3_exec(h, "BEGIN; SELECT count(*) FROM "
			    "taken_domain", NULL, NULL, NULL) != SQLITE_OK)
				_exit(2);
			usleep(200);
			sqlite3_exec(h, "COMMIT", NULL, NULL, NULL);
		}
		sqlite3_close(h);
		_exit(0);
	}
	close(stop[0]);
	commit_rows(&db, 3 * GH_DB_RESTART_FRAMES, 'r', &most, &restarts);
	close(stop[1]);
	CU_ASSERT_EQUAL(child_status(pid), 0);
	CU_ASSERT(restarts >= 1);
	CU_ASSERT(most < GH_DB_RESTART_FRAMES + 2 * GH_DB_CHECKPOINT_FRAMES);
	if (restarts < 1 || most >= GH_DB_RESTART_FRAMES +
	    2 * GH_DB_CHECKPOINT_FRAMES)
		fprintf(stderr, "%s: the WAL reached %d frames, %d restarts\n",
		    __func__, most, restarts);
	CU_ASSERT_EQUAL(count(&db), 3 * GH_DB_RESTART_FRAMES);
	gh_db_close(&db);
}

static const struct tcase tests[] = {
	TCASE(test_open_create),
	TCASE(test_open_missing),
	TCASE(test_migrate),
	TCASE(test_too_new),
	TCASE(test_migrate_failure),
	TCASE(test_stmt_cache),
	TCASE(test_reset),
	TCASE(test_text),
	TCASE(test_err_map),
	TCASE(test_transactions),
	TCASE(test_shared_sync),
	TCASE(test_commit_fails),
	TCASE(test_checkpoint),
	TCASE(test_checkpoint_readers),
	TCASE(test_write_one),
	TCASE(test_begin_busy),
	TCASE(test_writers_queue),
	TCASE(test_lock_timeout),
	TCASE(test_busy_one_budget),
	TCASE(test_queue_order),
	TCASE(test_queue_dead),
};
TMAIN("db", tests)
