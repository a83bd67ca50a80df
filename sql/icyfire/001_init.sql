-- SPDX-License-Identifier: ISC
-- icyfire: the worker-facing post queue.  A server owns 10,080 time slots,
-- one per minute of the week; a slot may be claimed by a domain and points
-- at one of its platform credentials, whose posts wait in a FIFO queue.
-- Credential fields are Fernet tokens; API tokens are stored as SHA-256.
-- The incident log is a database of its own (sql/icyfire_log/).
CREATE TABLE server (
	id		INTEGER PRIMARY KEY CHECK (id >= 1),
	created		INTEGER NOT NULL
);
CREATE TABLE domain (
	id		INTEGER PRIMARY KEY,
	name		TEXT NOT NULL UNIQUE,
	created		INTEGER NOT NULL
);
-- fields: a JSON object, field name -> Fernet token.
CREATE TABLE credential (
	id		INTEGER PRIMARY KEY,
	domain_id	INTEGER NOT NULL REFERENCES domain (id) ON DELETE CASCADE,
	platform	TEXT NOT NULL CHECK (platform IN
			    ('facebook', 'twitter', 'tumblr', 'reddit')),
	fields		TEXT NOT NULL,
	updated		INTEGER NOT NULL,
	UNIQUE (domain_id, platform)
);
CREATE TABLE timeslot (
	id		INTEGER PRIMARY KEY,
	server_id	INTEGER NOT NULL REFERENCES server (id) ON DELETE CASCADE,
	domain_id	INTEGER REFERENCES domain (id) ON DELETE SET NULL,
	credential_id	INTEGER REFERENCES credential (id) ON DELETE SET NULL
);
CREATE TABLE post (
	id		INTEGER PRIMARY KEY,
	credential_id	INTEGER NOT NULL REFERENCES credential (id) ON DELETE CASCADE,
	type		TEXT NOT NULL CHECK (type IN ('text', 'long', 'image', 'video')),
	body		TEXT NOT NULL,
	link		TEXT,
	media_url	TEXT,
	created		INTEGER NOT NULL
);
-- The queue: the oldest post of a credential is its smallest id.
CREATE INDEX post_queue ON post (credential_id, id);
-- The four API tokens, by name, as SHA-256.
CREATE TABLE api_token (
	name		TEXT PRIMARY KEY CHECK (name IN
			    ('read', 'cred', 'delete', 'security')),
	hash		BLOB NOT NULL CHECK (length(hash) = 32),
	updated		INTEGER NOT NULL
);
