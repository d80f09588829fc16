-- screening_status: one row for every patient in at least one cohort at the as-of date.
-- The first status that applies wins: the CASE branches follow the precedence declared in
-- schemas/statuses.py (a test checks it). The boundaries, exactly:
--   excluded_on_treatment  a B12 treatment 0..$treatment_lookback_days days before the as-of
--                          date (both ends included: 365 days before counts, 366 does not)
--   abnormal_untreated     the latest test is deficient and no treatment on or after its date
--   never_tested           no test on record
--   overdue                the as-of date is after due_on
--   due_soon               due_on is at most $due_soon_days days after the as-of date
CREATE OR REPLACE TABLE screening_status AS
SELECT p.patient_id, p.practice_id, p.sex, p.age,
       CASE
           WHEN date_diff('day', r.last_treatment_on, $as_of::DATE) <= $treatment_lookback_days
               THEN 'excluded_on_treatment'
           WHEN t.last_result_deficient
                AND (r.last_treatment_on IS NULL OR r.last_treatment_on < t.last_test_on)
               THEN 'abnormal_untreated'
           WHEN t.last_test_on IS NULL THEN 'never_tested'
           WHEN $as_of::DATE > d.due_on THEN 'overdue'
           WHEN date_diff('day', $as_of::DATE, d.due_on) <= $due_soon_days THEN 'due_soon'
           ELSE 'up_to_date'
       END AS status,
       s.cohorts,
       t.last_test_on,
       t.last_test_code,
       t.last_result_pmol_l,
       coalesce(t.last_result_judged, false) AS last_result_judged,
       s.interval_days,
       d.due_on,
       r.last_treatment_on,
       $run_id::VARCHAR AS run_id
FROM status_scope AS s
JOIN population AS p ON p.patient_id = s.patient_id
LEFT JOIN status_latest_test AS t ON t.patient_id = s.patient_id
LEFT JOIN status_treatment AS r ON r.patient_id = s.patient_id
LEFT JOIN status_due AS d ON d.patient_id = s.patient_id;
