-- Personal data (SPEC §13, issue 34): the version of the privacy notice a citizen giving a
-- contact was shown (the day is the item's received_date).
ALTER TABLE feedback ADD COLUMN notice_version TEXT;

-- Personal-data breaches recorded by admins (Decree 356/2025: notify within 72 hours of
-- finding one). No personal data here: what happened, how many people, what was done.
CREATE TABLE breaches (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    found_at TIMESTAMP NOT NULL,
    what TEXT NOT NULL,
    people BIGINT NOT NULL,
    measures TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    notified_at TIMESTAMP
);

-- Citizens' requests about their data (access, correction, deletion, withdrawal of consent),
-- proved with a feedback item's tracking code: the item whose data it is, and the dates.
CREATE TABLE privacy_requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    kind TEXT NOT NULL,
    feedback_id BIGINT NOT NULL REFERENCES feedback (id),
    correction TEXT,
    received_date DATE NOT NULL,
    acknowledged_date DATE,
    extended_reason TEXT,
    completed_date DATE
);
