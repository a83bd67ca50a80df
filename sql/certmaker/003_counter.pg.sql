-- SPDX-License-Identifier: ISC
-- 003_counter.sql on PostgreSQL.  The CRL number is a row (its lock orders
-- the CRL builds of every node, see store.c); serials come from a
-- sequence: nextval() never hands a number out twice and holds no lock.
CREATE TABLE counter (
	name		TEXT PRIMARY KEY CHECK (name IN ('crl', 'serial')),
	n		BIGINT NOT NULL
);
INSERT INTO counter (name, n) VALUES ('crl', 0);
CREATE SEQUENCE cert_serial MINVALUE 1 MAXVALUE 72057594037927935;
