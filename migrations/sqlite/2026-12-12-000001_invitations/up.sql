-- Invitations after the result (SPEC §11, issue 33). Nothing here points from a response to
-- a dossier or a person: the consent flag of a returned dossier is not kept (the invitation it
-- asked for is queued apart, with no dossier reference); the phone waits only encrypted,
-- under a key kept outside the database, and its row is deleted when the provider takes the
-- message or sending gives up; the code reaches the tickets table only once delivered.
ALTER TABLE returned_dossiers DROP COLUMN invite;

CREATE TABLE invite_outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    unit_code TEXT NOT NULL REFERENCES units (code),
    -- The number and the code, sealed (XChaCha20-Poly1305 under the data key).
    sealed TEXT NOT NULL,
    -- The number's keyed hash: the caps and the opt-out list are checked with it.
    number_hash TEXT NOT NULL,
    route TEXT NOT NULL,
    tracking_id TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT
);
CREATE INDEX invite_outbox_due ON invite_outbox (next_attempt_at);

-- Counts per unit, local day, route and outcome (queued, delivered, failed, held, opted_out,
-- answered): the figures, with no row per invitation.
CREATE TABLE invite_tallies (
    unit_code TEXT NOT NULL,
    day DATE NOT NULL,
    route TEXT NOT NULL,
    outcome TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (unit_code, day, route, outcome)
);

-- When each number (by keyed hash) was last sent an invitation: the caps. Kept as long as
-- the longest cap's window. `outbox_id`: the invitation a sending is for while it is being
-- sent (a sender killed mid-send leaves it; the next attempt of that invitation replaces it).
CREATE TABLE invite_sends (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    number_hash TEXT NOT NULL,
    sent_at TIMESTAMP NOT NULL,
    outbox_id BIGINT
);
CREATE INDEX invite_sends_number ON invite_sends (number_hash, sent_at);

-- Numbers (by keyed hash) that asked for no more invitations.
CREATE TABLE invite_optouts (
    number_hash TEXT PRIMARY KEY NOT NULL,
    opted_on DATE NOT NULL
);

-- An invitation's code: the route that carried it, and until it is used the number's keyed
-- hash (for "Không nhận tin nữa"; dropped when the code brings a response, as a dossier
-- reference is).
ALTER TABLE tickets ADD COLUMN invite_route TEXT;
ALTER TABLE tickets ADD COLUMN number_hash TEXT;
