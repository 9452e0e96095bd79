-- A generated password (the first admin's, one an admin reset) must be changed at first sign-in.
ALTER TABLE users ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT 0;

-- Anonymity: no path from a response to a ticket's dossier reference (a name, often), and no
-- exact times to join on. A used ticket keeps only the day it was used; a response keeps no
-- ticket code and its submission day only.
UPDATE tickets SET dossier_ref = NULL, used_at = strftime('%Y-%m-%d 00:00:00', used_at)
 WHERE used_at IS NOT NULL;

-- SQLite cannot drop a UNIQUE, referencing column in place: the table is rebuilt.
CREATE TABLE responses_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    submission_id TEXT NOT NULL UNIQUE,
    unit_code TEXT NOT NULL REFERENCES units(code),
    form_id TEXT NOT NULL,
    form_version INTEGER NOT NULL,
    source TEXT NOT NULL,
    -- Answered through a one-time code (the participation rate's numerator); not which one.
    via_ticket BOOLEAN NOT NULL DEFAULT 0,
    submitted_at TIMESTAMP NOT NULL,
    local_date DATE NOT NULL,
    answers TEXT NOT NULL,
    comment TEXT,
    digest TEXT NOT NULL,
    synthetic BOOLEAN NOT NULL DEFAULT 0
);
INSERT INTO responses_new (id, submission_id, unit_code, form_id, form_version, source, via_ticket,
                           submitted_at, local_date, answers, comment, digest, synthetic)
SELECT id, submission_id, unit_code, form_id, form_version, source, ticket_code IS NOT NULL,
       strftime('%Y-%m-%d 00:00:00', submitted_at), local_date, answers, comment, digest, synthetic
  FROM responses;
DROP TABLE responses;
ALTER TABLE responses_new RENAME TO responses;
CREATE INDEX responses_unit_date ON responses (unit_code, local_date);
CREATE INDEX responses_date ON responses (local_date);
CREATE INDEX responses_form ON responses (form_id, form_version);
CREATE INDEX responses_date_id ON responses (local_date, id);
