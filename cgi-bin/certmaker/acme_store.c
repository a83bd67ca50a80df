/* SPDX-License-Identifier: ISC */
/*
 * acme_store: all SQL of certmaker's ACME, as one table of statements
 * that store.c appends to its own on certmaker's database handle (so
 * that they share its transactions), on either backend of db.h.
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

#define NONCE_CAP							\
	"DELETE FROM acme_nonce WHERE nonce IN (SELECT nonce FROM "	\
	"acme_nonce ORDER BY expires LIMIT "
#define ORDER_ADD							\
	"INSERT INTO acme_order (name, account_id, status, expires, "	\
	"replaces, created) VALUES ($1, $2, 'pending', $3, $4, $5)"
#define ACCOUNT_ADD							\
	"INSERT INTO acme_account (name, thumbprint, jwk, status, contact, " \
	"user_id, eab_kid, created) VALUES ($1, $2, $3, 'valid', $4, $5, " \
	"$6, $7)"
/* As store.c's STMT_CERT_ADD: the same row, in our transaction. */
#define CERT_ADD							\
	"INSERT INTO cert (serial, user_id, cert_pem, key_sealed, "	\
	"not_before, not_after, created) VALUES ($1, $2, $3, NULL, $4, "	\
	"$5, $6)"

/*
 * Written once with $n for both backends (db.h); per backend where the
 * SQL differs: the id of an insert (SQLite's last rowid, PostgreSQL's
 * RETURNING) and max() / greatest().  "user" is quoted everywhere: a
 * reserved word to PostgreSQL.
 */
const struct gh_stmt_def certmaker_acme_stmts[CM_ACME_STMTS] = {
	[A_NONCE_ADD] = {
	    "INSERT INTO acme_nonce (nonce, expires) VALUES ($1, $2)",
	    NULL, NULL },
	[A_NONCE_SWEEP] = {
	    "DELETE FROM acme_nonce WHERE expires < $1", NULL, NULL },
	/* Past the cap the oldest go, even if valid: a flood's bound. */
	[A_NONCE_CAP] = { NULL,
	    NONCE_CAP "max(0, (SELECT count(*) FROM acme_nonce) - $1))",
	    NONCE_CAP "greatest(0, (SELECT count(*) FROM acme_nonce) - $1))" },
	/*
	 * Single use on every node: the DELETE that returns the nonce is
	 * the one that used it.  On PostgreSQL a second DELETE of the same
	 * row waits for the first to commit and then finds it gone.
	 */
	[A_NONCE_USE] = {
	    "DELETE FROM acme_nonce WHERE nonce = $1 AND expires >= $2 "
	    "RETURNING nonce", NULL, NULL },
	[A_DEFAULT_USER] = {
	    "SELECT id FROM \"user\" WHERE name = '(acme)'", NULL, NULL },
	[A_ACCOUNT_ADD] = { ACCOUNT_ADD, NULL, ACCOUNT_ADD " RETURNING id" },
	[A_ACCOUNT_BY_THUMB] = {
	    "SELECT " ACCOUNT_COLS "FROM acme_account a WHERE a.thumbprint = $1",
	    NULL, NULL },
	[A_ACCOUNT_BY_NAME] = {
	    "SELECT " ACCOUNT_COLS "FROM acme_account a WHERE a.name = $1",
	    NULL, NULL },
	[A_ACCOUNT_UPDATE] = {
	    "UPDATE acme_account SET status = $2, contact = $3, jwk = $4, "
	    "thumbprint = $5 WHERE id = $1", NULL, NULL },
	[A_ACCOUNT_LIST] = {
	    "SELECT " ACCOUNT_COLS ", u.name, (SELECT count(*) FROM acme_order "
	    "o WHERE o.account_id = a.id) FROM acme_account a JOIN \"user\" u "
	    "ON u.id = a.user_id ORDER BY a.id", NULL, NULL },
	[A_EAB_USE] = {
	    "UPDATE acme_eab SET account_id = $2 WHERE kid = $1 AND "
	    "account_id IS NULL", NULL, NULL },
	[A_ORDER_ADD] = { ORDER_ADD, NULL, ORDER_ADD " RETURNING id" },
	[A_AUTHZ_ADD] = {
	    "INSERT INTO acme_authz (name, order_id, account_id, type, value, "
	    "status, expires, token, chall_status) VALUES ($1, $2, $3, $4, $5, "
	    "'pending', $6, $7, 'pending')", NULL, NULL },
	[A_ORDER_GET] = {
	    "SELECT " ORDER_COLS ORDER_FROM "WHERE o.name = $1", NULL, NULL },
	[A_ORDER_BY_SERIAL] = {
	    "SELECT " ORDER_COLS ORDER_FROM "WHERE c.serial = $1", NULL, NULL },
	[A_ORDER_REPLACING] = {
	    "SELECT " ORDER_COLS ORDER_FROM "WHERE o.replaces = $1 AND "
	    "o.status != 'invalid' ORDER BY o.id LIMIT 1", NULL, NULL },
	[A_ORDER_SET] = {
	    "UPDATE acme_order SET status = $2, error = $3 WHERE id = $1 AND "
	    "status NOT IN ('valid', 'invalid')", NULL, NULL },
	[A_ORDER_ISSUE] = {
	    "UPDATE acme_order SET status = 'valid', cert_id = $2 WHERE "
	    "id = $1 AND status = 'ready'", NULL, NULL },
	[A_ORDER_LIST] = {
	    "SELECT " ORDER_COLS ", a.name " ORDER_FROM "JOIN acme_account a "
	    "ON a.id = o.account_id WHERE $1 = 0 OR o.account_id = $1 "
	    "ORDER BY o.id DESC LIMIT $2", NULL, NULL },
	[A_CERT_ADD] = { CERT_ADD, NULL, CERT_ADD " RETURNING id" },
	[A_AUTHZ_LIST] = {
	    "SELECT " AUTHZ_COLS "FROM acme_authz WHERE order_id = $1 "
	    "ORDER BY id", NULL, NULL },
	[A_AUTHZ_GET] = {
	    "SELECT " AUTHZ_COLS "FROM acme_authz WHERE name = $1", NULL, NULL },
	[A_AUTHZ_UPDATE] = {
	    "UPDATE acme_authz SET status = $2, chall_status = $3, "
	    "validated = $4, error = $5, expires = $6 WHERE id = $1",
	    NULL, NULL },
	[A_AUTHZ_HELD] = {
	    "SELECT 1 FROM acme_authz WHERE account_id = $1 AND type = $2 AND "
	    "value = $3 AND status = 'valid' AND expires >= $4 LIMIT 1",
	    NULL, NULL },
	[A_EAB_ADD] = {
	    "INSERT INTO acme_eab (kid, user_id, hmac_sealed, created) "
	    "VALUES ($1, $2, $3, $4)", NULL, NULL },
	[A_EAB_GET] = {
	    "SELECT user_id, CASE WHEN account_id IS NULL THEN 0 ELSE 1 END, "
	    "hmac_sealed FROM acme_eab "
	    "WHERE kid = $1", NULL, NULL },
};

_Static_assert(A__MAX == CM_ACME_STMTS, "CM_ACME_STMTS in certmaker.h");

static const char *const ident_names[] = { "dns", "ip" };

/* Statement id, on certmaker's handle; NULL on failure (logged). */
static struct gh_stmt *
astmt(struct certmaker *cm, enum astmt id)
{
	return certmaker_store_acme_prep(cm, id);
}

/* Begin a write transaction and hand out statement id (NULL: rolled back). */
static struct gh_stmt *
write_stmt(struct certmaker *cm, enum astmt id, enum gh_err *err)
{
	struct gh_stmt	*st;

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
step_changed(struct gh_stmt *st)
{
	enum gh_err	err;

	if ((err = gh_stmt_done(st)) != GH_OK)
		return err;
	return gh_stmt_changes(st) > 0 ? GH_OK : GH_ENOTFOUND;
}

/* Copy a text column; "" for NULL. */
static enum gh_err
col_text(struct gh_stmt *st, int col, char *out, size_t outsz)
{
	enum gh_err	err = gh_stmt_text_copy(st, col, out, outsz);

	if (err == GH_ENOTFOUND) {
		out[0] = '\0';
		return GH_OK;
	}
	return err;
}

static void
bind_text_or_null(struct gh_stmt *st, int i, const char *s)
{
	if (s != NULL && s[0] != '\0')
		gh_stmt_bind_text(st, i, s);
	else
		gh_stmt_bind_null(st, i);
}

/*
 * A NUL-terminated copy of b's text (of dflt when b is empty), to bind:
 * the caller frees it after the step.  NULL: out of memory.
 */
static char *
buf_text(const struct gh_buf *b, const char *dflt)
{
	char	*s;

	if (b->len == 0 || b->data == NULL)
		return strdup(dflt);
	if ((s = malloc(b->len + 1)) == NULL)
		return NULL;
	memcpy(s, b->data, b->len);
	s[b->len] = '\0';
	return s;
}

enum gh_err
certmaker_store_acme_nonce_add(struct certmaker *cm, const char *nonce,
    long long expires)
{
	struct gh_stmt	*st;
	enum gh_err	 err;

	if ((st = write_stmt(cm, A_NONCE_ADD, &err)) == NULL)
		return err;
	gh_stmt_bind_text(st, 1, nonce);
	gh_stmt_bind_int64(st, 2, expires);
	if ((err = gh_stmt_done(st)) != GH_OK)
		goto fail;
	if ((st = astmt(cm, A_NONCE_SWEEP)) == NULL) {
		err = GH_EDB;
		goto fail;
	}
	gh_stmt_bind_int64(st, 1, gh_now());
	if ((err = gh_stmt_done(st)) != GH_OK)
		goto fail;
	if ((st = astmt(cm, A_NONCE_CAP)) == NULL) {
		err = GH_EDB;
		goto fail;
	}
	gh_stmt_bind_int64(st, 1, ACME_NONCES_MAX);
	if ((err = gh_stmt_done(st)) != GH_OK)
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
	struct gh_stmt	*st;
	enum gh_err	 err;

	if ((st = write_stmt(cm, A_NONCE_USE, &err)) == NULL)
		return err;
	gh_stmt_bind_text(st, 1, nonce);
	gh_stmt_bind_int64(st, 2, now);
	err = gh_stmt_row(st);
	gh_stmt_reset(st);
	if (err != GH_OK) {
		gh_db_rollback(&cm->db);
		return err;
	}
	return gh_db_commit_flags(&cm->db, GH_DB_NOSYNC);
}

enum gh_err
certmaker_store_acme_default_user(struct certmaker *cm, long long *out)
{
	struct gh_stmt	*st;
	enum gh_err	 err;

	if ((st = astmt(cm, A_DEFAULT_USER)) == NULL)
		return GH_EDB;
	if ((err = gh_stmt_row(st)) == GH_OK)
		*out = gh_stmt_int64(st, 0);
	gh_stmt_reset(st);
	return err;
}

enum gh_err
certmaker_store_acme_account_add(struct certmaker *cm, struct acme_account *a)
{
	struct gh_stmt	*st;
	char		*jwk, *contact;
	enum gh_err	 err;

	jwk = buf_text(&a->jwk, "");
	contact = buf_text(&a->contact, "[]");
	if (jwk == NULL || contact == NULL) {
		err = GH_ENOMEM;
		goto out;
	}
	if ((st = write_stmt(cm, A_ACCOUNT_ADD, &err)) == NULL)
		goto out;
	gh_stmt_bind_text(st, 1, a->name);
	gh_stmt_bind_text(st, 2, a->thumbprint);
	gh_stmt_bind_text(st, 3, jwk);
	gh_stmt_bind_text(st, 4, contact);
	gh_stmt_bind_int64(st, 5, a->user_id);
	bind_text_or_null(st, 6, a->eab_kid);
	gh_stmt_bind_int64(st, 7, a->created);
	if ((err = gh_stmt_insert(st, GH_DB_CHANGED, &a->id)) != GH_OK)
		goto fail;
	if (a->eab_kid[0] != '\0') {
		if ((st = astmt(cm, A_EAB_USE)) == NULL) {
			err = GH_EDB;
			goto fail;
		}
		gh_stmt_bind_text(st, 1, a->eab_kid);
		gh_stmt_bind_int64(st, 2, a->id);
		if ((err = step_changed(st)) != GH_OK) {
			if (err == GH_ENOTFOUND)
				err = GH_ECONFLICT;
			goto fail;
		}
	}
	err = gh_db_commit(&cm->db);
	goto out;
fail:
	gh_db_rollback(&cm->db);
out:
	free(jwk);
	free(contact);
	return err;
}

/* Text column col into b, NUL-terminated but len its length. */
static enum gh_err
col_buf(struct gh_stmt *st, int col, struct gh_buf *b)
{
	const char	*p = gh_stmt_text(st, col);
	enum gh_err	 err;

	if (p == NULL)
		p = "";
	if ((err = gh_buf_add(b, p, strlen(p) + 1)) != GH_OK)
		return err;
	b->len--;
	return GH_OK;
}

/* The account columns (ACCOUNT_COLS) of the current row into out. */
static enum gh_err
account_row(struct gh_stmt *st, struct acme_account *out)
{
	enum gh_err	err;

	gh_buf_reset(&out->jwk);
	gh_buf_reset(&out->contact);
	out->id = gh_stmt_int64(st, 0);
	if ((err = col_text(st, 1, out->name, sizeof(out->name))) != GH_OK ||
	    (err = col_text(st, 2, out->thumbprint,
	    sizeof(out->thumbprint))) != GH_OK)
		return err;
	out->status = acme_status_parse(gh_stmt_text(st, 3));
	out->user_id = gh_stmt_int64(st, 4);
	out->created = gh_stmt_int64(st, 5);
	if ((err = col_text(st, 6, out->eab_kid, sizeof(out->eab_kid))) !=
	    GH_OK)
		return err;
	if ((err = col_buf(st, 7, &out->jwk)) != GH_OK)
		return err;
	return col_buf(st, 8, &out->contact);
}

enum gh_err
certmaker_store_acme_account_get(struct certmaker *cm, const char *thumbprint,
    const char *name, struct acme_account *out)
{
	struct gh_stmt	*st;
	enum gh_err	 err;

	st = astmt(cm, thumbprint ? A_ACCOUNT_BY_THUMB : A_ACCOUNT_BY_NAME);
	if (st == NULL)
		return GH_EDB;
	gh_stmt_bind_text(st, 1, thumbprint ? thumbprint : name);
	if ((err = gh_stmt_row(st)) == GH_OK)
		err = account_row(st, out);
	gh_stmt_reset(st);
	return err;
}

enum gh_err
certmaker_store_acme_account_update(struct certmaker *cm,
    const struct acme_account *a)
{
	struct gh_stmt	*st;
	char		*jwk, *contact;
	enum gh_err	 err;

	jwk = buf_text(&a->jwk, "");
	contact = buf_text(&a->contact, "[]");
	if (jwk == NULL || contact == NULL)
		err = GH_ENOMEM;
	else if ((st = write_stmt(cm, A_ACCOUNT_UPDATE, &err)) != NULL) {
		gh_stmt_bind_int64(st, 1, a->id);
		gh_stmt_bind_text(st, 2, acme_status_names[a->status]);
		gh_stmt_bind_text(st, 3, contact);
		gh_stmt_bind_text(st, 4, jwk);
		gh_stmt_bind_text(st, 5, a->thumbprint);
		err = gh_db_write_end(&cm->db, st, GH_DB_CHANGED);
	}
	free(jwk);
	free(contact);
	return err;
}

enum gh_err
certmaker_store_acme_account_list(struct certmaker *cm,
    certmaker_store_acme_account_cb *cb, void *arg)
{
	struct acme_account	 a;
	struct gh_stmt		*st;
	enum gh_db_rc		 rc;
	enum gh_err		 err = GH_OK;

	if ((st = astmt(cm, A_ACCOUNT_LIST)) == NULL)
		return GH_EDB;
	acme_account_init(&a);
	while ((rc = gh_stmt_step(st)) == GH_DB_ROW) {
		if ((err = account_row(st, &a)) != GH_OK)
			break;
		cb(&a, gh_stmt_text(st, 9), gh_stmt_int64(st, 10), arg);
	}
	if (err == GH_OK && rc != GH_DB_DONE)
		err = gh_db_rc_err(rc);
	gh_stmt_reset(st);
	acme_account_free(&a);
	return err;
}

enum gh_err
certmaker_store_acme_order_add(struct certmaker *cm, struct acme_order *o,
    const struct acme_idents *ids, long long authz_expires)
{
	struct gh_stmt	*st;
	char		 name[ACME_ID_LEN + 1];
	char		 tok[ACME_TOKEN_LEN + 1];
	unsigned char	 rnd[ACME_TOKEN_BYTES];
	size_t		 i;
	enum gh_err	 err;

	if ((st = write_stmt(cm, A_ORDER_ADD, &err)) == NULL)
		return err;
	gh_stmt_bind_text(st, 1, o->name);
	gh_stmt_bind_int64(st, 2, o->account_id);
	gh_stmt_bind_int64(st, 3, o->expires);
	bind_text_or_null(st, 4, o->replaces);
	gh_stmt_bind_int64(st, 5, o->created);
	if ((err = gh_stmt_insert(st, GH_DB_CHANGED, &o->id)) != GH_OK)
		goto fail;
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
		/* name and tok live until the step below: borrowed is fine. */
		gh_stmt_bind_text(st, 1, name);
		gh_stmt_bind_int64(st, 2, o->id);
		gh_stmt_bind_int64(st, 3, o->account_id);
		gh_stmt_bind_text(st, 4, ident_names[ids->v[i].type]);
		gh_stmt_bind_text(st, 5, ids->v[i].value);
		gh_stmt_bind_int64(st, 6, authz_expires);
		gh_stmt_bind_text(st, 7, tok);
		if ((err = gh_stmt_done(st)) != GH_OK)
			goto fail;
	}
	return gh_db_commit(&cm->db);
fail:
	gh_db_rollback(&cm->db);
	return err;
}

/* ORDER_COLS of the current row into out. */
static enum gh_err
order_row(struct gh_stmt *st, struct acme_order *out)
{
	enum gh_err	err;

	memset(out, 0, sizeof(*out));
	out->id = gh_stmt_int64(st, 0);
	if ((err = col_text(st, 1, out->name, sizeof(out->name))) != GH_OK)
		return err;
	out->account_id = gh_stmt_int64(st, 2);
	out->status = acme_status_parse(gh_stmt_text(st, 3));
	out->expires = gh_stmt_int64(st, 4);
	out->created = gh_stmt_int64(st, 5);
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
	struct gh_stmt	*st;
	enum gh_err	 err;

	if ((st = astmt(cm, id)) == NULL)
		return GH_EDB;
	gh_stmt_bind_text(st, 1, key);
	if ((err = gh_stmt_row(st)) == GH_OK)
		err = order_row(st, out);
	gh_stmt_reset(st);
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
	struct gh_stmt	*st;
	enum gh_err	 err;

	if ((st = write_stmt(cm, A_ORDER_SET, &err)) == NULL)
		return err;
	gh_stmt_bind_int64(st, 1, id);
	gh_stmt_bind_text(st, 2, acme_status_names[status]);
	bind_text_or_null(st, 3, error);
	return gh_db_write_end(&cm->db, st, 0);
}

enum gh_err
certmaker_store_acme_order_issue(struct certmaker *cm, long long order_id,
    const struct cm_cert *c, const char *pem)
{
	struct gh_stmt	*st;
	long long	 cert_id = 0;
	enum gh_err	 err;

	if ((st = write_stmt(cm, A_CERT_ADD, &err)) == NULL)
		return err;
	gh_stmt_bind_text(st, 1, c->serial);
	gh_stmt_bind_int64(st, 2, c->user_id);
	gh_stmt_bind_text(st, 3, pem);
	gh_stmt_bind_int64(st, 4, c->not_before);
	gh_stmt_bind_int64(st, 5, c->not_after);
	gh_stmt_bind_int64(st, 6, gh_now());
	if ((err = gh_stmt_insert(st, GH_DB_CHANGED, &cert_id)) != GH_OK)
		goto fail;
	if ((st = astmt(cm, A_ORDER_ISSUE)) == NULL) {
		err = GH_EDB;
		goto fail;
	}
	gh_stmt_bind_int64(st, 1, order_id);
	gh_stmt_bind_int64(st, 2, cert_id);
	if ((err = step_changed(st)) != GH_OK) {
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
	struct gh_stmt		*st;
	enum gh_db_rc		 rc;
	enum gh_err		 err = GH_OK;

	if ((st = astmt(cm, A_ORDER_LIST)) == NULL)
		return GH_EDB;
	gh_stmt_bind_int64(st, 1, account_id);
	gh_stmt_bind_int64(st, 2, (long long)max);
	while ((rc = gh_stmt_step(st)) == GH_DB_ROW) {
		if ((err = order_row(st, &o)) != GH_OK)
			break;
		cb(&o, gh_stmt_text(st, 9), arg);
	}
	if (err == GH_OK && rc != GH_DB_DONE)
		err = gh_db_rc_err(rc);
	gh_stmt_reset(st);
	return err;
}

/* AUTHZ_COLS of the current row into out. */
static enum gh_err
authz_row(struct gh_stmt *st, struct acme_authz *out)
{
	const char	*type;
	enum gh_err	 err;

	memset(out, 0, sizeof(*out));
	out->id = gh_stmt_int64(st, 0);
	if ((err = col_text(st, 1, out->name, sizeof(out->name))) != GH_OK)
		return err;
	out->order_id = gh_stmt_int64(st, 2);
	out->account_id = gh_stmt_int64(st, 3);
	type = gh_stmt_text(st, 4);
	out->type = type != NULL && strcmp(type, "ip") == 0 ? ACME_IP :
	    ACME_DNS;
	if ((err = col_text(st, 5, out->value, sizeof(out->value))) != GH_OK)
		return err;
	out->status = acme_status_parse(gh_stmt_text(st, 6));
	out->expires = gh_stmt_int64(st, 7);
	if ((err = col_text(st, 8, out->token, sizeof(out->token))) != GH_OK)
		return err;
	out->chall = acme_status_parse(gh_stmt_text(st, 9));
	out->validated = gh_stmt_int64(st, 10);
	return col_text(st, 11, out->error, sizeof(out->error));
}

enum gh_err
certmaker_store_acme_authz_list(struct certmaker *cm, long long order_id,
    struct acme_authz *out, size_t max, size_t *n)
{
	struct gh_stmt	*st;
	size_t		 i = 0;
	enum gh_db_rc	 rc;
	enum gh_err	 err = GH_OK;

	if ((st = astmt(cm, A_AUTHZ_LIST)) == NULL)
		return GH_EDB;
	gh_stmt_bind_int64(st, 1, order_id);
	while ((rc = gh_stmt_step(st)) == GH_DB_ROW) {
		if (i == max) {
			err = GH_ETOOBIG;
			break;
		}
		if ((err = authz_row(st, &out[i])) != GH_OK)
			break;
		i++;
	}
	if (err == GH_OK && rc != GH_DB_DONE)
		err = gh_db_rc_err(rc);
	gh_stmt_reset(st);
	if (err == GH_OK)
		*n = i;
	return err;
}

enum gh_err
certmaker_store_acme_authz_get(struct certmaker *cm, const char *name,
    struct acme_authz *out)
{
	struct gh_stmt	*st;
	enum gh_err	 err;

	if ((st = astmt(cm, A_AUTHZ_GET)) == NULL)
		return GH_EDB;
	gh_stmt_bind_text(st, 1, name);
	if ((err = gh_stmt_row(st)) == GH_OK)
		err = authz_row(st, out);
	gh_stmt_reset(st);
	return err;
}

enum gh_err
certmaker_store_acme_authz_update(struct certmaker *cm,
    const struct acme_authz *z)
{
	struct gh_stmt	*st;
	enum gh_err	 err;

	if ((st = write_stmt(cm, A_AUTHZ_UPDATE, &err)) == NULL)
		return err;
	gh_stmt_bind_int64(st, 1, z->id);
	gh_stmt_bind_text(st, 2, acme_status_names[z->status]);
	gh_stmt_bind_text(st, 3, acme_status_names[z->chall]);
	if (z->validated > 0)
		gh_stmt_bind_int64(st, 4, z->validated);
	else
		gh_stmt_bind_null(st, 4);
	bind_text_or_null(st, 5, z->error);
	gh_stmt_bind_int64(st, 6, z->expires);
	return gh_db_write_end(&cm->db, st, GH_DB_CHANGED);
}

enum gh_err
certmaker_store_acme_authz_held(struct certmaker *cm, long long account_id,
    enum acme_ident type, const char *value, long long now, int *out)
{
	struct gh_stmt	*st;
	enum gh_err	 err;

	if ((st = astmt(cm, A_AUTHZ_HELD)) == NULL)
		return GH_EDB;
	gh_stmt_bind_int64(st, 1, account_id);
	gh_stmt_bind_text(st, 2, ident_names[type]);
	gh_stmt_bind_text(st, 3, value);
	gh_stmt_bind_int64(st, 4, now);
	err = gh_stmt_row(st);
	gh_stmt_reset(st);
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
	struct gh_stmt	*st;
	enum gh_err	 err;

	if ((st = write_stmt(cm, A_EAB_ADD, &err)) == NULL)
		return err;
	gh_stmt_bind_text(st, 1, kid);
	gh_stmt_bind_int64(st, 2, user_id);
	gh_stmt_bind_blob(st, 3, sealed, n);
	gh_stmt_bind_int64(st, 4, gh_now());
	return gh_db_write_end(&cm->db, st, GH_DB_CHANGED);
}

enum gh_err
certmaker_store_acme_eab_get(struct certmaker *cm, const char *kid,
    long long *user_id, int *used, struct gh_buf *sealed)
{
	struct gh_stmt	*st;
	const void	*p;
	size_t		 n;
	enum gh_err	 err;

	if ((st = astmt(cm, A_EAB_GET)) == NULL)
		return GH_EDB;
	gh_stmt_bind_text(st, 1, kid);
	if ((err = gh_stmt_row(st)) == GH_OK) {
		*user_id = gh_stmt_int64(st, 0);
		*used = gh_stmt_int64(st, 1) != 0;
		p = gh_stmt_blob(st, 2, &n);
		err = gh_buf_add(sealed, p != NULL ? p : "", n);
	}
	gh_stmt_reset(st);
	return err;
}
