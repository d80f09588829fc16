-- parsed_procedures: staged procedures typed, with the helper columns the rules read
-- (see parse_diagnoses.sql). Column order is schemas.extract.batch_columns('procedures').
CREATE OR REPLACE TABLE parsed_procedures AS
WITH typed AS (
    SELECT s.*, text_to_date(s.performed_on) AS performed_on_typed
    FROM staging_procedures AS s
)
SELECT t.patient_id, t.code_system, t.code,
       t.performed_on_typed AS performed_on,
       t.source_row,
       t.performed_on IS NOT NULL AND t.performed_on_typed IS NULL AS performed_on_unparsed,
       p.patient_id IS NOT NULL AS patient_known,
       p.year_of_birth AS patient_year_of_birth,
       f.code IS NULL AS code_format_ok
FROM typed AS t
LEFT JOIN loaded_patients AS p ON p.patient_id = t.patient_id
LEFT JOIN code_format_failures AS f ON f.code_system = t.code_system AND f.code = t.code;
