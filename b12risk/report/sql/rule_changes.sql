-- rule_changes: the rules whose checksum (runs.rule_checksums: each cohort, screening_status,
-- codelists) differs between run $run_id and the earlier run $previous_run_id, or that only one
-- of the two has. known = false when the earlier run recorded no checksums (an older version).
WITH checksums AS (
    SELECT run_id, unnest(map_keys(rule_checksums)) AS rule,
           unnest(map_values(rule_checksums)) AS checksum
    FROM runs
    WHERE run_id IN ($run_id, $previous_run_id)
),
now AS (SELECT rule, checksum FROM checksums WHERE run_id = $run_id),
before AS (SELECT rule, checksum FROM checksums WHERE run_id = $previous_run_id),
final AS (
    SELECT coalesce(n.rule, b.rule) AS rule
    FROM now AS n
    FULL JOIN before AS b ON b.rule = n.rule
    WHERE n.checksum IS DISTINCT FROM b.checksum
)
SELECT (SELECT count(*) > 0 FROM before) AS known, list(rule ORDER BY rule) AS rules
FROM final;
