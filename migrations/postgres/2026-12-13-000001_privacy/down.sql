DROP TABLE privacy_requests;
DROP TABLE breaches;
ALTER TABLE feedback DROP COLUMN notice_version;
