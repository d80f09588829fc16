-- quarantine_table_counts: quarantined rows of this run per source table.
SELECT source_table, count(*) AS n_rows
FROM quarantine
WHERE run_id = $run_id
GROUP BY ALL
ORDER BY ALL;
