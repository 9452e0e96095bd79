DROP TABLE privacy_codes;
DELETE FROM privacy_requests WHERE feedback_id IS NULL;
CREATE TABLE privacy_requests_old (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    kind TEXT NOT NULL,
    feedback_id BIGINT NOT NULL REFERENCES feedback (id),
    correction TEXT,
    received_date DATE NOT NULL,
    acknowledged_date DATE,
    extended_reason TEXT,
    completed_date DATE
);
INSERT INTO privacy_requests_old SELECT id, kind, feedback_id, correction, received_date,
    acknowledged_date, extended_reason, completed_date FROM privacy_requests;
DROP TABLE privacy_requests;
ALTER TABLE privacy_requests_old RENAME TO privacy_requests;
