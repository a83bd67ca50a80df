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

/*
 * Written once for both backends: $n parameters, epoch seconds, CASE
 * where SQLite says max() and PostgreSQL GREATEST(), and RETURNING id for
 * the new rows.  Every change of a token is one conditional UPDATE or
 * DELETE, so that several processes on several nodes sharing one
 * PostgreSQL never act on a row another has changed meanwhile (READ
 * COMMITTED re-checks the WHERE of a row it waited for).
 */
static const struct gh_stmt_def stmts[STMT__MAX] = {
	[STMT_GRAIN_ADD] = {
	    "INSERT INTO grain (name, upstream, api_path, secret_hash, created) "
	    "VALUES ($1, $2, $3, $4, $5)", NULL, NULL },
	[STMT_GRAIN_REMOVE] = {
	    "DELETE FROM grain WHERE name = $1", NULL, NULL },
	[STMT_GRAIN_LIST] = {
	    "SELECT g.id, g.name, g.upstream, g.api_path, g.created, "
	    "(SELECT count(*) FROM token t WHERE t.grain_id = g.id) "
	    "FROM grain g ORDER BY g.name", NULL, NULL },
	[STMT_GRAIN_BY_SECRET] = {
	    "SELECT id, name, upstream, api_path, created, secret_hash "
	    "FROM grain WHERE secret_hash = $1", NULL, NULL },
	[STMT_GRAIN_ID] = {
	    "SELECT id FROM grain WHERE name = $1", NULL, NULL },
	[STMT_TOKEN_ADD] = {
	    "INSERT INTO token (grain_id, token_hash, user_id, username, "
	    "permissions, petname, created, expires, expires_unused) "
	    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
	    NULL, NULL },
	[STMT_TOKEN_BY_HASH] = {
	    "SELECT " TOKEN_COLS ", t.token_hash FROM token t "
	    "JOIN grain g ON g.id = t.grain_id WHERE t.token_hash = $1",
	    NULL, NULL },
	/*
	 * A use at $2 of a token still usable then: last_used only moves
	 * forward, and an offer token becomes permanent, exactly once and
	 * only if no node purged, revoked or outlived it first.
	 */
	[STMT_TOKEN_USED] = {
	    "UPDATE token SET last_used = CASE WHEN last_used > $2 "
	    "THEN last_used ELSE $2 END, expires_unused = NULL "
	    "WHERE id = $1 AND revoked IS NULL "
	    "AND (expires IS NULL OR expires > $2) "
	    "AND (expires_unused IS NULL OR expires_unused > $2)",
	    NULL, NULL },
	/* Extends, never shortens, and never revives a used token. */
	[STMT_TOKEN_KEEPALIVE] = {
	    "UPDATE token SET expires_unused = CASE WHEN expires_unused > $2 "
	    "THEN expires_unused ELSE $2 END "
	    "WHERE id = $1 AND expires_unused IS NOT NULL AND revoked IS NULL",
	    NULL, NULL },
	[STMT_TOKEN_REVOKE] = {
	    "UPDATE token SET revoked = $2 WHERE id = $1 AND revoked IS NULL",
	    NULL, NULL },
	[STMT_TOKEN_LIST] = {
	    "SELECT " TOKEN_COLS "FROM token t "
	    "JOIN grain g ON g.id = t.grain_id ORDER BY t.id", NULL, NULL },
	/* A token made permanent meanwhile has expires_unused NULL: kept. */
	[STMT_TOKEN_PURGE] = {
	    "DELETE FROM token WHERE expires_unused IS NOT NULL AND "
	    "expires_unused <= $1", NULL, NULL },
	[STMT_OFFER_ADD] = {
	    "INSERT INTO offer (page_hash, token_id, template, token_sealed, "
	    "created) VALUES ($1, $2, $3, $4, $5)", NULL, NULL },
	[STMT_OFFER_GET] = {
	    "SELECT " TOKEN_COLS ", o.template, o.token_sealed FROM offer o "
	    "JOIN token t ON t.id = o.token_id "
	    "JOIN grain g ON g.id = t.grain_id WHERE o.page_hash = $1",
	    NULL, NULL },
};

enum gh_err
apihost_store_open(struct apihost *a, unsigned flags)
{
	return gh_db_open_conf(&a->db, &a->conf, &apihost_schema, flags,
	    stmts, STMT__MAX);
}

void
apihost_store_close(struct apihost *a)
{
	gh_db_close(&a->db);
}

/* Column col as text into out, "" for NULL. */
static enum gh_err
text_or_empty(struct gh_stmt *st, int col, char *out, size_t outsz)
{
	enum gh_err	err;

	if ((err = gh_stmt_text_copy(st, col, out, outsz)) == GH_ENOTFOUND) {
		out[0] = '\0';
		err = GH_OK;
	}
	return err;
}

/* The grain columns id, name, upstream, api_path, created from col on. */
static enum gh_err
grain_read(struct gh_stmt *st, int col, struct apihost_grain *g)
{
	enum gh_err	err;

	g->id = gh_stmt_int64(st, col);
	if ((err = gh_stmt_text_copy(st, col + 1, g->name,
	    sizeof(g->name))) != GH_OK ||
	    (err = gh_stmt_text_copy(st, col + 2, g->upstream,
	    sizeof(g->upstream))) != GH_OK ||
	    (err = gh_stmt_text_copy(st, col + 3, g->api_path,
	    sizeof(g->api_path))) != GH_OK)
		return err;
	g->created = gh_stmt_int64(st, col + 4);
	return GH_OK;
}

/* The TOKEN_COLS of the current row into t. */
static enum gh_err
token_read(struct gh_stmt *st, struct apihost_token *t)
{
	enum gh_err	err;

	memset(t, 0, sizeof(*t));
	t->id = gh_stmt_int64(st, 0);
	t->has_user = !gh_stmt_null(st, 1);
	if ((err = text_or_empty(st, 1, t->user_id, sizeof(t->user_id))) !=
	    GH_OK ||
	    (err = text_or_empty(st, 2, t->username, sizeof(t->username))) !=
	    GH_OK ||
	    (err = text_or_empty(st, 3, t->permissions,
	    sizeof(t->permissions))) != GH_OK ||
	    (err = text_or_empty(st, 4, t->petname, sizeof(t->petname))) !=
	    GH_OK)
		return err;
	t->created = gh_stmt_int64(st, 5);
	t->last_used = gh_stmt_int64(st, 6);	/* NULL reads as 0 */
	t->expires = gh_stmt_int64(st, 7);
	t->expires_unused = gh_stmt_int64(st, 8);
	t->revoked = gh_stmt_int64(st, 9);
	return grain_read(st, 10, &t->grain);
}

/* Bind n to $i, or NULL when it is 0 (no such time). */
static void
bind_time(struct gh_stmt *st, int i, long long n)
{
	if (n > 0)
		gh_stmt_bind_int64(st, i, n);
	else
		gh_stmt_bind_null(st, i);
}

/* $1 and $2 of a token's UPDATE (or $1 alone: n 1), for gh_txn_stmt(). */
struct ints {
	long long	v[2];
	int		n;
};

static void
ints_bind(struct gh_stmt *st, const void *arg)
{
	const struct ints	*p = arg;
	int			 i;

	for (i = 0; i < p->n; i++)
		gh_stmt_bind_int64(st, i + 1, p->v[i]);
}

static void
name_bind(struct gh_stmt *st, const void *arg)
{
	gh_stmt_bind_text(st, 1, arg);
}

struct grain_new {
	const char	*name, *upstream, *api_path;
	unsigned char	 hash[GH_SHA256_LEN];
};

static void
grain_new_bind(struct gh_stmt *st, const void *arg)
{
	const struct grain_new	*g = arg;

	gh_stmt_bind_text(st, 1, g->name);
	gh_stmt_bind_text(st, 2, g->upstream);
	gh_stmt_bind_text(st, 3, g->api_path);
	gh_stmt_bind_blob(st, 4, g->hash, sizeof(g->hash));
	gh_stmt_bind_int64(st, 5, gh_now());
}

enum gh_err
apihost_store_grain_add(struct apihost *a, const char *name,
    const char *upstream, const char *api_path, const char *secret)
{
	struct grain_new	g = { name, upstream, api_path, { 0 } };

	gh_sha256(secret, strlen(secret), g.hash);
	return gh_txn_stmt(&a->db, STMT_GRAIN_ADD, 0, grain_new_bind, &g,
	    NULL);
}

enum gh_err
apihost_store_grain_remove(struct apihost *a, const char *name)
{
	return gh_txn_stmt(&a->db, STMT_GRAIN_REMOVE, GH_DB_CHANGED, name_bind,
	    name, NULL);
}

enum gh_err
apihost_store_grain_list(struct apihost *a, apihost_store_grain_cb *cb,
    void *arg)
{
	struct apihost_grain	 g;
	struct gh_stmt		*st;
	enum gh_err		 err = GH_OK;
	enum gh_db_rc		 rc;

	if ((st = gh_db_prep(&a->db, STMT_GRAIN_LIST)) == NULL)
		return GH_EDB;
	while ((rc = gh_stmt_step(st)) == GH_DB_ROW) {
		if ((err = grain_read(st, 0, &g)) != GH_OK)
			break;
		cb(&g, gh_stmt_int64(st, 5), arg);
	}
	gh_stmt_reset(st);
	if (err != GH_OK)
		return err;
	return gh_db_rc_err(rc);
}

enum gh_err
apihost_store_grain_by_secret(struct apihost *a, const char *secret, size_t len,
    struct apihost_grain *out)
{
	unsigned char	 hash[GH_SHA256_LEN];
	struct gh_stmt	*st;
	enum gh_err	 err;

	if ((st = gh_db_prep(&a->db, STMT_GRAIN_BY_SECRET)) == NULL)
		return GH_EDB;
	gh_sha256(secret, len, hash);
	if ((err = gh_auth_find(st, 5, hash)) != GH_OK)
		return err;
	err = grain_read(st, 0, out);
	gh_stmt_reset(st);
	return err;
}

/* The id of the grain t names (by name, or t->grain_id). */
static enum gh_err
token_grain_id(struct gh_db *db, const struct apihost_token_new *t,
    long long *id)
{
	struct gh_stmt	*st;
	enum gh_err	 err;

	if (t->grain == NULL) {
		*id = t->grain_id;
		return GH_OK;
	}
	if ((st = gh_db_prep(db, STMT_GRAIN_ID)) == NULL)
		return GH_EDB;
	gh_stmt_bind_text(st, 1, t->grain);
	if ((err = gh_stmt_row(st)) == GH_OK)
		*id = gh_stmt_int64(st, 0);
	gh_stmt_reset(st);
	return err;
}

/* A new token, and for an offer its page: what a gh_txn() run writes. */
struct token_write {
	const struct apihost_token_new	*t;
	const char			*token;
	const unsigned char		*page_hash;	/* NULL: no offer */
	const char			*template;
	const struct gh_buf		*sealed;
	long long			 id;		/* out */
};

/* Insert the token inside the caller's transaction; w->id gets its row. */
static enum gh_err
token_insert(struct gh_db *db, struct token_write *w)
{
	const struct apihost_token_new	*t = w->t;
	unsigned char			 hash[GH_SHA256_LEN];
	struct gh_stmt			*st;
	long long			 grain_id;
	enum gh_err			 err;

	if ((err = token_grain_id(db, t, &grain_id)) != GH_OK)
		return err;
	if ((st = gh_db_prep(db, STMT_TOKEN_ADD)) == NULL)
		return GH_EDB;
	gh_sha256(w->token, strlen(w->token), hash);
	gh_stmt_bind_int64(st, 1, grain_id);
	gh_stmt_bind_blob(st, 2, hash, sizeof(hash));
	gh_stmt_bind_text(st, 3, t->user_id);	/* NULL binds NULL */
	gh_stmt_bind_text(st, 4, t->username ? t->username : "");
	gh_stmt_bind_text(st, 5, t->permissions ? t->permissions : "");
	gh_stmt_bind_text(st, 6, t->petname ? t->petname : "");
	gh_stmt_bind_int64(st, 7, gh_now());
	bind_time(st, 8, t->expires);
	bind_time(st, 9, t->expires_unused);
	return gh_stmt_insert(st, GH_DB_CHANGED, &w->id);
}

static enum gh_err
token_write_run(struct gh_db *db, void *arg)
{
	struct token_write	*w = arg;
	struct gh_stmt		*st;
	enum gh_err		 err;

	if ((err = token_insert(db, w)) != GH_OK || w->page_hash == NULL)
		return err;
	if ((st = gh_db_prep(db, STMT_OFFER_ADD)) == NULL)
		return GH_EDB;
	gh_stmt_bind_blob(st, 1, w->page_hash, GH_SHA256_LEN);
	gh_stmt_bind_int64(st, 2, w->id);
	gh_stmt_bind_text(st, 3, w->template);
	gh_stmt_bind_blob(st, 4, w->sealed->data, w->sealed->len);
	gh_stmt_bind_int64(st, 5, gh_now());
	return gh_stmt_done(st);
}

enum gh_err
apihost_store_token_add(struct apihost *a, const struct apihost_token_new *t,
    const char *token, long long *id)
{
	struct token_write	w = { t, token, NULL, NULL, NULL, 0 };
	enum gh_err		err;

	if ((err = gh_txn(&a->db, 0, token_write_run, &w)) != GH_OK)
		return err;
	if (id != NULL)
		*id = w.id;
	return GH_OK;
}

enum gh_err
apihost_store_token_by_hash(struct apihost *a,
    const unsigned char hash[GH_SHA256_LEN], struct apihost_token *out)
{
	struct gh_stmt	*st;
	enum gh_err	 err;

	if ((st = gh_db_prep(&a->db, STMT_TOKEN_BY_HASH)) == NULL)
		return GH_EDB;
	if ((err = gh_auth_find(st, 15, hash)) != GH_OK)
		return err;
	err = token_read(st, out);
	gh_stmt_reset(st);
	return err;
}

enum gh_err
apihost_store_token_used(struct apihost *a, long long id, long long now)
{
	struct ints	p = { { id, now }, 2 };

	return gh_txn_stmt(&a->db, STMT_TOKEN_USED, GH_DB_CHANGED, ints_bind,
	    &p, NULL);
}

enum gh_err
apihost_store_token_keepalive(struct apihost *a, long long id, long long until)
{
	struct ints	p = { { id, until }, 2 };

	return gh_txn_stmt(&a->db, STMT_TOKEN_KEEPALIVE, 0, ints_bind, &p,
	    NULL);
}

enum gh_err
apihost_store_token_revoke(struct apihost *a, long long id)
{
	struct ints	p = { { id, gh_now() }, 2 };

	return gh_txn_stmt(&a->db, STMT_TOKEN_REVOKE, GH_DB_CHANGED, ints_bind,
	    &p, NULL);
}

enum gh_err
apihost_store_token_list(struct apihost *a, apihost_store_token_cb *cb,
    void *arg)
{
	struct apihost_token	 t;
	struct gh_stmt		*st;
	enum gh_err		 err = GH_OK;
	enum gh_db_rc		 rc;

	if ((st = gh_db_prep(&a->db, STMT_TOKEN_LIST)) == NULL)
		return GH_EDB;
	while ((rc = gh_stmt_step(st)) == GH_DB_ROW) {
		if ((err = token_read(st, &t)) != GH_OK)
			break;
		cb(&t, arg);
	}
	gh_stmt_reset(st);
	if (err != GH_OK)
		return err;
	return gh_db_rc_err(rc);
}

enum gh_err
apihost_store_token_purge(struct apihost *a, long long now, long long *n)
{
	struct ints	p = { { now, 0 }, 1 };

	return gh_txn_stmt(&a->db, STMT_TOKEN_PURGE, 0, ints_bind, &p, n);
}

enum gh_err
apihost_store_offer_add(struct apihost *a, const struct apihost_token_new *t,
    const char *token, const unsigned char page_hash[GH_SHA256_LEN],
    const char *template)
{
	struct token_write	w = { t, token, page_hash, template,
				    &a->scratch, 0 };
	enum gh_err		err;

	gh_buf_reset(&a->scratch);
	if ((err = gh_seal(&a->key, LABEL_OFFER_TOKEN, token, strlen(token),
	    &a->scratch)) != GH_OK)
		return err;
	return gh_txn(&a->db, 0, token_write_run, &w);
}

enum gh_err
apihost_store_offer_get(struct apihost *a,
    const unsigned char page_hash[GH_SHA256_LEN],
    struct gh_buf *tmpl, struct gh_buf *token, struct apihost_token *t)
{
	struct gh_stmt	*st;
	const char	*text;
	const void	*sealed;
	size_t		 len;
	enum gh_err	 err;

	gh_buf_reset(tmpl);
	gh_buf_reset(token);
	if ((st = gh_db_prep(&a->db, STMT_OFFER_GET)) == NULL)
		return GH_EDB;
	gh_stmt_bind_blob(st, 1, page_hash, GH_SHA256_LEN);
	if ((err = gh_stmt_row(st)) != GH_OK)
		goto out;
	if ((err = token_read(st, t)) != GH_OK)
		goto out;
	if ((text = gh_stmt_text(st, 15)) == NULL) {
		err = GH_EDB;
		goto out;
	}
	if ((err = gh_buf_add(tmpl, text, strlen(text))) != GH_OK)
		goto out;
	sealed = gh_stmt_blob(st, 16, &len);
	err = gh_unseal(&a->key, LABEL_OFFER_TOKEN, sealed, len, token);
out:
	gh_stmt_reset(st);
	return err;
}
