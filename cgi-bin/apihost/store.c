/* SPDX-License-Identifier: ISC */
/*
 * store: all SQL of apihost, as one table of statements prepared once per
 * process.  Tokens and grain secrets go in as SHA-256; an offer page's
 * token is sealed with the service key.  Nothing here logs a parameter.
 */
#include <stdio.h>
#include <string.h>

#include "apihost.h"
#include "auth.h"
#include "log.h"

enum stmt {
	STMT_GRAIN_ADD,
	STMT_GRAIN_REMOVE,
	STMT_GRAIN_LIST,
	STMT_GRAIN_BY_SECRET,
	STMT_GRAIN_ID,
	STMT_TOKEN_ADD,
	STMT_TOKEN_BY_HASH,
	STMT_TOKEN_USED,
	STMT_TOKEN_KEEPALIVE,
	STMT_TOKEN_REVOKE,
	STMT_TOKEN_LIST,
	STMT_TOKEN_PURGE,
	STMT_OFFER_ADD,
	STMT_OFFER_GET,
	STMT__MAX
};

/* The columns token_read() reads, in its order. */
#define TOKEN_COLS							\
	"t.id, t.user_id, t.username, t.permissions, t.petname, "	\
	"t.created, t.last_used, t.expires, t.expires_unused, t.revoked, " \
	"g.id, g.name, g.upstream, g.api_path, g.created "

static const char *const stmts[STMT__MAX] = {
	[STMT_GRAIN_ADD] =
	    "INSERT INTO grain (name, upstream, api_path, secret_hash, created) "
	    "VALUES (?1, ?2, ?3, ?4, ?5)",
	[STMT_GRAIN_REMOVE] =
	    "DELETE FROM grain WHERE name = ?1",
	[STMT_GRAIN_LIST] =
	    "SELECT g.id, g.name, g.upstream, g.api_path, g.created, "
	    "(SELECT count(*) FROM token t WHERE t.grain_id = g.id) "
	    "FROM grain g ORDER BY g.name",
	[STMT_GRAIN_BY_SECRET] =
	    "SELECT id, name, upstream, api_path, created, secret_hash "
	    "FROM grain WHERE secret_hash = ?1",
	[STMT_GRAIN_ID] =
	    "SELECT id FROM grain WHERE name = ?1",
	[STMT_TOKEN_ADD] =
	    "INSERT INTO token (grain_id, token_hash, user_id, username, "
	    "permissions, petname, created, expires, expires_unused) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	[STMT_TOKEN_BY_HASH] =
	    "SELECT " TOKEN_COLS ", t.token_hash FROM token t "
	    "JOIN grain g ON g.id = t.grain_id WHERE t.token_hash = ?1",
	[STMT_TOKEN_USED] =
	    "UPDATE token SET last_used = ?2, expires_unused = NULL "
	    "WHERE id = ?1",
	[STMT_TOKEN_KEEPALIVE] =
	    "UPDATE token SET expires_unused = max(expires_unused, ?2) "
	    "WHERE id = ?1 AND expires_unused IS NOT NULL",
	[STMT_TOKEN_REVOKE] =
	    "UPDATE token SET revoked = ?2 WHERE id = ?1 AND revoked IS NULL",
	[STMT_TOKEN_LIST] =
	    "SELECT " TOKEN_COLS "FROM token t "
	    "JOIN grain g ON g.id = t.grain_id ORDER BY t.id",
	[STMT_TOKEN_PURGE] =
	    "DELETE FROM token WHERE expires_unused IS NOT NULL AND "
	    "expires_unused <= ?1",
	[STMT_OFFER_ADD] =
	    "INSERT INTO offer (page_hash, token_id, template, token_sealed, "
	    "created) VALUES (?1, ?2, ?3, ?4, ?5)",
	[STMT_OFFER_GET] =
	    "SELECT " TOKEN_COLS ", o.template, o.token_sealed FROM offer o "
	    "JOIN token t ON t.id = o.token_id "
	    "JOIN grain g ON g.id = t.grain_id WHERE o.page_hash = ?1",
};

enum gh_err
apihost_store_open(struct apihost *a, unsigned flags)
{
	return gh_db_open_sqlite_only(&a->db, &a->conf,
	    &apihost_schema, flags, stmts, STMT__MAX);
}

void
apihost_store_close(struct apihost *a)
{
	gh_db_close(&a->db);
}

/* Column col as text into out, "" for NULL. */
static enum gh_err
text_or_empty(sqlite3_stmt *st, int col, char *out, size_t outsz)
{
	enum gh_err	err;

	if ((err = gh_db_text(st, col, out, outsz)) == GH_ENOTFOUND) {
		out[0] = '\0';
		err = GH_OK;
	}
	return err;
}

/* The grain columns id, name, upstream, api_path, created from col on. */
static enum gh_err
grain_read(sqlite3_stmt *st, int col, struct apihost_grain *g)
{
	enum gh_err	err;

	g->id = sqlite3_column_int64(st, col);
	if ((err = gh_db_text(st, col + 1, g->name, sizeof(g->name))) != GH_OK ||
	    (err = gh_db_text(st, col + 2, g->upstream,
	    sizeof(g->upstream))) != GH_OK ||
	    (err = gh_db_text(st, col + 3, g->api_path,
	    sizeof(g->api_path))) != GH_OK)
		return err;
	g->created = sqlite3_column_int64(st, col + 4);
	return GH_OK;
}

/* The TOKEN_COLS of the current row into t. */
static enum gh_err
token_read(sqlite3_stmt *st, struct apihost_token *t)
{
	enum gh_err	err;

	memset(t, 0, sizeof(*t));
	t->id = sqlite3_column_int64(st, 0);
	t->has_user = sqlite3_column_type(st, 1) != SQLITE_NULL;
	if ((err = text_or_empty(st, 1, t->user_id, sizeof(t->user_id))) !=
	    GH_OK ||
	    (err = text_or_empty(st, 2, t->username, sizeof(t->username))) !=
	    GH_OK ||
	    (err = text_or_empty(st, 3, t->permissions,
	    sizeof(t->permissions))) != GH_OK ||
	    (err = text_or_empty(st, 4, t->petname, sizeof(t->petname))) !=
	    GH_OK)
		return err;
	t->created = sqlite3_column_int64(st, 5);
	t->last_used = sqlite3_column_int64(st, 6);	/* NULL reads as 0 */
	t->expires = sqlite3_column_int64(st, 7);
	t->expires_unused = sqlite3_column_int64(st, 8);
	t->revoked = sqlite3_column_int64(st, 9);
	return grain_read(st, 10, &t->grain);
}

enum gh_err
apihost_store_grain_add(struct apihost *a, const char *name,
    const char *upstream, const char *api_path, const char *secret)
{
	unsigned char	 hash[GH_SHA256_LEN];
	sqlite3_stmt	*st;
	enum gh_err	 err;

	gh_sha256(secret, strlen(secret), hash);
	if ((st = gh_db_write_stmt(&a->db, STMT_GRAIN_ADD, &err)) == NULL)
		return err;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, upstream, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, api_path, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, hash, sizeof(hash), SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, gh_now());
	return gh_db_write_done(&a->db, st, 0);
}

enum gh_err
apihost_store_grain_remove(struct apihost *a, const char *name)
{
	sqlite3_stmt	*st;
	enum gh_err	 err;

	if ((st = gh_db_write_stmt(&a->db, STMT_GRAIN_REMOVE, &err)) == NULL)
		return err;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	return gh_db_write_done(&a->db, st, GH_DB_CHANGED);
}

enum gh_err
apihost_store_grain_list(struct apihost *a, apihost_store_grain_cb *cb,
    void *arg)
{
	struct apihost_grain	 g;
	sqlite3_stmt		*st;
	enum gh_err		 err = GH_OK;
	int			 rc;

	if ((st = gh_db_stmt(&a->db, STMT_GRAIN_LIST)) == NULL)
		return GH_EDB;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((err = grain_read(st, 0, &g)) != GH_OK)
			break;
		cb(&g, sqlite3_column_int64(st, 5), arg);
	}
	gh_db_reset(st);
	if (err != GH_OK)
		return err;
	return rc == SQLITE_DONE ? GH_OK : gh_db_err(rc);
}

enum gh_err
apihost_store_grain_by_secret(struct apihost *a, const char *secret, size_t len,
    struct apihost_grain *out)
{
	unsigned char	 hash[GH_SHA256_LEN];
	sqlite3_stmt	*st;
	enum gh_err	 err;

	if ((st = gh_db_stmt(&a->db, STMT_GRAIN_BY_SECRET)) == NULL)
		return GH_EDB;
	gh_sha256(secret, len, hash);
	if ((err = gh_auth_lookup(&a->db, st, 5, hash)) != GH_OK)
		return err;
	err = grain_read(st, 0, out);
	gh_db_reset(st);
	return err;
}

/* The id of the grain t names (by name, or t->grain_id). */
static enum gh_err
token_grain_id(struct apihost *a, const struct apihost_token_new *t,
    long long *id)
{
	sqlite3_stmt	*st;
	enum gh_err	 err;

	if (t->grain == NULL) {
		*id = t->grain_id;
		return GH_OK;
	}
	if ((st = gh_db_stmt(&a->db, STMT_GRAIN_ID)) == NULL)
		return GH_EDB;
	sqlite3_bind_text(st, 1, t->grain, -1, SQLITE_STATIC);
	if ((err = gh_db_step_row(&a->db, st)) == GH_OK)
		*id = sqlite3_column_int64(st, 0);
	gh_db_reset(st);
	return err;
}

/* Insert token t inside the caller's transaction; *id gets its row. */
static enum gh_err
token_insert(struct apihost *a, const struct apihost_token_new *t,
    const char *token, long long *id)
{
	unsigned char	 hash[GH_SHA256_LEN];
	sqlite3_stmt	*st;
	long long	 grain_id;
	enum gh_err	 err;

	if ((err = token_grain_id(a, t, &grain_id)) != GH_OK)
		return err;
	if ((st = gh_db_stmt(&a->db, STMT_TOKEN_ADD)) == NULL)
		return GH_EDB;
	gh_sha256(token, strlen(token), hash);
	sqlite3_bind_int64(st, 1, grain_id);
	sqlite3_bind_blob(st, 2, hash, sizeof(hash), SQLITE_STATIC);
	if (t->user_id != NULL)
		sqlite3_bind_text(st, 3, t->user_id, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 3);
	sqlite3_bind_text(st, 4, t->username ? t->username : "", -1,
	    SQLITE_STATIC);
	sqlite3_bind_text(st, 5, t->permissions ? t->permissions : "", -1,
	    SQLITE_STATIC);
	sqlite3_bind_text(st, 6, t->petname ? t->petname : "", -1,
	    SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, gh_now());
	if (t->expires > 0)
		sqlite3_bind_int64(st, 8, t->expires);
	else
		sqlite3_bind_null(st, 8);
	if (t->expires_unused > 0)
		sqlite3_bind_int64(st, 9, t->expires_unused);
	else
		sqlite3_bind_null(st, 9);
	if ((err = gh_db_step_done(&a->db, st)) != GH_OK)
		return err;
	*id = sqlite3_last_insert_rowid(a->db.h);
	return GH_OK;
}

enum gh_err
apihost_store_token_add(struct apihost *a, const struct apihost_token_new *t,
    const char *token, long long *id)
{
	long long	rowid;
	enum gh_err	err;

	if ((err = gh_db_begin(&a->db)) != GH_OK)
		return err;
	if ((err = token_insert(a, t, token, &rowid)) != GH_OK)
		goto fail;
	if ((err = gh_db_commit(&a->db)) != GH_OK)
		return err;
	if (id != NULL)
		*id = rowid;
	return GH_OK;
fail:
	gh_db_rollback(&a->db);
	return err;
}

enum gh_err
apihost_store_token_by_hash(struct apihost *a,
    const unsigned char hash[GH_SHA256_LEN], struct apihost_token *out)
{
	sqlite3_stmt	*st;
	enum gh_err	 err;

	if ((st = gh_db_stmt(&a->db, STMT_TOKEN_BY_HASH)) == NULL)
		return GH_EDB;
	if ((err = gh_auth_lookup(&a->db, st, 15, hash)) != GH_OK)
		return err;
	err = token_read(st, out);
	gh_db_reset(st);
	return err;
}

/* One UPDATE of a token by id with one more integer, in a transaction. */
static enum gh_err
token_update(struct apihost *a, enum stmt which, long long id, long long v,
    int must_change)
{
	sqlite3_stmt	*st;
	enum gh_err	 err;

	if ((err = gh_db_begin(&a->db)) != GH_OK)
		return err;
	if ((st = gh_db_stmt(&a->db, which)) == NULL) {
		err = GH_EDB;
		goto fail;
	}
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, v);
	if ((err = gh_db_step_done(&a->db, st)) != GH_OK)
		goto fail;
	if (must_change && sqlite3_changes(a->db.h) == 0) {
		err = GH_ENOTFOUND;
		goto fail;
	}
	return gh_db_commit(&a->db);
fail:
	gh_db_rollback(&a->db);
	return err;
}

enum gh_err
apihost_store_token_used(struct apihost *a, long long id, long long now)
{
	return token_update(a, STMT_TOKEN_USED, id, now, 0);
}

enum gh_err
apihost_store_token_keepalive(struct apihost *a, long long id, long long until)
{
	return token_update(a, STMT_TOKEN_KEEPALIVE, id, until, 0);
}

enum gh_err
apihost_store_token_revoke(struct apihost *a, long long id)
{
	return token_update(a, STMT_TOKEN_REVOKE, id, gh_now(), 1);
}

enum gh_err
apihost_store_token_list(struct apihost *a, apihost_store_token_cb *cb,
    void *arg)
{
	struct apihost_token	 t;
	sqlite3_stmt		*st;
	enum gh_err		 err = GH_OK;
	int			 rc;

	if ((st = gh_db_stmt(&a->db, STMT_TOKEN_LIST)) == NULL)
		return GH_EDB;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((err = token_read(st, &t)) != GH_OK)
			break;
		cb(&t, arg);
	}
	gh_db_reset(st);
	if (err != GH_OK)
		return err;
	return rc == SQLITE_DONE ? GH_OK : gh_db_err(rc);
}

enum gh_err
apihost_store_token_purge(struct apihost *a, long long now, long long *n)
{
	sqlite3_stmt	*st;
	enum gh_err	 err;

	if ((err = gh_db_begin(&a->db)) != GH_OK)
		return err;
	if ((st = gh_db_stmt(&a->db, STMT_TOKEN_PURGE)) == NULL) {
		err = GH_EDB;
		goto fail;
	}
	sqlite3_bind_int64(st, 1, now);
	if ((err = gh_db_step_done(&a->db, st)) != GH_OK)
		goto fail;
	if (n != NULL)
		*n = sqlite3_changes(a->db.h);
	return gh_db_commit(&a->db);
fail:
	gh_db_rollback(&a->db);
	return err;
}

enum gh_err
apihost_store_offer_add(struct apihost *a, const struct apihost_token_new *t,
    const char *token, const unsigned char page_hash[GH_SHA256_LEN],
    const char *template)
{
	sqlite3_stmt	*st;
	long long	 id;
	enum gh_err	 err;

	gh_buf_reset(&a->scratch);
	if ((err = gh_seal(&a->key, LABEL_OFFER_TOKEN, token, strlen(token),
	    &a->scratch)) != GH_OK)
		return err;
	if ((err = gh_db_begin(&a->db)) != GH_OK)
		return err;
	if ((err = token_insert(a, t, token, &id)) != GH_OK)
		goto fail;
	if ((st = gh_db_stmt(&a->db, STMT_OFFER_ADD)) == NULL) {
		err = GH_EDB;
		goto fail;
	}
	sqlite3_bind_blob(st, 1, page_hash, GH_SHA256_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	sqlite3_bind_text(st, 3, template, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, a->scratch.data, (int)a->scratch.len,
	    SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, gh_now());
	if ((err = gh_db_step_done(&a->db, st)) != GH_OK)
		goto fail;
	return gh_db_commit(&a->db);
fail:
	gh_db_rollback(&a->db);
	return err;
}

enum gh_err
apihost_store_offer_get(struct apihost *a,
    const unsigned char page_hash[GH_SHA256_LEN],
    struct gh_buf *tmpl, struct gh_buf *token, struct apihost_token *t)
{
	sqlite3_stmt	*st;
	enum gh_err	 err;

	gh_buf_reset(tmpl);
	gh_buf_reset(token);
	if ((st = gh_db_stmt(&a->db, STMT_OFFER_GET)) == NULL)
		return GH_EDB;
	sqlite3_bind_blob(st, 1, page_hash, GH_SHA256_LEN, SQLITE_STATIC);
	if ((err = gh_db_step_row(&a->db, st)) != GH_OK)
		goto out;
	if ((err = token_read(st, t)) != GH_OK)
		goto out;
	if ((err = gh_buf_add(tmpl, sqlite3_column_text(st, 15),
	    (size_t)sqlite3_column_bytes(st, 15))) != GH_OK)
		goto out;
	err = gh_unseal(&a->key, LABEL_OFFER_TOKEN, sqlite3_column_blob(st, 16),
	    (size_t)sqlite3_column_bytes(st, 16), token);
out:
	gh_db_reset(st);
	return err;
}
