DROP INDEX feedback_received_dates;
DROP INDEX feedback_open_dates;
DROP INDEX feedback_unit_received_at;
DROP INDEX feedback_unit_id;
DROP INDEX feedback_status_unit;
ALTER TABLE feedback RENAME COLUMN code_hash TO code;
