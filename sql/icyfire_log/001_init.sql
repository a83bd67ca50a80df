-- SPDX-License-Identifier: ISC
-- icyfire's incident log ("Sentry"), apart from the queue in icyfire.db:
-- every request writes a row here, and a write to a database file makes
-- every other process drop its cached pages of that file.
-- One row per API request.  Never a token.
CREATE TABLE incident (
	id		INTEGER PRIMARY KEY,
	timestamp	INTEGER NOT NULL,
	ip_address	TEXT NOT NULL,
	user_id		INTEGER,
	domain_id	INTEGER,
	endpoint	TEXT NOT NULL,
	status_code	INTEGER NOT NULL,
	status_message	TEXT NOT NULL,
	flag		INTEGER NOT NULL DEFAULT 0 CHECK (flag IN (0, 1))
);
-- Few indexes: each one is written by every request's incident (one on
-- the address alone cost a third of _r's throughput).  _rs reads newest
-- first and stops at its page, so an argument without an index scans
-- back from the newest row until the page is full, or to the oldest row
-- when fewer match.
-- Failures per address, for the flag of repeated failures.
CREATE INDEX incident_fail ON incident (ip_address, timestamp)
	WHERE status_code >= 400;
-- The flagged few.
CREATE INDEX incident_flagged ON incident (id) WHERE flag = 1;
