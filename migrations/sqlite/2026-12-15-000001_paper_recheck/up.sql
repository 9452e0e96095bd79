-- Paper double entry (METHODOLOGY "Paper forms", issue 35): the second typist whose entry
-- differed was told which rows differ (never the first entry's values) and may read the paper
-- again once; their next entry decides. `void`, a sheet state: too few answers to count.
ALTER TABLE paper_sheets ADD COLUMN told_by BIGINT;
