-- Append one batch's failed rows (failure_frame, registered by the caller).
INSERT INTO validation_failures
SELECT $source_table, source_row, rules
FROM failure_frame;
