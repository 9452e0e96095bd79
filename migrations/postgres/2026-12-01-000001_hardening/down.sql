-- The links dropped by up.sql are gone for good; only the columns come back.
ALTER TABLE responses ADD COLUMN ticket_code TEXT;
ALTER TABLE responses DROP COLUMN via_ticket;
ALTER TABLE users DROP COLUMN must_change_password;
