ALTER TABLE tickets DROP COLUMN number_hash;
ALTER TABLE tickets DROP COLUMN invite_route;
DROP TABLE invite_optouts;
DROP TABLE invite_sends;
DROP TABLE invite_tallies;
DROP TABLE invite_outbox;
ALTER TABLE returned_dossiers ADD COLUMN invite BOOLEAN NOT NULL DEFAULT FALSE;
