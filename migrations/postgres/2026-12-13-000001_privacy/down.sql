DROP TABLE breaches;
ALTER TABLE feedback DROP COLUMN notice_version;
