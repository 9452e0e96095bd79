-- The running counts behind the indices: one row per unit, local day and form version,
-- updated in the same transaction as each response (see src/domain/index.rs, Tally).
CREATE TABLE tallies (
    unit_code TEXT NOT NULL REFERENCES units(code),
    day DATE NOT NULL,
    form_id TEXT NOT NULL,
    form_version INTEGER NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (unit_code, day, form_id, form_version)
);
CREATE INDEX tallies_day ON tallies (day);
