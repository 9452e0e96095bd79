ALTER TABLE responses DROP COLUMN officer_id;
ALTER TABLE tickets DROP COLUMN officer_id;
DROP INDEX desk_ratings_officer;
ALTER TABLE desk_ratings DROP COLUMN officer_id;
DROP TABLE counter_sessions;
ALTER TABLE users DROP COLUMN lead;
