-- status_scope: every patient of the population who is in at least one cohort at the as-of date,
-- with their cohorts (sorted, distinct) and the screening interval that applies to them: the
-- SHORTEST interval_days of their cohorts. $cohort_names and $cohort_interval_days come from the
-- configuration, pairwise; a cohort the configuration does not name gets $default_interval_days.
CREATE OR REPLACE TEMP TABLE status_scope AS
WITH cohort_intervals AS (
    SELECT unnest($cohort_names::VARCHAR[]) AS cohort,
           unnest($cohort_interval_days::INTEGER[]) AS interval_days
),
memberships AS (
    SELECT DISTINCT m.patient_id, m.cohort,
           coalesce(i.interval_days, $default_interval_days::INTEGER) AS interval_days
    FROM cohort_membership AS m
    SEMI JOIN population AS p ON p.patient_id = m.patient_id
    LEFT JOIN cohort_intervals AS i ON i.cohort = m.cohort
)
SELECT patient_id,
       list_sort(list(cohort)) AS cohorts,
       min(interval_days) AS interval_days
FROM memberships
GROUP BY patient_id;
