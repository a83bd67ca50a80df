/* SPDX-License-Identifier: ISC */
/*
 * store: all SQL of certmaker, as one table of statements prepared once
 * per process (per connection on PostgreSQL), written once with $n for
 * both backends of db.h and per backend only where the SQL differs.
 * Tokens go in hashed, private keys sealed; nothing here logs a parameter
 * value.
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
	STMT_CRL_NUMBER,
	STMT_SERIAL_NEXT,
	STMT_CHALLENGE_ADD,
	STMT_CHALLENGE_GET,
	STMT_CHALLENGE_SOLVE,
	STMT__MAX
};

/*
 * "user" is quoted: a reserved word to PostgreSQL, a plain name to
 * SQLite either way.
 */
/* 1 or 0: PostgreSQL's IS NOT NULL is a boolean ('t', 'f'). */
#define HAS_KEY(col)	"CASE WHEN " col " IS NULL THEN 0 ELSE 1 END"
#define CERT_ADD							\
	"INSERT INTO cert (serial, user_id, cert_pem, key_sealed, "	\
	"not_before, not_after, created) VALUES ($1, $2, $3, $4, $5, $6, $7)"

static const struct gh_stmt_def stmts[STMT__MAX] = {
	[STMT_USER_BY_HASH] = {
	    "SELECT id, name, admin, disabled, token_hash FROM \"user\" "
	    "WHERE token_hash = $1", NULL, NULL },
	[STMT_USER_ADD] = {
	    "INSERT INTO \"user\" (name, token_hash, admin, created) "
	    "VALUES ($1, $2, $3, $4)", NULL, NULL },
	[STMT_USER_DISABLE] = {
	    "UPDATE \"user\" SET disabled = $2 WHERE name = $1", NULL, NULL },
	[STMT_USER_TOKEN] = {
	    "UPDATE \"user\" SET token_hash = $2 WHERE name = $1",
	    NULL, NULL },
	[STMT_USER_LIST] = {
	    "SELECT id, name, admin, disabled, created FROM \"user\" "
	    "ORDER BY name", NULL, NULL },
	[STMT_CA_GET] = {
	    "SELECT cert_pem, key_sealed FROM ca WHERE id = 1", NULL, NULL },
	[STMT_CA_ADD] = {
	    "INSERT INTO ca (id, cert_pem, key_sealed, created) "
	    "VALUES (1, $1, $2, $3)", NULL, NULL },
	/* The id: SQLite's last rowid, PostgreSQL's RETURNING. */
	[STMT_CERT_ADD] = { CERT_ADD, NULL, CERT_ADD " RETURNING id" },
	[STMT_CERT_GET] = {
	    "SELECT id, user_id, serial, not_before, not_after, revoked, "
	    "revoke_reason, " HAS_KEY("key_sealed") ", cert_pem, key_sealed "
	    "FROM cert WHERE serial = $1", NULL, NULL },
	[STMT_CERT_REVOKE] = {
	    "UPDATE cert SET revoked = $2, revoke_reason = $3 "
	    "WHERE serial = $1 AND revoked IS NULL", NULL, NULL },
	[STMT_CERT_REVOKED] = {
	    "SELECT serial, revoked, revoke_reason FROM cert "
	    "WHERE revoked IS NOT NULL ORDER BY id", NULL, NULL },
	/*
	 * The CRL number: a counter row, bumped in the transaction that
	 * reads the revoked certificates (certmaker_store_crl()).  Its row
	 * lock (PostgreSQL) or the write lock (SQLite) orders the builds of
	 * every process and node, so a higher number never lists less.  At
	 * least the time of the build, as the numbers were before 003.
	 */
	[STMT_CRL_NUMBER] = {
	    "UPDATE counter SET n = max(n + 1, $1) WHERE name = 'crl' "
	    "RETURNING n", NULL,
	    "UPDATE counter SET n = greatest(n + 1, $1) WHERE name = 'crl' "
	    "RETURNING n" },
	/*
	 * The serial counter.  PostgreSQL: a sequence, never handed out
	 * twice by any node and taken without a lock that a transaction
	 * would hold while the certificate is signed.  SQLite: a counter
	 * row, in its own short write transaction (one writer at a time).
	 */
	[STMT_SERIAL_NEXT] = {
	    NULL, "UPDATE counter SET n = n + 1 WHERE name = 'serial' "
	    "RETURNING n", "SELECT nextval('cert_serial')" },
	[STMT_CHALLENGE_ADD] = {
	    "INSERT INTO challenge (id, user_id, token_hash, kind, request, "
	    "days, expires, created) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
	    NULL, NULL },
	[STMT_CHALLENGE_GET] = {
	    "SELECT h.user_id, h.token_hash, h.kind, h.days, h.expires, "
	    "c.serial, " HAS_KEY("c.key_sealed") ", h.request FROM challenge h "
	    "LEFT JOIN cert c ON c.id = h.cert_id WHERE h.id = $1",
	    NULL, NULL },
	[STMT_CHALLENGE_SOLVE] = {
	    "UPDATE challenge SET cert_id = $2 WHERE id = $1 AND "
	    "cert_id IS NULL", NULL, NULL },
};

/* store.c's statements, then acme_store.c's, in one table on one handle. */
static struct gh_stmt_def all[STMT__MAX + CM_ACME_STMTS];

enum gh_err
certmaker_store_open(struct certmaker *cm, unsigned flags)
{
	memcpy(all, stmts, sizeof(stmts));
	memcpy(all + STMT__MAX, certmaker_acme_stmts,
	    CM_ACME_STMTS * sizeof(all[0]));
	return gh_db_open_conf(&cm->db, &cm->conf, &certmaker_schema, flags,
	    all, STMT__MAX + CM_ACME_STMTS);
}

struct gh_stmt *
certmaker_store_acme_prep(struct certmaker *cm, size_t id)
{
	return gh_db_prep(&cm->db, STMT__MAX + id);
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
	struct gh_stmt	*st;
	enum gh_err	 err;

	if ((st = gh_db_prep(&cm->db, STMT_USER_BY_HASH)) == NULL)
		return GH_EDB;
	gh_sha256(token, len, hash);
	if ((err = gh_auth_find(st, 4, hash)) != GH_OK)
		return err;
	out->id = gh_stmt_int64(st, 0);
	if ((err = gh_stmt_text_copy(st, 1, out->name, sizeof(out->name))) !=
	    GH_OK)
		goto out;
	out->admin = (int)gh_stmt_int64(st, 2);
	out->disabled = (int)gh_stmt_int64(st, 3);
out:
	gh_stmt_reset(st);
	return err;
}

enum gh_err
certmaker_store_user_add(struct certmaker *cm, const char *name,
    const char *token, int admin)
{
	unsigned char	 hash[GH_SHA256_LEN];
	struct gh_stmt	*st;
	enum gh_err	 err;

	gh_sha256(token, strlen(token), hash);
	if ((st = gh_db_write_prep(&cm->db, STMT_USER_ADD, &err)) == NULL)
		return err;
	gh_stmt_bind_text(st, 1, name);
	gh_stmt_bind_blob(st, 2, hash, sizeof(hash));
	gh_stmt_bind_int64(st, 3, admin != 0);
	gh_stmt_bind_int64(st, 4, gh_now());
	return gh_db_write_end(&cm->db, st, GH_DB_CHANGED);
}

enum gh_err
certmaker_store_user_disable(struct certmaker *cm, const char *name,
    int disabled)
{
	struct gh_stmt	*st;
	enum gh_err	 err;

	if ((st = gh_db_write_prep(&cm->db, STMT_USER_DISABLE, &err)) == NULL)
		return err;
	gh_stmt_bind_text(st, 1, name);
	gh_stmt_bind_int64(st, 2, disabled != 0);
	return gh_db_write_end(&cm->db, st, GH_DB_CHANGED);
}

enum gh_err
certmaker_store_user_token(struct certmaker *cm, const char *name,
    const char *token)
{
	unsigned char	 hash[GH_SHA256_LEN];
	struct gh_stmt	*st;
	enum gh_err	 err;

	gh_sha256(token, strlen(token), hash);
	if ((st = gh_db_write_prep(&cm->db, STMT_USER_TOKEN, &err)) == NULL)
		return err;
	gh_stmt_bind_text(st, 1, name);
	gh_stmt_bind_blob(st, 2, hash, sizeof(hash));
	return gh_db_write_end(&cm->db, st, GH_DB_CHANGED);
}

enum gh_err
certmaker_store_user_list(struct certmaker *cm, certmaker_store_user_cb *cb,
    void *arg)
{
	struct cm_user	 u;
	struct gh_stmt	*st;
	enum gh_db_rc	 rc;

	if ((st = gh_db_prep(&cm->db, STMT_USER_LIST)) == NULL)
		return GH_EDB;
	while ((rc = gh_stmt_step(st)) == GH_DB_ROW) {
		memset(&u, 0, sizeof(u));
		u.id = gh_stmt_int64(st, 0);
		if (gh_stmt_text_copy(st, 1, u.name, sizeof(u.name)) != GH_OK)
			continue;
		u.admin = (int)gh_stmt_int64(st, 2);
		u.disabled = (int)gh_stmt_int64(st, 3);
		cb(&u, gh_stmt_int64(st, 4), arg);
	}
	gh_stmt_reset(st);
	return rc == GH_DB_DONE ? GH_OK : gh_db_rc_err(rc);
}

/* Append text column col to out. */
static enum gh_err
text_add(struct gh_stmt *st, int col, struct gh_buf *out)
{
	const char	*p = gh_stmt_text(st, col);

	if (p == NULL || p[0] == '\0')
		return GH_ENOTFOUND;
	return gh_buf_add(out, p, strlen(p));
}

/* Append blob column col to out. */
static enum gh_err
blob_add(struct gh_stmt *st, int col, struct gh_buf *out)
{
	size_t		 n;
	const void	*p = gh_stmt_blob(st, col, &n);

	if (p == NULL || n == 0)
		return GH_ENOTFOUND;
	return gh_buf_add(out, p, n);
}

enum gh_err
certmaker_store_ca_get(struct certmaker *cm, struct gh_buf *pem,
    struct gh_buf *sealed)
{
	struct gh_stmt	*st;
	enum gh_err	 err;

	if ((st = gh_db_prep(&cm->db, STMT_CA_GET)) == NULL)
		return GH_EDB;
	if ((err = gh_stmt_row(st)) == GH_OK &&
	    (err = text_add(st, 0, pem)) == GH_OK)
		err = blob_add(st, 1, sealed);
	gh_stmt_reset(st);
	return err;
}

enum gh_err
certmaker_store_ca_add(struct certmaker *cm, const char *pem,
    const void *sealed, size_t n)
{
	struct gh_stmt	*st;
	enum gh_err	 err;

	if ((st = gh_db_write_prep(&cm->db, STMT_CA_ADD, &err)) == NULL)
		return err;
	gh_stmt_bind_text(st, 1, pem);
	gh_stmt_bind_blob(st, 2, sealed, n);
	gh_stmt_bind_int64(st, 3, gh_now());
	return gh_db_write_end(&cm->db, st, GH_DB_CHANGED);
}

enum gh_err
certmaker_store_cert_add(struct certmaker *cm, const struct cm_cert *c,
    const char *pem,
    const void *key_sealed, size_t keylen, const char *challenge_id)
{
	struct gh_stmt	*st;
	long long	 id = 0;
	enum gh_err	 err;

	if ((st = gh_db_write_prep(&cm->db, STMT_CERT_ADD, &err)) == NULL)
		return err;
	gh_stmt_bind_text(st, 1, c->serial);
	gh_stmt_bind_int64(st, 2, c->user_id);
	gh_stmt_bind_text(st, 3, pem);
	if (key_sealed != NULL)
		gh_stmt_bind_blob(st, 4, key_sealed, keylen);
	else
		gh_stmt_bind_null(st, 4);
	gh_stmt_bind_int64(st, 5, c->not_before);
	gh_stmt_bind_int64(st, 6, c->not_after);
	gh_stmt_bind_int64(st, 7, gh_now());
	if ((err = gh_stmt_insert(st, GH_DB_CHANGED, &id)) != GH_OK)
		goto fail;
	if (challenge_id != NULL) {
		if ((st = gh_db_prep(&cm->db, STMT_CHALLENGE_SOLVE)) == NULL) {
			err = GH_EDB;
			goto fail;
		}
		gh_stmt_bind_text(st, 1, challenge_id);
		gh_stmt_bind_int64(st, 2, id);
		if ((err = gh_stmt_done(st)) != GH_OK)
			goto fail;
		if (gh_stmt_changes(st) == 0) {
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
	struct gh_stmt	*st;
	enum gh_err	 err;

	if ((st = gh_db_prep(&cm->db, STMT_CERT_GET)) == NULL)
		return GH_EDB;
	gh_stmt_bind_text(st, 1, serial);
	if ((err = gh_stmt_row(st)) != GH_OK)
		goto out;
	memset(out, 0, sizeof(*out));
	out->id = gh_stmt_int64(st, 0);
	out->user_id = gh_stmt_int64(st, 1);
	if ((err = gh_stmt_text_copy(st, 2, out->serial,
	    sizeof(out->serial))) != GH_OK)
		goto out;
	out->not_before = gh_stmt_int64(st, 3);
	out->not_after = gh_stmt_int64(st, 4);
	out->revoked = gh_stmt_int64(st, 5);
	out->reason = (int)gh_stmt_int64(st, 6);
	out->has_key = gh_stmt_int64(st, 7) != 0;
	if (pem != NULL && (err = text_add(st, 8, pem)) != GH_OK)
		goto out;
	if (key != NULL && out->has_key)
		err = blob_add(st, 9, key);
out:
	gh_stmt_reset(st);
	return err;
}

enum gh_err
certmaker_store_cert_revoke(struct certmaker *cm, const char *serial,
    int reason, long long when)
{
	struct gh_stmt	*st;
	enum gh_err	 err;

	if ((st = gh_db_write_prep(&cm->db, STMT_CERT_REVOKE, &err)) == NULL)
		return err;
	gh_stmt_bind_text(st, 1, serial);
	gh_stmt_bind_int64(st, 2, when);
	gh_stmt_bind_int64(st, 3, reason);
	/* No row changed: it does not exist, or it was revoked already. */
	if ((err = gh_db_write_end(&cm->db, st, GH_DB_CHANGED)) ==
	    GH_ENOTFOUND) {
		struct cm_cert	c;

		if (certmaker_store_cert_get(cm, serial, &c, NULL,
		    NULL) == GH_OK)
			err = GH_EGONE;
	}
	return err;
}

/*
 * The revoked certificates and a new CRL number, in one write transaction
 * (see STMT_CRL_NUMBER): a CRL lists at least what any CRL of a lower
 * number listed.
 */
enum gh_err
certmaker_store_crl(struct certmaker *cm, long long now, long long *number,
    certmaker_store_revoked_cb *cb, void *arg)
{
	struct gh_stmt	*st;
	enum gh_db_rc	 rc;
	enum gh_err	 err;
	long long	 n = 0;

	if ((st = gh_db_write_prep(&cm->db, STMT_CRL_NUMBER, &err)) == NULL)
		return err;
	gh_stmt_bind_int64(st, 1, now);
	if ((err = gh_stmt_row(st)) == GH_OK)
		n = gh_stmt_int64(st, 0);
	gh_stmt_reset(st);
	if (err != GH_OK) {
		if (err == GH_ENOTFOUND)
			err = GH_EDB;
		goto fail;
	}
	if ((st = gh_db_prep(&cm->db, STMT_CERT_REVOKED)) == NULL) {
		err = GH_EDB;
		goto fail;
	}
	while (err == GH_OK && (rc = gh_stmt_step(st)) == GH_DB_ROW)
		err = cb(gh_stmt_text(st, 0), gh_stmt_int64(st, 1),
		    (int)gh_stmt_int64(st, 2), arg);
	if (err == GH_OK && rc != GH_DB_DONE)
		err = gh_db_rc_err(rc);
	gh_stmt_reset(st);
	if (err != GH_OK)
		goto fail;
	/*
	 * Not waiting for the disk: a CRL fetch is no record.  A number
	 * lost in a power cut (no durable commit after it) may be taken
	 * again; the time floor keeps that within the second it was.
	 */
	if ((err = gh_db_commit_flags(&cm->db, GH_DB_NOSYNC)) == GH_OK)
		*number = n;
	return err;
fail:
	gh_db_rollback(&cm->db);
	return err;
}

enum gh_err
certmaker_store_serial_next(struct certmaker *cm, long long *out)
{
	struct gh_stmt	*st;
	enum gh_err	 err;
	long long	 n = 0;

	if (cm->db.backend == GH_DB_PG) {
		/* nextval() is no transaction's: safe to send again. */
		if ((st = gh_db_prep(&cm->db, STMT_SERIAL_NEXT)) == NULL)
			return GH_EDB;
		if ((err = gh_stmt_row(st)) == GH_OK)
			*out = gh_stmt_int64(st, 0);
		gh_stmt_reset(st);
		return err == GH_ENOTFOUND ? GH_EDB : err;
	}
	if ((st = gh_db_write_prep(&cm->db, STMT_SERIAL_NEXT, &err)) == NULL)
		return err;
	if ((err = gh_stmt_row(st)) == GH_OK)
		n = gh_stmt_int64(st, 0);
	gh_stmt_reset(st);
	if (err != GH_OK) {
		gh_db_rollback(&cm->db);
		return err == GH_ENOTFOUND ? GH_EDB : err;
	}
	/*
	 * Not waiting for the disk is safe: the certificate that uses the
	 * number commits later, durably, and the WAL keeps its order; a
	 * number no certificate used may come again after a power cut.
	 */
	if ((err = gh_db_commit_flags(&cm->db, GH_DB_NOSYNC)) == GH_OK)
		*out = n;
	return err;
}

enum gh_err
certmaker_store_challenge_add(struct certmaker *cm,
    const struct cm_challenge *c, const void *request, size_t n)
{
	struct gh_stmt	*st;
	enum gh_err	 err;

	if ((st = gh_db_write_prep(&cm->db, STMT_CHALLENGE_ADD, &err)) == NULL)
		return err;
	gh_stmt_bind_text(st, 1, c->id);
	gh_stmt_bind_int64(st, 2, c->user_id);
	gh_stmt_bind_blob(st, 3, c->token_hash, sizeof(c->token_hash));
	gh_stmt_bind_text(st, 4, c->csr ? "csr" : "json");
	gh_stmt_bind_blob(st, 5, n > 0 ? request : "", n);
	gh_stmt_bind_int64(st, 6, c->days);
	gh_stmt_bind_int64(st, 7, c->expires);
	gh_stmt_bind_int64(st, 8, gh_now());
	return gh_db_write_end(&cm->db, st, GH_DB_CHANGED);
}

enum gh_err
certmaker_store_challenge_get(struct certmaker *cm, const char *id,
    struct cm_challenge *out, struct gh_buf *request)
{
	struct gh_stmt	*st;
	const void	*hash;
	const char	*kind;
	size_t		 n;
	enum gh_err	 err;

	if ((st = gh_db_prep(&cm->db, STMT_CHALLENGE_GET)) == NULL)
		return GH_EDB;
	gh_stmt_bind_text(st, 1, id);
	if ((err = gh_stmt_row(st)) != GH_OK)
		goto out;
	memset(out, 0, sizeof(*out));
	gh_strlcpy(out->id, id, sizeof(out->id));
	out->user_id = gh_stmt_int64(st, 0);
	hash = gh_stmt_blob(st, 1, &n);
	if (hash == NULL || n != sizeof(out->token_hash)) {
		err = GH_EDB;
		goto out;
	}
	memcpy(out->token_hash, hash, sizeof(out->token_hash));
	kind = gh_stmt_text(st, 2);
	out->csr = kind != NULL && strcmp(kind, "csr") == 0;
	out->days = gh_stmt_int64(st, 3);
	out->expires = gh_stmt_int64(st, 4);
	if (!gh_stmt_null(st, 5) && (err = gh_stmt_text_copy(st, 5,
	    out->serial, sizeof(out->serial))) != GH_OK)
		goto out;
	out->has_key = gh_stmt_int64(st, 6) != 0;
	if (request != NULL)
		err = blob_add(st, 7, request);
out:
	gh_stmt_reset(st);
	return err;
}
