-- staging_lab_results: the lab results file typed (see stage_patients.sql).
CREATE OR REPLACE TABLE staging_lab_results AS
WITH typed AS (
    SELECT s.*,
           text_to_date(s.taken_on) AS taken_on_typed,
           text_to_double(s.value) AS value_typed
    FROM staging_source($path, $columns) AS s
)
SELECT patient_id, code_system, code,
       taken_on_typed AS taken_on,
       value_typed AS value,
       unit,
       unparsed_text(taken_on, taken_on_typed) AS taken_on_text,
       unparsed_text(value, value_typed) AS value_text
FROM typed;
