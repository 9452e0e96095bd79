DROP TABLE kiosk_taps;
DROP TABLE counter_takeovers;
ALTER TABLE kiosks DROP COLUMN last_seen_day;
ALTER TABLE desk_ratings DROP COLUMN settled;
