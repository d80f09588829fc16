-- cohort_attrition: the population (step 0), then each enabled cohort in config order
-- (steps 1..n, label = cohort name), then anyone in any cohort (step n + 1).
CREATE OR REPLACE TABLE cohort_attrition AS
WITH cohort_steps AS (
    SELECT unnest($cohorts) AS label, generate_subscripts($cohorts, 1) AS step
),
cohort_counts AS (
    SELECT s.step, s.label, count(m.patient_id) AS n_patients
    FROM cohort_steps AS s
    LEFT JOIN cohort_membership AS m ON m.cohort = s.label
    GROUP BY s.step, s.label
),
steps AS (
    SELECT 0 AS step, 'population' AS label, (SELECT count(*) FROM population) AS n_patients
    UNION ALL
    SELECT step, label, n_patients FROM cohort_counts
    UNION ALL
    SELECT len($cohorts) + 1, 'any_cohort',
           (SELECT count(DISTINCT patient_id) FROM cohort_membership)
)
SELECT step::INTEGER AS step, label::VARCHAR AS label, n_patients::BIGINT AS n_patients,
       $run_id AS run_id
FROM steps
ORDER BY step;
