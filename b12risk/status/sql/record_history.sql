-- screening_status_history: one row per patient per recorded run; a history table, carried from
-- the published warehouse into each new one (created from its declaration when missing).
-- A rerun on the same extract (extract_hash) for the same as-of date replaces the rows of the
-- earlier run instead of adding to them.
DELETE FROM screening_status_history
WHERE extract_hash = $extract_hash AND as_of = $as_of::DATE;
INSERT INTO screening_status_history (run_id, as_of, extract_hash, patient_id, practice_id, status)
SELECT $run_id, $as_of::DATE, $extract_hash, patient_id, practice_id, status
FROM screening_status;
