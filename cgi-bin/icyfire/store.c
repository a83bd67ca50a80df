/* SPDX-License-Identifier: ISC */
/*
 * store: all SQL of icyfire, as one table of statements prepared once per
 * process.  Tokens go in as SHA-256, credentials as Fernet tokens; nothing
 * here logs a parameter value.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "auth.h"
#include "icyfire.h"
#include "log.h"

enum stmt {
	STMT_TOKEN_GET,
	STMT_TOKEN_SET,
	STMT_SERVER_ADD,
	STMT_SLOTS_ADD,
	STMT_SLOT_GET,
	STMT_SLOT_CLAIM,
	STMT_DOMAIN_ADD,
	STMT_CRED_SET,
	STMT_CRED_GET,
	STMT_POST_OLDEST,
	STMT_POST_BY_ID,
	STMT_POST_DELETE_OLDEST,
	STMT_POST_DELETE_ID,
	STMT_POST_ADD,
	STMT_POST_LIST,
	STMT__MAX
};

/* The incident log's statements, in icyfire_log.db. */
enum log_stmt {
	STMT_INCIDENT_ADD,
	STMT_INCIDENT_FAILURES,
	STMT_Q_SENTRY_ID,
	STMT_Q_TIMESTAMP,
	STMT_Q_IP,
	STMT_Q_USER,
	STMT_Q_DOMAIN,
	STMT_Q_ENDPOINT,
	STMT_Q_PREFIX,
	STMT_Q_STATUS,
	STMT_Q_FLAG,
	STMT_Q_NOFLAG,
	STMT_INCIDENT_PRUNE,
	LOG_STMT__MAX
};

/* The _rs arguments, in the order of STMT_Q_*. */
const char *const icy_query_args[] = {
	"sentry_id", "timestamp", "ip_address", "user_id", "domain_id",
	"endpoint", "endpoint_prefix", "status_code", "flag", NULL
};

#define INCIDENT_COLS							\
	"SELECT id, timestamp, ip_address, user_id, domain_id, endpoint, " \
	"status_code, status_message, flag FROM incident WHERE "
/* Newest first, a page at a time: ?2 before_id (0: any), ?3 limit. */
#define INCIDENT_PAGE	" AND (?2 = 0 OR id < ?2) ORDER BY id DESC LIMIT ?3"
#define POST_COLS	"SELECT id, type, body, link, media_url FROM post "

static const char *const stmts[STMT__MAX] = {
	[STMT_TOKEN_GET] = "SELECT name, hash FROM api_token",
	[STMT_TOKEN_SET] =
	    "INSERT INTO api_token (name, hash, updated) VALUES (?1, ?2, ?3) "
	    "ON CONFLICT (name) DO UPDATE SET hash = ?2, updated = ?3",
	[STMT_SERVER_ADD] =
	    "INSERT INTO server (id, created) VALUES (?1, ?2)",
	[STMT_SLOTS_ADD] =
	    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
	    "WHERE i < 10080) INSERT INTO timeslot (id, server_id) "
	    "SELECT (?1 - 1) * 10080 + i, ?1 FROM n",
	[STMT_SLOT_GET] =
	    "SELECT server_id, domain_id, credential_id FROM timeslot "
	    "WHERE id = ?1",
	[STMT_SLOT_CLAIM] =
	    "UPDATE timeslot SET domain_id = c.domain_id, credential_id = c.id "
	    "FROM (SELECT credential.id, domain_id FROM credential "
	    "JOIN domain ON domain.id = domain_id "
	    "WHERE domain.name = ?2 AND platform = ?3) AS c "
	    "WHERE timeslot.id = ?1",
	[STMT_DOMAIN_ADD] =
	    "INSERT INTO domain (name, created) VALUES (?1, ?2)",
	[STMT_CRED_SET] =
	    "INSERT INTO credential (domain_id, platform, fields, updated) "
	    "SELECT id, ?2, ?3, ?4 FROM domain WHERE name = ?1 "
	    "ON CONFLICT (domain_id, platform) DO UPDATE SET fields = ?3, "
	    "updated = ?4",
	[STMT_CRED_GET] =
	    "SELECT platform, fields FROM credential WHERE id = ?1",
	[STMT_POST_OLDEST] =
	    POST_COLS "WHERE credential_id = ?1 ORDER BY id LIMIT 1",
	[STMT_POST_BY_ID] =
	    POST_COLS "WHERE credential_id = ?1 AND id = ?2",
	[STMT_POST_DELETE_OLDEST] =
	    "DELETE FROM post WHERE id = (SELECT id FROM post "
	    "WHERE credential_id = ?1 ORDER BY id LIMIT 1)",
	[STMT_POST_DELETE_ID] =
	    "DELETE FROM post WHERE credential_id = ?1 AND id = ?2",
	[STMT_POST_ADD] =
	    "INSERT INTO post (credential_id, type, body, link, media_url, "
	    "created) SELECT credential.id, ?3, ?4, ?5, ?6, ?7 FROM credential "
	    "JOIN domain ON domain.id = domain_id "
	    "WHERE domain.name = ?1 AND platform = ?2",
	[STMT_POST_LIST] =
	    "SELECT post.id, type, body, link, media_url, platform FROM post "
	    "JOIN credential ON credential.id = credential_id "
	    "JOIN domain ON domain.id = domain_id WHERE domain.name = ?1 "
	    "ORDER BY platform, post.id",
};

static const char *const log_stmts[LOG_STMT__MAX] = {
	/*
	 * No RETURNING: SQLite builds a temporary b-tree for it, some 150 KB
	 * of allocations per row.  The flag is worked out before the insert
	 * (incident_add()), the id comes from sqlite3_last_insert_rowid().
	 */
	[STMT_INCIDENT_ADD] =
	    "INSERT INTO incident (timestamp, ip_address, user_id, domain_id, "
	    "endpoint, status_code, status_message, flag) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	/* Failures of address ?1 since ?2, counted up to ?3 (partial index). */
	[STMT_INCIDENT_FAILURES] =
	    "SELECT count(*) FROM (SELECT 1 FROM incident "
	    "WHERE ip_address = ?1 AND timestamp > ?2 AND status_code >= 400 "
	    "LIMIT ?3)",
	[STMT_Q_SENTRY_ID] = INCIDENT_COLS "id = ?1" INCIDENT_PAGE,
	[STMT_Q_TIMESTAMP] = INCIDENT_COLS "timestamp >= ?1" INCIDENT_PAGE,
	[STMT_Q_IP] = INCIDENT_COLS "ip_address = ?1" INCIDENT_PAGE,
	[STMT_Q_USER] = INCIDENT_COLS "user_id = ?1" INCIDENT_PAGE,
	[STMT_Q_DOMAIN] = INCIDENT_COLS "domain_id = ?1" INCIDENT_PAGE,
	[STMT_Q_ENDPOINT] = INCIDENT_COLS "endpoint = ?1" INCIDENT_PAGE,
	[STMT_Q_PREFIX] = INCIDENT_COLS
	    "substr(endpoint, 1, length(?1) + 1) = ?1 || '.'" INCIDENT_PAGE,
	[STMT_Q_STATUS] = INCIDENT_COLS "status_code = ?1" INCIDENT_PAGE,
	/* Literal flags, so that "flag = 1" can use incident_flagged. */
	[STMT_Q_FLAG] = INCIDENT_COLS "flag = 1" INCIDENT_PAGE,
	[STMT_Q_NOFLAG] = INCIDENT_COLS "flag = 0" INCIDENT_PAGE,
	[STMT_INCIDENT_PRUNE] = "DELETE FROM incident WHERE timestamp < ?1",
};

/*
 * Two databases: the queue, and the incident log that every request
 * writes.  Apart, a request's incident does not make the other processes
 * drop their cached pages of the queue (SQLite's WAL mode discards a
 * connection's cache whenever another one has written to its file).
 */
enum gh_err
icyfire_store_open(struct icyfire *f, unsigned flags)
{
	const char	*dir = gh_conf_state_dir(&f->conf);
	enum gh_err	 err;

	if ((err = gh_db_open_service(&f->db, dir, &icyfire_schema, flags,
	    stmts, STMT__MAX)) != GH_OK)
		return err;
	if ((err = gh_db_open_service(&f->log, dir, &icyfire_log_schema, flags,
	    log_stmts, LOG_STMT__MAX)) != GH_OK)
		gh_db_close(&f->db);
	return err;
}

void
icyfire_store_close(struct icyfire *f)
{
	gh_db_close(&f->log);
	gh_db_close(&f->db);
}

/*
 * The stored hashes, read at most once per GH_AUTH_CACHE_US and process:
 * the policy of every service's token cache (auth.h).
 */
static enum gh_err
tokens_load(struct icyfire *f)
{
	const char	*name;
	sqlite3_stmt	*st;
	long long	 now = gh_now_us();
	int		 rc, i;

	if (now < f->tok_until_us)
		return GH_OK;
	if ((st = gh_db_stmt(&f->db, STMT_TOKEN_GET)) == NULL)
		return GH_EDB;
	f->tok_set = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		name = (const char *)sqlite3_column_text(st, 0);
		if (name == NULL || sqlite3_column_bytes(st, 1) !=
		    GH_SHA256_LEN)
			continue;
		for (i = 0; i < ICY_TOKEN__MAX; i++)
			if (strcmp(name, icy_token_names[i]) == 0) {
				memcpy(f->tok_hash[i],
				    sqlite3_column_blob(st, 1), GH_SHA256_LEN);
				f->tok_set |= 1u << i;
			}
	}
	gh_db_reset(st);
	if (rc != SQLITE_DONE)
		return gh_db_err(rc);
	f->tok_until_us = now + GH_AUTH_CACHE_US;
	return GH_OK;
}

/*
 * Both presented tokens against the stored hashes, in constant time; an
 * unset token matches nothing.  A change by gatectl applies within a
 * second (tokens_load()).
 */
enum gh_err
icyfire_store_tokens_check(struct icyfire *f, enum icy_token a, const char *ta,
    size_t la, enum icy_token b, const char *tb, size_t lb, int *ok)
{
	unsigned char	 ha[GH_SHA256_LEN], hb[GH_SHA256_LEN];
	enum gh_err	 err;
	int		 ma, mb;

	if ((err = tokens_load(f)) != GH_OK)
		return err;
	gh_sha256(ta, la, ha);
	gh_sha256(tb, lb, hb);
	ma = gh_ct_eq(f->tok_hash[a], ha, GH_SHA256_LEN) &
	    (int)((f->tok_set >> a) & 1);
	mb = gh_ct_eq(f->tok_hash[b], hb, GH_SHA256_LEN) &
	    (int)((f->tok_set >> b) & 1);
	OPENSSL_cleanse(ha, sizeof(ha));
	OPENSSL_cleanse(hb, sizeof(hb));
	*ok = ma & mb;
	return GH_OK;
}

enum gh_err
icyfire_store_token_set(struct icyfire *f, enum icy_token t, const char *tok,
    size_t len)
{
	unsigned char	 h[GH_SHA256_LEN];
	sqlite3_stmt	*st;
	enum gh_err	 err;

	gh_sha256(tok, len, h);
	if ((st = gh_db_write_stmt(&f->db, STMT_TOKEN_SET, &err)) == NULL)
		return err;
	sqlite3_bind_text(st, 1, icy_token_names[t], -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, h, sizeof(h), SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, gh_now());
	return gh_db_write_done(&f->db, st, 0);
}

/* A server and its 10,080 slots, in one transaction. */
enum gh_err
icyfire_store_server_add(struct icyfire *f, long long id)
{
	sqlite3_stmt	*st;
	enum gh_err	 err;

	if ((err = gh_db_begin(&f->db)) != GH_OK)
		return err;
	if ((st = gh_db_stmt(&f->db, STMT_SERVER_ADD)) == NULL) {
		err = GH_EDB;
		goto fail;
	}
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, gh_now());
	if ((err = gh_db_step_done(&f->db, st)) != GH_OK)
		goto fail;
	if ((st = gh_db_stmt(&f->db, STMT_SLOTS_ADD)) == NULL) {
		err = GH_EDB;
		goto fail;
	}
	sqlite3_bind_int64(st, 1, id);
	if ((err = gh_db_step_done(&f->db, st)) != GH_OK)
		goto fail;
	return gh_db_commit(&f->db);
fail:
	gh_db_rollback(&f->db);
	return err;
}

enum gh_err
icyfire_store_slot_get(struct icyfire *f, long long slot, struct icy_slot *out)
{
	sqlite3_stmt	*st;
	enum gh_err	 err;

	if ((st = gh_db_stmt(&f->db, STMT_SLOT_GET)) == NULL)
		return GH_EDB;
	sqlite3_bind_int64(st, 1, slot);
	if ((err = gh_db_step_row(&f->db, st)) == GH_OK) {
		out->server_id = sqlite3_column_int64(st, 0);
		out->domain_id = sqlite3_column_int64(st, 1);
		out->credential_id = sqlite3_column_int64(st, 2);
	}
	gh_db_reset(st);
	return err;
}

enum gh_err
icyfire_store_slot_claim(struct icyfire *f, long long slot, const char *domain,
    const char *platform)
{
	sqlite3_stmt	*st;
	enum gh_err	 err;

	if ((st = gh_db_write_stmt(&f->db, STMT_SLOT_CLAIM, &err)) == NULL)
		return err;
	sqlite3_bind_int64(st, 1, slot);
	sqlite3_bind_text(st, 2, domain, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, platform, -1, SQLITE_STATIC);
	return gh_db_write_done(&f->db, st, GH_DB_CHANGED);
}

enum gh_err
icyfire_store_domain_add(struct icyfire *f, const char *name)
{
	sqlite3_stmt	*st;
	enum gh_err	 err;

	if ((st = gh_db_write_stmt(&f->db, STMT_DOMAIN_ADD, &err)) == NULL)
		return err;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, gh_now());
	return gh_db_write_done(&f->db, st, 0);
}

enum gh_err
icyfire_store_credential_set(struct icyfire *f, const char *domain,
    const char *platform, const char *fields)
{
	sqlite3_stmt	*st;
	enum gh_err	 err;

	if ((st = gh_db_write_stmt(&f->db, STMT_CRED_SET, &err)) == NULL)
		return err;
	sqlite3_bind_text(st, 1, domain, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, platform, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, fields, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, gh_now());
	return gh_db_write_done(&f->db, st, GH_DB_CHANGED);
}

enum gh_err
icyfire_store_credential_get(struct icyfire *f, long long id, char *platform,
    size_t psz, struct gh_buf *fields)
{
	sqlite3_stmt	*st;
	enum gh_err	 err;

	if ((st = gh_db_stmt(&f->db, STMT_CRED_GET)) == NULL)
		return GH_EDB;
	sqlite3_bind_int64(st, 1, id);
	if ((err = gh_db_step_row(&f->db, st)) == GH_OK &&
	    (err = gh_db_text(st, 0, platform, psz)) == GH_OK)
		err = gh_buf_add(fields, sqlite3_column_text(st, 1),
		    (size_t)sqlite3_column_bytes(st, 1));
	gh_db_reset(st);
	return err;
}

/* The post of the current row (POST_COLS), borrowed from st. */
static void
post_read(sqlite3_stmt *st, struct icy_post *p)
{
	p->id = sqlite3_column_int64(st, 0);
	gh_strlcpy(p->type, (const char *)sqlite3_column_text(st, 1),
	    sizeof(p->type));
	p->body = (const char *)sqlite3_column_text(st, 2);
	p->link = (const char *)sqlite3_column_text(st, 3);
	p->media_url = (const char *)sqlite3_column_text(st, 4);
}

enum gh_err
icyfire_store_post_head(struct icyfire *f, long long cred, long long post_id,
    void (*cb)(const struct icy_post *, void *), void *arg)
{
	struct icy_post	 p;
	sqlite3_stmt	*st;
	enum gh_err	 err;

	st = gh_db_stmt(&f->db, post_id ? STMT_POST_BY_ID : STMT_POST_OLDEST);
	if (st == NULL)
		return GH_EDB;
	sqlite3_bind_int64(st, 1, cred);
	if (post_id)
		sqlite3_bind_int64(st, 2, post_id);
	if ((err = gh_db_step_row(&f->db, st)) == GH_OK) {
		post_read(st, &p);
		cb(&p, arg);
	}
	gh_db_reset(st);
	return err;
}

enum gh_err
icyfire_store_post_delete(struct icyfire *f, long long cred, long long post_id)
{
	sqlite3_stmt	*st;
	enum gh_err	 err;

	if ((st = gh_db_write_stmt(&f->db, post_id ? STMT_POST_DELETE_ID :
	    STMT_POST_DELETE_OLDEST, &err)) == NULL)
		return err;
	sqlite3_bind_int64(st, 1, cred);
	if (post_id)
		sqlite3_bind_int64(st, 2, post_id);
	return gh_db_write_done(&f->db, st, GH_DB_CHANGED);
}

enum gh_err
icyfire_store_post_add(struct icyfire *f, const char *domain,
    const char *platform, const char *type, const char *body, const char *link,
    const char *media_url, long long *id)
{
	sqlite3_stmt	*st;
	enum gh_err	 err;

	if ((st = gh_db_write_stmt(&f->db, STMT_POST_ADD, &err)) == NULL)
		return err;
	sqlite3_bind_text(st, 1, domain, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, platform, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, type, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, body, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, link, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, media_url, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, gh_now());
	if ((err = gh_db_write_done(&f->db, st, GH_DB_CHANGED)) == GH_OK)
		*id = sqlite3_last_insert_rowid(f->db.h);
	return err;
}

enum gh_err
icyfire_store_post_list(struct icyfire *f, const char *domain,
    void (*cb)(const struct icy_post *, const char *, void *), void *arg)
{
	struct icy_post	 p;
	sqlite3_stmt	*st;
	int		 rc;

	if ((st = gh_db_stmt(&f->db, STMT_POST_LIST)) == NULL)
		return GH_EDB;
	sqlite3_bind_text(st, 1, domain, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		post_read(st, &p);
		cb(&p, (const char *)sqlite3_column_text(st, 5), arg);
	}
	gh_db_reset(st);
	return rc == SQLITE_DONE ? GH_OK : gh_db_err(rc);
}

/* Record in; in->id and in->flag get what the store decided. */
/*
 * A failure is flagged when it is the address's ICY_FLAG_FAILURES-th or
 * later within the hour: at most that many less one earlier ones are
 * counted.  Inside the write transaction, so two processes cannot both
 * count before either inserts.
 */
static enum gh_err
incident_flag(struct icyfire *f, struct icy_incident *in)
{
	sqlite3_stmt	*st;
	enum gh_err	 err;

	if (in->flag || in->status_code < 400)
		return GH_OK;
	if ((st = gh_db_stmt(&f->log, STMT_INCIDENT_FAILURES)) == NULL)
		return GH_EDB;
	sqlite3_bind_text(st, 1, in->ip_address, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, in->timestamp - 3600);
	sqlite3_bind_int(st, 3, ICY_FLAG_FAILURES - 1);
	if ((err = gh_db_step_row(&f->log, st)) == GH_OK)
		in->flag = sqlite3_column_int(st, 0) >= ICY_FLAG_FAILURES - 1;
	gh_db_reset(st);
	return err;
}

enum gh_err
icyfire_store_incident_add(struct icyfire *f, struct icy_incident *in)
{
	sqlite3_stmt	*st;
	enum gh_err	 err;

	if ((err = gh_db_begin(&f->log)) != GH_OK)
		return err;
	if ((err = incident_flag(f, in)) != GH_OK)
		goto fail;
	if ((st = gh_db_stmt(&f->log, STMT_INCIDENT_ADD)) == NULL) {
		err = GH_EDB;
		goto fail;
	}
	sqlite3_bind_int64(st, 1, in->timestamp);
	sqlite3_bind_text(st, 2, in->ip_address, -1, SQLITE_STATIC);
	if (in->user_id)
		sqlite3_bind_int64(st, 3, in->user_id);
	if (in->domain_id)
		sqlite3_bind_int64(st, 4, in->domain_id);
	sqlite3_bind_text(st, 5, in->endpoint, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 6, in->status_code);
	sqlite3_bind_text(st, 7, in->status_message, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 8, in->flag);
	if ((err = gh_db_step_done(&f->log, st)) != GH_OK)
		goto fail;
	in->id = sqlite3_last_insert_rowid(f->log.h);
	/* A record of what was answered, not a promise: no wait for the disk. */
	return gh_db_commit_flags(&f->log, GH_DB_NOSYNC);
fail:
	gh_db_rollback(&f->log);
	return err;
}

enum gh_err
icyfire_store_incident_query(struct icyfire *f, size_t arg, long long v,
    const char *s, long long before_id, long long limit,
    void (*cb)(const struct icy_incident *, void *), void *cbarg)
{
	struct icy_incident	 in;
	sqlite3_stmt		*st;
	size_t			 id;
	int			 rc, n = 0;

	if (arg > STMT_Q_FLAG - STMT_Q_SENTRY_ID)
		return GH_EINVAL;
	id = STMT_Q_SENTRY_ID + arg;
	if (id == STMT_Q_FLAG && v == 0)
		id = STMT_Q_NOFLAG;
	if ((st = gh_db_stmt(&f->log, id)) == NULL)
		return GH_EDB;
	if (s != NULL)
		sqlite3_bind_text(st, 1, s, -1, SQLITE_STATIC);
	else if (id != STMT_Q_FLAG && id != STMT_Q_NOFLAG)
		sqlite3_bind_int64(st, 1, v);
	sqlite3_bind_int64(st, 2, before_id);
	sqlite3_bind_int64(st, 3, limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&in, 0, sizeof(in));
		in.id = sqlite3_column_int64(st, 0);
		in.timestamp = sqlite3_column_int64(st, 1);
		gh_db_text(st, 2, in.ip_address, sizeof(in.ip_address));
		in.user_id = sqlite3_column_int64(st, 3);
		in.domain_id = sqlite3_column_int64(st, 4);
		gh_db_text(st, 5, in.endpoint, sizeof(in.endpoint));
		in.status_code = sqlite3_column_int(st, 6);
		gh_db_text(st, 7, in.status_message,
		    sizeof(in.status_message));
		in.flag = sqlite3_column_int(st, 8);
		cb(&in, cbarg);
		n++;
	}
	gh_db_reset(st);
	if (rc != SQLITE_DONE)
		return gh_db_err(rc);
	return n ? GH_OK : GH_ENOTFOUND;
}

enum gh_err
icyfire_store_incident_prune(struct icyfire *f, long long before, long long *n)
{
	sqlite3_stmt	*st;
	enum gh_err	 err;

	if ((err = gh_db_begin(&f->log)) != GH_OK)
		return err;
	if ((st = gh_db_stmt(&f->log, STMT_INCIDENT_PRUNE)) == NULL) {
		gh_db_rollback(&f->log);
		return GH_EDB;
	}
	sqlite3_bind_int64(st, 1, before);
	if ((err = gh_db_step_done(&f->log, st)) != GH_OK) {
		gh_db_rollback(&f->log);
		return err;
	}
	*n = sqlite3_changes64(f->log.h);
	return gh_db_commit(&f->log);
}
