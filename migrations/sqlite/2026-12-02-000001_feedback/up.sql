-- Citizens' feedback (phản ánh, kiến nghị): one row per item, its status and the dates
-- that deadlines are counted from. The contact is shown to staff of the unit only and never
-- published; `published_question` is the masked text as the officer approved it.
CREATE TABLE feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    code TEXT NOT NULL UNIQUE,
    unit_code TEXT NOT NULL REFERENCES units(code),
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    contact TEXT,
    consent_publish BOOLEAN NOT NULL,
    from_survey BOOLEAN NOT NULL DEFAULT 0,
    status TEXT NOT NULL,
    received_at TIMESTAMP NOT NULL,
    received_date DATE NOT NULL,
    decided_at TIMESTAMP,
    decided_date DATE,
    decided_by TEXT,
    decline_reason TEXT,
    reply TEXT,
    answered_at TIMESTAMP,
    answered_date DATE,
    answered_by TEXT,
    published_at TIMESTAMP,
    published_date DATE,
    published_question TEXT,
    merged_into BIGINT REFERENCES feedback(id),
    reply_satisfied BOOLEAN,
    rated_at TIMESTAMP,
    synthetic BOOLEAN NOT NULL DEFAULT 0
);
CREATE INDEX feedback_unit_received ON feedback (unit_code, received_date);
CREATE INDEX feedback_published ON feedback (published_at);

-- The subjects a unit offers on its feedback page (procedures or topics); "other" is always offered.
CREATE TABLE feedback_subjects (
    unit_code TEXT NOT NULL REFERENCES units(code),
    position INTEGER NOT NULL,
    subject TEXT NOT NULL,
    PRIMARY KEY (unit_code, position)
);

-- Public holidays: no deadline counts them as working days.
CREATE TABLE holidays (
    day DATE PRIMARY KEY NOT NULL,
    name TEXT NOT NULL
);

-- Webhook deliveries waiting or done: written in the transaction of the event, sent by a
-- background task, retried with back-off. The payload holds no text and no contact.
CREATE TABLE webhook_outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    event TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    delivered_at TIMESTAMP,
    last_error TEXT
);
CREATE INDEX webhook_outbox_due ON webhook_outbox (delivered_at, next_attempt_at);

-- A survey comment turned into feedback once (the flag, not a link: the answers stay anonymous).
ALTER TABLE responses ADD COLUMN feedback_filed BOOLEAN NOT NULL DEFAULT 0;
