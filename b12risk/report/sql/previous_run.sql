-- previous_run: the run this one's change is measured against: the latest other published run
-- (by finished_at) of a different state of the same source: another extract or another as-of
-- date, from the manifest's same `source` (a run without one matches any). A rerun of the
-- same extract for the same as-of date replaces that earlier run's status history
-- (status/record_history.sql), so comparing with it would call every gap new.
WITH this_run AS (
    SELECT extract_hash, as_of, source FROM runs WHERE run_id = $run_id
),
candidates AS (
    SELECT r.run_id, r.as_of, r.finished_at
    FROM runs AS r
    LEFT JOIN this_run AS t ON true
    WHERE r.run_id <> $run_id
      AND r.status = 'published'
      AND NOT (r.extract_hash IS NOT DISTINCT FROM t.extract_hash AND r.as_of IS NOT DISTINCT FROM t.as_of)
      AND (r.source IS NULL OR t.source IS NULL OR r.source = t.source)
),
final AS (
    SELECT run_id, as_of
    FROM candidates
    ORDER BY finished_at DESC NULLS LAST, run_id DESC
    LIMIT 1
)
SELECT * FROM final;
