-- Published reports, frozen: the rendered page of each language is kept as it was published,
-- so late responses never change it. Re-publishing adds a revision; old ones stay readable.
CREATE TABLE publications (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    period_label TEXT NOT NULL,
    scheme TEXT NOT NULL,
    revision INTEGER NOT NULL,
    reason TEXT NOT NULL,
    published_at TIMESTAMP NOT NULL,
    published_by TEXT NOT NULL,
    html_vi TEXT NOT NULL,
    html_en TEXT NOT NULL,
    UNIQUE (period_label, scheme, revision)
);
