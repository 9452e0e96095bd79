ALTER TABLE paper_sheets DROP COLUMN told_by;
