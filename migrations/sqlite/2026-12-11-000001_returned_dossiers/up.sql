-- Returned dossiers from the one-stop software (SPEC §11, issue 33): one row a dossier, its
-- reference kept only as a keyed hash (the same dossier sent twice is one row). No phone and
-- nothing that points to a response: a unit, days and a channel.
CREATE TABLE returned_dossiers (
    ref_hash TEXT PRIMARY KEY NOT NULL,
    unit_code TEXT NOT NULL REFERENCES units (code),
    procedure_code TEXT,
    received_on DATE NOT NULL,
    due_on DATE NOT NULL,
    returned_on DATE NOT NULL,
    channel TEXT NOT NULL,
    invite BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX returned_dossiers_unit_day ON returned_dossiers (unit_code, returned_on);
