-- quarantine_rule_counts: quarantined rows of this run per source table and rule (a row that
-- broke several rules counts once under each). Counts only: never raw values.
SELECT source_table, rule, count(*) AS n_rows
FROM (SELECT source_table, unnest(rules) AS rule FROM quarantine WHERE run_id = $run_id)
GROUP BY ALL
ORDER BY ALL;
