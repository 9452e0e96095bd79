-- Requests proved by the phone an invitation went to (SPEC §13, issue 34): such a request
-- names no feedback item but the number's keyed hash (never the number).
ALTER TABLE privacy_requests ALTER COLUMN feedback_id DROP NOT NULL;
ALTER TABLE privacy_requests ADD COLUMN number_hash TEXT;

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
