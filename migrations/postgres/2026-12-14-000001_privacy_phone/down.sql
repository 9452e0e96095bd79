DROP TABLE privacy_codes;
DELETE FROM privacy_requests WHERE feedback_id IS NULL;
ALTER TABLE privacy_requests DROP COLUMN number_hash;
ALTER TABLE privacy_requests ALTER COLUMN feedback_id SET NOT NULL;
