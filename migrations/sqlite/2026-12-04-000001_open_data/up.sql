-- The public face: a publication freezes, beside its two report pages, the index table it
-- was made from (the HAO CSV, byte for byte, and the JSON of /api/v1/indices) and its
-- headline figures (JSON: SIPAS with its interval, standard error and n, participation),
-- so that open data and the front page show exactly what was published. Rows published
-- before this migration have none ('' : the open data of that revision says so).
ALTER TABLE publications ADD COLUMN table_csv TEXT NOT NULL DEFAULT '';
ALTER TABLE publications ADD COLUMN table_json TEXT NOT NULL DEFAULT '';
ALTER TABLE publications ADD COLUMN headline TEXT NOT NULL DEFAULT '';
