-- SPDX-License-Identifier: ISC
-- Counters every process and node share: the CRL number (RFC 5280 5.2.3),
-- bumped in the transaction that reads the revoked certificates, and the
-- serial counter that leads each certificate's serial (then 64 random
-- bits), so that both are unique and grow whichever node issues.  The CRL
-- number used to be the time of the build: it stays at least that.
CREATE TABLE counter (
	name		TEXT PRIMARY KEY CHECK (name IN ('crl', 'serial')),
	n		INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO counter (name, n) VALUES ('crl', 0), ('serial', 0);
