-- patient_cohorts: one row per population patient, with one BOOLEAN column per enabled cohort
-- and any_cohort. A view cannot take parameters, so b12risk.cohorts puts one column per
-- enabled cohort in place of the cohort_columns line, from the cohort names (validated as
-- plain lower-case identifiers), e.g.
--   coalesce(list_contains(m.cohorts, 'older_adults'), false) AS "older_adults",
CREATE OR REPLACE VIEW patient_cohorts AS
SELECT p.patient_id,
       p.practice_id,
       /* cohort_columns */
       m.patient_id IS NOT NULL AS any_cohort
FROM population AS p
LEFT JOIN (
    SELECT patient_id, list(cohort) AS cohorts FROM cohort_membership GROUP BY patient_id
) AS m ON m.patient_id = p.patient_id;
