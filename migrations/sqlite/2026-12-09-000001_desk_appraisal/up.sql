-- Desk ratings fit for an appraisal (issue 30).
--
-- No order within a day: the table has no rowid (SQLite kept ratings in arrival order by it);
-- rows sit in the order of their random key, and once a day has closed its ratings are
-- rewritten in random order and marked `settled` (a rating arriving later for that day, from
-- an offline queue, is unsettled again until the next rewrite).
CREATE TABLE desk_ratings_new (
    id TEXT PRIMARY KEY NOT NULL,
    kiosk_id BIGINT NOT NULL REFERENCES kiosks(id),
    unit_code TEXT NOT NULL REFERENCES units(code),
    counter TEXT NOT NULL,
    day DATE NOT NULL,
    score SMALLINT NOT NULL,
    reasons TEXT NOT NULL DEFAULT '',
    comment TEXT,
    flag TEXT,
    synthetic BOOLEAN NOT NULL DEFAULT 0,
    officer_id BIGINT,
    settled BOOLEAN NOT NULL DEFAULT 0
) WITHOUT ROWID;
INSERT INTO desk_ratings_new
    (id, kiosk_id, unit_code, counter, day, score, reasons, comment, flag, synthetic, officer_id, settled)
    SELECT id, kiosk_id, unit_code, counter, day, score, reasons, comment, flag, synthetic, officer_id, 0
    FROM desk_ratings;
DROP TABLE desk_ratings;
ALTER TABLE desk_ratings_new RENAME TO desk_ratings;
CREATE INDEX desk_ratings_day ON desk_ratings (day, unit_code, counter);
CREATE INDEX desk_ratings_officer ON desk_ratings (officer_id, day);
CREATE INDEX desk_ratings_unsettled ON desk_ratings (settled, day);

-- The last day a tablet sent anything (a day, never a time).
ALTER TABLE kiosks ADD COLUMN last_seen_day DATE;

-- A counter taken over from the officer who had it open: the day only. The displaced officer
-- is told at their next page (`seen`); leads see them per day.
CREATE TABLE counter_takeovers (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    day DATE NOT NULL,
    unit_code TEXT NOT NULL REFERENCES units(code),
    counter TEXT NOT NULL,
    taken_by BIGINT NOT NULL REFERENCES users(id),
    taken_from BIGINT NOT NULL REFERENCES users(id),
    seen BOOLEAN NOT NULL DEFAULT 0
);
CREATE INDEX counter_takeovers_from ON counter_takeovers (taken_from, seen);
CREATE INDEX counter_takeovers_unit ON counter_takeovers (unit_code, day);
