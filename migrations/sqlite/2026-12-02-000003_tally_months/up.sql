-- The running tallies summed per calendar month, kept with the daily ones in the same
-- transaction: a quarter of a province reads three rows per unit instead of ninety.
-- Filled from the daily tallies on the first start after this migration.
CREATE TABLE tally_months (
    unit_code TEXT NOT NULL,
    month DATE NOT NULL,
    form_id TEXT NOT NULL,
    form_version INTEGER NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (unit_code, month, form_id, form_version)
);
CREATE INDEX tally_months_month ON tally_months (month);
