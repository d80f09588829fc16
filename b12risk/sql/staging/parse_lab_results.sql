-- parsed_lab_results: staged lab results typed, with the helper columns the rules read
-- (see parse_diagnoses.sql). Column order is schemas.extract.batch_columns('lab_results').
CREATE OR REPLACE TABLE parsed_lab_results AS
WITH typed AS (
    SELECT s.*,
           text_to_date(s.taken_on) AS taken_on_typed,
           text_to_double(s.value) AS value_typed
    FROM staging_lab_results AS s
)
SELECT t.patient_id, t.code_system, t.code,
       t.taken_on_typed AS taken_on,
       t.value_typed AS value,
       t.unit,
       t.source_row,
       t.taken_on IS NOT NULL AND t.taken_on_typed IS NULL AS taken_on_unparsed,
       t.value IS NOT NULL AND t.value_typed IS NULL AS value_unparsed,
       p.patient_id IS NOT NULL AS patient_known,
       p.year_of_birth AS patient_year_of_birth,
       f.code IS NULL AS code_format_ok
FROM typed AS t
LEFT JOIN loaded_patients AS p ON p.patient_id = t.patient_id
LEFT JOIN code_format_failures AS f ON f.code_system = t.code_system AND f.code = t.code;
