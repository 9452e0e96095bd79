-- Rating tablets at the counters (Decree 118/2025 Art. 31(b)). A kiosk is made for a counter
-- of a unit with a pairing code (only its hash, valid 10 minutes, used once); pairing sets the
-- device's secret (only its hash), which lets the tablet post ratings for that counter alone.
CREATE TABLE kiosks (
    id BIGSERIAL PRIMARY KEY,
    unit_code TEXT NOT NULL REFERENCES units(code),
    counter TEXT NOT NULL,
    pairing_hash TEXT UNIQUE,
    pairing_expires_at TIMESTAMP,
    secret_hash TEXT UNIQUE,
    created_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL,
    paired_at TIMESTAMP,
    revoked_at TIMESTAMP,
    synthetic BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX kiosks_unit ON kiosks (unit_code, counter);

-- One tap on a tablet: the tablet's own UUID as the key (no serial number to order ratings
-- by arrival), the day only, the score, the reasons (Art. 33 codes, comma-separated) and a
-- comment for scores of 3 or less, and the misuse flag decided on arrival.
CREATE TABLE desk_ratings (
    id TEXT PRIMARY KEY NOT NULL,
    kiosk_id BIGINT NOT NULL REFERENCES kiosks(id),
    unit_code TEXT NOT NULL REFERENCES units(code),
    counter TEXT NOT NULL,
    day DATE NOT NULL,
    score SMALLINT NOT NULL,
    reasons TEXT NOT NULL DEFAULT '',
    comment TEXT,
    flag TEXT,
    synthetic BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX desk_ratings_day ON desk_ratings (day, unit_code, counter);
