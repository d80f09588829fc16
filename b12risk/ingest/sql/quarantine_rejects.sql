-- Quarantine the CSV records that could not be parsed: rule malformed_line, what staging kept
-- of each (its contract columns' texts, or its shape: never a column outside the contract).
INSERT INTO quarantine
SELECT $run_id, $extract_hash, source_table, source_row, ['malformed_line'], raw_values
FROM staging_rejects;
