-- staging_diagnoses: the diagnoses file typed (see stage_patients.sql).
CREATE OR REPLACE TABLE staging_diagnoses AS
WITH lenient AS (
    SELECT s.*,
           try_cast(s.recorded_on AS DATE) AS recorded_on_cast
    FROM staging_source($path, $columns) AS s
),
typed AS (
    SELECT l.*,
           text_to_date(l.recorded_on, l.recorded_on_cast) AS recorded_on_typed
    FROM lenient AS l
)
SELECT patient_id, code_system, code,
       recorded_on_typed AS recorded_on,
       CASE WHEN unparsed(recorded_on, recorded_on_typed)
            THEN [recorded_on] END AS source_texts
FROM typed;
