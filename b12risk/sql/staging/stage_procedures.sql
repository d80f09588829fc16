-- staging_procedures: the procedures file typed (see stage_patients.sql).
CREATE OR REPLACE TABLE staging_procedures AS
WITH typed AS (
    SELECT s.*, text_to_date(s.performed_on) AS performed_on_typed
    FROM staging_source($path, $columns) AS s
)
SELECT patient_id, code_system, code,
       performed_on_typed AS performed_on,
       unparsed_text(performed_on, performed_on_typed) AS performed_on_text
FROM typed;
