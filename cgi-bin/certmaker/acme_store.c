/* SPDX-License-Identifier: ISC */
/*
 * acme_store: all SQL of certmaker's ACME, as one table of statements
 * prepared on first use on certmaker's database handle (so that they
 * share its transactions) and finalised by certmaker_close().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acme.h"
#include "log.h"
#include "token.h"

enum astmt {
	A_NONCE_ADD,
	A_NONCE_SWEEP,
	A_NONCE_CAP,
	A_NONCE_USE,
	A_DEFAULT_USER,
	A_ACCOUNT_ADD,
	A_ACCOUNT_BY_THUMB,
	A_ACCOUNT_BY_NAME,
	A_ACCOUNT_UPDATE,
	A_ACCOUNT_LIST,
	A_EAB_USE,
	A_ORDER_ADD,
	A_AUTHZ_ADD,
	A_ORDER_GET,
	A_ORDER_BY_SERIAL,
	A_ORDER_REPLACING,
	A_ORDER_SET,
	A_ORDER_ISSUE,
	A_ORDER_LIST,
	A_CERT_ADD,
	A_AUTHZ_LIST,
	A_AUTHZ_GET,
	A_AUTHZ_UPDATE,
	A_AUTHZ_HELD,
	A_EAB_ADD,
	A_EAB_GET,
	A__MAX
};

#define ORDER_COLS							\
	"o.id, o.name, o.account_id, o.status, o.expires, o.created, "	\
	"c.serial, o.replaces, o.error "
#define ORDER_FROM	"FROM acme_order o LEFT JOIN cert c ON c.id = o.cert_id "
#define AUTHZ_COLS							\
	"id, name, order_id, account_id, type, value, status, expires, "	\
	"token, chall_status, validated, error "
#define ACCOUNT_COLS							\
	"a.id, a.name, a.thumbprint, a.status, a.user_id, a.created, "	\
	"a.eab_kid, a.jwk, a.contact "

static const char *const astmts[A__MAX] = {
	[A_NONCE_ADD] =
	    "INSERT INTO acme_nonce (nonce, expires) VALUES (?1, ?2)",
	[A_NONCE_SWEEP] =
	    "DELETE FROM acme_nonce WHERE expires < ?1",
	/* Past the cap the oldest go, even if valid: a flood's bound. */
	[A_NONCE_CAP] =
	    "DELETE FROM acme_nonce WHERE nonce IN (SELECT nonce FROM "
	    "acme_nonce ORDER BY expires LIMIT max(0, (SELECT count(*) "
	    "FROM acme_nonce) - ?1))",
	[A_NONCE_USE] =
	    "DELETE FROM acme_nonce WHERE nonce = ?1 AND expires >= ?2",
	[A_DEFAULT_USER] =
	    "SELECT id FROM user WHERE name = '(acme)'",
	[A_ACCOUNT_ADD] =
	    "INSERT INTO acme_account (name, thumbprint, jwk, status, contact, "
	    "user_id, eab_kid, created) VALUES (?1, ?2, ?3, 'valid', ?4, ?5, "
	    "?6, ?7)",
	[A_ACCOUNT_BY_THUMB] =
	    "SELECT " ACCOUNT_COLS "FROM acme_account a WHERE a.thumbprint = ?1",
	[A_ACCOUNT_BY_NAME] =
	    "SELECT " ACCOUNT_COLS "FROM acme_account a WHERE a.name = ?1",
	[A_ACCOUNT_UPDATE] =
	    "UPDATE acme_account SET status = ?2, contact = ?3, jwk = ?4, "
	    "thumbprint = ?5 WHERE id = ?1",
	[A_ACCOUNT_LIST] =
	    "SELECT " ACCOUNT_COLS ", u.name, (SELECT count(*) FROM acme_order "
	    "o WHERE o.account_id = a.id) FROM acme_account a JOIN user u ON "
	    "u.id = a.user_id ORDER BY a.id",
	[A_EAB_USE] =
	    "UPDATE acme_eab SET account_id = ?2 WHERE kid = ?1 AND "
	    "account_id IS NULL",
	[A_ORDER_ADD] =
	    "INSERT INTO acme_order (name, account_id, status, expires, "
	    "replaces, created) VALUES (?1, ?2, 'pending', ?3, ?4, ?5)",
	[A_AUTHZ_ADD] =
	    "INSERT INTO acme_authz (name, order_id, account_id, type, value, "
	    "status, expires, token, chall_status) VALUES (?1, ?2, ?3, ?4, ?5, "
	    "'pending', ?6, ?7, 'pending')",
	[A_ORDER_GET] =
	    "SELECT " ORDER_COLS ORDER_FROM "WHERE o.name = ?1",
	[A_ORDER_BY_SERIAL] =
	    "SELECT " ORDER_COLS ORDER_FROM "WHERE c.serial = ?1",
	[A_ORDER_REPLACING] =
	    "SELECT " ORDER_COLS ORDER_FROM "WHERE o.replaces = ?1 AND "
	    "o.status != 'invalid' ORDER BY o.id LIMIT 1",
	[A_ORDER_SET] =
	    "UPDATE acme_order SET status = ?2, error = ?3 WHERE id = ?1 AND "
	    "status NOT IN ('valid', 'invalid')",
	[A_ORDER_ISSUE] =
	    "UPDATE acme_order SET status = 'valid', cert_id = ?2 WHERE "
	    "id = ?1 AND status = 'ready'",
	[A_ORDER_LIST] =
	    "SELECT " ORDER_COLS ", a.name " ORDER_FROM "JOIN acme_account a "
	    "ON a.id = o.account_id WHERE ?1 = 0 OR o.account_id = ?1 "
	    "ORDER BY o.id DESC LIMIT ?2",
	/* As store.c's STMT_CERT_ADD: the same row, in our transaction. */
	[A_CERT_ADD] =
	    "INSERT INTO cert (serial, user_id, cert_pem, key_sealed, "
	    "not_before, not_after, created) VALUES (?1, ?2, ?3, NULL, ?4, "
	    "?5, ?6)",
	[A_AUTHZ_LIST] =
	    "SELECT " AUTHZ_COLS "FROM acme_authz WHERE order_id = ?1 "
	    "ORDER BY id",
	[A_AUTHZ_GET] =
	    "SELECT " AUTHZ_COLS "FROM acme_authz WHERE name = ?1",
	[A_AUTHZ_UPDATE] =
	    "UPDATE acme_authz SET status = ?2, chall_status = ?3, "
	    "validated = ?4, error = ?5, expires = ?6 WHERE id = ?1",
	[A_AUTHZ_HELD] =
	    "SELECT 1 FROM acme_authz WHERE account_id = ?1 AND type = ?2 AND "
	    "value = ?3 AND status = 'valid' AND expires >= ?4 LIMIT 1",
	[A_EAB_ADD] =
	    "INSERT INTO acme_eab (kid, user_id, hmac_sealed, created) "
	    "VALUES (?1, ?2, ?3, ?4)",
	[A_EAB_GET] =
	    "SELECT user_id, account_id IS NOT NULL, hmac_sealed FROM acme_eab "
	    "WHERE kid = ?1",
};

static const char *const ident_names[] = { "dns", "ip" };

/* Statement id, prepared on first use on cm's handle; NULL on failure. */
static sqlite3_stmt *
astmt(struct certmaker *cm, enum astmt id)
{
	sqlite3_stmt	*st = NULL;

	if (cm->acme_stmts == NULL &&
	    (cm->acme_stmts = calloc(A__MAX, sizeof(*cm->acme_stmts))) == NULL)
		return NULL;
	if (cm->acme_stmts[id] != NULL)
		return cm->acme_stmts[id];
	if (sqlite3_prepare_v3(cm->db.h, astmts[id], -1,
	    SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
		gh_log("%s: statement %d: %s", __func__, (int)id,
		    sqlite3_errmsg(cm->db.h));
		sqlite3_finalize(st);
		return NULL;
	}
	cm->acme_stmts[id] = st;
	return st;
}

void
certmaker_store_acme_close(struct certmaker *cm)
{
	size_t	i;

	if (cm->acme_stmts == NULL)
		return;
	for (i = 0; i < A__MAX; i++)
		sqlite3_finalize(cm->acme_stmts[i]);
	free(cm->acme_stmts);
	cm->acme_stmts = NULL;
}

/* Begin a write transaction and hand out statement id (NULL: rolled back). */
static sqlite3_stmt *
write_stmt(struct certmaker *cm, enum astmt id, enum gh_err *err)
{
	sqlite3_stmt	*st;

	if ((*err = gh_db_begin(&cm->db)) != GH_OK)
		return NULL;
	if ((st = astmt(cm, id)) == NULL) {
		*err = GH_EDB;
		gh_db_rollback(&cm->db);
	}
	return st;
}

/* Step a statement inside our transaction; GH_ENOTFOUND if it changed none. */
static enum gh_err
step_changed(struct certmaker *cm, sqlite3_stmt *st)
{
	enum gh_err	err;

	if ((err = gh_db_step_done(&cm->db, st)) != GH_OK)
		return err;
	return sqlite3_changes(cm->db.h) > 0 ? GH_OK : GH_ENOTFOUND;
}

/* Copy a text column; "" for NULL. */
static enum gh_err
col_text(sqlite3_stmt *st, int col, char *out, size_t outsz)
{
	enum gh_err	err = gh_db_text(st, col, out, outsz);

	if (err == GH_ENOTFOUND) {
		out[0] = '\0';
		return GH_OK;
	}
	return err;
}

static void
bind_text_or_null(sqlite3_stmt *st, int i, const char *s)
{
	if (s != NULL && s[0] != '\0')
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

enum gh_err
certmaker_store_acme_nonce_add(struct certmaker *cm, const char *nonce,
    long long expires)
{
	sqlite3_stmt	*st;
	enum gh_err	 err;

	if ((st = write_stmt(cm, A_NONCE_ADD, &err)) == NULL)
		return err;
	sqlite3_bind_text(st, 1, nonce, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, expires);
	if ((err = gh_db_step_done(&cm->db, st)) != GH_OK)
		goto fail;
	if ((st = astmt(cm, A_NONCE_SWEEP)) == NULL) {
		err = GH_EDB;
		goto fail;
	}
	sqlite3_bind_int64(st, 1, gh_now());
	if ((err = gh_db_step_done(&cm->db, st)) != GH_OK)
		goto fail;
	if ((st = astmt(cm, A_NONCE_CAP)) == NULL) {
		err = GH_EDB;
		goto fail;
	}
	sqlite3_bind_int64(st, 1, ACME_NONCES_MAX);
	if ((err = gh_db_step_done(&cm->db, st)) != GH_OK)
		goto fail;
	/* A nonce lost in a power cut costs a client one badNonce retry. */
	return gh_db_commit_flags(&cm->db, GH_DB_NOSYNC);
fail:
	gh_db_rollback(&cm->db);
	return err;
}

enum gh_err
certmaker_store_acme_nonce_use(struct certmaker *cm, const char *nonce,
    long long now)
{
	sqlite3_stmt	*st;
	enum gh_err	 err;

	if ((st = write_stmt(cm, A_NONCE_USE, &err)) == NULL)
		return err;
	sqlite3_bind_text(st, 1, nonce, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	if ((err = step_changed(cm, st)) != GH_OK) {
		gh_db_rollback(&cm->db);
		return err;
	}
	return gh_db_commit_flags(&cm->db, GH_DB_NOSYNC);
}

enum gh_err
certmaker_store_acme_default_user(struct certmaker *cm, long long *out)
{
	sqlite3_stmt	*st;
	enum gh_err	 err;

	if ((st = astmt(cm, A_DEFAULT_USER)) == NULL)
		return GH_EDB;
	if ((err = gh_db_step_row(&cm->db, st)) == GH_OK)
		*out = sqlite3_column_int64(st, 0);
	gh_db_reset(st);
	return err;
}

enum gh_err
certmaker_store_acme_account_add(struct certmaker *cm, struct acme_account *a)
{
	sqlite3_stmt	*st;
	enum gh_err	 err;

	if ((st = write_stmt(cm, A_ACCOUNT_ADD, &err)) == NULL)
		return err;
	sqlite3_bind_text(st, 1, a->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, a->thumbprint, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, a->jwk.data, (int)a->jwk.len, SQLITE_STATIC);
	if (a->contact.len > 0)
		sqlite3_bind_text(st, 4, a->contact.data, (int)a->contact.len,
		    SQLITE_STATIC);
	else
		sqlite3_bind_text(st, 4, "[]", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, a->user_id);
	bind_text_or_null(st, 6, a->eab_kid);
	sqlite3_bind_int64(st, 7, a->created);
	if ((err = gh_db_step_done(&cm->db, st)) != GH_OK)
		goto fail;
	a->id = sqlite3_last_insert_rowid(cm->db.h);
	if (a->eab_kid[0] != '\0') {
		if ((st = astmt(cm, A_EAB_USE)) == NULL) {
			err = GH_EDB;
			goto fail;
		}
		sqlite3_bind_text(st, 1, a->eab_kid, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, a->id);
		if ((err = step_changed(cm, st)) != GH_OK) {
			if (err == GH_ENOTFOUND)
				err = GH_ECONFLICT;
			goto fail;
		}
	}
	return gh_db_commit(&cm->db);
fail:
	gh_db_rollback(&cm->db);
	return err;
}

/* The account columns (ACCOUNT_COLS) of the current row into out. */
static enum gh_err
account_row(sqlite3_stmt *st, struct acme_account *out)
{
	enum gh_err	err;

	gh_buf_reset(&out->jwk);
	gh_buf_reset(&out->contact);
	out->id = sqlite3_column_int64(st, 0);
	if ((err = col_text(st, 1, out->name, sizeof(out->name))) != GH_OK ||
	    (err = col_text(st, 2, out->thumbprint,
	    sizeof(out->thumbprint))) != GH_OK)
		return err;
	out->status = acme_status_parse((const char *)
	    sqlite3_column_text(st, 3));
	out->user_id = sqlite3_column_int64(st, 4);
	out->created = sqlite3_column_int64(st, 5);
	if ((err = col_text(st, 6, out->eab_kid, sizeof(out->eab_kid))) !=
	    GH_OK)
		return err;
	if ((err = gh_buf_add(&out->jwk, sqlite3_column_text(st, 7),
	    (size_t)sqlite3_column_bytes(st, 7))) != GH_OK ||
	    (err = gh_buf_add(&out->jwk, "", 1)) != GH_OK ||
	    (err = gh_buf_add(&out->contact, sqlite3_column_text(st, 8),
	    (size_t)sqlite3_column_bytes(st, 8))) != GH_OK ||
	    (err = gh_buf_add(&out->contact, "", 1)) != GH_OK)
		return err;
	/* Keep the text NUL-terminated but len its length. */
	out->jwk.len--;
	out->contact.len--;
	return GH_OK;
}

enum gh_err
certmaker_store_acme_account_get(struct certmaker *cm, const char *thumbprint,
    const char *name, struct acme_account *out)
{
	sqlite3_stmt	*st;
	enum gh_err	 err;

	st = astmt(cm, thumbprint ? A_ACCOUNT_BY_THUMB : A_ACCOUNT_BY_NAME);
	if (st == NULL)
		return GH_EDB;
	sqlite3_bind_text(st, 1, thumbprint ? thumbprint : name, -1,
	    SQLITE_STATIC);
	if ((err = gh_db_step_row(&cm->db, st)) == GH_OK)
		err = account_row(st, out);
	gh_db_reset(st);
	return err;
}

enum gh_err
certmaker_store_acme_account_update(struct certmaker *cm,
    const struct acme_account *a)
{
	sqlite3_stmt	*st;
	enum gh_err	 err;

	if ((st = write_stmt(cm, A_ACCOUNT_UPDATE, &err)) == NULL)
		return err;
	sqlite3_bind_int64(st, 1, a->id);
	sqlite3_bind_text(st, 2, acme_status_names[a->status], -1,
	    SQLITE_STATIC);
	sqlite3_bind_text(st, 3, a->contact.len ? a->contact.data : "[]",
	    a->contact.len ? (int)a->contact.len : -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, a->jwk.data, (int)a->jwk.len, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, a->thumbprint, -1, SQLITE_STATIC);
	return gh_db_write_done(&cm->db, st, GH_DB_CHANGED);
}

enum gh_err
certmaker_store_acme_account_list(struct certmaker *cm,
    certmaker_store_acme_account_cb *cb, void *arg)
{
	struct acme_account	 a;
	sqlite3_stmt		*st;
	int			 rc;
	enum gh_err		 err = GH_OK;

	if ((st = astmt(cm, A_ACCOUNT_LIST)) == NULL)
		return GH_EDB;
	acme_account_init(&a);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((err = account_row(st, &a)) != GH_OK)
			break;
		cb(&a, (const char *)sqlite3_column_text(st, 9),
		    sqlite3_column_int64(st, 10), arg);
	}
	if (err == GH_OK && rc != SQLITE_DONE)
		err = gh_db_err(rc);
	gh_db_reset(st);
	acme_account_free(&a);
	return err;
}

enum gh_err
certmaker_store_acme_order_add(struct certmaker *cm, struct acme_order *o,
    const struct acme_idents *ids, long long authz_expires)
{
	sqlite3_stmt	*st;
	char		 name[ACME_ID_LEN + 1];
	char		 tok[ACME_TOKEN_LEN + 1];
	unsigned char	 rnd[ACME_TOKEN_BYTES];
	size_t		 i;
	enum gh_err	 err;

	if ((st = write_stmt(cm, A_ORDER_ADD, &err)) == NULL)
		return err;
	sqlite3_bind_text(st, 1, o->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, o->account_id);
	sqlite3_bind_int64(st, 3, o->expires);
	bind_text_or_null(st, 4, o->replaces);
	sqlite3_bind_int64(st, 5, o->created);
	if ((err = gh_db_step_done(&cm->db, st)) != GH_OK)
		goto fail;
	o->id = sqlite3_last_insert_rowid(cm->db.h);
	for (i = 0; i < ids->n; i++) {
		if ((err = acme_id_new(name)) != GH_OK ||
		    (err = gh_random(rnd, sizeof(rnd))) != GH_OK ||
		    (err = gh_b64url_encode(rnd, sizeof(rnd), tok,
		    sizeof(tok))) != GH_OK)
			goto fail;
		if ((st = astmt(cm, A_AUTHZ_ADD)) == NULL) {
			err = GH_EDB;
			goto fail;
		}
		sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 2, o->id);
		sqlite3_bind_int64(st, 3, o->account_id);
		sqlite3_bind_text(st, 4, ident_names[ids->v[i].type], -1,
		    SQLITE_STATIC);
		sqlite3_bind_text(st, 5, ids->v[i].value, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 6, authz_expires);
		sqlite3_bind_text(st, 7, tok, -1, SQLITE_TRANSIENT);
		if ((err = gh_db_step_done(&cm->db, st)) != GH_OK)
			goto fail;
	}
	return gh_db_commit(&cm->db);
fail:
	gh_db_rollback(&cm->db);
	return err;
}

/* ORDER_COLS of the current row into out. */
static enum gh_err
order_row(sqlite3_stmt *st, struct acme_order *out)
{
	enum gh_err	err;

	memset(out, 0, sizeof(*out));
	out->id = sqlite3_column_int64(st, 0);
	if ((err = col_text(st, 1, out->name, sizeof(out->name))) != GH_OK)
		return err;
	out->account_id = sqlite3_column_int64(st, 2);
	out->status = acme_status_parse((const char *)
	    sqlite3_column_text(st, 3));
	out->expires = sqlite3_column_int64(st, 4);
	out->created = sqlite3_column_int64(st, 5);
	if ((err = col_text(st, 6, out->serial, sizeof(out->serial))) !=
	    GH_OK ||
	    (err = col_text(st, 7, out->replaces, sizeof(out->replaces))) !=
	    GH_OK)
		return err;
	return col_text(st, 8, out->error, sizeof(out->error));
}

static enum gh_err
order_get(struct certmaker *cm, enum astmt id, const char *key,
    struct acme_order *out)
{
	sqlite3_stmt	*st;
	enum gh_err	 err;

	if ((st = astmt(cm, id)) == NULL)
		return GH_EDB;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if ((err = gh_db_step_row(&cm->db, st)) == GH_OK)
		err = order_row(st, out);
	gh_db_reset(st);
	return err;
}

enum gh_err
certmaker_store_acme_order_get(struct certmaker *cm, const char *name,
    struct acme_order *out)
{
	return order_get(cm, A_ORDER_GET, name, out);
}

enum gh_err
certmaker_store_acme_order_by_serial(struct certmaker *cm, const char *serial,
    struct acme_order *out)
{
	return order_get(cm, A_ORDER_BY_SERIAL, serial, out);
}

enum gh_err
certmaker_store_acme_order_replacing(struct certmaker *cm,
    const char *serial, struct acme_order *out)
{
	return order_get(cm, A_ORDER_REPLACING, serial, out);
}

enum gh_err
certmaker_store_acme_order_set(struct certmaker *cm, long long id,
    enum acme_status status, const char *error)
{
	sqlite3_stmt	*st;
	enum gh_err	 err;

	if ((st = write_stmt(cm, A_ORDER_SET, &err)) == NULL)
		return err;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, acme_status_names[status], -1, SQLITE_STATIC);
	bind_text_or_null(st, 3, error);
	return gh_db_write_done(&cm->db, st, 0);
}

enum gh_err
certmaker_store_acme_order_issue(struct certmaker *cm, long long order_id,
    const struct cm_cert *c, const char *pem)
{
	sqlite3_stmt	*st;
	long long	 cert_id;
	enum gh_err	 err;

	if ((st = write_stmt(cm, A_CERT_ADD, &err)) == NULL)
		return err;
	sqlite3_bind_text(st, 1, c->serial, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, c->user_id);
	sqlite3_bind_text(st, 3, pem, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, c->not_before);
	sqlite3_bind_int64(st, 5, c->not_after);
	sqlite3_bind_int64(st, 6, gh_now());
	if ((err = gh_db_step_done(&cm->db, st)) != GH_OK)
		goto fail;
	cert_id = sqlite3_last_insert_rowid(cm->db.h);
	if ((st = astmt(cm, A_ORDER_ISSUE)) == NULL) {
		err = GH_EDB;
		goto fail;
	}
	sqlite3_bind_int64(st, 1, order_id);
	sqlite3_bind_int64(st, 2, cert_id);
	if ((err = step_changed(cm, st)) != GH_OK) {
		if (err == GH_ENOTFOUND)
			err = GH_ECONFLICT;
		goto fail;
	}
	return gh_db_commit(&cm->db);
fail:
	gh_db_rollback(&cm->db);
	return err;
}

enum gh_err
certmaker_store_acme_order_list(struct certmaker *cm, long long account_id,
    size_t max, certmaker_store_acme_order_cb *cb, void *arg)
{
	struct acme_order	 o;
	sqlite3_stmt		*st;
	int			 rc;
	enum gh_err		 err = GH_OK;

	if ((st = astmt(cm, A_ORDER_LIST)) == NULL)
		return GH_EDB;
	sqlite3_bind_int64(st, 1, account_id);
	sqlite3_bind_int64(st, 2, (long long)max);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((err = order_row(st, &o)) != GH_OK)
			break;
		cb(&o, (const char *)sqlite3_column_text(st, 9), arg);
	}
	if (err == GH_OK && rc != SQLITE_DONE)
		err = gh_db_err(rc);
	gh_db_reset(st);
	return err;
}

/* AUTHZ_COLS of the current row into out. */
static enum gh_err
authz_row(sqlite3_stmt *st, struct acme_authz *out)
{
	const char	*type;
	enum gh_err	 err;

	memset(out, 0, sizeof(*out));
	out->id = sqlite3_column_int64(st, 0);
	if ((err = col_text(st, 1, out->name, sizeof(out->name))) != GH_OK)
		return err;
	out->order_id = sqlite3_column_int64(st, 2);
	out->account_id = sqlite3_column_int64(st, 3);
	type = (const char *)sqlite3_column_text(st, 4);
	out->type = type != NULL && strcmp(type, "ip") == 0 ? ACME_IP :
	    ACME_DNS;
	if ((err = col_text(st, 5, out->value, sizeof(out->value))) != GH_OK)
		return err;
	out->status = acme_status_parse((const char *)
	    sqlite3_column_text(st, 6));
	out->expires = sqlite3_column_int64(st, 7);
	if ((err = col_text(st, 8, out->token, sizeof(out->token))) != GH_OK)
		return err;
	out->chall = acme_status_parse((const char *)
	    sqlite3_column_text(st, 9));
	out->validated = sqlite3_column_int64(st, 10);
	return col_text(st, 11, out->error, sizeof(out->error));
}

enum gh_err
certmaker_store_acme_authz_list(struct certmaker *cm, long long order_id,
    struct acme_authz *out, size_t max, size_t *n)
{
	sqlite3_stmt	*st;
	size_t		 i = 0;
	int		 rc;
	enum gh_err	 err = GH_OK;

	if ((st = astmt(cm, A_AUTHZ_LIST)) == NULL)
		return GH_EDB;
	sqlite3_bind_int64(st, 1, order_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (i == max) {
			err = GH_ETOOBIG;
			break;
		}
		if ((err = authz_row(st, &out[i])) != GH_OK)
			break;
		i++;
	}
	if (err == GH_OK && rc != SQLITE_DONE)
		err = gh_db_err(rc);
	gh_db_reset(st);
	if (err == GH_OK)
		*n = i;
	return err;
}

enum gh_err
certmaker_store_acme_authz_get(struct certmaker *cm, const char *name,
    struct acme_authz *out)
{
	sqlite3_stmt	*st;
	enum gh_err	 err;

	if ((st = astmt(cm, A_AUTHZ_GET)) == NULL)
		return GH_EDB;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if ((err = gh_db_step_row(&cm->db, st)) == GH_OK)
		err = authz_row(st, out);
	gh_db_reset(st);
	return err;
}

enum gh_err
certmaker_store_acme_authz_update(struct certmaker *cm,
    const struct acme_authz *z)
{
	sqlite3_stmt	*st;
	enum gh_err	 err;

	if ((st = write_stmt(cm, A_AUTHZ_UPDATE, &err)) == NULL)
		return err;
	sqlite3_bind_int64(st, 1, z->id);
	sqlite3_bind_text(st, 2, acme_status_names[z->status], -1,
	    SQLITE_STATIC);
	sqlite3_bind_text(st, 3, acme_status_names[z->chall], -1,
	    SQLITE_STATIC);
	if (z->validated > 0)
		sqlite3_bind_int64(st, 4, z->validated);
	else
		sqlite3_bind_null(st, 4);
	bind_text_or_null(st, 5, z->error);
	sqlite3_bind_int64(st, 6, z->expires);
	return gh_db_write_done(&cm->db, st, GH_DB_CHANGED);
}

enum gh_err
certmaker_store_acme_authz_held(struct certmaker *cm, long long account_id,
    enum acme_ident type, const char *value, long long now, int *out)
{
	sqlite3_stmt	*st;
	enum gh_err	 err;

	if ((st = astmt(cm, A_AUTHZ_HELD)) == NULL)
		return GH_EDB;
	sqlite3_bind_int64(st, 1, account_id);
	sqlite3_bind_text(st, 2, ident_names[type], -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, value, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now);
	err = gh_db_step_row(&cm->db, st);
	gh_db_reset(st);
	if (err == GH_OK || err == GH_ENOTFOUND) {
		*out = err == GH_OK;
		return GH_OK;
	}
	return err;
}

enum gh_err
certmaker_store_acme_eab_add(struct certmaker *cm, const char *kid,
    long long user_id, const void *sealed, size_t n)
{
	sqlite3_stmt	*st;
	enum gh_err	 err;

	if ((st = write_stmt(cm, A_EAB_ADD, &err)) == NULL)
		return err;
	sqlite3_bind_text(st, 1, kid, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, user_id);
	sqlite3_bind_blob(st, 3, sealed, (int)n, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, gh_now());
	return gh_db_write_done(&cm->db, st, GH_DB_CHANGED);
}

enum gh_err
certmaker_store_acme_eab_get(struct certmaker *cm, const char *kid,
    long long *user_id, int *used, struct gh_buf *sealed)
{
	sqlite3_stmt	*st;
	enum gh_err	 err;

	if ((st = astmt(cm, A_EAB_GET)) == NULL)
		return GH_EDB;
	sqlite3_bind_text(st, 1, kid, -1, SQLITE_STATIC);
	if ((err = gh_db_step_row(&cm->db, st)) == GH_OK) {
		*user_id = sqlite3_column_int64(st, 0);
		*used = sqlite3_column_int(st, 1);
		err = gh_buf_add(sealed, sqlite3_column_blob(st, 2),
		    (size_t)sqlite3_column_bytes(st, 2));
	}
	gh_db_reset(st);
	return err;
}
