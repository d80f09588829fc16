-- Quarantine the rule failures of one table: its staged text as JSON (column -> raw string).
INSERT INTO quarantine
SELECT $run_id, $extract_hash, f.source_table, f.source_row, f.rules,
       json_remove(to_json(s), '$.source_row')
FROM query_table($staging_table) AS s
JOIN validation_failures AS f ON f.source_row = s.source_row
WHERE f.source_table = $source_table;
