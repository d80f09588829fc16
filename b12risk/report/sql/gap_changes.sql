-- gap_changes: screening gaps now (screening_status) against the gaps of the previous published
-- run (screening_status_history rows of $previous_run_id), matched on the pseudonymous
-- patient_id. A gap is a status in $gap_statuses.
--   new         a gap now that was not a gap then (or the patient was not at risk then)
--   persisting  a gap then and now
--   closed      a gap then and not now: resolved (still at risk, no longer a gap: tested or
--               treated) or left (no longer on the at-risk list: left the cohorts or the extract)
WITH before AS (
    SELECT DISTINCT patient_id, list_contains($gap_statuses, status) AS gap
    FROM screening_status_history
    WHERE run_id = $previous_run_id
),
now AS (
    SELECT patient_id, list_contains($gap_statuses, status) AS gap FROM screening_status
),
paired AS (
    SELECT coalesce(b.gap, false) AS gap_before,
           coalesce(n.gap, false) AS gap_now,
           n.patient_id IS NOT NULL AS at_risk_now
    FROM before AS b
    FULL OUTER JOIN now AS n USING (patient_id)
)
SELECT count(*) FILTER (WHERE gap_before) AS n_gaps_before,
       count(*) FILTER (WHERE gap_now) AS n_gaps_now,
       count(*) FILTER (WHERE gap_now AND NOT gap_before) AS n_new,
       count(*) FILTER (WHERE gap_now AND gap_before) AS n_persisting,
       count(*) FILTER (WHERE gap_before AND NOT gap_now) AS n_closed,
       count(*) FILTER (WHERE gap_before AND NOT gap_now AND at_risk_now) AS n_closed_resolved,
       count(*) FILTER (WHERE gap_before AND NOT at_risk_now) AS n_closed_left
FROM paired;
