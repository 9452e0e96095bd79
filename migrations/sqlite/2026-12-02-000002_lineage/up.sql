-- An answer given through a merged unit's old poster within the grace period is counted for
-- its successor; this marks it (the index table flags the unit `via_predecessor`).
ALTER TABLE responses ADD COLUMN via_predecessor BOOLEAN NOT NULL DEFAULT 0;
