-- staging_diagnoses: the diagnoses file typed (see stage_patients.sql).
CREATE OR REPLACE TABLE staging_diagnoses AS
WITH typed AS (
    SELECT s.*, text_to_date(s.recorded_on) AS recorded_on_typed
    FROM staging_source($path, $columns) AS s
)
SELECT patient_id, code_system, code,
       recorded_on_typed AS recorded_on,
       unparsed_text(recorded_on, recorded_on_typed) AS recorded_on_text
FROM typed;
