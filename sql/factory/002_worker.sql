-- SPDX-License-Identifier: ISC
-- The worker: when each order is next due, who holds it, and a record of
-- every provisioning step and every callback attempt.

-- next_at: when the worker should next look at the order (NULL: nothing
-- to do).  New orders are due at once, hence the default.
ALTER TABLE site_order ADD COLUMN next_at INTEGER DEFAULT 0;
-- Attempts made at the current provisioning step (register, deploy).
ALTER TABLE site_order ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
-- When the registration succeeded (NULL: not yet).
ALTER TABLE site_order ADD COLUMN registered INTEGER;
-- The claim of one worker.  lease_locked: the owner also holds the order's
-- byte lock in factory.db.claims, so its death is seen before lease_until.
ALTER TABLE site_order ADD COLUMN lease_owner TEXT;
ALTER TABLE site_order ADD COLUMN lease_until INTEGER;
ALTER TABLE site_order ADD COLUMN lease_locked INTEGER NOT NULL DEFAULT 0;
-- The callback: the status it reports, attempts in this delivery round,
-- and its Standard Webhooks id (the same for every attempt of a delivery).
ALTER TABLE site_order ADD COLUMN callback_status INTEGER
	CHECK (callback_status IN (201, 409, 500));
ALTER TABLE site_order ADD COLUMN callback_tries INTEGER NOT NULL DEFAULT 0;
ALTER TABLE site_order ADD COLUMN webhook_id TEXT;
-- The last failure, for operators (never a secret).
ALTER TABLE site_order ADD COLUMN last_error TEXT;
CREATE INDEX site_order_next ON site_order(next_at) WHERE next_at IS NOT NULL;

-- Every attempt at a provisioning step.  A row is written before the step
-- runs and completed after it: one left open was interrupted by a crash.
CREATE TABLE order_step (
	id		INTEGER PRIMARY KEY,
	order_id	INTEGER NOT NULL REFERENCES site_order(id),
	step		TEXT NOT NULL CHECK (step IN ('register', 'deploy')),
	attempt		INTEGER NOT NULL,
	started		INTEGER NOT NULL,
	finished	INTEGER,
	result		TEXT CHECK (result IN ('ok', 'taken', 'failed',
			    'interrupted')),
	detail		TEXT
);
CREATE INDEX order_step_order ON order_step(order_id);

-- Every callback attempt: when, what it reported, and what came back (an
-- HTTP status, or an error when there was no answer).
CREATE TABLE callback_attempt (
	id		INTEGER PRIMARY KEY,
	order_id	INTEGER NOT NULL REFERENCES site_order(id),
	webhook_id	TEXT NOT NULL,
	status		INTEGER NOT NULL,
	started		INTEGER NOT NULL,
	http_status	INTEGER,
	error		TEXT,
	duration_ms	INTEGER
);
CREATE INDEX callback_attempt_order ON callback_attempt(order_id);
