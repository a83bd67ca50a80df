-- SPDX-License-Identifier: ISC
-- apihost: grains (the apps behind the API host), the API tokens that name
-- them, and the offer-template pages that show a token to its user.

-- An app the gateway forwards to: upstream + api_path + the request path.
-- The grain authenticates to the management path with its grain secret,
-- kept as SHA-256.
CREATE TABLE grain (
	id		INTEGER PRIMARY KEY,
	name		TEXT NOT NULL UNIQUE,
	upstream	TEXT NOT NULL,		-- "http://127.0.0.1:8080", no trailing /
	api_path	TEXT NOT NULL,		-- "/api/": starts and ends with /
	secret_hash	BLOB NOT NULL UNIQUE,
	created		INTEGER NOT NULL
);

-- An API token, kept as SHA-256.  It names a grain, an identity (user_id
-- NULL: not revealed) and permissions.  A token an offer template made
-- carries expires_unused until its first use makes it permanent.
CREATE TABLE token (
	id		INTEGER PRIMARY KEY,
	grain_id	INTEGER NOT NULL REFERENCES grain(id) ON DELETE CASCADE,
	token_hash	BLOB NOT NULL UNIQUE,
	user_id		TEXT,
	username	TEXT NOT NULL DEFAULT '',
	permissions	TEXT NOT NULL DEFAULT '',	-- "read,write"
	petname		TEXT NOT NULL DEFAULT '',
	created		INTEGER NOT NULL,
	last_used	INTEGER,
	expires		INTEGER,		-- a hard end; NULL: none
	expires_unused	INTEGER,		-- unused by then: gone; NULL: permanent
	revoked		INTEGER			-- NULL while valid
);
CREATE INDEX token_grain ON token(grain_id);
CREATE INDEX token_unused ON token(expires_unused)
	WHERE expires_unused IS NOT NULL;

-- The page an offer template's IFRAME shows: found by the SHA-256 of the
-- random id in its URL; the token is sealed with the service key, since
-- the page must show it again on every load.
CREATE TABLE offer (
	id		INTEGER PRIMARY KEY,
	page_hash	BLOB NOT NULL UNIQUE,
	token_id	INTEGER NOT NULL REFERENCES token(id) ON DELETE CASCADE,
	template	TEXT NOT NULL,
	token_sealed	BLOB NOT NULL,
	created		INTEGER NOT NULL
);
CREATE INDEX offer_token ON offer(token_id);
