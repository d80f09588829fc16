-- staging_procedures: the procedures file typed (see stage_patients.sql).
CREATE OR REPLACE TABLE staging_procedures AS
WITH lenient AS (
    SELECT s.*,
           try_cast(s.performed_on AS DATE) AS performed_on_cast
    FROM staging_source($path, $columns) AS s
),
typed AS (
    SELECT l.*,
           text_to_date(l.performed_on, l.performed_on_cast) AS performed_on_typed
    FROM lenient AS l
)
SELECT patient_id, code_system, code,
       performed_on_typed AS performed_on,
       CASE WHEN unparsed(performed_on, performed_on_typed)
            THEN [performed_on] END AS source_texts
FROM typed;
