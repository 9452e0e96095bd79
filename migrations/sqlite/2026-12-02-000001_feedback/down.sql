ALTER TABLE responses DROP COLUMN feedback_filed;
DROP TABLE webhook_outbox;
DROP TABLE holidays;
DROP TABLE feedback_subjects;
DROP TABLE feedback;
