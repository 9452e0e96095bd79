DROP TABLE release_dates;
