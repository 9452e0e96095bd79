-- "Đã nghe – đã làm" (issue 37, SPEC §14): what a unit does about a published period's weakest
-- criterion or comment topic. Public only once published; every change audited.
CREATE TABLE actions (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    unit_code TEXT NOT NULL,
    period_label TEXT NOT NULL,
    scheme TEXT NOT NULL,
    target_kind TEXT NOT NULL,
    target_code TEXT NOT NULL,
    what TEXT NOT NULL,
    who TEXT NOT NULL,
    due_on DATE NOT NULL,
    status TEXT NOT NULL,
    public_note TEXT NOT NULL,
    published BOOLEAN NOT NULL,
    done_on DATE,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX actions_unit ON actions (unit_code, published);
