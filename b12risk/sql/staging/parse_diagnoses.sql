-- parsed_diagnoses: staged diagnoses typed, with the helper columns the rules read:
-- the patient (loaded_patients) and the code's format verdict (code_format_failures).
-- Column order is schemas.extract.batch_columns('diagnoses').
CREATE OR REPLACE TABLE parsed_diagnoses AS
WITH typed AS (
    SELECT s.*, text_to_date(s.recorded_on) AS recorded_on_typed
    FROM staging_diagnoses AS s
)
SELECT t.patient_id, t.code_system, t.code,
       t.recorded_on_typed AS recorded_on,
       t.source_row,
       t.recorded_on IS NOT NULL AND t.recorded_on_typed IS NULL AS recorded_on_unparsed,
       p.patient_id IS NOT NULL AS patient_known,
       p.year_of_birth AS patient_year_of_birth,
       f.code IS NULL AS code_format_ok
FROM typed AS t
LEFT JOIN loaded_patients AS p ON p.patient_id = t.patient_id
LEFT JOIN code_format_failures AS f ON f.code_system = t.code_system AND f.code = t.code;
