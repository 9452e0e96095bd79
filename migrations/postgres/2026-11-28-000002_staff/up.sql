-- Staff accounts (Home Affairs Office admins, unit officers, leaders as viewers), their
-- sessions, and the audit log of what staff did. Passwords are argon2id hashes;
-- only session tokens are stored, as SHA-256 hashes (the CSRF token is per session).
CREATE TABLE users (
    id BIGSERIAL PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    unit_code TEXT REFERENCES units(code),
    created_at TIMESTAMP NOT NULL,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until TIMESTAMP,
    disabled BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users(id),
    csrf TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE audit_log (
    id BIGSERIAL PRIMARY KEY,
    at TIMESTAMP NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    outcome TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at);
