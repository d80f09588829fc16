-- quarantined_texts: a sample of the texts this run quarantined in one table for one rule, for
-- recognising their shape (b12risk.value_shapes). $json_path names the column in raw_values
-- ('$.recorded_on'); NULL reads the whole raw_values (malformed_line: the line's shape). The
-- texts stay in memory to be classified: they are never logged, printed or written anywhere.
WITH quarantined AS (
    SELECT source_row, raw_values
    FROM quarantine
    WHERE run_id = $run_id
      AND source_table = $source_table
      AND list_contains(rules, $rule)
),
final AS (
    SELECT CASE WHEN $json_path IS NULL THEN raw_values
                ELSE json_extract_string(raw_values, $json_path) END AS text
    FROM quarantined
    ORDER BY source_row
    LIMIT $sample_rows
)
SELECT * FROM final WHERE text IS NOT NULL;
