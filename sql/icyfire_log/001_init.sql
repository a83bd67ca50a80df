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
-- Few indexes: each one is written by every request's incident.  _rs
-- reads newest first and stops at its page, so an argument without an
-- index (timestamp, endpoint, status, domain) scans back from the newest
-- row until the page is full.  Within one address, index rows come in id
-- order: a page by address reads only its rows.
CREATE INDEX incident_ip ON incident (ip_address);
-- Failures per address, for the flag of repeated failures.
CREATE INDEX incident_fail ON incident (ip_address, timestamp)
	WHERE status_code >= 400;
-- The flagged few.
CREATE INDEX incident_flagged ON incident (id) WHERE flag = 1;
