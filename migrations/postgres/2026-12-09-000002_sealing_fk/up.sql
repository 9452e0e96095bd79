-- Sealing rewrites a closed day's used tickets (delete, then insert in random order, in one
-- transaction). A paper sheet keeps its code's ticket: its reference is checked when that
-- transaction commits (the ticket is back by then), not at the delete (issue 31, B1).
ALTER TABLE paper_sheets ALTER CONSTRAINT paper_sheets_code_fkey DEFERRABLE INITIALLY IMMEDIATE;
