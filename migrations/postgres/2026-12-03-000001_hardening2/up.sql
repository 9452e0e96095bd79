-- Second hardening round.
-- A tracking code is the citizen's secret: only its SHA-256 is kept. Rows written before this
-- migration are hashed on the first start after it (Store::open).
ALTER TABLE feedback RENAME COLUMN code TO code_hash;
-- Public reply pages, the dashboard and the queue read items by status or unit without
-- walking every text; the per-unit hourly cap counts one unit's newest items.
CREATE INDEX feedback_status_unit ON feedback (status, unit_code, published_at);
CREATE INDEX feedback_unit_id ON feedback (unit_code, id);
CREATE INDEX feedback_unit_received_at ON feedback (unit_code, received_at);
-- The dates and status of items, without their texts, for deadlines and figures: covering
-- indexes, so that SQLite never walks a text's overflow pages to reach the columns after it.
CREATE INDEX feedback_open_dates ON feedback
    (status, unit_code, id, received_date, decided_date, answered_date, published_date, reply_satisfied);
CREATE INDEX feedback_received_dates ON feedback
    (received_date, unit_code, id, status, decided_date, answered_date, published_date, reply_satisfied);
-- Low scores are now told as an hourly count per unit: the per-answer events, which kept
-- each answer's exact time, go (delivered or not).
DELETE FROM webhook_outbox WHERE event = 'survey.low_score';
