-- Desk ratings fit for an appraisal (issue 30).
--
-- No order within a day: once a day has closed its ratings are rewritten in random order in
-- one transaction and marked `settled`, so that neither `xmin` nor the row order says when a
-- rating came (a rating arriving later for that day is unsettled until the next rewrite).
ALTER TABLE desk_ratings ADD COLUMN settled BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX desk_ratings_unsettled ON desk_ratings (settled, day);

-- The last day a tablet sent anything (a day, never a time).
ALTER TABLE kiosks ADD COLUMN last_seen_day DATE;

-- A counter taken over from the officer who had it open: the day only. The displaced officer
-- is told at their next page (`seen`); leads see them per day.
CREATE TABLE counter_takeovers (
    id BIGSERIAL PRIMARY KEY,
    day DATE NOT NULL,
    unit_code TEXT NOT NULL REFERENCES units(code),
    counter TEXT NOT NULL,
    taken_by BIGINT NOT NULL REFERENCES users(id),
    taken_from BIGINT NOT NULL REFERENCES users(id),
    seen BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX counter_takeovers_from ON counter_takeovers (taken_from, seen);
CREATE INDEX counter_takeovers_unit ON counter_takeovers (unit_code, day);

-- The recent tap times of each tablet, shared by every node so that the misuse rules see all
-- of a tablet's taps whichever node they reach (METHODOLOGY "Desk ratings"). Times only, no
-- rating id; written in a transaction of their own (never the rating's); a row is removed
-- ten minutes after it was written (`expires_s`, Unix seconds). UNLOGGED: a crash only
-- forgets ten minutes of spacing.
CREATE UNLOGGED TABLE kiosk_taps (
    kiosk_id BIGINT NOT NULL,
    tapped_ms BIGINT NOT NULL,
    expires_s BIGINT NOT NULL
);
CREATE INDEX kiosk_taps_kiosk ON kiosk_taps (kiosk_id, tapped_ms);
CREATE INDEX kiosk_taps_expires ON kiosk_taps (expires_s);
