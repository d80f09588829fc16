-- distinct_codes: every distinct (code_system, code) of the staged event tables whose system
-- is supported (the code_systems parameter) and whose code is present: the input of the
-- codes model.
SELECT DISTINCT code_system, code
FROM (
    SELECT code_system, code FROM staging_diagnoses
    UNION ALL
    SELECT code_system, code FROM staging_prescriptions
    UNION ALL
    SELECT code_system, code FROM staging_lab_results
    UNION ALL
    SELECT code_system, code FROM staging_procedures
)
WHERE code IS NOT NULL AND list_contains($code_systems, code_system);
