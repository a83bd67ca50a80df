-- SPDX-License-Identifier: ISC
-- The factory: clients that may order, the orders, and the local registry.

-- A client server (e.g. Hallo.gent).  Its inbound token is kept as SHA-256;
-- the secret we present on callbacks is sealed with the service key file.
CREATE TABLE client (
	id		INTEGER PRIMARY KEY,
	name		TEXT NOT NULL UNIQUE,
	token_hash	BLOB NOT NULL UNIQUE,
	callback_secret	BLOB NOT NULL,
	mock		INTEGER NOT NULL DEFAULT 0,	-- the test-mode mock client
	created		INTEGER NOT NULL,
	revoked		INTEGER				-- NULL while the token is valid
);

-- One order per domain.  installerSecret is sealed (the deploy step needs it)
-- and MACed (to recognise a repeated order without decrypting).
CREATE TABLE site_order (
	id		INTEGER PRIMARY KEY,
	domain		TEXT NOT NULL UNIQUE,
	client_id	INTEGER NOT NULL REFERENCES client(id),
	callback	TEXT NOT NULL,
	secret_mac	BLOB NOT NULL,
	secret		BLOB NOT NULL,
	state		TEXT NOT NULL DEFAULT 'pending'
			CHECK (state IN ('pending', 'registering', 'deploying',
			    'created', 'conflict', 'failed')),
	callback_state	TEXT NOT NULL DEFAULT 'waiting'
			CHECK (callback_state IN ('waiting', 'pending',
			    'delivered', 'gone', 'dead')),
	created		INTEGER NOT NULL,
	updated		INTEGER NOT NULL
);
CREATE INDEX site_order_state ON site_order(state);

-- The `local` registrar backend: names registered elsewhere.
CREATE TABLE taken_domain (
	domain		TEXT PRIMARY KEY
) WITHOUT ROWID;
