-- Append the numbered reject records (reject_frame, registered by the caller).
INSERT INTO staging_rejects
SELECT source_table, source_row, raw_values, error_types
FROM reject_frame;
