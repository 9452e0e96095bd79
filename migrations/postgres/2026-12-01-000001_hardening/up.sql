-- A generated password (the first admin's, one an admin reset) must be changed at first sign-in.
ALTER TABLE users ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT FALSE;

-- Anonymity: no path from a response to a ticket's dossier reference (a name, often), and no
-- exact times to join on. A used ticket keeps only the day it was used; a response keeps no
-- ticket code and its submission day only.
UPDATE tickets SET dossier_ref = NULL, used_at = date_trunc('day', used_at)
 WHERE used_at IS NOT NULL;
-- Answered through a one-time code (the participation rate's numerator); not which one.
ALTER TABLE responses ADD COLUMN via_ticket BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE responses SET via_ticket = TRUE WHERE ticket_code IS NOT NULL;
ALTER TABLE responses DROP COLUMN ticket_code;
UPDATE responses SET submitted_at = date_trunc('day', submitted_at);
