-- Comment topics' rules as admins edit them at /staff/topics (issue 36, SPEC §12): every saved
-- version is kept; the newest is the one every node tags by. No comment and no tag is stored.
CREATE TABLE topic_rules (
    id BIGSERIAL PRIMARY KEY,
    rules TEXT NOT NULL,
    note TEXT NOT NULL,
    saved_by TEXT NOT NULL,
    saved_at TIMESTAMP NOT NULL
);
