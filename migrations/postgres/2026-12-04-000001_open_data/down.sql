ALTER TABLE publications DROP COLUMN headline;
ALTER TABLE publications DROP COLUMN table_json;
ALTER TABLE publications DROP COLUMN table_csv;
