-- Password attempts on what is not an account row (a name that is no account, a known
-- device's cookie), counted as an account's are: `key` is the SHA-256 of the name or nonce
-- (a mistyped name may be a password). Rows silent for a day are removed. (The per-client
-- rate limits stay in memory on SQLite, which serves from one process; see PostgreSQL's
-- `rate_counts`.)
CREATE TABLE throttles (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    tries INTEGER NOT NULL,
    wait_until TIMESTAMP NOT NULL,
    last_at TIMESTAMP NOT NULL,
    PRIMARY KEY (kind, key)
);
CREATE INDEX throttles_last_at ON throttles (last_at);
