/* SPDX-License-Identifier: ISC */
/*
 * store: all SQL of certmaker, as one table of statements prepared once
 * per process.  Tokens go in hashed, private keys sealed; nothing here
 * logs a parameter value.
 */
#include <stdio.h>
#include <string.h>

#include "auth.h"
#include "certmaker.h"
#include "log.h"
#include "token.h"

enum stmt {
	STMT_USER_BY_HASH,
	STMT_USER_ADD,
	STMT_USER_DISABLE,
	STMT_USER_TOKEN,
	STMT_USER_LIST,
	STMT_CA_GET,
	STMT_CA_ADD,
	STMT_CERT_ADD,
	STMT_CERT_GET,
	STMT_CERT_REVOKE,
	STMT_CERT_REVOKED,
	STMT_CHALLENGE_ADD,
	STMT_CHALLENGE_GET,
	STMT_CHALLENGE_SOLVE,
	STMT__MAX
};

static const char *const stmts[STMT__MAX] = {
	[STMT_USER_BY_HASH] =
	    "SELECT id, name, admin, disabled, token_hash FROM user "
	    "WHERE token_hash = ?1",
	[STMT_USER_ADD] =
	    "INSERT INTO user (name, token_hash, admin, created) "
	    "VALUES (?1, ?2, ?3, ?4)",
	[STMT_USER_DISABLE] =
	    "UPDATE user SET disabled = ?2 WHERE name = ?1",
	[STMT_USER_TOKEN] =
	    "UPDATE user SET token_hash = ?2 WHERE name = ?1",
	[STMT_USER_LIST] =
	    "SELECT id, name, admin, disabled, created FROM user ORDER BY name",
	[STMT_CA_GET] =
	    "SELECT cert_pem, key_sealed FROM ca WHERE id = 1",
	[STMT_CA_ADD] =
	    "INSERT INTO ca (id, cert_pem, key_sealed, created) "
	    "VALUES (1, ?1, ?2, ?3)",
	[STMT_CERT_ADD] =
	    "INSERT INTO cert (serial, user_id, cert_pem, key_sealed, "
	    "not_before, not_after, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[STMT_CERT_GET] =
	    "SELECT id, user_id, serial, not_before, not_after, revoked, "
	    "revoke_reason, key_sealed IS NOT NULL, cert_pem, key_sealed "
	    "FROM cert WHERE serial = ?1",
	[STMT_CERT_REVOKE] =
	    "UPDATE cert SET revoked = ?2, revoke_reason = ?3 "
	    "WHERE serial = ?1 AND revoked IS NULL",
	[STMT_CERT_REVOKED] =
	    "SELECT serial, revoked, revoke_reason FROM cert "
	    "WHERE revoked IS NOT NULL ORDER BY id",
	[STMT_CHALLENGE_ADD] =
	    "INSERT INTO challenge (id, user_id, token_hash, kind, request, "
	    "days, expires, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	[STMT_CHALLENGE_GET] =
	    "SELECT h.user_id, h.token_hash, h.kind, h.days, h.expires, "
	    "c.serial, c.key_sealed IS NOT NULL, h.request FROM challenge h "
	    "LEFT JOIN cert c ON c.id = h.cert_id WHERE h.id = ?1",
	[STMT_CHALLENGE_SOLVE] =
	    "UPDATE challenge SET cert_id = ?2 WHERE id = ?1 AND cert_id IS NULL",
};

enum gh_err
certmaker_store_open(struct certmaker *cm, unsigned flags)
{
	return gh_db_open_sqlite_only(&cm->db, &cm->conf,
	    &certmaker_schema, flags, stmts, STMT__MAX);
}

void
certmaker_store_close(struct certmaker *cm)
{
	gh_db_close(&cm->db);
}

enum gh_err
certmaker_store_user_by_token(struct certmaker *cm, const char *token,
    size_t len, struct cm_user *out)
{
	unsigned char	 hash[GH_SHA256_LEN];
	sqlite3_stmt	*st;
	enum gh_err	 err;

	if ((st = gh_db_stmt(&cm->db, STMT_USER_BY_HASH)) == NULL)
		return GH_EDB;
	gh_sha256(token, len, hash);
	if ((err = gh_auth_lookup(&cm->db, st, 4, hash)) != GH_OK)
		return err;
	out->id = sqlite3_column_int64(st, 0);
	if ((err = gh_db_text(st, 1, out->name, sizeof(out->name))) != GH_OK)
		goto out;
	out->admin = sqlite3_column_int(st, 2);
	out->disabled = sqlite3_column_int(st, 3);
out:
	gh_db_reset(st);
	return err;
}

enum gh_err
certmaker_store_user_add(struct certmaker *cm, const char *name,
    const char *token, int admin)
{
	unsigned char	 hash[GH_SHA256_LEN];
	sqlite3_stmt	*st;
	enum gh_err	 err;

	gh_sha256(token, strlen(token), hash);
	if ((st = gh_db_write_stmt(&cm->db, STMT_USER_ADD, &err)) == NULL)
		return err;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, hash, sizeof(hash), SQLITE_STATIC);
	sqlite3_bind_int(st, 3, admin != 0);
	sqlite3_bind_int64(st, 4, gh_now());
	return gh_db_write_done(&cm->db, st, GH_DB_CHANGED);
}

enum gh_err
certmaker_store_user_disable(struct certmaker *cm, const char *name,
    int disabled)
{
	sqlite3_stmt	*st;
	enum gh_err	 err;

	if ((st = gh_db_write_stmt(&cm->db, STMT_USER_DISABLE, &err)) == NULL)
		return err;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, disabled != 0);
	return gh_db_write_done(&cm->db, st, GH_DB_CHANGED);
}

enum gh_err
certmaker_store_user_token(struct certmaker *cm, const char *name,
    const char *token)
{
	unsigned char	 hash[GH_SHA256_LEN];
	sqlite3_stmt	*st;
	enum gh_err	 err;

	gh_sha256(token, strlen(token), hash);
	if ((st = gh_db_write_stmt(&cm->db, STMT_USER_TOKEN, &err)) == NULL)
		return err;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, hash, sizeof(hash), SQLITE_STATIC);
	return gh_db_write_done(&cm->db, st, GH_DB_CHANGED);
}

enum gh_err
certmaker_store_user_list(struct certmaker *cm, certmaker_store_user_cb *cb,
    void *arg)
{
	struct cm_user	 u;
	sqlite3_stmt	*st;
	int		 rc;

	if ((st = gh_db_stmt(&cm->db, STMT_USER_LIST)) == NULL)
		return GH_EDB;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&u, 0, sizeof(u));
		u.id = sqlite3_column_int64(st, 0);
		if (gh_db_text(st, 1, u.name, sizeof(u.name)) != GH_OK)
			continue;
		u.admin = sqlite3_column_int(st, 2);
		u.disabled = sqlite3_column_int(st, 3);
		cb(&u, sqlite3_column_int64(st, 4), arg);
	}
	gh_db_reset(st);
	return rc == SQLITE_DONE ? GH_OK : gh_db_err(rc);
}

/* Append column col (text or blob) to out. */
static enum gh_err
column_add(sqlite3_stmt *st, int col, struct gh_buf *out)
{
	const void	*p = sqlite3_column_blob(st, col);
	int		 n = sqlite3_column_bytes(st, col);

	if (p == NULL || n <= 0)
		return GH_ENOTFOUND;
	return gh_buf_add(out, p, (size_t)n);
}

enum gh_err
certmaker_store_ca_get(struct certmaker *cm, struct gh_buf *pem,
    struct gh_buf *sealed)
{
	sqlite3_stmt	*st;
	enum gh_err	 err;

	if ((st = gh_db_stmt(&cm->db, STMT_CA_GET)) == NULL)
		return GH_EDB;
	if ((err = gh_db_step_row(&cm->db, st)) == GH_OK &&
	    (err = column_add(st, 0, pem)) == GH_OK)
		err = column_add(st, 1, sealed);
	gh_db_reset(st);
	return err;
}

enum gh_err
certmaker_store_ca_add(struct certmaker *cm, const char *pem,
    const void *sealed, size_t n)
{
	sqlite3_stmt	*st;
	enum gh_err	 err;

	if ((st = gh_db_write_stmt(&cm->db, STMT_CA_ADD, &err)) == NULL)
		return err;
	sqlite3_bind_text(st, 1, pem, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, sealed, (int)n, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, gh_now());
	return gh_db_write_done(&cm->db, st, GH_DB_CHANGED);
}

enum gh_err
certmaker_store_cert_add(struct certmaker *cm, const struct cm_cert *c,
    const char *pem,
    const void *key_sealed, size_t keylen, const char *challenge_id)
{
	sqlite3_stmt	*st;
	long long	 id;
	enum gh_err	 err;

	if ((st = gh_db_write_stmt(&cm->db, STMT_CERT_ADD, &err)) == NULL)
		return err;
	sqlite3_bind_text(st, 1, c->serial, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, c->user_id);
	sqlite3_bind_text(st, 3, pem, -1, SQLITE_STATIC);
	if (key_sealed != NULL)
		sqlite3_bind_blob(st, 4, key_sealed, (int)keylen, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 4);
	sqlite3_bind_int64(st, 5, c->not_before);
	sqlite3_bind_int64(st, 6, c->not_after);
	sqlite3_bind_int64(st, 7, gh_now());
	if ((err = gh_db_step_done(&cm->db, st)) != GH_OK)
		goto fail;
	id = sqlite3_last_insert_rowid(cm->db.h);
	if (challenge_id != NULL) {
		if ((st = gh_db_stmt(&cm->db, STMT_CHALLENGE_SOLVE)) == NULL) {
			err = GH_EDB;
			goto fail;
		}
		sqlite3_bind_text(st, 1, challenge_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, id);
		if ((err = gh_db_step_done(&cm->db, st)) != GH_OK)
			goto fail;
		if (sqlite3_changes(cm->db.h) == 0) {
			err = GH_ECONFLICT;
			goto fail;
		}
	}
	return gh_db_commit(&cm->db);
fail:
	gh_db_rollback(&cm->db);
	return err;
}

enum gh_err
certmaker_store_cert_get(struct certmaker *cm, const char *serial,
    struct cm_cert *out, struct gh_buf *pem, struct gh_buf *key)
{
	sqlite3_stmt	*st;
	enum gh_err	 err;

	if ((st = gh_db_stmt(&cm->db, STMT_CERT_GET)) == NULL)
		return GH_EDB;
	sqlite3_bind_text(st, 1, serial, -1, SQLITE_STATIC);
	if ((err = gh_db_step_row(&cm->db, st)) != GH_OK)
		goto out;
	memset(out, 0, sizeof(*out));
	out->id = sqlite3_column_int64(st, 0);
	out->user_id = sqlite3_column_int64(st, 1);
	if ((err = gh_db_text(st, 2, out->serial, sizeof(out->serial))) !=
	    GH_OK)
		goto out;
	out->not_before = sqlite3_column_int64(st, 3);
	out->not_after = sqlite3_column_int64(st, 4);
	out->revoked = sqlite3_column_int64(st, 5);
	out->reason = sqlite3_column_int(st, 6);
	out->has_key = sqlite3_column_int(st, 7);
	if (pem != NULL && (err = column_add(st, 8, pem)) != GH_OK)
		goto out;
	if (key != NULL && out->has_key)
		err = column_add(st, 9, key);
out:
	gh_db_reset(st);
	return err;
}

enum gh_err
certmaker_store_cert_revoke(struct certmaker *cm, const char *serial,
    int reason, long long when)
{
	sqlite3_stmt	*st;
	enum gh_err	 err;

	if ((st = gh_db_write_stmt(&cm->db, STMT_CERT_REVOKE, &err)) == NULL)
		return err;
	sqlite3_bind_text(st, 1, serial, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, when);
	sqlite3_bind_int(st, 3, reason);
	/* No row changed: it does not exist, or it was revoked already. */
	if ((err = gh_db_write_done(&cm->db, st, GH_DB_CHANGED)) == GH_ENOTFOUND) {
		struct cm_cert	c;

		if (certmaker_store_cert_get(cm, serial, &c, NULL,
		    NULL) == GH_OK)
			err = GH_EGONE;
	}
	return err;
}

enum gh_err
certmaker_store_cert_revoked(struct certmaker *cm,
    certmaker_store_revoked_cb *cb, void *arg)
{
	sqlite3_stmt	*st;
	enum gh_err	 err = GH_OK;
	int		 rc;

	if ((st = gh_db_stmt(&cm->db, STMT_CERT_REVOKED)) == NULL)
		return GH_EDB;
	while (err == GH_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
		err = cb((const char *)sqlite3_column_text(st, 0),
		    sqlite3_column_int64(st, 1), sqlite3_column_int(st, 2),
		    arg);
	if (err == GH_OK && rc != SQLITE_DONE)
		err = gh_db_err(rc);
	gh_db_reset(st);
	return err;
}

enum gh_err
certmaker_store_challenge_add(struct certmaker *cm,
    const struct cm_challenge *c, const void *request, size_t n)
{
	sqlite3_stmt	*st;
	enum gh_err	 err;

	if ((st = gh_db_write_stmt(&cm->db, STMT_CHALLENGE_ADD, &err)) == NULL)
		return err;
	sqlite3_bind_text(st, 1, c->id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, c->user_id);
	sqlite3_bind_blob(st, 3, c->token_hash, sizeof(c->token_hash),
	    SQLITE_STATIC);
	sqlite3_bind_text(st, 4, c->csr ? "csr" : "json", -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 5, n > 0 ? request : "", (int)n, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, c->days);
	sqlite3_bind_int64(st, 7, c->expires);
	sqlite3_bind_int64(st, 8, gh_now());
	return gh_db_write_done(&cm->db, st, GH_DB_CHANGED);
}

enum gh_err
certmaker_store_challenge_get(struct certmaker *cm, const char *id,
    struct cm_challenge *out, struct gh_buf *request)
{
	sqlite3_stmt	*st;
	enum gh_err	 err;

	if ((st = gh_db_stmt(&cm->db, STMT_CHALLENGE_GET)) == NULL)
		return GH_EDB;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if ((err = gh_db_step_row(&cm->db, st)) != GH_OK)
		goto out;
	memset(out, 0, sizeof(*out));
	gh_strlcpy(out->id, id, sizeof(out->id));
	out->user_id = sqlite3_column_int64(st, 0);
	if (sqlite3_column_bytes(st, 1) != (int)sizeof(out->token_hash)) {
		err = GH_EDB;
		goto out;
	}
	memcpy(out->token_hash, sqlite3_column_blob(st, 1),
	    sizeof(out->token_hash));
	out->csr = strcmp((const char *)sqlite3_column_text(st, 2), "csr") == 0;
	out->days = sqlite3_column_int64(st, 3);
	out->expires = sqlite3_column_int64(st, 4);
	if (sqlite3_column_type(st, 5) != SQLITE_NULL &&
	    (err = gh_db_text(st, 5, out->serial, sizeof(out->serial))) !=
	    GH_OK)
		goto out;
	out->has_key = sqlite3_column_int(st, 6);
	if (request != NULL)
		err = column_add(st, 7, request);
out:
	gh_db_reset(st);
	return err;
}
