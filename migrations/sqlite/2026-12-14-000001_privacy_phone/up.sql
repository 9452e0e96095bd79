-- Requests proved by the phone an invitation went to (SPEC §13, issue 34): such a request
-- names no feedback item but the number's keyed hash (never the number).
CREATE TABLE privacy_requests_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    kind TEXT NOT NULL,
    feedback_id BIGINT REFERENCES feedback (id),
    number_hash TEXT,
    correction TEXT,
    received_date DATE NOT NULL,
    acknowledged_date DATE,
    extended_reason TEXT,
    completed_date DATE
);
INSERT INTO privacy_requests_new (id, kind, feedback_id, correction, received_date,
    acknowledged_date, extended_reason, completed_date)
SELECT id, kind, feedback_id, correction, received_date, acknowledged_date, extended_reason,
    completed_date FROM privacy_requests;
DROP TABLE privacy_requests;
ALTER TABLE privacy_requests_new RENAME TO privacy_requests;

-- The one-time code that proves a phone (one per number, the latest): its keyed hash, when it
-- expires, wrong tries so far, and how many were sent on the day of the last one.
CREATE TABLE privacy_codes (
    number_hash TEXT PRIMARY KEY NOT NULL,
    code_hash TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    tries INTEGER NOT NULL DEFAULT 0,
    sent_on DATE NOT NULL,
    sends INTEGER NOT NULL DEFAULT 1
);
