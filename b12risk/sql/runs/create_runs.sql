-- runs: one row per pipeline run that reached the warehouse (a history table: it is carried
-- into every newly published warehouse). Counts prove reconciliation: read = loaded + quarantined.
-- source: the manifest's `source` (added after the first release: a runs table carried from an
-- older warehouse gets the column, empty for its runs).
CREATE TABLE IF NOT EXISTS runs (
    run_id VARCHAR NOT NULL,
    extract_id VARCHAR,
    extract_hash VARCHAR NOT NULL,
    as_of DATE NOT NULL,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    status VARCHAR NOT NULL,
    package_version VARCHAR NOT NULL,
    config_source VARCHAR,
    source VARCHAR,
    patients_read BIGINT, patients_loaded BIGINT, patients_quarantined BIGINT,
    diagnoses_read BIGINT, diagnoses_loaded BIGINT, diagnoses_quarantined BIGINT,
    prescriptions_read BIGINT, prescriptions_loaded BIGINT, prescriptions_quarantined BIGINT,
    lab_results_read BIGINT, lab_results_loaded BIGINT, lab_results_quarantined BIGINT,
    procedures_read BIGINT, procedures_loaded BIGINT, procedures_quarantined BIGINT
);
ALTER TABLE runs ADD COLUMN IF NOT EXISTS source VARCHAR;
