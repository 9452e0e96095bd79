-- A published report's PDF, printed once by Chromium after its publication (issue 37, SPEC §14):
-- one per revision and language. A revision without one links its print view instead.
CREATE TABLE report_pdfs (
    period_label TEXT NOT NULL,
    scheme TEXT NOT NULL,
    revision INTEGER NOT NULL,
    lang TEXT NOT NULL,
    pdf BLOB NOT NULL,
    made_at TIMESTAMP NOT NULL,
    PRIMARY KEY (period_label, scheme, revision, lang)
);
