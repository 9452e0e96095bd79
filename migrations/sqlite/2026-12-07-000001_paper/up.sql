-- Paper questionnaires (Decree 118/2025 Art. 31(a) and (3)). A printed sheet carries a one-time
-- code (a ticket). Two different users type it; the first entry waits, the second is compared
-- answer by answer: equal, the sheet becomes one response (source `paper`) and both entries
-- are deleted (no answer stays next to its code); different, the sheet waits for a third user
-- who made neither entry.
CREATE TABLE paper_sheets (
    code TEXT PRIMARY KEY REFERENCES tickets(code),
    unit_code TEXT NOT NULL REFERENCES units(code),
    state TEXT NOT NULL,
    first_by BIGINT NOT NULL REFERENCES users(id),
    second_by BIGINT REFERENCES users(id),
    settled_by BIGINT REFERENCES users(id),
    entered_on DATE NOT NULL
);
CREATE INDEX paper_sheets_state ON paper_sheets (state, unit_code);

CREATE TABLE paper_entries (
    code TEXT NOT NULL REFERENCES paper_sheets(code),
    entered_by BIGINT NOT NULL REFERENCES users(id),
    form TEXT NOT NULL,
    written_on DATE,
    typed TEXT NOT NULL,
    PRIMARY KEY (code, entered_by)
);
