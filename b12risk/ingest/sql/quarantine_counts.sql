-- quarantine_counts: this run's quarantined rows per source table, and per table and rule
-- (a row that broke several rules counts once under each). Counts only, never values.
SELECT source_table, NULL AS rule, count(*) AS n_rows
FROM quarantine
WHERE run_id = $run_id AND extract_hash = $extract_hash
GROUP BY source_table
UNION ALL
SELECT source_table, rule, count(*)
FROM (
    SELECT source_table, unnest(rules) AS rule
    FROM quarantine
    WHERE run_id = $run_id AND extract_hash = $extract_hash
)
GROUP BY source_table, rule;
