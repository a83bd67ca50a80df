/* SPDX-License-Identifier: ISC */
/*
 * store: all SQL of icyfire, as one table of statements prepared once per
 * process (per connection on PostgreSQL), written once with $n parameters
 * for both backends of db.h and per backend only where the SQL differs.
 * Tokens go in as SHA-256, credentials as Fernet tokens; nothing here logs
 * a parameter value.
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
	STMT_NEXT,
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
/* Newest first, a page at a time: $2 before_id (0: any), $3 limit. */
#define INCIDENT_PAGE	" AND ($2 = 0 OR id < $2) ORDER BY id DESC LIMIT $3"
#define POST_ADD							\
	"INSERT INTO post (credential_id, type, body, link, media_url, "	\
	"created) SELECT credential.id, $3, $4, $5, $6, $7 FROM credential " \
	"JOIN domain ON domain.id = domain_id "				\
	"WHERE domain.name = $1 AND platform = $2"
#define INCIDENT_ADD							\
	"INSERT INTO incident (timestamp, ip_address, user_id, domain_id, " \
	"endpoint, status_code, status_message, flag) "			\
	"VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"

static const struct gh_stmt_def stmts[STMT__MAX] = {
	[STMT_TOKEN_GET] = { "SELECT name, hash FROM api_token", NULL, NULL },
	[STMT_TOKEN_SET] = {
	    "INSERT INTO api_token (name, hash, updated) VALUES ($1, $2, $3) "
	    "ON CONFLICT (name) DO UPDATE SET hash = $2, updated = $3",
	    NULL, NULL },
	[STMT_SERVER_ADD] = {
	    "INSERT INTO server (id, created) VALUES ($1, $2)", NULL, NULL },
	[STMT_SLOTS_ADD] = {
	    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
	    "WHERE i < 10080) INSERT INTO timeslot (id, server_id) "
	    "SELECT (CAST($1 AS BIGINT) - 1) * 10080 + i, CAST($1 AS BIGINT) "
	    "FROM n", NULL, NULL },
	[STMT_SLOT_GET] = {
	    "SELECT server_id, domain_id, credential_id FROM timeslot "
	    "WHERE id = $1", NULL, NULL },
	[STMT_SLOT_CLAIM] = {
	    "UPDATE timeslot SET domain_id = c.domain_id, credential_id = c.id "
	    "FROM (SELECT credential.id, domain_id FROM credential "
	    "JOIN domain ON domain.id = domain_id "
	    "WHERE domain.name = $2 AND platform = $3) AS c "
	    "WHERE timeslot.id = $1", NULL, NULL },
	[STMT_DOMAIN_ADD] = {
	    "INSERT INTO domain (name, created) VALUES ($1, $2)", NULL, NULL },
	[STMT_CRED_SET] = {
	    "INSERT INTO credential (domain_id, platform, fields, updated) "
	    "SELECT id, $2, $3, $4 FROM domain WHERE name = $1 "
	    "ON CONFLICT (domain_id, platform) DO UPDATE SET fields = $3, "
	    "updated = $4", NULL, NULL },
	/*
	 * _r in one statement, so one snapshot without a transaction: the
	 * slot, its credential and the head of its queue (post_queue), each
	 * NULL when missing.
	 */
	[STMT_NEXT] = {
	    "SELECT t.server_id, t.domain_id, t.credential_id, c.platform, "
	    "c.fields, p.id, p.type, p.body, p.link, p.media_url "
	    "FROM timeslot AS t "
	    "LEFT JOIN credential AS c ON c.id = t.credential_id "
	    "LEFT JOIN post AS p ON p.id = (SELECT id FROM post "
	    "WHERE credential_id = t.credential_id ORDER BY id LIMIT 1) "
	    "WHERE t.id = $1", NULL, NULL },
	/*
	 * PostgreSQL: two nodes deleting "the oldest" at once each take one
	 * post; without SKIP LOCKED the second would find its pick gone and
	 * delete nothing.
	 */
	[STMT_POST_DELETE_OLDEST] = {
	    "DELETE FROM post WHERE id = (SELECT id FROM post "
	    "WHERE credential_id = $1 ORDER BY id LIMIT 1)", NULL,
	    "DELETE FROM post WHERE id = (SELECT id FROM post "
	    "WHERE credential_id = $1 ORDER BY id LIMIT 1 "
	    "FOR UPDATE SKIP LOCKED)" },
	[STMT_POST_DELETE_ID] = {
	    "DELETE FROM post WHERE credential_id = $1 AND id = $2",
	    NULL, NULL },
	/* The id: SQLite's last rowid, PostgreSQL's RETURNING. */
	[STMT_POST_ADD] = { POST_ADD, NULL, POST_ADD " RETURNING post.id" },
	[STMT_POST_LIST] = {
	    "SELECT post.id, type, body, link, media_url, platform FROM post "
	    "JOIN credential ON credential.id = credential_id "
	    "JOIN domain ON domain.id = domain_id WHERE domain.name = $1 "
	    "ORDER BY platform, post.id", NULL, NULL },
};

static const struct gh_stmt_def log_stmts[LOG_STMT__MAX] = {
	/*
	 * No RETURNING on SQLite: it builds a temporary b-tree for it, some
	 * 150 KB of allocations per row.  The flag is worked out before the
	 * insert (incident_flag()), the id comes from the last rowid there.
	 */
	[STMT_INCIDENT_ADD] = { INCIDENT_ADD, NULL,
	    INCIDENT_ADD " RETURNING id" },
	/* Failures of address $1 since $2, counted up to $3 (partial index). */
	[STMT_INCIDENT_FAILURES] = {
	    "SELECT count(*) FROM (SELECT 1 FROM incident "
	    "WHERE ip_address = $1 AND timestamp > $2 AND status_code >= 400 "
	    "LIMIT $3) AS f", NULL, NULL },
	[STMT_Q_SENTRY_ID] = { INCIDENT_COLS "id = $1" INCIDENT_PAGE,
	    NULL, NULL },
	[STMT_Q_TIMESTAMP] = { INCIDENT_COLS "timestamp >= $1" INCIDENT_PAGE,
	    NULL, NULL },
	[STMT_Q_IP] = { INCIDENT_COLS "ip_address = $1" INCIDENT_PAGE,
	    NULL, NULL },
	[STMT_Q_USER] = { INCIDENT_COLS "user_id = $1" INCIDENT_PAGE,
	    NULL, NULL },
	[STMT_Q_DOMAIN] = { INCIDENT_COLS "domain_id = $1" INCIDENT_PAGE,
	    NULL, NULL },
	[STMT_Q_ENDPOINT] = { INCIDENT_COLS "endpoint = $1" INCIDENT_PAGE,
	    NULL, NULL },
	/* PostgreSQL cannot type a bare $1 in length() or ||. */
	[STMT_Q_PREFIX] = { INCIDENT_COLS
	    "substr(endpoint, 1, length($1) + 1) = $1 || '.'" INCIDENT_PAGE,
	    NULL, INCIDENT_COLS
	    "starts_with(endpoint, CAST($1 AS TEXT) || '.')" INCIDENT_PAGE },
	[STMT_Q_STATUS] = { INCIDENT_COLS "status_code = $1" INCIDENT_PAGE,
	    NULL, NULL },
	/*
	 * Literal flags, so that "flag = 1" can use incident_flagged.
	 * PostgreSQL must know the type of every $n up to the last one used,
	 * and $1 is not bound here: it is NULL.
	 */
	[STMT_Q_FLAG] = { INCIDENT_COLS "flag = 1" INCIDENT_PAGE, NULL,
	    INCIDENT_COLS "flag = 1 AND CAST($1 AS BIGINT) IS NULL"
	    INCIDENT_PAGE },
	[STMT_Q_NOFLAG] = { INCIDENT_COLS "flag = 0" INCIDENT_PAGE, NULL,
	    INCIDENT_COLS "flag = 0 AND CAST($1 AS BIGINT) IS NULL"
	    INCIDENT_PAGE },
	[STMT_INCIDENT_PRUNE] = {
	    "DELETE FROM incident WHERE timestamp < $1", NULL, NULL },
};

/*
 * Two databases: the queue, and the incident log that every request
 * writes (on PostgreSQL two schemas and two connections).  Apart, a request's incident does not make the other processes
 * drop their cached pages of the queue (SQLite's WAL mode discards a
 * connection's cache whenever another one has written to its file).
 */
enum gh_err
icyfire_store_open(struct icyfire *f, unsigned flags)
{
	enum gh_err	 err;

	if ((err = gh_db_open_conf(&f->db, &f->conf, &icyfire_schema, flags,
	    stmts, STMT__MAX)) != GH_OK)
		return err;
	if ((err = gh_db_open_conf(&f->log, &f->conf, &icyfire_log_schema,
	    flags, log_stmts, LOG_STMT__MAX)) != GH_OK)
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
	const void	*hash;
	struct gh_stmt	*st;
	enum gh_db_rc	 rc;
	long long	 now = gh_now_us();
	size_t		 len;
	int		 i;

	if (now < f->tok_until_us)
		return GH_OK;
	if ((st = gh_db_prep(&f->db, STMT_TOKEN_GET)) == NULL)
		return GH_EDB;
	f->tok_set = 0;
	while ((rc = gh_stmt_step(st)) == GH_DB_ROW) {
		name = gh_stmt_text(st, 0);
		hash = gh_stmt_blob(st, 1, &len);
		if (name == NULL || hash == NULL || len != GH_SHA256_LEN)
			continue;
		for (i = 0; i < ICY_TOKEN__MAX; i++)
			if (strcmp(name, icy_token_names[i]) == 0) {
				memcpy(f->tok_hash[i], hash, GH_SHA256_LEN);
				f->tok_set |= 1u << i;
			}
	}
	gh_stmt_reset(st);
	if (rc != GH_DB_DONE)
		return gh_db_rc_err(rc);
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

/* A token's name and hash, and the time: STMT_TOKEN_SET's parameters. */
struct token_set {
	const char	*name;
	unsigned char	 hash[GH_SHA256_LEN];
};

static void
token_set_bind(struct gh_stmt *st, const void *arg)
{
	const struct token_set	*t = arg;

	gh_stmt_bind_text(st, 1, t->name);
	gh_stmt_bind_blob(st, 2, t->hash, sizeof(t->hash));
	gh_stmt_bind_int64(st, 3, gh_now());
}

enum gh_err
icyfire_store_token_set(struct icyfire *f, enum icy_token t, const char *tok,
    size_t len)
{
	struct token_set	ts = { icy_token_names[t], { 0 } };
	enum gh_err		err;

	gh_sha256(tok, len, ts.hash);
	err = gh_txn_stmt(&f->db, STMT_TOKEN_SET, 0, token_set_bind, &ts,
	    NULL);
	OPENSSL_cleanse(ts.hash, sizeof(ts.hash));
	return err;
}

static enum gh_err
server_add_run(struct gh_db *db, void *arg)
{
	const long long	*id = arg;
	struct gh_stmt	*st;
	enum gh_err	 err;

	if ((st = gh_db_prep(db, STMT_SERVER_ADD)) == NULL)
		return GH_EDB;
	gh_stmt_bind_int64(st, 1, *id);
	gh_stmt_bind_int64(st, 2, gh_now());
	if ((err = gh_stmt_done(st)) != GH_OK)
		return err;
	if ((st = gh_db_prep(db, STMT_SLOTS_ADD)) == NULL)
		return GH_EDB;
	gh_stmt_bind_int64(st, 1, *id);
	return gh_stmt_done(st);
}

/* A server and its 10,080 slots, in one transaction. */
enum gh_err
icyfire_store_server_add(struct icyfire *f, long long id)
{
	return gh_txn(&f->db, 0, server_add_run, &id);
}

enum gh_err
icyfire_store_slot_get(struct icyfire *f, long long slot, struct icy_slot *out)
{
	struct gh_stmt	*st;
	enum gh_err	 err;

	if ((st = gh_db_prep(&f->db, STMT_SLOT_GET)) == NULL)
		return GH_EDB;
	gh_stmt_bind_int64(st, 1, slot);
	if ((err = gh_stmt_row(st)) == GH_OK) {
		out->server_id = gh_stmt_int64(st, 0);
		out->domain_id = gh_stmt_int64(st, 1);
		out->credential_id = gh_stmt_int64(st, 2);
	}
	gh_stmt_reset(st);
	return err;
}

/* Text parameters after an integer $1 (or none: -1), up to four. */
struct int_texts {
	long long	 n;
	const char	*text[4];
	long long	 last;	/* bound after the texts unless -1 */
};

static void
int_texts_bind(struct gh_stmt *st, const void *arg)
{
	const struct int_texts	*p = arg;
	int			 i, k = 1;

	if (p->n != -1)
		gh_stmt_bind_int64(st, k++, p->n);
	for (i = 0; i < 4 && p->text[i] != NULL; i++)
		gh_stmt_bind_text(st, k++, p->text[i]);
	if (p->last != -1)
		gh_stmt_bind_int64(st, k, p->last);
}

enum gh_err
icyfire_store_slot_claim(struct icyfire *f, long long slot, const char *domain,
    const char *platform)
{
	struct int_texts	p = { slot, { domain, platform, NULL, NULL },
				    -1 };

	return gh_txn_stmt(&f->db, STMT_SLOT_CLAIM, GH_DB_CHANGED,
	    int_texts_bind, &p, NULL);
}

enum gh_err
icyfire_store_domain_add(struct icyfire *f, const char *name)
{
	struct int_texts	p = { -1, { name, NULL, NULL, NULL }, gh_now() };

	return gh_txn_stmt(&f->db, STMT_DOMAIN_ADD, 0, int_texts_bind, &p,
	    NULL);
}

enum gh_err
icyfire_store_credential_set(struct icyfire *f, const char *domain,
    const char *platform, const char *fields)
{
	struct int_texts	p = { -1, { domain, platform, fields, NULL },
				    gh_now() };

	return gh_txn_stmt(&f->db, STMT_CRED_SET, GH_DB_CHANGED,
	    int_texts_bind, &p, NULL);
}

/* The post of the current row from column col on, borrowed from st. */
static void
post_read(struct gh_stmt *st, int col, struct icy_post *p)
{
	p->id = gh_stmt_int64(st, col);
	if (gh_stmt_text_copy(st, col + 1, p->type, sizeof(p->type)) != GH_OK)
		p->type[0] = '\0';
	p->body = gh_stmt_text(st, col + 2);
	p->link = gh_stmt_text(st, col + 3);
	p->media_url = gh_stmt_text(st, col + 4);
}

enum gh_err
icyfire_store_next(struct icyfire *f, long long slot,
    enum gh_err (*cb)(const struct icy_next *, void *), void *arg)
{
	struct icy_next	 n;
	struct gh_stmt	*st;
	enum gh_err	 err;

	if ((st = gh_db_prep(&f->db, STMT_NEXT)) == NULL)
		return GH_EDB;
	gh_stmt_bind_int64(st, 1, slot);
	if ((err = gh_stmt_row(st)) != GH_OK)
		goto out;
	memset(&n, 0, sizeof(n));
	n.slot.server_id = gh_stmt_int64(st, 0);
	n.slot.domain_id = gh_stmt_int64(st, 1);
	n.slot.credential_id = gh_stmt_int64(st, 2);
	if (n.slot.credential_id != 0) {
		/* Its credential is there: deleting one unclaims (SET NULL). */
		if (gh_stmt_text_copy(st, 3, n.platform, sizeof(n.platform)) !=
		    GH_OK || (n.fields = gh_stmt_text(st, 4)) == NULL) {
			err = GH_EDB;
			goto out;
		}
		n.has_post = !gh_stmt_null(st, 5);
		if (n.has_post)
			post_read(st, 5, &n.post);
	}
	err = cb(&n, arg);
out:
	gh_stmt_reset(st);
	return err;
}

/* A post of a credential, or its oldest (post_id 0). */
struct post_ref {
	long long	cred, post_id;
};

static void
post_ref_bind(struct gh_stmt *st, const void *arg)
{
	const struct post_ref	*p = arg;

	gh_stmt_bind_int64(st, 1, p->cred);
	if (p->post_id)
		gh_stmt_bind_int64(st, 2, p->post_id);
}

enum gh_err
icyfire_store_post_delete(struct icyfire *f, long long cred, long long post_id)
{
	struct post_ref	p = { cred, post_id };

	return gh_txn_stmt(&f->db, post_id ? STMT_POST_DELETE_ID :
	    STMT_POST_DELETE_OLDEST, GH_DB_CHANGED, post_ref_bind, &p, NULL);
}

/* STMT_POST_ADD's parameters but the time. */
struct post_new {
	const char	*text[6];
};

static void
post_new_bind(struct gh_stmt *st, const void *arg)
{
	const struct post_new	*p = arg;
	int			 i;

	for (i = 0; i < 6; i++)
		gh_stmt_bind_text(st, i + 1, p->text[i]);	/* NULL: NULL */
	gh_stmt_bind_int64(st, 7, gh_now());
}

enum gh_err
icyfire_store_post_add(struct icyfire *f, const char *domain,
    const char *platform, const char *type, const char *body, const char *link,
    const char *media_url, long long *id)
{
	struct post_new	p = { { domain, platform, type, body, link,
			    media_url } };

	return gh_txn_stmt(&f->db, STMT_POST_ADD, GH_DB_INSERT | GH_DB_CHANGED,
	    post_new_bind, &p, id);
}

enum gh_err
icyfire_store_post_list(struct icyfire *f, const char *domain,
    void (*cb)(const struct icy_post *, const char *, void *), void *arg)
{
	struct icy_post	 p;
	struct gh_stmt	*st;
	enum gh_db_rc	 rc;

	if ((st = gh_db_prep(&f->db, STMT_POST_LIST)) == NULL)
		return GH_EDB;
	gh_stmt_bind_text(st, 1, domain);
	while ((rc = gh_stmt_step(st)) == GH_DB_ROW) {
		post_read(st, 0, &p);
		cb(&p, gh_stmt_text(st, 5), arg);
	}
	gh_stmt_reset(st);
	return gh_db_rc_err(rc);
}

/*
 * A failure is flagged when it is the address's ICY_FLAG_FAILURES-th or
 * later within the hour: at most that many less one earlier ones are
 * counted, the batch's own earlier rows among them.  Inside the write
 * transaction, so two processes cannot both count before either inserts.
 */
static enum gh_err
incident_flag(struct icyfire *f, struct icy_incident *in)
{
	struct gh_stmt	*st;
	enum gh_err	 err;

	if (in->flag || in->status_code < 400)
		return GH_OK;
	if ((st = gh_db_prep(&f->log, STMT_INCIDENT_FAILURES)) == NULL)
		return GH_EDB;
	gh_stmt_bind_text(st, 1, in->ip_address);
	gh_stmt_bind_int64(st, 2, in->timestamp - 3600);
	gh_stmt_bind_int64(st, 3, ICY_FLAG_FAILURES - 1);
	if ((err = gh_stmt_row(st)) == GH_OK)
		in->flag = gh_stmt_int64(st, 0) >= ICY_FLAG_FAILURES - 1;
	gh_stmt_reset(st);
	return err;
}

/* The incidents of a gh_txn() try: their flags as they came, for each try. */
struct incident_try {
	struct icyfire		*f;
	struct icy_incident	*in;
	size_t			 n;
	unsigned char		 given[ICY_BATCH_MAX];
};

static enum gh_err
incident_add_one(struct gh_db *db, struct icyfire *f, struct icy_incident *in)
{
	struct gh_stmt	*st;
	enum gh_err	 err;

	if ((err = incident_flag(f, in)) != GH_OK)
		return err;
	if ((st = gh_db_prep(db, STMT_INCIDENT_ADD)) == NULL)
		return GH_EDB;
	gh_stmt_bind_int64(st, 1, in->timestamp);
	gh_stmt_bind_text(st, 2, in->ip_address);
	/* 0: none, stored as NULL. */
	if (in->user_id)
		gh_stmt_bind_int64(st, 3, in->user_id);
	else
		gh_stmt_bind_null(st, 3);
	if (in->domain_id)
		gh_stmt_bind_int64(st, 4, in->domain_id);
	else
		gh_stmt_bind_null(st, 4);
	gh_stmt_bind_text(st, 5, in->endpoint);
	gh_stmt_bind_int64(st, 6, in->status_code);
	gh_stmt_bind_text(st, 7, in->status_message);
	gh_stmt_bind_int64(st, 8, in->flag);
	return gh_stmt_insert(st, 0, &in->id);
}

static enum gh_err
incidents_add_run(struct gh_db *db, void *arg)
{
	struct incident_try	*t = arg;
	enum gh_err		 err;
	size_t			 i;

	for (i = 0; i < t->n; i++) {
		t->in[i].flag = t->given[i];
		if ((err = incident_add_one(db, t->f, &t->in[i])) != GH_OK)
			return err;
	}
	return GH_OK;
}

/*
 * A record of what was answered, not a promise: no wait for the disk.
 * gh_txn() runs it again when it surely did not commit (a restarted
 * PostgreSQL: the next try reconnects).
 */
enum gh_err
icyfire_store_incidents_add(struct icyfire *f, struct icy_incident *in,
    size_t n)
{
	struct incident_try	t;
	size_t			i;

	if (n > ICY_BATCH_MAX)
		return GH_EINVAL;
	t.f = f;
	t.in = in;
	t.n = n;
	for (i = 0; i < n; i++)
		t.given[i] = in[i].flag != 0;
	return gh_txn(&f->log, GH_DB_NOSYNC, incidents_add_run, &t);
}

enum gh_err
icyfire_store_incident_query(struct icyfire *f, size_t arg, long long v,
    const char *s, long long before_id, long long limit,
    void (*cb)(const struct icy_incident *, void *), void *cbarg)
{
	struct icy_incident	 in;
	struct gh_stmt		*st;
	enum gh_db_rc		 rc;
	size_t			 id;
	int			 n = 0;

	if (arg > STMT_Q_FLAG - STMT_Q_SENTRY_ID)
		return GH_EINVAL;
	id = STMT_Q_SENTRY_ID + arg;
	if (id == STMT_Q_FLAG && v == 0)
		id = STMT_Q_NOFLAG;
	if ((st = gh_db_prep(&f->log, id)) == NULL)
		return GH_EDB;
	if (s != NULL)
		gh_stmt_bind_text(st, 1, s);
	else if (id != STMT_Q_FLAG && id != STMT_Q_NOFLAG)
		gh_stmt_bind_int64(st, 1, v);
	gh_stmt_bind_int64(st, 2, before_id);
	gh_stmt_bind_int64(st, 3, limit);
	while ((rc = gh_stmt_step(st)) == GH_DB_ROW) {
		memset(&in, 0, sizeof(in));
		in.id = gh_stmt_int64(st, 0);
		in.timestamp = gh_stmt_int64(st, 1);
		gh_stmt_text_copy(st, 2, in.ip_address, sizeof(in.ip_address));
		in.user_id = gh_stmt_int64(st, 3);
		in.domain_id = gh_stmt_int64(st, 4);
		gh_stmt_text_copy(st, 5, in.endpoint, sizeof(in.endpoint));
		in.status_code = gh_stmt_int64(st, 6);
		gh_stmt_text_copy(st, 7, in.status_message,
		    sizeof(in.status_message));
		in.flag = gh_stmt_int64(st, 8);
		cb(&in, cbarg);
		n++;
	}
	gh_stmt_reset(st);
	if (rc != GH_DB_DONE)
		return gh_db_rc_err(rc);
	return n ? GH_OK : GH_ENOTFOUND;
}

enum gh_err
icyfire_store_incident_prune(struct icyfire *f, long long before, long long *n)
{
	struct int_texts	p = { before, { NULL, NULL, NULL, NULL }, -1 };

	return gh_txn_stmt(&f->log, STMT_INCIDENT_PRUNE, 0, int_texts_bind,
	    &p, n);
}
