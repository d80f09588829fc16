-- Quarantine the CSV records that could not be parsed: rule malformed_line, the raw text.
INSERT INTO quarantine
SELECT $run_id, $extract_hash, source_table, source_row, ['malformed_line'], raw_line
FROM staging_rejects;
