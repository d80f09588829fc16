-- cohort_membership: one row per patient per cohort, filled by the cohort files (INSERT BY
-- NAME). Created empty here, patient_id typed as in population.
CREATE OR REPLACE TABLE cohort_membership AS
SELECT patient_id,
       NULL::VARCHAR AS cohort,
       NULL::VARCHAR AS rule,
       NULL::VARCHAR AS evidence_code_system,
       NULL::VARCHAR AS evidence_code,
       NULL::DATE AS evidence_date,
       NULL::DATE AS era_start,
       NULL::DATE AS era_end,
       NULL::INTEGER AS era_days,
       NULL::INTEGER AS era_prescriptions,
       NULL::VARCHAR AS run_id
FROM population
LIMIT 0;
