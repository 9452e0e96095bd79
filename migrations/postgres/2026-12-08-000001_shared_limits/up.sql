-- State that every node behind one proxy must share (issue 22).
--
-- Password attempts on what is not an account row (a name that is no account, a known
-- device's cookie), counted as an account's are: `key` is the SHA-256 of the name or nonce
-- (a mistyped name may be a password). Rows silent for a day are removed.
CREATE TABLE throttles (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    tries INTEGER NOT NULL,
    wait_until TIMESTAMP NOT NULL,
    last_at TIMESTAMP NOT NULL,
    PRIMARY KEY (kind, key)
);
CREATE INDEX throttles_last_at ON throttles (last_at);

-- Per-client request counts of the rate limits, one row per limit, client and fixed window.
-- `client` is a keyed hash (HMAC-SHA256 under a key in `settings`) of the address's network
-- part, never the address; a row is removed once its window no longer counts (`expires_s`,
-- Unix seconds). UNLOGGED: counters are not worth a WAL write, and a crash only forgets them.
CREATE UNLOGGED TABLE rate_counts (
    scope TEXT NOT NULL,
    client BIGINT NOT NULL,
    win BIGINT NOT NULL,
    hits INTEGER NOT NULL,
    expires_s BIGINT NOT NULL,
    PRIMARY KEY (scope, client, win)
);
CREATE INDEX rate_counts_expires ON rate_counts (expires_s);
