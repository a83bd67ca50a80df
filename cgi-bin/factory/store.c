/* SPDX-License-Identifier: ISC */
/*
 * store: all SQL of the factory, as one table of statements prepared once
 * per process.  Secrets go in sealed (installerSecret, callback secrets) or
 * hashed (tokens); nothing here logs a parameter value.
 */
#include <stdio.h>
#include <string.h>

#include "factory.h"
#include "log.h"
#include "token.h"

enum stmt {
	STMT_CLIENT_BY_HASH,
	STMT_CLIENT_ADD,
	STMT_CLIENT_REVOKE,
	STMT_CLIENT_MOCK_FIND,
	STMT_CLIENT_LIST,
	STMT_ORDER_GET,
	STMT_ORDER_MAC,
	STMT_ORDER_ADD,
	STMT_DOMAIN_TAKEN,
	STMT_TAKEN_ADD,
	STMT_TAKEN_REMOVE,
	STMT_TAKEN_LIST,
	STMT__MAX
};

static const char *const stmts[STMT__MAX] = {
	[STMT_CLIENT_BY_HASH] =
	    "SELECT id, name, mock, token_hash FROM client "
	    "WHERE token_hash = ?1 AND revoked IS NULL",
	[STMT_CLIENT_ADD] =
	    "INSERT INTO client (name, token_hash, callback_secret, mock, created) "
	    "VALUES (?1, ?2, ?3, ?4, ?5)",
	[STMT_CLIENT_REVOKE] =
	    "UPDATE client SET revoked = ?2 WHERE name = ?1 AND revoked IS NULL",
	[STMT_CLIENT_MOCK_FIND] =
	    "SELECT id FROM client WHERE mock = 1",
	[STMT_CLIENT_LIST] =
	    "SELECT name, created, revoked, mock FROM client ORDER BY name",
	[STMT_ORDER_GET] =
	    "SELECT id, client_id, domain, callback, state, callback_state, "
	    "created, updated FROM site_order WHERE domain = ?1",
	[STMT_ORDER_MAC] =
	    "SELECT secret_mac FROM site_order WHERE id = ?1",
	[STMT_ORDER_ADD] =
	    "INSERT INTO site_order (domain, client_id, callback, secret_mac, "
	    "secret, created, updated) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
	[STMT_DOMAIN_TAKEN] =
	    "SELECT EXISTS (SELECT 1 FROM taken_domain WHERE domain = ?1) "
	    "OR EXISTS (SELECT 1 FROM site_order WHERE domain = ?1)",
	[STMT_TAKEN_ADD] =
	    "INSERT OR IGNORE INTO taken_domain (domain) VALUES (?1)",
	[STMT_TAKEN_REMOVE] =
	    "DELETE FROM taken_domain WHERE domain = ?1",
	[STMT_TAKEN_LIST] =
	    "SELECT domain FROM taken_domain ORDER BY domain",
};

enum gh_err
store_open(struct factory *f, unsigned flags)
{
	const struct gh_schema	*schema;
	char			 path[4096];
	enum gh_err		 err;

	if ((schema = gh_schema_find("factory")) == NULL)
		return GH_EINTERNAL;
	if ((size_t)snprintf(path, sizeof(path), "%s/factory.db",
	    gh_conf_str(&f->conf, GH_CONF_STATE_DIR)) >= sizeof(path))
		return GH_ECONFIG;
	err = gh_db_open(&f->db, path, flags, stmts, STMT__MAX);
	if (err != GH_OK)
		return err;
	err = (flags & GH_DB_CREATE) ? gh_db_migrate(&f->db, schema) :
	    gh_db_check(&f->db, schema);
	if (err != GH_OK)
		gh_db_close(&f->db);
	return err;
}

void
store_close(struct factory *f)
{
	gh_db_close(&f->db);
}

/* Step a statement that returns no row; GH_ECONFLICT on a UNIQUE violation. */
static enum gh_err
step_done(struct gh_db *db, sqlite3_stmt *st)
{
	int	rc = sqlite3_step(st);

	gh_db_reset(st);
	if (rc == SQLITE_DONE)
		return GH_OK;
	if (rc == SQLITE_CONSTRAINT)
		return GH_ECONFLICT;
	gh_log("store: %s", sqlite3_errmsg(db->h));
	return gh_db_err(rc);
}

/* Step for at most one row: GH_OK with a row, GH_ENOTFOUND without. */
static enum gh_err
step_row(struct gh_db *db, sqlite3_stmt *st)
{
	int	rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		return GH_OK;
	if (rc == SQLITE_DONE)
		return GH_ENOTFOUND;
	gh_log("store: %s", sqlite3_errmsg(db->h));
	return gh_db_err(rc);
}

enum gh_err
store_client_by_token(struct factory *f, const char *token, size_t len,
    struct factory_client *out)
{
	unsigned char	 hash[GH_SHA256_LEN];
	sqlite3_stmt	*st;
	enum gh_err	 err;

	if ((st = gh_db_stmt(&f->db, STMT_CLIENT_BY_HASH)) == NULL)
		return GH_EDB;
	gh_sha256(token, len, hash);
	sqlite3_bind_blob(st, 1, hash, sizeof(hash), SQLITE_STATIC);
	if ((err = step_row(&f->db, st)) != GH_OK)
		goto out;
	/* The index found it; compare the whole hash anyway, in constant time. */
	if (sqlite3_column_bytes(st, 3) != GH_SHA256_LEN ||
	    !gh_ct_eq(sqlite3_column_blob(st, 3), hash, GH_SHA256_LEN)) {
		err = GH_ENOTFOUND;
		goto out;
	}
	out->id = sqlite3_column_int64(st, 0);
	if ((err = gh_db_text(st, 1, out->name, sizeof(out->name))) != GH_OK)
		goto out;
	out->mock = sqlite3_column_int(st, 2);
out:
	gh_db_reset(st);
	return err;
}

enum gh_err
store_client_add(struct factory *f, const char *name, const char *token,
    const void *callback_secret, size_t n)
{
	unsigned char	 hash[GH_SHA256_LEN];
	sqlite3_stmt	*st;
	enum gh_err	 err;

	gh_buf_reset(&f->scratch);
	if ((err = gh_seal(&f->key, LABEL_CALLBACK_SECRET, callback_secret, n,
	    &f->scratch)) != GH_OK)
		return err;
	gh_sha256(token, strlen(token), hash);
	if ((err = gh_db_begin(&f->db)) != GH_OK)
		return err;
	if ((st = gh_db_stmt(&f->db, STMT_CLIENT_ADD)) == NULL) {
		err = GH_EDB;
		goto fail;
	}
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, hash, sizeof(hash), SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, f->scratch.data, (int)f->scratch.len,
	    SQLITE_STATIC);
	sqlite3_bind_int(st, 4, strcmp(token, FACTORY_MOCK_TOKEN) == 0);
	sqlite3_bind_int64(st, 5, gh_now());
	if ((err = step_done(&f->db, st)) != GH_OK)
		goto fail;
	return gh_db_commit(&f->db);
fail:
	gh_db_rollback(&f->db);
	return err;
}

enum gh_err
store_client_revoke(struct factory *f, const char *name)
{
	sqlite3_stmt	*st;
	enum gh_err	 err;

	if ((err = gh_db_begin(&f->db)) != GH_OK)
		return err;
	if ((st = gh_db_stmt(&f->db, STMT_CLIENT_REVOKE)) == NULL) {
		err = GH_EDB;
		goto fail;
	}
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, gh_now());
	if ((err = step_done(&f->db, st)) != GH_OK)
		goto fail;
	if (sqlite3_changes(f->db.h) == 0) {
		err = GH_ENOTFOUND;
		goto fail;
	}
	return gh_db_commit(&f->db);
fail:
	gh_db_rollback(&f->db);
	return err;
}

/*
 * Make sure the test-mode mock client exists.  Its callback secret is the
 * mock token itself, as the spec's local testing setup shares one secret.
 */
enum gh_err
store_client_mock_ensure(struct factory *f)
{
	sqlite3_stmt	*st;
	enum gh_err	 err;

	if ((st = gh_db_stmt(&f->db, STMT_CLIENT_MOCK_FIND)) == NULL)
		return GH_EDB;
	err = step_row(&f->db, st);
	gh_db_reset(st);
	if (err != GH_ENOTFOUND)
		return err;
	err = store_client_add(f, "mock", FACTORY_MOCK_TOKEN,
	    FACTORY_MOCK_TOKEN, strlen(FACTORY_MOCK_TOKEN));
	return err == GH_ECONFLICT ? GH_OK : err;
}

enum gh_err
store_client_list(struct factory *f, store_client_cb *cb, void *arg)
{
	sqlite3_stmt	*st;
	int		 rc;

	if ((st = gh_db_stmt(&f->db, STMT_CLIENT_LIST)) == NULL)
		return GH_EDB;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		cb((const char *)sqlite3_column_text(st, 0),
		    sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 2),
		    sqlite3_column_int(st, 3), arg);
	gh_db_reset(st);
	return rc == SQLITE_DONE ? GH_OK : gh_db_err(rc);
}

static enum gh_err
order_read(sqlite3_stmt *st, struct factory_order *out)
{
	enum gh_err	err;

	out->id = sqlite3_column_int64(st, 0);
	out->client_id = sqlite3_column_int64(st, 1);
	if ((err = gh_db_text(st, 2, out->domain, sizeof(out->domain))) !=
	    GH_OK ||
	    (err = gh_db_text(st, 3, out->callback, sizeof(out->callback))) !=
	    GH_OK ||
	    (err = gh_db_text(st, 4, out->state, sizeof(out->state))) != GH_OK ||
	    (err = gh_db_text(st, 5, out->callback_state,
	    sizeof(out->callback_state))) != GH_OK)
		return err;
	out->created = sqlite3_column_int64(st, 6);
	out->updated = sqlite3_column_int64(st, 7);
	return GH_OK;
}

enum gh_err
store_order_get(struct factory *f, const char *domain,
    struct factory_order *out)
{
	sqlite3_stmt	*st;
	enum gh_err	 err;

	if ((st = gh_db_stmt(&f->db, STMT_ORDER_GET)) == NULL)
		return GH_EDB;
	sqlite3_bind_text(st, 1, domain, -1, SQLITE_STATIC);
	if ((err = step_row(&f->db, st)) == GH_OK)
		err = order_read(st, out);
	gh_db_reset(st);
	return err;
}

/* MAC of an installerSecret under the service key, to recognise a repeat. */
static enum gh_err
secret_mac(struct factory *f, const char *secret, size_t n,
    unsigned char mac[32])
{
	return gh_hmac_sha256(f->key.k, sizeof(f->key.k), secret, n, mac);
}

/* Is the existing order the same one again (same client, same secret)? */
static enum gh_err
order_same(struct factory *f, const struct factory_order *o,
    long long client_id, const unsigned char mac[32], int *same)
{
	sqlite3_stmt	*st;
	enum gh_err	 err;

	if ((st = gh_db_stmt(&f->db, STMT_ORDER_MAC)) == NULL)
		return GH_EDB;
	sqlite3_bind_int64(st, 1, o->id);
	if ((err = step_row(&f->db, st)) == GH_OK)
		*same = o->client_id == client_id &&
		    sqlite3_column_bytes(st, 0) == 32 &&
		    gh_ct_eq(sqlite3_column_blob(st, 0), mac, 32);
	gh_db_reset(st);
	return err;
}

enum gh_err
store_order_add(struct factory *f, long long client_id, const char *domain,
    const char *callback, const char *secret, size_t secretlen,
    struct factory_order *out, int *same)
{
	unsigned char	 mac[32];
	sqlite3_stmt	*st;
	enum gh_err	 err;

	*same = 0;
	if ((err = secret_mac(f, secret, secretlen, mac)) != GH_OK)
		return err;
	/* Most repeats are answered without taking the write lock. */
	if ((err = store_order_get(f, domain, out)) == GH_OK) {
		if ((err = order_same(f, out, client_id, mac, same)) != GH_OK)
			return err;
		return GH_ECONFLICT;
	} else if (err != GH_ENOTFOUND)
		return err;

	gh_buf_reset(&f->scratch);
	if ((err = gh_seal(&f->key, LABEL_INSTALLER_SECRET, secret, secretlen,
	    &f->scratch)) != GH_OK)
		return err;
	if ((err = gh_db_begin(&f->db)) != GH_OK)
		return err;
	if ((st = gh_db_stmt(&f->db, STMT_ORDER_ADD)) == NULL) {
		err = GH_EDB;
		goto fail;
	}
	sqlite3_bind_text(st, 1, domain, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, client_id);
	sqlite3_bind_text(st, 3, callback, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, mac, sizeof(mac), SQLITE_STATIC);
	sqlite3_bind_blob(st, 5, f->scratch.data, (int)f->scratch.len,
	    SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, gh_now());
	err = step_done(&f->db, st);
	if (err == GH_ECONFLICT) {
		/* Another process stored this domain since we looked. */
		gh_db_rollback(&f->db);
		if ((err = store_order_get(f, domain, out)) != GH_OK ||
		    (err = order_same(f, out, client_id, mac, same)) != GH_OK)
			return err;
		return GH_ECONFLICT;
	}
	if (err != GH_OK)
		goto fail;
	if ((err = gh_db_commit(&f->db)) != GH_OK)
		return err;
	return store_order_get(f, domain, out);
fail:
	gh_db_rollback(&f->db);
	return err;
}

enum gh_err
store_domain_taken(struct factory *f, const char *domain, int *taken)
{
	sqlite3_stmt	*st;
	enum gh_err	 err;

	if ((st = gh_db_stmt(&f->db, STMT_DOMAIN_TAKEN)) == NULL)
		return GH_EDB;
	sqlite3_bind_text(st, 1, domain, -1, SQLITE_STATIC);
	if ((err = step_row(&f->db, st)) == GH_OK)
		*taken = sqlite3_column_int(st, 0) != 0;
	gh_db_reset(st);
	return err;
}

/* Run one write statement on a domain in its own transaction. */
static enum gh_err
domain_write(struct factory *f, enum stmt id, const char *domain)
{
	sqlite3_stmt	*st;
	enum gh_err	 err;

	if ((err = gh_db_begin(&f->db)) != GH_OK)
		return err;
	if ((st = gh_db_stmt(&f->db, id)) == NULL) {
		gh_db_rollback(&f->db);
		return GH_EDB;
	}
	sqlite3_bind_text(st, 1, domain, -1, SQLITE_STATIC);
	if ((err = step_done(&f->db, st)) == GH_OK &&
	    sqlite3_changes(f->db.h) == 0 && id == STMT_TAKEN_REMOVE)
		err = GH_ENOTFOUND;
	if (err != GH_OK) {
		gh_db_rollback(&f->db);
		return err;
	}
	return gh_db_commit(&f->db);
}

enum gh_err
store_taken_add(struct factory *f, const char *domain)
{
	return domain_write(f, STMT_TAKEN_ADD, domain);
}

enum gh_err
store_taken_remove(struct factory *f, const char *domain)
{
	return domain_write(f, STMT_TAKEN_REMOVE, domain);
}

enum gh_err
store_taken_list(struct factory *f, void (*cb)(const char *, void *),
    void *arg)
{
	sqlite3_stmt	*st;
	int		 rc;

	if ((st = gh_db_stmt(&f->db, STMT_TAKEN_LIST)) == NULL)
		return GH_EDB;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		cb((const char *)sqlite3_column_text(st, 0), arg);
	gh_db_reset(st);
	return rc == SQLITE_DONE ? GH_OK : gh_db_err(rc);
}
