-- SPDX-License-Identifier: ISC
-- certmaker: the private CA, its users, the certificates it issued and the
-- HTTP challenges that wait to be solved.

-- The root.  One row; its private key is sealed with the service key file.
CREATE TABLE ca (
	id		INTEGER PRIMARY KEY CHECK (id = 1),
	cert_pem	TEXT NOT NULL,
	key_sealed	BLOB NOT NULL,
	created		INTEGER NOT NULL
);

-- Who may ask for certificates.  The token is kept as its SHA-256.
CREATE TABLE user (
	id		INTEGER PRIMARY KEY,
	name		TEXT NOT NULL UNIQUE,
	token_hash	BLOB NOT NULL UNIQUE,
	admin		INTEGER NOT NULL DEFAULT 0,
	disabled	INTEGER NOT NULL DEFAULT 0,
	created		INTEGER NOT NULL
);

-- Every certificate issued, by its serial (lower-case hex, as in URLs).
-- key_sealed is NULL when the requester brought a CSR (we never saw the key).
CREATE TABLE cert (
	id		INTEGER PRIMARY KEY,
	serial		TEXT NOT NULL UNIQUE,
	user_id		INTEGER NOT NULL REFERENCES user(id),
	cert_pem	TEXT NOT NULL,
	key_sealed	BLOB,
	not_before	INTEGER NOT NULL,
	not_after	INTEGER NOT NULL,
	revoked		INTEGER,		-- NULL while valid
	revoke_reason	INTEGER,		-- RFC 5280 CRLReason
	created		INTEGER NOT NULL
);
CREATE INDEX cert_revoked ON cert(revoked) WHERE revoked IS NOT NULL;

-- A request waiting for its challenge.  The request itself (the JSON body
-- or the CSR) is kept to be issued when it is solved; the token is kept as
-- its SHA-256; cert_id is set once solved (a challenge is single-use).
CREATE TABLE challenge (
	id		TEXT PRIMARY KEY,
	user_id		INTEGER NOT NULL REFERENCES user(id),
	token_hash	BLOB NOT NULL,
	kind		TEXT NOT NULL CHECK (kind IN ('json', 'csr')),
	request		BLOB NOT NULL,
	days		INTEGER NOT NULL,
	expires		INTEGER NOT NULL,
	cert_id		INTEGER REFERENCES cert(id),
	created		INTEGER NOT NULL
) WITHOUT ROWID;
