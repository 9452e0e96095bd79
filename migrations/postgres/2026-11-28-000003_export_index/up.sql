-- The raw export pages through a period by (local_date, id).
CREATE INDEX responses_date_id ON responses (local_date, id);
