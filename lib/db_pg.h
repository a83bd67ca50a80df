/* SPDX-License-Identifier: ISC */
/*
 * db_pg: the PostgreSQL backend of db.h, and the statement handle both
 * backends share.  Internal to lib/db*.c: stores include db.h only.
 */
#ifndef GH_DB_PG_H
#define GH_DB_PG_H

#include <stddef.h>
#include <sqlite3.h>

#include "db.h"

#define GH_STMT_COLS	32	/* most columns whose bytea we decode */

struct gh_stmt {
	struct gh_db	*db;		/* borrowed: the owner */
	size_t		 id;
	int		 binderr;	/* a bind failed: the next step is HARD */
	long long	 changes;
	/* SQLite */
	sqlite3_stmt	*lite;		/* owned; NULL until first use */
	/* PostgreSQL */
	unsigned	 gen;		/* connection it was prepared on; 0 never */
	int		 nparam;	/* the statement's $n, from the server */
	char		*val[GH_STMT_PARAMS];	/* owned, or num[i]; NULL: NULL */
	int		 len[GH_STMT_PARAMS];
	int		 fmt[GH_STMT_PARAMS];	/* 1: binary (bytea) */
	char		 num[GH_STMT_PARAMS][24];
	void		*res;		/* owned PGresult */
	int		 row;		/* current row; -1 before the first */
	unsigned char	*bytea[GH_STMT_COLS];	/* owned, decoded columns */
};

/* The SQL of statement id on db's backend; NULL if none. */
const char	*gh_db_sql(const struct gh_db *db, size_t id);

/*
 * Connect db (zeroed but for what db.c set) to uri, which gh_db_uri_check()
 * has passed (and so loaded libpq); passfile may be NULL.
 */
enum gh_err	 pg_open(struct gh_db *db, const char *uri, const char *passfile,
		    const char *service, unsigned flags);
void		 pg_close(struct gh_db *db);
/*
 * 1 when pg_open() left db unconnected (GH_DB_LAZY): then the schema
 * version want is checked when the first use connects.
 */
int		 pg_pending(struct gh_db *db, int want);
enum gh_err	 pg_exec(struct gh_db *db, const char *sql);
/* COMMIT: GH_DB_DONE, or the outcome (GH_DB_UNCERTAIN on a lost connection). */
enum gh_db_rc	 pg_commit(struct gh_db *db, unsigned flags);
void		 pg_rollback(struct gh_db *db);
enum gh_db_rc	 pg_step(struct gh_stmt *st);
void		 pg_stmt_clear(struct gh_stmt *st);
enum gh_err	 pg_bind(struct gh_stmt *st, int n, const void *p, size_t len,
		    int fmt);
int		 pg_null(struct gh_stmt *st, int col);
const char	*pg_text(struct gh_stmt *st, int col, size_t *len);
const void	*pg_blob(struct gh_stmt *st, int col, size_t *len);
/* gh_db_notify() and its friends on PostgreSQL; channel checked by db.c. */
enum gh_err	 pg_notify(struct gh_db *db, const char *channel);
enum gh_err	 pg_listen(struct gh_db *db, const char *channel);
int		 pg_listen_fd(struct gh_db *db);
int		 pg_notified(struct gh_db *db);
/* The schema version (0: none yet); lock: serialise migrations first. */
enum gh_err	 pg_version_get(struct gh_db *db, int lock, int *v);
enum gh_err	 pg_version_set(struct gh_db *db, int v);

#endif
