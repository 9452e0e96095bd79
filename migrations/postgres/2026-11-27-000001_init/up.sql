-- Hailong schema, PostgreSQL flavour. Keep in step with migrations/sqlite and src/store/schema.rs.
CREATE TABLE units (
    code TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    name_en TEXT,
    parent_code TEXT,
    form_id TEXT NOT NULL DEFAULT 'sipas-2017',
    valid_from DATE,
    valid_to DATE,
    predecessors TEXT NOT NULL DEFAULT '',
    synthetic BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL
);

-- The fingerprint of each form version as first seen, for the version guard (SPEC §5).
CREATE TABLE form_versions (
    form_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    fingerprint TEXT NOT NULL,
    first_seen TIMESTAMP NOT NULL,
    PRIMARY KEY (form_id, version)
);

CREATE TABLE tickets (
    code TEXT PRIMARY KEY NOT NULL,
    unit_code TEXT NOT NULL REFERENCES units(code),
    issued_at TIMESTAMP NOT NULL,
    issued_date DATE NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    dossier_ref TEXT,
    field TEXT,
    used_at TIMESTAMP,
    synthetic BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX tickets_unit_date ON tickets (unit_code, issued_date);

-- One row per response. No IP address, no device data, no name: see METHODOLOGY §6.
CREATE TABLE responses (
    id BIGSERIAL PRIMARY KEY,
    submission_id TEXT NOT NULL UNIQUE,
    unit_code TEXT NOT NULL REFERENCES units(code),
    form_id TEXT NOT NULL,
    form_version INTEGER NOT NULL,
    ticket_code TEXT UNIQUE REFERENCES tickets(code),
    source TEXT NOT NULL,
    submitted_at TIMESTAMP NOT NULL,
    local_date DATE NOT NULL,
    answers TEXT NOT NULL,
    comment TEXT,
    digest TEXT NOT NULL,
    synthetic BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX responses_unit_date ON responses (unit_code, local_date);
CREATE INDEX responses_date ON responses (local_date);
CREATE INDEX responses_form ON responses (form_id, form_version);

-- Dossiers whose results a unit returned on a day (trả kết quả), from the one-stop software.
CREATE TABLE dossier_counts (
    unit_code TEXT NOT NULL REFERENCES units(code),
    day DATE NOT NULL,
    dossiers INTEGER NOT NULL,
    synthetic BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (unit_code, day)
);

-- Bearer tokens for machine clients, stored only as SHA-256 hashes.
CREATE TABLE api_tokens (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    unit_code TEXT REFERENCES units(code),
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);

CREATE TABLE settings (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);
