DROP TABLE counter_takeovers;
ALTER TABLE kiosks DROP COLUMN last_seen_day;
DROP INDEX desk_ratings_unsettled;
ALTER TABLE desk_ratings DROP COLUMN settled;
