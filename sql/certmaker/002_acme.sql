-- SPDX-License-Identifier: ISC
-- certmaker speaks ACME (RFC 8555): nonces, accounts, orders and their
-- authorizations (each with its one http-01 challenge), and the external
-- account binding keys that tie an ACME account to a certmaker user.

-- Replay nonces, shared by every process and node.  A nonce is valid until
-- it is used (deleted) or expires; expired rows are swept as new ones come.
CREATE TABLE acme_nonce (
	nonce		TEXT PRIMARY KEY,
	expires		INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX acme_nonce_expires ON acme_nonce(expires);

-- The user that owns certificates of accounts bound to no user (no EAB).
-- Its name is one gatectl cannot make, its token hash one no token has:
-- nobody can log in as it.
INSERT INTO user (name, token_hash, admin, disabled, created)
	VALUES ('(acme)', randomblob(32), 0, 1, CAST(strftime('%s', 'now') AS INTEGER));

-- An account: its key (the canonical JWK of RFC 7638 and its thumbprint),
-- contact URLs (a JSON array) and the certmaker user it acts for.
CREATE TABLE acme_account (
	id		INTEGER PRIMARY KEY,
	name		TEXT NOT NULL UNIQUE,	-- the id in its URL
	thumbprint	TEXT NOT NULL UNIQUE,
	jwk		TEXT NOT NULL,
	status		TEXT NOT NULL CHECK (status IN
			    ('valid', 'deactivated', 'revoked')),
	contact		TEXT NOT NULL DEFAULT '[]',
	user_id		INTEGER NOT NULL REFERENCES user(id),
	eab_kid		TEXT,
	created		INTEGER NOT NULL
);

-- An order.  status is what was last stored; the ACME layer derives
-- "ready", "invalid" and expiry from its authorizations when it reads it.
-- cert_id is set, with status 'valid', in the transaction that issues.
CREATE TABLE acme_order (
	id		INTEGER PRIMARY KEY,
	name		TEXT NOT NULL UNIQUE,
	account_id	INTEGER NOT NULL REFERENCES acme_account(id),
	status		TEXT NOT NULL CHECK (status IN
			    ('pending', 'ready', 'processing', 'valid', 'invalid')),
	expires		INTEGER NOT NULL,
	error		TEXT,			-- a problem document (JSON)
	cert_id		INTEGER REFERENCES cert(id),
	replaces	TEXT,			-- ARI: the serial it replaces
	created		INTEGER NOT NULL
);
CREATE INDEX acme_order_account ON acme_order(account_id);
CREATE INDEX acme_order_cert ON acme_order(cert_id);

-- One authorization per identifier of an order, with its one http-01
-- challenge (chall_*).  Its URL and its challenge's both use name.
CREATE TABLE acme_authz (
	id		INTEGER PRIMARY KEY,
	name		TEXT NOT NULL UNIQUE,
	order_id	INTEGER NOT NULL REFERENCES acme_order(id),
	account_id	INTEGER NOT NULL REFERENCES acme_account(id),
	type		TEXT NOT NULL CHECK (type IN ('dns', 'ip')),
	value		TEXT NOT NULL,
	status		TEXT NOT NULL CHECK (status IN ('pending', 'valid',
			    'invalid', 'deactivated', 'revoked')),
	expires		INTEGER NOT NULL,
	token		TEXT NOT NULL,
	chall_status	TEXT NOT NULL CHECK (chall_status IN
			    ('pending', 'processing', 'valid', 'invalid')),
	validated	INTEGER,
	error		TEXT			-- a problem document (JSON)
);
CREATE INDEX acme_authz_order ON acme_authz(order_id);
CREATE INDEX acme_authz_account ON acme_authz(account_id, type, value);

-- External account binding keys (RFC 8555 7.3.4): the HMAC key sealed with
-- the service key; used once, by the account it bound.
CREATE TABLE acme_eab (
	kid		TEXT PRIMARY KEY,
	user_id		INTEGER NOT NULL REFERENCES user(id),
	hmac_sealed	BLOB NOT NULL,
	account_id	INTEGER REFERENCES acme_account(id),
	created		INTEGER NOT NULL
) WITHOUT ROWID;
