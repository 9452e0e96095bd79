DROP TABLE paper_entries;
DROP TABLE paper_sheets;
