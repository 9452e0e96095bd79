-- The release calendar (issue 37, SPEC §14): a period's publication date when an admin set one
-- (otherwise the period's end + --publish-after-days).
CREATE TABLE release_dates (
    period_label TEXT NOT NULL,
    scheme TEXT NOT NULL,
    due_on DATE NOT NULL,
    set_by TEXT NOT NULL,
    set_at TIMESTAMP NOT NULL,
    PRIMARY KEY (period_label, scheme)
);
