-- People's names (issue 35): staff pages show a member of staff by name, not by login. Empty:
-- not given (the login is shown).
ALTER TABLE users ADD COLUMN display_name TEXT NOT NULL DEFAULT '';
