ALTER TABLE responses DROP COLUMN via_predecessor;
