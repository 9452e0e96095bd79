ALTER TABLE paper_sheets ALTER CONSTRAINT paper_sheets_code_fkey NOT DEFERRABLE;
