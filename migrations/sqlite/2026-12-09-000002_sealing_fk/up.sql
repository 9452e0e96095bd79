-- SQLite defers foreign keys per transaction (PRAGMA defer_foreign_keys in the sealing
-- transaction, issue 31 B1); nothing to change in the schema. Kept in step with PostgreSQL.
SELECT 1;
