DROP TABLE settings;
DROP TABLE api_tokens;
DROP TABLE dossier_counts;
DROP TABLE responses;
DROP TABLE tickets;
DROP TABLE form_versions;
DROP TABLE units;
