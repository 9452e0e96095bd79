-- Officers' figures (Decree 118/2025 Art. 34). A unit's lead sees the figures of the unit's
-- officers; an officer opens the counter they sit at, and the desk ratings of that counter's
-- tablets go to them while it is open.
ALTER TABLE users ADD COLUMN lead BOOLEAN NOT NULL DEFAULT 0;

-- The counters open now: one row per counter, one counter per officer. Closing deletes the
-- row, so no stored time can place a rating within its day; a row older than 12 hours counts
-- as closed.
CREATE TABLE counter_sessions (
    unit_code TEXT NOT NULL REFERENCES units(code),
    counter TEXT NOT NULL,
    officer_id BIGINT NOT NULL UNIQUE REFERENCES users(id),
    opened_at TIMESTAMP NOT NULL,
    PRIMARY KEY (unit_code, counter)
);

-- The officer who had the counter open when the rating arrived (none when nobody had).
ALTER TABLE desk_ratings ADD COLUMN officer_id BIGINT;
CREATE INDEX desk_ratings_officer ON desk_ratings (officer_id, day);

-- Code slips printed by a signed-in officer carry that officer, and so do the answers given
-- with them: the officer is staff, the answer still holds nothing of the citizen.
ALTER TABLE tickets ADD COLUMN officer_id BIGINT;
ALTER TABLE responses ADD COLUMN officer_id BIGINT;
-- (SQLite: the added officer_id columns carry no REFERENCES, which would keep ALTER TABLE …
-- DROP COLUMN from undoing them; users are disabled, never deleted.)
